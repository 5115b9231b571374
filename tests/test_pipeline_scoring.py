"""SoccerNet results from `detect`, average-mAP in `pipeline evaluate`, and `pipeline score` of files
that already exist (the pipeline's highlights.json or anyone's results_spotting.json), halves kept."""

from __future__ import annotations

import json

import pytest

from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.average_map import LOOSE_DELTAS_S, TIGHT_DELTAS_S, average_map
from highlights.events.spotting import Spot, read_results_spotting, write_results_spotting
from tests.picture_checks import check_linked_picture
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("score-game"), duration_s=14.0, events=DEFAULT_EVENTS[:2])


def _match() -> GameAnnotation:
    """A SoccerNet-style match: events in both halves, times from each half's start."""
    e = lambda i, label, t, half: Event(str(i), "soccer", label, max(0.0, t - 2), t + 2, t, half=half)  # noqa: E731
    return GameAnnotation("league/season/match", None, None, None, None, "soccer",
                          [e(0, "Goal", 312.0, 1), e(1, "Foul", 1200.5, 1), e(2, "Goal", 312.0, 2),
                           e(3, "Corner", 42.25, 2)])


def test_detect_writes_every_scored_window_as_soccernet_results(cli, video, tmp_path):
    res = cli("detect", video, "--out", tmp_path, *GT, "--set", "classifier.backend=untrained",
              "--no-progress")
    assert res.exit_code == 0, res.output
    spots = read_results_spotting(tmp_path / "results_spotting.json")
    highlights = json.loads((tmp_path / "highlights.json").read_text())["highlights"]
    windows = json.loads((tmp_path / "highlights.json").read_text())["stats"]["classifier_windows"]
    assert spots and all(s.half == 1 and s.label != "none" for s in spots)
    # every window's every class is there, the ones under the display threshold too
    assert len({(s.label, s.position_ms) for s in spots}) == len(spots)
    assert any(s.confidence < 0.5 for s in spots) and len(spots) > len(highlights)
    assert windows > 0
    for kind in ("highlights.otio", "chapters.txt"):  # (no Final Cut XML at this 20 fps video's rate)
        assert (tmp_path / kind).is_file()
    assert 'href="results_spotting.json"' in (tmp_path / "highlights.html").read_text()


def test_detect_keeps_the_half_of_the_video(cli, video, tmp_path):
    # The video under the name of a game's second half, in a folder of its own: nothing is written
    # beside the module's video, which the other tests read.
    second = tmp_path / "game" / "2_224p.mp4"
    second.parent.mkdir()
    second.write_bytes(video.read_bytes())
    second.with_suffix(".gt.jsonl").write_bytes(video.with_suffix(".gt.jsonl").read_bytes())
    res = cli("detect", second, "--out", tmp_path / "out", *GT, "--set", "classifier.backend=untrained",
              "--no-progress")
    assert res.exit_code == 0, res.output
    assert {s.half for s in read_results_spotting(tmp_path / "out" / "results_spotting.json")} == {2}


def test_evaluate_reports_average_map_beside_recall(cli, video, tmp_path):
    ann = video.with_suffix(".json")
    res = cli("pipeline", "evaluate", "--video", video, "--annotations", ann, "--out", tmp_path,
              *GT, "--set", "classifier.backend=oracle", "--no-progress")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "pipeline_eval.json").read_text())
    amap = report["average_map"]
    assert amap["classes"] == ["baseball_swing", "basketball_layup"]
    # the oracle names each event's class at its key moment: both average-mAPs are high
    assert amap["tight"]["average_map"] > 0.8 and amap["loose"]["average_map"] > 0.8
    assert amap["tight"]["deltas_s"] == list(TIGHT_DELTAS_S)
    assert "Average-mAP" in res.output and "tight (delta 1-5 s)" in res.output
    md = (tmp_path / "pipeline_eval.md").read_text()
    assert "## Average-mAP (SoccerNet action spotting)" in md and "greedy" in md and "Hungarian" in md


