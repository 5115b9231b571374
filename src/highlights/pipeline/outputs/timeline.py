"""`timeline.png`: predicted highlights against ground truth, one lane each, coloured and hatched by sport."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from highlights.figure_png import write_figure_png
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.segments import event_segments, timeline_end
from highlights.pipeline.outputs.sport_colors import (
    colour_key, sport_hatches, sport_palette, sports_of_several_classes,
)
from highlights.pipeline.outputs.timecode import short_clock
from highlights.pipeline.outputs.timeline_lanes import LaneLayout, row_lanes, rows_height
from highlights.wrapped_label import widest_line_pt, wrap_to_width


def plot_timeline(
    highlights: Iterable[Highlight],
    out_path: str | Path,
    *,
    duration_s: float | None = None,
    annotation: Any = None,
    title: str = "Highlights",
) -> Path:
    """Draws the timeline PNG (matplotlib, Agg canvas) and writes it atomically.

    The predicted lane shows each highlight as a bar coloured and hatched by sport, more opaque the higher
    its score, highlights that overlap in time one above the other; the ground-truth lane (only
    when `annotation` is given) shows the annotated events.
    """
    highlights = list(highlights)
    return write_figure_png(
        out_path, lambda: timeline_figure(highlights, duration_s=duration_s, annotation=annotation, title=title),
        names=shown_names(highlights, annotation))


def shown_names(highlights: Iterable[Highlight], annotation: Any = None) -> list[str]:
    """The sports and classes a timeline's legend names, for the fonts that draw them."""
    highlights = list(highlights)
    several = sports_of_several_classes(highlights)
    return [*(colour_key(h.sport, h.label, several) for h in highlights),
            *(colour_key(s.sport, s.label, several) for s in event_segments(annotation))]


@dataclass(frozen=True)
class Mark:
    """A symbol drawn on one bar at its key moment (what it means is the legend's line), and an
    optional word beneath it: an evaluation marks each event found or missed, each highlight
    right or false, and a missed event with the stage that lost it. `tally`, when given, is the
    word its lane's label counts such marks under ("27 right, 238 false")."""

    legend: str
    marker: str = "o"
    face: str = "white"
    text: str = ""
    tally: str = ""


@dataclass(frozen=True)
class TimelinePart:
    """One axis of a timeline picture: a video, or one half of a match filmed as two. The marks,
    when given, are one per highlight and one per event, in the order given (None: no mark).
    `lane_names`: the predicted lane's label and the ground-truth lane's."""

    highlights: Sequence[Highlight]
    annotation: Any = None
    duration_s: float | None = None
    name: str = ""
    highlight_marks: Sequence[Mark | None] | None = None
    event_marks: Sequence[Mark | None] | None = None
    lane_names: tuple[str, str] = ("predicted", "ground truth")


def timeline_figure(highlights: Iterable[Highlight], *, duration_s: float | None = None, annotation: Any = None,
                    title: str = "Highlights", highlight_marks: Sequence[Mark | None] | None = None,
                    event_marks: Sequence[Mark | None] | None = None):
    """The timeline as a matplotlib `Figure` (its own Agg canvas, no pyplot state)."""
    highlights = list(highlights)
    return timeline_parts_figure([TimelinePart(highlights, annotation, duration_s, "", highlight_marks, event_marks)],
                                 title=title)


MARK_EDGE = "#000000"
# A white rim outside each mark's black edge: one of the two contrasts 4.5:1 or more with any bar's
# colour (`highlights.contrast.text_colour_on`), so a mark's outline shows on every sport's bar.
MARK_HALO, MARK_HALO_PT = "#ffffff", 1.5
MARK_TEXT_COLOUR = "#333333"
AFTER_END_COLOUR = "#EEEEEE"
HATCH_COLOUR = "#00000073"  # black at 45%: the hatch reads over every sport colour without hiding it

