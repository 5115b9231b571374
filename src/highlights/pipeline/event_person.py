"""Whose action a synthetic game's event is, for the miss attribution.

The annotation names no person, but the game's truth (NAME.gt.jsonl) marks in every frame the
player the camera follows (`actor`), the one who performs the shot's events. A trigger or
classifier window can then be told to be that player's or another person's: another person's
trigger near the key moment can suppress the player's own, and the window left then reads the
other person. Where a run's tracks are the truth's person ids (ground-truth detection, or
ground-truth pose with detection off), a row is the player's by its track id. Where they are a
detector's own (MoveNet), a row is the player's by its box: the track's box at the row's moment,
which the trace holds, overlapping the truth's box of the player then (`by_box`). On real footage
nothing is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from highlights.events.interval import key_moment
from highlights.people.boxes import box_iou
from highlights.pipeline.context import default_gt_path
from highlights.pipeline.ground_truth import GroundTruthReader, check_truth_of_video, gt_box

# A detector's box and the truth's box of one player overlap by IoU 0.3 or more: a pose model's
# box follows the keypoints it found (a limb or the head left out shrinks it), so it does not meet
# the 0.5 that detection benchmarks ask for, and two players reach 0.3 only where one stands in
# front of the other, where no box tells them apart. Set from that, not from any game's figures.
ACTOR_BOX_IOU = 0.3

BY_TRACK, BY_BOX, BY_ANYONE = "track_id", "box", "anyone"


@dataclass(frozen=True)
class EventPerson:
    """The truth's id of the person who performs an event, and how a trace row is told to be
    theirs (`by`): `track_id` where the run's track ids are the truth's, else `box`, with `boxes`:
    per moment of a trace row, the truth's box of each person then, by id."""

    id: int
    by: str = BY_TRACK
    boxes: Mapping[float, Mapping[int, Any]] = field(default_factory=dict, compare=False,
                                                     repr=False)

    def owns(self, row: dict[str, Any]) -> bool:
        """Whether a trace row (a trigger or classifier window) is this person's. One with no
        track, or (told by box) no box, cannot be told apart, and counts as theirs, as every row
        did before; one at whose moment the truth has no box of them is not theirs."""
        if self.by == BY_TRACK:
            track = row.get("track")
            return track is None or str(track) == str(self.id)
        if row.get("track") is None or row.get("box") is None:
            return True
        truth = self.boxes.get(row_moment(row), {}).get(self.id)
        return truth is not None and box_iou(row["box"], truth) >= ACTOR_BOX_IOU


def row_moment(row: dict[str, Any]) -> float:
    """A trigger's or classifier window's moment: its key moment, else its window's middle."""
    return round(key_moment(row["window"][0], row["window"][1], row.get("key_s")), 3)


def tracks_are_truth_ids(config) -> bool:
    """Whether the run's track ids are the truth's person ids (`gt_detection`, `gt_pose`)."""
    detection, pose = config.detection, config.pose
    if detection.enabled:
        return detection.backend == "gt"
    return pose.enabled and pose.backend == "gt"


def boxed_rows(trace) -> list[dict[str, Any]]:
    """The trace's triggers and classifier windows that hold their track's box. A trace made
    before trigger rows held one has none: its misses are told by anyone's rows, as then."""
    rows = [t for t in trace.triggers if t.get("trigger")] + list(trace.classifications)
    return [r for r in rows if r.get("box") is not None and r.get("track") is not None]


def event_persons(config, video_path: str | Path | None, events: Sequence[Any], trace=None
                  ) -> list[EventPerson | None] | None:
    """Per event, the followed player at its key moment (None where the frame has not exactly
    one), told by track id where the run's tracks are the truth's ids, else by box from `trace`'s
    rows; None for all where no truth is there, or neither way can tell (a detector's tracks
    and no `trace`, or one whose rows hold no box). A truth that its game's annotation was not
    written with is refused (`check_truth_of_video`), as the gt backends refuse it: its persons
    would be another game's."""
    if video_path is None or any(getattr(e, "half", None) is not None for e in events):
        return None
    by_track = tracks_are_truth_ids(config)
    rows = [] if by_track or trace is None else boxed_rows(trace)
    if not by_track and not rows:
        return None
    path = Path(config.analysis.gt_path or default_gt_path(video_path))
    if not path.is_file():
        return None
    check_truth_of_video(path, Path(video_path))
    keys = {i: round(float(e.key_s), 3) for i, e in enumerate(events)}
    truth = _truth_at(path, set(keys.values()) | {row_moment(r) for r in rows})
    boxes = {t: {pid: box for pid, (_, box) in persons.items() if box}
             for t, persons in truth.items()}
    out: list[EventPerson | None] = [None] * len(events)
    for i, key in keys.items():
        actors = [pid for pid, (actor, _) in truth[key].items() if actor]
        if len(actors) == 1:
            out[i] = EventPerson(actors[0]) if by_track else EventPerson(actors[0], BY_BOX, boxes)
    return out


def _truth_at(path: Path, moments: set[float]) -> dict[float, dict[int, tuple[bool, Any]]]:
    """Per moment, each person of the truth's frame nearest it: id -> (the followed player, box)."""
    out = {}
    reader = GroundTruthReader(path)
    try:  # the reader streams forward: moments are read in time order
        for t in sorted(moments):
            out[t] = {int(p["id"]): (bool(p.get("actor")), gt_box(p) if p.get("box") else None)
                      for p in reader.persons_at(t) if p.get("id") is not None}
    finally:
        reader.close()
    return out
