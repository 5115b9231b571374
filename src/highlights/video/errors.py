"""The one error type every bad video raises."""

from __future__ import annotations

from pathlib import Path


class VideoError(Exception):
    """A video that cannot be read: missing, not a video, no video stream, truncated, corrupt.

    The message is always one line: ``<path>: <cause>``.
    """

    def __init__(self, path: str | Path, cause: str):
        self.path = str(path)
        self.cause = " ".join(str(cause).split())  # one line, whatever the decoder said
        super().__init__(f"{self.path}: {self.cause}")
