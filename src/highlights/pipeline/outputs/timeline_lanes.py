"""Where the lanes of one row of `timeline.png` lie, and the bars in each.

Highlights that overlap in time sit one above the other in their lane (`segments.stacked_rows`:
as few levels as the most that overlap at one moment). They share the lane's usual height while
each keeps MIN_BAR or more; beyond that the lane grows, and the picture with it, rather than a
dozen overlapping highlights being squeezed into bars a few pixels tall.
"""

from __future__ import annotations

from dataclasses import dataclass

from highlights.pipeline.outputs.segments import stacked_rows

# In the axes' units, where a lane of the usual height and the gap above it make 1.
LANE_EXTENT, LANE_GAP = 0.7, 0.3
MIN_BAR = LANE_EXTENT / 4


@dataclass(frozen=True)
class LaneLayout:
    """One lane in one row: the bars shown there (`(start, end, ...)` tuples as given), the level
    of each (0 at the top), each bar's height, and the lane's centre and height."""

    shown: list[tuple]
    levels: list[int]
    bar_height: float
    centre: float
    extent: float

    @property
    def top(self) -> float:
        return self.centre + self.extent / 2

    @property
    def bottom(self) -> float:
        return self.centre - self.extent / 2

    def bar_bottom(self, level: int) -> float:
        return self.top - (level + 1) * self.bar_height


def row_lanes(lanes_bars: list[list[tuple]]) -> list[LaneLayout]:
    """The layout of each lane of a row, given each lane's bars shown in it, bottom lane first;
    the bottom lane's centre is 0 and each lane lies LANE_GAP above the one below."""
    layout: list[LaneLayout] = []
    for shown in lanes_bars:
        levels, depth = stacked_rows([(start, stop) for start, stop, *_ in shown])
        bar = max(LANE_EXTENT / depth, MIN_BAR)
        extent = depth * bar
        centre = 0.0 if not layout else layout[-1].top + LANE_GAP + extent / 2
        layout.append(LaneLayout(shown, levels, bar, centre, extent))
    return layout


def rows_height(layout: list[LaneLayout]) -> float:
    """The lanes' height with a gap each, in the axes' units (1 a lane of the usual height)."""
    return sum(lane.extent + LANE_GAP for lane in layout)
