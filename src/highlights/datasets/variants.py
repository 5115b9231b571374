"""Materialising augmented variants of real clips into a version being written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from highlights.datasets.store import clip_file_name
from highlights.file_hash import file_sha256
from highlights.video import iter_frames, probe, write_video
from highlights.video.writer import DATA_PRESET

if TYPE_CHECKING:  # albumentations is imported only where variants are made (datasets/build.py)
    from highlights.augment import PhoneAugment

VARIANT_SUFFIX = ".mp4"
# Variants are written no larger than this (short side, px). Only the clip classifier's training
# reads them, at its clip spec's short side (128 px by default, 360 px for a 315 px crop), so
# more pixels add nothing; and a phone clip decoded whole at 1080p or 4K for augmenting takes
# gigabytes of memory and most of the time making a version.
VARIANT_MAX_SHORT_SIDE = 360
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

    Each variant gets one parameter set for the whole clip and keeps the source's frame rate; a
    source larger than ``VARIANT_MAX_SHORT_SIDE`` is scaled down to it first. The clip is held in
    memory while its variants are made: dataset clips are a few seconds long.
    """
    from highlights.augment import derive_seed

    fps = probe(source).fps
    frames = np.stack([frame.rgb for frame in iter_frames(source, max_short_side=VARIANT_MAX_SHORT_SIDE,
                                                          interpolation="AREA")])
    variants = []
    for seed in seeds:
        result = augment.apply(frames, seed=seed)
        # A variant on which no transform fired is a mere re-encode of its source: draw again.
        for retry in range(1, _MAX_REDRAWS + 1):
            if result.params or result.jitter_px:
                break
            result = augment.apply(frames, seed=derive_seed(seed, "redraw", retry))
        tmp = version_dir / f".variant-{result.seed}{VARIANT_SUFFIX}"
        write_video(tmp, result.frames, fps, preset=DATA_PRESET)
        sha = file_sha256(tmp)
        name = clip_file_name(sha, VARIANT_SUFFIX)
        os.replace(tmp, version_dir / name)
        variants.append(Variant(name, sha, result.seed, result.params, result.jitter_px))
    return variants
