"""A pose window made comparable across people and cameras, on windows small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.pose_classifier import skeleton
from highlights.pose_classifier.skeleton import (
    FLIP, L_HIP, L_SHOULDER, L_WRIST, NOSE, R_HIP, R_SHOULDER, R_WRIST, mirror, normalise, resample,
    with_velocity,
)
from highlights.synth.body import COCO_KEYPOINTS


def test_the_joint_names_are_coco_s_indices():
    for name in ("nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                 "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"):
        constant = name.upper().replace("LEFT_", "L_").replace("RIGHT_", "R_")
        assert COCO_KEYPOINTS[getattr(skeleton, constant)] == name
    assert skeleton.NUM_JOINTS == len(COCO_KEYPOINTS) == 17


def _window(hip_x=(100.0, 100.0, 130.0), shoulder_y=(100.0, 100.0, 40.0)) -> np.ndarray:
    """Three frames of a person whose hips are 20 px apart at y 200 and shoulders 20 px apart; all
    other joints on the nose at (100, 50), every joint seen (visibility 1)."""
    kp = np.zeros((3, 17, 3), np.float32)
    kp[:, :, :2] = (100.0, 50.0)
    kp[:, :, 2] = 1.0
    for t in range(3):
        kp[t, L_HIP, :2], kp[t, R_HIP, :2] = (hip_x[t] - 10, 200.0), (hip_x[t] + 10, 200.0)
        kp[t, L_SHOULDER, :2], kp[t, R_SHOULDER, :2] = (hip_x[t] - 10, shoulder_y[t]), (hip_x[t] + 10, shoulder_y[t])
    return kp


def test_a_window_is_centred_on_the_median_mid_hip_and_scaled_by_the_median_torso():
    # mid-hips at x 100, 100, 130 (median 100, mean 110); torsos 100, 100, 160 px (median 100, mean 120)
    out = normalise(_window())
    assert out[0, NOSE].tolist() == pytest.approx([0.0, 1.5, 1.0])      # 150 px above the hips: y points up
    assert out[2, NOSE].tolist() == pytest.approx([0.0, 1.5, 1.0])
    assert out[2, L_HIP].tolist() == pytest.approx([0.2, 0.0, 1.0])     # this frame's hips moved 30 px right
    assert out[2, R_SHOULDER].tolist() == pytest.approx([0.4, 1.6, 1.0])


def test_only_frames_showing_both_hips_and_both_shoulders_give_the_centre_and_the_scale():
    kp = _window(hip_x=(100.0, 100.0, 400.0), shoulder_y=(100.0, 100.0, 190.0))
    kp[2, R_SHOULDER, 2] = 0.29       # not seen: the third frame's 10 px torso and far hips are left out
    out = normalise(kp)
    assert out[0, NOSE].tolist() == pytest.approx([0.0, 1.5, 1.0])
    assert out[2, R_SHOULDER].tolist() == [0.0, 0.0, 0.0]    # an unseen joint sits at 0, 0 with visibility 0
    kp[2, R_SHOULDER, 2] = 0.3        # seen from 0.3 (the medians stay 100 and 100 px)
    out = normalise(kp)
    assert out[1, NOSE].tolist() == pytest.approx([0.0, 1.5, 1.0])
    assert out[2, R_SHOULDER].tolist() == pytest.approx([3.1, 0.1, 0.3])


def test_visibility_is_kept_within_0_and_1():
    kp = _window()
    kp[:, NOSE, 2] = 1.7
    kp[:, L_WRIST, 2] = 0.45
    out = normalise(kp)
    assert out[:, NOSE, 2].tolist() == [1.0, 1.0, 1.0]
    assert out[:, L_WRIST, 2].tolist() == pytest.approx([0.45] * 3)


def test_a_window_without_a_scale_is_not_normalised():
    kp = _window()
    kp[:, L_HIP, 2] = 0.0                     # no frame shows both hips
    assert normalise(kp) is None
    flat = _window(shoulder_y=(200.0, 200.0, 200.0))   # shoulders on the hips: a torso of 0
    assert normalise(flat) is None
    tiny = _window(shoulder_y=(199.5, 199.5, 199.5))  # a torso of half a pixel still scales
    assert normalise(tiny)[0, L_SHOULDER].tolist() == pytest.approx([-20.0, 1.0, 1.0])
    speck = _window(shoulder_y=(199.9999, 199.9999, 199.9999))   # a ten-thousandth of a pixel does not
    assert normalise(speck) is None


def test_hips_and_shoulders_seen_at_the_least_visibility_give_the_scale():
    kp = _window()
    kp[:, [L_HIP, R_HIP, L_SHOULDER, R_SHOULDER], 2] = skeleton.MIN_VISIBILITY   # only just seen, in every frame
    out = normalise(kp)
    assert out is not None
    assert out[0, NOSE].tolist() == pytest.approx([0.0, 1.5, 1.0])


def test_mirror_negates_x_and_swaps_left_and_right():
    norm = np.zeros((1, 17, 3), np.float32)
    norm[0, :, 0] = np.arange(17)
    norm[0, :, 1] = 10 + np.arange(17)
    norm[0, :, 2] = 1.0
    out = mirror(norm)
    assert out[0, L_WRIST].tolist() == [-R_WRIST, 10 + R_WRIST, 1.0]
    assert out[0, R_HIP].tolist() == [-L_HIP, 10 + L_HIP, 1.0]
    assert out[0, NOSE].tolist() == [-0.0, 10.0, 1.0]
    assert FLIP == (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
    assert norm[0, L_WRIST, 0] == L_WRIST                   # the input is left as it was


def test_velocity_is_per_second_and_zero_where_a_frame_lacks_the_joint():
    norm = np.zeros((3, 17, 3), np.float32)
    norm[:, :, 2] = 1.0
    norm[:, NOSE, 0] = (0.0, 0.1, 0.3)
    norm[:, NOSE, 1] = (1.0, 0.9, 0.9)
    norm[1, L_WRIST] = (0.5, 0.5, 1.0)
    norm[2, L_WRIST] = (0.0, 0.0, 0.0)     # unseen in the last frame
    norm[0, R_WRIST] = (0.0, 0.0, 0.0)     # unseen in the first
    norm[1:, R_WRIST, :2] = ((0.2, 0.2), (0.4, 0.2))
    out = with_velocity(norm, fps=10.0)
    assert out.shape == (3, 17, 5)
    np.testing.assert_allclose(out[:, NOSE], [[0.0, 1.0, 0.0, 0.0, 1.0], [0.1, 0.9, 1.0, -1.0, 1.0],
                                              [0.3, 0.9, 2.0, 0.0, 1.0]], atol=1e-6)
    np.testing.assert_allclose(out[:, L_WRIST, 2:4], [[0.0, 0.0], [5.0, 5.0], [0.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(out[:, R_WRIST, 2:4], [[0.0, 0.0], [0.0, 0.0], [2.0, 0.0]], atol=1e-6)


def test_resample_takes_the_nearest_frame_and_leaves_gaps_over_a_step_unseen():
    kp = np.zeros((3, 17, 3), np.float32)
    kp[:, 0, 0] = (1.0, 2.0, 3.0)
    kp[:, :, 2] = 1.0
    times = np.array([0.0, 1.0, 5.0])
    out = resample(kp, times, np.arange(1.0, 7.0))
    # 2 is one step from the frame at 1 (kept); 3 is two from both (unseen); 4 and 6 one step from 5
    assert out[:, 0, 0].tolist() == [2.0, 2.0, 0.0, 3.0, 3.0, 3.0]
    assert out[:, 0, 2].tolist() == [1.0, 1.0, 0.0, 1.0, 1.0, 1.0]
    assert resample(kp, times, np.array([0.0, 0.5]))[:, 0, 0].tolist() == [1.0, 2.0]   # halfway: the later
    assert resample(kp, times, np.array([0.0, 0.4]))[:, 0, 0].tolist() == [1.0, 1.0]   # nearer the earlier
    assert not resample(kp, times, np.array([3.5, 4.0])).any()   # a step of 0.5 s: 4 is too far from 5
    assert resample(kp, np.zeros(0), np.array([0.0, 0.1])).shape == (2, 17, 3)
    assert not resample(kp, np.zeros(0), np.array([0.0, 0.1])).any()
    # a one-point grid has a step of 1 s
    assert resample(kp, times, np.array([4.0]))[0, 0].tolist() == [3.0, 0.0, 1.0]
    assert resample(kp, times, np.array([3.5]))[0, 0].tolist() == [0.0, 0.0, 0.0]
