"""Ground-truth detection and pose for synthetic games: read NAME.gt.jsonl, add noise and dropout.

With these, every stage runs on a synthetic game in a fraction of the time a model would take,
and a stage can be degraded on purpose (dropout 1.0 = the stage finds nothing) to check that the
failure attribution names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from highlights.pipeline.stage import FrameRecord, Person, Stage, register
from highlights.errors import MissingFileError
from highlights.events.formats import AnnotationError

_DETECTION, _POSE = 1, 2


class GroundTruthReader:
    """Streams NAME.gt.jsonl in step with the analysis frames (one line per encoded frame)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingFileError(self.path, "ground-truth file not found "
                                   "(the gt backends need the synthetic game's NAME.gt.jsonl)")
        self._fh = self.path.open("r")
        self._line_no = 0
        self._prev: dict[str, Any] | None = None
        self._next: dict[str, Any] | None = self._read()
        self._last_query: tuple[float, list[dict]] | None = None

    def _read(self) -> dict[str, Any] | None:
        line = self._fh.readline()
        while line and not line.strip():
            line = self._fh.readline()
        if not line:
            return None
        self._line_no += 1
        try:
            row = json.loads(line)
            row["t"] = float(row["t"])
            return row
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise AnnotationError(self.path, f"line {self._line_no} is not a ground-truth frame record") from None

    def persons_at(self, time_s: float) -> list[dict[str, Any]]:
        """The persons of the ground-truth frame nearest `time_s` (times must not go backwards)."""
        if self._last_query is not None and self._last_query[0] == time_s:
            return self._last_query[1]
        while self._next is not None and self._next["t"] <= time_s:
            self._prev, self._next = self._next, self._read()
        best = self._prev
        if self._next is not None and (best is None or self._next["t"] - time_s < time_s - best["t"]):
            best = self._next
        persons = [] if best is None else list(best.get("persons") or [])
        self._last_query = (time_s, persons)
        return persons

    def close(self) -> None:
        self._fh.close()


def shared_reader(context) -> GroundTruthReader:
    reader = context.shared.get("gt_reader")
    if reader is None:
        if context.gt_path is None:
            raise MissingFileError(context.video_path, "no ground-truth file (NAME.gt.jsonl) beside it for the gt backends")
        reader = context.shared["gt_reader"] = GroundTruthReader(context.gt_path)
    return reader


def _rng(seed: int, stage: int, frame_index: int) -> np.random.Generator:
    # Seeded per frame, so a frame's noise is the same whichever frames were skipped before it.
    return np.random.default_rng([int(seed), stage, int(frame_index)])


def has_pose(person: Person, min_visibility: float, min_keypoints: int) -> bool:
    kp = person.keypoints
    return kp is not None and int((kp[:, 2] >= min_visibility).sum()) >= min_keypoints


def box_iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _gt_box(p: dict[str, Any]) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in p["box"])
    return (x1, y1, x2, y2)


@register
class GroundTruthDetection(Stage):
    name = "detection"
    backend = "gt"
    config_fields = ("gt_detection_dropout", "gt_detection_noise", "gt_seed")
    frame_fields = ("persons",)

    def on_frame(self, frame: FrameRecord) -> list:
        cfg = self.config
        rng = _rng(cfg.gt_seed, _DETECTION, frame.index)
        persons = []
        for p in shared_reader(self.context).persons_at(frame.time_s):
            if rng.random() < cfg.gt_detection_dropout:
                continue
            x1, y1, x2, y2 = _gt_box(p)
            if cfg.gt_detection_noise > 0:
                w, h = x2 - x1, y2 - y1
                jitter = rng.normal(0.0, cfg.gt_detection_noise, 4) * np.array([w, h, w, h])
                x1, y1, x2, y2 = (float(v) for v in np.array([x1, y1, x2, y2]) + jitter)
            persons.append(Person(box=(x1, y1, x2, y2), score=1.0, track_id=p.get("id")))
        frame.persons = persons
        return []

    def close(self) -> None:
        reader = self.context.shared.pop("gt_reader", None)
        if reader is not None:
            reader.close()


@register
class GroundTruthPose(Stage):
    """Keypoints of the ground truth for each detected person (all persons when detection is off)."""

    name = "pose"
    backend = "gt"
    config_fields = ("gt_pose_dropout", "gt_pose_noise_px", "gt_seed", "pose_min_visibility",
                     "pose_min_keypoints")
    frame_fields = ("persons", "pose_ok")

    def on_frame(self, frame: FrameRecord) -> list:
        cfg = self.config
        rng = _rng(cfg.gt_seed, _POSE, frame.index)
        truth = shared_reader(self.context).persons_at(frame.time_s)
        if frame.persons is None:  # detection switched off: pose finds its own people
            frame.persons = [Person(box=_gt_box(p), track_id=p.get("id")) for p in truth]
        for person in frame.persons:
            match = self._match(person, truth, by_id=cfg.detection and cfg.detection_backend == "gt")
            if match is None or not match.get("keypoints") or rng.random() < cfg.gt_pose_dropout:
                person.keypoints = None
                continue
            kp = np.asarray(match["keypoints"], dtype=np.float32).reshape(-1, 3).copy()
            if cfg.gt_pose_noise_px > 0:
                kp[:, :2] += rng.normal(0.0, cfg.gt_pose_noise_px, (len(kp), 2)).astype(np.float32)
            person.keypoints = kp
            if person.track_id is None:
                person.track_id = match.get("id")
        frame.pose_ok = any(has_pose(p, cfg.pose_min_visibility, cfg.pose_min_keypoints)
                            for p in frame.persons)
        return []

    @staticmethod
    def _match(person: Person, truth: list[dict[str, Any]], by_id: bool) -> dict[str, Any] | None:
        if by_id and person.track_id is not None:
            for p in truth:
                if p.get("id") == person.track_id:
                    return p
        if person.box is None or not truth:
            return None
        best = max(truth, key=lambda p: box_iou(person.box, _gt_box(p)))
        return best if box_iou(person.box, _gt_box(best)) >= 0.3 else None

    def close(self) -> None:
        reader = self.context.shared.pop("gt_reader", None)
        if reader is not None:
            reader.close()