# A part up to ONE_ROW_S long is one row; a longer one wraps into rows of ROW_S, or of a longer
# whole number of ROW_STEP_S where that would make more than MAX_ROWS: across one row of an hour
# a few seconds' highlight is a pixel and hundreds of them a solid band, across ten minutes each
# keeps its own bar and mark, and every row has the same scale, so lengths compare across rows.
ONE_ROW_S = 15 * 60.0
ROW_S = 10 * 60.0
ROW_STEP_S = 5 * 60.0
MAX_ROWS = 12
# The shortest bar drawn, as a share of its row: a spot (no length) or a short event stays visible.
MIN_BAR_SHARE = 1 / 1000
MARK_SIZE, MIN_MARK_SIZE, SPARSE_MARKS = 7.0, 4.0, 20
# Steps of the time axis's ticks, in seconds: whole seconds and minutes a clock reads.
# Columns of a legend with marks: its lines (up to about 60 characters) fit two abreast in 12 in.
LEGEND_COLUMNS = 2
FIGURE_WIDTH_IN = 12
TITLE_SIZE = 12
LEGEND_SIZE = 10
# An entry's handle, the gap after it and the space to the next column (2 + 0.8 + 2 font sizes)
LEGEND_ENTRY_EXTRA_PT = 4.8 * LEGEND_SIZE
TITLE_WIDTH_PT = 10.5 * 72  # the axes' width in the 12 in figure, beside the lanes' names
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
MAX_TICKS = 11
# A bar is paler the lower its highlight's score; said in the legend, where pale bars beside full
# ones read as drawn wrong or as another kind of item.
SHADE_LEGEND = "paler bar: lower score"
SHADE_SWATCH = "#555555"
AFTER_END_LEGEND = "after the video's end"
AFTER_HALF_LEGEND = "after the half's end"  # a match filmed as two halves, an axis each


def bar_alpha(score: float) -> float:
    """A highlight's bar's opacity: from 0.35 at a score of 0 to whole at 1."""
    return 0.35 + 0.65 * min(1.0, max(0.0, score))


def mark_size(count: int) -> float:
    """Points across each of `count` marks of one meaning in one lane of a row: MARK_SIZE up to
    SPARSE_MARKS of them, smaller the more there are, down to MIN_MARK_SIZE, so that the common
    marks (hundreds of false highlights) do not bury the rare ones (a missed event) drawn full size."""
    return max(MIN_MARK_SIZE, MARK_SIZE * min(1.0, math.sqrt(SPARSE_MARKS / max(count, 1))))


def row_spans(end: float) -> list[tuple[float, float]]:
    """The (start, end) each row of a part ending at `end` shows: one row up to ONE_ROW_S, else
    rows of equal length covering it, the last one running past `end`."""
    if end <= ONE_ROW_S:
        return [(0.0, end)]
    length = max(ROW_S, math.ceil(end / MAX_ROWS / ROW_STEP_S) * ROW_STEP_S)
    return [(k * length, (k + 1) * length) for k in range(math.ceil(end / length - 1e-9))]


def tick_step(span: float) -> float:
    """The least of TICK_STEPS_S that puts at most MAX_TICKS ticks across `span` seconds."""
    return next((step for step in TICK_STEPS_S if span / step <= MAX_TICKS - 1), TICK_STEPS_S[-1])


