"""Whose action a synthetic game's event is, for the miss attribution.

The annotation names no person, but the game's truth (NAME.gt.jsonl) marks in every frame the
player the camera follows (`actor`), the one who performs the shot's events. Where a run's tracks
are the truth's person ids (ground-truth detection, or ground-truth pose with detection off), a
trigger or classifier window can be told to be that player's or another person's: another
person's trigger near the key moment can suppress the player's own, and the window left then
reads the other person. Elsewhere (real footage, a detector's own track ids) nothing is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from highlights.pipeline.context import default_gt_path
from highlights.pipeline.ground_truth import GroundTruthReader, check_truth_of_video


@dataclass(frozen=True)
class EventPerson:
    """The truth's id of the person who performs an event, the run's track id of them."""

    id: int

    def owns(self, row: dict[str, Any]) -> bool:
        """Whether a trace row (a trigger or classifier window) is this person's: one with no
        track cannot be told apart, and counts as theirs, as every row did before."""
        track = row.get("track")
        return track is None or str(track) == str(self.id)


def tracks_are_truth_ids(config) -> bool:
    """Whether the run's track ids are the truth's person ids (`gt_detection`, `gt_pose`)."""
    detection, pose = config.detection, config.pose
    if detection.enabled:
        return detection.backend == "gt"
    return pose.enabled and pose.backend == "gt"


def event_persons(config, video_path: str | Path | None, events: Sequence[Any]
                  ) -> list[EventPerson | None] | None:
    """Per event, the followed player at its key moment (None where the frame has not exactly
    one); None for all where the run's tracks are not the truth's ids or no truth is there. A
    truth that its game's annotation was not written with is refused (`check_truth_of_video`), as
    the gt backends refuse it: its persons would be another game's."""
    if video_path is None or not tracks_are_truth_ids(config) or any(
            getattr(e, "half", None) is not None for e in events):
        return None
    path = Path(config.analysis.gt_path or default_gt_path(video_path))
    if not path.is_file():
        return None
    check_truth_of_video(path, Path(video_path))
    out: list[EventPerson | None] = [None] * len(events)
    reader = GroundTruthReader(path)
    try:  # the reader streams forward: key moments are read in time order
        for i in sorted(range(len(events)), key=lambda i: float(events[i].key_s)):
            actors = [p for p in reader.persons_at(float(events[i].key_s)) if p.get("actor")]
            if len(actors) == 1 and actors[0].get("id") is not None:
                out[i] = EventPerson(int(actors[0]["id"]))
    finally:
        reader.close()
    return out
