"""The batch layer's error: a bad batch request (inputs, manifest, output folder), one line."""

from __future__ import annotations

from highlights.errors import HighlightsError


class BatchError(HighlightsError, ValueError):
    """str(e) is one line naming the file and the cause."""
