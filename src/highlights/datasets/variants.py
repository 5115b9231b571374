"""Materialising augmented variants of real clips into a version being written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from highlights.augment import PhoneAugment, derive_seed
from highlights.datasets.store import clip_file_name
from highlights.file_hash import file_sha256
from highlights.video import iter_frames, probe, write_video

VARIANT_SUFFIX = ".mp4"
_MAX_REDRAWS = 20


@dataclass(frozen=True)
class Variant:
    file_name: str  # relative to the version folder
    sha256: str
    seed: int
    params: dict[str, Any]
    jitter_px: list[tuple[float, float]]


def make_variants(source: Path, version_dir: Path, augment: PhoneAugment, seeds: Sequence[int]) -> list[Variant]:
    """Decode ``source`` once and write one augmented, re-encoded copy per seed.

    Each variant gets one parameter set for the whole clip and keeps the source's frame rate.
    The clip is held in memory while its variants are made: dataset clips are a few seconds long.
    """
    fps = probe(source).fps
    frames = np.stack([frame.rgb for frame in iter_frames(source)])
    variants = []
    for seed in seeds:
        result = augment.apply(frames, seed=seed)
        # A variant on which no transform fired is a mere re-encode of its source: draw again.
        for retry in range(1, _MAX_REDRAWS + 1):
            if result.params or result.jitter_px:
                break
            result = augment.apply(frames, seed=derive_seed(seed, "redraw", retry))
        tmp = version_dir / f".variant-{result.seed}{VARIANT_SUFFIX}"
        write_video(tmp, result.frames, fps)
        sha = file_sha256(tmp)
        name = clip_file_name(sha, VARIANT_SUFFIX)
        os.replace(tmp, version_dir / name)
        variants.append(Variant(name, sha, result.seed, result.params, result.jitter_px))
    return variants
