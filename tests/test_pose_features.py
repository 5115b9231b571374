"""The pose model's hand-made features, on a three-frame window whose every figure is checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from highlights.pose_classifier.features import feature_names, window_features
from highlights.pose_classifier.skeleton import (
    L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, R_ANKLE, R_ELBOW, R_HIP, R_KNEE, R_SHOULDER, R_WRIST,
    mirror,
)


def _window() -> np.ndarray:
    """Three normalised frames (body units, y up) at 10 fps; every joint seen but the elbows."""
    n = np.zeros((3, 17, 3), np.float32)
    n[:, :, 2] = 1.0
    n[:, L_ELBOW, 2] = n[:, R_ELBOW, 2] = 0.0
    n[:, :5, :2] = (0.0, 1.5)                                   # nose, eyes, ears
    n[:, L_HIP, :2], n[:, R_HIP, :2] = (-0.1, 0.0), (0.1, 0.0)
    n[2, [L_HIP, R_HIP], 1] = 0.3                               # the hips rise in the last frame
    n[2, [L_HIP, R_HIP], 0] += 0.05                             # and move right
    n[:, L_SHOULDER, :2], n[:, R_SHOULDER, :2] = (-0.2, 1.0), (0.2, 1.0)
    n[1, R_SHOULDER, 0] = 0.4                                   # the trunk leans right in frame 1
    n[:, L_WRIST, :2] = (-0.3, 0.5)
    n[1:, L_WRIST, 1] = (0.7, 0.8)                              # the left hand rises slowly
    n[:, R_WRIST, :2] = (0.3, 0.5)
    n[1:, R_WRIST, 1] = 1.6                                     # the right one over the head at once
    n[:, L_KNEE, :2], n[:, R_KNEE, :2] = (-0.1, -1.0), (0.1, -1.0)
    n[1, L_KNEE, 1] = -0.5                                      # a knee lifted in frame 1
    n[:, L_ANKLE, :2], n[:, R_ANKLE, :2] = (-0.15, -2.0), (0.15, -2.0)
    n[2, R_ANKLE, 0] = 0.45                                     # a step out in the last frame
    return n


# Speeds are per frame pair (frames 1 and 2), the larger and the smaller side; heights are against
# the frame's own mid-shoulder or mid-hip; p90 interpolates between the two pairs.
EXPECTED = {
    "wrist_speed_hi_max": 11.0, "wrist_speed_hi_mean": 6.0,
    "wrist_speed_hi_p90": 10.0,   # right 11 then 0, left 2 then 1
    "wrist_speed_lo_max": 2.0, "wrist_speed_lo_mean": 1.0,
    "ankle_speed_hi_max": 3.0, "ankle_speed_hi_mean": 1.5, "ankle_speed_hi_p90": 2.7,
    "ankle_speed_lo_max": 0.0, "ankle_speed_lo_mean": 0.0,
    "knee_speed_hi_max": 5.0, "knee_speed_hi_mean": 5.0, "knee_speed_hi_p90": 5.0,
    "knee_speed_lo_max": 0.0, "knee_speed_lo_mean": 0.0,
    "elbow_speed_hi_max": 0.0, "elbow_speed_hi_mean": 0.0, "elbow_speed_hi_p90": 0.0,        # never seen
    "elbow_speed_lo_max": 0.0, "elbow_speed_lo_mean": 0.0,
    "hip_rise": 0.3, "hip_dip": 0.0, "hip_travel": 0.05, "hip_vy_max": 3.0,
    "wrist_above_shoulder_hi_max": 0.6, "wrist_above_shoulder_hi_mean": 0.7 / 3,
    "wrist_above_shoulder_hi_min": -0.5,
    "wrist_above_shoulder_lo_max": -0.2, "wrist_above_shoulder_lo_mean": -1.0 / 3,
    "wrist_over_shoulder_frac": 2 / 3, "both_wrists_over_shoulder_frac": 0.0, "wrist_over_head_frac": 2 / 3,
    "wrist_gap_max": math.hypot(0.6, 0.9), "wrist_gap_mean": (0.6 + math.hypot(0.6, 0.9) + 1.0) / 3,
    "wrist_gap_min": 0.6,
    "wrist_reach_max": 0.4, "wrist_reach_mean": 1.0 / 3,
    "ankle_above_hip_hi_max": -2.0, "ankle_above_hip_hi_mean": -2.1,
    "knee_above_hip_hi_max": -0.5, "knee_above_hip_hi_mean": -2.8 / 3,
    "feet_apart_max": 0.6, "feet_apart_mean": 0.4,
    "lean_max": math.atan(0.1), "lean_mean": (math.atan(0.1) + math.atan(0.05 / 0.7)) / 3, "lean_min": 0.0,
    "visible_frac": 15 / 17, "legs_visible_frac": 1.0,
}


def test_every_feature_of_a_window_by_hand():
    values, names = window_features(_window(), 10.0)
    assert names == list(EXPECTED) == feature_names()
    assert values.dtype == np.float32
    assert dict(zip(names, values.tolist())) == pytest.approx(EXPECTED, abs=1e-5)


def test_the_features_do_not_change_in_a_mirror():
    values, _ = window_features(_window(), 10.0)
    np.testing.assert_allclose(window_features(mirror(_window()), 10.0)[0], values, atol=1e-5)


def test_hips_seen_in_one_frame_give_no_hip_motion_and_a_trunk_upside_down_leans_at_most_a_right_angle():
    n = _window()
    n[:2, L_HIP, 2] = 0.0                      # both hips seen in the last frame only
    feats = dict(zip(*reversed(window_features(n, 10.0))))
    assert [feats[k] for k in ("hip_rise", "hip_dip", "hip_travel", "hip_vy_max")] == [0.0, 0.0, 0.0, 0.0]
    n = _window()
    n[:, [L_SHOULDER, R_SHOULDER], 1] = -1.0   # shoulders below the hips: the trunk's height is held at 1e-3
    n[:, R_SHOULDER, 0] = 0.4                  # and leaning right
    feats = dict(zip(*reversed(window_features(n, 10.0))))
    assert feats["lean_min"] == pytest.approx(math.atan2(0.05, 1e-3), abs=1e-5)
    assert feats["lean_max"] == pytest.approx(math.atan2(0.1, 1e-3), abs=1e-5)


def test_a_window_showing_nobody_has_only_zero_features():
    values, _ = window_features(np.zeros((4, 17, 3), np.float32), 10.0)
    assert values.tolist() == [0.0] * len(EXPECTED)


def _partly_seen() -> np.ndarray:
    """Four frames where joints come and go: hips seen in frames 1 and 2 only, the left wrist not in
    frame 0, the right one not in frame 3, the right elbow in frames 0 and 2 only."""
    n = np.zeros((4, 17, 3), np.float32)
    n[:, :5] = (0.0, 1.5, 1.0)                                  # nose, eyes, ears
    n[:, L_SHOULDER], n[:, R_SHOULDER] = (-0.1, 1.0, 1.0), (0.3, 1.0, 1.0)   # mid-shoulder (0.1, 1)
    n[1:3, L_HIP] = ((-0.1, 0.1, 1.0), (-0.1, 0.3, 1.0))
    n[1:3, R_HIP] = ((0.1, 0.1, 1.0), (0.1, 0.3, 1.0))
    n[1:, L_WRIST] = ((-0.3, 1.0, 1.0), (-0.3, 1.2, 1.0), (-0.3, 1.5, 1.0))   # at the shoulder, then the nose
    n[:3, R_WRIST] = ((0.2, 0.5, 1.0), (0.2, 1.0, 1.0), (0.2, 1.6, 1.0))   # over the head in frame 2
    n[[0, 2], R_ELBOW] = (0.3, 0.3, 1.0)
    return n


def test_joints_seen_in_some_frames_only():
    feats = dict(zip(*reversed(window_features(_partly_seen(), 10.0))))
    # hips in two frames are enough: y 0.1 and 0.3, median 0.2
    assert [feats[k] for k in ("hip_rise", "hip_dip", "hip_travel", "hip_vy_max")] == pytest.approx(
        [0.1, 0.1, 0.0, 2.0])
    # the higher wrist against the shoulders: the one seen where only one is (-0.5, 0, 0.6, 0.5)
    assert [feats[f"wrist_above_shoulder_hi_{k}"] for k in ("max", "mean", "min")] == pytest.approx([0.6, 0.15, -0.5])
    assert [feats[f"wrist_above_shoulder_lo_{k}"] for k in ("max", "mean")] == pytest.approx([0.2, 0.1])
    # a wrist exactly at the shoulder or the nose is not over it; every frame shows a wrist
    assert feats["wrist_over_shoulder_frac"] == 0.5 and feats["both_wrists_over_shoulder_frac"] == 0.5
    assert feats["wrist_over_head_frac"] == 0.25
    assert [feats["wrist_reach_max"], feats["wrist_reach_mean"]] == pytest.approx([0.4, 0.325])
    # the right elbow is never seen in two frames running: no speed
    assert feats["elbow_speed_hi_max"] == 0.0 and feats["elbow_speed_lo_max"] == 0.0


def test_a_coordinate_that_is_not_a_number_gives_0_not_nan():
    n = _window()
    n[0, L_WRIST, 0] = np.nan
    values, names = window_features(n, 10.0)
    feats = dict(zip(names, values.tolist()))
    assert np.isfinite(values).all()
    assert feats["wrist_gap_max"] == feats["wrist_gap_mean"] == feats["wrist_gap_min"] == 0.0


def _features(n: np.ndarray, version: int | None = None) -> dict[str, float]:
    values, names = window_features(n, 10.0) if version is None else window_features(n, 10.0, version)
    return dict(zip(names, values.tolist()))


def test_a_dropped_wrist_is_not_read_as_a_reach():
    """The trunk leans so the mid-shoulder is at x 0.5; the left wrist, seen, hangs near it, and the
    right one is not seen in the first frame (put at the hip centre, as `normalise` puts it). The
    reach there is the left wrist's alone, not the hip centre's distance from the shoulders."""
    n = _window()
    n[:, [L_SHOULDER, R_SHOULDER], 0] = (0.3, 0.7)              # mid-shoulder x 0.5 in every frame
    n[:, L_WRIST, 0] = 0.4                                      # 0.1 from it
    n[:, R_WRIST, 0] = 0.6                                      # 0.1 from it
    n[0, R_WRIST] = 0.0                                         # dropped in frame 0
    feats = _features(n)
    assert [feats["wrist_reach_max"], feats["wrist_reach_mean"]] == pytest.approx([0.1, 0.1])
    # Feature version 1, which the models written before version 2 were trained on, read it as 0.5.
    assert _features(n, 1)["wrist_reach_max"] == pytest.approx(0.5)


def test_hips_unseen_for_frames_are_not_a_jump_across_the_gap():
    """Hips seen in frames 0, 1 and 3: the rise from frame 1 to 3 took two frames, so the fastest
    frame pair is 0 -> 1 (0.05 in a tenth of a second), not 1 -> 3 read as one frame."""
    n = np.concatenate([_window(), _window()[2:]])              # four frames
    n[:, [L_HIP, R_HIP], 1] = 0.0
    n[1, [L_HIP, R_HIP], 1] = 0.05
    n[3, [L_HIP, R_HIP], 1] = 0.3
    n[2, [L_HIP, R_HIP]] = 0.0                                  # unseen in frame 2
    assert _features(n)["hip_vy_max"] == pytest.approx(0.5)
    assert _features(n, 1)["hip_vy_max"] == pytest.approx(2.5)
    n[1, [L_HIP, R_HIP]] = 0.0                                  # no two seen frames running: no speed
    assert _features(n)["hip_vy_max"] == 0.0


@pytest.mark.parametrize("version", [1, 2])
def test_hips_seen_in_one_frame_give_no_hip_motion_in_either_feature_version(version):
    # Version 1 differenced the seen frames alone: with one there is no difference to take.
    n = _window()
    n[:2, [L_HIP, R_HIP], 2] = 0.0
    feats = _features(n, version)
    assert [feats[k] for k in ("hip_rise", "hip_dip", "hip_travel", "hip_vy_max")] == [0.0, 0.0, 0.0, 0.0]
    n[1, [L_HIP, R_HIP], 2] = 1.0                              # two frames: their motion counts
    assert _features(n, version)["hip_vy_max"] == pytest.approx(3.0)


def _scatter_unseen(n: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same window with every unseen joint put somewhere else: a feature that reads an unseen
    joint's place changes."""
    out = n.copy()
    unseen = out[:, :, 2] <= 0
    out[unseen, :2] = rng.uniform(-3.0, 3.0, (int(unseen.sum()), 2))
    return out


