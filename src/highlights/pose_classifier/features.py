"""Hand-made features of a normalised pose window: what a coach would look at.

Joint speeds and their peaks, how high the hands go against the shoulders and the head, how far
apart the hands are, how high a foot or knee rises, whether the hips rise (a jump) or travel (a
run), the trunk's lean. Left and right enter as the larger and the smaller of the two, so the
features do not change in a mirror. With `side_free` the limbs' speeds do not change either when
the estimator swaps a pair's left and right joints in some frames (MoveNet does in profile): each
frame pair's two speeds are read under whichever pairing of the joints moves them least. A joint
the estimator did not see (visibility 0, put at the hip centre by `normalise`) moves no feature:
each feature reads only the frames that show what it measures. Measured here (see
bench/bench_pose_classifier.py): such features, trained on synthetic poses, transfer to real poses
better than learned sequence models, which learn the generator's own motion.
"""

from __future__ import annotations

import numpy as np

from highlights.pose_classifier.skeleton import (
    L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, NOSE, R_ANKLE, R_ELBOW, R_HIP, R_KNEE,
    R_SHOULDER, R_WRIST,
)

_NAMES: list[str] = []
# How the features are computed, stored in every features model (`PoseClassifier.feature_version`)
# so a model is always given the features it was trained on. 1: `wrist_reach` read an unseen wrist
# at the hip centre as a position, and `hip_vy_max` took a gap of unseen hips for one frame's motion;
# 2: neither does. Models written before the version was stored are version 1.
FEATURE_VERSION = 2
FEATURE_VERSIONS = (1, 2)


_STATS = {
    "max": np.max,
    "min": np.min,
    "mean": np.mean,
    "p90": lambda v: np.percentile(v, 90),
}


def _stat(name: str, values: np.ndarray, mask: np.ndarray, kinds=("max", "mean")) -> list[tuple[str, float]]:
    """`name_kind` for each kind in `kinds` over the masked values (0.0 where none is masked in)."""
    v = values[mask] if mask.any() else np.zeros(1)
    return [(f"{name}_{k}", float(_STATS[k](v))) for k in kinds]


