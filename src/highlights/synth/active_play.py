"""Active background play for the `none` class: what real footage between highlights looks like.

Real background play moves far more than standing and walking: pitchers throw, keepers dive,
players pass, cross and juggle. These motions are labelled `none`, so a classifier must learn
the defining part of an action (bat through the zone, a shot at the rim or the goal), not just
"somebody moved fast". Each builder has the action builders' signature (`pre`, `post`, `amp`,
`speed`) so clips fit them to their length the same way.
"""

from __future__ import annotations

import numpy as np

from highlights.synth.actions import soccer_shooting
from highlights.synth.background import SOCCER_BALL, standing_keys
from highlights.synth.body import BodyShape, Skeleton
from highlights.synth.motion import Ball, KeyedMotion, Keys, clamp_keys


def pitch(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
          pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0) -> KeyedMotion:
    """A pitcher's delivery: set, leg kick, stride, the arm over the top, bent-over follow-through."""
    h, f = shape.height, facing
    hs, ah = shape.standing_hip_height, shape.ankle_height
    s = 1.0 / speed
    Tk = pre + float(rng.uniform(0.3, 0.45)) * s
    Ts = Tk + float(rng.uniform(0.25, 0.35)) * s
    Tr = Ts + float(rng.uniform(0.1, 0.14)) * s
    Tf = Tr + 0.2 * s
    Te = Tf + 0.45 * s
    duration = Te + post
    throw = int(rng.integers(2))
    tc, gc = ("hand_l", "hand_r") if throw == 0 else ("hand_r", "hand_l")
    front, back = ("foot_l", "foot_r") if throw == 1 else ("foot_r", "foot_l")
    keys = Keys()
    glove = (0.12 * h, -0.08 * h)
    for t in (0.0, pre):
        standing_keys(keys, shape, x0, t, stance=0.12, yaw=0.3, hands=(glove, glove))
    keys.add(front, Tk, (x0 + f * 0.05 * h, ah + float(rng.uniform(0.22, 0.35)) * h * amp))
    keys.add(back, Tk, (x0 - f * 0.05 * h, ah))
    keys.add("hip", Tk, (x0 - f * 0.02 * h, hs * 0.97))
    keys.add("torso", Tk, (-0.05, 0.2, 0.2, 0.4))
    keys.add(tc, Tk, (0.1 * h, -0.02 * h))
    keys.add(gc, Tk, (0.11 * h, -0.03 * h))
    stride = x0 + f * float(rng.uniform(0.4, 0.55)) * h * amp
    keys.add(front, Ts, (stride, ah))
    keys.add(back, Ts, (x0 - f * 0.05 * h, ah))
    keys.add("hip", Ts, (x0 + f * 0.15 * h, hs * 0.85))
    keys.add("torso", Ts, (0.2, 0.6, 0.5, 0.6))
    keys.add(tc, Ts, (-0.25 * h, 0.12 * h))
    keys.add(gc, Ts, (0.25 * h, 0.02 * h))
    keys.add(tc, Tr, (0.2 * h, float(rng.uniform(0.15, 0.28)) * h))
    keys.add(gc, Tr, (0.05 * h, -0.15 * h))
    keys.add("hip", Tr, (x0 + f * 0.25 * h, hs * 0.86))
    keys.add("torso", Tr, (0.6, 1.0, 0.9, 0.9))
    keys.add(tc, Tf, (0.15 * h, -0.35 * h))
    keys.add("torso", Tf, (0.95, 1.2, 1.1, 1.0))
    keys.add("hip", Tf, (x0 + f * 0.3 * h, hs * 0.85))
    keys.add(back, Tf, (x0 + f * 0.1 * h, ah + 0.15 * h))
    keys.add(front, Tf, (stride, ah))
    standing_keys(keys, shape, stride - f * 0.12 * h, Te, stance=0.15, yaw=0.8,
                  hands=((0.1 * h, -0.2 * h), (0.05 * h, -0.28 * h)))
    standing_keys(keys, shape, stride - f * 0.12 * h, duration, stance=0.15, yaw=0.8)
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name="pitch", shape=shape, facing=f, duration=duration, tracks=keys.tracks())


