"""The highlight actions and the confusers that resemble them.

Each action is written so that the kinematics the pipeline triggers on are really there in the
keypoints: a wrist-speed peak at bat-ball contact (`baseball_swing`), a vertical hip rise of a
jump towards the rim (`basketball_layup`), an ankle-speed peak at ball contact
(`soccer_shooting`). The confusers (`check_swing`, `take_pitch`, `jump_no_shot`, `slow_pass`)
share most of their action's movement but lack the defining part, and are labelled `none`.

Every builder takes `pre` and `post` seconds of natural lead-in/lead-out around the action,
`amp` (how pronounced the movement is, ~0.6-1.1) and `speed` (a time scale, ~0.8-1.25), and
returns a KeyedMotion whose `action` is (start, key, end) for the real actions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from highlights.synth.background import standing_keys
from highlights.synth.ball_flight import kicked_ball, layup_ball, pitched_ball
from highlights.synth.body import (
    L_HAND, L_WRIST, R_HAND, R_WRIST, BodyShape, Skeleton, skeleton,
)
from highlights.synth.motion import (
    GRAVITY, JOG, WALK, Bat, KeyedMotion, Keys, add_gait, clamp_keys, integrate_speed,
)

RIM_HEIGHT = 3.05
BAT_LENGTH = 0.86
HAND_GAP = 0.09


# ---------------------------------------------------------------------------- baseball

def _bat_direction(facing: int, elevation: float, sweep: float) -> np.ndarray:
    """Projected bat direction: the bat turns in 3D (sweep about the vertical, elevation up),
    and the camera sees its shadow on the image plane, foreshortened as it points at us."""
    return np.array([facing * np.cos(elevation) * np.cos(sweep), np.sin(elevation)])


def _swing_times(rng: np.random.Generator, pre: float, s: float) -> list[float]:
    """T0..T7: the ends of the stance, load, stride, launch, contact, extension, follow-through
    and finish; `s` scales every phase."""
    t_load, t_stride = rng.uniform(0.22, 0.34) * s, rng.uniform(0.16, 0.26) * s
    t_launch, t_contact = rng.uniform(0.06, 0.09) * s, rng.uniform(0.08, 0.12) * s
    t_ext, t_follow, t_finish = 0.06 * s, rng.uniform(0.13, 0.19) * s, rng.uniform(0.18, 0.3) * s
    times = [pre]
    for phase in (t_load, t_stride, t_launch, t_contact, t_ext, t_follow, t_finish):
        times.append(times[-1] + phase)
    return times


def _stance_keys(key, rng: np.random.Generator, T0: float, hu0: float, front_x: float) -> None:
    """The stance up to T0: the batter waggles the bat at irregular beats."""
    t = 0.0
    while t < T0 - 1e-6:
        w = float(rng.uniform(-1, 1))
        key(t, -0.02, 0.93, 0.3, 1.0, 0.8, -0.10 + 0.01 * w, hu0, 68 + 6 * w, 168 - 8 * w, front_x)
        t += float(rng.uniform(0.22, 0.35))


def _swing_keys(key, mode: str, times: list[float], *, s: float, amp: float, hu0: float, fu: float,
                front_x: float, lifted_x: float, stride_x: float) -> tuple[float, tuple, tuple | None]:
    """Load, stride, then what the mode does (swing through, check, take). Returns the finish
    time, the relaxed pose after it and, for a swing, the action (start, contact, end)."""
    T0, T1, T2, T3, T4, T5, T6, T7 = times
    key(T0, -0.02, 0.93, 0.3, 1.0, 0.8, -0.10, hu0, 70, 170, front_x)
    key(T1, -0.06, 0.92, 0.32, 1.25, 1.0, -0.17, hu0 + 0.03, 60, 175, lifted_x, lift=0.05 * amp)
    key(T2, 0.01, 0.90, 0.30, 1.2, 0.7, -0.15, hu0, 45, 180, stride_x)
    if mode == "swing":
        key(T3, 0.04, 0.89, 0.28, 0.9, 0.3, -0.05, 0.70, 10, 165, stride_x)
        key(T4, 0.07, 0.89, 0.25, 0.35, 0.1, 0.08 + 0.12 * amp, 0.60, -5, 0, stride_x)
        key(T5, 0.08, 0.90, 0.22, 0.2, 0.05, 0.14 + 0.16 * amp, 0.66, 15, -60, stride_x, back_heel=0.02)
        key(T6, 0.08, 0.92, 0.15, 0.05, 0.05, 0.10, fu - 0.04, 40, -140, stride_x, back_heel=0.04)
        key(T7, 0.07, 0.93, 0.12, 0.1, 0.1, -0.02, fu, 55, -175, stride_x, back_heel=0.04)
        return T7, (0.07, 0.97, 0.08, 0.5, 0.4, 0.12, 0.55, -45, 20), (T0, T4, T7)
    if mode == "check":
        T4c = T3 + 0.13 * s
        key(T3, 0.04, 0.89, 0.28, 0.95, 0.4, -0.06, 0.71, 12, 165, stride_x)
        key(T4c, 0.05, 0.89, 0.27, 0.8, 0.35, 0.02, 0.66, 8, 95, stride_x)
        key(T4c + 0.12 * s, 0.04, 0.90, 0.28, 0.9, 0.45, 0.0, 0.68, 12, 105, stride_x)
        T7 = T4c + 0.5 * s
        key(T7, -0.02, 0.93, 0.3, 1.0, 0.8, -0.10, 0.78, 55, 160, stride_x)
        return T7, (-0.02, 0.95, 0.2, 0.9, 0.7, -0.02, 0.6, -30, 30), None
    # take the pitch
    T7 = T2 + 0.45 * s
    key(T7, -0.01, 0.92, 0.3, 1.1, 0.8, -0.12, 0.79, 60, 172, stride_x)
    return T7, (-0.02, 0.95, 0.2, 0.9, 0.7, -0.02, 0.6, -30, 30), None


def _hands_on_handle(tracks: dict, rng: np.random.Generator, *, x0: float, f: int, h: float,
                     one_handed: bool, T5: float) -> int:
    """Replaces the hands and bat keys in `tracks` by the two wrists on the handle: the lower hand
    at the hands key, the upper one up the bat (or, one-handed, let go after contact). Returns
    which hand is lower on the handle."""
    hand_track = tracks.pop("hands")
    bat_track = tracks.pop("bat")
    lead = int(rng.integers(2))   # which hand is lower on the handle

    # The two wrists sit on the handle: lower hand at the hands key, upper hand up the bat.
    wrist_keys = Keys()
    # A one-handed follow-through: the top hand lets go after contact and drops in front.
    free_hand = np.array([x0 + f * float(rng.uniform(-0.05, 0.15)) * h, float(rng.uniform(0.45, 0.65)) * h])
    for t in hand_track.times:
        p = hand_track(t)
        e, sw = bat_track(t)
        upper = p + HAND_GAP * _bat_direction(f, e, sw)
        if one_handed and t > T5 + 1e-6:
            upper = free_hand
        wrist_keys.add("hand_l" if lead == 0 else "hand_r", t, p)
        wrist_keys.add("hand_r" if lead == 0 else "hand_l", t, upper)
    tracks.update(wrist_keys.tracks())
    tracks["bat"] = bat_track
    return lead


def _bat_and_pitch(m: KeyedMotion, t: float, skel: Skeleton) -> list:
    """The batter's props: the bat in the lower hand, and the pitched ball around contact."""
    e, sw = m.tracks["bat"](t)
    direction = _bat_direction(m.facing, e, sw)
    low = skel.points[L_WRIST if m.data["lead"] == 0 else R_WRIST]
    knob = low - 0.05 * direction
    tip = low + BAT_LENGTH * direction
    out: list = [Bat((float(knob[0]), float(knob[1])), (float(tip[0]), float(tip[1])),
                     m.data["bat_colour"])]
    pitch = m.data.get("pitch")
    if pitch is not None:
        out.extend(pitched_ball(m, t, pitch))
    return out


