"""The pose augmentation's MoveNet-like steps: sides flickering in runs and wrists put on a nearby
joint with a low score, at the rates asked for."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from highlights.pose_classifier.augment import PoseAugmentConfig, augment_window, flicker_frames
from highlights.pose_classifier.skeleton import FLIP
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows

OFF = PoseAugmentConfig(mirror=0.0, camera_follow=0.0, rotation_deg=0.0, squash=(1.0, 1.0), speed=(1.0, 1.0),
                        jitter=(0.0, 0.0), lag=0.0, drop_joint=(0.0, 0.0), drop_frame=(0.0, 0.0),
                        swap_frames=0.0, partial_body=0.0, glitch=0.0, limb_bend=0.0, arm_spread=0.0)


@pytest.fixture(scope="module")
def windows():
    return synth_windows(SynthWindowSpec(count=12, seed=5))[0]


def _runs(swapped: np.ndarray) -> list[int]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], swapped.astype(int), [0]])))
    return (edges[1::2] - edges[::2]).tolist()


def test_flicker_swaps_the_asked_share_of_frames_in_short_runs():
    rng = np.random.default_rng(0)
    masks = np.stack([flicker_frames(20, rng, 0.4, 4) for _ in range(3000)])
    assert masks.mean() == pytest.approx(0.4, abs=0.02)
    assert masks[:, 0].mean() == pytest.approx(0.4, abs=0.05)     # no bias at the window's start
    flips = np.abs(np.diff(masks.astype(int), axis=1)).sum(axis=1)
    assert 5.0 < flips.mean() < 7.0                                 # the measured ~6 flips in 2 s
    inner = [r for m in masks for r in _runs(m)[1:-1]]   # runs cut by the window's ends aside
    assert inner and max(inner) <= 4
    rarer = np.stack([flicker_frames(20, rng, 0.1, 2) for _ in range(3000)])
    assert rarer.mean() == pytest.approx(0.1, abs=0.015)


def _swapped(out: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Frames of `out` that are `w` with left and right exchanged (and not `w` itself)."""
    as_given = np.isclose(out[:, :, :2], w[:, :, :2], atol=1e-3).all(axis=(1, 2))
    as_flipped = np.isclose(out[:, :, :2], w[:, list(FLIP), :2], atol=1e-3).all(axis=(1, 2))
    assert (as_given | as_flipped).all()
    return as_flipped & ~as_given


def test_augmentation_flickers_the_asked_share_of_windows_and_frames(windows):
    rng = np.random.default_rng(1)
    cfg = replace(OFF, flicker=0.5, flicker_rate=0.4, flicker_run=4)
    per_window = [_swapped(augment_window(w, rng, cfg), w) for _ in range(40) for w in windows]
    flickering = [s for s in per_window if s.any()]
    assert len(flickering) / len(per_window) == pytest.approx(0.5, abs=0.06)
    assert np.mean([s.mean() for s in flickering]) == pytest.approx(0.4, abs=0.04)
    off = [_swapped(augment_window(w, rng, OFF), w) for w in windows]
    assert not any(s.any() for s in off)


def test_misplaced_wrists_sit_on_their_sides_ear_elbow_or_hip_with_a_low_score(windows):
    rng = np.random.default_rng(2)
    cfg = replace(OFF, wrist_misplace=0.1)
    moved_share, scores = [], []
    for _ in range(30):
        for w in windows:
            out = augment_window(w, rng, cfg)
            height = float(np.ptp(w[..., 1]))
            others = [j for j in range(17) if j not in (9, 10)]
            assert np.allclose(out[:, others, :2], w[:, others, :2], atol=1e-3)
            for wrist, near in ((9, (3, 7, 11)), (10, (4, 8, 12))):
                moved = np.linalg.norm(out[:, wrist, :2] - w[:, wrist, :2], axis=1) > 1e-3
                moved_share.append(moved)
                if moved.any():
                    to_near = np.linalg.norm(out[moved, wrist, None, :2] - w[moved][:, list(near), :2], axis=2)
                    assert (to_near.min(axis=1) < 0.15 * height).all()
                    scores.extend(out[moved, wrist, 2].tolist())
                    assert (out[~moved, wrist, 2] >= 0.35).all()
    assert np.concatenate(moved_share).mean() == pytest.approx(0.1, abs=0.015)
    assert 0.3 <= min(scores) and max(scores) <= 0.45


def test_a_rate_past_what_gaps_of_one_frame_allow_comes_out_at_that_limit():
    # Runs of 1 to 4 frames (2.5 on average) with gaps of at least one frame: at most 5/7 swapped.
    rng = np.random.default_rng(0)
    for rate in (0.9, 0.99):
        masks = np.stack([flicker_frames(20, rng, rate, 4) for _ in range(2000)])
        assert masks.mean() == pytest.approx(5 / 7, abs=0.02)


def test_a_frame_swapped_by_both_the_flicker_and_the_swapped_frames_is_the_right_way_round(windows):
    # A swap of a swapped frame puts its sides back.
    rng = np.random.default_rng(3)
    cfg = replace(OFF, swap_frames=1.0, flicker=1.0, flicker_rate=0.4, flicker_run=4)
    shares = [_swapped(augment_window(w, rng, cfg), w).mean() for _ in range(20) for w in windows]
    assert np.mean(shares) == pytest.approx(0.6, abs=0.05)


def test_a_wrist_the_estimator_did_not_see_is_not_made_seen_by_misplacing_it(windows):
    rng = np.random.default_rng(4)
    cfg = replace(OFF, wrist_misplace=0.5)
    for w in windows:
        w = w.copy()
        w[::2, 9, 2] = 0.0                                         # the left wrist unseen in every other frame
        out = augment_window(w, rng, cfg)
        assert not out[::2, 9, 2].any()
        assert out[::2, 10, 2].min() >= 0.3                         # the right one, seen, keeps a score


def test_a_rate_of_one_swaps_every_frame_and_a_rate_of_zero_none():
    rng = np.random.default_rng(0)
    assert flicker_frames(20, rng, 1.0, 4).all()
    assert not flicker_frames(20, rng, 0.0, 4).any()
