"""Ctrl-C (or SIGTERM) in a command with nothing of its own to say about it still ends in one line
and exit status 130, naming the command that stopped; a review, which Ctrl-C is how one ends, says
where its decisions are."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.cli.termination import Terminated
from tests.review_fixtures import make_detect_folder

runner = CliRunner()


@pytest.mark.parametrize("stop, how", [(KeyboardInterrupt, "Ctrl-C"), (Terminated, "SIGTERM")])
def test_a_stopped_command_says_which_one_stopped(tmp_path, monkeypatch, stop, how) -> None:
    import highlights.synth.game as game

    def interrupted(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(game, "generate_game", interrupted)
    result = runner.invoke(app, ["synth", "game", "--out", str(tmp_path / "g"), "--minutes", "0.1"])
    assert result.exit_code == 130, result.output
    said = [line for line in result.output.splitlines() if line.strip()]
    assert said[-1] == (f"interrupted ({how}): highlights synth game stopped before it finished; "
                        "nothing half-written was kept"), said
    assert not any("Traceback" in line for line in said)


def test_ctrl_c_in_a_review_says_where_the_decisions_are(tmp_path, monkeypatch) -> None:
    import uvicorn

    folder = make_detect_folder(tmp_path / "det")
    db = tmp_path / "decisions.sqlite"

    def stopped(self, sockets=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Server, "run", stopped)
    result = runner.invoke(app, ["review", str(folder), "--db", str(db), "--port", "0"])
    assert result.exit_code == 130, result.output
    last = " ".join(result.output.split()).rsplit("http", 1)[1]
    assert f"review stopped: every decision made is saved in {db}; the same command goes on from them" in last
    assert "interrupted" not in last


def test_ctrl_c_before_the_server_runs_says_where_the_decisions_are(tmp_path, monkeypatch) -> None:
    # Ctrl-C right after the URL is printed, while the server is still being built.
    import uvicorn

    folder = make_detect_folder(tmp_path / "det")
    db = tmp_path / "decisions.sqlite"

    def stopped(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Config, "__init__", stopped)
    result = runner.invoke(app, ["review", str(folder), "--db", str(db), "--port", "0"])
    assert result.exit_code == 130, result.output
    last = " ".join(result.output.split()).rsplit("http", 1)[1]
    said = f"review stopped: every decision made is saved in {db}; the same command goes on"
    assert said in last
    assert "interrupted" not in last
