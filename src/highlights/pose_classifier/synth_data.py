"""Training windows from the synthetic generator's ground-truth poses, without rendering video.

Each sample is one actor's motion as a clip would have it (`synth.clip.plan_actor`: the same
bodies, actions, confusers and background play as the generated clips), read as COCO-17 points at
the classifier's frame rate over one window. Action windows hold the action's key moment (bat-ball
contact, release, ball contact) somewhere in their middle half; `none` windows come from calm
background play, active background play and the confusers in equal shares.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from highlights.progress import progress_bar
from highlights.synth.clip import (
    ACTIVE_NONE_MOTIONS, CONFUSERS, LABELS, NONE_MOTIONS, SPORT_OF_LABEL, SPORTS, ClipRequest, plan_actor,
)
from highlights.synth.difficulty import knobs_for

PIXELS_PER_METRE = 100.0   # any scale: windows are normalised by torso length


@dataclass(frozen=True)
class SynthWindowSpec:
    count: int = 4000
    seed: int = 0
    fps: float = 10.0
    window_frames: int = 20
    none_share: float = 0.4
    difficulty: tuple[float, float] = (0.2, 0.9)

    def to_dict(self) -> dict:
        return asdict(self)


def _none_motion(rng: np.random.Generator, sport: str) -> str:
    kind = rng.integers(3)
    pool = (NONE_MOTIONS, ACTIVE_NONE_MOTIONS, CONFUSERS)[int(kind)][sport]
    return str(rng.choice(pool))


def synth_windows(spec: SynthWindowSpec, *, show_progress: bool = False,
                  classes: tuple[str, ...] = LABELS) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(N,T,17,3) keypoints in pixel-like units (x right, y down, visibility 1), (N,) class
    indices into `classes`, and each sample's motion name."""
    rng = np.random.default_rng([spec.seed, 77])
    actions = [c for c in classes if c != "none"]
    T = spec.window_frames
    window_s = T / spec.fps
    windows = np.zeros((spec.count, T, 17, 3), np.float32)
    labels = np.zeros(spec.count, np.int64)
    names: list[str] = []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("synthetic pose windows", total=spec.count)
        for i in range(spec.count):
            seed = int(spec.seed) * 1_000_003 + i
            if rng.random() < spec.none_share or not actions:
                label = "none"
                sport = str(rng.choice(SPORTS))
                motion_name = _none_motion(rng, sport)
            else:
                label = str(rng.choice(actions))
                sport = SPORT_OF_LABEL[label]
                motion_name = None
            difficulty = float(rng.uniform(*spec.difficulty))
            seconds = window_s + float(rng.uniform(0.6, 1.6))
            req = ClipRequest(label=label, seed=seed, scene_seed=seed, group="g", sport=sport,
                              seconds=seconds, difficulty=difficulty, motion=motion_name)
            _, _, motion, name = plan_actor(req, np.random.default_rng([seed, 1]), knobs_for(difficulty))
            if motion.action is not None:
                key = motion.action[1]
                start = key - window_s * float(rng.uniform(0.25, 0.75))
            else:
                start = float(rng.uniform(0.0, max(0.0, min(seconds, motion.duration) - window_s)))
            times = start + np.arange(T) / spec.fps
            for k, t in enumerate(times):
                pts = motion.skeleton(float(np.clip(t, 0.0, motion.duration))).points[:17]
                windows[i, k, :, 0] = pts[:, 0] * PIXELS_PER_METRE
                windows[i, k, :, 1] = -pts[:, 1] * PIXELS_PER_METRE
                windows[i, k, :, 2] = 1.0
            labels[i] = classes.index(label)
            names.append(name)
            progress.advance(task)
    return windows, labels, names
