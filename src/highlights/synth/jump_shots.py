"""Basketball shots without a run-up: the standing or stepping jump shot and the free throw.

Most real basketball footage of a shot is a jump shot or a free throw, not a layup: ball at the
chest, a knee dip, the ball raised to a set point above the forehead, released at the top of the
jump with the shooting arm extended (a free throw: the same arm, no jump), the follow-through held.
The ball's flight reuses the layup's (`ball_flight.layup_ball`): from the hand to the rim.
"""

from __future__ import annotations

import numpy as np

from highlights.synth.actions import RIM_HEIGHT
from highlights.synth.background import standing_keys
from highlights.synth.ball_flight import layup_ball
from highlights.synth.body import L_HAND, R_HAND, BodyShape, skeleton
from highlights.synth.motion import GRAVITY, KeyedMotion, Keys, clamp_keys


def jump_shot(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
              pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0,
              free_throw: bool = False) -> KeyedMotion:
    h, f = shape.height, facing
    hs = shape.standing_hip_height
    s = 1.0 / speed
    jump = 0.0 if free_throw else float(rng.uniform(0.1, 0.35)) * amp
    flight = float(np.sqrt(8 * jump / GRAVITY)) if jump > 0 else 0.0
    Td = pre + float(rng.uniform(0.22, 0.4)) * s          # bottom of the knee dip
    To = Td + 0.12 * s                                     # take-off (legs extended)
    if free_throw:
        release = To + 0.08 * s
        Tl = release + 0.1 * s
    else:
        release = To + float(rng.uniform(0.4, 0.6)) * flight
        Tl = To + flight
    Thold = max(release, Tl) + float(rng.uniform(0.25, 0.6)) * s   # follow-through held
    Tr = Thold + 0.35 * s
    duration = Tr + post
    shoot = int(rng.integers(2))
    sc, oc = ("hand_l", "hand_r") if shoot == 0 else ("hand_r", "hand_l")
    stance = float(rng.uniform(0.12, 0.2))
    chest = (0.13 * h, float(rng.uniform(-0.1, -0.02)) * h)
    keys = Keys()
    for t in (0.0, pre):
        standing_keys(keys, shape, x0, t, stance=stance, yaw=0.7, hands=(chest, (chest[0] - 0.01 * h, chest[1])))
    dip = float(rng.uniform(0.78, 0.9))
    keys.add("hip", Td, (x0, hs * dip))
    keys.add("torso", Td, (0.22, 0.7, 0.6, 0.5))
    keys.add(sc, Td, (0.15 * h, -0.04 * h))
    keys.add(oc, Td, (0.14 * h, -0.03 * h))
    set_point = (float(rng.uniform(0.04, 0.1)) * h, float(rng.uniform(0.16, 0.24)) * h)
    keys.add("hip", To, (x0, hs * 0.99))
    keys.add("torso", To, (0.05, 0.7, 0.6, 0.5))
    keys.add(sc, To, set_point)
    keys.add(oc, To, (set_point[0] - 0.02 * h, set_point[1] - 0.02 * h))
    if flight > 0:
        _jump_keys(keys, shape, rng, x0, f, take_off=To, flight=flight, jump=jump, stance=stance)
    else:
        keys.add("hip", release, (x0, hs * 1.0 + 0.02))    # up on the toes
    reach = (float(rng.uniform(0.1, 0.18)) * h, float(rng.uniform(0.36, 0.42)) * h)
    keys.add(sc, release, reach)
    guide = (reach[0] - 0.05 * h, reach[1] - float(rng.uniform(0.05, 0.12)) * h)
    keys.add(oc, release, guide)
    keys.add("torso", release, (0.0, 0.7, 0.6, 0.5))
    keys.add("hip", Tl + 0.1 * s, (x0, hs * 0.9))
    keys.add(sc, Thold, (reach[0] + 0.02 * h, reach[1] - 0.03 * h))
    keys.add(oc, Thold, (0.08 * h, -0.15 * h) if rng.random() < 0.5 else (guide[0], guide[1] - 0.05 * h))
    standing_keys(keys, shape, x0, Tr, stance=stance, yaw=0.7)
    standing_keys(keys, shape, x0, duration, stance=stance, yaw=0.7)
    clamp_keys(keys, 0.0, duration)
    name = "free_throw" if free_throw else "jump_shot"
    motion = KeyedMotion(name=name, shape=shape, facing=f, duration=duration, tracks=keys.tracks(),
                         action=(max(0.0, pre - 0.1), release, min(duration, Thold)))
    _aim_at_the_rim(motion, rng, shoot=shoot, release=release, free_throw=free_throw)
    return motion


def _jump_keys(keys: Keys, shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *, take_off: float,
               flight: float, jump: float, stance: float) -> None:
    """The hips and feet through the jump's flight, `jump` high, drifting a little forward."""
    h, hs, ah = shape.height, shape.standing_hip_height, shape.ankle_height
    drift = facing * float(rng.uniform(-0.05, 0.15))
    for u in np.linspace(0, 1, 7):
        t = take_off + u * flight
        y = hs * 0.99 + 4 * jump * u * (1 - u)
        keys.add("hip", t, (x0 + drift * u, y))
        for ch, dx in (("foot_l", 1), ("foot_r", -1)):
            keys.add(ch, t, (x0 + drift * u + dx * (stance * h * 0.5 + shape.hip_half_width * 0.4),
                             ah + 4 * jump * u * (1 - u)))


def _aim_at_the_rim(motion: KeyedMotion, rng: np.random.Generator, *, shoot: int, release: float,
                    free_throw: bool) -> None:
    """The rim placed a shot's distance ahead of the shooting hand at release (a free throw's
    4.2 m), and the ball's flight to it."""
    f = motion.facing
    tip = skeleton(motion.shape, motion.pose(release)).points[L_HAND if shoot == 0 else R_HAND]
    distance = 4.2 if free_throw else float(rng.uniform(2.5, 7.0))
    rim_x = float(tip[0] + f * distance)
    motion.data = {"shoot": shoot, "Tg": -1.0, "release": release, "period": 0.5,
                   "rim": (rim_x, RIM_HEIGHT), "shot": True,
                   "ball_flight": float(0.55 + 0.08 * distance * rng.uniform(0.9, 1.1)), "radius": 0.12}
    motion.fixtures = {"hoop": {"x": rim_x, "y": RIM_HEIGHT, "facing": f}}
    motion.prop_fn = layup_ball


def free_throw(shape, rng, x0, facing, **kw) -> KeyedMotion:
    return jump_shot(shape, rng, x0, facing, free_throw=True, **kw)
