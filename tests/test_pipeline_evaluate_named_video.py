"""An annotation file naming another video than the one `pipeline evaluate` scores: a phone file
renamed after it was annotated is still that game, so the run is not refused, but one warning line
names both files, on the terminal and in the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.events.named_video import other_video_line, video_named_in
from tests.pipeline_fixtures import make_game

FAST = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "classifier.backend=oracle",
        "--no-progress"]


def _evaluate(video: Path, annotation: Path, out: Path) -> tuple[str, dict]:
    res = CliRunner().invoke(app, ["pipeline", "evaluate", str(video), "--annotations", str(annotation),
                                   "--out", str(out), *FAST])
    assert res.exit_code == 0, res.output
    return res.output, json.loads((out / "pipeline_eval.json").read_text())


def test_a_renamed_video_is_scored_with_one_line_naming_both_files(tmp_path):
    game = make_game(tmp_path, "game")
    renamed = tmp_path / "VID_20240512_181503.mp4"
    shutil.copyfile(game, renamed)
    shutil.copyfile(game.with_suffix(".gt.jsonl"), renamed.with_suffix(".gt.jsonl"))  # its people, for pose=gt

    said, report = _evaluate(renamed, game.with_suffix(".json"), tmp_path / "renamed")
    lines = [line for line in said.splitlines() if "names the video" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: game.json names the video 'game.mp4', not "
                                                    "'VID_20240512_181503.mp4'"), said
    assert report["annotation"]["other_video"] == lines[0].removeprefix("warning: ")
    assert report["attribution"]["events"] == report["annotation"]["events"] > 0  # scored all the same
    assert "names the video 'game.mp4'" in (tmp_path / "renamed" / "pipeline_eval.md").read_text()

    said, report = _evaluate(game, game.with_suffix(".json"), tmp_path / "same")
    assert "names the video" not in said and report["annotation"]["other_video"] is None


def test_a_soccernet_file_names_its_game_folder_and_a_file_naming_none_says_nothing(tmp_path):
    match = tmp_path / "england_epl" / "2015-02-21 - 18-00 Chelsea 1 - 1 Burnley"
    match.mkdir(parents=True)
    labels = match / "Labels-v2.json"
    event = {"gameTime": "1 - 00:05", "label": "Goal", "position": "5000"}
    labels.write_text(json.dumps({"UrlLocal": "england_epl/2015-02-21 - 18-00 Chelsea 1 - 1 Burnley/",
                                  "annotations": [event]}))
    assert other_video_line(labels, match / "1_224p.mkv") is None  # the game's folder holds its halves
    assert "not '1_224p.mkv'" in other_video_line(labels, tmp_path / "1_224p.mkv")
    labels.write_text(json.dumps({"annotations": [event]}))  # the loader's stand-in name is not the file's
    assert video_named_in(labels) is None and other_video_line(labels, tmp_path / "other.mkv") is None
    clip = tmp_path / "clip.json"
    clip.write_text(json.dumps({"version": "1", "database": {"v_clip": {"annotations": []}}}))
    assert video_named_in(clip) == "v_clip" and other_video_line(clip, tmp_path / "v_clip.mp4") is None
