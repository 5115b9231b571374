"""Drawing people, props and occluders on a frame, and the ground truth of what is visible.

OpenCV draws anti-aliased thick lines with round caps, which is exactly a limb "capsule";
coordinates are passed with 4 fractional bits (shift=4) so slow motion stays smooth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from highlights.synth.body import (
    HEAD, HIP_CENTRE, L_ANKLE, L_ELBOW, L_HAND, L_HIP, L_KNEE, L_SHOULDER, L_TOE, L_WRIST, NECK,
    R_ANKLE, R_ELBOW, R_HAND, R_HIP, R_KNEE, R_SHOULDER, R_TOE, R_WRIST, SHOULDER_CENTRE,
    BodyShape, Skeleton,
)
from highlights.synth.motion import Ball, Bat
from highlights.synth.scene import Projector

SHIFT = 4
ONE = 1 << SHIFT


@dataclass
class PersonInFrame:
    """One person at one instant, as the renderer needs it."""

    pid: int
    actor: bool
    shape: BodyShape
    skel: Skeleton
    depth: float
    props: list = field(default_factory=list)


@dataclass(frozen=True)
class Occluder:
    """A post or pole between the camera and the players (world x, depth, width; metres)."""

    x: float
    depth: float
    width: float
    height: float
    colour: tuple[int, int, int]


def to_frame(affine: np.ndarray, u, v) -> np.ndarray:
    uv = np.stack([np.asarray(u, dtype=float), np.asarray(v, dtype=float)], axis=-1)
    return uv @ affine[:, :2].T + affine[:, 2]


def zoom_of(affine: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))


def _p(pt) -> tuple[int, int]:
    """A point in fixed point with SHIFT fractional bits, as OpenCV's shift= expects."""
    return int(np.floor(float(pt[0]) * ONE + 0.5)), int(np.floor(float(pt[1]) * ONE + 0.5))


def _thick(width_m: float, scale: float) -> int:
    return max(1, int(round(width_m * scale)))


def _shade(colour, k: float) -> tuple[int, int, int]:
    return tuple(int(min(255, c * k)) for c in colour)


def _seg(img, a, b, colour, th) -> None:
    cv2.line(img, _p(a), _p(b), colour, th, cv2.LINE_AA, shift=SHIFT)


def body_capsules(px: np.ndarray, shape: BodyShape, skel: Skeleton, scale: float):
    """(A, B, radius) arrays of the capsules that make up the drawn body, in frame pixels."""
    segs = [
        (L_SHOULDER, L_ELBOW, shape.arm_width), (R_SHOULDER, R_ELBOW, shape.arm_width),
        (L_ELBOW, L_WRIST, shape.forearm_width), (R_ELBOW, R_WRIST, shape.forearm_width),
        (L_WRIST, L_HAND, shape.forearm_width * 0.8), (R_WRIST, R_HAND, shape.forearm_width * 0.8),
        (L_HIP, L_KNEE, shape.thigh_width), (R_HIP, R_KNEE, shape.thigh_width),
        (L_KNEE, L_ANKLE, shape.shin_width), (R_KNEE, R_ANKLE, shape.shin_width),
        (L_ANKLE, L_TOE, shape.shin_width * 0.8), (R_ANKLE, R_TOE, shape.shin_width * 0.8),
        (HIP_CENTRE, SHOULDER_CENTRE, 2 * max(skel.shoulder_half, skel.hip_half) * 0.9),
        (NECK, HEAD, shape.neck_width),
        (HEAD, HEAD, 2 * shape.head_radius),
    ]
    a = np.array([px[i] for i, _, _ in segs])
    b = np.array([px[j] for _, j, _ in segs])
    r = np.array([w * 0.5 * scale for _, _, w in segs])
    return a, b, r