def test_score_results_spotting_of_both_halves(cli, tmp_path):
    ann_path = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    spots = [Spot("Goal", 312.2, 0.9, 1), Spot("Foul", 1200.0, 0.4, 1),   # the first half, found
             Spot("Goal", 312.0, 0.3, 1),                                  # a duplicate, weaker
             Spot("Corner", 500.0, 0.8, 2)]                                # the second half, wrong time
    pred = write_results_spotting(spots, tmp_path / "results_spotting.json", game="match")
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", ann_path, "--out", tmp_path / "all")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "all" / "pipeline_eval.json").read_text())
    # what it scored, by content, and the package that scored it
    import hashlib

    from highlights import __version__

    assert report["predictions"]["sha256"] == hashlib.sha256(pred.read_bytes()).hexdigest()
    assert report["highlights_version"] == __version__
    assert report["annotation"]["sha256"] == hashlib.sha256(ann_path.read_bytes()).hexdigest()
    written = read_results_spotting(pred)
    m = _match()
    for name, deltas in (("tight", TIGHT_DELTAS_S), ("loose", LOOSE_DELTAS_S)):
        expected = average_map([e.key_s for e in m.events], [e.label for e in m.events],
                               [s.time_s for s in written], [s.label for s in written],
                               [s.confidence for s in written], classes=["Corner", "Foul", "Goal"],
                               deltas_s=deltas, true_groups=[e.half for e in m.events],
                               pred_groups=[s.half for s in written])
        assert report["average_map"][name]["average_map"] == pytest.approx(expected.average_map)
    # recall/precision at confidence >= 0.5: only the first-half goal; the halves never cross
    at2 = next(r for r in report["by_tolerance"] if r["tolerance_s"] == 2.0)
    assert (at2["highlights"], at2["class_matched"], at2["events"]) == (2, 1, 4)
    assert "shown_in_reel" not in report  # a spot has no span to show anything in
    # both halves, one axis each, in one picture: taller than one half's alone
    both = check_linked_picture(tmp_path / "all", "pipeline_eval_timeline.png", "pipeline_eval.md", res.output)
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", ann_path, "--out", tmp_path / "h1",
              "--half", "1", "--min-score", "0.3")
    report = json.loads((tmp_path / "h1" / "pipeline_eval.json").read_text())
    at2 = next(r for r in report["by_tolerance"] if r["tolerance_s"] == 2.0)
    assert (at2["events"], at2["class_recall"]) == (2, 1.0)
    assert report["average_map"]["classes"] == ["Foul", "Goal"]
    assert "scored without running the pipeline" in (tmp_path / "h1" / "pipeline_eval.md").read_text()
    one = check_linked_picture(tmp_path / "h1", "pipeline_eval_timeline.png", "pipeline_eval.md", res.output)
    assert both[1] > one[1]


def test_score_keeps_spots_from_exactly_the_min_score_and_never_matches_a_spot_to_the_other_half(tmp_path):
    from highlights.pipeline.eval_report import score_predictions
    from highlights.pipeline.spotting import Predictions

    spots = [Spot("Goal", 312.2, 0.5, 1),  # exactly --min-score: a highlight
             Spot("Foul", 1200.5, 0.9, 2),  # the first half's foul's time, in the second half
             Spot("Corner", 312.0, 0.9, 2),  # the second half's goal, named a corner
             Spot("Foul", 1204.5, 0.6, 1)]  # 4 s from the foul: within loose average-mAP's reach only
    report, written = score_predictions(Predictions("results_spotting", spots, None, {}), _match(), tmp_path,
                                        tolerances=[2.0], min_score=0.5)
    at2 = report.scores.at(2.0)
    assert (at2.events, at2.highlights, at2.matched, at2.class_matched) == (4, 4, 2, 1)
    # the per-sport table gives the recall of any label and of the event's own
    md = written["markdown"].read_text()
    assert "| soccer | 4 | 0.500 [0.150, 0.850] (2/4) | 0.250 [0.046, 0.699] (1/4) |" in md
    amap = report.average_map
    assert amap["tight"]["average_map"] < amap["loose"]["average_map"]
    for name in ("tight", "loose"):
        assert f"| {name} (delta " in md and md.split(f"| {name} (delta ")[1].split(" | ")[1] == (
            f"{amap[name]['average_map']:.3f}")


