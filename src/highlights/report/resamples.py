"""The resamples of the test clips that the report's percentile bootstrap intervals are made from."""

from __future__ import annotations

import numpy as np


def clip_resamples(n: int, n_bootstrap: int, seed: int) -> np.ndarray:
    """`(n_bootstrap, n)` indices of `n` test clips drawn with replacement: the resamples of every
    percentile bootstrap over test clips in the report (a seed draws the same ones each run, and
    the same ones for each figure resampled from the same clips)."""
    return np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))
