"""The error a training run folder raises when it cannot be used as asked."""

from __future__ import annotations

from highlights.errors import HighlightsError


class RunFolderError(HighlightsError):
    """A run folder that already holds a run, holds none to resume, or holds a different one."""
