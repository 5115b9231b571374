"""Ground-truth events, read by duck typing, and the time extent a timeline spans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from highlights.pipeline.highlight import Highlight


@dataclass(frozen=True)
class Segment:
    """A ground-truth event as the timelines draw it."""

    start_s: float
    end_s: float
    label: str
    sport: str
    key_s: float | None = None


def _field(event: Any, name: str) -> Any:
    if isinstance(event, Mapping):
        return event.get(name)
    return getattr(event, name, None)


def ground_truth_segments(annotation: Any) -> list[Segment]:
    """Events of a `GameAnnotation` (anything with `.events`), or a plain list of events, in time order.

    Events may be objects or dicts with `sport, label, start_s, end_s` (and optionally `key_s`).
    """
    return sorted(event_segments(annotation), key=lambda s: (s.start_s, s.end_s))


def event_segments(annotation: Any) -> list[Segment]:
    """`ground_truth_segments` in the annotation's own order, one for each of its events."""
    if annotation is None:
        return []
    events = getattr(annotation, "events", annotation)
    segments = []
    for event in events or []:
        start, end = _field(event, "start_s"), _field(event, "end_s")
        if start is None or end is None:
            raise ValueError(f"annotation event without start_s/end_s: {event!r}")
        key = _field(event, "key_s")
        segments.append(
            Segment(
                start_s=float(start),
                end_s=float(end),
                label=str(_field(event, "label") or ""),
                sport=str(_field(event, "sport") or ""),
                key_s=None if key is None else float(key),
            )
        )
    return segments


def timeline_end(duration_s: float | None, highlights: Sequence[Highlight], truth: Sequence[Segment]) -> float:
    """Right edge of a timeline: the game's duration, stretched to cover every drawn interval."""
    ends = [h.end_s for h in highlights] + [s.end_s for s in truth]
    candidates = [d for d in [duration_s, *ends] if d is not None and d > 0]
    return max(candidates) if candidates else 1.0


def stacked_rows(spans: Sequence[tuple[float, float]]) -> tuple[list[int], int]:
    """A row for each (start, end) so that no two overlapping spans share one, and the number of
    rows: drawn in one row, a later bar would hide the part of an earlier one it overlaps, and
    the picture would show that highlight shorter than it is. Spans that do not overlap (one
    ending where the next starts) share row 0.

    Taken in order of start, each span goes in the first row free by then; a new row is opened
    only when every row holds a span still running at that start, so the rows are as few as the
    most spans that overlap at one moment (interval partitioning)."""
    rows = [0] * len(spans)
    row_ends: list[float] = []
    for i in sorted(range(len(spans)), key=lambda k: (spans[k][0], spans[k][1])):
        start, end = spans[i]
        free = next((r for r, last in enumerate(row_ends) if last <= start + 1e-9), None)
        if free is None:
            free = len(row_ends)
            row_ends.append(end)
        row_ends[free] = max(end, start)
        rows[i] = free
    return rows, max(1, len(row_ends))
