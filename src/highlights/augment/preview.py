"""A picture of what the augmentation does: a few frames of a clip beside its variants."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402

from highlights.atomic import atomic_path  # noqa: E402
from highlights.augment.config import PhoneAugmentConfig  # noqa: E402
from highlights.augment.phone import AugmentResult, PhoneAugment, derive_seed  # noqa: E402
from highlights.video import read_clip  # noqa: E402


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
    original, _ = read_clip(clip_path, num_frames=frames)
    augment = PhoneAugment(config or PhoneAugmentConfig())
    return original, [augment.apply(original, seed=derive_seed(seed, k)) for k in range(variants)]


def write_preview_grid(
    clip_path: str | Path,
    out: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
) -> Path:
    """Write a PNG grid: rows are frames of the clip, columns the original and its variants,
    each column titled with the parameters sampled for it. Written atomically."""
    original, results = preview_variants(clip_path, variants=variants, seed=seed, frames=frames, config=config)
    columns = [("original", original)] + [(_title(k, r), r.frames) for k, r in enumerate(results)]
    h, w = original.shape[1:3]
    cell = 2.6
    fig, axes = plt.subplots(frames, len(columns), squeeze=False,
                             figsize=(cell * len(columns), cell * frames * h / w + 0.9))
    for col, (title, clip) in enumerate(columns):
        for row in range(frames):
            ax = axes[row][col]
            ax.imshow(clip[row])
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=7)
    fig.suptitle(f"{Path(clip_path).name}: phone augmentation, seed {seed}", fontsize=9)
    fig.tight_layout()
    out = Path(out)
    try:
        with atomic_path(out) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    finally:
        plt.close(fig)
    return out


def _title(k: int, result: AugmentResult) -> str:
    # Wrap the one-line description so narrow columns stay readable.
    parts = result.describe().split(", ")
    lines = [", ".join(parts[i:i + 2]) for i in range(0, len(parts), 2)]
    return f"variant {k + 1} (seed {result.seed})\n" + "\n".join(lines)