def baseball_swing(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
                   pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0,
                   mode: str = "swing") -> KeyedMotion:
    """A batter at the plate (x0 = between the feet).

    mode "swing": stance, load, stride, hip and shoulder rotation, the bat through the zone,
    follow-through. "check": the same start but the bat stops before the zone and comes back.
    "take": load and stride, then the hands stay back (no swing at all).
    """
    h, f = shape.height, facing
    hs = shape.standing_hip_height
    ah = shape.ankle_height
    keys = Keys()
    d = np.deg2rad
    s = 1.0 / speed
    times = _swing_times(rng, pre, s)
    back_x = x0 - f * 0.17 * h
    front_x = x0 + f * 0.16 * h
    stride_x = x0 + f * (0.2 + 0.1 * amp) * h

    def key(t, hip_dx, hip_y, lean, ys, yh, hands_fwd, hands_up, elev, sweep, front, lift=0.0,
            back_heel=0.0):
        keys.add("hip", t, (x0 + f * hip_dx * h, hs * hip_y))
        keys.add("torso", t, (lean, ys, yh, max(0.2, ys * 0.5)))
        keys.add("hands", t, (x0 + f * hands_fwd * h, hands_up * h))
        keys.add("bat", t, (d(elev), d(sweep)))
        keys.add("foot_l", t, (front, ah + lift * h))
        keys.add("foot_r", t, (back_x + f * back_heel * h, ah + back_heel * h))

    # Stance: real batters hold the hands about shoulder height (some higher), waggling the bat.
    hu0 = 0.80 - float(rng.uniform(0.0, 0.1))
    # Follow-through: hands finish anywhere from the chest to above the head.
    fu = float(rng.uniform(0.74, 0.92))
    one_handed = mode == "swing" and rng.random() < 0.5
    _stance_keys(key, rng, times[0], hu0, front_x)
    T7, end_pose, action = _swing_keys(key, mode, times, s=s, amp=amp, hu0=hu0, fu=fu, front_x=front_x,
                                       lifted_x=x0 + f * 0.13 * h, stride_x=stride_x)
    duration = T7 + post
    if post > 0:
        # Relax: the bat drops and the batter stands up.
        hip_dx, hip_y, lean, ys, yh, hf, hu, el, sw = end_pose
        key(T7 + min(post, 0.6 * s), hip_dx, hip_y, lean, ys, yh, hf, hu, el, sw, stride_x)
        key(duration, hip_dx, hip_y, lean, ys, yh, hf, hu, el, sw, stride_x)
    tracks = keys.tracks()
    lead = _hands_on_handle(tracks, rng, x0=x0, f=f, h=h, one_handed=one_handed, T5=times[5])

    name = {"swing": "baseball_swing", "check": "check_swing", "take": "take_pitch"}[mode]
    bat_colour = ((196, 150, 90), (170, 170, 180), (40, 40, 40), (150, 100, 60))[int(rng.integers(4))]
    # The pitch arrives at the contact moment (or where it would have been).
    contact_t = times[4] if mode == "swing" else times[3] + 0.1 * s
    contact = (x0 + f * (0.08 + 0.12 * amp + 0.6) * h * 0.9, 0.62 * h)
    data = {"lead": lead, "bat_colour": bat_colour,
            "pitch": {"t": contact_t, "x": contact[0], "y": contact[1], "hit": mode == "swing",
                      "out": float(rng.uniform(-0.3, 0.5))}}
    return KeyedMotion(name=name, shape=shape, facing=f, duration=duration, tracks=tracks,
                       hands_world=True, action=action, prop_fn=_bat_and_pitch, data=data,
                       fixtures={"plate": {"x": x0 + f * 0.35 * h}})


