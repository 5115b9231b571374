"""The one error a bad checkpoint or weights file raises."""

from __future__ import annotations

import os

from highlights.errors import HighlightsError


class CheckpointError(HighlightsError):
    """A checkpoint or weights file that cannot be used; ``str(e) == "<path>: <cause>"``."""

    def __init__(self, path: str | os.PathLike, cause: str) -> None:
        self.path = str(path)
        self.cause = " ".join(str(cause).split())  # one line, whatever the underlying error said
        super().__init__(f"{self.path}: {self.cause}")

    def __reduce__(self):  # made again from its path and cause where a worker process sends it back
        return type(self), (self.path, self.cause)
