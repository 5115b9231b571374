"""Kinematics: joint speeds and trajectories that trigger candidate events.

- wrist speed peak            -> a swing   (baseball_swing)
- hip rise + arm extension    -> a layup   (basketball_layup)
- ankle speed peak            -> a shot    (soccer_shooting)

Speeds are in body heights per second and rises in body heights, so the thresholds hold whatever
the player's size in the frame. Wrist and ankle speeds are measured relative to the body's centre
(shoulders and hips): a camera pan, or a player running across the frame, moves every joint in the
image alike and is no swing or kick. Every local peak above its threshold counts (not only a
track's largest in the window), so a window holding a jog and then a shot keys on both, and the
classifier decides. The signal functions here are pure (arrays in, arrays out); the `joints`
backend (`stages/joint_kinematics.py`) gathers each track's keypoints over a candidate window and
turns peaks into keyed candidates.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from highlights.pipeline.records import FrameRecord
from highlights.pipeline.side_continuity import continuous_sides

# COCO keypoint indices.
L_SHOULDER, R_SHOULDER, L_WRIST, R_WRIST = 5, 6, 9, 10
L_HIP, R_HIP, L_ANKLE, R_ANKLE = 11, 12, 15, 16

TRIGGER_LABEL = {"wrist_speed": "baseball_swing", "hip_rise": "basketball_layup",
                 "ankle_speed": "soccer_shooting"}
# What a trigger's value is measured in, for the reader of a highlight's "why": speeds relative to
# the body's centre, the rise of the hips.
TRIGGER_UNIT = {"wrist_speed": "body heights/s", "ankle_speed": "body heights/s", "hip_rise": "body heights"}
_MAX_GAP_S = 0.6  # a pose gap longer than this breaks a speed estimate
_RISE_LOOKBACK_S = 1.0
_ARM_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class Trigger:
    kind: str
    key_s: float
    value: float
    threshold: float
    track: object
    # How far the peak stands out from the same track's motion around it (`contrast`): evidence
    # for the highlight's score, whether or not `peak_contrast` filters on it.
    contrast: float = float("inf")

    @property
    def strength(self) -> float:
        return self.value / self.threshold if self.threshold > 0 else float("inf")


def smooth(x: np.ndarray, frames: int) -> np.ndarray:
    """Centred moving average along axis 0 that ignores NaNs (missing keypoints stay missing)."""
    if frames <= 1 or len(x) < 2:
        return x
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    kernel = np.ones(frames)
    # The full convolution cut to the input's length around each frame: np.convolve's "same" mode
    # keeps the longer operand's length, so a track shorter than the window (3 frames smoothed
    # over 5) came back longer than it went in.
    start = (frames - 1) // 2
    conv = lambda a: np.apply_along_axis(lambda c: np.convolve(c, kernel)[start:start + len(c)], 0, a)  # noqa: E731
    num, den = conv(filled), conv(valid.astype(np.float64))
    out = np.where(den > 0, num / np.maximum(den, 1e-9), np.nan)
    return np.where(valid, out, np.nan)


def joint_speed(times: np.ndarray, xy: np.ndarray, scale: float) -> np.ndarray:
    """Speed of one joint, (T,) body heights/s at each step's end; NaN where it cannot be known."""
    speed = np.full(len(times), np.nan)
    if len(times) < 2:
        return speed
    dt = np.diff(times)
    dist = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    ok = (dt > 0) & (dt <= _MAX_GAP_S) & ~np.isnan(dist)
    speed[1:][ok] = dist[ok] / dt[ok] / scale
    return speed


def hip_rise(times: np.ndarray, hip_y: np.ndarray, scale: float) -> np.ndarray:
    """How far the hips are above their lowest point of the last second, in body heights (y grows down)."""
    rise = np.full(len(times), np.nan)
    for i, t in enumerate(times):
        if np.isnan(hip_y[i]):
            continue
        past = hip_y[(times >= t - _RISE_LOOKBACK_S) & (times <= t)]
        past = past[~np.isnan(past)]
        rise[i] = (past.max() - hip_y[i]) / scale
    return rise


def arm_extension(shoulder_y: np.ndarray, wrist_y: np.ndarray, scale: float) -> np.ndarray:
    """Wrist height above the shoulder in body heights (the larger side); NaN when unseen."""
    ext = (shoulder_y - wrist_y) / scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(ext, axis=1) if ext.ndim == 2 else ext


