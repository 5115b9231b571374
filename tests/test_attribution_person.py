"""A missed event is put down to the stage that lost the evidence of the person who performed it,
where the game's truth names that person: another person's trigger or window near the key moment
is not that person's evidence."""

from __future__ import annotations

import json

import pytest
from types import SimpleNamespace

from highlights.file_hash import file_sha256
from highlights.file_set import MixedSetError
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.event_person import EventPerson, event_persons
from highlights.pipeline.evaluation import attribute_misses, first_lost_stage
from highlights.pipeline.trace import StageTrace

# The demo's stage flags for a synthetic game: the run's track ids are the truth's person ids.
GT_STAGES = {"detection.backend": "gt", "pose.backend": "gt", "candidates.enabled": False}
SHOT = SimpleNamespace(id="e0", sport="soccer", label="soccer_shooting", start_s=9.5, end_s=10.5,
                       key_s=10.0)


def _trace(*, own_trigger: bool) -> StageTrace:
    """Player 1 shoots at 10.0 s; player 2 jogs beside. Player 2's trigger at 10.2 s is near the
    shot; player 1's own fired only where `own_trigger` (trigger suppression across persons
    otherwise kept player 2's alone), and the one window near reads player 2 and turns it down."""
    trace = StageTrace()
    for t in (9.6, 10.0, 10.4):
        trace.add_frame(t, 1.0, active=True, persons=2, pose_ok=True)
    trace.triggers.append({"window": [8.0, 12.0], "trigger": "ankle", "key_s": 10.2, "track": "2"})
    if own_trigger:
        trace.triggers.append({"window": [8.0, 12.0], "trigger": "wrist", "key_s": 10.0,
                               "track": "1"})
    trace.classifications.append({"window": [9.2, 11.2], "key_s": 10.2, "track": 2, "label": "none",
                                  "score": 0.8, "accepted": False,
                                  "probs": {"soccer_shooting": 0.2, "none": 0.8}})
    return trace


def test_another_persons_trigger_near_the_event_does_not_keep_it_past_kinematics():
    config = PipelineConfig().with_overrides(GT_STAGES)
    trace = _trace(own_trigger=False)
    # not knowing whose the event is, any trigger near it counts: the window read is blamed
    assert first_lost_stage(SHOT, trace, config, [], 2.0)[0] == "classifier_none"
    assert first_lost_stage(SHOT, trace, config, [], 2.0, EventPerson(1)) == (
        "kinematics", "no trigger of the event's person (track 1) within 2 s of the key moment; "
                      "another person's trigger (track 2) near it")


def test_only_another_persons_window_near_the_event_is_no_window_of_its_own():
    config = PipelineConfig().with_overrides(GT_STAGES)
    trace = _trace(own_trigger=True)
    assert first_lost_stage(SHOT, trace, config, [], 2.0, EventPerson(1)) == (
        "classifier_none", "no classifier window of the event's person (track 1) near the key "
                           "moment; another person's window (track 2) near it")
    # the player's own window, accepted as the shot, is the evidence: the stages kept the event
    trace.classifications.append({"window": [9.0, 11.0], "key_s": 10.0, "track": 1,
                                  "label": "soccer_shooting", "score": 0.9, "accepted": True,
                                  "probs": {"soccer_shooting": 0.9, "none": 0.1}})
    assert first_lost_stage(SHOT, trace, config, [], 2.0, EventPerson(1))[0] == "matching"


