"""Each step of the pose augmentation on its own, on a still or simply moving figure whose
expected output is known: the tempo, the jitter, the estimator's lag, glitches, swapped sides,
lost joints and frames, a body cut off at the legs, the mirror, the squash, the turn, the camera
following the player and bent limbs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from highlights.pose_classifier.augment import PoseAugmentConfig, _time_warp, augment_window
from highlights.pose_classifier.skeleton import FLIP, L_ANKLE, L_HIP, L_KNEE, L_WRIST, R_ANKLE, R_HIP, R_KNEE, R_WRIST

OFF = PoseAugmentConfig(mirror=0.0, camera_follow=0.0, rotation_deg=0.0, squash=(1.0, 1.0), speed=(1.0, 1.0),
                        jitter=(0.0, 0.0), lag=0.0, drop_joint=(0.0, 0.0), drop_frame=(0.0, 0.0),
                        swap_frames=0.0, partial_body=0.0, glitch=0.0, limb_bend=0.0, arm_spread=0.0)

# A standing person in pixels (x right, y down), 180 px tall from the nose to the ankles: nose,
# eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
STANDING = np.array([
    (100, 20), (96, 16), (104, 16), (90, 18), (110, 18), (80, 50), (120, 50), (75, 80), (125, 80),
    (72, 110), (128, 110), (88, 110), (112, 110), (87, 150), (113, 150), (86, 200), (114, 200)], np.float32)
EXTREMITIES = [9, 10, 15, 16]   # wrists and ankles


def _still(frames: int = 40) -> np.ndarray:
    w = np.zeros((frames, 17, 3), np.float32)
    w[:, :, :2] = STANDING
    w[:, :, 2] = 1.0
    return w


def _only(**steps) -> PoseAugmentConfig:
    return replace(OFF, **steps)


def test_the_tempo_plays_the_window_faster_or_slower_about_its_middle():
    w = _still(5)
    w[:, :, 0] = np.arange(5)[:, None]                # x is the frame's number
    w[1, :, 2] = 0.0                                  # frame 1 unseen
    slower = _time_warp(w, 0.5)
    assert slower[:, 0, 0].tolist() == pytest.approx([1.0, 1.5, 2.0, 2.5, 3.0])
    assert slower[:, 0, 2].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]   # a frame made from an unseen one is unseen
    faster = _time_warp(w, 2.0)
    assert faster[:, 0, 0].tolist() == pytest.approx([0.0, 0.0, 2.0, 4.0, 4.0])   # the ends repeat
    played = augment_window(w, np.random.default_rng(0), _only(speed=(2.0, 2.0)))
    np.testing.assert_allclose(played[:, :, :2], faster[:, :, :2])
    assert np.all(played[:, :, 2] <= faster[:, :, 2])


def test_the_jitter_is_a_share_of_the_body_s_height_and_more_at_the_extremities():
    w = _still(400)
    out = augment_window(w, np.random.default_rng(0), _only(jitter=(0.05, 0.05), extremity_jitter=3.0))
    moved = out[:, :, :2] - w[:, :, :2]
    torso_joints = [j for j in range(17) if j not in EXTREMITIES]
    sigma = 0.05 * 180
    # Each frame's noise, plus a steady offset per joint of 0.3 of it.
    assert float(np.std(moved[:, torso_joints])) == pytest.approx(sigma * np.hypot(1.0, 0.3), rel=0.1)
    per_frame = moved - moved.mean(axis=0)
    assert float(np.std(per_frame[:, EXTREMITIES])) == pytest.approx(3 * sigma, rel=0.1)
    steady = moved.mean(axis=0)[torso_joints]         # over 400 frames the frame noise averages out
    assert float(np.std(steady)) == pytest.approx(0.3 * sigma, rel=0.4)


def test_the_estimator_s_lag_lets_a_jump_of_a_joint_catch_up_over_frames():
    w = _still(20)
    w[5:, L_WRIST, 0] += 50.0                         # the wrist jumps 50 px at frame 5
    out = augment_window(w, np.random.default_rng(0), _only(lag=1.0))
    x = out[:, L_WRIST, 0] - STANDING[L_WRIST, 0]
    assert x[:5].tolist() == pytest.approx([0.0] * 5, abs=1e-4)
    assert 0.4 * 50 - 1e-3 <= x[5] <= 0.8 * 50 + 1e-3                     # part of the way
    assert np.all(np.diff(x[5:]) > 0) and x[-1] == pytest.approx(50.0, abs=1.0)   # then catches up
    np.testing.assert_allclose(np.delete(out[:, :, :2], L_WRIST, axis=1), np.delete(w[:, :, :2], L_WRIST, axis=1),
                               atol=1e-4)


def test_glitches_throw_the_asked_share_of_joints_far_off():
    w = _still(200)
    out = augment_window(w, np.random.default_rng(0), _only(glitch=0.25))
    off = np.linalg.norm(out[:, :, :2] - w[:, :, :2], axis=2)
    assert float(np.mean(off > 1e-3)) == pytest.approx(0.25, abs=0.03)
    assert float(np.median(off[off > 1e-3])) > 0.1 * 180          # thrown by about a third of the height


def test_swapped_frames_have_left_and_right_the_wrong_way_round_at_the_asked_share():
    w = _still(400)
    w[:, :, 2] = np.linspace(0.5, 1.0, 17)                         # each joint's own visibility travels with it
    out = augment_window(w, np.random.default_rng(0), _only(swap_frames=0.3))
    swapped = np.array([np.allclose(out[t, :, :2], w[t, list(FLIP), :2]) for t in range(len(w))])
    kept = np.array([np.allclose(out[t, :, :2], w[t, :, :2]) for t in range(len(w))])
    assert np.all(swapped ^ kept)
    assert float(swapped.mean()) == pytest.approx(0.3, abs=0.06)
    assert np.all(out[swapped, :, 2] <= w[swapped][:, list(FLIP), 2] + 1e-6)


def test_visibility_is_lowered_never_raised_and_unseen_joints_stay_unseen():
    w = _still(200)
    w[:, L_KNEE, 2] = 0.0
    out = augment_window(w, np.random.default_rng(0), _only())
    vis = np.delete(out[:, :, 2], L_KNEE, axis=1)
    assert vis.min() >= 0.35 - 1e-6 and vis.max() <= 1.0          # an estimator's scores: none certain
    assert 0.6 < float(vis.mean()) < 0.75
    assert out[:, L_KNEE, 2].tolist() == [0.0] * 200


def test_dropped_joints_and_dropped_frames_are_unseen_at_the_asked_share():
    w = _still(400)
    out = augment_window(w, np.random.default_rng(0), _only(drop_joint=(0.3, 0.3)))
    assert float(np.mean(out[:, :, 2] == 0)) == pytest.approx(0.3, abs=0.03)
    out = augment_window(w, np.random.default_rng(0), _only(drop_frame=(0.4, 0.4)))
    unseen = out[:, :, 2] == 0
    whole = unseen.all(axis=1)
    assert np.array_equal(unseen.any(axis=1), whole)              # whole frames, not single joints
    assert float(whole.mean()) == pytest.approx(0.4, abs=0.06)


def test_a_body_cut_off_at_the_frame_s_edge_loses_its_ankles_and_mostly_its_knees():
    w = _still(10)
    knees_lost = []
    for seed in range(40):
        out = augment_window(w, np.random.default_rng(seed), _only(partial_body=1.0))
        assert not out[:, [L_ANKLE, R_ANKLE], 2].any()
        assert out[:, [L_HIP, R_HIP], 2].all()
        knees_lost.append(not out[:, [L_KNEE, R_KNEE], 2].any())
    assert 0.5 < float(np.mean(knees_lost)) < 0.9


def test_the_mirror_swaps_left_and_right_and_reflects_about_the_body_s_centre():
    w = _still(3)
    w[:, L_WRIST, :2] = (60.0, 10.0)                  # the left hand raised, out to the side
    out = augment_window(w, np.random.default_rng(0), _only(mirror=1.0))
    centre_x = float(w[0, :, 0].mean())
    np.testing.assert_allclose(out[:, :, 0], 2 * centre_x - w[:, list(FLIP), 0], atol=1e-3)
    np.testing.assert_allclose(out[:, :, 1], w[:, list(FLIP), 1], atol=1e-3)
    assert out[0, R_WRIST, 1] == pytest.approx(10.0)              # now the right hand is the raised one


def test_the_squash_narrows_the_body_about_its_centre_and_keeps_its_height():
    w = _still(3)
    out = augment_window(w, np.random.default_rng(0), _only(squash=(0.5, 0.5)))
    centre_x = float(STANDING[:, 0].mean())
    np.testing.assert_allclose(out[:, :, 0], centre_x + 0.5 * (w[:, :, 0] - centre_x), atol=1e-3)
    np.testing.assert_allclose(out[:, :, 1], w[:, :, 1], atol=1e-3)


def _turn_deg(out: np.ndarray) -> float:
    """The angle the body was turned by (image coordinates), from its nose-to-ankles line."""
    before = STANDING[[L_ANKLE, R_ANKLE]].mean(axis=0) - STANDING[0]
    after = out[0, [L_ANKLE, R_ANKLE], :2].mean(axis=0) - out[0, 0, :2]
    return float(np.degrees(np.arctan2(after[1], after[0]) - np.arctan2(before[1], before[0])))


def test_the_turn_goes_either_way_up_to_the_asked_angle_and_keeps_the_body_s_size():
    w = _still(2)
    turns = []
    for seed in range(30):
        out = augment_window(w, np.random.default_rng(seed), _only(rotation_deg=20.0))
        turns.append(_turn_deg(out))
        nose_to_ankle = np.linalg.norm(out[0, L_ANKLE, :2] - out[0, 0, :2])
        assert nose_to_ankle == pytest.approx(np.linalg.norm(STANDING[L_ANKLE] - STANDING[0]), rel=1e-4)
    assert max(np.abs(turns)) <= 20.0 + 1e-3
    assert min(turns) < -5.0 and max(turns) > 5.0


def test_a_camera_following_the_player_takes_out_part_of_his_travel_and_lags_behind_him():
    w = _still(30)
    w[10:, :, 0] += 60.0                              # the player steps 60 px right at frame 10
    lagged = 0
    for seed in range(10):
        out = augment_window(w, np.random.default_rng(seed), _only(camera_follow=1.0))
        hip_x = out[:, [L_HIP, R_HIP], 0].mean(axis=1) - STANDING[[L_HIP, R_HIP], 0].mean()
        assert hip_x[:10].tolist() == pytest.approx([0.0] * 10, abs=1e-3)
        assert 0.0 - 1e-3 <= hip_x[-1] <= 0.5 * 60 + 1e-3    # the camera took out half of the step or more
        lagged += hip_x[10] > hip_x[-1] + 1.0               # it caught up over frames, not at once
    assert lagged >= 3


def test_a_bent_limb_turns_about_its_elbow_or_knee_and_keeps_its_length():
    w = _still(5)
    out = augment_window(w, np.random.default_rng(0), _only(limb_bend=1.0))
    for end, joint in ((9, 7), (10, 8), (15, 13), (16, 14)):
        assert np.linalg.norm(out[:, end, :2] - out[:, joint, :2], axis=1) == pytest.approx(
            np.linalg.norm(w[:, end, :2] - w[:, joint, :2], axis=1), rel=1e-4)
    assert np.abs(out[:, EXTREMITIES, :2] - w[:, EXTREMITIES, :2]).max() > 1.0
    rest = [j for j in range(17) if j not in EXTREMITIES]
    np.testing.assert_allclose(out[:, rest, :2], w[:, rest, :2], atol=1e-4)


def test_re_proportioning_widens_the_shoulders_and_hips_about_their_middles():
    w = _still(3)
    out = augment_window(w, np.random.default_rng(0), _only(proportions=1.0))
    for left, right in ((5, 6), (11, 12)):
        np.testing.assert_allclose(out[:, [left, right], :2].mean(axis=1), w[:, [left, right], :2].mean(axis=1),
                                   atol=1e-3)
        assert np.all(np.abs(out[:, right, 0] - out[:, left, 0]) > 1.1 * np.abs(w[:, right, 0] - w[:, left, 0]))
