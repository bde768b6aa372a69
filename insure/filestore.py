"""Local document store under DOCUMENT_DIR (a shared volume in production). Writes are atomic."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from insure.settings import get_settings


def _root() -> Path:
    return get_settings().document_dir


def save(relative: str, data: bytes) -> str:
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return relative


def path_of(relative: str) -> Path:
    root = _root().resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise ValueError("document path escapes the store")
    return target
