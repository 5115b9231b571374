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


def test_ctrl_c_after_the_outputs_are_in_place_says_they_were_written(tmp_path, monkeypatch) -> None:
    # Ctrl-C as the command says what it wrote: its one line said "nothing half-written was kept",
    # where the picture was in place, whole. Now it names it and says the run stopped at its end.
    import typer

    from highlights.augment.preview import is_preview_png
    from tests.dataset_fixtures import write_clip

    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    out = tmp_path / "grid.png"
    said = typer.echo

    def stopped_at_the_closing_line(message=None, *args, **kwargs):
        if str(message).startswith("wrote "):
            raise KeyboardInterrupt
        return said(message, *args, **kwargs)

    monkeypatch.setattr(typer, "echo", stopped_at_the_closing_line)
    result = runner.invoke(app, ["augment", "preview", str(clip), "--out", str(out),
                                 "--variants", "1", "--frames", "1"])
    assert result.exit_code == 130, result.output
    assert is_preview_png(out)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"interrupted (Ctrl-C): highlights augment preview stopped at its end: its "
                     f"outputs were written ({out}); the lines it had left to say were not said"]
