"""The kinematic signals, peaks and tracks on small hand-made arrays, each number worked out by hand."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.kinematics import (
    L_ANKLE, L_HIP, L_SHOULDER, L_WRIST, R_ANKLE, R_HIP, R_SHOULDER, R_WRIST, Trigger, arm_extension, body_centre,
    body_height, contrast, find_triggers, hip_rise, joint_speed, peaks_above, prominent, smooth, suppress, tracks_of,
)
from highlights.pipeline.records import FrameRecord, Person
from highlights.synth.body import COCO_KEYPOINTS

from tests.keypoint_fixtures import still_body

NAN = np.nan


def test_the_joint_indices_are_the_coco_joints_the_pose_models_and_the_generator_use():
    named = {L_SHOULDER: "left_shoulder", R_SHOULDER: "right_shoulder", L_WRIST: "left_wrist",
             R_WRIST: "right_wrist", L_HIP: "left_hip", R_HIP: "right_hip", L_ANKLE: "left_ankle",
             R_ANKLE: "right_ankle"}
    assert {i: COCO_KEYPOINTS[i] for i in named} == named


def test_smoothing_averages_the_seen_neighbours_and_keeps_unseen_frames_unseen():
    x = np.array([0.0, 3.0, NAN, 9.0, 12.0, NAN, 5.0, NAN])
    # Three frames centred: (0+3)/2, (0+3)/2, unseen, (9+12)/2, (9+12)/2, unseen, 5 alone, unseen.
    expected = np.array([1.5, 1.5, NAN, 10.5, 10.5, NAN, 5.0, NAN])
    np.testing.assert_array_equal(smooth(x, 3), expected)
    # Along time only: each coordinate column on its own.
    np.testing.assert_array_equal(smooth(np.stack([x, 10 * x], axis=1), 3), np.stack([expected, 10 * expected], axis=1))
    # An even window leans back: each frame with the one before it.
    np.testing.assert_array_equal(smooth(np.array([0.0, 2.0, 4.0, 6.0]), 2), [0.0, 1.0, 3.0, 5.0])
    np.testing.assert_array_equal(smooth(np.array([0.0, 2.0]), 3), [1.0, 1.0])
    np.testing.assert_array_equal(smooth(np.array([7.0]), 3), [7.0])  # one frame: nothing to average
    np.testing.assert_array_equal(smooth(x, 1), x)


def test_a_track_shorter_than_the_smoothing_window_is_smoothed_over_what_it_has():
    # Five frames centred on each of three: all three in every window.
    np.testing.assert_array_equal(smooth(np.array([0.0, 2.0, 4.0]), 5), [2.0, 2.0, 2.0])
    cfg = PipelineConfig().with_overrides({"kinematics.smooth_frames": 5}).kinematics
    assert find_triggers(np.arange(4) / 10.0, still_body(4), scale=100.0, config=cfg) == []


def test_a_joint_speed_needs_a_step_forward_in_time_no_longer_than_the_gap_limit():
    # Steps: 0.6 s (the longest that counts), 0.75 s (too long), 0 s (a repeated time), 0.25 s,
    # then an unseen position.
    times = np.array([0.0, 0.6, 1.35, 1.35, 1.6, 1.85])
    xy = np.array([[0, 0], [30, 40], [30, 0], [0, 0], [0, 20], [NAN, NAN]], dtype=np.float64)
    speed = joint_speed(times, xy, 50.0)
    # 50 px in 0.6 s of a 50 px body; 20 px in 0.25 s.
    np.testing.assert_allclose(speed, [NAN, 50 / 0.6 / 50, NAN, NAN, 20 / 0.25 / 50, NAN])
    np.testing.assert_array_equal(joint_speed(np.array([0.0, 0.5]), np.array([[0.0, 0.0], [0.0, 50.0]]), 100.0),
                                  [NAN, 1.0])
    np.testing.assert_array_equal(joint_speed(np.array([0.0]), np.array([[0.0, 0.0]]), 100.0), [NAN])


def test_the_hip_rise_is_above_the_lowest_hips_of_the_last_second():
    times = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    hip_y = np.array([100.0, 110.0, 90.0, NAN, 80.0, 95.0])  # y grows down: 110 is the lowest
    # 0; 0; 110 - 90; unseen; 90 - 80 (0.5 s back is unseen, 110 is over a second back); 95 - 95.
    np.testing.assert_allclose(hip_rise(times, hip_y, 100.0), [0.0, 0.0, 0.2, NAN, 0.1, 0.0])


def test_the_arm_extension_is_the_higher_wrist_above_its_shoulder():
    shoulders = np.array([[100.0, 100.0], [100.0, 100.0], [100.0, NAN]])
    wrists = np.array([[80.0, 90.0], [NAN, NAN], [120.0, 70.0]])
    np.testing.assert_allclose(arm_extension(shoulders, wrists, 100.0), [0.2, NAN, -0.2])
    np.testing.assert_allclose(arm_extension(np.array([100.0]), np.array([80.0]), 100.0), [0.2])  # one side


def test_the_body_centre_is_the_mean_of_the_seen_shoulders_and_hips():
    xy = np.full((2, 17, 2), 1000.0)  # every other joint far away
    xy[:, [L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]] = [[0, 0], [10, 0], [0, 30], [14, 30]]
    xy[1, R_HIP] = NAN
    np.testing.assert_allclose(body_centre(xy), [[6.0, 15.0], [10 / 3, 10.0]])


def test_the_contrast_counts_the_signal_past_the_guard_and_up_to_the_reach():
    # From the first sample: 0.3 s away is its own neighbourhood, 2.0 s is in its surroundings,
    # 2.5 s is beyond them.
    times = np.array([0.0, 0.3, 2.0, 2.5])
    signal = np.array([4.0, 1.0, 2.0, 100.0])
    assert contrast(times, signal, 0) == 2.0
    assert contrast(times[:1], signal[:1], 0) == np.inf  # nothing around


def test_a_peak_needs_its_contrast_only_when_asked_and_keeps_one_equal_to_it():
    times = np.array([0.0, 0.3, 2.0, 2.5])
    signal = np.array([4.0, 1.0, 2.0, 100.0])
    # Both ends peak (contrasts 2 and 50); the first exactly at the contrast asked for is kept.
    assert peaks_above(times, signal, 3.0, 0.1) == [3, 0]
    assert peaks_above(times, signal, 3.0, 0.1, min_contrast=2.0) == [3, 0]
    assert peaks_above(times, signal, 3.0, 0.1, min_contrast=2.5) == [3]
    # A peak below the level around it (contrast 0.8) counts unless a contrast is asked for.
    t = np.arange(60) / 10.0
    dip = np.full(60, 5.0)
    dip[28:33] = [3.0, 3.0, 4.0, 3.0, 3.0]
    assert contrast(t, dip, 30) == pytest.approx(0.8)
    assert 30 in peaks_above(t, dip, 3.5, 0.1)
    assert 30 not in peaks_above(t, dip, 3.5, 0.1, min_contrast=0.9)


def test_peaks_exactly_the_spacing_apart_are_one_and_a_last_sample_peaks():
    times = np.array([0.0, 0.5, 1.0])
    assert peaks_above(times, np.array([3.0, 1.0, 4.0]), 2.0, 1.0) == [2]
    assert peaks_above(times, np.array([3.0, 1.0, 4.0]), 2.0, 0.9) == [2, 0]
    assert peaks_above(times, np.array([1.0, 2.0, 3.0]), 2.0, 0.1) == [2]
    assert peaks_above(np.array([2.0, 2.25, 2.5]), np.array([3.0, 1.0, 4.0]), 2.0, 0.6) == [2]  # 0.5 s apart, late on


def _jump(arms_frame: int, lift_px: float) -> tuple[np.ndarray, np.ndarray]:
    """A 100 px player at 4 fps whose hips rise 0.2 heights at 2.0 s (frame 8), and whose
    wrists reach `lift_px` above their rest at `arms_frame` (43 px: 0.15 heights above the shoulders)."""
    times = np.arange(16) / 4.0
    kp = still_body(16)
    kp[8, :, 1] -= 20
    kp[arms_frame, [L_WRIST, R_WRIST], 1] -= lift_px
    return times, kp


def test_a_hip_rise_triggers_with_the_arms_up_to_the_threshold_within_half_a_second():
    cfg = PipelineConfig().kinematics
    assert cfg.arm_extension_threshold == 0.15 and cfg.hip_rise_threshold == 0.12

    def rises(arms_frame, lift_px):
        times, kp = _jump(arms_frame, lift_px)
        return [(t.key_s, t.value, t.threshold) for t in find_triggers(times, kp, scale=100.0, config=cfg)
                if t.kind == "hip_rise"]

    assert rises(10, 43.0) == [(2.0, pytest.approx(0.2), 0.12)]  # arms exactly 0.5 s after, exactly at 0.15
    assert rises(11, 43.0) == []  # 0.75 s after: another moment
    assert rises(10, 42.0) == []  # 0.14 above the shoulders


def test_a_change_of_keypoint_confidence_is_no_motion():
    cfg = PipelineConfig().kinematics
    kp = still_body(20)
    kp[10, [L_WRIST, R_WRIST, L_ANKLE, R_ANKLE], 2] = 50.0
    assert find_triggers(np.arange(20) / 10.0, kp, scale=100.0, config=cfg) == []


def test_a_trigger_is_frozen_and_its_strength_is_its_value_over_its_threshold():
    assert Trigger("wrist_speed", 1.0, 6.0, 3.0, None).strength == 2.0
    assert Trigger("hip_rise", 1.0, 1.0, 0.5, None).strength == 2.0
    assert Trigger("hip_rise", 1.0, 1.0, 0.0, None).strength == np.inf
    with pytest.raises(FrozenInstanceError):
        Trigger("wrist_speed", 1.0, 6.0, 3.0, None).value = 7.0


def test_suppression_keeps_the_strongest_and_drops_any_within_the_window_its_edge_included():
    def trig(key, value):
        return Trigger("wrist_speed", key, value, 1.0, None)

    kept = suppress([trig(1.0, 2.0), trig(1.5, 3.0), trig(2.5, 1.5), trig(3.0, 1.0)], 1.0)
    # 1.5 first; 1.0 (0.5 s off) and 2.5 (exactly 1.0 s off) go; 3.0 is 1.5 s off.
    assert [t.key_s for t in kept] == [1.5, 3.0]


def test_per_track_suppression_keeps_a_weaker_trigger_of_another_person_near_a_stronger_one():
    """A pitcher's arm 0.4 s before the batter's swing: suppressed across tracks, the batter's
    trigger goes and the window left reads the pitcher; per track both stay, and the batter's own
    weaker ankle peak within the window still goes."""
    cfg = PipelineConfig().kinematics
    times = np.arange(30) / 10.0
    pitcher, batter = still_body(30), still_body(30)
    pitcher[10, 10, :2] += [60, -20]  # right wrist 63 px in 0.1 s: 6.3 body heights/s
    batter[13, 10, :2] += [40, -10]  # 4.1 body heights/s
    batter[16:, 16, :2] += [35, 0]  # his right ankle steps 35 px: 3.5 body heights/s
    triggers = (find_triggers(times, pitcher, scale=100.0, config=cfg, track="pitcher")
                + find_triggers(times, batter, scale=100.0, config=cfg, track="batter"))
    assert sorted((t.track, t.kind) for t in triggers) == [
        ("batter", "ankle_speed"), ("batter", "wrist_speed"), ("pitcher", "wrist_speed")]
    assert {t.track for t in suppress(triggers, cfg.trigger_nms_s)} == {"pitcher"}
    per_track = suppress(triggers, cfg.trigger_nms_s, per_track=True)
    assert [(t.track, t.kind) for t in per_track] == [("pitcher", "wrist_speed"),
                                                      ("batter", "wrist_speed")]


def test_the_body_height_comes_from_the_torso_else_the_box_else_the_keypoints():
    kp = np.full((17, 3), NAN)
    kp[:, 2] = 1.0
    kp[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP], :2] = [[190, 170], [210, 170], [194, 200], [206, 200]]
    assert body_height(kp, None) == pytest.approx(100.0)  # a 30 px torso
    kp[[L_HIP, R_HIP], 1] = 170.9
    assert body_height(kp, None) == pytest.approx(3.0)  # far away: 0.9 px
    kp[[L_HIP, R_HIP], :2] = [[190, 170], [210, 170]]  # hips on the shoulders: no torso
    assert body_height(kp, (10.0, 20.0, 40.0, 120.0)) == 100.0
    kp[[L_SHOULDER, R_SHOULDER, L_HIP, R_HIP], :2] = NAN
    kp[[L_WRIST, L_ANKLE], :2] = [[140, 150], [160, 250]]
    assert body_height(kp, (10.0, 20.0, 40.0, 120.0)) == 100.0
    assert body_height(kp, None) == 100.0  # the keypoints' extent, 150 to 250


def _records(heights_px: list[float], frames: int, visibility: float = 1.0) -> list[FrameRecord]:
    """One frame a second; track i a body `heights_px[i]` tall (its box), only the wrists seen
    (confidence `visibility`, every other joint 0.1)."""
    records = []
    for f in range(frames):
        persons = []
        for track, height in enumerate(heights_px):
            kp = np.zeros((17, 3))
            kp[:, 2] = 0.1
            kp[[L_WRIST, R_WRIST], 2] = visibility
            persons.append(Person(box=(0.0, 0.0, 10.0, height), keypoints=kp, track_id=track))
        records.append(FrameRecord(index=f, time_s=float(f), persons=persons))
    return records


def test_tracks_need_three_frames_a_body_over_a_pixel_and_joints_seen_at_the_visibility():
    assert set(tracks_of(_records([1.0, 1.5, 50.0], 3), 0.3)) == {1, 2}
    assert tracks_of(_records([50.0], 2), 0.3) == {}
    assert set(tracks_of(_records([50.0], 3, visibility=0.3), 0.3)) == {0}
    assert tracks_of(_records([50.0], 3, visibility=0.29), 0.3) == {}
    times, kp, height = tracks_of(_records([50.0], 3, visibility=0.3), 0.3)[0]
    assert times.tolist() == [0.0, 1.0, 2.0] and height == 50.0
    assert np.isnan(kp[:, L_SHOULDER, :2]).all() and not np.isnan(kp[:, L_WRIST, :2]).any()
    assert (kp[:, L_SHOULDER, 2] == 0.1).all()  # an unseen joint's confidence stays as the pose model gave it


def test_tracks_keep_the_sides_as_given_unless_side_continuity_is_asked():
    from tests.keypoint_fixtures import one_track_records, swapped, walker

    times, clean = walker()
    bad = swapped(clean, [7, 17, 27])
    (_, as_given, _), = tracks_of(one_track_records(times, bad), 0.3).values()
    np.testing.assert_allclose(as_given[:, :, :2], bad[:, :, :2].astype(np.float32))
    (_, continued, _), = tracks_of(one_track_records(times, bad), 0.3, True).values()
    assert not np.allclose(continued[:, :, :2], as_given[:, :, :2])


def test_prominent_keeps_one_track_when_asked_for_one():
    tracks = {"near": (None, None, 300.0), "far": (None, None, 80.0), "mid": (None, None, 150.0)}
    assert list(prominent(tracks, 1)) == ["near"]


def test_a_camera_pan_or_a_run_across_the_frame_moves_no_limb():
    # The whole body crosses the frame at 3 body heights a second: far over the swing and kick
    # thresholds in the image, no motion of a wrist or an ankle against the body.
    cfg = PipelineConfig().kinematics
    times = np.arange(20) / 10.0
    kp = still_body(20)
    kp[:, :, 0] += 30.0 * np.arange(20)[:, None]
    assert find_triggers(times, kp, scale=100.0, config=cfg) == []
    kp[12, L_WRIST, 0] += 60.0                                 # a swing of the wrist alone still shows
    assert [t.kind for t in find_triggers(times, kp, scale=100.0, config=cfg)] == ["wrist_speed"]


def test_a_hip_rise_is_read_from_either_hip_when_the_other_is_unseen():
    cfg = PipelineConfig().kinematics
    for unseen in (L_HIP, R_HIP):
        times, kp = _jump(10, 43.0)
        kp[:, unseen, :2] = NAN
        rises = [(t.key_s, t.value) for t in find_triggers(times, kp, scale=100.0, config=cfg) if t.kind == "hip_rise"]
        assert rises == [(2.0, pytest.approx(0.2))]


def test_a_track_s_height_is_the_median_of_its_frames_so_one_odd_box_does_not_set_it():
    records = _records([50.0], 3)
    records[1].persons[0] = Person(box=(0.0, 0.0, 10.0, 400.0), keypoints=records[1].persons[0].keypoints,
                                   track_id=0)                   # a box taken for a group once
    assert tracks_of(records, 0.3)[0][2] == 50.0


def test_untracked_people_of_one_frame_are_told_apart_by_their_place_in_it():
    records = _records([50.0, 80.0], 3)
    for rec in records:
        rec.persons[:] = [Person(box=p.box, keypoints=p.keypoints, track_id=None) for p in rec.persons]
    tracks = tracks_of(records, 0.3)
    assert {k: len(v[0]) for k, v in tracks.items()} == {"untracked-0": 3, "untracked-1": 3}


def test_prominent_keeps_every_track_when_asked_for_none_or_for_as_many_as_there_are():
    tracks = {"near": (None, None, 300.0), "far": (None, None, 80.0)}
    assert prominent(tracks, 0) == tracks
    assert prominent(tracks, 2) == tracks


def test_the_triggers_of_a_track_come_in_time_order_whatever_their_kind():
    cfg = PipelineConfig().kinematics
    times = np.arange(30) / 10.0
    kp = still_body(30)
    kp[5, L_ANKLE, 0] += 60.0                                  # a kick at 0.5 s
    kp[25, L_WRIST, 0] += 60.0                                 # a swing at 2.5 s
    assert [t.kind for t in find_triggers(times, kp, scale=100.0, config=cfg)] == ["ankle_speed", "wrist_speed"]
