"""`timeline.png`: predicted highlights against ground truth, one lane each, coloured by sport."""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import in_time_order
from highlights.pipeline.outputs.segments import ground_truth_segments, stacked_rows, timeline_end
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
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # Text takes its font when it is made and draws when saved: both under the fallback list.
    with rc_context({"font.family": font_families()}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        fig = timeline_figure(highlights, duration_s=duration_s, annotation=annotation, title=title)
        fig.savefig(buffer, format="png")
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


def timeline_figure(highlights: Iterable[Highlight], *, duration_s: float | None = None, annotation: Any = None,
                    title: str = "Highlights"):
    """The timeline as a matplotlib `Figure` (its own Agg canvas, no pyplot state)."""
    # matplotlib is imported here, not with the outputs package: a run that fails before writing
    # (a wrong path) does not pay for it, nor print its warning about an unwritable config folder.
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    predicted = in_time_order(highlights)
    truth = ground_truth_segments(annotation)
    end = timeline_end(duration_s, predicted, truth)

    lanes = [("predicted", [(h.start_s, h.end_s, colour_key(h.sport, h.label), h.score) for h in predicted])]
    if annotation is not None:
        lanes.append(("ground truth", [(s.start_s, s.end_s, colour_key(s.sport, s.label), 1.0) for s in truth]))

    # Figure + its own Agg canvas (not pyplot): no global state, safe inside a library.
    fig = Figure(figsize=(12, 1.0 + 0.7 * len(lanes)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    colours = sport_palette(sport for _, bars in lanes for _, _, sport, _ in bars)
    sports: dict[str, None] = {}
    for row, (_, bars) in enumerate(reversed(lanes)):
        stack, depth = stacked_rows([(start, stop) for start, stop, _, _ in bars])
        height = 0.7 / depth
        for (start, stop, sport, score), level in zip(bars, stack):
            sports.setdefault(sport, None)
            ax.broken_barh(
                [(start, max(stop - start, end / 1500))],
                (row + 0.35 - (level + 1) * height, height),
                facecolors=colours[sport],
                alpha=0.35 + 0.65 * min(1.0, max(0.0, score)),
                edgecolor="none",
            )
    ax.set_yticks(range(len(lanes)), [name for name, _ in reversed(lanes)])
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlim(0, end)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: short_clock(x)))
    ax.set_xlabel("game time")
    ax.grid(axis="x", alpha=0.3)
    counts = f"{len(predicted)} predicted" + (f", {len(truth)} annotated" if annotation is not None else "")
    ax.set_title(f"{title} ({counts})")
    if not predicted:
        ax.text(end / 2, len(lanes) - 1, "no highlights found", ha="center", va="center", color="#555555")
    if sports:
        ax.legend(
            handles=[Patch(color=colours[s], label=s) for s in sports],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
        )
    return fig