def test_score_highlights_json_equals_evaluate(cli, video, tmp_path):
    ann = video.with_suffix(".json")
    res = cli("pipeline", "evaluate", "--video", video, "--annotations", ann, "--out", tmp_path / "eval",
              *GT, "--set", "classifier.backend=oracle", "--no-progress")
    assert res.exit_code == 0, res.output
    res = cli("pipeline", "score", "--predictions", tmp_path / "eval" / "highlights.json",
              "--annotations", ann, "--out", tmp_path / "score")
    assert res.exit_code == 0, res.output
    evaluated = json.loads((tmp_path / "eval" / "pipeline_eval.json").read_text())
    scored = json.loads((tmp_path / "score" / "pipeline_eval.json").read_text())
    assert scored["by_tolerance"] == evaluated["by_tolerance"]
    # the highlights keep their spans and highlights.json the merge's longest: the same shown recall
    assert scored["shown_in_reel"] == evaluated["shown_in_reel"] and evaluated["shown_in_reel"]["shown"] > 0
    assert scored["predictions"]["kind"] == "highlights"
    check_linked_picture(tmp_path / "score", "pipeline_eval_timeline.png", "pipeline_eval.md", res.output)


def test_score_refuses_bad_files_in_one_line(cli, tmp_path):
    ann_path = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"predictions": [{"label": "Goal", "position": "soon", "half": "1",
                                                "confidence": "0.5"}]}))
    res = cli("pipeline", "score", "--predictions", bad, "--annotations", ann_path, "--out", tmp_path / "o")
    assert res.exit_code == 1 and "bad.json: prediction 0 is malformed" in res.output
    other = tmp_path / "other.json"
    other.write_text("{}")
    res = cli("pipeline", "score", "--predictions", other, "--annotations", ann_path, "--out", tmp_path / "o")
    assert res.exit_code == 1 and "not a predictions file" in res.output
    res = cli("pipeline", "evaluate", "--video", tmp_path / "x.mp4", "--annotations", ann_path, "--out", tmp_path)
    assert res.exit_code == 1 and "both halves" in res.output


def test_one_window_of_one_track_is_one_prediction():
    """Two triggers whose windows clamp to the same window (near a video's end) are one prediction;
    the same window of another track, or another window, stays a prediction of its own."""
    from highlights.pipeline.spotting import window_spots

    probs = {"baseball_swing": 0.1, "basketball_layup": 0.7, "soccer_shooting": 0.1, "none": 0.1}
    records = [
        {"window": [8.31, 10.31], "track": 1, "key_s": 10.11, "label": "basketball_layup",
         "score": 0.7, "probs": probs},
        {"window": [8.31, 10.31], "track": 1, "key_s": 10.31, "label": "basketball_layup",
         "score": 0.7, "probs": probs},
        {"window": [8.31, 10.31], "track": 2, "key_s": 10.21, "label": "basketball_layup",
         "score": 0.7, "probs": probs},
        {"window": [4.0, 6.0], "track": 1, "key_s": 5.0, "label": "basketball_layup", "score": 0.7, "probs": probs},
    ]
    spots = window_spots(records)
    layups = sorted(s.time_s for s in spots if s.label == "basketball_layup")
    assert layups == [5.0, 10.11, 10.21]
    assert len(spots) == 3 * 3          # three predictions, each with its three action classes


def test_score_names_annotated_labels_that_no_prediction_names(cli, tmp_path):
    # A hand-written Labels-v2.json with SoccerNet's own labels ("Goal") or a class spelt another
    # way scores 0 for those events whatever the model does; the report says why, in one line.
    ann_path = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    pred = write_results_spotting([Spot("Goal", 312.2, 0.9, 1), Spot("soccer_shooting", 42.0, 0.8, 2)],
                                  tmp_path / "results_spotting.json", game="match")
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", ann_path, "--out", tmp_path / "s")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "s" / "pipeline_eval.json").read_text())
    assert report["average_map"]["unpredicted_labels"] == ["Corner", "Foul"]
    line = ("Annotated labels that no prediction names (labels the model does not have, or spelt otherwise), "
            "so each of their events counts as missed: Corner, Foul.")
    assert line in (tmp_path / "s" / "pipeline_eval.md").read_text()
    assert line in " ".join(res.output.split())


