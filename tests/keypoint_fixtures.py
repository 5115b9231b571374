"""Keypoint tracks built by hand for the kinematics and side-continuity tests: a standing body, a
side-on walker, left/right pairs swapped on chosen frames, and frame records carrying a track."""

from __future__ import annotations

import numpy as np

from highlights.pipeline.kinematics import L_ANKLE, R_ANKLE
from highlights.pipeline.records import FrameRecord, Person

FPS = 10.0
L_KNEE, R_KNEE = 13, 14


def still_body(n):
    """(n, 17, 3) standing keypoints, 100 px tall body (torso 30 px)."""
    base = np.array([(0, -44), (-2, -46), (2, -46), (-4, -45), (4, -45), (-10, -30), (10, -30), (-13, -15),
                     (13, -15), (-14, -2), (14, -2), (-6, 0), (6, 0), (-6, 25), (6, 25), (-6, 50), (6, 50)],
                    dtype=np.float64) + np.array([200, 200])
    kp = np.repeat(base[None], n, axis=0)
    return np.concatenate([kp, np.full((n, 17, 1), 2.0)], axis=2)


def walker(frames: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """A side-on walker 100 px tall at 10 fps: torso still in the frame's middle, each ankle
    swinging forward and back half a stride either side of the hips, the two in opposite phase;
    every other joint near its place on the body."""
    times = np.arange(frames) / FPS
    base = np.array([[0, -45], [2, -47], [-2, -47], [4, -46], [-4, -46], [3, -30], [-3, -30],
                     [4, -15], [-4, -15], [5, 0], [-5, 0], [3, 0], [-3, 0], [3, 25], [-3, 25],
                     [3, 50], [-3, 50]], dtype=np.float64)
    kp = np.zeros((frames, 17, 3))
    kp[:, :, :2] = base + np.array([320.0, 180.0])
    kp[:, :, 2] = 0.8
    phase = 2 * np.pi * 1.0 * times  # one stride a second
    for side, (knee, ankle) in ((1, (L_KNEE, L_ANKLE)), (-1, (R_KNEE, R_ANKLE))):
        kp[:, ankle, 0] += side * 20 * np.sin(phase)
        kp[:, knee, 0] += side * 10 * np.sin(phase)
    return times, kp


def swapped(kp: np.ndarray, frames, pairs=((L_ANKLE, R_ANKLE),)) -> np.ndarray:
    out = kp.copy()
    for t in frames:
        for a, b in pairs:
            out[t, [a, b]] = out[t, [b, a]]
    return out


def one_track_records(times, kp) -> list[FrameRecord]:
    """One person, track 1, in a fixed box, with the keypoints of each frame."""
    return [FrameRecord(index=i, time_s=float(t),
                        persons=[Person(box=(300, 120, 340, 240), keypoints=k.astype(np.float32),
                                                                  track_id=1)])
            for i, (t, k) in enumerate(zip(times, kp))]
