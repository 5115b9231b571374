"""Where a run's track ids are a detector's (MoveNet), not the synthetic game's person ids, a
missed event is put down to the stage that lost its person's evidence by box: a trigger or
classifier window is the followed player's when its track's box at its moment overlaps the
truth's box of that player. Another person's trigger near the event does not carry it past
kinematics, whatever number the detector gave that person's track."""

from __future__ import annotations

import json
from copy import deepcopy
from types import SimpleNamespace

import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.event_person import BY_BOX, EventPerson, event_persons
from highlights.pipeline.evaluation import attribute_misses, first_lost_stage
from highlights.pipeline.run import run_pipeline
from highlights.pipeline.trace import StageTrace
from tests.pipeline_fixtures import FixtureEvent, make_game

SHOT = FixtureEvent("soccer_shooting", 5.0, "soccer")
# The bystander swings 0.4 s after the key moment of a shot the annotation gives the actor.
BYSTANDER_SWING = FixtureEvent("baseball_swing", 5.4, "baseball")
# Ground-truth detection and pose run the stages in a fraction of MoveNet's time; the attribution
# then reads the run as a detector's (`DETECTOR`), whose track ids are not the truth's.
GT_RUN = {"detection.backend": "gt", "pose.backend": "gt", "classifier.enabled": False}
DETECTOR = {"detection.backend": "movenet", "pose.backend": "movenet"}


@pytest.fixture(scope="module")
def silent_actor(tmp_path_factory):
    """A game whose annotated shot the actor never acts out, while the bystander swings beside it:
    the run keeps one highlight, the bystander's swing, whose trigger fired near the shot."""
    video = make_game(tmp_path_factory.mktemp("silent-actor"), duration_s=10.0, events=(SHOT,),
                      performed=(), bystander_events=(BYSTANDER_SWING,))
    annotation = load_annotation(video.with_suffix(".json"))
    config = PipelineConfig().with_overrides(GT_RUN)
    return video, annotation, run_pipeline(video, config, annotation=annotation, progress=False)


def _renumbered(trace: StageTrace, numbers: dict[str, str]) -> StageTrace:
    """The trace with its tracks numbered as a detector might have numbered them."""
    out = deepcopy(trace)
    for row in out.triggers + out.classifications:
        if row.get("track") is not None:
            row["track"] = numbers.get(str(row["track"]), row["track"])
    return out


def _misses(video, annotation, result, trace, config, persons="read"):
    if persons == "read":
        persons = event_persons(config, video, annotation.events, trace)
    return attribute_misses(result.highlights, annotation, trace, config, result.before_merge,
                            persons=persons)


def test_a_detectors_tracks_are_told_apart_by_box(silent_actor):
    video, annotation, result = silent_actor
    fired = [t for t in result.trace.triggers if t.get("trigger")]
    # the bystander's trigger is the one near the shot, with his box at its frame
    assert [(t["track"], t["trigger"]) for t in fired] == [("1", "wrist_speed")]
    assert abs(fired[0]["key_s"] - SHOT.key_s) < 2.0 and fired[0]["box"][0] > 160
    detector = result.config.with_overrides(DETECTOR)
    # The detector numbered the bystander 0, the truth's number of the actor: by track id his
    # trigger would pass for the actor's. By box it is his.
    trace = _renumbered(result.trace, {"1": "0"})
    found = _misses(video, annotation, result, trace, detector)
    assert [(m["cause"], m["evidence_by"]) for m in found["misses"]] == [("kinematics", "box")]
    assert found["misses"][0]["detail"] == (
        "no trigger of the event's person (the truth's person 0, by box) within 2 s of the key "
        "moment; another person's trigger (track 0) near it")
    assert "IoU >= 0.3" in found["evidence_of"]
    # counting anyone's trigger, as every detector's run was read before, blames the merge
    anyone = _misses(video, annotation, result, trace, detector, persons=None)
    assert [(m["cause"], m["evidence_by"]) for m in anyone["misses"]] == [("merge", "anyone")]
    # ground-truth tracks are still told by their ids
    by_id = _misses(video, annotation, result, result.trace, result.config)
    assert [(m["cause"], m["evidence_by"]) for m in by_id["misses"]] == [("kinematics", "track_id")]


