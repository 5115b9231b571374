"""The SHA-256 of a file's bytes: how datasets name clips, caches key decoded clips and reports and
int8 models tie themselves to the exact checkpoint they were made from."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
