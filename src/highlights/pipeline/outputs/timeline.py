"""`timeline.png`: predicted highlights against ground truth, one lane each, coloured by sport."""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.segments import event_segments, stacked_rows, timeline_end
from highlights.pipeline.outputs.sport_colors import colour_key, sport_palette
from highlights.pipeline.outputs.timecode import short_clock

log = logging.getLogger(__name__)

# Fonts of the scripts matplotlib's DejaVu Sans lacks (Chinese, Japanese, Korean, Thai, ...) as the
# common systems install them, tried in this order for such a glyph.
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
                  "Source Han Sans", "WenQuanYi Zen Hei", "Microsoft YaHei", "Yu Gothic", "Malgun Gothic",
                  "PingFang SC", "Hiragino Sans", "Apple SD Gothic Neo", "Noto Sans Thai", "Arial Unicode MS")
_MISSING_GLYPH = re.compile(r"^Glyph (\d+)\b.* missing from font")


def plot_timeline(
    highlights: Iterable[Highlight],
    out_path: str | Path,
    *,
    duration_s: float | None = None,
    annotation: Any = None,
    title: str = "Highlights",
) -> Path:
    """Draws the timeline PNG (matplotlib, Agg canvas) and writes it atomically.

    The predicted lane shows each highlight as a bar coloured by sport, more opaque the higher
    its score, highlights that overlap in time one above the other; the ground-truth lane (only
    when `annotation` is given) shows the annotated events.
    """
    return write_figure_png(
        out_path, lambda: timeline_figure(highlights, duration_s=duration_s, annotation=annotation, title=title))


def write_figure_png(out_path: str | Path, build: Callable[[], Any]) -> Path:
    """Builds a figure with `build` and writes it as a PNG atomically, its text in matplotlib's font
    or, for a glyph that font lacks, an installed one that has it (`font_families`)."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # Text takes its font when it is made and draws when saved: both under the fallback list.
    with rc_context({"font.family": font_families()}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        build().savefig(buffer, format="png")
    missing = list(dict.fromkeys(chr(int(m.group(1))) for w in caught if (m := _MISSING_GLYPH.search(str(w.message)))))
    for w in caught:
        if not _MISSING_GLYPH.search(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        # One line, where matplotlib warns once a character with the source line; the file's name,
        # as `detect` writes it in a temporary folder renamed into place at the end.
        log.warning("%s: no installed font draws %s, shown there as boxes (the page, CSV and editor files "
                    "have them as written); a font of that script (Noto Sans CJK for Chinese, Japanese, Korean) "
                    "draws them", Path(out_path).name, " ".join(missing))
    return atomic_write_bytes(out_path, buffer.getvalue())


def font_families() -> list[str]:
    """matplotlib's own font, then each installed one of ``FALLBACK_FONTS``: a glyph the first
    lacks is drawn with the next that has it (matplotlib 3.6+), so a club's labels and sports in
    its own script show as written."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(name for name in FALLBACK_FONTS if name in installed)]


@dataclass(frozen=True)
class Mark:
    """A symbol drawn on one bar at its key moment (what it means is the legend's line), and an
    optional word beneath it: an evaluation marks each event found or missed, each highlight
    right or false, and a missed event with the stage that lost it."""

    legend: str
    marker: str = "o"
    face: str = "white"
    text: str = ""


@dataclass(frozen=True)
class TimelinePart:
    """One axis of a timeline picture: a video, or one half of a match filmed as two. The marks,
    when given, are one per highlight and one per event, in the order given (None: no mark)."""

    highlights: Sequence[Highlight]
    annotation: Any = None
    duration_s: float | None = None
    name: str = ""
    highlight_marks: Sequence[Mark | None] | None = None
    event_marks: Sequence[Mark | None] | None = None


def timeline_figure(highlights: Iterable[Highlight], *, duration_s: float | None = None, annotation: Any = None,
                    title: str = "Highlights", highlight_marks: Sequence[Mark | None] | None = None,
                    event_marks: Sequence[Mark | None] | None = None):
    """The timeline as a matplotlib `Figure` (its own Agg canvas, no pyplot state)."""
    highlights = list(highlights)
    return timeline_parts_figure([TimelinePart(highlights, annotation, duration_s, "", highlight_marks, event_marks)],
                                 title=title)


MARK_EDGE = "black"
MARK_TEXT_COLOUR = "#333333"