def test_the_actors_own_trigger_is_his_by_box(tmp_path):
    """The actor shoots and the bystander swings: the actor's trigger overlaps his truth box."""
    video = make_game(tmp_path, duration_s=10.0, events=(SHOT,), bystander_events=(BYSTANDER_SWING,))
    annotation = load_annotation(video.with_suffix(".json"))
    result = run_pipeline(video, PipelineConfig().with_overrides(GT_RUN), annotation=annotation,
                          progress=False)
    detector = result.config.with_overrides(DETECTOR)
    trace = _renumbered(result.trace, {"0": "5", "1": "0"})
    [person] = event_persons(detector, video, annotation.events, trace)
    assert person.by == BY_BOX and person.id == 0
    owned = {t["track"]: person.owns(t) for t in trace.triggers if t.get("trigger")}
    assert owned == {"5": True, "0": False}
    assert _misses(video, annotation, result, trace, detector)["misses"] == []


def test_a_trace_without_boxes_is_told_by_anyones_rows_as_before(silent_actor):
    """A trace whose rows hold no box (made before they held one) still reads: no row can be
    told to be the event's person's, so every person's counts, and each miss says so."""
    video, annotation, result = silent_actor
    trace = deepcopy(result.trace)
    for row in trace.triggers + trace.classifications:
        row.pop("box", None)
    detector = result.config.with_overrides(DETECTOR)
    assert event_persons(detector, video, annotation.events, trace) is None
    found = _misses(video, annotation, result, trace, detector)
    assert [(m["cause"], m["evidence_by"]) for m in found["misses"]] == [("merge", "anyone")]
    assert found["evidence_of"].startswith("anyone")


def test_only_another_persons_window_by_box_is_no_window_of_its_own(tmp_path):
    """The actor's own trigger fired; the one window near the shot read a bystander, whose box
    lies apart from the actor's."""
    video = tmp_path / "game.mp4"
    rows = [{"frame": i, "t": round(i * 0.1, 3), "shot": 0,
             "persons": [{"id": 1, "actor": True, "box": [10, 10, 40, 90]},
                         {"id": 2, "actor": False, "box": [60, 10, 90, 90]}]} for i in range(150)]
    (tmp_path / "game.gt.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    shot = SimpleNamespace(id="e0", sport="soccer", label="soccer_shooting", start_s=9.5,
                           end_s=10.5, key_s=10.0)
    trace = StageTrace()
    for t in (9.6, 10.0, 10.4):
        trace.add_frame(t, 1.0, active=True, persons=2, pose_ok=True)
    trace.triggers.append({"window": [8.0, 12.0], "trigger": "ankle_speed", "key_s": 10.0,
                           "track": "7", "box": [12.0, 12.0, 41.0, 88.0]})
    trace.classifications.append({"window": [9.2, 11.2], "key_s": 10.2, "track": "3",
                                  "box": [58.0, 11.0, 92.0, 90.0], "label": "none",
                                  "score": 0.8, "accepted": False,
                                  "probs": {"soccer_shooting": 0.2, "none": 0.8}})
    config = PipelineConfig().with_overrides({**DETECTOR, "candidates.enabled": False})
    [person] = event_persons(config, video, [shot], trace)
    assert person == EventPerson(1, BY_BOX)
    assert first_lost_stage(shot, trace, config, [], 2.0, person) == (
        "classifier_none", "no classifier window of the event's person (the truth's person 1, "
                           "by box) near the key moment; another person's window (track 3) near it")
    # not knowing whose rows are whose, the window read is blamed for turning the shot down
    assert first_lost_stage(shot, trace, config, [], 2.0)[0] == "classifier_none"
    assert "most action-like" in first_lost_stage(shot, trace, config, [], 2.0)[1]
