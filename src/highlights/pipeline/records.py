"""What the pipeline's stages hand each other: a person in a frame, a frame's record, a candidate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from highlights.events.interval import Interval


@dataclass
class Person:
    """One person in one frame, in source-video pixels (upright frame)."""

    box: tuple[float, float, float, float] | None
    score: float = 1.0
    keypoints: np.ndarray | None = None  # (17, 3) COCO order: x, y, visibility
    track_id: int | None = None

    def has_pose(self, min_visibility: float, min_keypoints: int) -> bool:
        """At least `min_keypoints` keypoints seen with visibility `min_visibility` or more."""
        return has_pose(self, min_visibility, min_keypoints)


def has_pose(person: Person, min_visibility: float, min_keypoints: int) -> bool:
    kp = person.keypoints
    return kp is not None and int((kp[:, 2] >= min_visibility).sum()) >= min_keypoints


@dataclass
class FrameRecord:
    """What the frame stages learnt about one analysis frame. `rgb` is dropped once they have run."""

    index: int  # analysis-frame counter (0, 1, 2 ... of the subsampled stream)
    time_s: float
    rgb: np.ndarray | None = None  # analysis-size frame
    # (width, height) of the analysis frame where `rgb` was never decoded: a frame an earlier,
    # stopped run of the video analysed, whose kept results are read back (`pipeline.kept_frames`)
    size: tuple[int, int] | None = None
    motion: float = 0.0
    cut: bool = False
    active: bool = True
    persons: list[Person] | None = None  # None: detection did not run on this frame
    pose_ok: bool | None = None  # None: pose did not run on this frame

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the analysis frame, decoded or not."""
        if self.rgb is not None:
            return int(self.rgb.shape[1]), int(self.rgb.shape[0])
        if self.size is None:
            raise ValueError(f"analysis frame {self.index} has neither pixels nor a size")
        return self.size


@dataclass
class Candidate(Interval):
    """A stretch of the game that may hold a highlight, refined stage by stage."""

    start_s: float
    end_s: float
    source: str
    key_s: float | None = None
    label: str | None = None
    sport: str | None = None
    score: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)
    track_id: int | None = None  # the tracked person whose motion keyed it (kinematics), when known
