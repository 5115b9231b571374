"""`pipeline evaluate` writes its own run's highlights.json beside its scores: given a `detect`
run's folder as --out it would replace the highlights.json that folder's page, reel and review go
with, so it refuses that folder before running, and keeps writing into a folder of its own."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from highlights.cli.app import app
from tests.pipeline_fixtures import make_game

GROUND_TRUTH_PEOPLE = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"]


def _run(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_evaluate_refuses_a_detect_folder_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    detected = _run("detect", game, "--sport", "basketball", "--out", tmp_path / "game hl", *GROUND_TRUTH_PEOPLE)
    assert detected.exit_code == 0, detected.output
    before = {p.name: p.read_bytes() for p in (tmp_path / "game hl").iterdir() if p.is_file()}

    refused = _run("pipeline", "evaluate", "--video", game, "--annotations", game.with_suffix(".json"),
                   "--out", tmp_path / "game hl", *GROUND_TRUTH_PEOPLE)
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())
    assert (f"error: {tmp_path / 'game hl'}: holds the output of a `highlights detect` run; an evaluation writes "
            "its own run's highlights.json") in said
    assert "give --out another folder" in said
    assert {p.name: p.read_bytes() for p in (tmp_path / "game hl").iterdir() if p.is_file()} == before

    for _ in range(2):  # its own folder, again and again
        scored = _run("pipeline", "evaluate", "--video", game, "--annotations", game.with_suffix(".json"),
                      "--out", tmp_path / "eval", *GROUND_TRUTH_PEOPLE)
        assert scored.exit_code == 0, scored.output
    assert (tmp_path / "eval" / "pipeline_eval.json").is_file()
