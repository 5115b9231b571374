"""`pipeline evaluate` on a reviewed game says when the model was trained on that game's clips:
the review's export puts a game's clips in the next version, and a model trained on that version
scored against the game's reviewed annotations is scored on footage it learned from. `pipeline
calibrate` says the same of a calibration fitted on such a game."""

from __future__ import annotations

import hashlib
import os
import shutil

import torch

from highlights.model.checkpoint import FORMAT_NAME
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.seen_video import seen_video_warnings
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.hash_reads import hash_reads
from tests.review_fixtures import decide_first_three, make_detect_folder


def _checkpoint(path, clip_ids, root, version, val_clip_ids=None):
    """A checkpoint's record of its training clips (and of those its best epoch was chosen on), as
    `highlights train` writes it (its weights play no part here)."""
    meta = {"classes": ["baseball_swing", "none"], "train_clip_ids": sorted(clip_ids),
            "dataset": {"root": str(root), "version": version}}
    if val_clip_ids is not None:
        meta["val_clip_ids"] = sorted(val_clip_ids)
    torch.save({"format": FORMAT_NAME, "format_version": 1, "state_dict": {}, "meta": meta}, path)
    return PipelineConfig().with_overrides({"classifier.checkpoint": str(path), "classifier.backend": "checkpoint"})


def _reviewed_version(tmp_path):
    """A synthetic game reviewed (three decisions) and exported as v1: the version and its video."""
    folder = make_detect_folder(tmp_path / "detect", "game1")
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        decide_first_three(session)
        return export_review(session, tmp_path / "datasets").version, session.games[0].video
    finally:
        session.store.close()


def test_a_model_trained_on_a_reviewed_games_clips_is_named_when_scored_on_that_game(tmp_path):
    version, video = _reviewed_version(tmp_path)
    ids = {c.clip_id for c in version.clips}
    cfg = _checkpoint(tmp_path / "seen.pt", ids, version.root, version.name)
    (line,) = seen_video_warnings(cfg, video)
    assert len(ids) > 1 and f"seen.pt was trained on {len(ids)} clips cut from it ({version.root} v1)" in line
    assert "not a test of it" in line
    # Another video, one no clip was cut from, is a test of the model.
    other = tmp_path / "other.mp4"
    shutil.copyfile(video, other)
    assert seen_video_warnings(cfg, other) == []
    # A model trained on the whole video as one clip (a folder-per-class tree holding the game).
    from highlights.file_hash import file_sha256

    whole = _checkpoint(tmp_path / "whole.pt", {file_sha256(other)[:16]}, version.root, "v1")
    (line,) = seen_video_warnings(whole, other)
    assert "whole.pt was trained on the video itself" in line
    # A model trained on other clips of the version, or on synthetic data alone, says nothing.
    assert seen_video_warnings(_checkpoint(tmp_path / "other.pt", {"0" * 16}, version.root, "v1"), video) == []
    assert seen_video_warnings(PipelineConfig(), video) == []


def test_a_model_whose_best_epoch_was_chosen_on_a_reviewed_games_clips_is_named_when_scored_on_it(tmp_path):
    """The game's clips in the version's val split chose the checkpoint's best epoch: its figures
    on that game are no test either, as `evaluate --clips` says of such clips."""
    version, video = _reviewed_version(tmp_path)
    ids = {c.clip_id for c in version.clips}
    cfg = _checkpoint(tmp_path / "chosen.pt", {"0" * 16}, version.root, version.name, val_clip_ids=ids)
    (line,) = seen_video_warnings(cfg, video)
    assert f"chosen.pt had its best epoch chosen on {len(ids)} clips cut from it ({version.root} v1)" in line
    assert "not a test of it" in line and "in the version's test split" in line
    # Trained on some of them and validated on the rest: both are said, each clip once.
    first, *rest = sorted(ids)
    (line,) = seen_video_warnings(_checkpoint(tmp_path / "both.pt", {first}, version.root, "v1", ids), video)
    assert f"was trained on 1 clip cut from it and had its best epoch chosen on {len(rest)} clip" in line
    assert seen_video_warnings(_checkpoint(tmp_path / "other.pt", {"0" * 16}, version.root, "v1", {"1" * 16}),
                            video) == []