def timeline_parts_figure(parts: Sequence[TimelinePart], *, title: str = "Highlights", counts: bool = True,
                          legend_order: Sequence[str] = (), tallied: Sequence[Sequence[str]] = ()):
    """One axis per part, one above the other, or for a long part one per row of its time
    (`row_spans`), each with its predicted lane and (when the part has an annotation) its
    ground-truth lane, each lane's label with its count of each `Mark.tally` in that row; one
    legend of the sports and the marks. `counts`: the title of each part's first row says how many
    highlights and events it shows (a title with counts of its own leaves them out). The legend
    lists the marks drawn, those named in `legend_order` first in that order, then the others as met.
    `tallied`: for each lane, top first, the tallies its label counts even where no mark has them
    ("0 found, 1 missed", where "1 missed" alone left the reader to guess what else was counted)."""
    # matplotlib is imported here, not with the outputs package: a run that fails before writing
    # (a wrong path) does not pay for it, nor print its warning about an unwritable config folder.
    from matplotlib.figure import Figure

    several = sports_of_several_classes(h for part in parts for h in part.highlights)
    drawn = [_part_lanes(part, several) for part in parts]
    rank = {legend: i for i, legend in enumerate(legend_order)}
    tallies = _lane_tallies(drawn, rank, tallied)
    rows = [(p, span, i == 0) for p, (_, end) in enumerate(drawn) for i, span in enumerate(row_spans(end))]
    part_titles = _part_titles(parts, drawn, title, counts)
    suptitle = wrap_to_width(title, TITLE_WIDTH_PT, TITLE_SIZE) if len(parts) > 1 else ""
    layouts = [_row_layout(drawn[p][0], span, drawn[p][1]) for p, span, _ in rows]
    heights = _row_heights(rows, layouts, drawn, part_titles)
    # the first lane of each part is the predicted one; a shade is said only where a bar has one
    shaded = any(drawn_part[0][0][1] for drawn_part in drawn)
    # a long game's last row runs past its end, greyed there: said in the legend, where a grey
    # stretch with nothing in it read as a part of the game drawn wrong
    past_end = any(span[1] > drawn[p][1] for p, span, _ in rows)
    columns, legend_rows = _legend_columns(drawn, shaded + past_end)
    # Figure + its own Agg canvas (not pyplot): no global state, safe inside a library.
    fig = Figure(figsize=(FIGURE_WIDTH_IN, sum(heights) + (0.3 + 0.2 * suptitle.count("\n")) * (len(parts) > 1) + 0.3
                          + 0.25 * legend_rows), dpi=100,
                 layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    colours = sport_palette(sport for lanes, _ in drawn for _, bars in lanes for _, _, sport, *_ in bars)
    hatches = sport_hatches(colours)
    sports: dict[str, None] = {}
    marks: dict[str, Mark] = {}
    for ax, (p, span, first), layout in zip(axes, rows, layouts):
        lanes, end = drawn[p]
        _draw_lanes(ax, lanes, layout, span, end, colours, hatches, sports, marks, tallies, empty_note=first)
        if first:
            ax.set_title(part_titles[p], fontsize=TITLE_SIZE)
    axes[-1].set_xlabel("game time")
    if len(parts) > 1:
        fig.suptitle(suptitle, fontsize=TITLE_SIZE)
    handles = _legend_handles(sports, marks, colours, hatches, rank, shaded)
    if past_end:
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor=AFTER_END_COLOUR, edgecolor="#BBBBBB", linewidth=0.5,
                             label=AFTER_HALF_LEGEND if len(parts) > 1 else AFTER_END_LEGEND))
    if handles:
        from matplotlib.legend_handler import HandlerTuple

        labels = [h[0].get_label() if isinstance(h, tuple) else h.get_label() for h in handles]
        fig.legend(handles=handles, labels=labels, loc="outside lower center", ncols=columns, frameon=False,
                   fontsize=LEGEND_SIZE, handler_map={tuple: HandlerTuple(ndivide=None, pad=0)})
    return fig


def _lane_tallies(drawn, rank: dict[str, int], tallied: Sequence[Sequence[str]] = ()) -> dict[int, list[str]]:
    """Each lane's tallies (by its index in a part), the same words on every row (a row without a
    miss says "0 missed"): those `tallied` for the lane, in its order, and the words of the marks
    drawn in it, those of legends in `rank` in its order, then the others as met."""
    met: dict[int, dict[str, int]] = {}
    for index, words in enumerate(tallied):
        for word in words:
            met.setdefault(index, {}).setdefault(word, -len(words) + list(words).index(word))
    for lanes, _ in drawn:
        for index, (_, bars) in enumerate(lanes):
            for *_, m in bars:
                if m and m.tally:
                    met.setdefault(index, {}).setdefault(m.tally, rank.get(m.legend, len(rank)))
    return {index: sorted(words, key=words.__getitem__) for index, words in met.items()}


def _part_titles(parts: Sequence[TimelinePart], drawn, title: str, counts: bool) -> list[str]:
    """Each part's title (the figure's, for one part), with its counts where `counts`, on as many
    lines as a long file name takes: in one line, 150 characters ran past both edges and took the
    counts after them along."""
    part_titles = []
    for part, (lanes, _) in zip(parts, drawn):
        shown = f"{len(part.highlights)} predicted" + (
            f", {len(lanes[1][1])} annotated" if part.annotation is not None else "")
        name = part.name if len(parts) > 1 else title
        part_titles.append(wrap_to_width(f"{name} ({shown})" if counts else name, TITLE_WIDTH_PT, TITLE_SIZE))
    return part_titles


