"""What the stages of one run share: the video, its ground truth if any, the buffers, the trace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from highlights.pipeline.clock import StageClock
from highlights.pipeline.ring import TimeRing
from highlights.pipeline.records import FrameRecord
from highlights.pipeline.trace import StageTrace

if TYPE_CHECKING:
    from highlights.events import GameAnnotation
    from highlights.video import VideoInfo


def default_gt_path(video_path: str | Path) -> Path:
    """The synthetic generator writes NAME.gt.jsonl beside NAME.mp4."""
    p = Path(video_path)
    return p.with_name(p.stem + ".gt.jsonl")


@dataclass
class RunContext:
    video_path: Path
    info: "VideoInfo"
    annotation: "GameAnnotation | None" = None
    gt_path: Path | None = None
    frames: TimeRing[np.ndarray] | None = None  # classifier-size frames of the recent past
    records: TimeRing[FrameRecord] | None = None  # frame records of the recent past (no pixels)
    trace: StageTrace = field(default_factory=StageTrace)
    cache: dict[Any, Any] | None = None  # shared across runs by the ablation
    shared: dict[str, Any] = field(default_factory=dict)  # e.g. one MediaPipe model for detection+pose
    stream_time_s: float = 0.0  # time of the newest frame read so far
    clock: StageClock = field(default_factory=StageClock)  # seconds per stage
    progress: bool = True  # whether the run shows progress (a batch worker's does not)
    kept_frames: Any = None  # pipeline.kept_frames.KeptFrames: detections kept for a stopped run to go on
    file_state: Any = None  # video.unchanged_check.FileState before the video was opened

    def records_between(self, start_s: float, end_s: float) -> list[FrameRecord]:
        if self.records is None:
            return []
        return [r for _, r in self.records.between(start_s, end_s)]

    @property
    def source_size(self) -> tuple[int, int]:
        return int(self.info.width), int(self.info.height)
