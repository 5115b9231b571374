"""The files whose bytes are read to hash them, as the tests of the content-hash cache count them:
a check that takes a hash from the cache folder reads none."""

from __future__ import annotations

import hashlib
from pathlib import Path


def hash_reads(monkeypatch, cache: Path) -> list[str]:
    """The cache folder set to ``cache`` (a folder of the test, never the user's); returns the list
    of the files hashed from then on, in order, which grows as they are read."""
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(cache))
    read: list[str] = []
    real = hashlib.file_digest

    def counted(f, digest):
        read.append(f.name)
        return real(f, digest)

    monkeypatch.setattr(hashlib, "file_digest", counted)
    return read
