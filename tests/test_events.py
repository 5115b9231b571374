"""Game annotations round-trip through every format; foreign files read with documented defaults."""

from __future__ import annotations

import json

import pytest

from highlights.events import (
    SPOT_WINDOW_S, AnnotationError, Event, GameAnnotation, Shot, detect_format, load_annotation,
    load_annotations, save_annotation,
)


def _annotation() -> GameAnnotation:
    return GameAnnotation(
        video="game_mixed_s0.mp4", fps=29.97, duration_s=312.5, width=1280, height=720, sport="mixed",
        events=[Event("e000", "soccer", "soccer_shooting", 12.345, 14.2, 13.001),
                Event("e001", "basketball", "basketball_layup", 65.5, 67.125, 66.9),
                Event("e002", "baseball", "baseball_swing", 3661.0, 3662.5, 3661.75)],
        shots=[Shot(0.0, 40.25), Shot(40.25, 312.5)])


@pytest.mark.parametrize("fmt", ["highlights", "soccernet", "activitynet"])
def test_round_trip_is_lossless(tmp_path, fmt):
    ann = _annotation()
    path = save_annotation(ann, tmp_path / f"a.{fmt}.json", fmt=fmt)
    assert detect_format(json.loads(path.read_text())) == fmt
    back = load_annotation(path)
    assert back == ann


def test_soccernet_layout(tmp_path):
    path = save_annotation(_annotation(), tmp_path / "Labels-v2.json", fmt="soccernet")
    data = json.loads(path.read_text())
    first, last = data["annotations"][0], data["annotations"][-1]
    assert first["position"] == "13001" and first["gameTime"] == "1 - 00:13"
    assert last["gameTime"] == "1 - 61:01"          # minutes go past 45 within one video
    assert data["UrlLocal"] == "game_mixed_s0.mp4"


def test_activitynet_layout(tmp_path):
    path = save_annotation(_annotation(), tmp_path / "anet.json", fmt="activitynet")
    entry = json.loads(path.read_text())["database"]["game_mixed_s0"]
    assert entry["duration"] == 312.5
    assert entry["annotations"][1]["segment"] == [65.5, 67.125]


def test_foreign_soccernet_spots_get_the_default_window(tmp_path):
    foreign = {"UrlLocal": "england_epl/2015-2016/match/", "annotations": [
        {"gameTime": "1 - 05:12", "label": "Goal", "position": "312000", "team": "home", "visibility": "visible"},
        {"gameTime": "2 - 00:01", "label": "Kick-off", "position": "1000", "team": "away", "visibility": "visible"},
        {"gameTime": "1 - 00:30", "label": "Foul", "team": "home", "visibility": "not shown"},
    ]}
    path = tmp_path / "Labels-v2.json"
    path.write_text(json.dumps(foreign))
    ann = load_annotation(path)
    assert ann.sport == "soccer" and ann.fps is None and ann.duration_s is None
    goal, kickoff, foul = ann.events
    assert (goal.key_s, goal.start_s, goal.end_s) == (312.0, 312.0 + SPOT_WINDOW_S[0], 312.0 + SPOT_WINDOW_S[1])
    assert kickoff.start_s == 0.0 and kickoff.key_s == 1.0       # clamped at the video start
    assert foul.key_s == 30.0                                     # from the game clock
    assert [e.id for e in ann.events] == ["0", "1", "2"]


def test_foreign_activitynet_segments_key_at_the_middle_and_several_videos(tmp_path):
    foreign = {"version": "VERSION 1.3", "database": {
        "v_abc": {"duration": 120.0, "subset": "validation", "url": "https://example.invalid/abc",
                  "annotations": [{"segment": [10.0, 14.0], "label": "Layup drill"}]},
        "v_def": {"duration": 60.0, "subset": "validation", "annotations": []},
    }}
    path = tmp_path / "anet.json"
    path.write_text(json.dumps(foreign))
    anns = load_annotations(path)
    assert [a.video for a in anns] == ["v_abc", "v_def"]
    with pytest.raises(AnnotationError, match="holds 2 videos"):
        load_annotation(path)
    abc = load_annotation(path, video="v_abc.mp4")
    assert abc.duration_s == 120.0 and abc.events[0].key_s == 12.0 and abc.events[0].label == "Layup drill"


def test_bad_files_give_one_line_errors(tmp_path):
    with pytest.raises(AnnotationError, match="missing.json: no such file"):
        load_annotation(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(AnnotationError, match="bad.json: not valid JSON"):
        load_annotation(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(AnnotationError, match="not a recognised annotation format") as err:
        load_annotation(tmp_path / "other.json")
    assert "\n" not in str(err.value)
    (tmp_path / "broken.json").write_text(json.dumps({"events": [{"id": 1}]}))
    with pytest.raises(AnnotationError, match="malformed highlights"):
        load_annotation(tmp_path / "broken.json")
    with pytest.raises(ValueError, match="unknown annotation format"):
        save_annotation(_annotation(), tmp_path / "x.json", fmt="csv")


def test_event_must_not_end_before_it_starts():
    with pytest.raises(ValueError):
        Event("e", "soccer", "soccer_shooting", 5.0, 4.0, 4.5)


def test_generated_game_annotation_reads_in_every_format(tmp_path):
    from highlights.synth import GameConfig, plan_game
    _, events, n = plan_game(GameConfig(minutes=1.0, sport="soccer", seed=2))
    ann = GameAnnotation("g.mp4", 30.0, n / 30.0, 1280, 720, "soccer", events, [])
    for fmt in ("highlights", "soccernet", "activitynet"):
        assert load_annotation(save_annotation(ann, tmp_path / f"{fmt}.json", fmt=fmt)) == ann