def check_swing(shape, rng, x0, facing, **kw) -> KeyedMotion:
    return baseball_swing(shape, rng, x0, facing, mode="check", **kw)


def take_pitch(shape, rng, x0, facing, **kw) -> KeyedMotion:
    return baseball_swing(shape, rng, x0, facing, mode="take", **kw)


# ---------------------------------------------------------------------------- basketball

class _LayupTimes(NamedTuple):
    """The moments of a layup (seconds into the motion)."""

    Tg: float        # gather: first step lands, ball in both hands
    Ts2: float       # second (take-off) step lands
    To: float        # take-off
    Tl: float        # landing
    Tr: float        # recovered
    release: float
    duration: float
    flight: float    # time in the air
    step1: float
    step2: float


def _layup_feet(keys: Keys, tm: _LayupTimes, footfalls, path, *, shape: BodyShape, f: int, jump: float,
                plant_foot: int, takeoff_foot: int) -> None:
    """The feet from the gather on: the two steps, the legs in the air, the landing (the drive's
    gait keys from the gather on, and its hip keys, are dropped)."""
    Tg, Ts2, To, Tl, _, _, duration, flight, step1, step2 = tm
    h, hs, ah, jog = shape.height, shape.standing_hip_height, shape.ankle_height, JOG
    # Drop gait foot keys from the gather on; the steps take over.
    for ch in ("foot_l", "foot_r"):
        keys.channels[ch] = [k for k in keys.channels[ch] if k[0] < Tg - 0.02]
    for ch in ("hip",):
        keys.channels[ch] = [k for k in keys.channels[ch] if k[0] < Tg - 0.02]
    last_takeoff_land = max(tl for foot, tl, _ in footfalls if foot == takeoff_foot and tl < Tg)
    pc = "foot_l" if plant_foot == 0 else "foot_r"
    tc = "foot_l" if takeoff_foot == 0 else "foot_r"
    p1 = path(Tg + 0.4 * step1)
    p2 = path(Ts2 + 0.4 * step2)
    keys.add(pc, Tg, (p1, ah))
    keys.add(pc, Ts2 + 0.05, (p1, ah))
    keys.add(tc, last_takeoff_land + jog.stance / jog.cadence, (keys.channels[tc][-1][1][0], ah))
    keys.add(tc, 0.5 * (Tg + Ts2), (0.5 * (p2 + keys.channels[tc][-1][1][0]), ah + 0.1 * h))
    keys.add(tc, Ts2, (p2, ah))
    keys.add(tc, To, (p2 + f * 0.02, ah + 0.01 * h))
    # In the air: the knee of the plant-side leg drives up, the take-off leg trails.
    for u, knee_fwd, knee_up, trail_fwd, trail_up in ((0.25, 0.14, 0.3, -0.06, 0.04),
                                                     (0.55, 0.16, 0.34, -0.1, 0.06),
                                                     (0.85, 0.08, 0.12, -0.02, 0.02)):
        t = To + u * flight
        y_hip = hs * 0.93 - 0.06 + 4 * jump * u * (1 - u)
        keys.add(pc, t, (path(t) + f * knee_fwd * h, y_hip - 0.5 * h + knee_up * h))
        keys.add(tc, t, (path(t) + f * trail_fwd * h, max(ah, y_hip - 0.5 * h + trail_up * h)))
    for ch, dxl in ((pc, 0.05), (tc, -0.05)):
        keys.add(ch, Tl, (path(Tl) + f * dxl * h, ah))
        keys.add(ch, duration, (path(Tl) + f * dxl * h, ah))


