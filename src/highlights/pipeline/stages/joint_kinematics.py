"""Kinematic triggers from joint speeds and trajectories (`kinematics.backend=joints`).

Each candidate window's tracks with pose are measured (`highlights.pipeline.kinematics`); every
trigger becomes a candidate keyed on its moment, one classifier window long, labelled with the
action the trigger suggests, carrying the track id of the person who moved (`track_id`, and
`track` in its evidence; the classifier reads that person and how prominent he is). A window with
no trigger is dropped. Each trigger's trace row also holds its track's box at the trigger's frame
(`box`, frame pixels): the miss attribution tells by it whose trigger it was where the track ids
are a detector's (`highlights.pipeline.event_person`).

With `pose.refine` on, each trigger's window (one classifier window around its moment) has its
track's keypoints estimated again (`highlights.pipeline.pose_refine`) in the frame records, where
the classifier reads them next; the triggers are measured again on them, and a window where none
fires is dropped.
"""

from __future__ import annotations

import math
from copy import deepcopy

from highlights.pipeline.pose_refine import TrackRefiner, check_refine_available
from highlights.pipeline.kinematics import (
    TRIGGER_LABEL, Trigger, find_triggers, prominent, suppress, track_box, tracks_of,
)
from highlights.vocabulary import LABEL_OF_SPORT, UNLABELLED, sport_of
from highlights.pipeline.records import Candidate
from highlights.pipeline.registry import register
from highlights.pipeline.roles import WindowStage
from highlights.pipeline.sport_vote import is_auto


@register
class JointKinematics(WindowStage):
    name = "kinematics"
    backend = "joints"
    reads = ("pose", "classifier")  # pose: on/off, min_visibility, refine; classifier: window_s, sport

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        self.refiner = None
        pose = config.pose
        if pose.enabled and pose.refine != "off":
            check_refine_available(pose.refine)
            self.refiner = TrackRefiner(context.video_path, context.source_size,
                                        margin=pose.refine_margin, short_side=pose.refine_short_side)
        self.refined_dropped = 0

    def report(self) -> dict:
        if self.refiner is None:
            return {}
        return {"refine": {"frames": self.refiner.frames_refined,
                           "frames_without_pose": self.refiner.frames_without_pose,
                           "windows_dropped": self.refined_dropped}}

    def on_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        out: list[Candidate] = []
        for cand in candidates:
            if not self.config.pose.enabled:
                # Nothing to measure without pose: let the window through unkeyed.
                cand.evidence["kinematics"] = {"skipped": "pose is off"}
                out.append(cand)
                continue
            out.extend(self._keyed(cand))
        return out

    def _keyed(self, cand: Candidate) -> list[Candidate]:
        cfg = self.settings
        records = self.context.records_between(cand.start_s, cand.end_s)
        triggers: list[Trigger] = []
        tracks = tracks_of(records, self.config.pose.min_visibility, self.config.pose.side_continuity)
        for track, (times, kp, height) in prominent(tracks, cfg.max_tracks).items():
            triggers += find_triggers(times, kp, scale=height, config=cfg, track=track)
        triggers = suppress(triggers, cfg.trigger_nms_s, cfg.trigger_nms_per_track)
        trace = self.context.trace.triggers
        refined: dict[Trigger, Trigger | None] = {}
        if self.refiner is not None:
            refined = {trig: self._measured_again(trig) for trig in triggers}
            for trig, again in refined.items():
                if again is None:
                    self.refined_dropped += 1
                    trace.append({"window": [round(cand.start_s, 3), round(cand.end_s, 3)], "trigger": None,
                                  "refined_away": {"trigger": trig.kind, "key_s": round(trig.key_s, 3),
                                                   "track": str(trig.track)}})
            triggers = [trig for trig in triggers if refined[trig] is not None]
        if not triggers:
            trace.append({"window": [round(cand.start_s, 3), round(cand.end_s, 3)], "trigger": None,
                          "tracks_with_pose": len(tracks)})
            return []
        out = []
        # Footage of one known sport (classifier.sport): a trigger's label is that sport's, which
        # stands where the classifier is switched off. Of a sport the triggers know no action of
        # (a club's volleyball), a trigger is an unnamed highlight of that sport, not the default
        # sport's action its joint stands for (a wrist: baseball_swing). `auto` is read from the
        # classifier's windows later, so here it is no sport yet.
        sport = (self.config.classifier.sport or "").strip().lower()
        if is_auto(sport):
            sport = ""
        for trig in triggers:
            label = LABEL_OF_SPORT.get(sport, UNLABELLED if sport else TRIGGER_LABEL[trig.kind])
            ev = {"trigger": trig.kind, "key_s": round(trig.key_s, 3), "value": round(trig.value, 3),
                  "threshold": trig.threshold, "track": str(trig.track),
                  "contrast": round(trig.contrast, 3) if math.isfinite(trig.contrast) else None}
            again = refined.get(trig)
            if again is not None:
                ev["refined"] = {"trigger": again.kind, "key_s": round(again.key_s, 3), "value": round(again.value, 3)}
            # The trace row (not the candidate's evidence) also holds the track's box at the
            # trigger: where track ids are a detector's, the evaluation tells by it whose it was.
            trace.append({"window": [round(cand.start_s, 3), round(cand.end_s, 3)], **ev,
                          "box": track_box(records, trig.track, trig.key_s)})
            half = 0.5 * self.config.classifier.window_s
            keyed = Candidate(start_s=max(0.0, trig.key_s - half), end_s=trig.key_s + half, source=cand.source,
                              key_s=trig.key_s, label=label, sport=sport if label == UNLABELLED else sport_of(label),
                              score=min(1.0, 0.5 * trig.strength), evidence=deepcopy(cand.evidence),
                              track_id=trig.track if isinstance(trig.track, int) else None)
            keyed.evidence["kinematics"] = ev
            out.append(keyed)
        return out

    def _measured_again(self, trig: Trigger) -> Trigger | None:
        """The strongest trigger of `trig`'s track in its classifier window once the track's
        keypoints there are estimated again (None: none fires). An untracked person has no box
        to crop around across frames and keeps MoveNet's keypoints."""
        if not isinstance(trig.track, int):
            return trig
        half = 0.5 * self.config.classifier.window_s
        records = self.context.records_between(max(0.0, trig.key_s - half), trig.key_s + half)
        self.refiner.refine(records, trig.track)
        pose = self.config.pose
        track = tracks_of(records, pose.min_visibility, pose.side_continuity).get(trig.track)
        if track is None:
            return None
        times, kp, height = track
        again = find_triggers(times, kp, scale=height, config=self.settings, track=trig.track)
        return max(again, key=lambda t: t.strength, default=None)