@pytest.mark.parametrize("dropped", [
    pytest.param({L_WRIST: [0]}, id="a wrist in one frame"),
    pytest.param({R_WRIST: [1, 2]}, id="a wrist in two frames"),
    pytest.param({L_WRIST: [0, 1, 2], L_ELBOW: [0, 1, 2]}, id="a whole arm"),
    pytest.param({L_WRIST: [0, 1, 2], L_ANKLE: [0, 1, 2], L_KNEE: [0, 1, 2], L_HIP: [0, 1, 2],
                  L_SHOULDER: [0, 1, 2]}, id="a side never seen"),
    pytest.param({R_ANKLE: [0, 1, 2], R_KNEE: [2]}, id="a whole leg"),
    pytest.param({L_HIP: [1]}, id="a hip"),
    pytest.param({R_SHOULDER: [0, 2]}, id="a shoulder"),
    pytest.param({L_HIP: [0], R_SHOULDER: [2], 0: [1]}, id="hips, shoulders and nose in turn"),
])
def test_an_unseen_joint_moves_no_feature(dropped):
    """Wherever an unseen joint is put, every feature is what it is with the joint at the hip
    centre (where `normalise` puts it): no feature reads a joint the estimator did not see."""
    n = _window()
    n[:, L_ELBOW, 2] = n[:, R_ELBOW, 2] = 1.0
    n[:, L_ELBOW, :2], n[:, R_ELBOW, :2] = (-0.3, 0.8), (0.35, 0.9)
    for joint, frames in dropped.items():
        n[frames, joint] = 0.0
    rng = np.random.default_rng(0)
    values, names = window_features(n, 10.0)
    for _ in range(5):
        moved = window_features(_scatter_unseen(n, rng), 10.0)[0]
        changed = [k for k, a, b in zip(names, values, moved) if abs(a - b) > 1e-6]
        assert changed == []


@pytest.mark.parametrize("version", [0, 3])
def test_a_feature_version_not_computed_here_is_refused_not_computed_as_another(version):
    with pytest.raises(ValueError, match=f"unknown pose feature version {version}"):
        window_features(_window(), 10.0, version)


@pytest.mark.parametrize("version", [1, 2])
def test_hips_dropping_are_as_fast_as_hips_rising(version):
    # A landing, or a crouch before a jump: the hips' fastest vertical speed either way.
    n = _window()
    n[2, [L_HIP, R_HIP], 1] = -0.3                              # the hips drop in the last frame
    feats = _features(n, version)
    assert feats["hip_vy_max"] == pytest.approx(3.0)
    assert (feats["hip_rise"], feats["hip_dip"]) == pytest.approx((0.0, 0.3))


def test_feet_out_of_the_frame_are_half_the_legs_unseen():
    n = _window()
    n[:, [L_ANKLE, R_ANKLE]] = 0.0                             # the ankles below the frame's edge
    feats = _features(n)
    assert feats["legs_visible_frac"] == pytest.approx(0.5)   # knees seen, ankles not
    assert feats["visible_frac"] == pytest.approx(13 / 17)    # nor the elbows