def _layup_hip_and_torso(keys: Keys, tm: _LayupTimes, path, *, hs: float, jump: float) -> None:
    """Hip: gather dip, take-off crouch, ballistic flight, landing absorb; the torso leans in to
    the take-off and back at the release."""
    Tg, Ts2, To, Tl, Tr, release, duration, flight, _, _ = tm
    y_to = hs * 0.93 - 0.06
    keys.add("hip", Tg, (path(Tg), hs * 0.94))
    keys.add("hip", Ts2, (path(Ts2), hs * 0.93 - 0.03))
    for u in np.linspace(0, 1, 9):
        t = To + u * flight
        keys.add("hip", t, (path(t), y_to + 4 * jump * u * (1 - u)))
    keys.add("hip", Tl + 0.12, (path(Tl + 0.12), hs * 0.86))
    keys.add("hip", Tr, (path(Tr), hs * 0.98))
    keys.add("hip", duration, (path(duration), hs * 0.98))
    keys.add("torso", 0.0, (0.2, 0.5, 0.4, 0.3))
    keys.add("torso", Tg, (0.18, 0.6, 0.5, 0.3))
    keys.add("torso", To, (0.05, 0.7, 0.6, 0.3))
    keys.add("torso", release, (-0.05, 0.7, 0.6, 0.2))
    keys.add("torso", Tr, (0.05, 0.6, 0.5, 0.4))
    keys.add("torso", duration, (0.05, 0.6, 0.5, 0.4))


def _layup_hands(keys: Keys, tm: _LayupTimes, *, h: float, shoot: int, shot: bool, period: float) -> None:
    """Hands: dribble on the drive, ball to the chest at the gather, shooting arm up to release
    (or, without a shot, both hands keep the ball)."""
    Tg, _, To, Tl, Tr, release, duration, _, _, _ = tm
    sc, oc = ("hand_l", "hand_r") if shoot == 0 else ("hand_r", "hand_l")
    dribble_hand = sc
    t = Tg - period
    while t > -period:
        keys.add(dribble_hand, t, (0.22 * h, -0.3 * h))
        keys.add(dribble_hand, t + 0.5 * period, (0.23 * h, -0.2 * h))
        keys.add(oc, t, (-0.08 * h, -0.2 * h))
        keys.add(oc, t + 0.5 * period, (0.12 * h, -0.14 * h))
        t -= period
    chest = (0.2 * h, -0.06 * h)
    keys.add(sc, Tg, chest)
    keys.add(oc, Tg, (0.18 * h, -0.08 * h))
    keys.add(sc, To, (0.2 * h, 0.08 * h))
    keys.add(oc, To, (0.18 * h, 0.04 * h))
    if shot:
        keys.add(sc, release, (0.14 * h, 0.37 * h))
        keys.add(oc, release, (0.12 * h, 0.0 * h))
    else:
        keys.add(sc, release, (0.16 * h, 0.22 * h))
        keys.add(oc, release, (0.14 * h, 0.2 * h))
    keys.add(sc, Tl, (0.12 * h, -0.1 * h))
    keys.add(oc, Tl, (0.06 * h, -0.2 * h))
    keys.add(sc, Tr, (0.04 * h, -0.28 * h) if shot else (0.2 * h, -0.08 * h))
    keys.add(oc, Tr, (0.0, -0.3 * h) if shot else (0.18 * h, -0.1 * h))
    keys.add(sc, duration, (0.03 * h, -0.3 * h) if shot else (0.2 * h, -0.09 * h))
    keys.add(oc, duration, (0.0, -0.31 * h) if shot else (0.18 * h, -0.1 * h))


