"""Drawing a frame's people between two measured frames: only where the same people are in both
and nobody's wrists or ankles moved fast relative to the body. Pure geometry, no model."""

from __future__ import annotations

import numpy as np

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
