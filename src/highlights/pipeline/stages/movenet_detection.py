"""Every player (`detection.backend=movenet`): MoveNet MultiPose boxes with track ids, offline.
The model and tracker settings live in this section; the pose backend of the same name reuses
the frame's one pass for the keypoints."""

from __future__ import annotations

from highlights.pipeline.movenet_people import SharedMoveNetHooks, shared_movenet
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage


@register
class MoveNetDetection(SharedMoveNetHooks, FrameStage):
    name = "detection"
    backend = "movenet"
    reads = ("analysis", "candidates")
    frame_fields = ("persons",)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        shared_movenet(config, context)  # a missing or corrupt model fails now, not at the first frame

    def on_frame(self, frame: FrameRecord) -> None:
        people = shared_movenet(self.config, self.context).people(frame, self.context.source_size)
        # Boxes and ids only: the keypoints are the pose stage's to attach (or not, when it is off).
        frame.persons = [Person(box=p.box, score=p.score, track_id=p.track_id) for p in people]
