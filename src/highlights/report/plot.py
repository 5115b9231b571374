"""The confusion matrix as a labelled PNG."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
# A Figure of its own, not pyplot's: pyplot, or choosing its backend, would change the plotting
# of a notebook or program that imports highlights.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from highlights.contrast import text_colour_on
from highlights.counted_noun import counted
from highlights.figure_png import write_figure_png
from highlights.reliability_diagram import method_word, reliability_figure as reliabilities_figure
from highlights.wrapped_label import widest_line_pt, wrap_to_width

TICK_FONT_SIZE = 10
TITLE_SIZE = 9
CLASS_NAME_WIDTH_PT = 130  # about 24 characters of a class name on a line
LINE_PT = 1.2 * TICK_FONT_SIZE  # a class name's line, its spacing included
SLANT = 35  # degrees the names beneath the matrix are turned where they fit so
# A cell's side in inches: its largest, its least, and the matrix's side up to which cells shrink.
MAX_CELL_IN, MIN_CELL_IN, MATRIX_IN = 0.9, 0.5, 7.5


def confusion_title(report: dict) -> str:
    """Accuracy and macro-F1 with the 95% intervals the report stores, each naming its level and
    method (a PNG is often shared alone, away from the report that holds them), and the clips
    they are made of."""
    boot = report.get("bootstrap") or {}
    methods = boot.get("methods") or {}

    def figure(name: str) -> str:
        interval = boot.get(name)
        if not interval:
            return f"{report[name]:.3f}"
        return (f"{report[name]:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] "
                f"(95%{method_word(str(methods.get(name, '')))})")

    # A line each: on fewer, the figures of a two-class matrix run past the picture's right edge.
    title = f"n={counted(report['num_clips'], 'clip')}\naccuracy {figure('accuracy')}\nmacro-F1 {figure('macro_f1')}"
    # A class without test clips is a row of zeros whose F1 of 0 lowers macro-F1, as the report says.
    absent = [label for label in report["labels"] if report["per_class"][label]["support"] == 0]
    if absent and len(absent) < len(report["labels"]):
        title += "\n" + wrap_to_width(f"no test clip of {', '.join(absent)}: macro-F1 counts "
                                      f"{'its' if len(absent) == 1 else 'their'} F1 as 0", 300, TITLE_SIZE)
    return title


def confusion_figure(report: dict):
    """The report's confusion matrix with counts in the cells; rows true, columns predicted. A
    `Figure` pyplot does not hold: nothing to close."""
    cm = report["confusion_matrix"]
    # A long class name on lines of its own: in one line, 30 characters took half the picture from
    # the matrix and pushed its title past the right edge.
    labels = [wrap_to_width(label, CLASS_NAME_WIDTH_PT, TICK_FONT_SIZE) for label in cm["labels"]]
    names_in = max(widest_line_pt(label, TICK_FONT_SIZE) for label in labels) / 72
    matrix = np.asarray(cm["matrix"])
    n = len(labels)
    # Cells smaller as classes are added, down to room for a count of four digits and a name of
    # three lines beside each: at 0.9 in a cell, fourteen classes of long names made a picture
    # over 2000 px wide. Up to MATRIX_IN across in all, where each cell still fits.
    cell_in = max(MIN_CELL_IN, min(MAX_CELL_IN, MATRIX_IN / n))
    # The names beneath slanted where they fit beside each other so, else upright as a column's
    # own (slanted, names of two lines in cells of half an inch covered their neighbours).
    lines = max(label.count("\n") + 1 for label in labels)
    upright = lines * LINE_PT / math.sin(math.radians(SLANT)) > 0.9 * cell_in * 72
    beneath_in = names_in if upright else names_in * math.sin(math.radians(SLANT)) + 0.15
    size = cell_in * n
    # 6 in wide at least: the class names to the left of a small matrix push its title off the edge
    fig = Figure(figsize=(max(size + 1.7 + names_in, 6.0), max(size + 1.4 + beneath_in, 3.5)))
    FigureCanvasAgg(fig)  # drawn in memory, whatever backend the caller's pyplot uses
    ax = fig.subplots()
    # From 0 clips: with its own least count at the bottom, a matrix of one class (or of equal
    # counts) had a scale of 4.5 to 5.5 clips and its cell the colour of the middle.
    image = ax.imshow(matrix, cmap="Blues", vmin=0)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.locator = MaxNLocator(integer=True)  # counts of clips: no tick at 0.5 of one
    bar.update_ticks()
    if upright:
        ax.set_xticks(range(n), labels=labels, rotation=90, fontsize=TICK_FONT_SIZE)
    else:
        ax.set_xticks(range(n), labels=labels, rotation=SLANT, ha="right", rotation_mode="anchor",
                      fontsize=TICK_FONT_SIZE)
    ax.set_yticks(range(n), labels=labels, fontsize=TICK_FONT_SIZE)
    # The axes named in words, each with its side of the matrix: "true"/"predicted" alone left a
    # reader to guess which way a row runs, the ambiguity the report exists to remove.
    ax.set_xlabel(f"{cm['columns']} class (columns)")
    ax.set_ylabel(f"{cm['rows']} class (rows)")
    ax.set_title(confusion_title(report), fontsize=TITLE_SIZE)
    # Each count in black or white by its own cell's colour: a fixed switch at half the largest
    # count put white on the mid blues, where it reads at about 2.5:1.
    count_size = 10 if cell_in >= 0.6 else 8
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            cell = image.cmap(image.norm(matrix[i, j]))
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=text_colour_on(cell),
                    fontsize=count_size)
    fig.tight_layout()
    return fig


def plot_confusion(report: dict, path: str | Path) -> Path:
    """Writes the report's confusion matrix (`confusion_figure`) as a PNG, atomically, a class
    named in a script matplotlib's font lacks drawn with an installed font that has it."""
    return write_figure_png(path, lambda: confusion_figure(report), dpi=120,
                            names=report["confusion_matrix"]["labels"])


def reliability_figure(report: dict):
    """The reliability diagram of the report's confidence (`reliability_diagram`), from the bins
    of its calibration table. A `Figure` pyplot does not hold: nothing to close."""
    return reliabilities_figure([("", report["confidence"]["calibration"])], item="clip",
                   xlabel="probability of the predicted class (bin)",
                   ylabel="share of the bin's clips predicted right")


def plot_reliability(report: dict, path: str | Path) -> Path:
    """Writes the reliability diagram (`reliability_figure`) as a PNG, atomically."""
    return write_figure_png(path, lambda: reliability_figure(report), dpi=120)