def _row_heights(rows, layouts: list[list[LaneLayout]], drawn, part_titles: list[str]) -> list[float]:
    """Each row's height (in): its part's title over a part's first row, its lanes, the words
    beneath its marks where it has any, and the axis."""
    heights = []
    for (p, span, first), layout in zip(rows, layouts):
        lanes = drawn[p][0]
        words = any(m and m.text and _in_row(key, span, drawn[p][1]) for _, bars in lanes for *_, key, m in bars)
        # 0.7 in a lane of the usual height and its gap; a lane of many overlapping highlights more
        title_lines = part_titles[p].count("\n") + 1 if first else 0
        heights.append((0.25 + 0.2 * title_lines if first else 0.15) + 0.7 * rows_height(layout)
                       + (0.3 if words else 0) + 0.35)
    return heights


def _legend_columns(drawn, extra: int) -> tuple[int, int]:
    """The legend's columns and rows. It goes beneath the axes, in columns: the marks' lines are
    long, and beside the axes they would take a quarter of the width from the game's time."""
    sport_names = list(dict.fromkeys(sport for lanes, _ in drawn for _, bars in lanes for _, _, sport, *_ in bars))
    mark_names = {m.legend for lanes, _ in drawn for _, bars in lanes for *_, m in bars if m}
    # `extra` short entries (the bars' shade, after the video's end), as short as a sport's: they
    # keep a legend of sports in its columns
    n_sports, n_marks = len(sport_names) + extra, len(mark_names)
    # As many columns as the widest entry lets fit across the figure: six columns of sports named
    # in 40 characters ran past both edges, the first and last sports out of the picture.
    shade = [SHADE_LEGEND, AFTER_END_LEGEND] if extra else []
    widest = max((widest_line_pt(_legend_label(name), LEGEND_SIZE) for name in [*sport_names, *mark_names, *shade]),
                 default=0.0)
    fitting = int((FIGURE_WIDTH_IN * 72 - 24) // (widest + LEGEND_ENTRY_EXTRA_PT))
    columns = max(1, min(LEGEND_COLUMNS if n_marks else min(n_sports, 6), fitting))
    return columns, -(-(n_sports + n_marks) // columns)


def _legend_handles(sports: dict[str, None], marks: dict[str, Mark], colours: dict[str, str],
                    hatches: dict[str, str], rank: dict[str, int], shaded: bool) -> list:
    """The legend's entries: the sports drawn, then the marks drawn, those in `rank` first, then
    (`shaded`: a highlight's bar is drawn) what a bar's shade says, a pale and a full swatch."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colours[s], hatch=hatches[s], edgecolor=HATCH_COLOUR, linewidth=0,
                     label=_legend_label(s))
               for s in sports]
    handles += [Line2D([], [], linestyle="none", marker=m.marker, markerfacecolor=m.face, markeredgecolor=MARK_EDGE,
                       markersize=8, label=_legend_label(m.legend))
                for m in sorted(marks.values(), key=lambda m: rank.get(m.legend, len(rank)))]
    if shaded:
        handles.append((Patch(facecolor=SHADE_SWATCH, alpha=bar_alpha(0.0), linewidth=0, label=SHADE_LEGEND),
                        Patch(facecolor=SHADE_SWATCH, alpha=bar_alpha(1.0), linewidth=0)))
    return handles


def _legend_label(name: str) -> str:
    """A legend's entry on lines that fit one column of the figure's width."""
    return wrap_to_width(name, FIGURE_WIDTH_IN * 72 - 24 - LEGEND_ENTRY_EXTRA_PT, LEGEND_SIZE)


def _in_row(t: float, span: tuple[float, float], end: float) -> bool:
    """Whether a time belongs to the row `span`: from its start up to its end, the last row's
    end (at or past the part's) included."""
    return span[0] <= t < span[1] or (t == span[1] and span[1] >= end)


def _part_lanes(part: TimelinePart, several: frozenset[str]) -> tuple[list[tuple[str, list]], float]:
    """The lanes of one part, top first, each a list of (start, end, colour key, score, key moment,
    mark) in time order, and the part's right edge. `several`: the sports the figure's highlights
    show several classes of, coloured by class (`colour_key`)."""
    highlights = list(part.highlights)
    h_marks = list(part.highlight_marks) if part.highlight_marks is not None else [None] * len(highlights)
    for h in highlights:
        # a spot of a results_spotting.json is a highlight of no length, drawn as the thinnest bar
        if not (math.isfinite(h.start_s) and math.isfinite(h.end_s) and 0 <= h.start_s <= h.end_s):
            raise ValueError(f"highlight {h.label!r}: needs 0 <= start_s <= end_s, got {h.start_s!r}..{h.end_s!r}")
    order = sorted(range(len(highlights)), key=lambda i: (highlights[i].start_s, highlights[i].end_s))
    predicted = [highlights[i] for i in order]
    truth_in_order = event_segments(part.annotation)
    e_marks = list(part.event_marks) if part.event_marks is not None else [None] * len(truth_in_order)
    if len(h_marks) != len(highlights) or len(e_marks) != len(truth_in_order):
        raise ValueError(f"{len(h_marks)} marks for {len(highlights)} highlights, "
                         f"{len(e_marks)} for {len(truth_in_order)} events: one each")
    t_order = sorted(range(len(truth_in_order)), key=lambda i: (truth_in_order[i].start_s, truth_in_order[i].end_s))
    truth = [truth_in_order[i] for i in t_order]
    end = timeline_end(part.duration_s, predicted, truth)
    predicted_name, truth_name = part.lane_names
    lanes = [(predicted_name, [(h.start_s, h.end_s, colour_key(h.sport, h.label, several), h.score, h.moment_s,
                                h_marks[i]) for i, h in zip(order, predicted)])]
    if part.annotation is not None:
        lanes.append((truth_name, [(s.start_s, s.end_s, colour_key(s.sport, s.label, several), 1.0,
                                    s.key_s if s.key_s is not None else (s.start_s + s.end_s) / 2, e_marks[i])
                                   for i, s in zip(t_order, truth)]))
    return lanes, end


def _row_layout(lanes, span: tuple[float, float], end: float) -> list[LaneLayout]:
    """The lanes of one row, bottom first, each with the bars that reach into `span`."""
    lo = span[0]
    return row_lanes([[bar for bar in bars if _in_row(bar[0], span, end) or bar[0] < lo < bar[1]]
                      for _, bars in reversed(lanes)])


def _draw_lanes(ax, lanes, layout: list[LaneLayout], span: tuple[float, float], end: float, colours: dict[str, str],
                hatches: dict[str, str], sports: dict[str, None], marks: dict[str, Mark],
                tallies: dict[int, list[str]], *,
                empty_note: bool = True) -> None:
    """One row of a part (`layout`: its lanes, bottom first): the bars that reach into `span`, and
    the marks whose key moments are in it (a mark once, in the row of its moment, where a bar
    across two rows is drawn in both)."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    lo, hi = span
    lowest = layout[0].bottom - 0.25
    labels = []
    left_out = 0
    for row, ((name, _), lane) in enumerate(zip(reversed(lanes), layout)):
        index = len(lanes) - 1 - row
        counted = dict.fromkeys(tallies.get(index, []), 0)
        marked, texts = _draw_bars(ax, lane, span, end, colours, hatches, sports, marks, counted)
        _plot_marks(ax, marked)
        words_low, words_left_out = _draw_words(ax, texts, hi - lo)
        lowest = min(lowest, words_low)
        left_out += words_left_out
        labels.append(name + ("\n" + ", ".join(f"{n} {word}" for word, n in counted.items()) if counted else ""))
    ax.set_yticks([lane.centre for lane in layout], labels)
    ax.set_ylim(lowest, layout[-1].top + 0.25)
    ax.set_xlim(lo, hi)
    if hi > end:
        ax.axvspan(end, hi, color=AFTER_END_COLOUR, zorder=0, gid="after the end")
    ax.xaxis.set_major_locator(MultipleLocator(tick_step(hi - lo)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: short_clock(x)))
    ax.grid(axis="x", alpha=0.3)
    if left_out:  # in the margin above the lanes, where no bar or word is
        ax.text(0.995, 0.99, f"words beneath {left_out} of this row's marks left out: too close to others",
                transform=ax.transAxes, ha="right", va="top", fontsize=WORD_SIZE, color=MARK_TEXT_COLOUR,
                gid="words left out")
    # An empty lane says so: a ground-truth lane left blank read as events not drawn.
    for index, ((_, bars), note) in enumerate(zip(lanes, ("no highlights found", "no events annotated"))):
        if empty_note and not bars:
            ax.text((lo + min(hi, end)) / 2, layout[len(lanes) - 1 - index].centre, note, ha="center", va="center",
                    color="#555555")


def _draw_bars(ax, lane: LaneLayout, span: tuple[float, float], end: float, colours: dict[str, str],
               hatches: dict[str, str], sports: dict[str, None], marks: dict[str, Mark],
               counted: dict[str, int]) -> tuple[dict, list[tuple[float, float, str]]]:
    """The bars of one lane; returns the marks whose key moments are in this row, by legend (xs,
    ys, mark), and the words beneath them. `sports`, `marks` and `counted` gather what the legend
    and the lane's name show."""
    from matplotlib.collections import PolyCollection

    lo, hi = span
    marked: dict[str, tuple[list[float], list[float], Mark]] = {}
    texts: list[tuple[float, float, str]] = []
    height = lane.bar_height
    for (start, stop, sport, score, key, mark), level in zip(lane.shown, lane.levels):
        sports.setdefault(sport, None)
        bottom = lane.bar_bottom(level)
        right = start + max(stop - start, (hi - lo) * MIN_BAR_SHARE)
        # The rectangle `broken_barh` makes, added without its autoscaling: the row's limits are
        # set once its bars are drawn, so autoscaling after each bar is work thrown away, and a
        # results_spotting.json's spots make thousands of bars.
        ax.add_collection(PolyCollection(
            [[(start, bottom), (start, bottom + height), (right, bottom + height), (right, bottom)]],
            facecolors=colours[sport],
            alpha=bar_alpha(score),
            hatch=hatches[sport],
            # a hatch is drawn in the edge's colour; the edge itself is not drawn
            edgecolor=HATCH_COLOUR,
            linewidth=0,
            gid=f"sport {sport}",
        ), autolim=False)
        if mark is not None and _in_row(key, span, end):
            xs, ys, _ = marked.setdefault(mark.legend, ([], [], mark))
            xs.append(key)
            ys.append(bottom + height / 2)
            marks.setdefault(mark.legend, mark)
            if mark.tally:
                counted[mark.tally] += 1
            if mark.text:
                texts.append((key, lane.bottom - 0.05, mark.text))
    return marked, texts


def _plot_marks(ax, marked: dict[str, tuple[list[float], list[float], Mark]]) -> None:
    """One line of markers per meaning, named by it (gid), so what is drawn can be counted; a
    small mark's edge thinner, else a small cross is all edge and its colour is lost."""
    from matplotlib.patheffects import withStroke

    for legend, (xs, ys, mark) in marked.items():
        size = mark_size(len(xs))
        ax.plot(xs, ys, linestyle="none", marker=mark.marker, markerfacecolor=mark.face,
                markeredgecolor=MARK_EDGE, markersize=size, markeredgewidth=size / MARK_SIZE,
                gid=legend,
                path_effects=[withStroke(linewidth=size / MARK_SIZE + 2 * MARK_HALO_PT,
                                         foreground=MARK_HALO)])


WORD_LEVELS = 3  # words under marks close in time step down this many lines
WORD_SIZE = 7
# The axes' width at least, in points, beside the lanes' names: a word measured against it takes no
# less of the row's time than it will.
WORDS_AXIS_WIDTH_PT = 10 * 72


def _draw_words(ax, texts: list[tuple[float, float, str]], span: float) -> tuple[float, int]:
    """Each mark's word beneath its bar, on the highest of WORD_LEVELS lines where it clears the
    words already there; a word that clears none is left out, where a word a line lower every
    fortieth of the row printed a crowd of misses' stages over each other. Returns the lowest y the
    words reach and how many were left out."""
    lowest = 0.0
    ends = [-math.inf] * WORD_LEVELS
    left_out = 0
    seconds_per_pt = span / WORDS_AXIS_WIDTH_PT
    for x, y, text in sorted(texts):
        half = (widest_line_pt(text, WORD_SIZE) + 6) / 2 * seconds_per_pt  # 3 pt clear on each side
        level = next((k for k, end in enumerate(ends) if end <= x - half), None)
        if level is None:
            left_out += 1
            continue
        ends[level] = x + half
        top = y - 0.22 * level
        ax.text(x, top, text, ha="center", va="top", fontsize=WORD_SIZE, color=MARK_TEXT_COLOUR)
        lowest = min(lowest, top - 0.3)
    return lowest, left_out
