"""The HTML page's timeline as inline SVG, drawn in code so each bar can link to its card.

Written by hand rather than by matplotlib's SVG backend: the page needs one `<a href="#hl-003">`
per bar and a `<title>` tooltip per bar, which is a few lines of markup here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from highlights.counted_noun import counted
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.hatch_tiles import TILE, hatch_patterns, hatched_rect
from highlights.pipeline.outputs.naming import anchor_id
from highlights.pipeline.outputs.segments import Segment, stacked_rows
from highlights.pipeline.outputs.sport_colors import colour_key, sport_hatches, sport_palette, sports_of_several_classes
from highlights.pipeline.outputs.timecode import clock_timecode, short_clock

_NICE_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]
LANE_H = 26       # a lane's height, its bars sharing it while they stay MIN_BAR_H tall or more
MIN_BAR_H = 10    # a bar's least height: highlights overlapping in time grow their lane instead
# A bar's least width: one tile of its hatch, so that across a long game a few seconds' highlight
# still shows which sport it is without its colour (at 2 px, a 90-minute game's bars were slivers
# of colour, their hatch not drawn at all).
MIN_BAR_W = TILE


def tick_step(duration_s: float, max_ticks: int = 12) -> float:
    """The smallest round step (seconds) that puts at most `max_ticks` ticks on the axis."""
    for step in _NICE_STEPS_S:
        if duration_s / step <= max_ticks:
            return float(step)
    return float(_NICE_STEPS_S[-1] * (int(duration_s / (_NICE_STEPS_S[-1] * max_ticks)) + 1))


@dataclass(frozen=True)
class _Plot:
    """The plot's place on the drawing: its left edge and width (px), and the seconds it spans."""

    left: int
    width: int
    span_s: float

    def x_of(self, t: float) -> float:
        return self.left + self.width * min(max(t, 0.0), self.span_s) / self.span_s

    def shown_span(self, start_s: float, end_s: float) -> tuple[float, float]:
        """The seconds a bar of `start_s`..`end_s` is drawn across: its own, or MIN_BAR_W wide
        about its middle, kept inside the plot."""
        least = MIN_BAR_W * self.span_s / self.width
        if end_s - start_s >= least:
            return start_s, end_s
        start = min(max((start_s + end_s - least) / 2, 0.0), max(self.span_s - least, 0.0))
        return start, start + least

    def lane(self, y: float, lane_h: float, name: str) -> list[str]:
        return [
            f'<rect x="{self.left}" y="{y:g}" width="{self.width}" height="{lane_h:g}" class="lane"/>',
            f'<text x="{self.left - 8}" y="{y + lane_h / 2 + 4:.1f}" text-anchor="end" class="lane-name">'
            f"{escape(name)}</text>",
        ]


def timeline_svg(
    highlights: Sequence[Highlight],
    end_s: float,
    *,
    truth: Sequence[Segment] | None = None,
    width: int = 1000,
    colours: Mapping[str, str] | None = None,
) -> str:
    """SVG markup: an axis from 0 to `end_s`, a lane of highlight bars linking to `#hl-NNN`
    (highlights given in time order, numbered from 1), and a ground-truth lane when `truth`
    is not None. `colours`: each sport's (`sport_palette`), given when the page around it shows
    more sports than the timeline."""
    several = sports_of_several_classes(highlights)
    if colours is None:
        colours = sport_palette([colour_key(h.sport, h.label, several) for h in highlights]
                                + [colour_key(s.sport, s.label, several) for s in truth or ()])
    span = max(end_s, 1e-9)
    step = tick_step(span)
    # Room at the right for half the last time, centred on the axis's end: "1:30:00" (about 46 px
    # at the page's 12 px) was cut to "1:30:0" with 20 px. About 3.6 px is half a character.
    last_tick = short_clock(math.floor(span / step + 1e-9) * step)
    left, right, gap, top = 110, max(20, math.ceil(3.6 * len(last_tick)) + 5), 10, 10
    plot = _Plot(left, width - left - right, span)
    # Highlights whose bars overlap sit one above the other, each in the first row free at its
    # start (`stacked_rows`: as few rows as the most that overlap at one moment); a bar widened to
    # MIN_BAR_W counts as wide as it is drawn, so it hides no neighbour's hatch.
    stack, depth = stacked_rows([plot.shown_span(h.start_s, h.end_s) for h in highlights])
    bar_h = max((LANE_H - 4) / depth, MIN_BAR_H)
    predicted_h = depth * bar_h + 4
    axis_y = top + predicted_h + gap + (LANE_H + gap if truth is not None else 0)
    height = axis_y + 34

    # each sport's hatch as timeline.png draws it, so its bars read apart without their colour
    hatches = sport_hatches(colours)

    def colour_of(item: Highlight | Segment) -> str:
        return colours[colour_key(item.sport, item.label, several)]

    def hatch_of(item: Highlight | Segment) -> str:
        return hatches[colour_key(item.sport, item.label, several)]

    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:g}" '
        # with a link per bar it is a group: an image's content is one picture to a screen reader,
        # and its links could be neither named nor reached
        f'role="{"group" if highlights else "img"}" aria-label="timeline of {counted(len(highlights), "highlight")}">',
        hatch_patterns(hatches.values()),
        *plot.lane(top, predicted_h, "predicted"),
        *_highlight_bars(plot, highlights, stack, top, bar_h, colour_of, hatch_of),
    ]
    if not highlights:
        parts.append(
            f'<text x="{left + plot.width / 2:.1f}" y="{top + predicted_h / 2 + 4:.1f}" text-anchor="middle" '
            'class="none">no highlights found</text>'
        )
    if truth is not None:
        y = top + predicted_h + gap
        parts += plot.lane(y, LANE_H, "ground truth")
        parts += _truth_bars(plot, truth, y, colour_of, hatch_of)
    parts += _axis(plot, axis_y, step)
    parts.append("</svg>")
    return "".join(parts)