def test_the_events_person_is_the_followed_player_of_the_truth_where_tracks_are_its_ids(tmp_path):
    video = tmp_path / "game.mp4"
    rows = [{"frame": i, "t": round(i * 0.5, 3), "shot": 0,
             "persons": [{"id": 1, "actor": True, "box": [10, 10, 40, 90]},
                         {"id": 2, "actor": False, "box": [60, 10, 90, 90]}]} for i in range(30)]
    (tmp_path / "game.gt.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = PipelineConfig().with_overrides(GT_STAGES)
    persons = event_persons(config, video, [SHOT])
    assert persons == [EventPerson(1)]
    annotation = SimpleNamespace(events=[SHOT])
    found = attribute_misses([], annotation, _trace(own_trigger=False), config, [], persons=persons)
    assert [m["cause"] for m in found["misses"]] == ["kinematics"]
    assert found["evidence_of"].startswith("the event's person")
    # a detector's own track ids are not the truth's, and real footage has no truth: anyone's counts
    movenet = config.with_overrides({"detection.backend": "movenet", "pose.backend": "movenet"})
    assert event_persons(movenet, video, [SHOT]) is None
    assert event_persons(config, tmp_path / "real.mp4", [SHOT]) is None
    found = attribute_misses([], annotation, _trace(own_trigger=False), config, [], persons=None)
    assert [m["cause"] for m in found["misses"]] == ["classifier_none"]
    assert found["evidence_of"].startswith("anyone")


def test_a_truth_the_games_annotation_was_not_written_with_is_refused_naming_both(tmp_path):
    """A `synth game` killed between its renames over an earlier game of the name leaves the
    annotation beside another game's truth: its followed player is not this game's."""
    video = tmp_path / "game.mp4"
    truth = tmp_path / "game.gt.jsonl"
    rows = [{"frame": i, "t": round(i * 0.5, 3), "shot": 0,
             "persons": [{"id": 1, "actor": True, "box": [10, 10, 40, 90]}]} for i in range(30)]
    truth.write_text("".join(json.dumps(r) + "\n" for r in rows))
    record = tmp_path / "game.json"
    config = PipelineConfig().with_overrides(GT_STAGES)
    record.write_text(json.dumps({"written_with": {truth.name: file_sha256(truth)}}))
    assert event_persons(config, video, [SHOT]) == [EventPerson(1)]
    record.write_text(json.dumps({"written_with": {truth.name: "0" * 64}}))
    with pytest.raises(MixedSetError) as e:
        event_persons(config, video, [SHOT])
    line = str(e.value)
    assert "\n" not in line and str(record) in line and truth.name in line


def test_the_report_lists_whose_rows_each_miss_was_told_from_where_they_differ():
    """pipeline_eval.md gives each miss's `evidence_by`: a column where the misses were told
    differently (an event whose frame has no single followed player counts anyone's rows), one
    line under the misses where all were told the same way."""
    from highlights.pipeline.eval_report import EVIDENCE_COLUMN, MISS_WHERE, _misses_markdown

    events = [SimpleNamespace(id=f"e{i}", sport="soccer", label="soccer_shooting", start_s=k - 0.5,
                              end_s=k + 0.5, key_s=k) for i, k in enumerate((10.0, 20.0))]
    annotation = SimpleNamespace(events=events)
    config = PipelineConfig().with_overrides(GT_STAGES)
    mixed = attribute_misses([], annotation, StageTrace(), config, [],
                             persons=[EventPerson(1), None])
    assert [m["evidence_by"] for m in mixed["misses"]] == ["track_id", "anyone"]
    md = "\n".join(_misses_markdown(mixed))
    table = [line for line in md.splitlines() if line.startswith("| e")]
    assert len(table) == 3 and table[0].endswith(f"| detail | {EVIDENCE_COLUMN} |")
    table = table[1:]
    assert table[0].endswith("| the event's person's, told by track id |")
    assert table[1].endswith("| anyone's |")
    same = attribute_misses([], annotation, StageTrace(), config, [], persons=None)
    md = "\n".join(_misses_markdown(same))
    assert [line for line in md.splitlines() if line.startswith("| event |")] == [
        f"| event | label | key (s) | {MISS_WHERE} | detail |"]
    assert md.endswith(f"{EVIDENCE_COLUMN.capitalize()} for every miss: anyone's.")
