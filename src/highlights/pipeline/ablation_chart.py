"""`ablation.png`: each ablation run's recall, class recall and precision with their 95% intervals
and counts, one row a run, the baseline's row shaded and its figures as reference lines, so how far
each change moved them reads at a glance. Drawn from `ablation.json`'s record, so the picture says
what the JSON and the table say."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from highlights.figure_png import write_figure_png
from highlights.wrapped_label import wrap_to_width

if TYPE_CHECKING:
    from highlights.pipeline.ablation import AblationResult

ABLATION_PNG = "ablation.png"

POINT_COLOUR = "#0072B2"
CULPRIT_COLOUR = "#D55E00"  # a change that costs the panel's recall (`culprits`, `class_culprits`)
BASELINE_COLOUR = "#555555"
BASELINE_SHADE = "#EBEBEB"
# A culprit's point is a square as well as orange: by colour alone its row read like any other in
# a greyscale print.
POINT_MARKER, CULPRIT_MARKER = "o", "s"
NAME_SIZE = 10
COUNT_SIZE = 8
# A run's name on lines of this width (about 40 characters): a change to a model's path named a row
# in one line of 80, which pressed the panels into the right third and pushed the last panel's
# title past the picture's edge.
NAME_WIDTH_PT = 230
LINE_IN = 1.2 * NAME_SIZE / 72  # a line of a name, its spacing included


# Each panel: (the record's key of the rate, of its hits, of its total, the panel's title, its axis,
# the JSON key of the changes drawn as culprits in it). Class recall beside recall: a change that
# keeps finding an event but names it wrong costs class recall alone, and drawn with recall and
# precision only it looked harmless.
PANELS = (("recall", "matched", "events", "recall (found/events)",
           "share of the game's events found (any label)", "culprits"),
          ("class_recall", "class_matched", "events", "class recall (found/events)",
           "share of the game's events found with their label", "class_culprits"),
          ("precision", "matched", "highlights", "precision (right/highlights)",
           "share of the run's highlights right (any label)", "culprits"))
NOTHING = {"events": "no events", "highlights": "no highlights"}


def _culprit(row: dict[str, Any], culprits: set[str]) -> bool:
    return row["kind"] == "alone" and bool(culprits & set(row["changes"]))


def _draw_panel(ax, rows: list[dict[str, Any]], ys: list[int], panel: tuple,
                culprits: set[str]) -> None:
    """One figure of every run: a point at the JSON's value, its bar the JSON's interval, its
    count above it; the baseline's value as a dashed line."""
    key, hits, total, title, axis_label, _ = panel
    baseline = rows[0].get(key)
    if baseline is not None:
        ax.axvline(baseline, color=BASELINE_COLOUR, linestyle="--", linewidth=1,
                   gid=f"baseline {key}")
    # the baseline's row shaded in every panel, its name set in bold beside the first
    ax.axhspan(ys[0] - 0.5, ys[0] + 0.5, color=BASELINE_SHADE, zorder=0, gid="baseline row")
    for y, row in zip(ys, rows):
        interval = row.get(f"{key}_interval")
        if row.get(key) is None or interval is None:
            ax.text(0.02, y, NOTHING[total], ha="left", va="center", fontsize=COUNT_SIZE,
                    color=BASELINE_COLOUR)
            continue
        value, (low, high) = row[key], interval
        culprit = _culprit(row, culprits)
        colour = CULPRIT_COLOUR if culprit else POINT_COLOUR
        ax.errorbar([value], [y], xerr=[[value - low], [high - value]],
                    fmt=CULPRIT_MARKER if culprit else POINT_MARKER, color=colour, capsize=3,
                    gid=f"{key} {row['name']}")
        # on white above the baseline's dashed line, which ran through a count at the same rate
        ax.annotate(f"{row[hits]}/{row[total]}", (value, y), xytext=(0, 6),
                    textcoords="offset points", ha="center", fontsize=COUNT_SIZE, color=colour,
                    zorder=3, gid=f"count {key} {row['name']}",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    # room for half a count's width beyond 0 and 1: a count at 0 ran over the axis's edge
    ax.set_xlim(-0.07, 1.07)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    # the axis named as the other pictures name theirs: a bare 0 to 1 left the reader to find in
    # the title what the points measure
    ax.set_xlabel(axis_label)


def ablation_figure(result: AblationResult | dict[str, Any]):
    """Three panels, recall, class recall and precision, one row per run in the table's order from
    the top; each figure a point with its 95% interval as a bar and its count; the baseline's row
    shaded and its figure a dashed line. The values are `ablation.json`'s (`result` or its
    `to_dict()` record). A change that costs recall is drawn in another colour and shape in the
    recall and precision panels, one that costs class recall in the class recall panel. Its own
    Agg canvas, no pyplot state."""
    from matplotlib.figure import Figure

    record = result if isinstance(result, dict) else result.to_dict()
    rows = record["rows"]
    names = [wrap_to_width(row["name"], NAME_WIDTH_PT, NAME_SIZE) for row in rows]
    # each row as tall as the most lines a name takes, and room above its point for the count
    row_in = max(0.4, LINE_IN * max(name.count("\n") + 1 for name in names) + 0.15)
    fig = Figure(figsize=(14, 1.6 + row_in * len(rows)), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(PANELS), sharey=True)
    ys = list(range(len(rows)))[::-1]  # the baseline on top, as in the table
    culprits = {name: set(record.get(name) or ()) for name in ("culprits", "class_culprits")}
    for ax, panel in zip(axes, PANELS):
        _draw_panel(ax, rows, ys, panel, culprits[panel[-1]])
    axes[0].set_yticks(ys, names, fontsize=NAME_SIZE)
    either = culprits["culprits"] | culprits["class_culprits"]
    for label, row in zip(axes[0].get_yticklabels(), rows):
        if _culprit(row, either):
            label.set_color(CULPRIT_COLOUR)
    axes[0].get_yticklabels()[0].set_fontweight("bold")
    fig.suptitle(f"Ablation, tolerance {record['tolerance_s']:g} s: each run's figure with its 95% "
                 "Wilson interval and its count; shaded, the baseline's row, dashed, its figure"
                 + ("\nin orange and square, a change that costs recall (in the class recall "
                    "panel, class recall) alone or inside the batch" if either else ""))
    return fig


def write_ablation_chart(result: AblationResult, out_path: str | Path) -> Path:
    """`ablation_figure` written as a PNG, atomically."""
    return write_figure_png(out_path, lambda: ablation_figure(result))
