"""`pipeline calibrate` on several annotated games: their highlights pooled into one fit, every game
recorded in the file and reported on its own beside the pooled figures, and a bad game among them
refused in one line naming it before any game is analysed."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from highlights.calibration_error import ece_reported
from highlights.events import load_annotation
from highlights.file_hash import file_sha256
from highlights.pipeline.calibrate import correct_flags
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.ranking import Calibration, reliability
from highlights.pipeline.run import run_pipeline
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

GT = {"detection.backend": "gt", "pose.backend": "gt"}
GT_FLAGS = [arg for key, value in GT.items() for arg in ("--set", f"{key}={value}")]
UNCALIBRATED = {**GT, "merge.score_calibration": "none", "merge.highlight_min_score": 0.0,
                "merge.max_highlights": 0, "merge.reel_seconds": 0.0}


@pytest.fixture(scope="module")
def games(tmp_path_factory):
    """Two short games, (video, annotation file) each. The second's annotation leaves out the
    actor's first action, so the pipeline finds a highlight there that counts as wrong: the pooled
    fit has both outcomes to tell apart."""
    root = tmp_path_factory.mktemp("games")
    first = make_game(root / "a", "game", duration_s=16.0, events=DEFAULT_EVENTS[:2])
    second = make_game(root / "b", "game", duration_s=22.0, events=DEFAULT_EVENTS[1:])
    annotation = json.loads(second.with_suffix(".json").read_text())
    annotation["events"] = annotation["events"][1:]
    second.with_suffix(".json").write_text(json.dumps(annotation))
    return [(first, first.with_suffix(".json")), (second, second.with_suffix(".json"))]


def _pairs(games) -> list[str]:
    return [str(arg) for video, annotation in games for arg in ("--video", video, "--annotations", annotation)]


def _ece_after(said: str, what: str) -> tuple[str, str]:
    """The raw and fitted ECE (with intervals) printed after `what`."""
    ece = r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]"
    found = re.search(rf"{re.escape(what)}.*?expected calibration error ({ece}) raw, ({ece}) fitted", said)
    assert found, said
    return found.groups()


def test_several_games_are_pooled_recorded_and_reported_each(games, cli, tmp_path):
    cal = tmp_path / "cal.json"
    res = cli("pipeline", "calibrate", *_pairs(games), "--out", cal, *GT_FLAGS, "--no-progress")
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    calibration = Calibration.load(cal)
    fitted_on = calibration.fitted_on

    # What the pipeline finds on each game, uncalibrated, scored with the file's map: the command's
    # per-game and pooled figures are these, and the file records each game.
    scores, pooled_raw, pooled_fitted, pooled_flags = [], [], [], []
    for (video, annotation_file), record in zip(games, fitted_on["games"]):
        annotation = load_annotation(annotation_file)
        run = run_pipeline(video, PipelineConfig().with_overrides(UNCALIBRATED), annotation=annotation,
                           progress=False)
        found = run.highlights
        flags = correct_flags(found, list(annotation.events), 2.0)
        raw = reliability([h.score for h in found], flags)
        fitted = reliability([calibration.score(h) for h in found], flags)
        assert record == {"video": "game.mp4", "path": str(video.resolve()), "video_sha256": file_sha256(video),
                          "video_size_bytes": video.stat().st_size,
                          "events": len(annotation.events), "highlights": len(found),
                          "right": sum(flags),
                          "stages": run.backends, "classifier_inference": run.inference_backend}
        # every game ran the same stages: the top level holds them, as a one-game file does
        assert (fitted_on["stages"], fitted_on["classifier_inference"]) == (run.backends, run.inference_backend)
        assert _ece_after(said, f"{video}: {len(found)} highlights, {sum(flags)} right") == \
            (ece_reported(raw), ece_reported(fitted))
        scores.append(record)
        pooled_raw += [h.score for h in found]
        pooled_fitted += [calibration.score(h) for h in found]
        pooled_flags += flags
    assert fitted_on["events"] == 3 and "video" not in fitted_on
    # The annotation that left an action out gives a wrong highlight: both outcomes were fitted.
    n, right = len(pooled_flags), sum(pooled_flags)
    assert 0 < right < n and [s["highlights"] for s in scores] == [2, 2]
    assert (fitted_on["samples"], fitted_on["positives"]) == (n, right)
    assert _ece_after(said, f"pooled over 2 games: {n} highlights, {right} right (tolerance 2 s)") == \
        (ece_reported(reliability(pooled_raw, pooled_flags)), ece_reported(reliability(pooled_fitted, pooled_flags)))
    assert "measured on the games it was fitted on" in said
    assert f"calibration: {cal}" in said


def test_games_that_ran_different_stages_are_recorded_each_and_said_to(games, cli, tmp_path, monkeypatch):
    import dataclasses

    import highlights.pipeline.run as run

    real_run = run.run_pipeline
    second = games[1][0]

    def another_classifier_on_the_second(video, *args, **kwargs):
        # As a run whose classifier was picked per game would report it: the second game's ran another one.
        result = real_run(video, *args, **kwargs)
        if video == second:
            other = "checkpoint" if result.backends["classifier"] != "checkpoint" else "pose"
            result = dataclasses.replace(result, backends={**result.backends, "classifier": other})
        return result

    monkeypatch.setattr(run, "run_pipeline", another_classifier_on_the_second)
    cal = tmp_path / "cal.json"
    res = cli("pipeline", "calibrate", *_pairs(games), "--out", cal, *GT_FLAGS, "--no-progress")
    assert res.exit_code == 0, res.output
    fitted_on = Calibration.load(cal).fitted_on
    first, other = (game["stages"]["classifier"] for game in fitted_on["games"])
    assert first != other and [game["stages"] for game in fitted_on["games"]][0] == \
        real_run(games[0][0], PipelineConfig().with_overrides(UNCALIBRATED), progress=False).backends
    assert "stages" not in fitted_on and "classifier_inference" not in fitted_on
    said = " ".join(res.output.split())
    assert (f"warning: the games ran different stages (classifier: {first} on {games[0][0]}, {other} on "
            f"{second}): the fit pools the scores of different pipelines") in said


def test_progress_says_which_game_is_running(games, cli, tmp_path):
    res = cli("pipeline", "calibrate", *_pairs(games), "--out", tmp_path / "cal.json", *GT_FLAGS, "--progress")
    assert res.exit_code == 0, res.output
    # On stderr, with the bars: the figures on stdout are those a run without progress prints.
    assert [line for line in res.stderr.splitlines() if line.startswith("game ")] == \
        [f"game 1 of 2: {games[0][0]}", f"game 2 of 2: {games[1][0]}"], res.output
    assert "game 1 of 2" not in res.stdout
    quiet = cli("pipeline", "calibrate", *_pairs(games), "--out", tmp_path / "quiet.json", *GT_FLAGS, "--no-progress")
    assert quiet.exit_code == 0 and "game 1 of 2" not in quiet.output


def test_one_game_keeps_its_file(games, cli, tmp_path):
    """One game is recorded as it always was: the video and its hash at the top, no list of games."""
    video, annotation = games[0]
    res = cli("pipeline", "calibrate", "--video", video, "--annotations", annotation, "--out", tmp_path / "one.json",
              *GT_FLAGS, "--no-progress")
    assert res.exit_code == 0, res.output
    fitted_on = json.loads((tmp_path / "one.json").read_text())["fitted_on"]
    assert fitted_on["video"] == "game.mp4" and fitted_on["video_sha256"] == file_sha256(video)
    assert fitted_on["video_size_bytes"] == video.stat().st_size
    # what made the scores it was fitted to: the whole config, and each model file by content
    assert PipelineConfig.from_dict(fitted_on["config"]) == PipelineConfig().with_overrides(UNCALIBRATED)
    assert fitted_on["models"] and all(m["sha256"] == file_sha256(m["path"]) for m in fitted_on["models"])
    assert "games" not in fitted_on and "path" not in fitted_on
    assert "pooled" not in res.output and "measured on the game it was fitted on" in " ".join(res.output.split())


def _refused_before_any_run(cli, monkeypatch, tmp_path, *args) -> str:
    """Runs calibrate, which must fail in one line before the pipeline analyses any game."""
    import highlights.pipeline.run as run

    def ran(*a, **kw):
        raise AssertionError("a game was analysed before every game was checked")

    monkeypatch.setattr(run, "run_pipeline", ran)
    out = tmp_path / "refused.json"
    res = cli("pipeline", "calibrate", *args, "--out", out, *GT_FLAGS, "--no-progress")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
    assert not out.exists()
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def test_a_missing_third_game_is_refused_before_the_first_runs(games, cli, tmp_path, monkeypatch):
    missing = tmp_path / "nope.mp4"
    line = _refused_before_any_run(cli, monkeypatch, tmp_path, *_pairs([*games, (missing, games[0][1])]))
    assert str(missing) in line and "file not found" in line


def test_another_videos_annotation_is_refused_naming_it(games, cli, tmp_path, monkeypatch):
    """The 22 s game's annotation given for the 16 s one: its key moment is after the end."""
    (first, first_ann), (second, second_ann) = games
    line = _refused_before_any_run(cli, monkeypatch, tmp_path,
                                   *_pairs([(first, second_ann), (second, first_ann)]))
    assert line.startswith(f"error: {second_ann}: ") and "after the end of game.mp4" in line, line


