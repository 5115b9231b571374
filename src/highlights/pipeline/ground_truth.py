"""The per-frame ground truth of a synthetic game (NAME.gt.jsonl), read as a stream in step with
the analysis frames, for the `gt` detection and pose backends."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from highlights.errors import MissingFileError
from highlights.events.formats import AnnotationError
from highlights.file_hash import file_sha256
from highlights.file_set import WRITTEN_WITH, check_written_with

GT_SUFFIX = ".gt.jsonl"
AGAIN = "make the game again (the same `highlights synth game` command)"

log = logging.getLogger(__name__)

DETECTION_STREAM, POSE_STREAM = 1, 2  # separate random streams for the two stages' noise


class GroundTruthReader:
    """Streams NAME.gt.jsonl in step with the analysis frames (one line per encoded frame)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not os.path.isfile(self.path):  # (a name too long to exist is not there either)
            raise MissingFileError(self.path, "ground-truth file not found "
                                   "(the gt backends need the synthetic game's NAME.gt.jsonl)")
        self._fh = self.path.open("r", encoding="utf-8")
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
    """One reader per run, shared by the gt detection and pose backends."""
    reader = context.shared.get("gt_reader")
    if reader is None:
        if context.gt_path is None:
            raise MissingFileError(context.video_path,
                                   "no ground-truth file (NAME.gt.jsonl) beside it for the gt backends")
        check_truth_of_video(Path(context.gt_path), Path(context.video_path))
        reader = context.shared["gt_reader"] = GroundTruthReader(context.gt_path)
    return reader


def check_truth_of_video(gt_path: Path, video_path: Path) -> None:
    """A `MixedSetError` where the game's annotation beside NAME.gt.jsonl (NAME.json, written
    last, naming its video's and truth's sha256) says the truth or the video beside it is not one
    it was written with: a `synth game` killed between its renames over an earlier game of the
    name leaves the later video beside the earlier truth, whose persons are another game's. A
    video elsewhere that the annotation does not name by content is warned of. A truth without
    the annotation, or an annotation that does not name it, is read as before."""
    if not gt_path.name.endswith(GT_SUFFIX):
        return
    record_path = gt_path.with_name(gt_path.name.removesuffix(GT_SUFFIX) + ".json")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # none, or not the generator's: the truth is read alone
    recorded = record.get(WRITTEN_WITH) if isinstance(record, dict) else None
    if not isinstance(recorded, dict) or gt_path.name not in recorded:
        return
    check_written_with(record_path, record, again=AGAIN)
    if os.path.abspath(video_path.parent) == os.path.abspath(gt_path.parent):
        return  # checked with the annotation's other files
    # A video away from the truth with other bytes may be another game, or this one remuxed or
    # cut into another container (the same frames): said, not refused.
    videos = {name: sha for name, sha in recorded.items() if name != gt_path.name and sha}
    if videos and video_path.is_file() and file_sha256(video_path) not in videos.values():
        log.warning("warning: %s: the truth of %s (%s names it by content), not of %s; its persons are "
                    "read as this video's", gt_path, " and ".join(videos), record_path, video_path)


def release_reader(context) -> None:
    reader = context.shared.pop("gt_reader", None)
    if reader is not None:
        reader.close()


def frame_rng(seed: int, stream: int, frame_index: int) -> np.random.Generator:
    # Seeded per frame, so a frame's noise is the same whichever frames were skipped before it.
    return np.random.default_rng([int(seed), stream, int(frame_index)])


def gt_box(p: dict[str, Any]) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in p["box"])
    return (x1, y1, x2, y2)
