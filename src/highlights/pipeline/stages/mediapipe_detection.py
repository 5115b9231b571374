"""Person detection with MediaPipe BlazePose (`detection.backend=mediapipe`): one person a frame,
boxed by the extent of its landmarks. The model settings live in the `pose` section, since the
detection and pose backends share one model."""

from __future__ import annotations

from highlights.pipeline.blazepose import keypoints_box, release_blazepose, shared_blazepose
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage


@register
class BlazePoseDetection(FrameStage):
    name = "detection"
    backend = "mediapipe"
    reads = ("analysis", "candidates", "pose")
    frame_fields = ("persons",)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        shared_blazepose(config, context)  # fail now, not at the first frame

    def on_frame(self, frame: FrameRecord) -> None:
        kp = shared_blazepose(self.config, self.context).landmarks(frame.index, frame.rgb,
                                                                   self.context.source_size)
        box = None if kp is None else keypoints_box(kp, self.config.pose.min_visibility)
        frame.persons = [] if box is None else [Person(box=box, score=float(kp[:, 2].mean()), track_id=0)]

    def close(self) -> None:
        release_blazepose(self.context)
