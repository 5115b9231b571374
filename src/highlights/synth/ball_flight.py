"""Where the ball of each action is at each moment: the props the actions' motions draw.

`layup_ball` and `kicked_ball` are motions' `prop_fn`s, `pitched_ball` the pitch part of the
batter's: each reads the constants the action's builder left in `m.data` (`highlights.synth.actions`,
`jump_shots`) and returns the ball at time `t`.
"""

from __future__ import annotations

import numpy as np

from highlights.synth.background import BASKETBALL, SOCCER_BALL
from highlights.synth.body import L_HAND, R_HAND, Skeleton
from highlights.synth.motion import GRAVITY, Ball, KeyedMotion

BASEBALL = (250, 250, 245)


def pitched_ball(m: KeyedMotion, t: float, pitch: dict) -> list:
    """The pitch comes in from the mound (far, to the batter's front) to the contact point;
    a hit ball flies off the other way and up, a missed one goes on to the catcher."""
    f, dx = m.facing, m.x_offset
    dt = t - pitch["t"]
    r = 0.037 * 2.0  # drawn twice life size so it survives the downscale
    if -0.45 <= dt <= 0:
        u = -dt / 0.45
        return [Ball(pitch["x"] + dx + f * 18.0 * u, pitch["y"] + 0.8 * u, r, BASEBALL, depth=6.0 * u)]
    if 0 < dt <= 0.5:
        if pitch["hit"]:
            return [Ball(pitch["x"] + dx + f * 25.0 * dt, pitch["y"] + (6.0 + 4 * pitch["out"]) * dt,
                         r, BASEBALL, depth=30.0 * dt)]
        return [Ball(pitch["x"] + dx - f * 3.0 * dt * 2, pitch["y"] - 0.6 * dt, r, BASEBALL)]
    return []


def layup_ball(m: KeyedMotion, t: float, skel: Skeleton) -> list:
    """Dribbled on the drive, held from the gather, then (a shot) lobbed to the rim and down."""
    d = m.data
    r = d["radius"]
    sc_tip = skel.points[L_HAND if d["shoot"] == 0 else R_HAND]
    oc_tip = skel.points[R_HAND if d["shoot"] == 0 else L_HAND]
    if t < d["Tg"] - 0.5 * d["period"]:
        # Dribbling: the ball bounces between the shooting-side hand and the floor.
        u = ((d["Tg"] - 0.5 * d["period"] - t) / d["period"]) % 1.0
        y = r + (sc_tip[1] - r - r) * abs(np.cos(np.pi * u))
        return [Ball(float(sc_tip[0]), float(max(r, y)), r, BASKETBALL)]
    if t < d["Tg"]:
        # The last bounce comes up into both hands.
        u = (d["Tg"] - t) / (0.5 * d["period"])
        both = 0.5 * (sc_tip + oc_tip)
        y = r + (both[1] - r) * np.cos(0.5 * np.pi * u)
        return [Ball(float(both[0]), float(max(r, y)), r, BASKETBALL)]
    if t <= d["release"] or not d["shot"]:
        if t < d["release"] - 0.15 or not d["shot"]:
            p = 0.5 * (sc_tip + oc_tip)
        else:
            p = sc_tip
        return [Ball(float(p[0]), float(p[1] + 0.6 * r), r, BASKETBALL)]
    # Released: a lob from the hand to the rim, through the net, down to the floor.
    if "release_point" not in d:
        sk_rel = m.skeleton(d["release"])
        tip = sk_rel.points[L_HAND if d["shoot"] == 0 else R_HAND]
        d["release_point"] = (float(tip[0] - m.x_offset), float(tip[1] + 0.6 * r))
    x0, y0 = d["release_point"]
    x0 += m.x_offset
    rx, ry = d["rim"]
    rx += m.x_offset
    tf = d["ball_flight"]
    dt = t - d["release"]
    if dt <= tf:
        u = dt / tf
        vy = (ry + 0.05 - y0 + 0.5 * GRAVITY * tf * tf) / tf
        return [Ball(float(x0 + (rx - x0) * u), float(y0 + vy * dt - 0.5 * GRAVITY * dt * dt), r, BASKETBALL)]
    fall = dt - tf
    y = ry + 0.05 - 0.5 * GRAVITY * fall * fall - 1.0 * fall
    if y < r:
        bounce_t = fall - np.sqrt(max(0.0, 2 * (ry + 0.05 - r) / GRAVITY))
        y = r + max(0.0, 2.5 * bounce_t - 0.5 * GRAVITY * bounce_t * bounce_t)
    return [Ball(float(rx), float(max(r, y)), r, BASKETBALL)]


def kicked_ball(m: KeyedMotion, t: float, skel: Skeleton) -> list:
    """At rest until contact, then rolled away (a pass) or flown to its target and dropped."""
    d = m.data
    r = d["radius"]
    bx = d["ball"] + m.x_offset
    dt = t - d["Tc"]
    if dt <= 0:
        return [Ball(bx, r, r, SOCCER_BALL)]
    if not d["power"]:
        # A pass rolls away, slowing down.
        k = 1.2
        dist = d["roll"] / k * (1 - np.exp(-k * dt))
        return [Ball(bx + m.facing * dist, r, r, SOCCER_BALL, depth=0.2 * dist)]
    gx, gz = d["goal"]
    tx, ty = d["target"]
    u = min(dt / d["flight"], 1.0)
    y = r + (ty - r) * u + 1.2 * u * (1 - u) * ty
    if dt > d["flight"]:   # in the net: drops to the ground
        fall = dt - d["flight"]
        y = max(r, ty - 0.5 * GRAVITY * fall * fall)
    return [Ball(bx + tx * u, float(y), r, SOCCER_BALL, depth=gz * u + 1.5 * (dt > d["flight"]))]