def basketball_layup(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
                     pre: float = 0.4, post: float = 0.4, amp: float = 1.0,
                     speed: float = 1.0, shot: bool = True) -> KeyedMotion:
    """Drive (dribbling), two-step gather, jump towards the rim, one-arm extension, ball released
    to the rim, landing. x0 is where the motion starts; the rim ends up ahead of the take-off
    (`fixtures["hoop"]`). With shot=False it is a running jump that keeps the ball (a confuser).
    """
    h, f = shape.height, facing
    s = 1.0 / speed
    v = float(rng.uniform(3.0, 4.2)) * speed ** 0.5
    jump = float(rng.uniform(0.42, 0.62)) * amp
    drive = float(rng.uniform(0.35, 0.5)) * s
    step1, step2 = float(rng.uniform(0.24, 0.3)) * s, float(rng.uniform(0.2, 0.26)) * s
    flight = float(np.sqrt(8 * jump / GRAVITY))
    Tg = pre + drive
    Ts2 = Tg + step1
    To = Ts2 + step2
    Tl = To + flight
    Tr = Tl + 0.35
    release = To + 0.55 * flight
    duration = Tr + post
    tm = _LayupTimes(Tg, Ts2, To, Tl, Tr, release, duration, flight, step1, step2)
    x_of = integrate_speed([(-2.0, v), (Tg, v), (Ts2, 0.85 * v), (To, 0.75 * v), (Tl, 0.45 * v),
                            (Tl + 0.3, 0.05), (duration + 2, 0.0)], -2.0, duration + 2.0, 0.0, f)
    shift = x0 - x_of(0.0)

    def path(t: float) -> float:
        return x_of(t) + shift

    keys = Keys()
    shoot = int(rng.integers(2))        # shooting hand; its leg drives the knee up
    plant_foot = shoot                  # first gather step is the shooting side foot
    footfalls = add_gait(keys, shape, JOG, f, path, -2.0, Tg, anchor=Tg, anchor_foot=plant_foot,
                         hands=False, hip=True, torso=False)
    _layup_feet(keys, tm, footfalls, path, shape=shape, f=f, jump=jump, plant_foot=plant_foot,
                takeoff_foot=1 - shoot)
    _layup_hip_and_torso(keys, tm, path, hs=shape.standing_hip_height, jump=jump)
    period = 1.0 / JOG.cadence
    _layup_hands(keys, tm, h=h, shoot=shoot, shot=shot, period=period)
    clamp_keys(keys, 0.0, duration)
    tracks = keys.tracks()
    motion = KeyedMotion(name="basketball_layup" if shot else "jump_no_shot", shape=shape,
                         facing=f, duration=duration, tracks=tracks,
                         action=(pre + drive * 0.3, release, Tl + 0.3) if shot else None)
    # Where the ball leaves the hand decides where the rim is.
    sk = skeleton(shape, motion.pose(release))
    hand_i = L_HAND if shoot == 0 else R_HAND
    rel = sk.points[hand_i]
    rim_x = float(rel[0] + f * rng.uniform(0.45, 0.8))
    r = 0.12
    motion.data = {"shoot": shoot, "Tg": Tg, "release": release, "period": period,
                   "rim": (rim_x - motion.x_offset, RIM_HEIGHT), "shot": shot,
                   "ball_flight": float(rng.uniform(0.3, 0.42)), "radius": r}
    motion.fixtures = {"hoop": {"x": rim_x, "y": RIM_HEIGHT, "facing": f}}
    motion.prop_fn = layup_ball
    return motion


