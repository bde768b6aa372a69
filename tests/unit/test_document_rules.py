"""Claim documents (claims.document_rules): the type comes from the bytes, sizes are bounded, a PDF with active
content is refused however its names are spelt, a path never becomes a name, and every file is fingerprinted."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from claims.document_rules import (
    MB,
    Accepted,
    Refusal,
    check_file,
    clean_filename,
    content_disposition,
    over_claim_limit,
    sniff,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16
HEIF_GENERIC = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1miafheic" + b"\x00" * 16
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1miafMA1B" + b"\x00" * 16
PLAIN_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def refused(name: str, data: bytes, max_bytes: int = 10 * MB) -> str:
    outcome = check_file(name, data, max_bytes)
    assert isinstance(outcome, Refusal), outcome
    return outcome.code


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
        (HEIF_GENERIC, "image/heic"),
        (PLAIN_PDF, "application/pdf"),
    ],
)
def test_the_type_is_read_from_the_bytes(data: bytes, content_type: str) -> None:
    assert sniff(data) == content_type
    accepted = check_file("scan", data, MB)
    assert isinstance(accepted, Accepted) and accepted.content_type == content_type


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00" + b"\x00" * 40,  # a Windows program
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 20,
        AVIF,  # an ISO-BMFF image that is not HEIC
        b"PK\x03\x04" + b"\x00" * 30,  # a zip (or a Word file)
        b"  %PDF-1.4 not at the start",
    ],
)
def test_anything_else_is_refused_even_when_named_like_a_photo(data: bytes) -> None:
    assert sniff(data) is None
    assert refused("holiday.jpg", data) == "file_type_not_allowed"


def test_an_empty_file_is_refused() -> None:
    assert refused("empty.pdf", b"") == "file_empty"


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_not() -> None:
    assert refused("big.png", PNG + b"\x00" * (MB - len(PNG) + 1), max_bytes=MB) == "file_too_large"
    assert isinstance(check_file("ok.png", PNG + b"\x00" * (MB - len(PNG)), MB), Accepted)
    # the reader stopped early: the cut data is not judged as a whole file
    assert check_file("big.png", PNG, MB, too_large=True).code == "file_too_large"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body",
    [
        b"1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj 2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj",
        b"1 0 obj << /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >> endobj",
        b"1 0 obj << /Type /Catalog /AA << /O << /S /#4A#61#76#61#53#63#72#69#70#74 >> >> >> endobj",
        b"1 0 obj << /Type /Action /S /Launch /F (cmd.exe) >> endobj",
        b"1 0 obj << /Type /Filespec /EF << /F 2 0 R >> >> endobj 2 0 obj << /Type /EmbeddedFile >> endobj",
        b"1 0 obj << /Names << /EmbeddedFiles 3 0 R >> >> endobj",
    ],
    ids=["javascript", "hex-escaped", "all-hex", "launch", "embedded-file", "embedded-files"],
)
def test_a_pdf_with_active_content_is_refused(body: bytes) -> None:
    assert refused("invoice.pdf", pdf_with(body)) == "pdf_active_content"


def test_javascript_hidden_in_a_compressed_object_stream_is_found() -> None:
    hidden = zlib.compress(b"2 0 << /S /JavaScript /JS (app.alert(1)) >>")
    body = (
        b"5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(hidden)
        + hidden
        + b"\nendstream\nendobj"
    )
    assert refused("report.pdf", pdf_with(body)) == "pdf_active_content"


def test_an_object_stream_that_cannot_be_read_is_refused() -> None:
    body = b"5 0 obj << /Type /ObjStm /N 1 /Filter /LZWDecode >>\nstream\n\x80\x0b\x60\x50\nendstream\nendobj"
    assert refused("report.pdf", pdf_with(body)) == "pdf_unreadable"


def test_image_data_inside_a_pdf_is_not_read_as_names() -> None:
    # a scanned page: binary image data that happens to contain "/JS " is data, not a name
    image = b"\xff\xd8\xff\xe0 junk /JS ( /Launch more junk"
    body = b"4 0 obj << /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n" + image + b"\nendstream\nendobj"
    assert isinstance(check_file("scan.pdf", pdf_with(body), MB), Accepted)


def test_an_encrypted_pdf_is_refused() -> None:
    assert refused("locked.pdf", pdf_with(b"trailer << /Encrypt 9 0 R >>")) == "pdf_encrypted"


def test_a_plain_pdf_is_accepted_with_its_fingerprint() -> None:
    accepted = check_file("Discharge summary.pdf", PLAIN_PDF, MB)
    assert accepted == Accepted(
        "Discharge summary.pdf", "application/pdf", "pdf", len(PLAIN_PDF), hashlib.sha256(PLAIN_PDF).hexdigest()
    )


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "/etc/x.png",
        "C:\\Users\\me\\photo.jpg",
        "a/b.png",
        "..",
        "x\x00.png",
        "bad\u202egnp.exe",
    ],
)
def test_a_name_with_a_path_or_control_characters_is_refused(name: str) -> None:
    assert refused(name, PNG) == "filename_invalid"


def test_names_are_tidied_and_cut_keeping_the_extension() -> None:
    assert clean_filename("  ..hidden   photo .png ", "png") == "hidden photo .png"
    assert clean_filename("...", "png") == "document.png"
    long = clean_filename("住院" * 100 + ".pdf", "pdf")
    assert len(long) == 120 and long.endswith(".pdf")


def test_the_claim_limit_names_the_first_file_that_passes_it() -> None:
    assert over_claim_limit(50 * MB, [6 * MB, 6 * MB, 6 * MB], 60 * MB) == 1
    assert over_claim_limit(0, [4 * MB], 60 * MB) is None


def test_the_content_disposition_cannot_be_broken_by_a_name() -> None:
    header = content_disposition('发票 "1";x.pdf')
    assert header.startswith('inline; filename="')
    assert '"1"' not in header and ";x.pdf" not in header.split("filename*=")[0]
    assert header.endswith("filename*=UTF-8''%E5%8F%91%E7%A5%A8%20%221%22%3Bx.pdf")
