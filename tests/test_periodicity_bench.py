"""bench/bench_periodicity.py's scores: a walk's rhythm reads as periodic, a lone kick does not, and
the ankles' gap does not care which ankle the pose model calls left."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bench_modules import bench_module
from tests.keypoint_fixtures import FPS, still_body, walker

L_ANKLE, R_ANKLE = 15, 16


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_periodicity") as module:
        yield module


def _kick(frames: int) -> tuple[np.ndarray, np.ndarray]:
    """A player standing still (a pose model's jitter) whose right foot swings out and back once."""
    times = np.arange(frames) / FPS
    kp = still_body(frames)
    kp[:, :, :2] += np.random.default_rng(3).normal(0.0, 0.5, (frames, 17, 2))
    mid = frames // 2
    kp[mid - 2:mid + 3, R_ANKLE, 0] += [10, 30, 45, 30, 10]
    return times, kp


def test_a_walk_scores_periodic_and_a_kick_does_not(bench):
    times, walk = walker(60)
    walking = bench.periodicity(times, walk, 100.0, 3.0, 2.0)
    times, kick = _kick(60)
    kicking = bench.periodicity(times, kick, 100.0, 3.0, 2.0)
    # The walker's feet part and close twice a second: the gap repeats at 0.5 s.
    assert walking["acf:ankle_gap"] > 0.8
    assert walking["band:ankle_gap"] > 0.8
    assert kicking["acf:ankle_gap"] < 0.3
    assert kicking["band:ankle_gap"] < 0.5


def test_swapped_ankles_leave_the_gap_alone_and_flip_the_signed_difference(bench):
    times, walk = walker(60)
    swapped = walk.copy()
    frames = np.random.default_rng(5).random(60) < 0.4
    swapped[frames, L_ANKLE], swapped[frames, R_ANKLE] = walk[frames, R_ANKLE], walk[frames, L_ANKLE]
    clean = bench.periodicity(times, walk, 100.0, 3.0, 2.0)
    flickered = bench.periodicity(times, swapped, 100.0, 3.0, 2.0)
    assert flickered["acf:ankle_gap"] == pytest.approx(clean["acf:ankle_gap"])
    assert flickered["acf:ankle_lr"] < clean["acf:ankle_lr"] - 0.3


def test_a_slow_drift_is_no_rhythm_and_an_unseen_track_no_score(bench):
    grid = np.linspace(0.0, 1.0, 41)  # correlates at every short lag, never repeats
    assert bench.acf_peak(grid) == 0.0
    half_seen = np.where(np.arange(41) < 25, np.nan, np.sin(np.arange(41)))
    assert np.isnan(bench.acf_peak(half_seen))
    assert np.isnan(bench.band_share(half_seen))


def test_the_grid_fills_short_gaps_only(bench):
    times = np.array([0.0, 0.1, 0.2, 0.4, 1.0, 1.1])
    values = np.array([0.0, 1.0, 2.0, 4.0, 10.0, 11.0])
    grid = bench.on_grid(times, values, 0.5, 0.5)  # 0.0 .. 1.0 every 0.1 s
    assert grid[:5] == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])   # 0.2 s gap filled linearly
    assert np.isnan(grid[5:10]).all()                              # a 0.6 s gap is not
    assert grid[10] == pytest.approx(10.0)
