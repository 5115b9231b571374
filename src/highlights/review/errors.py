"""The error every review operation raises for bad input: one line naming the file and the cause."""

from __future__ import annotations

from highlights.errors import HighlightsError


class ReviewError(HighlightsError, ValueError):
    """A detect folder, decision database, Label Studio file or export target that cannot be used."""
