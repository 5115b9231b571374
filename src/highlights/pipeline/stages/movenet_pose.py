"""Every player's pose (`pose.backend=movenet`): the 17 COCO keypoints of MoveNet MultiPose for
each tracked person, from the same pass as the movenet detection (or its own, detection off)."""

from __future__ import annotations

from highlights.pipeline.movenet_people import SharedMoveNetHooks, shared_movenet
from highlights.people.boxes import box_iou
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage


@register
class MoveNetPose(SharedMoveNetHooks, FrameStage):
    name = "pose"
    backend = "movenet"
    reads = ("analysis", "candidates", "detection")
    frame_fields = ("persons", "pose_ok")

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        shared_movenet(config, context)

    def on_frame(self, frame: FrameRecord) -> None:
        cfg = self.settings
        people = shared_movenet(self.config, self.context).people(frame, self.context.source_size)
        if frame.persons is None:  # detection off: pose finds its own people
            frame.persons = [Person(box=p.box, score=p.score, keypoints=p.keypoints, track_id=p.track_id)
                             for p in people]
        else:
            by_track = {p.track_id: p for p in people}
            for person in frame.persons:
                match = by_track.get(person.track_id)
                if match is None and person.box is not None and people:
                    # Boxes from another detection backend: the MoveNet person it overlaps most.
                    best = max(people, key=lambda p: box_iou(p.box, person.box))
                    match = best if box_iou(best.box, person.box) >= 0.3 else None
                if match is not None:
                    person.keypoints = match.keypoints
                    if person.track_id is None:
                        person.track_id = match.track_id
        frame.pose_ok = any(p.has_pose(cfg.min_visibility, cfg.min_keypoints) for p in frame.persons)
