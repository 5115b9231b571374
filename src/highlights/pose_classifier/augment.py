"""Augmentation that makes ground-truth poses look like a real pose estimator's output.

A real estimator (MoveNet MultiPose in the pipeline, BlazePose for labelled clips) jitters, most
at the wrists and ankles, lags behind fast limbs (its smoothing), loses joints and whole frames,
reports low visibility, swaps left and right, follows someone else for a moment, sees only part
of a body at the frame's edge, and runs on a camera that pans after the player. The person also
differs: body proportions, size, lean of the camera, tempo. Each is one step below with its own
probability; hand-written because no augmentation library works on keypoint sequences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from highlights.pose_classifier.skeleton import FLIP, L_HIP, R_HIP


@dataclass(frozen=True)
class PoseAugmentConfig:
    mirror: float = 0.5
    camera_follow: float = 0.6          # chance the camera pans with the player
    rotation_deg: float = 12.0
    squash: tuple[float, float] = (0.6, 1.15)   # horizontal scale vs vertical (turned bodies)
    speed: tuple[float, float] = (0.75, 1.35)
    jitter: tuple[float, float] = (0.0, 0.06)   # noise, fraction of the body's height
    lag: float = 0.5                    # chance of estimator smoothing
    drop_joint: tuple[float, float] = (0.0, 0.15)
    drop_frame: tuple[float, float] = (0.0, 0.12)
    swap_frames: float = 0.04           # share of frames with left and right swapped
    partial_body: float = 0.12          # legs out of the frame
    glitch: float = 0.02                # share of joints thrown somewhere wrong
    limb_bend: float = 0.25             # random smooth change of arm angles
    # Upper arms carried away from the body: the chance, and the angle about the shoulder (degrees).
    arm_spread: float = 0.8
    arm_spread_deg: float = 30.0
    # Off by default (the packaged model was trained without them, and turning them on measured no
    # clear change on real clips: bench/bench_pose_classifier.py); each is drawn only when on.
    extremity_jitter: float = 1.0       # wrists and ankles jitter this many times more than the torso
    proportions: float = 0.0            # chance the body is re-proportioned like real people's estimated poses
    shoulder_width: tuple[float, float] = (1.15, 1.7)   # x the generator's, against torso length
    hip_width: tuple[float, float] = (1.1, 1.6)
    arm_length: tuple[float, float] = (0.7, 0.95)
    leg_length: tuple[float, float] = (0.72, 0.98)
    wrong_person: float = 0.0           # chance the estimator follows someone else for part of the window
    # MoveNet on a player in profile (docs/measurements.md, "What MoveNet makes of a walking player"):
    # left and right wrong way round in about 40% of frames, flipping about 6 times in a 2 s window,
    # and a low-score wrist put on the same side's ear, elbow or hip, one wrist in ten. Off by default:
    # a model trained with them measured worse (docs/pose-classifier.md).
    flicker: float = 0.0                # chance a window's sides flicker (swapped in runs)
    flicker_rate: float = 0.4           # share of that window's frames swapped
    flicker_run: int = 4                # a swapped run lasts 1 to this many frames
    wrist_misplace: float = 0.0         # share of frames each wrist is put on a nearby joint
    wrist_misplace_score: tuple[float, float] = (0.3, 0.45)   # its score: seen, but low

    def to_dict(self) -> dict:
        return asdict(self)


def _time_warp(w: np.ndarray, factor: float) -> np.ndarray:
    """Play the window `factor` times faster, centred (frames beyond the ends repeat)."""
    T = len(w)
    src = (np.arange(T) - (T - 1) / 2) * factor + (T - 1) / 2
    src = np.clip(src, 0, T - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, T - 1)
    a = (src - lo)[:, None, None]
    out = (1 - a) * w[lo] + a * w[hi]
    out[:, :, 2] = np.minimum(w[lo, :, 2], w[hi, :, 2])
    return out


EXTREMITIES = [9, 10, 15, 16]   # wrists and ankles: a real estimator's least steady joints
_ARMS = ((5, 7, 9), (6, 8, 10))   # shoulder, elbow, wrist
_LEGS = ((11, 13, 15), (12, 14, 16))   # hip, knee, ankle


def _reproportion(xy: np.ndarray, rng: np.random.Generator, cfg: PoseAugmentConfig) -> None:
    """Widen the shoulders and hips and shorten the limbs against the torso. Measured on real
    clips' estimated poses (medians, in torso lengths): shoulders 0.54 wide vs the generator's
    0.38, hips 0.33 vs 0.24, upper arm 0.48 vs 0.60, forearm 0.41 vs 0.53, thigh 0.71 vs 0.86,
    shin 0.73 vs 0.86. Limbs move with the joint they hang from."""
    for (left, right), factor, chains in (((5, 6), rng.uniform(*cfg.shoulder_width), _ARMS),
                                          ((11, 12), rng.uniform(*cfg.hip_width), _LEGS)):
        mid = 0.5 * (xy[:, left] + xy[:, right])
        for root, a, b in chains:
            shift = (xy[:, root] - mid) * (factor - 1.0)
            xy[:, [root, a, b]] += shift[:, None, :]
    for chains, factor in ((_ARMS, rng.uniform(*cfg.arm_length)), (_LEGS, rng.uniform(*cfg.leg_length))):
        for root, mid_joint, end in chains:
            upper = xy[:, mid_joint] - xy[:, root]
            lower = xy[:, end] - xy[:, mid_joint]
            xy[:, mid_joint] = xy[:, root] + upper * factor
            xy[:, end] = xy[:, mid_joint] + lower * factor


def _spread_arms(xy: np.ndarray, rng: np.random.Generator, max_deg: float) -> None:
    """Turn each upper arm (elbow and wrist together) about its shoulder, away from the body, by
    an angle drawn up to `max_deg` that drifts a little over the window. The generator's arms hang
    close to the trunk; real players carry them out (balance, a ready stance), and estimated real
    poses show it: their hands are about 0.3 torso lengths further apart than the generator's in
    each action class (0.16 in `none`; bench/bench_pose_classifier.py prints the features where
    synthetic and real poses differ most). Which way is "away" is whichever turn takes the wrist further from the body's
    midline."""
    T = len(xy)
    mid = 0.5 * (xy[:, 5] + xy[:, 6])
    for shoulder, elbow, wrist in _ARMS:
        ang = np.deg2rad(rng.uniform(0, max_deg)) + np.deg2rad(rng.uniform(-8, 8)) * np.linspace(-1, 1, T)
        best = None
        for sign in (1.0, -1.0):
            c, s = np.cos(sign * ang)[:, None], np.sin(sign * ang)[:, None]
            turned = []
            for j in (elbow, wrist):
                d = xy[:, j] - xy[:, shoulder]
                turned.append(xy[:, shoulder] + np.concatenate([c * d[:, :1] - s * d[:, 1:],
                                                                 s * d[:, :1] + c * d[:, 1:]], 1))
            out_by = float(np.mean(np.abs(turned[1][:, 0] - mid[:, 0])))
            if best is None or out_by > best[0]:
                best = (out_by, turned)
        xy[:, elbow], xy[:, wrist] = best[1]


def flicker_frames(T: int, rng: np.random.Generator, rate: float, longest: int) -> np.ndarray:
    """Which of T frames have their sides swapped: runs of 1..`longest` frames, separated by
    unswapped gaps of at least one frame drawn so that `rate` of the frames are swapped on average
    (rates above (1+longest)/(3+longest) would need shorter gaps than one frame and come out lower)."""
    swapped = np.zeros(T, bool)
    if rate <= 0:
        return swapped
    if rate >= 1:
        swapped[:] = True
        return swapped
    mean_run = (1 + longest) / 2
    mean_gap = max(1.0, mean_run * (1 - rate) / rate)
    # Start a few cycles before the window so its first frames are swapped at the rate too.
    t = -int(rng.integers(0, int(np.ceil(4 * (mean_run + mean_gap)))))
    while t < T:
        run = int(rng.integers(1, longest + 1))
        swapped[max(t, 0):max(t + run, 0)] = True
        t += run + int(rng.geometric(1.0 / mean_gap))
    return swapped


_WRIST_NEIGHBOURS = {9: (3, 7, 11), 10: (4, 8, 12)}   # same side's ear, elbow, hip


def _misplace_wrists(w: np.ndarray, rng: np.random.Generator, cfg: PoseAugmentConfig, height: float) -> np.ndarray:
    """Put each wrist, in `wrist_misplace` of the frames, on its side's ear, elbow or hip (a little
    off it) with a low score, as MoveNet does with a wrist it barely sees. Returns the (T, 2) mask
    of misplaced wrists."""
    T = len(w)
    moved = rng.random((T, 2)) < cfg.wrist_misplace
    for k, (wrist, neighbours) in enumerate(_WRIST_NEIGHBOURS.items()):
        frames = np.flatnonzero(moved[:, k])
        if len(frames) == 0:
            continue
        onto = rng.choice(neighbours, len(frames))
        w[frames, wrist, :2] = w[frames, onto, :2] + rng.normal(0.0, 0.03 * height, (len(frames), 2))
        score = rng.uniform(*cfg.wrist_misplace_score, len(frames))
        w[frames, wrist, 2] = np.where(w[frames, wrist, 2] > 0, np.minimum(w[frames, wrist, 2], score), 0.0)
    return moved


def _follow_someone_else(xy: np.ndarray, rng: np.random.Generator, height: float) -> None:
    """For a stretch of frames the estimator reports another person: same kind of pose, elsewhere
    and of another size (the jump in and out is what a tracker that changes people produces)."""
    T = len(xy)
    length = int(rng.integers(max(1, T // 6), max(2, T // 2)))
    start = int(rng.integers(0, T - length + 1))
    seg = xy[start:start + length]
    centre = seg.reshape(-1, 2).mean(axis=0)
    other = xy[rng.integers(0, T)]   # that person's posture: one frame of this window, held still-ish
    shift = rng.normal(0.0, 1.0, 2) * height
    size = float(rng.uniform(0.5, 1.5))
    xy[start:start + length] = (other - other.mean(axis=0)) * size + centre + shift
    xy[start:start + length] += rng.normal(0.0, 0.02 * height, seg.shape)


def augment_window(w: np.ndarray, rng: np.random.Generator, cfg: PoseAugmentConfig = PoseAugmentConfig()) -> np.ndarray:
    """(T,17,3) pixel-like window (x right, y down, visibility) -> an estimator-like copy."""
    w = w.astype(np.float32).copy()
    T = len(w)
    xy = w[:, :, :2]
    if cfg.arm_spread > 0 and rng.random() < cfg.arm_spread:
        _spread_arms(xy, rng, cfg.arm_spread_deg)
    height = float(np.ptp(xy[..., 1])) or 1.0
    if rng.random() < cfg.camera_follow:
        hip = 0.5 * (xy[:, L_HIP] + xy[:, R_HIP])
        follow = float(rng.uniform(0.5, 1.0))
        alpha = float(rng.uniform(0.3, 1.0))  # camera lag as exponential smoothing
        cam = np.zeros_like(hip)
        cam[0] = hip[0]
        for t in range(1, T):
            cam[t] = cam[t - 1] + alpha * (hip[t] - cam[t - 1])
        xy -= follow * (cam - cam[0])[:, None, :] * np.array([1.0, float(rng.uniform(0.0, 1.0))])
    if rng.random() < cfg.limb_bend:
        # Turn each forearm and lower leg about its elbow/knee by a slowly changing angle.
        for joint, parent in ((9, 7), (10, 8), (15, 13), (16, 14)):
            ang = np.deg2rad(rng.uniform(-25, 25)) + np.deg2rad(rng.uniform(-10, 10)) * np.linspace(-1, 1, T)
            d = xy[:, joint] - xy[:, parent]
            c, s = np.cos(ang), np.sin(ang)
            xy[:, joint] = xy[:, parent] + np.stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]], 1)
    if cfg.proportions > 0 and rng.random() < cfg.proportions:
        _reproportion(xy, rng, cfg)
    centre = xy.reshape(-1, 2).mean(axis=0)
    a = np.deg2rad(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    scale = np.array([rng.uniform(*cfg.squash), 1.0], np.float32)
    xy[:] = ((xy - centre) @ rot.T) * scale + centre
    if rng.random() < cfg.mirror:
        w = w[:, list(FLIP)]
        w[:, :, 0] = 2 * centre[0] - w[:, :, 0]
        xy = w[:, :, :2]
    w = _time_warp(w, float(rng.uniform(*cfg.speed)))
    xy = w[:, :, :2]
    sigma = float(rng.uniform(*cfg.jitter)) * height
    noise = rng.normal(0.0, sigma, xy.shape).astype(np.float32)
    noise[:, EXTREMITIES] *= cfg.extremity_jitter
    xy += noise
    xy += rng.normal(0.0, 0.3 * sigma, (1, 17, 2)).astype(np.float32)   # a steady offset per joint
    if rng.random() < cfg.lag:
        k = float(rng.uniform(0.4, 0.8))
        for t in range(1, T):
            xy[t] = k * xy[t] + (1 - k) * xy[t - 1]
    n_glitch = rng.random((T, 17)) < cfg.glitch
    if n_glitch.any():
        xy[n_glitch] += rng.normal(0.0, 0.3 * height, (int(n_glitch.sum()), 2)).astype(np.float32)
    if cfg.wrong_person > 0 and rng.random() < cfg.wrong_person:
        _follow_someone_else(xy, rng, height)
    swap = rng.random(T) < cfg.swap_frames
    if cfg.flicker > 0 and rng.random() < cfg.flicker:
        swap ^= flicker_frames(T, rng, cfg.flicker_rate, cfg.flicker_run)
    if swap.any():
        w[swap] = w[swap][:, list(FLIP)]
    vis = rng.uniform(0.35, 1.0, (T, 17)).astype(np.float32)
    vis[rng.random((T, 17)) < rng.uniform(*cfg.drop_joint)] = 0.0
    vis[rng.random(T) < rng.uniform(*cfg.drop_frame)] = 0.0
    if rng.random() < cfg.partial_body:
        legs = [13, 14, 15, 16] if rng.random() < 0.7 else [15, 16]
        vis[:, legs] = 0.0
    w[:, :, 2] = np.minimum(w[:, :, 2], vis)
    if cfg.wrist_misplace > 0:
        _misplace_wrists(w, rng, cfg, height)
    return w
