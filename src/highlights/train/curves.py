"""Training curves as a PNG: loss and validation macro-F1 per epoch, redrawn after every epoch."""

from __future__ import annotations

import io
from pathlib import Path

# A Figure of its own, not pyplot's: pyplot, or choosing its backend, would change the plotting
# of a notebook that trains through highlights.train.fit.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from highlights.atomic import atomic_write_bytes
from highlights.counted_noun import counted

MARKED_EPOCHS = 40  # a 6 pt dot each, about the width of one of the two axes


def plot_training_curves(history: list[dict], path: str | Path, *, best_epoch: int | None = None,
                         val_clips: int | None = None) -> Path:
    """`val_clips`, the validation split's size, goes on the macro-F1 axis: a curve over 3 clips
    moves in steps of a third of a class's F1 and reads otherwise as a measurement."""
    epochs = [h["epoch"] for h in history]
    # A dot per epoch while the dots stand apart: 200 of them across the 3.5 in of an axis drew a
    # thick band that hid the curve's shape.
    marker = "o" if len(epochs) <= MARKED_EPOCHS else None
    fig = Figure(figsize=(9, 3.4))
    FigureCanvasAgg(fig)  # drawn in memory, whatever backend the caller's pyplot uses
    ax_loss, ax_f1 = fig.subplots(1, 2)
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=marker)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss")
    scored = [(h["epoch"], h["val_macro_f1"]) for h in history if h.get("val_macro_f1") is not None]
    if scored:
        ax_f1.plot(*zip(*scored), marker=marker, color="tab:green")
        if best_epoch:
            ax_f1.axvline(best_epoch, color="grey", linestyle="--", label=f"best (epoch {best_epoch})")
            # where it covers fewest points: at the lower right it hid a weak model's last epochs
            ax_f1.legend(loc="best")
    elif history:
        # A run without validation clips keeps each epoch as the best: an empty panel under a
        # "best" line read as a drawing that failed, and the line as a choice among scores.
        ax_f1.text(0.5, 0.5, "no validation clips: no macro-F1 to draw,\nthe last epoch is the one kept",
                   transform=ax_f1.transAxes, ha="center", va="center", color="#555555")
    ax_f1.set_xlabel("epoch")
    ax_f1.set_ylabel("validation macro-F1" + (f" ({counted(val_clips, 'clip')})" if val_clips else ""))
    ax_f1.set_ylim(-0.04, 1.04)  # room for a whole dot at 0 and at 1, where the axes cut it in half
    for ax in (ax_loss, ax_f1):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if epochs:  # whole epochs on the axis, even for a run of one or two
            ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return atomic_write_bytes(path, buffer.getvalue())
