"""Background play: standing, walking, jogging, dribbling and warm-up stretches.

These fill the `none` class, the stretches between events in a game, and every distractor.
All take a BodyShape, a random generator, a start x, a facing (+1 right, -1 left) and a
duration, and return a KeyedMotion.
"""

from __future__ import annotations

import numpy as np

from highlights.synth.body import HIP_CENTRE, L_HAND, R_HAND, BodyShape, Skeleton
from highlights.synth.motion import (
    JOG, RUN, WALK, Ball, Gait, KeyedMotion, Keys, add_gait, clamp_keys, integrate_speed,
)

BASKETBALL = (235, 110, 30)
SOCCER_BALL = (245, 245, 245)


def standing_keys(keys: Keys, shape: BodyShape, x0: float, t: float, *, crouch: float = 0.0,
                  stance: float = 0.09, lean: float = 0.05, yaw: float = 0.6,
                  hands=None) -> None:
    """Keys for a relaxed (or crouched, crouch in [0,1]) standing pose at time t."""
    h = shape.height
    hip_y = shape.standing_hip_height * (1.0 - 0.32 * crouch)
    keys.add("hip", t, (x0, hip_y))
    keys.add("torso", t, (lean + 0.4 * crouch, yaw, yaw * 0.8, yaw * 0.6))
    keys.add("foot_l", t, (x0 + stance * h * 0.5 + shape.hip_half_width * 0.4, shape.ankle_height))
    keys.add("foot_r", t, (x0 - stance * h * 0.5 - shape.hip_half_width * 0.4, shape.ankle_height))
    hl, hr = hands if hands is not None else ((0.02 * h, -0.31 * h), (0.0, -0.31 * h))
    keys.add("hand_l", t, hl)
    keys.add("hand_r", t, hr)


def stand(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, duration: float,
          *, style: str = "idle") -> KeyedMotion:
    """Standing about: weight shifts, turning the head and shoulders, arms moving a little.

    style: "idle", "ready" (a fielder's or defender's crouch with small bounces) or "crouch"
    (a catcher).
    """
    h = shape.height
    keys = Keys()
    crouch = {"idle": 0.0, "ready": 0.45, "crouch": 1.0}[style]
    hands_on_hips = style == "idle" and rng.random() < 0.3
    t = 0.0
    while True:
        sway = float(rng.normal(0.0, 0.015 * h))
        yaw = float(rng.uniform(0.4, 1.3))
        if style == "ready":
            hands = ((0.14 * h, -0.22 * h), (0.12 * h, -0.23 * h))
        elif style == "crouch":
            hands = ((0.16 * h, -0.12 * h), (0.12 * h, -0.18 * h))
        elif hands_on_hips:
            hands = ((-0.03 * h, -0.17 * h), (-0.03 * h, -0.17 * h))
        else:
            hands = ((float(rng.normal(0.02, 0.025)) * h, -0.31 * h),
                     (float(rng.normal(0.0, 0.025)) * h, -0.31 * h))
        standing_keys(keys, shape, x0, t, crouch=crouch + float(rng.uniform(-0.05, 0.05)) * (crouch > 0),
                      yaw=yaw, hands=hands)
        # Move the hip key by the sway (standing_keys put it at x0).
        keys.channels["hip"][-1] = (t, (x0 + sway, keys.channels["hip"][-1][1][1]))
        if t >= duration:
            break
        t = min(duration, t + float(rng.uniform(0.5, 1.1)))
    return KeyedMotion(name=f"stand_{style}", shape=shape, facing=facing, duration=duration,
                       tracks=keys.tracks())


def locomote(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, duration: float,
             *, speed: float | None = None, gait: Gait = WALK, amp: float = 1.0) -> KeyedMotion:
    """Walking, jogging or running at a steady speed (m/s) in the facing direction."""
    if speed is None:
        speed = {"walk": rng.uniform(1.0, 1.6), "jog": rng.uniform(2.4, 3.6),
                 "run": rng.uniform(4.0, 5.5)}[gait.name]
    cadence = gait.cadence * float(rng.uniform(0.9, 1.1)) * (0.85 + 0.15 * speed / max(speed, 1e-3))
    gait = Gait(gait.name, cadence, gait.stance, gait.lift, gait.hip_height, gait.bob,
                gait.arm_forward, gait.arm_back, gait.lean)
    keys = Keys()
    x_of = integrate_speed([(0.0, speed), (duration, speed)], -2.0, duration + 2.0, x0, facing)
    # integrate_speed starts at -2 s; re-anchor so x(0) == x0.
    shift = x0 - x_of(0.0)

    def path(t: float) -> float:
        return x_of(t) + shift

    add_gait(keys, shape, gait, facing, path, 0.0, duration,
             anchor=float(rng.uniform(0, 1.0 / gait.cadence)), amp=amp)
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name=gait.name, shape=shape, facing=facing, duration=duration,
                       tracks=keys.tracks())


