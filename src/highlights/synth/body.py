"""A 2D articulated person: body proportions, a pose, and the COCO-17 skeleton it makes.

The person is a flat cut-out standing in the X–Y plane (X to the right, Y up, metres) at one
depth. Limbs are placed by two-link inverse kinematics from the shoulders and hips to the
hands and feet a motion asks for, so motions are written as end-effector paths (a bat through
the zone, a plant foot beside the ball) rather than as joint angles. No pose library fits this
job (we need a few cheap, parametric cartoon motions with exact keypoints), hence this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COCO_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 1, 2, 3, 4
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 11, 12, 13, 14, 15, 16
# Points the drawing needs beyond COCO's 17.
NECK, HEAD, L_TOE, R_TOE, L_HAND, R_HAND, HIP_CENTRE, SHOULDER_CENTRE = 17, 18, 19, 20, 21, 22, 23, 24
NUM_POINTS = 25

Colour = tuple[int, int, int]

SKIN_TONES: tuple[Colour, ...] = (
    (255, 224, 196), (241, 194, 160), (224, 172, 132), (198, 134, 94), (160, 102, 68),
    (122, 76, 50), (90, 56, 38), (232, 190, 150),
)
HAIR_COLOURS: tuple[Colour, ...] = (
    (20, 16, 14), (60, 40, 26), (110, 74, 40), (200, 160, 90), (140, 60, 30), (90, 90, 90),
)
KIT_COLOURS: tuple[Colour, ...] = (
    (200, 30, 40), (20, 60, 170), (245, 245, 245), (30, 30, 30), (250, 200, 20), (20, 140, 60),
    (240, 110, 20), (120, 40, 150), (90, 170, 230), (130, 20, 30), (180, 180, 180), (0, 110, 110),
)


@dataclass(frozen=True)
class BodyShape:
    """Proportions (metres) and colours of one person."""

    height: float
    upper_arm: float
    forearm: float
    hand: float
    thigh: float
    shin: float
    foot: float
    ankle_height: float
    torso: float          # hip centre to the shoulder line
    neck: float
    head_radius: float
    shoulder_half_width: float
    hip_half_width: float
    chest_half_depth: float
    pelvis_half_depth: float
    arm_width: float
    forearm_width: float
    thigh_width: float
    shin_width: float
    neck_width: float
    skin: Colour = (224, 172, 132)
    hair: Colour = (20, 16, 14)
    shirt: Colour = (200, 30, 40)
    shorts: Colour = (30, 30, 30)
    socks: Colour = (245, 245, 245)
    shoes: Colour = (30, 30, 30)
    long_sleeves: bool = False
    long_trousers: bool = False

    @property
    def leg_length(self) -> float:
        return self.thigh + self.shin

    @property
    def standing_hip_height(self) -> float:
        """Hip height standing naturally (knees very slightly bent)."""
        return self.ankle_height + 0.985 * self.leg_length


def sample_body(rng: np.random.Generator, *, team: Colour | None = None,
                height: float | None = None) -> BodyShape:
    """A random adult with random proportions and clothing; `team` fixes the shirt colour."""
    h = float(height if height is not None else rng.uniform(1.62, 1.95))

    def part(frac: float, spread: float = 0.05) -> float:
        return h * frac * float(rng.uniform(1 - spread, 1 + spread))

    build = float(rng.uniform(0.85, 1.25))
    shirt = team if team is not None else KIT_COLOURS[int(rng.integers(len(KIT_COLOURS)))]
    shorts = KIT_COLOURS[int(rng.integers(len(KIT_COLOURS)))]
    thigh = part(0.245)
    shin = part(0.245)
    ankle = h * 0.045
    torso = part(0.285)
    neck = h * 0.035
    # Whatever the limb draws, the head sits on top: keep the total at `h`.
    head_r = max(0.055 * h, (h - (ankle + 0.985 * (thigh + shin)) - torso - neck) / 2.0)
    return BodyShape(
        height=h, upper_arm=part(0.17), forearm=part(0.152), hand=h * 0.05,
        thigh=thigh, shin=shin, foot=h * 0.075, ankle_height=ankle,
        torso=torso, neck=neck, head_radius=head_r,
        shoulder_half_width=part(0.11) * (0.9 + 0.1 * build), hip_half_width=part(0.085),
        chest_half_depth=part(0.07) * build, pelvis_half_depth=part(0.065) * build,
        arm_width=h * 0.05 * build, forearm_width=h * 0.04 * build,
        thigh_width=h * 0.075 * build, shin_width=h * 0.055 * build, neck_width=h * 0.05 * build,
        skin=SKIN_TONES[int(rng.integers(len(SKIN_TONES)))],
        hair=HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))],
        shirt=shirt, shorts=shorts,
        socks=KIT_COLOURS[int(rng.integers(len(KIT_COLOURS)))],
        shoes=((30, 30, 30), (240, 240, 240), (200, 30, 40), (20, 60, 170))[int(rng.integers(4))],
        long_sleeves=bool(rng.random() < 0.3), long_trousers=bool(rng.random() < 0.3),
    )


@dataclass
class Pose:
    """What a motion asks of the body at one instant (world metres, facing +1 right / -1 left).

    `hands` are wrist targets relative to the shoulder centre, in (forward, up) body units:
    forward is along `facing`. `feet` are ankle targets in world coordinates. Yaws turn the
    shoulders, hips and head from profile (0) towards the camera (pi/2).
    """

    hip: tuple[float, float]
    facing: int
    lean: float = 0.0
    yaw_shoulders: float = 0.5
    yaw_hips: float = 0.5
    yaw_head: float = 0.3
    hands: tuple[tuple[float, float], tuple[float, float]] = ((0.0, -0.5), (0.0, -0.5))
    feet: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.08), (0.0, 0.08))
    hands_world: bool = False   # hands given in world coordinates instead


def rotate(v: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def two_link(base: np.ndarray, target: np.ndarray, l1: float, l2: float,
             bend: float) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and end point of a two-segment limb reaching from `base` towards `target`.

    `bend` (+1 or -1) picks which side of the base-target line the middle joint goes: +1 turns
    counter-clockwise. A target out of reach gives a straight limb pointing at it.
    """
    d = target - base
    dist = float(np.hypot(d[0], d[1]))
    direction = d / dist if dist > 1e-9 else np.array([0.0, -1.0])
    dist = float(np.clip(dist, abs(l1 - l2) + 1e-4, l1 + l2 - 1e-5))
    cos_a = (l1 * l1 + dist * dist - l2 * l2) / (2 * l1 * dist)
    a = float(np.arccos(np.clip(cos_a, -1.0, 1.0)))
    middle = base + l1 * rotate(direction, bend * a)
    return middle, base + direction * dist


