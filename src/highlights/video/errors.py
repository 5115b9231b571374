"""The one error type every bad video raises."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from highlights.errors import HighlightsError


class VideoError(HighlightsError):
    """A video that cannot be read: missing, not a video, no video stream, truncated, corrupt.

    The message is always one line: ``<path>: <cause>``.
    """

    def __init__(self, path: str | Path, cause: str):
        self.path = str(path)
        self.cause = " ".join(str(cause).split())  # one line, whatever the decoder said
        super().__init__(f"{self.path}: {self.cause}")


def missing_file_cause(path: str | Path) -> str | None:
    """Why ``path`` cannot be opened as a file, or None when it is a readable regular file's name.

    Tells apart what a bare "file not found" would hide: a symbolic link loop, a link whose
    target is gone, a directory.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
        if p.is_symlink():
            return f"dangling symbolic link (it points to {os.readlink(p)}, which does not exist)"
        if e.errno == errno.ENOENT:
            return "file not found"
        if e.errno == errno.EACCES:
            return "permission denied"
        return e.strerror or str(e)
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not a video file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a device, pipe or socket)"
    return None
