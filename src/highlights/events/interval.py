"""What an annotated event, a candidate window and a highlight have in common: a stretch of the
game with an optional key moment, and the one rule for where that moment is."""

from __future__ import annotations

from collections.abc import Iterable


def key_moment(start_s: float, end_s: float, key_s: float | None) -> float:
    """The key moment (contact, release) where one is known, else the middle of the stretch."""
    return float(key_s) if key_s is not None else 0.5 * (start_s + end_s)


def covered_seconds(spans: Iterable[tuple[float, float]]) -> float:
    """Seconds of the game inside at least one `(start_s, end_s)` span. This is a reel's length:
    the reel plays each source frame once, so footage two highlights share counts once."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted((float(a), float(b)) for a, b in spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


class Interval:
    """Mixin for records with `start_s`, `end_s` and `key_s` (seconds; `key_s` may be None)."""

    start_s: float
    end_s: float
    key_s: float | None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def moment_s(self) -> float:
        """Where matching and windows centre on: `key_moment` of this stretch."""
        return key_moment(self.start_s, self.end_s, self.key_s)
