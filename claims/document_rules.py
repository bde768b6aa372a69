"""What a claim document may be (pure): its type read from the bytes, its size, a PDF without active content, a name
that is shown but never used as a path, and its SHA-256.

- **Type from the content**, never from the name or the browser's Content-Type: JPEG, PNG, WebP, HEIC/HEIF photos
  (what phones take) and PDF. Anything else is refused, even when it is called ``photo.jpg``.
- **Sizes**: an empty file is refused; a file over the per-file limit is refused; the files of one claim together
  may not pass the per-claim limit (both are settings, ``DOCUMENT_MAX_MB`` and ``CLAIM_DOCUMENTS_MAX_MB``).
- **PDFs without active content**: JavaScript (``/JavaScript``, ``/JS``, also an ``/OpenAction`` or ``/AA`` that
  runs it), ``/Launch`` actions, embedded files (``/EmbeddedFile``) and rich media are refused, including names
  spelt with ``#xx`` hex escapes (``/J#61vaScript`` is ``/JavaScript``) and names inside compressed streams (object
  streams hide dictionaries there). An encrypted PDF cannot be inspected (nor read by an adjuster): refused.
- **Names**: a name with a path (``/`` or ``\\``, ``..``) or control or bidirectional characters is refused (a
  browser sends the bare name, so such a name is a crafted request); other names are tidied (spaces folded,
  leading dots dropped, cut to ``MAX_NAME`` keeping the extension). The file is stored under a name the server
  makes (``claims/<claim id>/<uuid>.<ext>``); the given one is only shown.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass, field

from insure.errors import N_
from insure.text_input import FORBIDDEN_RE

MB = 1024 * 1024
MAX_NAME = 120  # ClaimDocument.filename
MAX_FILES_PER_UPLOAD = 10

# content type -> the extension the stored file gets
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
# ISO-BMFF brands of HEIC/HEIF still images (major brand, or a compatible brand under the generic mif1/msf1)
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
HEIF_GENERIC = {b"mif1", b"msf1"}

# PDF names that start or carry active content
ACTIVE_PDF_NAMES = {"JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia"}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<!end)stream\r?\n(.*?)endstream", re.S)
UNREADABLE = "?unreadable-object-stream"
MAX_INFLATED = 64 * MB  # the most decompressed stream data one PDF may expand to while it is inspected


@dataclass(frozen=True)
class Refusal:
    """Why a file is refused: a stable code and a message (msgid with its parameters)."""

    code: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    """A file that may be stored: its shown name, its type from the bytes, its size and fingerprint."""

    filename: str
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff(data: bytes) -> str | None:
    """The content type the bytes are (one of ``EXTENSIONS``), or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _is_heic(data):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _is_heic(data: bytes) -> bool:
    """An ISO-BMFF ``ftyp`` box naming a HEIC brand (as major brand, or compatible under mif1/msf1)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box = int.from_bytes(data[:4], "big")
    if box < 16 or box > min(len(data), 4096):
        return False
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, box - 3, 4)}
    return major in HEIC_BRANDS or (major in HEIF_GENERIC and bool(compatible & HEIC_BRANDS))


def pdf_names(data: bytes) -> set[str]:
    """Every name in the PDF's objects, hex escapes decoded (``/J#61vaScript`` -> ``JavaScript``): from the file
    outside its streams (stream data is binary: images would read as random names) and from inside its object
    streams (``/Type /ObjStm``, Flate-compressed), where dictionaries may hide. An object stream that cannot be
    decompressed adds ``UNREADABLE``."""
    names = _names_in(_STREAM.sub(b"stream\nendstream", data))
    budget = MAX_INFLATED
    for match in _STREAM.finditer(data):
        window = data[max(0, match.start() - 2048) : match.start()]
        head = window[window.rfind(b"obj") :] if b"obj" in window else window
        if "ObjStm" not in _names_in(head):
            continue
        inflated = _inflate(match.group(1), budget)
        if not inflated:
            names.add(UNREADABLE)
            continue
        budget -= len(inflated)
        names |= _names_in(inflated)
        if budget <= 0:
            names.add(UNREADABLE)
            break
    return names


def _names_in(chunk: bytes) -> set[str]:
    found = set()
    for raw in _PDF_NAME.findall(chunk):
        decoded = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        found.add(decoded.decode("latin-1"))
    return found


def _inflate(chunk: bytes, budget: int) -> bytes:
    """The stream's data decompressed (zlib), at most ``budget`` bytes; empty if it is not zlib data."""
    try:
        return zlib.decompressobj().decompress(chunk, max(budget, 0))
    except zlib.error:
        return b""


