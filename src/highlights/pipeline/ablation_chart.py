"""`ablation.png`: each ablation run's recall and precision with their 95% intervals, one row a run,
the baseline's figures as reference lines, so how far each change moved them reads at a glance."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from highlights.figure_png import write_figure_png
from highlights.wrapped_label import wrap_to_width

if TYPE_CHECKING:
    from highlights.pipeline.ablation import AblationResult

ABLATION_PNG = "ablation.png"

POINT_COLOUR = "#0072B2"
CULPRIT_COLOUR = "#D55E00"  # a change that costs recall (`AblationResult.culprits`)
BASELINE_COLOUR = "#555555"
# A culprit's point is a square as well as orange: by colour alone its row read like any other in
# a greyscale print.
POINT_MARKER, CULPRIT_MARKER = "o", "s"
NAME_SIZE = 10
# A run's name on lines of this width (about 40 characters): a change to a model's path named a row
# in one line of 80, which pressed both panels into the right third and pushed the precision
# panel's title past the picture's edge.
NAME_WIDTH_PT = 230
LINE_IN = 1.2 * NAME_SIZE / 72  # a line of a name, its spacing included
AXIS_LABEL = {"recall": "share of the game's events found (any label)",
              "precision": "share of the run's highlights right (any label)"}


def ablation_figure(result: AblationResult):
    """Two panels, recall and precision, one row per run in the table's order from the top; each
    figure a point with its 95% interval as a bar; the baseline's as a dashed line. The rows of a
    change that costs recall are drawn in another colour. Its own Agg canvas, no pyplot state."""
    from matplotlib.figure import Figure

    rows = result.rows
    names = [wrap_to_width(row.name, NAME_WIDTH_PT, NAME_SIZE) for row in rows]
    # each row as tall as the most lines a name takes, and room above its point for the count
    row_in = max(0.35, LINE_IN * max(name.count("\n") + 1 for name in names) + 0.12)
    fig = Figure(figsize=(11, 1.4 + row_in * len(rows)), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    culprits = set(result.culprits)
    ys = list(range(len(rows)))[::-1]  # the baseline on top, as in the table
    for ax, what in zip(axes, ("recall", "precision")):
        rates = [getattr(row.score, what) if row.score is not None else None for row in rows]
        baseline = rates[0]
        if baseline is not None and baseline.value is not None:
            ax.axvline(baseline.value, color=BASELINE_COLOUR, linestyle="--", linewidth=1, gid=f"baseline {what}")
        for y, row, rate in zip(ys, rows, rates):
            if rate is None or rate.interval is None:
                ax.text(0.02, y, "no " + ("events" if what == "recall" else "highlights"), ha="left", va="center",
                        fontsize=8, color=BASELINE_COLOUR)
                continue
            low, high = rate.interval
            culprit = bool(culprits & set(row.changes)) and row.kind == "alone"
            colour = CULPRIT_COLOUR if culprit else POINT_COLOUR
            ax.errorbar([rate.value], [y], xerr=[[rate.value - low], [high - rate.value]],
                        fmt=CULPRIT_MARKER if culprit else POINT_MARKER, color=colour,
                        capsize=3, gid=f"{what} {row.name}")
            # on white above the baseline's dashed line, which ran through a count at the same rate
            ax.annotate(f"{rate.hits}/{rate.total}", (rate.value, y), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=7, color=colour, zorder=3,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        # room for half a count's width beyond 0 and 1: a count at 0 ran over the axis's edge
        ax.set_xlim(-0.06, 1.06)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"{what} ({'found/events' if what == 'recall' else 'right/highlights'})")
        # the axis named as the other pictures name theirs: a bare 0 to 1 left the reader to find
        # in the title what the points measure
        ax.set_xlabel(AXIS_LABEL[what])
    axes[0].set_yticks(ys, names, fontsize=NAME_SIZE)
    for label, row in zip(axes[0].get_yticklabels(), rows):
        if row.kind == "alone" and culprits & set(row.changes):
            label.set_color(CULPRIT_COLOUR)
    fig.suptitle(f"Ablation, tolerance {result.tolerance_s:g} s: each run's figure with its 95% Wilson interval; "
                 "dashed, the baseline's"
                 + ("\nin orange and square, a change that costs recall alone or inside the batch"
                    if culprits else ""))
    return fig


def write_ablation_chart(result: AblationResult, out_path: str | Path) -> Path:
    """`ablation_figure` written as a PNG, atomically."""
    return write_figure_png(out_path, lambda: ablation_figure(result))