def jump_no_shot(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
                 pre: float = 0.4, post: float = 0.4, amp: float = 1.0,
                 speed: float = 1.0) -> KeyedMotion:
    """A jump that is not a shot: a two-foot jump in place (a rebound or warm-up jump) or a
    running jump that keeps the ball."""
    if rng.random() < 0.4:
        return basketball_layup(shape, rng, x0, facing, pre=pre, post=post, amp=amp * 0.9,
                                speed=speed, shot=False)
    h, f = shape.height, facing
    hs = shape.standing_hip_height
    s = 1.0 / speed
    jump = float(rng.uniform(0.3, 0.5)) * amp
    flight = float(np.sqrt(8 * jump / GRAVITY))
    Tc = pre + rng.uniform(0.25, 0.35) * s    # bottom of the countermovement
    To = Tc + 0.15 * s
    Tl = To + flight
    Tr = Tl + 0.35
    duration = Tr + post
    keys = Keys()
    standing_keys(keys, shape, x0, 0.0)
    standing_keys(keys, shape, x0, pre)
    arms_up = rng.random() < 0.7
    keys.add("hip", Tc, (x0, hs * 0.8))
    keys.add("torso", Tc, (0.35, 0.8, 0.7, 0.5))
    keys.add("hand_l", Tc, (-0.12 * h, -0.25 * h))
    keys.add("hand_r", Tc, (-0.14 * h, -0.25 * h))
    keys.add("hip", To, (x0, hs * 0.97))
    for u in np.linspace(0, 1, 7):
        t = To + u * flight
        keys.add("hip", t, (x0 + f * 0.05 * u, hs * 0.97 + 4 * jump * u * (1 - u)))
        for ch, dxf in (("foot_l", 0.04), ("foot_r", -0.04)):
            keys.add(ch, t, (x0 + f * (dxf * h + 0.05 * u),
                             max(shape.ankle_height, hs * 0.97 + 4 * jump * u * (1 - u) - 0.5 * h)))
    up = (0.05 * h, 0.3 * h) if arms_up else (0.15 * h, -0.05 * h)
    keys.add("hand_l", To + 0.4 * flight, up)
    keys.add("hand_r", To + 0.4 * flight, (up[0] - 0.02 * h, up[1]))
    keys.add("torso", To + 0.4 * flight, (0.0, 0.9, 0.8, 0.5))
    keys.add("hip", Tl + 0.12, (x0 + f * 0.05, hs * 0.84))
    standing_keys(keys, shape, x0 + f * 0.05, Tr)
    standing_keys(keys, shape, x0 + f * 0.05, duration)
    clamp_keys(keys, 0.0, duration)
    return KeyedMotion(name="jump_no_shot", shape=shape, facing=f, duration=duration,
                       tracks=keys.tracks())


# ---------------------------------------------------------------------------- soccer

def _kick_legs(keys: Keys, rng: np.random.Generator, footfalls, path, *, shape: BodyShape, f: int, x0: float,
               s: float, amp: float, power: bool, kind: str, gait, kick: int,
               times: tuple[float, float, float, float], swing_t: float, duration: float) -> None:
    """The legs after the approach: the kicking foot leaves the ground, swings back and through the
    ball to its follow-through and down; the support foot plants beside the ball and stays."""
    Tp, Tc, Tf, Td = times
    h, ah = shape.height, shape.ankle_height
    kc, sc = ("foot_l", "foot_r") if kick == 0 else ("foot_r", "foot_l")
    period = 1.0 / gait.cadence
    last_kick_land = max(tl for foot, tl, _ in footfalls if foot == kick and tl < Tp)
    kick_plant = [x for foot, tl, x in footfalls if foot == kick and tl == last_kick_land][0]
    keys.channels[kc] = [k for k in keys.channels[kc] if k[0] <= last_kick_land + 1e-6]
    # The kicking foot leaves the ground before the backswing (walking stances are long).
    keys.add(kc, min(last_kick_land + gait.stance * period, Tp - 0.12 * s), (kick_plant, ah))
    # Support foot plants beside the ball and stays.
    keys.add(sc, Tp, (x0 - f * 0.06 * h, ah))
    keys.add(sc, Td + 0.1, (x0 - f * 0.06 * h, ah))
    keys.add(sc, Td + 0.3, (x0 + f * 0.06 * h, ah))
    keys.add(sc, duration, (x0 + f * 0.06 * h, ah))
    back = (0.22 if power else 0.1) * amp
    high = (float(rng.uniform(0.2, 0.3)) if power else 0.1) * amp
    if kind == "pass":
        back, high = 0.14 * amp, 0.14 * amp
    keys.add(kc, Tp, (path(Tp) - f * back * h, ah + high * h))
    keys.add(kc, Tp + 0.55 * swing_t, (path(Tp + 0.55 * swing_t) - f * 0.02 * h, ah + 0.08 * h))
    contact = (x0 - f * 0.09, ah + 0.02 * h)
    keys.add(kc, Tc, contact)
    follow_up = (float(rng.uniform(0.22, 0.42)) if power else 0.1) * amp
    follow_fwd = 0.3 if power else 0.2
    if kind == "cross":       # the foot wraps across the body instead of driving through
        follow_up, follow_fwd = 0.2 * amp, 0.12
    elif kind == "pass":
        follow_up, follow_fwd = 0.12 * amp, 0.22
    keys.add(kc, Tf, (path(Tf) + f * follow_fwd * h, ah + follow_up * h))
    keys.add(kc, Td, (path(Td) + f * 0.12 * h, ah))
    keys.add(kc, duration, (path(Td) + f * 0.12 * h, ah))


