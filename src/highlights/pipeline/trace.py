"""What every stage saw, by time: the record the per-stage failure attribution reads.

Per analysis frame only four small numbers are kept (in `array`s: about 20 bytes a frame, so a
90-minute game at 10 fps is ~1 MB); per candidate, trigger and classifier window one small dict.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NOT_RUN = -1


@dataclass
class StageTrace:
    frame_time: array = field(default_factory=lambda: array("d"))
    frame_motion: array = field(default_factory=lambda: array("f"))
    frame_active: array = field(default_factory=lambda: array("b"))
    frame_persons: array = field(default_factory=lambda: array("b"))  # -1: detection not run
    frame_pose_ok: array = field(default_factory=lambda: array("b"))  # -1: pose not run
    windows: list[dict[str, Any]] = field(default_factory=list)  # candidate windows
    triggers: list[dict[str, Any]] = field(default_factory=list)  # kinematic triggers (and misses)
    classifications: list[dict[str, Any]] = field(default_factory=list)  # one per classifier window
    before_merge: list[dict[str, Any]] = field(default_factory=list)  # what merge was given
    cuts: list[float] = field(default_factory=list)  # times of the scene cuts seen
    # The rule the classifier's windows had to pass: {"rule": "action_threshold", "threshold": t}
    # or {"rule": "argmax", "min_score": m}; what a miss's "why" is measured against.
    classifier_gate: dict[str, Any] | None = None
    # Stretches (start_s, end_s) between analysis frames where the video's packets were damaged
    # and no frame decoded (`pipeline.damage`): an event there was never looked at.
    unanalysed_s: list[tuple[float, float]] = field(default_factory=list)

    def add_frame(self, time_s: float, motion: float, active: bool, persons: int | None,
                  pose_ok: bool | None, cut: bool = False) -> None:
        if cut:
            self.cuts.append(round(float(time_s), 3))
        self.frame_time.append(time_s)
        self.frame_motion.append(motion)
        self.frame_active.append(1 if active else 0)
        self.frame_persons.append(NOT_RUN if persons is None else min(int(persons), 127))
        self.frame_pose_ok.append(NOT_RUN if pose_ok is None else int(bool(pose_ok)))

    def frames_between(self, start_s: float, end_s: float) -> dict[str, np.ndarray]:
        t = np.frombuffer(self.frame_time, dtype=np.float64) if len(self.frame_time) else np.zeros(0)
        lo, hi = np.searchsorted(t, start_s, "left"), np.searchsorted(t, end_s, "right")
        return {
            "time": t[lo:hi],
            "motion": np.asarray(self.frame_motion[lo:hi], dtype=np.float32),
            "active": np.asarray(self.frame_active[lo:hi], dtype=np.int8),
            "persons": np.asarray(self.frame_persons[lo:hi], dtype=np.int8),
            "pose_ok": np.asarray(self.frame_pose_ok[lo:hi], dtype=np.int8),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": {
                "time": [round(x, 4) for x in self.frame_time],
                "motion": [round(float(x), 3) for x in self.frame_motion],
                "active": list(self.frame_active),
                "persons": list(self.frame_persons),
                "pose_ok": list(self.frame_pose_ok),
            },
            "windows": self.windows,
            "triggers": self.triggers,
            "classifications": self.classifications,
            "before_merge": self.before_merge,
            "classifier_gate": self.classifier_gate,
        }
