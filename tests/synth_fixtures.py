"""Shared helpers for the synthetic-footage tests: small clips, rendered once per session."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from highlights.synth import ClipRequest, render_clip
from highlights.synth.body import (
    L_ANKLE, L_HIP, L_WRIST, R_ANKLE, R_HIP, R_WRIST,
)

SMALL = (320, 180)


def request(label: str, seed: int, *, sport: str | None = None, motion: str | None = None,
            seconds: float = 1.5, difficulty: float = 0.0, size=SMALL, fps: float = 30.0,
            rotation: int = 0) -> ClipRequest:
    from highlights.synth import SPORT_OF_LABEL
    return ClipRequest(label=label, seed=seed, scene_seed=seed + 1000, group=f"synth-test-{seed}",
                       sport=sport or SPORT_OF_LABEL[label], seconds=seconds, width=size[0],
                       height=size[1], fps=fps, rotation=rotation, difficulty=difficulty, motion=motion)


@lru_cache(maxsize=None)
def rendered(label: str, seed: int, sport: str | None = None, motion: str | None = None,
             difficulty: float = 0.0, seconds: float = 1.5):
    """(frames, truth) of a small clip, cached: several tests look at the same clips."""
    return render_clip(request(label, seed, sport=sport, motion=motion, difficulty=difficulty, seconds=seconds))


def actor_track(truth: dict) -> list[dict | None]:
    """The actor's record in every frame (None where it is out of view)."""
    out = []
    for fr in truth["frames"]:
        actor = [p for p in fr["persons"] if p["actor"]]
        out.append(actor[0] if actor else None)
    return out


def keypoints(truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """(T,17,3) actor keypoints (NaN where the actor is absent) and (T,) box heights."""
    track = actor_track(truth)
    kp = np.full((len(track), 17, 3), np.nan)
    heights = np.full(len(track), np.nan)
    for i, p in enumerate(track):
        if p is not None:
            kp[i] = np.asarray(p["keypoints"], dtype=float)
            heights[i] = p["box"][3] - p["box"][1]
    return kp, heights


def relative_speed(truth: dict, joints: tuple[int, int]) -> np.ndarray:
    """Per-frame speed of the faster of two joints relative to the hip centre, in body heights
    per second (so camera pan and running speed cancel out)."""
    kp, heights = keypoints(truth)
    hip = (kp[:, L_HIP, :2] + kp[:, R_HIP, :2]) / 2
    scale = np.nanmedian(heights)
    fps = truth["fps"]
    speeds = []
    for j in joints:
        rel = kp[:, j, :2] - hip
        v = np.linalg.norm(np.diff(rel, axis=0), axis=1) * fps / scale
        speeds.append(v)
    return np.nanmax(np.stack(speeds), axis=0)


WRISTS = (L_WRIST, R_WRIST)
ANKLES = (L_ANKLE, R_ANKLE)
HIPS = (L_HIP, R_HIP)