def timeline_parts_figure(parts: Sequence[TimelinePart], *, title: str = "Highlights", counts: bool = True,
                          legend_order: Sequence[str] = ()):
    """One axis per part, one above the other, each with its predicted lane and (when the part has
    an annotation) its ground-truth lane; one legend of the sports and the marks. `counts`: each
    axis's title says how many highlights and events it shows (a title with counts of its own
    leaves them out). The legend lists the marks drawn, those named in `legend_order` first in that
    order, then the others as met."""
    # matplotlib is imported here, not with the outputs package: a run that fails before writing
    # (a wrong path) does not pay for it, nor print its warning about an unwritable config folder.
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    drawn = [_part_lanes(part) for part in parts]
    heights = [1.0 + 0.7 * len(lanes) + (0.3 if any(m and m.text for _, bars in lanes for *_, m in bars) else 0)
               for lanes, _ in drawn]
    # Figure + its own Agg canvas (not pyplot): no global state, safe inside a library.
    fig = Figure(figsize=(12, sum(heights) + 0.3 * (len(parts) - 1)), dpi=100, layout="constrained")
    axes = fig.subplots(len(parts), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    colours = sport_palette(sport for lanes, _ in drawn for _, bars in lanes for _, _, sport, *_ in bars)
    sports: dict[str, None] = {}
    marks: dict[str, Mark] = {}
    for ax, part, (lanes, end) in zip(axes, parts, drawn):
        _draw_lanes(ax, lanes, end, colours, sports, marks)
        shown = f"{len(part.highlights)} predicted" + (
            f", {len(lanes[1][1])} annotated" if part.annotation is not None else "")
        name = part.name if len(parts) > 1 else title
        ax.set_title(f"{name} ({shown})" if counts else name)
    if len(parts) > 1:
        fig.suptitle(title)
    handles = [Patch(color=colours[s], label=s) for s in sports]
    rank = {legend: i for i, legend in enumerate(legend_order)}
    handles += [Line2D([], [], linestyle="none", marker=m.marker, markerfacecolor=m.face, markeredgecolor=MARK_EDGE,
                       markersize=8, label=m.legend)
                for m in sorted(marks.values(), key=lambda m: rank.get(m.legend, len(rank)))]
    if handles:
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def _part_lanes(part: TimelinePart) -> tuple[list[tuple[str, list]], float]:
    """The lanes of one part, top first, each a list of (start, end, colour key, score, key moment,
    mark) in time order, and the part's right edge."""
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
    lanes = [("predicted", [(h.start_s, h.end_s, colour_key(h.sport, h.label), h.score, h.moment_s, h_marks[i])
                            for i, h in zip(order, predicted)])]
    if part.annotation is not None:
        lanes.append(("ground truth", [(s.start_s, s.end_s, colour_key(s.sport, s.label), 1.0,
                                        s.key_s if s.key_s is not None else (s.start_s + s.end_s) / 2, e_marks[i])
                                       for i, s in zip(t_order, truth)]))
    return lanes, end


def _draw_lanes(ax, lanes, end: float, colours: dict[str, str], sports: dict[str, None],
                marks: dict[str, Mark]) -> None:
    from matplotlib.ticker import FuncFormatter

    lowest = -0.6
    for row, (_, bars) in enumerate(reversed(lanes)):
        stack, depth = stacked_rows([(start, stop) for start, stop, *_ in bars])
        height = 0.7 / depth
        marked: dict[str, tuple[list[float], list[float], Mark]] = {}
        texts: list[tuple[float, float, str]] = []
        for (start, stop, sport, score, key, mark), level in zip(bars, stack):
            sports.setdefault(sport, None)
            bottom = row + 0.35 - (level + 1) * height
            ax.broken_barh(
                [(start, max(stop - start, end / 1500))],
                (bottom, height),
                facecolors=colours[sport],
                alpha=0.35 + 0.65 * min(1.0, max(0.0, score)),
                edgecolor="none",
            )
            if mark is not None:
                xs, ys, _ = marked.setdefault(mark.legend, ([], [], mark))
                xs.append(key)
                ys.append(bottom + height / 2)
                marks.setdefault(mark.legend, mark)
                if mark.text:
                    texts.append((key, row - 0.4, mark.text))
        for legend, (xs, ys, mark) in marked.items():
            # one line of markers per meaning, named by it (gid), so what is drawn can be counted
            ax.plot(xs, ys, linestyle="none", marker=mark.marker, markerfacecolor=mark.face,
                    markeredgecolor=MARK_EDGE, markersize=7, gid=legend)
        lowest = min(lowest, _draw_words(ax, texts, end))
    ax.set_yticks(range(len(lanes)), [name for name, _ in reversed(lanes)])
    ax.set_ylim(lowest, len(lanes) - 0.4)
    ax.set_xlim(0, end)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: short_clock(x)))
    ax.set_xlabel("game time")
    ax.grid(axis="x", alpha=0.3)
    if not lanes[0][1]:
        ax.text(end / 2, len(lanes) - 1, "no highlights found", ha="center", va="center", color="#555555")


WORD_LEVELS = 3  # words under marks close in time step down this many lines, then start again


def _draw_words(ax, texts: list[tuple[float, float, str]], end: float) -> float:
    """Each mark's word beneath its bar; a word whose mark is within a fortieth of the game of the
    last one's goes a line lower, so neighbours do not print over each other. Returns the lowest
    y the words reach."""
    lowest = 0.0
    last_x, level = None, 0
    for x, y, text in sorted(texts):
        level = (level + 1) % WORD_LEVELS if last_x is not None and x - last_x < end / 40 else 0
        last_x = x
        top = y - 0.22 * level
        ax.text(x, top, text, ha="center", va="top", fontsize=7, color=MARK_TEXT_COLOUR)
        lowest = min(lowest, top - 0.3)
    return lowest
