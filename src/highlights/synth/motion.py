"""Motions: keyframed paths for the hip, torso, hands and feet, evaluated at any time.

A motion is a handful of keyframe tracks (interpolated with SciPy's PCHIP, which passes through
every key without overshoot, so a planted foot stays planted between two equal keys) plus a
function that places the props (ball, bat) from the skeleton. Motions are built by the
functions in `highlights.synth.actions` and `highlights.synth.background`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.interpolate import PchipInterpolator

from highlights.synth.body import BodyShape, Pose, Skeleton, blend, skeleton

GRAVITY = 9.81


@dataclass(frozen=True)
class Ball:
    """A ball centred at (x, y) world metres; `depth` is how much farther than its person it is."""

    x: float
    y: float
    radius: float
    colour: tuple[int, int, int]
    depth: float = 0.0
    kind: str = "ball"


@dataclass(frozen=True)
class Bat:
    knob: tuple[float, float]
    tip: tuple[float, float]
    colour: tuple[int, int, int] = (196, 150, 90)
    kind: str = "bat"


class Track:
    """Values (any dimension) keyed by time; held constant outside the first and last key."""

    def __init__(self, keys: Sequence[tuple[float, Sequence[float] | float]]):
        if not keys:
            raise ValueError("a track needs at least one key")
        merged: dict[float, np.ndarray] = {}
        for t, v in sorted(keys, key=lambda k: k[0]):
            t = round(float(t), 6)
            # Keys closer than a microsecond collapse: the later one wins.
            for existing in [e for e in merged if abs(e - t) < 1e-4]:
                del merged[existing]
            merged[t] = np.atleast_1d(np.asarray(v, dtype=float))
        self.times = np.array(sorted(merged))
        self.values = np.stack([merged[t] for t in self.times])
        self._interp = (PchipInterpolator(self.times, self.values, axis=0)
                        if len(self.times) > 1 else None)

    def __call__(self, t: float) -> np.ndarray:
        if self._interp is None:
            return self.values[0]
        return self._interp(min(max(t, self.times[0]), self.times[-1]))


class Keys:
    """Collects keyframes per channel while a motion is being written."""

    def __init__(self) -> None:
        self.channels: dict[str, list] = defaultdict(list)

    def add(self, channel: str, t: float, value) -> None:
        self.channels[channel].append((float(t), value))

    def tracks(self) -> dict[str, Track]:
        return {name: Track(keys) for name, keys in self.channels.items()}


PropFunction = Callable[["KeyedMotion", float, Skeleton], list]


@dataclass
class KeyedMotion:
    """A motion over [0, duration] seconds.

    Channels: `hip` (x, y world), `torso` (lean, yaw_shoulders, yaw_hips, yaw_head), `hand_l`,
    `hand_r` ((forward, up) from the shoulder centre, or world x, y when `hands_world`),
    `foot_l`, `foot_r` (world x, y of the ankles). `action` holds (start, key, end) seconds of
    the highlight action inside it, or None. `x_offset` slides the whole motion along X.
    """

    name: str
    shape: BodyShape
    facing: int
    duration: float
    tracks: dict[str, Track]
    hands_world: bool = False
    action: tuple[float, float, float] | None = None
    prop_fn: PropFunction | None = None
    fixtures: dict = field(default_factory=dict)
    x_offset: float = 0.0
    data: dict = field(default_factory=dict)   # per-motion constants the prop function reads

    def pose(self, t: float) -> Pose:
        tr, dx = self.tracks, self.x_offset
        hx, hy = tr["hip"](t)
        lean, ys, yh, yhead = tr["torso"](t)
        hl, hr = tr["hand_l"](t), tr["hand_r"](t)
        if self.hands_world:
            hl, hr = hl + np.array([dx, 0.0]), hr + np.array([dx, 0.0])
        fl, fr = tr["foot_l"](t), tr["foot_r"](t)
        return Pose(hip=(hx + dx, hy), facing=self.facing, lean=float(lean),
                    yaw_shoulders=float(ys), yaw_hips=float(yh), yaw_head=float(yhead),
                    hands=((float(hl[0]), float(hl[1])), (float(hr[0]), float(hr[1]))),
                    feet=((float(fl[0] + dx), float(fl[1])), (float(fr[0] + dx), float(fr[1]))),
                    hands_world=self.hands_world)

    def skeleton(self, t: float) -> Skeleton:
        return skeleton(self.shape, self.pose(t))

    def props(self, t: float, skel: Skeleton) -> list:
        return self.prop_fn(self, t, skel) if self.prop_fn is not None else []

    def channel(self, name: str, t: float) -> np.ndarray:
        return self.tracks[name](t)

    def hip_x(self, t: float) -> float:
        return float(self.tracks["hip"](t)[0]) + self.x_offset

    @property
    def x_start(self) -> float:
        return self.hip_x(0.0)

    @property
    def x_end(self) -> float:
        return self.hip_x(self.duration)

    def shifted(self, dx: float) -> "KeyedMotion":
        """The same motion moved `dx` metres along X (fixtures move with it)."""
        fixtures = {k: _shift_fixture(v, dx) for k, v in self.fixtures.items()}
        return replace(self, x_offset=self.x_offset + dx, fixtures=fixtures)


def _shift_fixture(value, dx: float):
    if isinstance(value, dict) and "x" in value:
        return {**value, "x": value["x"] + dx}
    return value


# ---------------------------------------------------------------------------- locomotion

@dataclass(frozen=True)
class Gait:
    """How a person moves their feet: cycles per second, stance fraction, foot lift, hip bob."""

    name: str
    cadence: float       # full cycles (two steps) per second
    stance: float        # fraction of the cycle a foot is on the ground
    lift: float          # peak ankle lift during swing, fraction of height
    hip_height: float    # hip height as a fraction of standing hip height
    bob: float           # hip bob, fraction of height
    arm_forward: tuple[float, float]   # (forward, up) hand targets, fractions of height
    arm_back: tuple[float, float]
    lean: float


WALK = Gait("walk", 0.95, 0.62, 0.05, 0.985, 0.012, (0.12, -0.30), (-0.09, -0.30), 0.05)
JOG = Gait("jog", 1.35, 0.40, 0.11, 0.95, 0.018, (0.14, -0.13), (-0.09, -0.21), 0.18)
RUN = Gait("run", 1.5, 0.33, 0.16, 0.93, 0.022, (0.17, -0.08), (-0.12, -0.2), 0.28)


def integrate_speed(speed_keys: Sequence[tuple[float, float]], t0: float, t1: float,
                    x0: float, facing: int, dt: float = 0.005) -> Callable[[float], float]:
    """Hip x as a function of time from (time, speed m/s) keys, linearly interpolated."""
    st, sv = np.array([k[0] for k in speed_keys]), np.array([k[1] for k in speed_keys])
    grid = np.arange(t0, t1 + dt, dt)
    v = np.interp(grid, st, sv)
    x = x0 + facing * np.concatenate([[0.0], np.cumsum((v[1:] + v[:-1]) * 0.5 * dt)])

    def x_of(t: float) -> float:
        return float(np.interp(t, grid, x))

    return x_of


def add_gait(keys: Keys, shape: BodyShape, gait: Gait, facing: int, x_of: Callable[[float], float],
             t0: float, t1: float, *, anchor: float, anchor_foot: int = 0, amp: float = 1.0,
             hands: bool = True, hip: bool = True, torso: bool = True,
             feet: tuple[bool, bool] = (True, True), hip_scale: float = 1.0) -> list[tuple[int, float, float]]:
    """Keys for walking/jogging over [t0, t1] along the hip path `x_of`.

    `anchor_foot` lands at time `anchor` (so a motion can line a footfall up with a plant).
    Returns the footfalls as (foot, land time, x) so a motion can continue from them.
    """
    h = shape.height
    period = 1.0 / gait.cadence
    ah = shape.ankle_height
    base_hip = shape.standing_hip_height * gait.hip_height * hip_scale
    spread = (shape.hip_half_width * 0.5, -shape.hip_half_width * 0.5)
    footfalls = []
    for foot in (0, 1):
        offset = 0.0 if foot == anchor_foot else 0.5
        k_lo = int(np.floor((t0 - anchor) / period - offset)) - 1
        k_hi = int(np.ceil((t1 - anchor) / period - offset)) + 1
        lands = [anchor + (k + offset) * period for k in range(k_lo, k_hi + 1)]
        plants = [x_of(tl + gait.stance * period * 0.5) + spread[foot] for tl in lands]
        for tl, xp in zip(lands, plants):
            footfalls.append((foot, tl, xp))
        if not feet[foot]:
            continue
        ch = "foot_l" if foot == 0 else "foot_r"
        for i, (tl, xp) in enumerate(zip(lands, plants)):
            keys.add(ch, tl, (xp, ah))
            keys.add(ch, tl + gait.stance * period, (xp, ah))
            if i + 1 < len(lands):
                mid = tl + gait.stance * period + (1 - gait.stance) * period * 0.5
                keys.add(ch, mid, (0.5 * (xp + plants[i + 1]), ah + gait.lift * h * amp))
        if hands:
            # The arm swings against the leg of its own side.
            hch = "hand_l" if foot == 0 else "hand_r"
            for tl in lands:
                keys.add(hch, tl, (gait.arm_back[0] * h * amp, gait.arm_back[1] * h))
                keys.add(hch, tl + period * 0.5, (gait.arm_forward[0] * h * amp, gait.arm_forward[1] * h))
    if hip:
        lands = sorted(tl for _, tl, _ in footfalls)
        for tl in lands:
            if gait.stance > 0.5:   # walking: lowest in double support, highest mid-stance
                keys.add("hip", tl + 0.05 * period, (x_of(tl + 0.05 * period), base_hip - gait.bob * h))
                keys.add("hip", tl + 0.3 * period, (x_of(tl + 0.3 * period), base_hip + gait.bob * h))
            else:                   # running: lowest mid-stance, highest in flight
                low, high = gait.stance * 0.5 * period, (gait.stance + 0.5) * 0.5 * period
                keys.add("hip", tl + low, (x_of(tl + low), base_hip - gait.bob * h))
                keys.add("hip", tl + high, (x_of(tl + high), base_hip + gait.bob * h))
    if torso:
        keys.add("torso", t0, (gait.lean, 0.45, 0.35, 0.3))
        keys.add("torso", t1, (gait.lean, 0.45, 0.35, 0.3))
    return sorted(footfalls, key=lambda f: f[1])


def clamp_keys(keys: Keys, t0: float, t1: float) -> None:
    """Drop keys outside [t0, t1] but keep one key beyond each end so edges stay smooth."""
    for name, items in keys.channels.items():
        items.sort(key=lambda k: k[0])
        inside = [k for k in items if t0 <= k[0] <= t1]
        before = [k for k in items if k[0] < t0][-1:]
        after = [k for k in items if k[0] > t1][:1]
        keys.channels[name] = before + inside + after


# ---------------------------------------------------------------------------- timelines

@dataclass
class Segment:
    start: float
    motion: KeyedMotion

    @property
    def end(self) -> float:
        return self.start + self.motion.duration


class Timeline:
    """One person's motions back to back; each change is cross-faded over `fade` seconds."""

    def __init__(self, segments: Sequence[Segment], fade: float = 0.2):
        if not segments:
            raise ValueError("a timeline needs at least one segment")
        self.segments = sorted(segments, key=lambda s: s.start)
        self.fade = fade
        self._starts = np.array([s.start for s in self.segments])

    def index_at(self, t: float) -> int:
        return max(0, int(np.searchsorted(self._starts, t, side="right")) - 1)

    def at(self, t: float) -> tuple[Skeleton, list, Segment]:
        i = self.index_at(t)
        seg = self.segments[i]
        local = t - seg.start
        skel = seg.motion.skeleton(local)
        if i > 0 and local < self.fade:
            prev = self.segments[i - 1]
            prev_skel = prev.motion.skeleton(t - prev.start)
            w = local / self.fade
            skel = blend(prev_skel, skel, w * w * (3 - 2 * w))
        return skel, seg.motion.props(local, skel), seg
