"""Pose from a synthetic game's ground truth, with optional dropout and keypoint jitter
(`pose.backend=gt`): the keypoints of the ground-truth person each detected person matches (by
track id after gt detection, else by box overlap), or of every person when detection is off."""

from __future__ import annotations

from typing import Any

import numpy as np

from highlights.pipeline.ground_truth import POSE_STREAM, frame_rng, gt_box, release_reader, shared_reader
from highlights.people.boxes import box_iou
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage

_MIN_MATCH_IOU = 0.3


@register
class GroundTruthPose(FrameStage):
    name = "pose"
    backend = "gt"
    reads = ("analysis", "detection")  # analysis.gt_path; matching by id after gt detection
    frame_fields = ("persons", "pose_ok")

    def on_frame(self, frame: FrameRecord) -> None:
        cfg = self.settings
        rng = frame_rng(cfg.gt_seed, POSE_STREAM, frame.index)
        truth = shared_reader(self.context).persons_at(frame.time_s)
        if frame.persons is None:  # detection switched off: pose finds its own people
            frame.persons = [Person(box=gt_box(p), track_id=p.get("id")) for p in truth]
        detection = self.config.detection
        for person in frame.persons:
            match = self._match(person, truth, by_id=detection.enabled and detection.backend == "gt")
            if match is None or not match.get("keypoints") or rng.random() < cfg.gt_dropout:
                person.keypoints = None
                continue
            kp = np.asarray(match["keypoints"], dtype=np.float32).reshape(-1, 3).copy()
            if cfg.gt_noise_px > 0:
                kp[:, :2] += rng.normal(0.0, cfg.gt_noise_px, (len(kp), 2)).astype(np.float32)
            person.keypoints = kp
            if person.track_id is None:
                person.track_id = match.get("id")
        frame.pose_ok = any(p.has_pose(cfg.min_visibility, cfg.min_keypoints) for p in frame.persons)

    @staticmethod
    def _match(person: Person, truth: list[dict[str, Any]], by_id: bool) -> dict[str, Any] | None:
        if by_id and person.track_id is not None:
            for p in truth:
                if p.get("id") == person.track_id:
                    return p
        if person.box is None or not truth:
            return None
        best = max(truth, key=lambda p: box_iou(person.box, gt_box(p)))
        return best if box_iou(person.box, gt_box(best)) >= _MIN_MATCH_IOU else None

    def close(self) -> None:
        release_reader(self.context)