def test_the_game_is_read_whole_once_and_again_once_it_changes(tmp_path, monkeypatch):
    """`pipeline evaluate` run again on the same game takes its hash from the cache folder; a video
    written again at the same path, even to the same size and modification time, is read again."""
    hashed = hash_reads(monkeypatch, tmp_path / "cache")
    video = tmp_path / "game.mp4"
    video.write_bytes(os.urandom(100_000))
    trained_on = {hashlib.sha256(video.read_bytes()).hexdigest()[:16]}
    cfg = _checkpoint(tmp_path / "whole.pt", trained_on, tmp_path / "datasets", "v1")
    for _ in range(2):
        (line,) = seen_video_warnings(cfg, video)
        assert "whole.pt was trained on the video itself" in line
    assert hashed == [str(video)]
    was = video.stat()
    video.write_bytes(os.urandom(100_000))
    os.utime(video, ns=(was.st_atime_ns, was.st_mtime_ns))
    assert seen_video_warnings(cfg, video) == []
    assert hashed == [str(video)] * 2


def test_calibrate_on_a_game_the_model_has_seen_warns_as_evaluate_does(tmp_path, monkeypatch):
    """A calibration fitted on a game the model was trained on is fitted on scores more confident
    than the model's on new games: `pipeline calibrate` says so, in the words `pipeline evaluate`
    uses for what the model saw. The fit runs the oracle classifier (the checkpoint here records
    only what it saw, no weights)."""
    from typer.testing import CliRunner

    import highlights.pipeline.calibrate as calibrate
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    video = make_game(tmp_path / "game", duration_s=8.0, events=DEFAULT_EVENTS[:1])
    fit = calibrate.calibrate_on_game
    monkeypatch.setattr(calibrate, "calibrate_on_game", lambda video, truth, cfg, **kw: fit(
        video, truth, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    args = ["pipeline", "calibrate", "--video", str(video), "--annotations", str(video.with_suffix(".json")),
            "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"]
    for name, trained_on, warned in (("seen", {file_sha256(video)[:16]}, True), ("unseen", {"0" * 16}, False)):
        ckpt = tmp_path / f"{name}.pt"
        _checkpoint(ckpt, trained_on, tmp_path / "datasets", "v1")
        res = CliRunner().invoke(app, [*args, "--checkpoint", str(ckpt), "--out", str(tmp_path / f"{name}.json")])
        assert res.exit_code == 0, res.output
        said = " ".join(res.output.split())
        assert (tmp_path / f"{name}.json").exists()
        assert (f"warning: {ckpt} was trained on the video itself" in said) is warned, said
        assert ("this calibration is fitted on its scores on footage the model learned from, more confident there "
                "than on new games; fit it on a game it has not seen" in said) is warned, said


def test_evaluate_on_a_game_the_model_has_seen_says_so_in_its_report_files_too(tmp_path, monkeypatch):
    """pipeline_eval.json and .md travel without the terminal: on a game the model was trained on,
    each carries the warning the terminal prints, and on another game neither does. The run uses
    the oracle classifier (the checkpoint here records only what it saw, no weights)."""
    import json

    from typer.testing import CliRunner

    import highlights.pipeline.eval_report as eval_report
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    video = make_game(tmp_path / "game", duration_s=8.0, events=DEFAULT_EVENTS[:1])
    run = eval_report.run_pipeline
    monkeypatch.setattr(eval_report, "run_pipeline", lambda video, cfg, **kw: run(
        video, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    args = ["pipeline", "evaluate", "--video", str(video), "--annotations", str(video.with_suffix(".json")),
            "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"]
    for name, trained_on, warned in (("seen", {file_sha256(video)[:16]}, True), ("unseen", {"0" * 16}, False)):
        ckpt = tmp_path / f"{name}.pt"
        _checkpoint(ckpt, trained_on, tmp_path / "datasets", "v1")
        out = tmp_path / f"eval-{name}"
        res = CliRunner().invoke(app, [*args, "--checkpoint", str(ckpt), "--out", str(out)])
        assert res.exit_code == 0, res.output
        line = f"{ckpt} was trained on the video itself"
        assert (f"warning: {line}" in " ".join(res.output.split())) is warned, res.output
        saved = json.loads((out / "pipeline_eval.json").read_text())["seen_footage"]
        assert (len(saved) == 1 and saved[0].startswith(line)) if warned else saved == [], saved
        assert (f"**Warning:** {line}" in (out / "pipeline_eval.md").read_text()) is warned


def test_detect_against_annotations_of_a_game_the_model_has_seen_says_so(tmp_path, monkeypatch):
    """`detect --annotations` prints the recall and precision `pipeline evaluate` gives: on a game
    the model was trained on, with the same warning. The run uses the oracle classifier."""
    from typer.testing import CliRunner

    import highlights.pipeline.detect as detect
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    video = make_game(tmp_path / "game", duration_s=8.0, events=DEFAULT_EVENTS[:1])
    run = detect.run_pipeline
    monkeypatch.setattr(detect, "run_pipeline", lambda video, cfg, **kw: run(
        video, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    for name, trained_on, warned in (("seen", {file_sha256(video)[:16]}, True), ("unseen", {"0" * 16}, False)):
        ckpt = tmp_path / f"{name}.pt"
        _checkpoint(ckpt, trained_on, tmp_path / "datasets", "v1")
        res = CliRunner().invoke(app, ["detect", str(video), "--annotations", str(video.with_suffix(".json")),
                                       "--checkpoint", str(ckpt), "--out", str(tmp_path / f"d-{name}"),
                                       "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"])
        assert res.exit_code == 0, res.output
        said = " ".join(res.output.split())
        assert "recall" in said
        assert (f"warning: {ckpt} was trained on the video itself" in said) is warned, said


def test_a_batch_against_annotations_names_the_game_the_model_has_seen(tmp_path, monkeypatch):
    """A batch's manifest with annotations prints the games' pooled recall: the game the model was
    trained on is named, as `detect --annotations` names it of one game. One worker runs the games
    in this process, with the oracle classifier."""
    from typer.testing import CliRunner

    import highlights.pipeline.detect as detect
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    seen, unseen = (make_game(tmp_path / name, duration_s=seconds, events=DEFAULT_EVENTS[:1])
                    for name, seconds in (("a", 8.0), ("b", 9.0)))
    run = detect.run_pipeline
    monkeypatch.setattr(detect, "run_pipeline", lambda video, cfg, **kw: run(
        video, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    manifest = tmp_path / "games.csv"
    manifest.write_text("path,game_id,annotations\n" + "".join(
        f"{video},{name},{video.with_suffix('.json')}\n" for name, video in (("seen", seen), ("unseen", unseen))))
    ckpt = tmp_path / "seen.pt"
    _checkpoint(ckpt, {file_sha256(seen)[:16]}, tmp_path / "datasets", "v1")
    res = CliRunner().invoke(app, ["detect", str(manifest), "--checkpoint", str(ckpt), "--out",
                                   str(tmp_path / "season"),
                                   "--workers", "1", "--set", "detection.backend=gt", "--set", "pose.backend=gt",
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert "against the annotations of 2 games" in said, said
    assert said.count("warning:") == 1 and f"warning: seen: {ckpt} was trained on the video itself" in said, said


def test_calibrate_on_several_games_names_the_game_the_model_has_seen(tmp_path, monkeypatch):
    """Of several games pooled into one fit, the warning names the one the model was trained on."""
    from typer.testing import CliRunner

    import highlights.pipeline.calibrate as calibrate
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    seen, unseen = (make_game(tmp_path / name, duration_s=seconds, events=DEFAULT_EVENTS[:1])
                    for name, seconds in (("a", 8.0), ("b", 9.0)))
    fit = calibrate.calibrate_on_games
    monkeypatch.setattr(calibrate, "calibrate_on_games", lambda games, cfg, **kw: fit(
        games, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    ckpt = tmp_path / "seen.pt"
    _checkpoint(ckpt, {file_sha256(seen)[:16]}, tmp_path / "datasets", "v1")
    res = CliRunner().invoke(app, ["pipeline", "calibrate", "--checkpoint", str(ckpt), "--out",
                                   str(tmp_path / "c.json"),
                                   *(arg for video in (seen, unseen) for arg in
                                     ("--video", str(video), "--annotations", str(video.with_suffix(".json")))),
                                   "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert said.count("warning:") == 1 and f"warning: {seen}: {ckpt} was trained on the video itself" in said, said


def test_a_video_both_trained_and_validated_on_is_named_once_as_trained_on(tmp_path, monkeypatch):
    hash_reads(monkeypatch, tmp_path / "cache")
    video = tmp_path / "game.mp4"
    video.write_bytes(os.urandom(10_000))
    seen = {hashlib.sha256(video.read_bytes()).hexdigest()[:16]}
    (line,) = seen_video_warnings(_checkpoint(tmp_path / "both.pt", seen, tmp_path / "datasets", "v1", seen), video)
    assert "both.pt was trained on the video itself" in line and "chosen on" not in line


def test_with_the_classifier_off_a_checkpoint_named_has_judged_nothing_and_is_not_warned_of(tmp_path, monkeypatch):
    """`--set classifier.enabled=false` (as the ablation switches it) with `--checkpoint` still given:
    the model scored no window, so detect, pipeline evaluate and a batch say nothing of what it saw,
    in their terminal lines or in the files they write."""
    import json

    from typer.testing import CliRunner

    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    video = make_game(tmp_path / "game", duration_s=8.0, events=DEFAULT_EVENTS[:1])
    ckpt = tmp_path / "seen.pt"
    cfg = _checkpoint(ckpt, {file_sha256(video)[:16]}, tmp_path / "datasets", "v1")
    assert seen_video_warnings(cfg, video)  # the same model with the classifier on is warned of
    assert seen_video_warnings(cfg.with_overrides({"classifier.enabled": False}), video) == []
    annotations = str(video.with_suffix(".json"))
    manifest = tmp_path / "games.csv"
    manifest.write_text(f"path,game_id,annotations\n{video},seen,{annotations}\n")
    common = ["--checkpoint", str(ckpt), "--set", "classifier.enabled=false", "--set", "detection.backend=gt",
              "--set", "pose.backend=gt", "--no-progress"]
    runs = {"detect": ["detect", str(video), "--annotations", annotations, "--out", str(tmp_path / "d")],
            "evaluate": ["pipeline", "evaluate", "--video", str(video), "--annotations", annotations,
                         "--out", str(tmp_path / "e")],
            "batch": ["detect", str(manifest), "--out", str(tmp_path / "season"), "--workers", "1"]}
    for name, args in runs.items():
        res = CliRunner().invoke(app, [*args, *common])
        assert res.exit_code == 0, (name, res.output)
        said = " ".join(res.output.split())
        assert "recall" in said, (name, said)
        assert "warning" not in said and "trained on" not in said, (name, said)
    assert json.loads((tmp_path / "e" / "pipeline_eval.json").read_text())["seen_footage"] == []
    (game,) = json.loads((tmp_path / "season" / "index.json").read_text())["games"]
    assert game["status"] == "done" and "seen_footage" not in game, game


def test_a_batchs_terminal_warnings_are_the_ones_its_index_records(tmp_path, monkeypatch):
    """The lines under the pooled recall are read from the games' records, so the terminal and the
    index never disagree: a game the model saw whose annotations cannot be read fails, has no
    scores and no `seen_footage`, and is warned of nowhere; a game the model has not seen is not
    warned of either. One worker runs the games in this process, with the oracle classifier."""
    import json

    from typer.testing import CliRunner

    import highlights.pipeline.detect as detect
    from highlights.cli.app import app
    from highlights.file_hash import file_sha256
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    seen, unseen, unreadable = (make_game(tmp_path / name, duration_s=seconds, events=DEFAULT_EVENTS[:1])
                                for name, seconds in (("a", 8.0), ("b", 9.0), ("c", 7.0)))
    unreadable.with_suffix(".json").write_text("{ not json", encoding="utf-8")
    run = detect.run_pipeline
    monkeypatch.setattr(detect, "run_pipeline", lambda video, cfg, **kw: run(
        video, cfg.with_overrides({"classifier.backend": "oracle"}), **kw))
    manifest = tmp_path / "games.csv"
    manifest.write_text("path,game_id,annotations\n" + "".join(
        f"{video},{name},{video.with_suffix('.json')}\n"
        for name, video in (("seen", seen), ("unseen", unseen), ("unreadable", unreadable))))
    ckpt = tmp_path / "seen.pt"
    _checkpoint(ckpt, {file_sha256(seen)[:16], file_sha256(unreadable)[:16]}, tmp_path / "datasets", "v1")
    res = CliRunner().invoke(app, ["detect", str(manifest), "--checkpoint", str(ckpt), "--out",
                                   str(tmp_path / "season"),
                                   "--workers", "1", "--set", "detection.backend=gt", "--set", "pose.backend=gt",
                                   "--no-progress"])
    said = " ".join(res.output.split())
    assert res.exit_code != 0 and "1 of 3 games failed" in said, said
    games = {g["game_id"]: g for g in json.loads((tmp_path / "season" / "index.json").read_text())["games"]}
    assert games["unreadable"]["status"] == "failed" and "seen_footage" not in games["unreadable"], games
    assert "seen_footage" not in games["unseen"]
    (recorded,) = games["seen"]["seen_footage"]
    assert recorded.startswith(f"{ckpt} was trained on the video itself"), recorded
    assert said.count("warning:") == 1 and f"warning: seen: {recorded}" in said, said
