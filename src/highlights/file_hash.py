"""The SHA-256 of a file's bytes: how datasets name clips, caches key decoded clips and reports and
int8 models tie themselves to the exact checkpoint they were made from."""

from __future__ import annotations

import hashlib
import os
from importlib.resources.abc import Traversable


def file_sha256(path: str | os.PathLike | Traversable) -> str:
    """`path` may be a packaged file (`packaged_file`), which is read where it is, zip member or file."""
    with (open(path, "rb") if isinstance(path, (str, os.PathLike)) else path.open("rb")) as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
