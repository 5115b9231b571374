"""Person detection from a synthetic game's ground truth, with optional dropout and box jitter
(`detection.backend=gt`): every stage runs in a fraction of a model's time, and dropout 1.0 makes
detection find nothing, to check that the failure attribution names it."""

from __future__ import annotations

import numpy as np

from highlights.pipeline.ground_truth import DETECTION_STREAM, frame_rng, gt_box, release_reader, shared_reader
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.registry import register
from highlights.pipeline.roles import FrameStage


@register
class GroundTruthDetection(FrameStage):
    name = "detection"
    backend = "gt"
    reads = ("analysis",)  # analysis.gt_path
    frame_fields = ("persons",)

    def on_frame(self, frame: FrameRecord) -> None:
        cfg = self.settings
        rng = frame_rng(cfg.gt_seed, DETECTION_STREAM, frame.index)
        persons = []
        for p in shared_reader(self.context).persons_at(frame.time_s):
            if rng.random() < cfg.gt_dropout:
                continue
            x1, y1, x2, y2 = gt_box(p)
            if cfg.gt_noise > 0:
                w, h = x2 - x1, y2 - y1
                jitter = rng.normal(0.0, cfg.gt_noise, 4) * np.array([w, h, w, h])
                x1, y1, x2, y2 = (float(v) for v in np.array([x1, y1, x2, y2]) + jitter)
            persons.append(Person(box=(x1, y1, x2, y2), score=1.0, track_id=p.get("id")))
        frame.persons = persons

    def close(self) -> None:
        release_reader(self.context)
