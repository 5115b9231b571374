"""Whether a file is still the one seen before, without reading it whole: its size, its
modification time and the SHA-256 of its first and last MiB.

A long game's video, a checkpoint and a review's source are compared this way before work made
from them is reused (a stopped run's kept frames and clips, a batch's game folders, a process's
loaded classifier, the review's browser copy). Size and modification time alone take a file
replaced by another of the same size whose modification time was put back (`touch -r`, a sync tool
or `cp -p` keeping times) for the old one; the two hashed ends tell them apart at the cost of
reading 2 MiB, not the whole file.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

HASHED_BYTES = 1 << 20  # of the file's start and of its end


def file_identity(path: str | os.PathLike) -> dict[str, Any]:
    """``{"size", "mtime_ns", "sha256_ends"}`` of ``path`` (OSError where it cannot be read). The
    size and time are the open file's, so they describe the bytes hashed even where the path is
    replaced meanwhile."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        digest.update(f.read(HASHED_BYTES))
        if st.st_size > HASHED_BYTES:
            f.seek(max(HASHED_BYTES, st.st_size - HASHED_BYTES))
            digest.update(f.read(HASHED_BYTES))
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256_ends": digest.hexdigest()}