def _highlight_bars(plot: _Plot, highlights: Sequence[Highlight], stack: Sequence[int], y: float, bar_h: float,
                    colour_of: Callable[[Highlight], str], hatch_of: Callable[[Highlight], str]) -> list[str]:
    """A bar a highlight, in its row of the lane at `y`, linking to its card."""
    parts = []
    for number, (h, level) in enumerate(zip(highlights, stack), start=1):
        x0, x1 = (plot.x_of(t) for t in plot.shown_span(h.start_s, h.end_s))
        span_text = f"{clock_timecode(h.start_s)}-{clock_timecode(h.end_s)}"
        tip = f"#{number} {h.label} ({h.sport}) {span_text} score {h.score:.3f}"
        opacity = 0.35 + 0.65 * min(1.0, max(0.0, h.score))
        parts.append(
            f'<a href="#{anchor_id(number)}" aria-label="{escape(tip)}">'
            f'<rect x="{x0:.2f}" y="{y + 2 + level * bar_h:g}" '
            f'width="{x1 - x0:.2f}" height="{bar_h:g}" fill="{colour_of(h)}" '
            f'fill-opacity="{opacity:.2f}" class="bar"><title>{escape(tip)}</title></rect>'
            + hatched_rect(x0, y + 2 + level * bar_h, x1 - x0, bar_h, hatch_of(h)) + "</a>"
        )
    return parts


def _truth_bars(plot: _Plot, truth: Sequence[Segment], y: float, colour_of: Callable[[Segment], str],
                hatch_of: Callable[[Segment], str]) -> list[str]:
    """A bar a ground-truth event, in the lane at `y`."""
    parts = []
    for s in truth:
        x0, x1 = (plot.x_of(t) for t in plot.shown_span(s.start_s, s.end_s))
        tip = f"{s.label} ({s.sport}) {clock_timecode(s.start_s)}-{clock_timecode(s.end_s)}"
        parts.append(
            f'<rect x="{x0:.2f}" y="{y + 2:g}" width="{x1 - x0:.2f}" height="{LANE_H - 4}" '
            f'fill="{colour_of(s)}" class="truth"><title>{escape(tip)}</title></rect>'
            + hatched_rect(x0, y + 2, x1 - x0, LANE_H - 4, hatch_of(s))
        )
    return parts


def _axis(plot: _Plot, axis_y: float, step: float) -> list[str]:
    """The time axis at `axis_y`, a tick and its time every `step` seconds."""
    parts = [f'<line x1="{plot.left}" y1="{axis_y:g}" x2="{plot.left + plot.width}" y2="{axis_y:g}" class="axis"/>']
    tick = 0.0
    while tick <= plot.span_s + 1e-9:
        x = plot.x_of(tick)
        parts.append(f'<line x1="{x:.2f}" y1="{axis_y:g}" x2="{x:.2f}" y2="{axis_y + 5:g}" class="axis"/>')
        parts.append(
            f'<text x="{x:.2f}" y="{axis_y + 18:g}" text-anchor="middle" class="tick">{short_clock(tick)}</text>'
        )
        tick += step
    return parts
