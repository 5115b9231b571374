"""Highlights that overlap in time are laid out one above the other, in as few levels as the most
that overlap at one moment, no two overlapping in one level; with many, the timelines (the page's
SVG and timeline.png) grow taller instead of squeezing bars to a few pixels."""

from __future__ import annotations

import random
import re

import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.segments import ground_truth_segments, stacked_rows
from highlights.pipeline.outputs.timeline import timeline_figure
from highlights.pipeline.outputs.timeline_lanes import LANE_EXTENT, MIN_BAR
from highlights.pipeline.outputs.timeline_svg import LANE_H, MIN_BAR_H, timeline_svg

# Five overlap at 3.5 s (A B C D E); B ends where F starts, which is no overlap; G overlaps none.
SPANS = [(0.0, 10.0), (1.0, 5.0), (2.0, 4.0), (3.0, 9.0), (3.5, 6.0), (5.0, 8.0), (12.0, 14.0)]
MOST_AT_ONCE = 5


def _most_at_once(spans) -> int:
    """The most spans running at one moment, by a sweep (an end before a start at the same time)."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans], key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] - 1e-9 and b[0] < a[1] - 1e-9


def _levels_hold_no_overlap(spans, levels) -> bool:
    return not any(levels[i] == levels[j] and _overlap(spans[i], spans[j])
                   for i in range(len(spans)) for j in range(i + 1, len(spans)))


def _highlights(spans) -> list[Highlight]:
    return [Highlight(start, end, "soccer_shooting", "soccer", 0.9) for start, end in spans]


def test_the_levels_are_as_few_as_the_most_spans_at_one_moment_and_none_holds_two_that_overlap():
    assert _most_at_once(SPANS) == MOST_AT_ONCE
    rng = random.Random(7)
    cases = [SPANS, [], [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)]]
    for _ in range(200):
        starts = [rng.uniform(0, 60) for _ in range(rng.randint(1, 30))]
        cases.append([(s, s + rng.uniform(0.5, 15)) for s in starts])
    for spans in cases:
        levels, depth = stacked_rows(spans)
        assert depth == max(1, _most_at_once(spans)), spans
        assert set(levels) <= set(range(depth)) and _levels_hold_no_overlap(spans, levels), spans
    # A spot (a results_spotting.json's, no length) inside a bar would hide part of it; two at one
    # time, or one where a bar starts or ends, hide nothing.
    assert stacked_rows([(0.0, 4.0), (2.0, 2.0)]) == ([0, 1], 2)
    assert stacked_rows([(1.0, 1.0), (1.0, 1.0), (1.0, 3.0), (3.0, 3.0)]) == ([0, 0, 0, 0], 1)


def _svg_bars(svg: str) -> list[tuple[float, float, float, float]]:
    """(x0, x1, y0, y1) of each highlight's bar."""
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"[^>]*class="bar"', svg)
    return [(float(x), float(x) + float(w), float(y), float(y) + float(h)) for x, y, w, h in rects]


def _svg_rect(svg: str, cls: str) -> list[tuple[float, float]]:
    """(y0, y1) of each rect of a class."""
    return [(float(y), float(y) + float(h))
            for y, h in re.findall(rf'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
                                   rf'height="([\d.]+)"[^>]*class="{cls}"', svg)]