def walk(shape, rng, x0, facing, duration, **kw) -> KeyedMotion:
    return locomote(shape, rng, x0, facing, duration, gait=WALK, **kw)


def jog(shape, rng, x0, facing, duration, **kw) -> KeyedMotion:
    return locomote(shape, rng, x0, facing, duration, gait=JOG, **kw)


def run(shape, rng, x0, facing, duration, **kw) -> KeyedMotion:
    return locomote(shape, rng, x0, facing, duration, gait=RUN, **kw)


def _bounce_height(t: float, period: float, phase: float, top: float, radius: float) -> float:
    """Height of a dribbled ball's centre: leaves the hand at `top`, hits the floor mid-period."""
    u = ((t / period) + phase) % 1.0
    return radius + (top - radius) * abs(np.cos(np.pi * u))


def dribble_basketball(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int,
                       duration: float, *, speed: float | None = None) -> KeyedMotion:
    """Bouncing a basketball while standing or walking (speed 0 stands)."""
    h = shape.height
    if speed is None:
        speed = float(rng.choice([0.0, rng.uniform(0.8, 1.5)]))
    hand = int(rng.integers(2))               # 0 left, 1 right
    period = float(rng.uniform(0.45, 0.7))
    phase = float(rng.uniform(0, 1))
    keys = Keys()
    if speed > 0:
        motion = locomote(shape, rng, x0, facing, duration, speed=speed, gait=WALK)
        keys.channels.update({k: [(t, v) for t, v in zip(tr.times, tr.values)]
                              for k, tr in motion.tracks.items()})
        keys.channels["hand_l" if hand == 0 else "hand_r"] = []
    else:
        t = 0.0
        while True:
            standing_keys(keys, shape, x0 + float(rng.normal(0, 0.01)), t, crouch=0.25,
                          yaw=float(rng.uniform(0.4, 1.0)), stance=0.16)
            keys.channels["hand_l" if hand == 0 else "hand_r"].pop()
            if t >= duration:
                break
            t = min(duration, t + float(rng.uniform(0.6, 1.2)))
    ch = "hand_l" if hand == 0 else "hand_r"
    # The dribbling hand pushes the ball down at the top of each bounce and rises to meet it.
    n = int(np.ceil(duration / period)) + 2
    for k in range(-1, n):
        t_top = (k - phase) * period
        keys.add(ch, t_top, (0.2 * h, -0.3 * h))
        keys.add(ch, t_top + 0.5 * period, (0.21 * h, -0.22 * h))
    clamp_keys(keys, 0.0, duration)
    data = {"hand": hand, "period": period, "phase": phase, "radius": 0.12}

    def props(m: KeyedMotion, t: float, skel: Skeleton) -> list:
        tip = skel.points[L_HAND if m.data["hand"] == 0 else R_HAND]
        r = m.data["radius"]
        y = _bounce_height(t, m.data["period"], m.data["phase"], tip[1] - r, r)
        return [Ball(float(tip[0]), float(y), r, BASKETBALL)]

    return KeyedMotion(name="dribble_basketball", shape=shape, facing=facing, duration=duration,
                       tracks=keys.tracks(), prop_fn=props, data=data)


def dribble_soccer(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int,
                   duration: float, *, speed: float | None = None) -> KeyedMotion:
    """Running with a football at the feet, touching it ahead every stride."""
    if speed is None:
        speed = float(rng.uniform(1.2, 3.0))
    gait = WALK if speed < 2.0 else JOG
    motion = locomote(shape, rng, x0, facing, duration, speed=speed, gait=gait)
    period = 1.0 / gait.cadence
    motion.name = "dribble_soccer"
    motion.data = {"lead": float(rng.uniform(0.25, 0.45)), "period": period,
                   "phase": float(rng.uniform(0, 1)), "radius": 0.11}

    def props(m: KeyedMotion, t: float, skel: Skeleton) -> list:
        d = m.data
        u = ((t / d["period"]) + d["phase"]) % 1.0
        # A touch pushes the ball ahead; it rolls back towards the feet as the runner catches up.
        ahead = d["lead"] + 0.35 * np.exp(-4.0 * u) * (1 - np.exp(-40 * u))
        hip_x = float(skel.points[HIP_CENTRE][0])
        return [Ball(hip_x + m.facing * ahead, d["radius"], d["radius"], SOCCER_BALL)]

    motion.prop_fn = props
    return motion


