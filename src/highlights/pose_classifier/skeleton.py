"""One person's COCO-17 keypoints over a window, made comparable across people and cameras.

`normalise` centres a window on the person's median mid-hip and divides by the median torso
length (mid-hip to mid-shoulder), with y pointing up, so a jump still rises and a run still
travels but the size and place of the person in the frame are gone. `mirror` swaps left and
right (the same action done by a left-hander). `resample` puts any frame times onto the model's
fixed rate.
"""

from __future__ import annotations

import numpy as np

from highlights.synth.body import COCO_KEYPOINTS

NUM_JOINTS = 17
NOSE = 0
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 5, 6, 7, 8, 9, 10
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 11, 12, 13, 14, 15, 16
# COCO index of each joint's mirror image (left <-> right).
FLIP = tuple(COCO_KEYPOINTS.index(n.replace("left_", "#").replace("right_", "left_").replace("#", "right_"))
             for n in COCO_KEYPOINTS)
MIN_VISIBILITY = 0.3


def _centre(kp: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame midpoint of joints a and b, and whether both were seen."""
    ok = (kp[:, a, 2] >= MIN_VISIBILITY) & (kp[:, b, 2] >= MIN_VISIBILITY)
    return 0.5 * (kp[:, a, :2] + kp[:, b, :2]), ok


def normalise(kp: np.ndarray) -> np.ndarray | None:
    """(T,17,3) pixel keypoints (x right, y down, visibility 0-1) -> (T,17,3) body units
    (x right, y up, visibility; unseen joints at 0,0 with visibility 0), or None when the
    window never shows a hip and a shoulder together (no scale to normalise by)."""
    kp = np.asarray(kp, dtype=np.float32)
    hip, hip_ok = _centre(kp, L_HIP, R_HIP)
    sho, sho_ok = _centre(kp, L_SHOULDER, R_SHOULDER)
    both = hip_ok & sho_ok
    if not both.any():
        return None
    torso = float(np.median(np.linalg.norm(sho[both] - hip[both], axis=1)))
    if torso < 1e-3:
        return None
    centre = np.median(hip[both], axis=0)
    out = np.zeros_like(kp)
    seen = kp[:, :, 2] >= MIN_VISIBILITY
    xy = (kp[:, :, :2] - centre) / torso
    xy[:, :, 1] *= -1.0
    out[:, :, :2] = np.where(seen[:, :, None], xy, 0.0)
    out[:, :, 2] = np.where(seen, np.clip(kp[:, :, 2], 0.0, 1.0), 0.0)
    return out


def mirror(norm: np.ndarray) -> np.ndarray:
    """A normalised window seen in a mirror: x negated, left and right joints swapped."""
    out = norm[:, list(FLIP)].copy()
    out[:, :, 0] *= -1.0
    return out


def with_velocity(norm: np.ndarray, fps: float) -> np.ndarray:
    """(T,17,3) -> (T,17,5): x, y, per-second velocity vx, vy (zero where either frame lacks the
    joint), visibility."""
    seen = norm[:, :, 2] > 0
    vel = np.zeros(norm.shape[:2] + (2,), np.float32)
    both = seen[1:] & seen[:-1]
    vel[1:] = np.where(both[:, :, None], (norm[1:, :, :2] - norm[:-1, :, :2]) * fps, 0.0)
    return np.concatenate([norm[:, :, :2], vel, norm[:, :, 2:3]], axis=2)


def resample(kp: np.ndarray, times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The keypoint frame nearest each grid time (a gap wider than one grid step stays unseen)."""
    times = np.asarray(times, dtype=np.float64)
    if len(times) == 0:
        return np.zeros((len(grid), NUM_JOINTS, 3), np.float32)
    idx = np.clip(np.searchsorted(times, grid), 0, len(times) - 1)
    prev = np.clip(idx - 1, 0, len(times) - 1)
    idx = np.where(np.abs(times[prev] - grid) < np.abs(times[idx] - grid), prev, idx)
    out = np.asarray(kp, np.float32)[idx].copy()
    step = (grid[1] - grid[0]) if len(grid) > 1 else 1.0
    far = np.abs(times[idx] - grid) > step
    out[far] = 0.0
    return out