def keeper_dive(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
                pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0) -> KeyedMotion:
    """A goalkeeper facing the camera side-steps, dives sideways to the ground, lies, gets up."""
    h, f = shape.height, facing
    hs, ah = shape.standing_hip_height, shape.ankle_height
    s = 1.0 / speed
    ready = ((0.12 * h, -0.12 * h), (0.1 * h, -0.12 * h))
    keys = Keys()
    standing_keys(keys, shape, x0, 0.0, crouch=0.4, yaw=1.4, stance=0.22, hands=ready)
    standing_keys(keys, shape, x0 + f * 0.1, pre, crouch=0.45, yaw=1.4, stance=0.22, hands=ready)
    Tp = pre + float(rng.uniform(0.12, 0.2)) * s       # push off
    Tg = Tp + float(rng.uniform(0.35, 0.5)) * s        # on the ground
    Tu = Tg + float(rng.uniform(0.4, 0.8)) * s         # starts to get up
    Te = Tu + 0.6 * s
    duration = Te + post
    reach = float(rng.uniform(1.2, 2.0)) * amp
    low = float(rng.uniform(0.55, 0.95)) if rng.random() < 0.3 else 0.2
    keys.add("hip", Tp, (x0 + f * 0.2, hs * 0.7))
    keys.add("torso", Tp, (0.5, 1.3, 1.3, 1.3))
    mid = 0.5 * (Tp + Tg)
    keys.add("hip", mid, (x0 + f * 0.6 * reach, hs * 0.75 * max(low, 0.6)))
    keys.add("torso", mid, (1.2, 1.3, 1.3, 1.3))
    keys.add("hip", Tg, (x0 + f * reach, low * hs * 0.5 + 0.15))
    keys.add("torso", Tg, (1.45, 1.3, 1.3, 1.3))
    for ch in ("hand_l", "hand_r"):
        keys.add(ch, mid, (0.3 * h, 0.08 * h))
        keys.add(ch, Tg, (0.32 * h, float(rng.uniform(-0.02, 0.1)) * h))
        keys.add(ch, Tu, (0.3 * h, -0.05 * h))
    for ch, dx in (("foot_l", 0.1), ("foot_r", -0.1)):
        keys.add(ch, Tp, (x0 + f * 0.15 + dx * h * 0.5, ah))
        keys.add(ch, mid, (x0 + f * (0.35 * reach) + dx * h * 0.3, ah + 0.15 * h))
        keys.add(ch, Tg, (x0 + f * (reach - 0.45 * h) + dx * h * 0.3, ah + 0.05))
        keys.add(ch, Tu, (x0 + f * (reach - 0.45 * h) + dx * h * 0.3, ah + 0.05))
    keys.add("hip", Tu, (x0 + f * reach, low * hs * 0.5 + 0.15))
    keys.add("torso", Tu, (1.3, 1.3, 1.3, 1.3))
    standing_keys(keys, shape, x0 + f * (reach - 0.3 * h), Te, crouch=0.3, yaw=1.3, stance=0.2)
    standing_keys(keys, shape, x0 + f * (reach - 0.3 * h), duration, yaw=1.2, stance=0.18)
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name="keeper_dive", shape=shape, facing=f, duration=duration, tracks=keys.tracks())