def points_in_capsules(points: np.ndarray, a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Which of `points` (K,2) lie inside any capsule (segments a-b, radius r)."""
    ab = b - a                                     # (M,2)
    ap = points[:, None, :] - a[None, :, :]        # (K,M,2)
    denom = np.maximum((ab * ab).sum(-1), 1e-9)
    t = np.clip((ap * ab[None]).sum(-1) / denom, 0.0, 1.0)
    closest = a[None] + t[..., None] * ab[None]
    d2 = ((points[:, None, :] - closest) ** 2).sum(-1)
    return (d2 <= (r[None] ** 2)).any(axis=1)


def draw_person(img: np.ndarray, px: np.ndarray, shape: BodyShape, skel: Skeleton, scale: float) -> None:
    """Far limbs first (a little darker), torso, near limbs, head."""
    q = np.floor(px * ONE + 0.5).astype(np.int64).tolist()   # fixed-point points, once

    def mid(a: int, b: int, w: float) -> list[int]:
        return [int(q[a][0] + (q[b][0] - q[a][0]) * w), int(q[a][1] + (q[b][1] - q[a][1]) * w)]

    def seg(a, b, colour, th) -> None:
        cv2.line(img, a, b, colour, th, cv2.LINE_AA, shift=SHIFT)

    near_left = skel.left_is_near
    far, near = (0, 1) if not near_left else (1, 0)     # draw the far side first
    arm_idx = {0: (L_SHOULDER, L_ELBOW, L_WRIST, L_HAND), 1: (R_SHOULDER, R_ELBOW, R_WRIST, R_HAND)}
    leg_idx = {0: (L_HIP, L_KNEE, L_ANKLE, L_TOE), 1: (R_HIP, R_KNEE, R_ANKLE, R_TOE)}
    t_arm, t_fore = _thick(shape.arm_width, scale), _thick(shape.forearm_width, scale)
    t_thigh, t_shin = _thick(shape.thigh_width, scale), _thick(shape.shin_width, scale)
    t_hand, t_foot = _thick(shape.forearm_width * 0.8, scale), _thick(shape.shin_width * 0.8, scale)
    lower = shape.shorts if shape.long_trousers else shape.skin
    sleeve_lower = shape.shirt if shape.long_sleeves else shape.skin

    def arm(side: int, k: float) -> None:
        s_, e_, w_, h_ = arm_idx[side]
        seg(q[s_], q[e_], _shade(sleeve_lower, k), t_arm)
        seg(q[s_], mid(s_, e_, 0.55), _shade(shape.shirt, k), t_arm)
        seg(q[e_], q[w_], _shade(sleeve_lower, k), t_fore)
        seg(q[w_], q[h_], _shade(shape.skin, k), t_hand)

    def leg(side: int, k: float) -> None:
        h_, k_, a_, t_ = leg_idx[side]
        seg(q[h_], q[k_], _shade(lower, k), t_thigh)
        seg(q[h_], mid(h_, k_, 0.6), _shade(shape.shorts, k), t_thigh)
        seg(q[k_], q[a_], _shade(lower, k), t_shin)
        if not shape.long_trousers:
            seg(mid(k_, a_, 0.55), q[a_], _shade(shape.socks, k), t_shin)
        seg(q[a_], q[t_], _shade(shape.shoes, k), t_foot)

    arm(far, 0.72)
    leg(far, 0.78)
    # Torso: a quad from the shoulder line to the hip line, across the trunk axis.
    hip, sh = px[HIP_CENTRE], px[SHOULDER_CENTRE]
    axis = sh - hip
    n = float(np.hypot(*axis)) or 1.0
    across = np.array([-axis[1], axis[0]]) / n
    sw, hw = skel.shoulder_half * scale, skel.hip_half * scale
    top = sh + axis / n * (0.02 * shape.height * scale)
    quad = np.array([top + across * sw, top - across * sw, hip - across * hw, hip + across * hw])
    cv2.fillConvexPoly(img, np.floor(quad * ONE + 0.5).astype(np.int32), shape.shirt, cv2.LINE_AA, shift=SHIFT)
    seg(_p(hip + across * hw * 0.8), _p(hip - across * hw * 0.8), shape.shorts, _thick(0.09 * shape.height, scale))
    leg(near, 1.0)
    arm(near, 1.0)
    seg(q[NECK], mid(NECK, HEAD, 0.5), shape.skin, _thick(shape.neck_width, scale))
    r = max(1, int(shape.head_radius * scale * ONE + 0.5))
    cv2.circle(img, q[HEAD], r, shape.skin, -1, cv2.LINE_AA, shift=SHIFT)
    # Hair over the top and back of the head (the nose says which way is forward).
    start, end = (140, 330) if q[0][0] >= q[HEAD][0] else (210, 400)
    cv2.ellipse(img, q[HEAD], (r, r), 0, start, end, shape.hair, -1, cv2.LINE_AA, shift=SHIFT)


def draw_ball(img: np.ndarray, centre: np.ndarray, radius_px: float, colour) -> None:
    r = max(1, int(round(radius_px * ONE)))
    cv2.circle(img, _p(centre), r, colour, -1, cv2.LINE_AA, shift=SHIFT)
    if radius_px >= 3:
        cv2.circle(img, _p(centre), r, _shade(colour, 0.55), 1, cv2.LINE_AA, shift=SHIFT)


def draw_bat(img: np.ndarray, knob: np.ndarray, tip: np.ndarray, scale: float, colour) -> None:
    barrel_start = knob + (tip - knob) * 0.45
    _seg(img, knob, barrel_start, _shade(colour, 0.85), _thick(0.032, scale))
    _seg(img, barrel_start, tip, colour, _thick(0.066, scale))


def _in_frame(pts: np.ndarray, width: int, height: int) -> np.ndarray:
    return (pts[:, 0] >= 0) & (pts[:, 0] < width) & (pts[:, 1] >= 0) & (pts[:, 1] < height)


def _in_quad(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Points inside a convex quad (any winding)."""
    inside_pos = np.ones(len(points), bool)
    inside_neg = np.ones(len(points), bool)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        cross = (b[0] - a[0]) * (points[:, 1] - a[1]) - (b[1] - a[1]) * (points[:, 0] - a[0])
        inside_pos &= cross >= 0
        inside_neg &= cross <= 0
    return inside_pos | inside_neg


def _r(x: float) -> float:
    return round(float(x), 1)


def draw_scene_people(img: np.ndarray, people: list[PersonInFrame], proj: Projector,
                      affine: np.ndarray, occluders: list[Occluder] = ()) -> tuple[list[dict], list[dict]]:
    """Draw people (far to near), their props and the occluders on `img`; return the ground
    truth of every person in view ({id, actor, box, keypoints}) and of the props."""
    height, width = img.shape[:2]
    zoom = zoom_of(affine)
    order = sorted(range(len(people)), key=lambda i: -people[i].depth)
    placed = []
    for i in order:
        p = people[i]
        u, v = proj.to_pano(p.skel.points[:, 0], p.skel.points[:, 1], p.depth)
        px = to_frame(affine, u, v)
        scale = zoom * proj.scale_at(p.depth)
        placed.append((p, px, scale, body_capsules(px, p.shape, p.skel, scale)))
    props_gt: list[dict] = []
    for p, px, scale, _ in placed:
        margin = 0.6 * p.shape.height * scale
        if (px[:, 0].max() < -margin or px[:, 0].min() > width + margin
                or px[:, 1].max() < -margin or px[:, 1].min() > height + margin):
            continue   # nowhere near the frame: nothing to draw (nor props)
        draw_person(img, px, p.shape, p.skel, scale)
        props_gt += _draw_props(img, p, proj, affine, scale, zoom)
    occ_quads = [_draw_occluder(img, occ, proj, affine) for occ in occluders]
    persons_gt = []
    for k, (p, px, _, caps) in enumerate(placed):
        truth = _person_truth(p, px[:17], caps, placed[k + 1:], occ_quads, width, height)
        if truth is not None:
            persons_gt.append(truth)
    persons_gt.sort(key=lambda d: d["id"])
    return persons_gt, props_gt


def _draw_props(img: np.ndarray, p: PersonInFrame, proj: Projector, affine: np.ndarray, scale: float,
                zoom: float) -> list[dict]:
    """Draw the bat or ball `p` holds; return their ground truth."""
    props_gt: list[dict] = []
    for prop in p.props:
        if isinstance(prop, Bat):
            ends = np.array([prop.knob, prop.tip])
            u, v = proj.to_pano(ends[:, 0], ends[:, 1], p.depth)
            q = to_frame(affine, u, v)
            draw_bat(img, q[0], q[1], scale, prop.colour)
            props_gt.append({"kind": "bat", "person": p.pid, "knob": [_r(q[0, 0]), _r(q[0, 1])],
                             "tip": [_r(q[1, 0]), _r(q[1, 1])]})
        elif isinstance(prop, Ball):
            d = p.depth + prop.depth
            u, v = proj.to_pano(prop.x, prop.y, d)
            q = to_frame(affine, u, v)
            rad = prop.radius * zoom * proj.scale_at(d)
            draw_ball(img, q, rad, prop.colour)
            props_gt.append({"kind": "ball", "person": p.pid, "centre": [_r(q[0]), _r(q[1])],
                             "radius": _r(rad)})
    return props_gt


def _draw_occluder(img: np.ndarray, occ: Occluder, proj: Projector, affine: np.ndarray) -> np.ndarray:
    """Draw an occluder; return its quad in the frame."""
    xs = np.array([occ.x - occ.width / 2, occ.x + occ.width / 2, occ.x + occ.width / 2, occ.x - occ.width / 2])
    ys = np.array([-2.0, -2.0, occ.height, occ.height])
    u, v = proj.to_pano(xs, ys, occ.depth)
    quad = to_frame(affine, u, v)
    cv2.fillConvexPoly(img, (quad * ONE).round().astype(np.int32), occ.colour, cv2.LINE_AA, shift=SHIFT)
    return quad


def _person_truth(p: PersonInFrame, kp: np.ndarray, caps, nearer: list, occ_quads: list[np.ndarray], width: int,
                  height: int) -> dict | None:
    """The ground truth of person `p` (keypoints `kp`, body `caps`): its keypoints seen unless out
    of the frame or behind someone drawn after it (`nearer`) or an occluder, and its box; None where
    its box is under a pixel in the frame."""
    vis = _in_frame(kp, width, height)
    kp_lo, kp_hi = kp.min(axis=0), kp.max(axis=0)
    for p2, _, _, caps2 in nearer:          # everyone drawn after is nearer
        if p2.depth >= p.depth:
            continue
        a2, b2, r2 = caps2
        lo2 = np.minimum(a2, b2).min(axis=0) - r2.max()
        hi2 = np.maximum(a2, b2).max(axis=0) + r2.max()
        if (lo2 > kp_hi).any() or (hi2 < kp_lo).any():
            continue                                # boxes apart: cannot cover
        vis &= ~points_in_capsules(kp, *caps2)
    for quad in occ_quads:
        vis &= ~_in_quad(kp, quad)
    a, b, r = caps
    lo = np.minimum(a, b) - r[:, None]
    hi = np.maximum(a, b) + r[:, None]
    x1, y1 = max(0.0, float(lo[:, 0].min())), max(0.0, float(lo[:, 1].min()))
    x2, y2 = min(float(width), float(hi[:, 0].max())), min(float(height), float(hi[:, 1].max()))
    if x2 - x1 < 1 or y2 - y1 < 1:
        return None
    return {"id": p.pid, "actor": p.actor, "box": [_r(x1), _r(y1), _r(x2), _r(y2)],
            "keypoints": [[_r(x), _r(y), 2 if ok else 0] for (x, y), ok in zip(kp, vis)]}
