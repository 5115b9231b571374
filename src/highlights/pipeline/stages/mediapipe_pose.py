"""Pose with MediaPipe BlazePose (`pose.backend=mediapipe`): the frame's one skeleton goes to the
detected person it overlaps most (or becomes the frame's person when detection is off)."""

from __future__ import annotations

from highlights.pipeline.blazepose import keypoints_box, release_blazepose, shared_blazepose
from highlights.people.boxes import box_iou
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage


@register
class BlazePosePose(FrameStage):
    name = "pose"
    backend = "mediapipe"
    reads = ("analysis", "candidates", "detection")
    frame_fields = ("persons", "pose_ok")

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        shared_blazepose(config, context)

    def on_frame(self, frame: FrameRecord) -> None:
        cfg = self.settings
        kp = shared_blazepose(self.config, self.context).landmarks(frame.index, frame.rgb, self.context.source_size)
        if frame.persons is None:  # detection off
            box = None if kp is None else keypoints_box(kp, cfg.min_visibility)
            frame.persons = [] if box is None else [Person(box=box, track_id=0)]
        elif kp is not None and frame.persons:
            # The one BlazePose skeleton goes to the detected person it overlaps most.
            box = keypoints_box(kp, cfg.min_visibility)
            if box is not None:
                best = max(frame.persons, key=lambda p: box_iou(p.box, box) if p.box else 0.0)
                if best.box is not None and box_iou(best.box, box) > 0.1:
                    best.keypoints = kp
        frame.pose_ok = any(p.has_pose(cfg.min_visibility, cfg.min_keypoints) for p in frame.persons)

    def close(self) -> None:
        release_blazepose(self.context)
