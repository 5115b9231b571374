"""A reliability diagram: over each score bin that holds scores, a bar as high as the share of
them that turned out right, its count above it, and the diagonal a calibrated score would
follow. It draws the bins of a reliability (`calibration_error`'s
`reliability_bins` with `ece_fields`), the same that fill the table beside it, so the picture
and the table never differ. A test report draws its clips' confidence with it, and `pipeline
evaluate` and `pipeline calibrate` their highlights' scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# A Figure of its own, not pyplot's: pyplot, or choosing its backend, would change the plotting
# of a notebook or program that imports highlights.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from highlights.counted_noun import counted

PANEL_WIDTH_IN, HEIGHT_IN = 7.5, 5.8


def method_word(method: str) -> str:
    """The interval's method in a word for a picture's title (the report names it in full)."""
    method = method.lower()
    return " Wilson" if "wilson" in method else " bootstrap" if "bootstrap" in method else ""


def reliability_title(reliability: dict[str, Any], item: str) -> str:
    """`ECE 0.064 [0.041, 0.120] (95% bootstrap), n=60 clips`: what the panel shows, with the
    interval's level and method (a picture is often shared alone)."""
    interval = reliability.get("ece_interval")
    method = method_word(str((reliability.get("ece_bootstrap") or {}).get("method", "")))
    return (f"ECE {reliability['ece']:.3f}"
            + (f" [{interval[0]:.3f}, {interval[1]:.3f}] (95%{method})" if interval else "")
            + f", n={counted(reliability['n'], item)}")


def draw_reliability(ax, reliability: dict[str, Any], *, item: str, name: str = "") -> None:
    """One reliability's bins on `ax`, titled with its ECE and count (`name` before it)."""
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    for row in reliability["bins"]:
        low, high = row["bin"]
        ax.bar((low + high) / 2, row["correct_rate"], width=high - low, color="tab:blue",
               edgecolor="white", alpha=0.8)
        # The bar's top as a line over the axis too: a bin none of whose items was right has a
        # bar of no height, and showed nothing but its count.
        ax.hlines(row["correct_rate"], low, high, color="tab:blue", linewidth=4, zorder=3,
                  clip_on=False)
        # On white, above the diagonal: where a bin is about as right as it is sure, the dashed
        # line ran through its count.
        ax.text((low + high) / 2, row["correct_rate"] + 0.02, f"n={row['n']}", ha="center",
                va="bottom", fontsize=8, zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.1)
    ax.set_title((f"{name}: " if name else "") + reliability_title(reliability, item), fontsize=9)


def reliability_figure(panels: Sequence[tuple[str, dict[str, Any]]], *, item: str, xlabel: str,
                       ylabel: str) -> Figure:
    """A panel per `(name, reliability)` side by side (one score raw and fitted, say), the
    legend beneath them. A `Figure` pyplot does not hold: nothing to close."""
    fig = Figure(figsize=(PANEL_WIDTH_IN * len(panels), HEIGHT_IN), layout="constrained")
    FigureCanvasAgg(fig)  # drawn in memory, whatever backend the caller's pyplot uses
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, reliability) in zip(axes, panels):
        draw_reliability(ax, reliability, item=item, name=name)
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel(ylabel)
    # Beneath the axes: inside them, in any corner, it covers a bin's bar or count (at the upper
    # left, the bin of 0.1 to 0.2 a model of twelve classes fills). Once for every panel.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize=8, frameon=False,
               ncols=len(labels))
    return fig