def pdf_refusal(data: bytes) -> Refusal | None:
    """Why this PDF may not be stored (active content, encryption), or None."""
    names = pdf_names(data)
    if "Encrypt" in names:
        return Refusal("pdf_encrypted", N_("This PDF is password-protected; upload it without the protection."))
    if UNREADABLE in names:
        return Refusal(
            "pdf_unreadable", N_("This PDF cannot be checked; save it again as a plain PDF or upload a photo.")
        )
    active = sorted(names & ACTIVE_PDF_NAMES)
    if active:
        return Refusal(
            "pdf_active_content",
            N_("This PDF contains scripts, actions or embedded files (%(what)s); upload a plain PDF or a photo."),
            {"what": ", ".join(active)},
        )
    return None


def filename_refusal(name: str) -> Refusal | None:
    """A name with a path or with control or bidirectional characters is refused (browsers send bare names)."""
    if FORBIDDEN_RE.search(name) or any(ch in name for ch in "\t\n\r"):
        return Refusal(
            "filename_invalid", N_("The file name contains characters that are not allowed; rename the file.")
        )
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        return Refusal("filename_invalid", N_("The file name may not contain a folder path; rename the file."))
    return None


def clean_filename(name: str, extension: str) -> str:
    """The name as shown: NFC, spaces folded, no leading dots, at most ``MAX_NAME`` characters (the extension
    kept); a name that is empty afterwards becomes ``document.<ext>``."""
    name = " ".join(unicodedata.normalize("NFC", name).split()).lstrip(". ")
    if not name:
        return f"document.{extension}"
    if len(name) <= MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 10:
        return stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
    return name[:MAX_NAME].rstrip()


def check_file(name: str, data: bytes, max_bytes: int, *, too_large: bool = False) -> Accepted | Refusal:
    """One uploaded file: refused (with the first reason) or accepted with its type, shown name and SHA-256.
    ``too_large``: the reader stopped past ``max_bytes`` (``data`` is then cut)."""
    if refusal := filename_refusal(name):
        return refusal
    if not data:
        return Refusal("file_empty", N_("This file is empty."))
    if too_large or len(data) > max_bytes:
        return Refusal("file_too_large", N_("This file is larger than %(max)s MB."), {"max": _mb(max_bytes)})
    content_type = sniff(data)
    if content_type is None:
        return Refusal(
            "file_type_not_allowed",
            N_("Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be uploaded; this file is neither."),
        )
    if content_type == "application/pdf" and (refusal := pdf_refusal(data)):
        return refusal
    ext = EXTENSIONS[content_type]
    return Accepted(clean_filename(name, ext), content_type, ext, len(data), hashlib.sha256(data).hexdigest())


def over_claim_limit(stored_bytes: int, new_sizes: list[int], max_bytes: int) -> int | None:
    """The index of the first new file that takes the claim's documents over ``max_bytes``, or None."""
    total = stored_bytes
    for index, size in enumerate(new_sizes):
        total += size
        if total > max_bytes:
            return index
    return None


def claim_limit_refusal(max_bytes: int) -> Refusal:
    return Refusal(
        "claim_documents_too_large",
        N_("The documents of one claim may take at most %(max)s MB together."),
        {"max": _mb(max_bytes)},
    )


def _mb(size: int) -> str:
    return f"{size / MB:g}"


def content_disposition(filename: str) -> str:
    """``inline`` with the shown name: an ASCII fallback (quotes, backslashes and non-ASCII replaced) and the
    UTF-8 name percent-encoded (RFC 6266 / 8187), so no name can break the header."""
    from urllib.parse import quote

    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename) or "document"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
