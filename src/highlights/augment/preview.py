"""A picture of what the augmentation does: a few frames of a clip beside its variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
# A Figure of its own, not pyplot's: pyplot, or choosing its backend, would change the plotting
# of a notebook that previews the augmentation.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from highlights.augment.config import PhoneAugmentConfig
from highlights.augment.phone import AugmentResult, PhoneAugment, derive_seed
from highlights.figure_png import write_figure_png
from highlights.video import read_clip
from highlights.wrapped_label import wrap_to_width

TITLE_SIZE = 9


def preview_variants(
    clip_path: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
) -> tuple[np.ndarray, list[AugmentResult]]:
    """The clip's ``frames`` frames spread over its length, and ``variants`` augmentations of them."""
    if variants < 1 or frames < 1:
        raise ValueError("variants and frames must be at least 1")
    original, times = read_clip(clip_path, num_frames=frames)
    _check_whole(clip_path, times, frames)
    augment = PhoneAugment(config or PhoneAugmentConfig())
    return original, [augment.apply(original, seed=derive_seed(seed, k)) for k in range(variants)]


def _check_whole(clip_path: str | Path, times: np.ndarray, frames: int) -> None:
    """Refuse a clip cut off part way (its index at the front): read_clip takes the frames nearest
    its sampling times, so it repeats the first part's last frame for the missing rest."""
    from highlights.video import check_frames_reach_end, probe

    info = probe(clip_path)
    # The last row is the frame nearest the last sampling time, half a step before the end.
    step = (info.duration_s - info.start_s) / frames
    check_frames_reach_end(clip_path, info.duration_s, float(times[-1]), step + 1.0 / info.fps)


def write_preview_grid(
    clip_path: str | Path,
    out: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
) -> Path:
    """Write a PNG grid (`preview_figure`), atomically, a file name in a script matplotlib's font
    lacks drawn with an installed font that has it."""
    return write_figure_png(out, lambda: preview_figure(clip_path, variants=variants, seed=seed, frames=frames,
                                                        config=config), dpi=110, names=[Path(clip_path).name])


def preview_figure(
    clip_path: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
):
    """The grid: rows are frames of the clip, columns the original and its variants, each column
    titled with the parameters sampled for it, the clip's name above, on as many lines as it takes
    (in one line, a long name ran past both edges of a narrow grid). A `Figure` pyplot does not hold."""
    original, results = preview_variants(clip_path, variants=variants, seed=seed, frames=frames, config=config)
    columns = [("original", original)] + [(_title(k, r), r.frames) for k, r in enumerate(results)]
    h, w = original.shape[1:3]
    cell = 2.6
    title = wrap_to_width(f"{Path(clip_path).name}: phone augmentation, seed {seed}", (cell * len(columns) - 0.4) * 72,
                          TITLE_SIZE)
    fig = Figure(figsize=(cell * len(columns), cell * frames * h / w + 0.9 + 0.15 * title.count("\n")))
    FigureCanvasAgg(fig)  # drawn in memory, whatever backend the caller's pyplot uses
    axes = fig.subplots(frames, len(columns), squeeze=False)
    for col, (name, clip) in enumerate(columns):
        for row in range(frames):
            ax = axes[row][col]
            ax.imshow(clip[row])
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name, fontsize=7)
    fig.suptitle(title, fontsize=TITLE_SIZE)
    fig.tight_layout()
    return fig


def _title(k: int, result: AugmentResult) -> str:
    # Wrap the one-line description so narrow columns stay readable.
    parts = result.describe().split(", ")
    lines = [", ".join(parts[i:i + 2]) for i in range(0, len(parts), 2)]
    return f"variant {k + 1} (seed {result.seed})\n" + "\n".join(lines)
