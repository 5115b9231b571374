"""Each class carries the kinematics the pipeline triggers on, measured from the ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from tests.synth_fixtures import ANKLES, HIPS, WRISTS, keypoints, relative_speed, rendered

SEEDS = (11, 12, 13)


def _window(truth: dict, speeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Speeds (between frames i and i+1) inside and outside the action, and their times."""
    t = np.array([fr["t"] for fr in truth["frames"]])[:-1] + 0.5 / truth["fps"]
    a = truth["action"]
    inside = (t >= a["start_s"]) & (t <= a["end_s"])
    return inside, t


def _walk_peak(joints) -> float:
    return max(np.nanmax(relative_speed(rendered("none", s, "soccer", "walk")[1], joints)) for s in SEEDS)


@pytest.mark.parametrize("seed", SEEDS)
def test_swing_has_a_wrist_speed_peak_at_contact(seed):
    _, truth = rendered("baseball_swing", seed)
    v = relative_speed(truth, WRISTS)
    inside, t = _window(truth, v)
    peak = np.nanargmax(v)
    assert inside[peak]
    assert abs(t[peak] - truth["action"]["key_s"]) < 0.15
    assert np.nanmax(v) > 2.0 * _walk_peak(WRISTS)


def test_check_swing_is_slower_than_a_swing():
    checks = [np.nanmax(relative_speed(rendered("none", s, "baseball", "check_swing")[1], WRISTS)) for s in SEEDS]
    swings = [np.nanmax(relative_speed(rendered("baseball_swing", s)[1], WRISTS)) for s in SEEDS]
    assert np.median(swings) > 1.3 * np.median(checks)


def _hip_rise(truth: dict) -> np.ndarray:
    """Hip height above its level at the clip start, in body heights (image y points down)."""
    kp, heights = keypoints(truth)
    hip_y = (kp[:, HIPS[0], 1] + kp[:, HIPS[1], 1]) / 2
    return (np.nanmedian(hip_y[:5]) - hip_y) / np.nanmedian(heights)


@pytest.mark.parametrize("seed", SEEDS)
def test_layup_lifts_the_hips_around_the_release(seed):
    _, truth = rendered("basketball_layup", seed)
    if truth["motion"].endswith("free_throw"):
        # A free throw has no jump: the shooting wrist goes above the head at the release.
        kp, _ = keypoints(truth)
        t = np.array([fr["t"] for fr in truth["frames"]])
        k = int(np.argmin(np.abs(t - truth["action"]["key_s"])))
        assert min(kp[k, WRISTS[0], 1], kp[k, WRISTS[1], 1]) < kp[k, 0, 1]
        return
    rise = _hip_rise(truth)
    t = np.array([fr["t"] for fr in truth["frames"]])
    top = int(np.nanargmax(rise))
    assert rise[top] > 0.12
    assert truth["action"]["start_s"] <= t[top] <= truth["action"]["end_s"]
    assert abs(t[top] - truth["action"]["key_s"]) < 0.25
    walking = max(np.nanmax(_hip_rise(rendered("none", s, "soccer", "walk")[1])) for s in SEEDS)
    assert rise[top] > 3 * walking


@pytest.mark.parametrize("seed", SEEDS)
def test_shot_has_an_ankle_speed_peak_at_contact(seed):
    _, truth = rendered("soccer_shooting", seed)
    v = relative_speed(truth, ANKLES)
    inside, t = _window(truth, v)
    peak = np.nanargmax(v)
    assert inside[peak]
    assert abs(t[peak] - truth["action"]["key_s"]) < 0.12
    assert np.nanmax(v) > 2.0 * _walk_peak(ANKLES)


def test_slow_pass_kicks_slower_than_a_shot():
    passes = [np.nanmax(relative_speed(rendered("none", s, "soccer", "slow_pass")[1], ANKLES)) for s in SEEDS]
    shots = [np.nanmax(relative_speed(rendered("soccer_shooting", s)[1], ANKLES)) for s in SEEDS]
    assert np.median(shots) > 1.3 * np.median(passes)
