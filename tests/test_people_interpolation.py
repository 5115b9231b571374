"""Drawing a frame's people between two measured frames: only where the same people are in both
and nobody's wrists or ankles moved fast relative to the body. Pure geometry, no model."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.people.interpolation import between, fastest_limb_speed, match_people
from highlights.people.movenet import PoseDetection

DT = 0.2  # two analysis frames apart at 10 fps


def person(x: float = 100.0, y: float = 50.0, *, wrist_dx: float = 0.0, score: float = 0.8) -> PoseDetection:
    """A standing figure 200 px tall (shoulders to hips 60 px) with its top-left near (x, y)."""
    kp = np.zeros((17, 3), dtype=np.float32)
    kp[:, 2] = score
    kp[:, 0], kp[:, 1] = x + 30, y + 100  # every joint at the body's middle unless set below
    kp[5, :2], kp[6, :2] = (x + 20, y + 40), (x + 40, y + 40)  # shoulders
    kp[11, :2], kp[12, :2] = (x + 22, y + 100), (x + 38, y + 100)  # hips
    kp[9, :2], kp[10, :2] = (x + 10 + wrist_dx, y + 90), (x + 50 + wrist_dx, y + 90)  # wrists
    kp[15, :2], kp[16, :2] = (x + 22, y + 190), (x + 38, y + 190)  # ankles
    return PoseDetection(box=(x, y, x + 60, y + 200), keypoints=kp, score=score)


def test_slow_people_are_drawn_halfway_with_the_lower_scores():
    a, b = person(100, 50, score=0.9), person(110, 50, wrist_dx=4, score=0.6)
    drawn = between([a], [b], 0.5, dt_s=DT, slow_below=1.1)
    assert drawn is not None and len(drawn) == 1
    assert np.allclose(drawn[0].keypoints[:, :2], (a.keypoints[:, :2] + b.keypoints[:, :2]) / 2)
    assert np.allclose(drawn[0].keypoints[:, 2], 0.6) and drawn[0].score == 0.6
    assert np.allclose(drawn[0].box, (105, 50, 165, 250))


def test_speed_is_relative_to_the_body_so_a_pan_is_not_fast_but_a_swing_is():
    still = person(100, 50)
    panned = person(115, 50)  # the whole body moved 15 px (the camera, or a walk): no joint moved on it
    swung = person(100, 50, wrist_dx=40)  # only the wrists moved 40 px in 0.2 s: 1 body height/s
    assert fastest_limb_speed(still, panned, DT) == 0.0
    assert np.isclose(fastest_limb_speed(still, swung, DT), 40 / DT / 200)
    assert between([still], [panned], 0.5, dt_s=DT, slow_below=1.1) is not None
    assert between([still], [swung], 0.5, dt_s=DT, slow_below=1.1) is not None
    assert between([still], [swung], 0.5, dt_s=DT, slow_below=0.9) is None  # 1.0 body heights/s is not below 0.9
    # A sprint moves the box more than the overlap rule allows: not shown to be one person, measured.
    assert between([still], [person(140, 50)], 0.5, dt_s=DT, slow_below=1.1) is None


def test_people_must_be_the_same_at_both_ends():
    left, right = person(0), person(400)
    # Listed in another order: matched by their boxes, each drawn between its own two poses.
    drawn = between([left, right], [person(404), person(4)], 0.5, dt_s=DT, slow_below=1.1)
    assert drawn is not None and sorted(round(d.box[0]) for d in drawn) == [2, 402]
    assert match_people([left], [left, right]) is None  # someone came
    assert match_people([left, right], [left]) is None  # someone left
    assert match_people([left], [person(200)]) is None  # boxes apart: not shown to be one person
    assert between([], [], 0.5, dt_s=DT, slow_below=1.1) == []  # nobody at either end: nobody between


def test_without_a_torso_the_speed_cannot_be_told_and_the_frame_is_measured():
    a, b = person(100), person(100)
    a.keypoints[[5, 6], 2] = 0.1  # shoulders unseen
    assert fastest_limb_speed(a, b, DT) == float("inf")
    assert between([a], [b], 0.5, dt_s=DT, slow_below=1.1) is None


def test_boxes_overlapping_exactly_half_are_one_person():
    a = person(0)
    half = PoseDetection(box=(20, 50, 80, 250), keypoints=a.keypoints, score=0.8)   # IoU 40 / 80 of the width
    under = PoseDetection(box=(20.5, 50, 80.5, 250), keypoints=a.keypoints, score=0.8)
    assert match_people([a], [half]) == [(0, 0)]
    assert match_people([a], [under]) is None


def test_a_box_whose_best_match_prefers_someone_else_is_not_matched():
    # a0's best is b0 (IoU 0.5), but b0's best is a1 (IoU 55 / 65): no one-to-one match
    a0, a1 = person(0), person(15)
    b0, b1 = person(20), person(400)
    assert match_people([a0, a1], [b0, b1]) is None


def test_limb_speed_by_hand():
    a, b = person(100), person(100)
    b.keypoints[15, :2] += (30, 40)          # the left ankle moved 50 px on the body in 0.2 s
    # the body's height: shoulders (130, 90) to hips (130, 150) is 60 px, 0.3 of 200 px
    assert fastest_limb_speed(a, b, DT) == pytest.approx(50 / DT / 200)
    b.keypoints[15, 2] = 0.3                 # seen from 0.3
    assert fastest_limb_speed(a, b, DT) == pytest.approx(50 / DT / 200)
    a.keypoints[15, 2] = b.keypoints[15, 2] = 0.29   # unseen at both ends: not counted
    assert fastest_limb_speed(a, b, DT) == 0.0
    assert fastest_limb_speed(a, b, 0.0) == float("inf")
    tall = person(100)
    tall.keypoints[[11, 12], 1] += 30        # hips 30 px lower: a 90 px torso, 300 px tall
    # the body's centre went 15 px down, so every wrist and ankle moved 15 px up on it; the
    # smaller of the two bodies (200 px) is the unit
    assert fastest_limb_speed(person(100), tall, DT) == pytest.approx(15 / DT / 200)

def test_the_drawn_frame_is_the_share_of_the_way_and_seen_only_where_both_ends_saw():
    a, b = person(100, 50, score=0.9), person(110, 50, score=0.6)
    b.keypoints[0, 2] = 0.1
    drawn = between([a], [b], 0.25, dt_s=DT, slow_below=1.1)[0]
    assert drawn.box == pytest.approx((102.5, 50, 162.5, 250))
    assert drawn.keypoints[0].tolist() == pytest.approx([132.5, 150.0, 0.1])
    assert drawn.score == 0.6
    assert drawn.keypoints.dtype == np.float32


def test_each_wrist_and_ankle_counts_seen_at_either_end():
    for k in (9, 10, 15, 16):
        a, b = person(100), person(100)
        b.keypoints[k, :2] += (30, 40)
        assert fastest_limb_speed(a, b, DT) == pytest.approx(50 / DT / 200), k
        a.keypoints[k, 2] = 0.1              # unseen before, seen after: still measured
        assert fastest_limb_speed(a, b, DT) == pytest.approx(50 / DT / 200), k
    a, b = person(100), person(100)
    b.keypoints[7, :2] += (30, 40)           # an elbow is not a trigger
    assert fastest_limb_speed(a, b, DT) == 0.0


def test_a_score_exactly_at_min_score_is_seen():
    a, b = person(100, score=0.5), person(100, score=0.5)
    b.keypoints[15, :2] += (30, 40)
    assert fastest_limb_speed(a, b, DT, min_score=0.5) == pytest.approx(50 / DT / 200)   # the torso is seen
    a.keypoints[15, 2] = 0.25                # the ankle at 0.5 after only
    assert fastest_limb_speed(a, b, DT, min_score=0.5) == pytest.approx(50 / DT / 200)
    a.keypoints[15, 2], b.keypoints[15, 2] = 0.5, 0.25   # and before only
    assert fastest_limb_speed(a, b, DT, min_score=0.5) == pytest.approx(50 / DT / 200)


def test_a_speed_exactly_at_slow_below_is_measured():
    still, swung = person(100, 50), person(100, 50, wrist_dx=40)
    assert fastest_limb_speed(still, swung, DT) == 1.0
    assert between([still], [swung], 0.5, dt_s=DT, slow_below=1.0) is None


def test_three_people_reordered_are_each_drawn_between_their_own_two_poses():
    drawn = between([person(0), person(200), person(400)], [person(204), person(404), person(4)], 0.5,
                    dt_s=DT, slow_below=1.1)
    assert sorted(round(d.box[0]) for d in drawn) == [2, 202, 402]


def test_a_joint_is_drawn_with_the_lower_of_its_two_scores():
    a, b = person(100, score=0.9), person(110, score=0.6)
    a.keypoints[1, 2] = 0.2
    drawn = between([a], [b], 0.5, dt_s=DT, slow_below=1.1)[0]
    assert drawn.keypoints[:3, 2].tolist() == pytest.approx([0.6, 0.2, 0.6])
