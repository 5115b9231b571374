"""Where a clip was cut from, when its provenance says so (as `highlights review export` records
it): two clips cut from one video at moments that do not overlap are two moments of play, however
alike their pictures look, and never a re-encoded copy of one another."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CutSpan:
    """The source video a clip was cut from and the seconds it holds."""

    source: str
    start_s: float
    end_s: float

    def apart_from(self, other: "CutSpan | None") -> bool:
        """Cut from the same video as ``other``, with no moment in common."""
        return (other is not None and self.source == other.source
                and (self.end_s <= other.start_s or other.end_s <= self.start_s))

    def shared_s(self, other: "CutSpan | None") -> float:
        """Seconds of the same video that this clip and ``other`` both hold (0 when apart or
        cut from different videos, or ``other`` is None)."""
        if other is None or self.source != other.source:
            return 0.0
        return max(0.0, min(self.end_s, other.end_s) - max(self.start_s, other.start_s))


def cut_span(provenance: str) -> CutSpan | None:
    """The span a provenance line of JSON names (``source_video``, ``start_s``, ``end_s``), else None."""
    if not provenance.startswith("{"):
        return None
    try:
        data = json.loads(provenance)
        source, start, end = data["source_video"], float(data["start_s"]), float(data["end_s"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(source, str) or not source or not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        return None
    return CutSpan(source, start, end)