def test_score_of_highlights_json_refuses_an_annotation_past_its_videos_end(cli, tmp_path):
    # As `pipeline evaluate` does: events past the end are another video's, or minutes written
    # where seconds were meant, and every one of them would count as missed.
    pred = tmp_path / "highlights.json"
    pred.write_text(json.dumps({"video": {"path": "/games/game 1.mp4", "duration_s": 30.0}, "highlights": [
        {"start_s": 4.0, "end_s": 6.0, "label": "soccer_shooting", "sport": "soccer", "score": 0.8, "key_s": 5.0}]}))
    own = {"video": "game 1.mp4", "events": [{"label": "soccer_shooting", "start_s": 4, "end_s": 6},
                                              {"label": "soccer_shooting", "start_s": 300, "end_s": 302}]}
    (tmp_path / "game.json").write_text(json.dumps(own))
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", tmp_path / "game.json",
              "--out", tmp_path / "o")
    assert res.exit_code == 1
    assert ("game.json: 1 of 2 key moments are after the end of game 1.mp4 (30.0 s; the last at 301.0 s)"
            in " ".join(res.output.split()))
    own["events"].pop()
    (tmp_path / "game.json").write_text(json.dumps(own))
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", tmp_path / "game.json",
              "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output


def test_a_window_record_of_an_older_run_is_spotted_at_its_middle_with_its_one_label():
    """Records without a key moment are spotted at their window's middle, records without the
    class probabilities by their top label and score; `none` is no spot, and a key moment a
    trigger put before the video's start is spotted at 0."""
    from highlights.pipeline.spotting import window_spots

    records = [{"window": [4.0, 6.5], "track": 1, "label": "soccer_shooting", "score": 0.6},
               {"window": [8.0, 9.0], "track": 1, "key_s": None, "label": "none", "score": 0.9},
               {"window": [0.0, 1.0], "track": 2, "key_s": -0.02, "label": "baseball_swing", "score": 0.3,
                "probs": {"baseball_swing": 0.3, "none": 0.7}}]
    assert window_spots(records, half=2) == [Spot("baseball_swing", 0.0, 0.3, 2), Spot("soccer_shooting", 5.25, 0.6, 2)]


def test_highlights_are_spotted_at_their_key_moment_else_their_middle_and_read_back_as_highlights():
    from highlights.pipeline.highlight import Highlight
    from highlights.pipeline.spotting import highlight_spots, spots_as_highlights

    keyed = Highlight(start_s=10.0, end_s=14.0, label="soccer_shooting", sport="soccer", score=0.8, key_s=11.0)
    unkeyed = Highlight(start_s=2.0, end_s=3.0, label="basketball_layup", sport="basketball", score=0.4)
    spots = highlight_spots([keyed, unkeyed], half=2)
    assert spots == [Spot("basketball_layup", 2.5, 0.4, 2), Spot("soccer_shooting", 11.0, 0.8, 2)]
    back = spots_as_highlights(spots)
    assert [(h.start_s, h.end_s, h.key_s, h.label, h.sport, h.score, h.evidence) for h in back] == [
        (2.5, 2.5, 2.5, "basketball_layup", "basketball", 0.4, {"half": 2}),
        (11.0, 11.0, 11.0, "soccer_shooting", "soccer", 0.8, {"half": 2})]