def juggle(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
           pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0) -> KeyedMotion:
    """Keepy-uppy: the ball kept up with small touches of one foot or both, arms out for balance."""
    h, f = shape.height, facing
    hs, ah = shape.standing_hip_height, shape.ankle_height
    period = float(rng.uniform(0.45, 0.7)) / speed
    touches = int(rng.integers(3, 7))
    both = rng.random() < 0.5
    first = int(rng.integers(2))
    duration = pre + touches * period + post
    arms = ((float(rng.uniform(0.0, 0.1)) * h, -0.2 * h), (float(rng.uniform(-0.05, 0.05)) * h, -0.22 * h))
    keys = Keys()
    standing_keys(keys, shape, x0, 0.0, stance=0.1, hands=arms)
    touch_times = []
    for k in range(touches):
        t = pre + k * period
        foot = (first + k) % 2 if both else first
        ch = "foot_l" if foot == 0 else "foot_r"
        other = "foot_r" if foot == 0 else "foot_l"
        base = x0 + (0.06 if foot == 0 else -0.06) * h
        keys.add(ch, t, (base, ah))
        keys.add(ch, t + 0.45 * period, (x0 + f * 0.14 * h, ah + float(rng.uniform(0.15, 0.3)) * h * amp))
        keys.add(ch, t + 0.9 * period, (base, ah))
        keys.add(other, t + 0.45 * period, (x0 + (0.06 if foot == 1 else -0.06) * h, ah))
        keys.add("hip", t + 0.45 * period, (x0 + float(rng.normal(0, 0.02)) * h, hs * 0.96))
        keys.add("torso", t + 0.45 * period, (0.2, 0.8, 0.7, 0.3))
        keys.add("hand_l", t + 0.45 * period, (arms[0][0], arms[0][1] + float(rng.uniform(0, 0.08)) * h))
        keys.add("hand_r", t + 0.45 * period, (arms[1][0], arms[1][1] + float(rng.uniform(0, 0.08)) * h))
        touch_times.append(t + 0.45 * period)
    standing_keys(keys, shape, x0, duration, stance=0.1, hands=arms)
    clamp_keys(keys, 0.0, duration)
    motion = KeyedMotion(name="juggle", shape=shape, facing=f, duration=duration, tracks=keys.tracks())
    motion.data = {"touches": touch_times, "period": period, "radius": 0.11}

    def props(m: KeyedMotion, t: float, skel: Skeleton) -> list:
        d = m.data
        hip_x = float(skel.points[23][0])
        # Between touches the ball rises and falls in front of the body.
        u = ((t - d["touches"][0]) / d["period"]) % 1.0 if t >= d["touches"][0] else 0.0
        y = 0.35 + 0.9 * 4 * u * (1 - u)
        return [Ball(hip_x + m.facing * 0.25, float(y), d["radius"], SOCCER_BALL)]

    motion.prop_fn = props
    return motion


def chest_pass(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
               pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0) -> KeyedMotion:
    """A basketball chest or overhead pass: a step in, both arms pushed out, then back to ready."""
    h, f = shape.height, facing
    s = 1.0 / speed
    overhead = rng.random() < 0.3
    start = ((0.12 * h, 0.2 * h), (0.1 * h, 0.2 * h)) if overhead else ((0.13 * h, -0.06 * h), (0.12 * h, -0.06 * h))
    Tp = pre + float(rng.uniform(0.2, 0.3)) * s
    Te = Tp + float(rng.uniform(0.25, 0.4)) * s
    duration = Te + 0.3 * s + post
    keys = Keys()
    standing_keys(keys, shape, x0, 0.0, crouch=0.2, stance=0.15, hands=start)
    standing_keys(keys, shape, x0, pre, crouch=0.25, stance=0.15, hands=start)
    out = (0.3 * h * amp, 0.12 * h if overhead else -0.04 * h)
    keys.add("hand_l", Tp, out)
    keys.add("hand_r", Tp, (out[0] - 0.01 * h, out[1]))
    keys.add("hip", Tp, (x0 + f * 0.1 * h, shape.standing_hip_height * 0.9))
    keys.add("foot_l", Tp, (x0 + f * 0.25 * h, shape.ankle_height))
    standing_keys(keys, shape, x0 + f * 0.1 * h, Te, crouch=0.2, stance=0.18)
    standing_keys(keys, shape, x0 + f * 0.1 * h, duration, stance=0.18)
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name="chest_pass", shape=shape, facing=f, duration=duration, tracks=keys.tracks())


def cross(shape, rng, x0, facing, **kw) -> KeyedMotion:
    """A lofted cross: a shot's run-up and swing, body leaning back, foot wrapping across."""
    return soccer_shooting(shape, rng, x0, facing, kind="cross", **kw)


def ground_pass(shape, rng, x0, facing, **kw) -> KeyedMotion:
    """A firm side-foot pass along the ground: quicker than a slow pass, no full swing."""
    return soccer_shooting(shape, rng, x0, facing, kind="pass", **kw)


ACTIVE_BUILDERS = {
    "pitch": pitch, "keeper_dive": keeper_dive, "juggle": juggle, "chest_pass": chest_pass,
    "cross": cross, "ground_pass": ground_pass,
}