def _view_height(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 \d+ ([\d.]+)"', svg).group(1))


def test_the_page_timeline_grows_a_lane_of_overlapping_highlights_instead_of_squeezing_their_bars():
    truth = ground_truth_segments([{"start_s": 2.0, "end_s": 3.0, "label": "soccer_shooting", "sport": "soccer"}])
    svg = timeline_svg(_highlights(SPANS), 20.0, truth=truth)
    bars = _svg_bars(svg)
    assert len(bars) == len(SPANS)
    levels = sorted({y0 for _, _, y0, _ in bars})
    assert len(levels) == MOST_AT_ONCE
    assert _levels_hold_no_overlap([(x0, x1) for x0, x1, _, _ in bars], [levels.index(y0) for *_, y0, _ in bars])
    assert all(y1 - y0 >= MIN_BAR_H for *_, y0, y1 in bars)
    assert all(b[3] <= c[2] + 1e-9 or c[3] <= b[2] + 1e-9  # bars of two levels never cover each other
               for b in bars for c in bars if b[2] != c[2])
    (lane_top, lane_bottom), (truth_top, truth_bottom) = _svg_rect(svg, "lane")
    assert lane_top <= min(y0 for *_, y0, _ in bars) and max(y1 for *_, y1 in bars) <= lane_bottom
    assert lane_bottom - lane_top == pytest.approx(MOST_AT_ONCE * MIN_BAR_H + 4)  # grown, where it was LANE_H
    assert lane_bottom < truth_top and truth_bottom - truth_top == LANE_H  # the ground truth lane below, as it was
    apart = timeline_svg(_highlights([(0.0, 1.0), (2.0, 3.0)]), 20.0, truth=truth)
    assert _view_height(svg) - _view_height(apart) == pytest.approx(MOST_AT_ONCE * MIN_BAR_H + 4 - LANE_H)


def test_timeline_png_grows_a_lane_of_overlapping_highlights_instead_of_squeezing_their_bars():
    figure = timeline_figure(_highlights(SPANS), duration_s=20.0)
    ax = figure.axes[0]
    boxes = [c.get_paths()[0].get_extents() for c in ax.collections]
    assert len(boxes) == len(SPANS)
    levels = sorted({round(b.y0, 9) for b in boxes})
    assert len(levels) == MOST_AT_ONCE
    assert _levels_hold_no_overlap([(b.x0, b.x1) for b in boxes], [levels.index(round(b.y0, 9)) for b in boxes])
    assert all(b.height >= MIN_BAR - 1e-9 for b in boxes)
    low, high = ax.get_ylim()
    assert low < min(b.y0 for b in boxes) and max(b.y1 for b in boxes) < high
    apart = timeline_figure(_highlights([(0.0, 1.0), (2.0, 3.0)]), duration_s=20.0)
    assert apart.axes[0].collections[0].get_paths()[0].get_extents().height == pytest.approx(LANE_EXTENT)
    # the picture taller by the lane's growth, at 0.7 in a lane's usual height
    grown = figure.get_size_inches()[1] - apart.get_size_inches()[1]
    assert grown == pytest.approx(0.7 * (MOST_AT_ONCE * MIN_BAR - LANE_EXTENT))


def test_each_sport_has_its_own_hatch_in_bars_and_legend_so_colour_is_not_the_only_cue():
    from matplotlib.collections import PolyCollection

    sports = [("baseball_swing", "baseball"), ("basketball_layup", "basketball"),
              ("soccer_shooting", "soccer"), ("spike", "volleyball")]
    highlights = [Highlight(5.0 * i, 5.0 * i + 3, label, sport, 0.8) for i, (label, sport) in enumerate(sports)]
    fig = timeline_figure(highlights, duration_s=30.0)
    bars = {c.get_gid(): c.get_hatch() for c in fig.axes[0].collections if isinstance(c, PolyCollection)}
    assert set(bars) == {f"sport {sport}" for _, sport in sports}
    assert all(bars.values()) and len(set(bars.values())) == len(sports)
    legend = {text.get_text(): patch.get_hatch()
              for text, patch in zip(fig.legends[0].get_texts(), fig.legends[0].get_patches())}
    assert {f"sport {sport}": legend[sport] for _, sport in sports} == bars


@pytest.mark.parametrize("classes", [12, 20, 30, 40])
def test_a_clubs_many_classes_are_each_drawn_alike_in_bar_and_legend_and_unlike_any_other(classes):
    """A club model's classes name no sport, so each is coloured by its own name. Up to twenty each
    has a colour of its own; past that colours come round again, but never with the same hatch, and
    the legend shows each class as its bars are drawn."""
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_hex

    names = [f"drill{i:02d}" for i in range(classes)]
    highlights = [Highlight(3.0 * i, 3.0 * i + 2, name, "unknown", 0.8) for i, name in enumerate(names)]
    fig = timeline_figure(highlights, duration_s=3.0 * classes)
    bars = {c.get_gid(): (to_hex(c.get_facecolor()[0], keep_alpha=False), c.get_hatch())
            for c in fig.axes[0].collections if isinstance(c, PolyCollection)}
    assert set(bars) == {f"sport {name}" for name in names}
    if classes <= 20:
        assert len({colour for colour, _ in bars.values()}) == classes
    assert len(set(bars.values())) == classes
    legend = {text.get_text(): (to_hex(patch.get_facecolor(), keep_alpha=False), patch.get_hatch())
              for text, patch in zip(fig.legends[0].get_texts(), fig.legends[0].get_patches())}
    assert {f"sport {name}": legend[name] for name in names} == bars


def test_two_lanes_laid_out_by_hand_one_bar_deep_and_five_deep():
    from highlights.pipeline.outputs.timeline_lanes import row_lanes, rows_height

    apart = [(0.0, 1.0), (2.0, 3.0)]
    five_at_once = [(0.0, 5.0), (1.0, 2.0), (1.5, 3.0), (1.8, 4.0), (1.9, 4.5)]   # all five at 1.95 s
    low, high = row_lanes([apart, five_at_once])
    assert (low.levels, low.bar_height, low.extent, low.centre) == ([0, 0], 0.7, 0.7, 0.0)
    assert (low.top, low.bottom, low.bar_bottom(0)) == pytest.approx((0.35, -0.35, -0.35))
    # Five levels of a quarter lane each (not a fifth): the lane grows to 0.875, its gap 0.3 above the first.
    assert high.levels == [0, 1, 2, 3, 4]
    assert (high.bar_height, high.extent, high.centre) == pytest.approx((0.175, 0.875, 1.0875))
    assert (high.top, high.bottom, high.bar_bottom(0), high.bar_bottom(4)) == pytest.approx((1.525, 0.65, 1.35, 0.65))
    assert rows_height([low, high]) == pytest.approx(2.175)


def test_the_legend_says_what_a_bars_shade_means_with_swatches_as_pale_and_as_full_as_the_bars_run():
    """Bars are paler the lower their highlight's score, and nothing in the picture said so: pale bars
    beside full ones read as drawn wrong."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Rectangle

    from highlights.pipeline.outputs.timeline import SHADE_LEGEND

    highlights = [Highlight(1.0, 3.0, "soccer_shooting", "soccer", 0.0),
                  Highlight(5.0, 7.0, "soccer_shooting", "soccer", 1.0)]
    fig = timeline_figure(highlights, duration_s=10.0)
    alphas = sorted(c.get_alpha() for c in fig.axes[0].collections if isinstance(c, PolyCollection))
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["soccer", SHADE_LEGEND]
    # the swatches drawn: the sport's, then the shade's pale and full ones
    swatches = [p for p in legend.findobj(Rectangle) if p.get_visible() and p is not legend.legendPatch]
    assert len(swatches) == 3
    assert [p.get_alpha() for p in swatches[1:]] == alphas and alphas[0] < alphas[1]
    # no bar, no shade to speak of
    empty = timeline_figure([], duration_s=10.0)
    assert SHADE_LEGEND not in [t.get_text() for legend in empty.legends for t in legend.get_texts()]


def test_the_grey_stretch_after_a_long_games_end_is_named_in_the_legend_and_only_where_drawn():
    """A 25-minute game's last row runs to 30:00, greyed past the end, and nothing said what the grey was."""
    from matplotlib.colors import to_hex

    from highlights.pipeline.outputs.timeline import AFTER_END_LEGEND

    highlights = [Highlight(60.0 * i + 5, 60.0 * i + 12, "soccer_shooting", "soccer", 0.7) for i in range(0, 25, 3)]
    fig = timeline_figure(highlights, duration_s=25 * 60 + 10)
    greyed = [p for ax in fig.axes for p in ax.patches if p.get_gid() == "after the end"]
    assert len(greyed) == 1
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert AFTER_END_LEGEND in texts
    swatch = legend.legend_handles[texts.index(AFTER_END_LEGEND)]
    assert to_hex(swatch.get_facecolor(), keep_alpha=False) == to_hex(greyed[0].get_facecolor(), keep_alpha=False)
    for duration in (20 * 60.0, 100.0):  # rows that end where the game does
        fig = timeline_figure(highlights[:2], duration_s=duration)
        assert AFTER_END_LEGEND not in [t.get_text() for t in fig.legends[0].get_texts()]


def test_a_long_games_short_bars_are_wide_enough_to_show_their_hatch_and_hide_no_neighbour():
    """Across a 90-minute game a 4 s highlight was a 2 px sliver on the page: its hatch, what tells
    its sport without colour, was not drawn at all."""
    from highlights.pipeline.outputs.hatch_tiles import TILE

    spans = [(600.0, 604.0), (620.0, 624.0), (2000.0, 2003.0), (5396.0, 5400.0)]
    truth = ground_truth_segments([{"start_s": 601.0, "end_s": 603.0, "label": "soccer_shooting", "sport": "soccer"}])
    svg = timeline_svg(_highlights(spans), 5400.0, truth=truth)
    bars = _svg_bars(svg)
    hatches = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="url\(#hatch', svg)
    assert len(bars) == 4 and all(x1 - x0 >= TILE - 0.01 for x0, x1, _, _ in bars)
    assert len(hatches) == 5 and all(float(w) >= TILE - 0.01 for w in hatches)  # the event's bar too
    # each about its highlight's middle, the last kept inside the plot: in order, as the times are
    middles = [(x0 + x1) / 2 for x0, x1, _, _ in bars]
    assert middles == sorted(middles) and bars[-1][1] <= 1000
    # the two 16 s apart, drawn wider than 16 s, do not hide each other: one above the other
    assert _overlap(bars[0][:2], bars[1][:2]) and bars[0][2] != bars[1][2]