def test_a_game_given_twice_is_refused(games, cli, tmp_path, monkeypatch):
    (video, annotation), _ = games
    line = _refused_before_any_run(cli, monkeypatch, tmp_path, *_pairs([games[0], games[0]]))
    assert line == (f"error: --video {video}: the same file as --video {video}; a game's highlights count once in "
                    "a fit, so give each game once")
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(video, copy)
    line = _refused_before_any_run(cli, monkeypatch, tmp_path, *_pairs([games[0], (copy, annotation)]))
    assert line.startswith(f"error: --video {copy}: a copy of --video {video};")


def test_unpaired_videos_and_annotations_are_refused(games, cli, tmp_path, monkeypatch):
    (first, first_ann), (second, _) = games
    line = _refused_before_any_run(cli, monkeypatch, tmp_path, "--video", first, "--video", second,
                                   "--annotations", first_ann)
    assert line == ("error: 2 --video and 1 --annotations: give each game's --annotations after its --video "
                    "(the Nth --annotations is the Nth --video's)")
    # The argument, the earlier spelling of one --video, with two more: which game goes with which
    # annotation would be a guess.
    line = _refused_before_any_run(cli, monkeypatch, tmp_path, first, *_pairs(games))
    assert line == f"error: the argument {first} and 2 --video: give every game as --video"


def test_a_game_with_no_highlight_is_named_among_several(games, cli, tmp_path):
    """Only a run finds that a game gives nothing to fit: the game is named, the games after it are
    not run, and nothing is written."""
    still = make_game(tmp_path / "still", "still", duration_s=6.0, events=())
    cal = tmp_path / "cal.json"
    res = cli("pipeline", "calibrate", *_pairs([(still, still.with_suffix(".json")), games[0]]), "--out", cal,
              *GT_FLAGS, "--no-progress")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
    assert " ".join(res.output.split()) == (
        f"error: {still}: the pipeline found no highlight in it, so there is nothing to fit the score to; "
        "calibrate on an annotated game where it finds some")
    assert not cal.exists()
