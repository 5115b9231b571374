"""`highlights review export` cuts every decided item from its game and checks each clip as a
dataset version does: a season's review is hundreds of clips, so the command shows how far it is
(a bar with its count, on stderr), not a spinner."""

from __future__ import annotations

from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.datasets import load_version
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import make_detect_folder


def test_the_export_command_counts_the_clips_it_cuts_and_checks(tmp_path):
    folder = make_detect_folder(tmp_path, "game1")
    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([folder]), DecisionStore(db))
    game = session.games[0].id
    decided = [s for s in session.states(game) if s["kind"] == "highlight"][:3]
    for n, item in enumerate(decided):
        session.decide(game, item["id"], status="accepted" if n else "rejected", label=item["label"],
                       start_s=item["start_s"], end_s=item["end_s"], reviewer="Ada")
    session.store.close()
    result = CliRunner().invoke(app, ["review", "export", str(folder), "--to-dataset", str(tmp_path / "datasets"),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert len(load_version(tmp_path / "datasets", "v1").real_clips) == 3
    bars = [line for line in result.stderr.splitlines() if "3/3" in line]
    assert any(line.startswith("cutting reviewed clips") for line in bars), result.stderr
    assert any(line.startswith("checking clips") for line in bars), result.stderr
    assert "datasets/v1 written" in result.stdout and "3/3" not in result.stdout
