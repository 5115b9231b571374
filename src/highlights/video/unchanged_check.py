"""A video that changes while it is read: an upload or a recording still being written.

A file that grows while it is read (an upload still arriving, a recorder still writing a
transport stream, which has no index promising a length) decodes only the part that was there:
a run would report that part's highlights as the whole game's and exit as if all went well. The
pipeline notes the file's size and modification time before it opens the video and compares them
once it has read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from highlights.video.errors import VideoError


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int


def file_state(path: str | Path) -> FileState | None:
    """The file's size and modification time, or None where it cannot be read (the reader says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileState(st.st_size, st.st_mtime_ns)


def check_unchanged(path: str | Path, before: FileState | None) -> None:
    """Raise ``VideoError`` when the file is not as it was when ``before`` was taken."""
    if before is None:
        return
    after = file_state(path)
    if after == before:
        return
    if after is None:
        change = "it was removed or replaced while it was read"
    elif after.size != before.size:
        change = f"it changed while it was read (from {before.size} to {after.size} bytes)"
    else:
        change = "it was rewritten while it was read"
    raise VideoError(str(path), f"{change}: a file still being written (an upload or a recording in "
                                "progress) reads as its first part only; run it again once it is complete")
