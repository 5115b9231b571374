"""Tiny, trivially separable datasets for the training tests: the colour of a clip is its class."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from highlights.datasets import create_version
from highlights.train import TrainConfig
from highlights.video import write_video

COLOURS = {"baseball_swing": (220, 40, 40), "none": (40, 60, 220)}


def write_colour_clips(src: Path, *, per_class: int = 4, frames: int = 8, size: int = 32, seed: int = 0) -> Path:
    """`src/<label>/<label>_<i>.mp4`: noisy frames around the class colour, each clip its own group."""
    rng = np.random.default_rng(seed)
    for label, colour in COLOURS.items():
        (src / label).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            base = np.array(colour, dtype=np.int16) + rng.integers(-30, 30, size=3)
            clip = [
                np.clip(base + rng.integers(-20, 20, size=(size, size, 3)), 0, 255).astype(np.uint8)
                for _ in range(frames)
            ]
            write_video(src / label / f"{label}_{i}.mp4", clip, fps=8.0, crf=18)
    return src


def make_colour_dataset(tmp: Path, *, per_class: int = 4):
    """A dataset version `v1` under `tmp/data` with train/val/test splits of colour clips."""
    src = write_colour_clips(tmp / "src", per_class=per_class)
    return create_version(src, tmp / "data", ratios=(0.5, 0.25, 0.25), seed=0)


def tiny_config(dataset, out_dir: Path, **overrides) -> TrainConfig:
    """A model small enough for a unit test: width 0.125, one block per stage, 4 frames of 32x32."""
    settings = dict(
        width=0.125, layers=(1, 1, 1, 1), num_frames=4, crop_size=32, resize_short_side=36,
        epochs=2, batch_size=2, lr=3e-3, weight_decay=0.0, warmup_epochs=0.0, num_workers=0,
        patience=0, augment=False,
    )
    settings.update(overrides)
    return TrainConfig(root=str(dataset.root), version=dataset.name, out_dir=str(out_dir), **settings)