def _kick_hip_and_torso(keys: Keys, path, *, hs: float, power: bool, kind: str,
                        times: tuple[float, float, float, float], duration: float) -> None:
    """Hip: drop into the plant, rise through the kick; lean back into the strike."""
    Tp, Tc, Tf, Td = times
    keys.add("hip", Tp, (path(Tp), hs * 0.93))
    keys.add("hip", Tc, (path(Tc), hs * 0.95))
    keys.add("hip", Tf, (path(Tf), hs * 0.97))
    keys.add("hip", Td + 0.3, (path(Td + 0.3), hs * 0.98))
    keys.add("hip", duration, (path(duration), hs * 0.98))
    keys.add("torso", 0.0, (0.15, 0.45, 0.35, 0.3))
    keys.add("torso", Tp - 0.1, (0.12, 0.5, 0.4, 0.3))
    lean_back = -0.3 if kind == "cross" else 0.0
    keys.add("torso", Tp, ((-0.12 if power else 0.02) + lean_back, 0.8, 0.4, 0.3))
    keys.add("torso", Tc, ((-0.05 if power else 0.05) + lean_back, 0.5, 0.2, 0.2))
    keys.add("torso", Tf, (0.1, 0.3, 0.3, 0.2))
    keys.add("torso", duration, (0.05, 0.6, 0.5, 0.4))


def _balance_arms(keys: Keys, rng: np.random.Generator, *, h: float, kick: int, strong: bool,
                  times: tuple[float, float, float, float], duration: float) -> None:
    """Arms out for balance: the arm opposite the kicking leg swings forward, out and up (often
    above the shoulder at contact in real kicks), the kicking side's arm goes back."""
    Tp, Tc, Tf, Td = times
    ka, oa = ("hand_l", "hand_r") if kick == 0 else ("hand_r", "hand_l")
    balance_up = float(rng.uniform(-0.05, 0.14)) * h
    keys.add(ka, Tp, (0.05 * h, -0.22 * h))
    keys.add(oa, Tp, (-0.16 * h, -0.05 * h) if strong else (-0.05 * h, -0.28 * h))
    keys.add(ka, Tc, (-0.2 * h, -0.1 * h) if strong else (-0.05 * h, -0.28 * h))
    keys.add(oa, Tc, (float(rng.uniform(0.1, 0.25)) * h, balance_up) if strong else (0.05 * h, -0.28 * h))
    if strong:
        keys.add(oa, Tf, (0.15 * h, balance_up - 0.06 * h))
    keys.add(ka, Td + 0.2, (0.0, -0.3 * h))
    keys.add(oa, Td + 0.2, (0.02 * h, -0.3 * h))
    keys.add(ka, duration, (0.0, -0.31 * h))
    keys.add(oa, duration, (0.02 * h, -0.31 * h))


def _kicked_ball_data(motion: KeyedMotion, rng: np.random.Generator, *, x0: float, f: int,
                      goal: tuple[float, float], target: tuple[float, float], Tc: float, power: bool,
                      kind: str, is_shot: bool) -> None:
    """What the ball does after contact (`_kicked_ball` reads it) and, for a shot, the goal."""
    r = 0.11
    flight = float(np.hypot(goal[0], goal[1]) / rng.uniform(14.0, 24.0))
    motion.data = {"ball": x0, "Tc": Tc, "goal": goal, "target": target, "flight": flight,
                   "radius": r, "power": power and kind != "pass", "roll": float(rng.uniform(2.0, 4.0))}
    if kind == "cross":        # lofted across the field, not at the goal
        motion.data["goal"] = (f * float(rng.uniform(8.0, 20.0)), float(rng.uniform(2.0, 10.0)))
        motion.data["target"] = (motion.data["goal"][0], float(rng.uniform(1.5, 4.0)))
    motion.fixtures = {"goal": {"x": x0 + goal[0], "depth": goal[1]}} if is_shot else {}
    motion.prop_fn = kicked_ball


