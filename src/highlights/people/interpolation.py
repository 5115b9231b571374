"""A frame's people from the frames either side of it, where nobody moved fast between them.

MoveNet's pass is most of the pipeline's time. Between two frames where every person's wrists and
ankles moved slowly relative to their body, the frame in the middle adds nothing kinematics
can use: its joint speeds lie far below every trigger threshold whether it is measured or drawn
as the midpoint. So such a frame may take its people from its neighbours (box, keypoints and
scores interpolated, person by person), provided the same people are in both (matched one to
one by box overlap) and nobody moved fast; otherwise it runs the network like any other.

Pure functions over ``PoseDetection`` lists, so the rule is tested without a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from highlights.people.boxes import box_iou
from highlights.people.movenet import PoseDetection

# COCO indices: the joints whose speed relative to the body triggers a swing or a kick, and the
# torso that gives the body's centre and height.
WRISTS, ANKLES = (9, 10), (15, 16)
TORSO = (5, 6, 11, 12)
TORSO_SHARE = 0.3  # shoulder-to-hip distance as a share of standing height, as kinematics measures it
MIN_IOU = 0.5  # the same person in both frames: boxes overlap at least this much (and best to each other)
MIN_SCORE = 0.3  # a keypoint counts as seen from this score (MoveNet's scores run low)


def match_people(before: Sequence[PoseDetection], after: Sequence[PoseDetection]) -> list[tuple[int, int]] | None:
    """One-to-one pairs (i in `before`, j in `after`) when both frames hold the same people: the
    same count, each box's best overlap in the other frame is mutual and at least `MIN_IOU`.
    None otherwise (someone came, left or is ambiguous)."""
    if len(before) != len(after):
        return None
    if not before:
        return []
    iou = np.array([[box_iou(a.box, b.box) for b in after] for a in before])
    pairs = []
    for i in range(len(before)):
        j = int(np.argmax(iou[i]))
        if iou[i, j] < MIN_IOU or int(np.argmax(iou[:, j])) != i:
            return None
        pairs.append((i, j))
    return pairs


def _body(kp: np.ndarray, min_score: float) -> tuple[np.ndarray, float] | None:
    """(body centre, standing height) from the torso keypoints seen, or None."""
    seen = [k for k in TORSO if kp[k, 2] >= min_score]
    shoulders = [k for k in (5, 6) if k in seen]
    hips = [k for k in (11, 12) if k in seen]
    if not shoulders or not hips:
        return None
    top, bottom = kp[shoulders, :2].mean(axis=0), kp[hips, :2].mean(axis=0)
    height = float(np.linalg.norm(top - bottom)) / TORSO_SHARE
    return (top + bottom) / 2, height


def fastest_limb_speed(a: PoseDetection, b: PoseDetection, dt_s: float, min_score: float = MIN_SCORE) -> float:
    """The largest wrist or ankle speed relative to the body between `a` and `b`, in body heights
    per second (as kinematics measures it). Infinite when it cannot be told (no torso seen)."""
    body_a, body_b = _body(a.keypoints, min_score), _body(b.keypoints, min_score)
    if body_a is None or body_b is None or dt_s <= 0:
        return float("inf")
    height = max(min(body_a[1], body_b[1]), 1e-6)
    worst = 0.0
    for k in WRISTS + ANKLES:
        if a.keypoints[k, 2] < min_score and b.keypoints[k, 2] < min_score:
            continue  # unseen in both: kinematics cannot measure it either
        move = (b.keypoints[k, :2] - body_b[0]) - (a.keypoints[k, :2] - body_a[0])
        worst = max(worst, float(np.linalg.norm(move)) / dt_s / height)
    return worst


def between(before: Sequence[PoseDetection], after: Sequence[PoseDetection], share: float, *, dt_s: float,
            slow_below: float, min_score: float = MIN_SCORE) -> list[PoseDetection] | None:
    """The people of the frame `share` (0..1) of the way from `before` to `after`, `dt_s` apart, or
    None when it must be measured: the people differ, or someone's wrist or ankle moved at
    `slow_below` body heights per second or faster relative to the body (kinematics' triggers
    start at 2.2 for wrists, 3.0 for ankles)."""
    pairs = match_people(before, after)
    if pairs is None:
        return None
    out = []
    for i, j in pairs:
        a, b = before[i], after[j]
        if fastest_limb_speed(a, b, dt_s, min_score) >= slow_below:
            return None
        kp = a.keypoints + share * (b.keypoints - a.keypoints)
        kp[:, 2] = np.minimum(a.keypoints[:, 2], b.keypoints[:, 2])  # seen in the middle only if seen at both ends
        box = tuple(float(x + share * (y - x)) for x, y in zip(a.box, b.box))
        out.append(PoseDetection(box=box, keypoints=kp.astype(np.float32), score=min(a.score, b.score)))
    return out