def _speed(norm: np.ndarray, j: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    seen = norm[:, j, 2] > 0
    both = seen[1:] & seen[:-1]
    sp = np.linalg.norm(norm[1:, j, :2] - norm[:-1, j, :2], axis=1) * fps
    return sp, both


def _pair(norm, a, b, fn):
    """fn for joint a and joint b; returns (larger, smaller) per frame, with the joint masks."""
    va, ma = fn(norm, a)
    vb, mb = fn(norm, b)
    va = np.where(ma, va, -np.inf)
    vb = np.where(mb, vb, -np.inf)
    hi, lo = np.maximum(va, vb), np.minimum(va, vb)
    return hi, ma | mb, lo, ma & mb


def _hip_vy_max(hip_y: np.ndarray, hip_ok: np.ndarray, fps: float, version: int) -> float:
    """The hips' fastest vertical speed over a frame pair (per second). Version 1 differenced the
    seen frames as if they were consecutive, so hips unseen for k frames moved k frames' worth in one."""
    if version == 1:
        return float(np.max(np.abs(np.diff(hip_y[hip_ok]))) * fps)
    pairs = hip_ok[1:] & hip_ok[:-1]
    if not pairs.any():
        return 0.0
    return float(np.max(np.abs(np.diff(hip_y))[pairs]) * fps)


def window_features(norm: np.ndarray, fps: float, version: int = FEATURE_VERSION,
                    side_free: bool = False) -> tuple[np.ndarray, list[str]]:
    """(T,17,3) normalised window -> (F,) float32 features and their names, computed as feature
    version `version` (`FEATURE_VERSIONS`) computes them; with `side_free` the limbs' speeds are
    those of `_side_free_speeds` (the same names), and no feature changes when a pair's left and
    right joints swap in any frames."""
    if version not in FEATURE_VERSIONS:
        raise ValueError(f"unknown pose feature version {version!r}; expected one of {FEATURE_VERSIONS}")
    seen = norm[:, :, 2] > 0
    hip_ok = seen[:, L_HIP] & seen[:, R_HIP]
    hip = 0.5 * (norm[:, L_HIP, :2] + norm[:, R_HIP, :2])  # the centre of the hips
    sho_ok = seen[:, L_SHOULDER] & seen[:, R_SHOULDER]
    sho = 0.5 * (norm[:, L_SHOULDER, :2] + norm[:, R_SHOULDER, :2])
    feats = [*_limb_speeds(norm, fps, side_free), *_hip_motion(hip, hip_ok, fps, version),
             *_arm_features(norm, seen, sho, sho_ok, version), *_leg_features(norm, seen, hip, hip_ok)]
    # Trunk lean from vertical (radians, either way) and its range.
    trunk = sho - hip
    lean = np.abs(np.arctan2(trunk[:, 0], np.maximum(trunk[:, 1], 1e-3)))
    feats += _stat("lean", lean, hip_ok & sho_ok, ("max", "mean", "min"))
    feats.append(("visible_frac", float(seen.mean())))
    feats.append(("legs_visible_frac", float(seen[:, [L_KNEE, R_KNEE, L_ANKLE, R_ANKLE]].mean())))
    names = [n for n, _ in feats]
    values = np.array([v for _, v in feats], dtype=np.float32)
    values[~np.isfinite(values)] = 0.0
    return values, names


def _side_free_speeds(norm: np.ndarray, a: int, b: int, fps: float):
    """The faster and the slower speed of joints a and b per frame pair, as `_pair` returns them,
    whichever of the two joints is named left in each frame: with both joints seen in both frames,
    the pairing of the frames' joints that moves them least (ties to the one whose faster joint is
    slower); with one seen in a frame, the shortest move from one frame's seen joints to the
    other's, as the faster (the slower unseen). Hand-written: no library pairs two points."""
    seen = norm[:, [a, b], 2] > 0
    pts = norm[:, [a, b], :2]
    # dist[t, i, j]: from joint i in frame t to joint j in frame t + 1.
    dist = np.linalg.norm(pts[1:, None, :, :] - pts[:-1, :, None, :], axis=3) * fps
    valid = seen[:-1, :, None] & seen[1:, None, :]
    straight = np.stack([dist[:, 0, 0], dist[:, 1, 1]], 1)
    crossed = np.stack([dist[:, 0, 1], dist[:, 1, 0]], 1)
    key_s = np.stack([straight.sum(1), straight.max(1)], 1)
    key_c = np.stack([crossed.sum(1), crossed.max(1)], 1)
    take_s = (key_s[:, 0] < key_c[:, 0]) | (
        (key_s[:, 0] == key_c[:, 0]) & (key_s[:, 1] <= key_c[:, 1]))
    chosen = np.where(take_s[:, None], straight, crossed)
    full = valid.all(axis=(1, 2))
    nearest = np.where(valid, dist, np.inf).min(axis=(1, 2))
    hi = np.where(full, chosen.max(1), nearest)
    lo = np.where(full, chosen.min(1), -np.inf)
    mhi = valid.any(axis=(1, 2))
    first = np.array([0.0])
    return (np.concatenate([first, hi]), np.concatenate([[False], mhi]),
            np.concatenate([first, lo]), np.concatenate([[False], full]))


def _limb_speeds(norm: np.ndarray, fps: float, side_free: bool = False) -> list[tuple[str, float]]:
    """The faster and the slower of each pair of wrists, ankles, knees and elbows: their speeds."""
    def speed_of(n, j):
        sp, ok = _speed(n, j, fps)
        return np.concatenate([[0.0], sp]), np.concatenate([[False], ok])

    feats: list[tuple[str, float]] = []
    for name, (a, b) in {"wrist": (L_WRIST, R_WRIST), "ankle": (L_ANKLE, R_ANKLE),
                         "knee": (L_KNEE, R_KNEE), "elbow": (L_ELBOW, R_ELBOW)}.items():
        if side_free:
            hi, mhi, lo, mlo = _side_free_speeds(norm, a, b, fps)
        else:
            hi, mhi, lo, mlo = _pair(norm, a, b, speed_of)
        feats += _stat(f"{name}_speed_hi", hi, mhi & np.isfinite(hi), ("max", "mean", "p90"))
        feats += _stat(f"{name}_speed_lo", lo, mlo & np.isfinite(lo), ("max", "mean"))
    return feats


def _hip_motion(hip: np.ndarray, hip_ok: np.ndarray, fps: float, version: int) -> list[tuple[str, float]]:
    """The centre of the hips: travel and vertical motion (jumps) in the window's own frame."""
    if hip_ok.sum() < 2:
        return [("hip_rise", 0.0), ("hip_dip", 0.0), ("hip_travel", 0.0), ("hip_vy_max", 0.0)]
    hy = hip[hip_ok, 1]
    hx = hip[hip_ok, 0]
    return [("hip_rise", float(hy.max() - np.median(hy))), ("hip_dip", float(np.median(hy) - hy.min())),
            ("hip_travel", float(hx.max() - hx.min())), ("hip_vy_max", _hip_vy_max(hip[:, 1], hip_ok, fps, version))]


def _arm_features(norm: np.ndarray, seen: np.ndarray, sho: np.ndarray, sho_ok: np.ndarray,
                  version: int) -> list[tuple[str, float]]:
    """The wrists against the shoulders and the head, their gap, and their reach forward of the body."""
    def rel_height(n, j):
        ok = seen[:, j] & sho_ok
        return n[:, j, 1] - sho[:, 1], ok

    hi, mhi, lo, mlo = _pair(norm, L_WRIST, R_WRIST, rel_height)
    feats = _stat("wrist_above_shoulder_hi", hi, mhi & np.isfinite(hi), ("max", "mean", "min"))
    feats += _stat("wrist_above_shoulder_lo", lo, mlo & np.isfinite(lo), ("max", "mean"))
    ok = mhi & np.isfinite(hi)
    feats.append(("wrist_over_shoulder_frac", float(np.mean(hi[ok] > 0)) if ok.any() else 0.0))
    ok2 = mlo & np.isfinite(lo)
    feats.append(("both_wrists_over_shoulder_frac", float(np.mean(lo[ok2] > 0)) if ok2.any() else 0.0))
    nose_ok = seen[:, NOSE]
    wr_top = np.where(seen[:, L_WRIST], norm[:, L_WRIST, 1], -np.inf)
    wr_top = np.maximum(wr_top, np.where(seen[:, R_WRIST], norm[:, R_WRIST, 1], -np.inf))
    okn = nose_ok & np.isfinite(wr_top)
    feats.append(("wrist_over_head_frac", float(np.mean(wr_top[okn] > norm[okn, NOSE, 1])) if okn.any() else 0.0))
    both_w = seen[:, L_WRIST] & seen[:, R_WRIST]
    wd = np.linalg.norm(norm[:, L_WRIST, :2] - norm[:, R_WRIST, :2], axis=1)
    feats += _stat("wrist_gap", wd, both_w, ("max", "mean", "min"))
    # Wrists forward of the body (reach) and arm extension.
    reach = np.abs(np.stack([norm[:, L_WRIST, 0], norm[:, R_WRIST, 0]], 1) - sho[:, :1])
    rm = np.stack([seen[:, L_WRIST], seen[:, R_WRIST]], 1) & sho_ok[:, None]
    if version >= 2:  # the farther of the wrists seen, not an unseen one at the hip centre
        reach = np.where(rm, reach, -np.inf)
    feats += _stat("wrist_reach", reach.max(axis=1), rm.any(axis=1), ("max", "mean"))
    return feats


def _leg_features(norm: np.ndarray, seen: np.ndarray, hip: np.ndarray, hip_ok: np.ndarray) -> list[tuple[str, float]]:
    """The higher ankle and knee against the hips, and how far apart the feet are."""
    def foot_height(n, j):
        return n[:, j, 1] - hip[:, 1], seen[:, j] & hip_ok

    hi, mhi, _, _ = _pair(norm, L_ANKLE, R_ANKLE, foot_height)
    feats = _stat("ankle_above_hip_hi", hi, mhi & np.isfinite(hi), ("max", "mean"))
    hi, mhi, _, _ = _pair(norm, L_KNEE, R_KNEE, foot_height)
    feats += _stat("knee_above_hip_hi", hi, mhi & np.isfinite(hi), ("max", "mean"))
    ank_both = seen[:, L_ANKLE] & seen[:, R_ANKLE]
    stride = np.abs(norm[:, L_ANKLE, 0] - norm[:, R_ANKLE, 0])
    feats += _stat("feet_apart", stride, ank_both, ("max", "mean"))
    return feats


def feature_names() -> list[str]:
    if not _NAMES:
        dummy = np.zeros((4, 17, 3), np.float32)
        _NAMES.extend(window_features(dummy, 10.0)[1])
    return list(_NAMES)