def soccer_shooting(shape: BodyShape, rng: np.random.Generator, x0: float, facing: int, *,
                    pre: float = 0.4, post: float = 0.4, amp: float = 1.0, speed: float = 1.0,
                    goal: tuple[float, float] | None = None, power: bool = True,
                    kind: str = "shot") -> KeyedMotion:
    """Approach run, plant foot beside the ball, leg swing, contact, ball towards the goal,
    follow-through. x0 is where the ball lies; `goal` is (x, depth) of the goal's centre
    relative to the ball (the goal stands farther from the camera). power=False gives a slow
    side-foot pass (a confuser): short backswing, slow leg, the ball rolls away. kind="cross"
    is a lofted cross (a shot's swing, leaning back, the foot wrapping across, no goal) and
    kind="pass" a firm ground pass; both are background play (`action` None).
    """
    if kind not in ("shot", "cross", "pass"):
        raise ValueError(f"unknown kick kind {kind!r}")
    h, f = shape.height, facing
    s = 1.0 / speed
    gait = JOG if power else WALK
    v = float(rng.uniform(2.4, 3.4)) if power else float(rng.uniform(1.0, 1.5))
    approach = float(rng.uniform(0.35, 0.55)) * s
    Tp = pre + approach                                   # plant foot lands beside the ball
    swing_t = (float(rng.uniform(0.09, 0.12)) if power else float(rng.uniform(0.32, 0.42))) * s
    if kind == "pass":
        swing_t = float(rng.uniform(0.15, 0.22)) * s
    Tc = Tp + swing_t                                     # contact
    Tf = Tc + 0.16 * s                                    # follow-through high point
    Td = Tf + 0.25 * s                                    # kicking foot down
    duration = Td + 0.2 + post
    times = (Tp, Tc, Tf, Td)
    kick = int(rng.integers(2))
    support = 1 - kick
    kc = "foot_l" if kick == 0 else "foot_r"
    plant_x_hip = x0 - f * 0.3 * h                       # hip at plant, behind the ball
    x_of = integrate_speed([(-2.0, v), (Tp - 0.1, v), (Tp, 0.4 * v), (Tc, 0.5 * v),
                            (Td, 0.3 * v), (Td + 0.3, 0.0), (duration + 2, 0.0)],
                           -2.0, duration + 2.0, 0.0, f)
    shift = plant_x_hip - x_of(Tp)

    def path(t: float) -> float:
        return x_of(t) + shift

    keys = Keys()
    footfalls = add_gait(keys, shape, gait, f, path, -2.0, Tp, anchor=Tp, anchor_foot=support,
                         hands=True, hip=True, torso=False)
    for ch in ("foot_l", "foot_r", "hip", "hand_l", "hand_r"):
        keys.channels[ch] = [k for k in keys.channels[ch] if k[0] < Tp - (0.3 if ch == kc else 0.02)]
    _kick_legs(keys, rng, footfalls, path, shape=shape, f=f, x0=x0, s=s, amp=amp, power=power, kind=kind,
               gait=gait, kick=kick, times=times, swing_t=swing_t, duration=duration)
    _kick_hip_and_torso(keys, path, hs=shape.standing_hip_height, power=power, kind=kind, times=times,
                        duration=duration)
    _balance_arms(keys, rng, h=h, kick=kick, strong=power or kind == "pass", times=times, duration=duration)
    clamp_keys(keys, 0.0, duration)
    if goal is None:
        goal = (f * float(rng.uniform(1.0, 6.0)), float(rng.uniform(9.0, 22.0)))
    target = (goal[0] + float(rng.uniform(-2.8, 2.8)), float(rng.uniform(0.3, 2.1)))
    is_shot = power and kind == "shot"
    name = {"cross": "cross", "pass": "ground_pass"}.get(kind, "soccer_shooting" if power else "slow_pass")
    motion = KeyedMotion(name=name, shape=shape, facing=f,
                         duration=duration, tracks=keys.tracks(),
                         action=(pre + 0.2 * approach, Tc, Td) if is_shot else None)
    _kicked_ball_data(motion, rng, x0=x0, f=f, goal=goal, target=target, Tc=Tc, power=power, kind=kind,
                      is_shot=is_shot)
    return motion


def slow_pass(shape, rng, x0, facing, **kw) -> KeyedMotion:
    return soccer_shooting(shape, rng, x0, facing, power=False, **kw)


ACTION_BUILDERS = {
    "baseball_swing": baseball_swing,
    "basketball_layup": basketball_layup,
    "soccer_shooting": soccer_shooting,
}
CONFUSER_BUILDERS = {
    "check_swing": check_swing,
    "take_pitch": take_pitch,
    "jump_no_shot": jump_no_shot,
    "slow_pass": slow_pass,
}