def stretch(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, duration: float,
            *, kind: str | None = None) -> KeyedMotion:
    """Warm-up stretches: overhead side bend, quad hold, lunges, arm circles, toe touches."""
    h = shape.height
    kind = kind or str(rng.choice(["overhead", "quad", "lunge", "arm_circles", "toe_touch"]))
    keys = Keys()
    hs = shape.standing_hip_height
    ah = shape.ankle_height
    standing_keys(keys, shape, x0, 0.0)
    period = float(rng.uniform(1.6, 3.0))
    if kind == "arm_circles":
        period = float(rng.uniform(0.8, 1.3))
    t = 0.0
    step = period / 8.0
    k = 0
    while t <= duration + step:
        u = 2 * np.pi * t / period
        if kind == "overhead":
            bend = 0.35 * np.sin(u)
            keys.add("torso", t, (bend, 1.4, 1.4, 1.3))
            keys.add("hip", t, (x0 - facing * 0.03 * h * np.sin(u), hs * 0.99))
            keys.add("hand_l", t, (0.02 * h, 0.27 * h))
            keys.add("hand_r", t, (-0.02 * h, 0.27 * h))
            keys.add("foot_l", t, (x0 + 0.12 * h, ah))
            keys.add("foot_r", t, (x0 - 0.12 * h, ah))
        elif kind == "quad":
            wobble = 0.01 * h * np.sin(3 * u)
            keys.add("hip", t, (x0 + wobble, hs * 0.99))
            keys.add("torso", t, (0.05, 0.5, 0.4, 0.3))
            keys.add("foot_l", t, (x0, ah))
            keys.add("foot_r", t, (x0 - facing * 0.14 * h, hs - 0.12 * h))
            keys.add("hand_l", t, (0.03 * h, -0.3 * h))
            keys.add("hand_r", t, (-0.13 * h, -0.37 * h))
        elif kind == "lunge":
            down = 0.5 - 0.5 * np.cos(u)
            keys.add("hip", t, (x0 + facing * 0.1 * h * down, hs * (1 - 0.3 * down)))
            keys.add("torso", t, (0.05, 0.5, 0.4, 0.3))
            keys.add("foot_l", t, (x0 + facing * 0.3 * h, ah))
            keys.add("foot_r", t, (x0 - facing * 0.2 * h, ah + 0.03 * h * down))
            keys.add("hand_l", t, (-0.03 * h, -0.17 * h))
            keys.add("hand_r", t, (-0.03 * h, -0.17 * h))
        elif kind == "arm_circles":
            r = 0.3 * h
            keys.add("hand_l", t, (r * np.cos(u), r * np.sin(u)))
            keys.add("hand_r", t, (r * np.cos(u + np.pi), r * np.sin(u + np.pi)))
            keys.add("hip", t, (x0, hs * 0.99))
            keys.add("torso", t, (0.02, 0.9, 0.8, 0.7))
            keys.add("foot_l", t, (x0 + 0.1 * h, ah))
            keys.add("foot_r", t, (x0 - 0.1 * h, ah))
        else:  # toe touch
            down = 0.5 - 0.5 * np.cos(u)
            keys.add("torso", t, (1.3 * down, 0.5, 0.4, 0.3))
            keys.add("hip", t, (x0 - facing * 0.08 * h * down, hs * (1 - 0.05 * down)))
            keys.add("hand_l", t, (0.05 * h + 0.1 * h * down, -0.3 * h - 0.1 * h * down))
            keys.add("hand_r", t, (0.04 * h + 0.1 * h * down, -0.3 * h - 0.1 * h * down))
            keys.add("foot_l", t, (x0 + 0.06 * h, ah))
            keys.add("foot_r", t, (x0 - 0.06 * h, ah))
        t += step
        k += 1
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name=f"stretch_{kind}", shape=shape, facing=facing, duration=duration,
                       tracks=keys.tracks())


__all__ = [
    "BASKETBALL", "SOCCER_BALL", "dribble_basketball", "dribble_soccer", "jog", "locomote", "run",
    "stand", "standing_keys", "stretch", "walk",
]
