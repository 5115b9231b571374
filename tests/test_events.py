"""Game annotations round-trip through every format; foreign files read with documented defaults."""

from __future__ import annotations

import json

import pytest

from highlights.events import (
    SPOT_WINDOW_S, AnnotationError, Event, GameAnnotation, Shot, detect_format, half_of_video,
    load_annotation, load_annotations, save_annotation, select_half,
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
    (tmp_path / "game-highlights").mkdir()
    with pytest.raises(AnnotationError, match="game-highlights: is a folder, not an annotation file"):
        load_annotation(tmp_path / "game-highlights")
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


def _two_halves() -> GameAnnotation:
    return GameAnnotation(
        video="england_epl/2015-2016/match", fps=None, duration_s=None, width=None, height=None,
        sport="soccer",
        events=[Event("0", "soccer", "Goal", 310.0, 314.0, 312.0, half=1),
                Event("1", "soccer", "Foul", 1198.0, 1202.0, 1200.5, half=1),
                Event("2", "soccer", "Goal", 310.0, 314.0, 312.0, half=2),
                Event("3", "soccer", "Corner", 40.0, 44.0, 42.25, half=2)])


@pytest.mark.parametrize("fmt", ["highlights", "soccernet", "activitynet"])
def test_halves_round_trip_in_every_format(tmp_path, fmt):
    ann = _two_halves()
    back = load_annotation(save_annotation(ann, tmp_path / f"a.{fmt}.json", fmt=fmt))
    assert back == ann and back.halves == [1, 2]


def test_soccernet_writes_the_half_in_game_time(tmp_path):
    data = json.loads(save_annotation(_two_halves(), tmp_path / "Labels-v2.json", fmt="soccernet").read_text())
    assert [a["gameTime"] for a in data["annotations"]] == ["1 - 05:12", "1 - 20:00", "2 - 05:12", "2 - 00:42"]


def test_foreign_soccernet_keeps_the_half(tmp_path):
    foreign = {"UrlLocal": "match/", "annotations": [
        {"gameTime": "1 - 05:12", "label": "Goal", "position": "312000", "visibility": "visible"},
        {"gameTime": "2 - 05:12", "label": "Goal", "position": "312000", "visibility": "visible"},
        {"gameTime": "2 - 00:30", "label": "Foul", "visibility": "not shown"}]}
    path = tmp_path / "Labels-v2.json"
    path.write_text(json.dumps(foreign))
    ann = load_annotation(path)
    assert [(e.half, e.key_s) for e in ann.events] == [(1, 312.0), (2, 312.0), (2, 30.0)]
    foreign["annotations"][0]["gameTime"] = "3 - 05:12"
    path.write_text(json.dumps(foreign))
    with pytest.raises(AnnotationError, match="half 1 or 2"):
        load_annotation(path)


def test_select_half_by_flag_by_video_name_or_refuses(tmp_path):
    ann = _two_halves()
    first, half = select_half(ann, half=1)
    assert half == 1 and [e.id for e in first.events] == ["0", "1"]
    second, half = select_half(ann, video="data/match/2_224p.mkv")
    assert half == 2 and [e.id for e in second.events] == ["2", "3"]
    assert half_of_video("1_720p.mkv") == 1 and half_of_video("game.mp4") is None
    assert half_of_video("12_224p.mkv") is None
    with pytest.raises(AnnotationError, match="Labels-v2.json: .*both halves.*--half"):
        select_half(ann, video="game.mp4", source="Labels-v2.json")
    with pytest.raises(AnnotationError, match="half must be 1 or 2"):
        select_half(ann, half=3)
    one_video = _annotation()
    assert select_half(one_video, video="game.mp4") == (one_video, None)
    assert select_half(one_video, half=1)[0].events == one_video.events  # no half: in every half


def test_a_perfect_detector_on_one_half_scores_full_recall():
    from highlights.pipeline.evaluation import evaluate_highlights
    from highlights.pipeline.highlight import Highlight

    ann = _two_halves()
    first, _ = select_half(ann, half=1)
    perfect = [Highlight(e.start_s, e.end_s, e.label, "soccer", 0.9, key_s=e.key_s) for e in first.events]
    assert evaluate_highlights(perfect, first).scores[0].recall.value == 1.0
    assert evaluate_highlights(perfect, ann).scores[0].recall.value == 0.5  # both halves on one timeline


def test_hand_written_files_read_clock_times_without_ids_or_sports(tmp_path):
    own = {"video": "game.mp4", "events": [
        {"label": "basketball_layup", "start_s": "1:04", "end_s": "1:06.5"},
        {"label": "baseball_swing", "start_s": 80, "end_s": "0:01:22", "key_s": "1:21"}]}
    (tmp_path / "own.json").write_text(json.dumps(own))
    layup, swing = load_annotation(tmp_path / "own.json").events
    assert (layup.id, layup.sport, layup.start_s, layup.end_s, layup.key_s) == ("0", "basketball", 64.0, 66.5, 65.25)
    assert (swing.id, swing.sport, swing.end_s, swing.key_s) == ("1", "baseball", 82.0, 81.0)

    soccernet = {"annotations": [{"gameTime": "1 - 00:15", "label": "basketball_layup", "position": "15098"},
                                 {"gameTime": "2 - 01:05", "label": "Goal"}]}
    (tmp_path / "Labels-v2.json").write_text(json.dumps(soccernet))
    layup, goal = load_annotation(tmp_path / "Labels-v2.json").events
    assert (layup.sport, layup.key_s, layup.half) == ("basketball", 15.098, 1)
    assert (goal.sport, goal.key_s, goal.half) == ("soccer", 65.0, 2)

    anet = {"database": {"game": {"annotations": [{"segment": ["0:26", "0:28"], "label": "soccer_shooting"}]}}}
    (tmp_path / "anet.json").write_text(json.dumps(anet))
    shot = load_annotation(tmp_path / "anet.json").events[0]
    assert (shot.key_s, shot.sport) == (27.0, "soccer")


@pytest.mark.parametrize("event, cause", [
    ({"gameTime": "00:15", "label": "Goal"}, r'gameTime .00:15. is not "HALF - MM:SS"'),
    ({"gameTime": "00:15", "label": "Goal", "position": "15000"}, "does not start with half 1 or 2"),
    ({"gameTime": "1 - 00:15", "label": "Goal", "position": "0:15"}, "is not a time in milliseconds"),
    ({"gameTime": "1 - 00:75", "label": "Goal"}, "not a clock time"),
])
def test_hand_written_soccernet_mistakes_name_the_field(tmp_path, event, cause):
    (tmp_path / "Labels-v2.json").write_text(json.dumps({"annotations": [event]}))
    with pytest.raises(AnnotationError, match=cause) as err:
        load_annotation(tmp_path / "Labels-v2.json")
    assert "Labels-v2.json" in str(err.value) and "\n" not in str(err.value)


def test_a_time_that_is_no_time_names_the_field(tmp_path):
    own = {"video": "game.mp4", "events": [{"label": "basketball_layup", "start_s": "1m04", "end_s": 66}]}
    (tmp_path / "own.json").write_text(json.dumps(own))
    with pytest.raises(AnnotationError, match=r"start_s '1m04' is not a time \(seconds such as 75.5"):
        load_annotation(tmp_path / "own.json")


def test_events_of_a_users_own_classes_get_their_labels_sport(tmp_path):
    """A club's own classes (`volleyball_spike`) name their sport as the pipeline names its
    highlights' (the name before the first underscore), so the per-sport tables pair them; an
    event once had no sport at all (ours, ActivityNet) or soccer's (SoccerNet)."""
    own = {"events": [{"label": "volleyball_spike", "start_s": 1, "end_s": 2},
                      {"label": "tennis_serve", "start_s": 5, "end_s": 6, "sport": "padel"}]}
    (tmp_path / "own.json").write_text(json.dumps(own))
    assert [e.sport for e in load_annotation(tmp_path / "own.json").events] == ["volleyball", "padel"]
    anet = {"database": {"g": {"annotations": [{"segment": [1, 2], "label": "tennis_serve"}]}}}
    (tmp_path / "anet.json").write_text(json.dumps(anet))
    assert load_annotation(tmp_path / "anet.json").events[0].sport == "tennis"
    soccernet = {"annotations": [{"gameTime": "1 - 00:15", "label": "volleyball_spike", "position": "15000"},
                                 {"gameTime": "1 - 00:20", "label": "Shots on target", "position": "20000"}]}
    (tmp_path / "Labels-v2.json").write_text(json.dumps(soccernet))
    assert [e.sport for e in load_annotation(tmp_path / "Labels-v2.json").events] == ["volleyball", "soccer"]