@dataclass
class Skeleton:
    """World points of one person at one instant plus what the drawing needs to know."""

    points: np.ndarray            # (NUM_POINTS, 2) world metres
    left_is_near: bool            # which side faces the camera (drawn last)
    shoulder_half: float          # apparent half widths of the torso outline
    hip_half: float


def skeleton(shape: BodyShape, pose: Pose) -> Skeleton:
    f = 1 if pose.facing >= 0 else -1
    hip = np.asarray(pose.hip, dtype=float)
    up = np.array([f * np.sin(pose.lean), np.cos(pose.lean)])
    across = np.array([np.cos(pose.lean), -f * np.sin(pose.lean)])   # points to +X
    sh_c = hip + up * shape.torso
    neck = sh_c + up * shape.neck
    head_lean = pose.lean * 0.6
    head_up = np.array([f * np.sin(head_lean), np.cos(head_lean)])
    head = neck + head_up * shape.head_radius * 0.95

    pts = np.zeros((NUM_POINTS, 2))
    pts[NECK], pts[HEAD], pts[HIP_CENTRE], pts[SHOULDER_CENTRE] = neck, head, hip, sh_c

    # Seen from the camera, the person's left side points to +X when turned towards us.
    so = np.sin(pose.yaw_shoulders) * shape.shoulder_half_width
    ho = np.sin(pose.yaw_hips) * shape.hip_half_width
    pts[L_SHOULDER], pts[R_SHOULDER] = sh_c + across * so, sh_c - across * so
    pts[L_HIP], pts[R_HIP] = hip + across * ho, hip - across * ho

    for side, (s_i, e_i, w_i, h_i) in enumerate(((L_SHOULDER, L_ELBOW, L_WRIST, L_HAND),
                                                  (R_SHOULDER, R_ELBOW, R_WRIST, R_HAND))):
        hx, hy = pose.hands[side]
        target = np.array([hx, hy]) if pose.hands_world else sh_c + np.array([f * hx, hy])
        elbow, wrist = two_link(pts[s_i], target, shape.upper_arm, shape.forearm, bend=-f)
        pts[e_i], pts[w_i] = elbow, wrist
        fore = wrist - elbow
        n = float(np.hypot(*fore)) or 1.0
        pts[h_i] = wrist + fore / n * shape.hand

    for side, (h_i, k_i, a_i, t_i) in enumerate(((L_HIP, L_KNEE, L_ANKLE, L_TOE),
                                                  (R_HIP, R_KNEE, R_ANKLE, R_TOE))):
        target = np.asarray(pose.feet[side], dtype=float)
        knee, ankle = two_link(pts[h_i], target, shape.thigh, shape.shin, bend=f)
        pts[k_i], pts[a_i] = knee, ankle
        shin = ankle - knee
        n = float(np.hypot(*shin)) or 1.0
        toe_dir = rotate(shin / n, f * np.deg2rad(80))
        # A foot near the ground lies flat.
        if ankle[1] < shape.ankle_height * 1.6:
            toe_dir = 0.3 * toe_dir + 0.7 * np.array([f, 0.0])
            toe_dir /= np.hypot(*toe_dir)
        pts[t_i] = ankle + toe_dir * shape.foot

    # Face: nose forward of the head centre, eyes and ears spread as the head turns to us.
    r = shape.head_radius
    cy, sy = np.cos(pose.yaw_head), np.sin(pose.yaw_head)
    fwd = np.array([f * cy, 0.0])
    pts[NOSE] = head + fwd * 0.95 * r + np.array([0.0, -0.15 * r])
    eye = head + fwd * 0.62 * r + np.array([0.0, 0.22 * r])
    pts[L_EYE], pts[R_EYE] = eye + np.array([0.38 * r * sy, 0.0]), eye - np.array([0.38 * r * sy, 0.0])
    ear = head - fwd * 0.15 * r + np.array([0.0, 0.05 * r])
    pts[L_EAR], pts[R_EAR] = ear + np.array([0.92 * r * sy, 0.0]), ear - np.array([0.92 * r * sy, 0.0])

    left_is_near = f * np.cos(pose.yaw_shoulders) < 0 or (f < 0 and np.cos(pose.yaw_shoulders) < 1e-6)
    sh_half = float(np.hypot(so, np.cos(pose.yaw_shoulders) * shape.chest_half_depth))
    hip_half = float(np.hypot(ho, np.cos(pose.yaw_hips) * shape.pelvis_half_depth))
    return Skeleton(points=pts, left_is_near=bool(left_is_near),
                    shoulder_half=max(sh_half, shape.chest_half_depth * 0.8),
                    hip_half=max(hip_half, shape.pelvis_half_depth * 0.8))


def blend(a: Skeleton, b: Skeleton, w: float) -> Skeleton:
    """`a` faded into `b` by weight w in [0, 1] (used across motion changes)."""
    return Skeleton(points=(1 - w) * a.points + w * b.points,
                    left_is_near=b.left_is_near if w >= 0.5 else a.left_is_near,
                    shoulder_half=(1 - w) * a.shoulder_half + w * b.shoulder_half,
                    hip_half=(1 - w) * a.hip_half + w * b.hip_half)
