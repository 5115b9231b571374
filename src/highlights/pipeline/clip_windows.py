"""The classifier windows the pipeline scores on labelled clips: what the action gate is chosen on.

The pipeline's classifier decides one window at a time, on the poses its own detector, pose
estimator and tracker found (on real footage: MoveNet at the analysis size), at the moments its
kinematic triggers picked. A threshold chosen on anything else (a whole clip's BlazePose track,
say) is chosen on different numbers. So the gate is chosen on these windows: each labelled clip
runs through the pipeline once, and every window its classifier scored is kept with all its
class probabilities (they do not depend on the gate, so one run serves every threshold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def clip_window_proba(video: str | Path, config, classes: Sequence[str]) -> np.ndarray:
    """(windows, classes): the probabilities of every classifier window of one pipeline run on
    `video` (zero rows when no candidate reached the classifier)."""
    from highlights.pipeline.run import run_pipeline

    result = run_pipeline(video, config, progress=False)
    rows = [[float(c["probs"][k]) for k in classes] for c in result.trace.classifications]
    return np.asarray(rows, np.float64).reshape(-1, len(classes))


def clips_window_proba(clips, config, classes: Sequence[str], *,
                       on_clip: Callable[[int, object], None] = lambda i, clip: None) -> list[np.ndarray]:
    """`clip_window_proba` of each labelled clip (objects with a `.path`), in order."""
    out = []
    for i, clip in enumerate(clips):
        on_clip(i, clip)
        out.append(clip_window_proba(clip.path, config, classes))
    return out
