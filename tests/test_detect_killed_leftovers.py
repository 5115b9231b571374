"""A `detect` run killed outright (`kill -9`, the OOM killer: no cleanup runs) leaves its staging
folder and lock file beside its `--out`; a service gives each upload its own `--out` under one
parent, so the next run into ANY folder of that parent removes them, before its analysis. What a
running process is writing (here, or in another container: its lock is held), and names that
only look alike, stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import highlights.pipeline.detect as detect
from highlights.cli.app import app
from highlights.datasets.lock import remove_if_abandoned
from highlights.pipeline.output_folder import outputs_of
from tests.detect_in_another_process import FAST, HELD_WHILE_WRITING, HOLDER
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("killed-game"), duration_s=10.0, events=DEFAULT_EVENTS[:1])


def _killed_mid_run(video: Path, out: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", HELD_WHILE_WRITING, "detect", str(video), "--out", str(out),
                                *FAST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline().strip()
    process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate()
    assert line == "written", stderr
    assert process.returncode == -signal.SIGKILL


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_run_into_another_folder_of_the_parent_removes_a_killed_runs_staging_and_lock(video, tmp_path,
                                                                                        monkeypatch):
    uploads = tmp_path / "uploads"
    _killed_mid_run(video, uploads / "game1")
    staging = [p for p in uploads.iterdir() if p.name.startswith(".game1.partial-")]
    assert len(staging) == 1 and (staging[0] / "reel.mp4").stat().st_size > 0
    assert _names(uploads) == [".game1.lock", staging[0].name]  # no game1: the kill fell before the swap

    # A run still writing game3 (its staging, its held lock) and a folder of the user's that only
    # looks like a staging folder are not the killed run's.
    writer = subprocess.Popen([sys.executable, "-c", HOLDER, str(uploads / "game3")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "held"
        running = uploads / f".game3.partial-{writer.pid}-abcd1234"
        (running / "clips").mkdir(parents=True)
        # A run in another container sharing the volume: no process here has its pid, but it holds
        # its folder's lock, which every container sees.
        elsewhere = uploads / f".game3.partial-{_gone_pid()}-efgh5678"
        elsewhere.mkdir()
        (uploads / ".game4.partial-notes").mkdir()

        at_analysis: list[list[str]] = []
        analyse = detect.run_pipeline

        def watched(*args, **kwargs):
            at_analysis.append(_names(uploads))
            return analyse(*args, **kwargs)

        monkeypatch.setattr(detect, "run_pipeline", watched)
        result = CliRunner().invoke(app, ["detect", str(video), "--out", str(uploads / "game2"), *FAST])
        assert result.exit_code == 0, result.output
        kept = sorted([".game2.lock", ".game3.lock", ".game4.partial-notes", running.name, elsewhere.name])
        assert at_analysis == [kept]  # gone before the analysis, while game2's own lock was held
        assert outputs_of(uploads / "game2") is not None
        assert _names(uploads) == sorted([".game3.lock", ".game4.partial-notes", running.name, elsewhere.name,
                                          "game2"])
        assert (running / "clips").is_dir()
    finally:
        writer.stdin.close()
        writer.wait()
    assert _names(uploads) == sorted([".game4.partial-notes", running.name, elsewhere.name, "game2"])  # lock taken


def test_only_an_unheld_lock_file_naming_a_gone_process_is_abandoned(tmp_path):
    killed = tmp_path / ".game.lock"
    killed.write_text(f"{_gone_pid()}\n")
    notes = tmp_path / ".notes.lock"
    notes.write_text("my own notes\n")
    ours = tmp_path / ".ours.lock"
    ours.write_text(f"{os.getpid()}\n")
    assert remove_if_abandoned(killed) and not killed.exists()
    assert not remove_if_abandoned(notes) and not remove_if_abandoned(ours)
    assert _names(tmp_path) == [".notes.lock", ".ours.lock"]