def body_centre(xy: np.ndarray) -> np.ndarray:
    """(T, 2) mean of the seen shoulders and hips: the point limb speeds are measured against."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a frame with no torso joint seen: NaN
        return np.nanmean(xy[:, [L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]], axis=1)


# A peak's surroundings (`contrast`): the same signal this far either side of it, leaving out its
# own neighbourhood, where a kick's fast frames lie.
CONTRAST_REACH_S = 2.0
CONTRAST_GUARD_S = 0.3


def contrast(times: np.ndarray, signal: np.ndarray, i: int) -> float:
    """How far `signal[i]` stands out from the same track's motion around it: its ratio to the
    median of the signal within `CONTRAST_REACH_S` either side, outside `CONTRAST_GUARD_S` of it
    (infinite where nothing around was seen, or it was still). This is a detector's adaptive
    threshold: the surroundings set the level to beat, and the median is the order statistic that
    a few other peaks in them (a run-up's strides) do not raise. A walking player whose ankles
    MoveNet swaps every few frames has a high level and his "kicks" are spikes just above it; a
    kick mostly stands far above it. scipy's peak prominence measures how deep the dips beside a peak
    go, and a speed signal dips near zero between strides and between swaps alike, so it tells the
    two no better than the peak's height."""
    d = np.abs(times - times[i])
    around = signal[(d > CONTRAST_GUARD_S) & (d <= CONTRAST_REACH_S)]
    around = around[~np.isnan(around)]
    level = float(np.median(around)) if len(around) else 0.0
    return float(signal[i]) / level if level > 0 else float("inf")


def peaks_above(times: np.ndarray, signal: np.ndarray, threshold: float, min_gap_s: float,
                min_contrast: float = 0.0) -> list[int]:
    """Indices of the local maxima of `signal` at or above `threshold`, highest first, none within
    `min_gap_s` of a higher one. NaNs never peak. scipy's find_peaks finds the maxima; the spacing
    is in seconds, not samples, because the kept frames need not be evenly spaced. `min_contrast`
    (0: off) drops a maximum whose `contrast` is below it, before the spacing, so that a dropped
    peak hides no other."""
    from scipy.signal import find_peaks

    filled = np.where(np.isnan(signal), -np.inf, signal)
    # Pad so that a maximum on the first or last sample counts too.
    idx, _ = find_peaks(np.concatenate([[-np.inf], filled, [-np.inf]]), height=threshold)
    found = [int(i) - 1 for i in idx]
    if min_contrast > 0:
        found = [i for i in found if contrast(times, signal, i) >= min_contrast]
    kept: list[int] = []
    for i in sorted(found, key=lambda i: -filled[i]):
        if all(abs(times[i] - times[k]) > min_gap_s for k in kept):
            kept.append(i)
    return kept


def trigger_signals(times: np.ndarray, kp: np.ndarray, *, scale: float, smooth_frames: int = 1
                    ) -> dict[str, np.ndarray]:
    """One track's signals, each (T,): `wrist_speed` and `ankle_speed` (the faster side, body
    heights/s relative to the body's centre), `hip_rise` (body heights) and `arm_extension`."""
    xy = smooth(kp[:, :, :2].astype(np.float64), smooth_frames)
    limbs = xy - body_centre(xy)[:, None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: joints never seen
        speeds = {kind: np.nanmax(np.stack([joint_speed(times, limbs[:, j], scale) for j in joints]), axis=0)
                  for kind, joints in (("wrist_speed", (L_WRIST, R_WRIST)), ("ankle_speed", (L_ANKLE, R_ANKLE)))}
        hips = np.nanmean(xy[:, [L_HIP, R_HIP], 1], axis=1)
        return {**speeds, "hip_rise": hip_rise(times, hips, scale),
                "arm_extension": arm_extension(xy[:, [L_SHOULDER, R_SHOULDER], 1], xy[:, [L_WRIST, R_WRIST], 1], scale)}


def find_triggers(times: np.ndarray, kp: np.ndarray, *, scale: float, config, track=None) -> list[Trigger]:
    """Triggers of one track. `kp`: (T, 17, 3) keypoints with NaN x/y where not visible;
    `config`: the kinematics section (thresholds, `smooth_frames`, `trigger_nms_s`, `peak_contrast`:
    the `contrast` a wrist or ankle speed peak needs, 0 for none)."""
    cfg = config
    signals = trigger_signals(times, kp, scale=scale, smooth_frames=cfg.smooth_frames)
    rise, arms = signals["hip_rise"], signals["arm_extension"]
    out: list[Trigger] = []
    gap = cfg.trigger_nms_s
    for kind, thr in (("wrist_speed", cfg.wrist_speed_threshold), ("ankle_speed", cfg.ankle_speed_threshold)):
        signal = signals[kind]
        for i in peaks_above(times, signal, thr, gap, cfg.peak_contrast):
            out.append(Trigger(kind, float(times[i]), float(signal[i]), thr, track, contrast(times, signal, i)))
    for i in peaks_above(times, rise, cfg.hip_rise_threshold, gap):
        arm = arms[np.abs(times - times[i]) <= _ARM_TOLERANCE_S]
        if np.any(~np.isnan(arm)) and np.nanmax(arm) >= cfg.arm_extension_threshold:
            out.append(Trigger("hip_rise", float(times[i]), float(rise[i]), cfg.hip_rise_threshold, track,
                               contrast(times, rise, i)))
    return sorted(out, key=lambda t: t.key_s)


def suppress(triggers: list[Trigger], window_s: float, per_track: bool = False) -> list[Trigger]:
    """Strongest first; drop any trigger within `window_s` of one kept (whatever its kind).
    `per_track`: only one kept of the same track drops it. Across tracks a kept trigger's window
    reads its own person, not the one dropped: a pitcher's arm would hide the batter's swing."""
    kept: list[Trigger] = []
    for trig in sorted(triggers, key=lambda t: -t.strength):
        if all(abs(trig.key_s - k.key_s) > window_s for k in kept
               if not per_track or k.track == trig.track):
            kept.append(trig)
    return sorted(kept, key=lambda t: t.key_s)


TORSO_SHARE = 0.3  # shoulder-to-hip distance as a share of standing height (adult average)


def body_height(kp: np.ndarray, box) -> float:
    """Standing height in pixels, from the torso when it is seen (arms and legs in motion do not
    change it, unlike the box), else from the box or the keypoints' extent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shoulders = np.nanmean(kp[[L_SHOULDER, R_SHOULDER], :2], axis=0)
        hips = np.nanmean(kp[[L_HIP, R_HIP], :2], axis=0)
    torso = float(np.linalg.norm(shoulders - hips))
    if np.isfinite(torso) and torso > 0:
        return torso / TORSO_SHARE
    if box is not None:
        return float(box[3] - box[1])
    return float(np.nanmax(kp[:, 1]) - np.nanmin(kp[:, 1]))


def tracks_of(records: list[FrameRecord], min_visibility: float, side_continuity: bool = False
              ) -> dict[object, tuple[np.ndarray, np.ndarray, float]]:
    """Per track: times (T,), keypoints (T, 17, 3) with NaN where unseen, and the body height in
    pixels. `side_continuity`: each left/right pair swapped back where the swap continues its motion
    (`highlights.pipeline.side_continuity`)."""
    by_track: dict[object, list[tuple[float, np.ndarray]]] = defaultdict(list)
    heights: dict[object, list[float]] = defaultdict(list)
    for rec in records:
        for n, person in enumerate(rec.persons or []):
            if person.keypoints is None:
                continue
            track = track_key(person, n)
            kp = person.keypoints.astype(np.float64).copy()
            unseen = kp[:, 2] < min_visibility
            kp[unseen, :2] = np.nan
            if unseen.all():
                continue
            by_track[track].append((rec.time_s, kp))
            heights[track].append(body_height(kp, person.box))
    out = {}
    for track, rows in by_track.items():
        if len(rows) < 3:
            continue
        height = float(np.median(heights[track]))
        if height <= 1:
            continue
        times, kp = np.array([t for t, _ in rows]), np.stack([k for _, k in rows])
        if side_continuity:
            kp = continuous_sides(times, kp)
        out[track] = (times, kp, height)
    return out


def track_key(person, n: int) -> object:
    """The key `tracks_of` files a person under: its track id, else its place in the frame."""
    return person.track_id if person.track_id is not None else f"untracked-{n}"


def track_box(records: list[FrameRecord], track: object, time_s: float) -> list[float] | None:
    """The box `track` has in the frame nearest `time_s` among those it has one in (frame pixels,
    to 0.1 px); None where it has none in `records`."""
    boxes = [(abs(rec.time_s - time_s), person.box) for rec in records
             for n, person in enumerate(rec.persons or [])
             if person.box is not None and track_key(person, n) == track]
    if not boxes:
        return None
    return [round(float(v), 1) for v in min(boxes, key=lambda b: b[0])[1]]


def prominent(tracks: dict, max_tracks: int) -> dict:
    """The `max_tracks` tracks with the largest bodies in the frame (0 keeps all). Phone footage
    follows its subject, who is filmed larger than the players around; BlazePose, the pose model
    here, sees one person a frame anyway. Each extra track watched costs a classifier window
    whenever a bystander jogs."""
    if max_tracks <= 0 or len(tracks) <= max_tracks:
        return tracks
    order = sorted(tracks, key=lambda k: -tracks[k][2])[:max_tracks]
    return {k: tracks[k] for k in order}
