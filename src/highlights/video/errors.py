"""The one error type every bad video raises."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from highlights.errors import HighlightsError
from highlights.one_line_name import one_line_name


class VideoError(HighlightsError):
    """A video that cannot be read: missing, not a video, no video stream, truncated, corrupt.

    The message is always one line: ``<path>: <cause>``.
    """

    def __init__(self, path: str | Path, cause: str):
        self.path = str(path)
        self.cause = " ".join(str(cause).split())  # one line, whatever the decoder said
        super().__init__(f"{one_line_name(self.path)}: {self.cause}")

    def __reduce__(self):
        # Made again from what it was made of where a worker process sends it back (pickle would
        # call it with the message alone), through VideoError's own making: a subclass may be made
        # of other arguments (ClipReadError of the message).
        return _video_error_again, (type(self), self.path, self.cause)


def _video_error_again(kind: type[VideoError], path: str, cause: str) -> VideoError:
    """A `VideoError` of class `kind`, as `VideoError.__reduce__` sent it."""
    error = kind.__new__(kind)
    VideoError.__init__(error, path, cause)
    return error


def error_cause(err: Exception) -> str:
    """The cause an error states: FFmpeg's message for a PyAV error (whose str() carries errno
    and the C function name besides), the system's for an OSError."""
    return getattr(err, "strerror", None) or str(err)


def frames_end_early(path: str | Path, where: str, duration_s: float) -> VideoError:
    """A video whose frames stop short of the length its index promises (``where``: "12.40 s",
    "about 41 s"), in the words of both checks of it: the pipeline's before and after its run,
    and a dataset clip's full decode."""
    return VideoError(path, f"truncated or damaged: its frames end at {where} where its index promises "
                            f"{duration_s:.2f} s (a cut-off recording or copy, or one still being written)")


def missing_file_cause(path: str | Path, *, kind: str = "a video file") -> str | None:
    """Why ``path`` cannot be opened as ``kind``, or None when it is a readable regular file's name.

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
        return f"is a directory, not {kind}"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a device, pipe or socket)"
    return None