def test_a_spot_scores_only_against_the_events_of_its_own_half():
    """An event 42 s into the second half: a spot at 42 s of the first half is another moment of
    the match, one at 42 s of the second finds it; a file's `none` spots are no unscored label,
    and an event without a half is on the half it is scored for."""
    from highlights.pipeline.spotting import spotting_report

    second = GameAnnotation("match", None, None, None, None, "soccer",
                            [Event("0", "soccer", "Corner", 40.0, 44.0, 42.0, half=2)])
    wrong_half = spotting_report([Spot("Corner", 42.0, 0.9, 1), Spot("Corner", 50.0, 0.2, 1),
                                  Spot("none", 10.0, 0.5, 1)], second)
    right_half = spotting_report([Spot("Corner", 42.0, 0.9, 2)], second)
    assert wrong_half["tight"]["average_map"] == 0.0 and right_half["tight"]["average_map"] == 1.0
    assert wrong_half["unscored_labels"] == [] and wrong_half["spots"] == 3
    halfless = GameAnnotation("match", None, None, None, None, "soccer",
                              [Event("0", "soccer", "Corner", 40.0, 44.0, 42.0)])
    assert spotting_report([Spot("Corner", 42.0, 0.9, 2)], halfless, half=2)["tight"]["average_map"] == 1.0
    assert spotting_report([Spot("Corner", 42.0, 0.9, 2)], halfless)["tight"]["average_map"] == 0.0


def test_a_highlights_json_is_read_as_spots_of_the_half_named_and_a_malformed_highlight_is_one_line(tmp_path):
    from highlights.events.formats import AnnotationError
    from highlights.pipeline.spotting import load_predictions

    path = tmp_path / "highlights.json"
    shot = {"start_s": 4.0, "end_s": 6.0, "label": "soccer_shooting", "sport": "soccer", "score": 0.8, "key_s": 5.0}
    path.write_text(json.dumps({"highlights": [shot]}))
    assert load_predictions(path).spots == [Spot("soccer_shooting", 5.0, 0.8, 1)]
    second = load_predictions(path, half=2)
    assert (second.kind, second.spots) == ("highlights", [Spot("soccer_shooting", 5.0, 0.8, 2)])
    for bad, cause in ((dict(shot, score="high"), "ValueError"), (dict(shot, end_s=None), "TypeError"),
                       ({k: v for k, v in shot.items() if k != "label"}, "KeyError")):
        path.write_text(json.dumps({"highlights": [bad]}))
        with pytest.raises(AnnotationError) as info:
            load_predictions(path)
        assert str(info.value).startswith(f"{path}: malformed highlight ({cause}: ")


def test_score_takes_progress_as_the_other_pipeline_commands_do_and_names_each_step(cli, tmp_path, monkeypatch):
    """`pipeline score` of a file of thousands of spots runs a while, most of it drawing the
    timeline: a spinner on stderr names the step, and --no-progress leaves it out, as it does in
    `pipeline evaluate`, `calibrate`, `ablate` and `detect`."""
    from contextlib import contextmanager

    import highlights.pipeline.eval_report as eval_report

    ann_path = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    pred = write_results_spotting([Spot("Goal", 312.2, 0.9, 1), Spot("Corner", 500.0, 0.8, 2)],
                                  tmp_path / "results_spotting.json", game="match")
    steps: list[tuple[str, bool, list[str]]] = []

    @contextmanager
    def recorded(description, *, enabled=True):
        shown: list[str] = []
        steps.append((description, enabled, shown))
        yield shown.append

    monkeypatch.setattr(eval_report, "status_line", recorded)
    args = ["pipeline", "score", "--predictions", pred, "--annotations", ann_path]
    shown = cli(*args, "--out", tmp_path / "shown")
    assert shown.exit_code == 0, shown.output
    assert steps == [("scoring results_spotting.json", True,
                      ["average-mAP of 2 spots", "recall and precision of 2 highlights", "drawing the timeline"])]
    quiet = cli(*args, "--out", tmp_path / "quiet", "--no-progress")
    assert quiet.exit_code == 0, quiet.output
    assert steps[1][:2] == ("scoring results_spotting.json", False)
    scores = [json.loads((tmp_path / d / "pipeline_eval.json").read_text())["by_tolerance"] for d in ("shown", "quiet")]
    assert scores[0] == scores[1]
