"""One run at a time writes an output folder: a second run into a folder another process is
writing is refused at its start, naming the folder; a killed writer leaves no lock behind; and
the output-folder messages name OUT as the caller called it (`--out`, or the parameter)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.atomic import OutputPathError
from highlights.cli.app import app
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from highlights.pipeline.output_folder import outputs_of
from highlights.pipeline.output_lock import lock_path, one_run_writing
from tests.detect_in_another_process import FAST, HOLDER
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

FAST_CONFIG = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                               "classifier.enabled": False})


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("lock-game"), duration_s=10.0, events=DEFAULT_EVENTS[:1])


@pytest.fixture
def holder():
    """Start a process holding the lock of a folder; the processes are ended after the test."""
    started: list[subprocess.Popen] = []

    def hold(out: Path) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def _detect(video: Path, out: Path):
    return CliRunner().invoke(app, ["detect", str(video), "--out", str(out), *FAST])


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_run_into_a_folder_another_process_is_writing_is_refused_at_its_start(video, tmp_path, holder):
    out = tmp_path / "game"
    first = _detect(video, out)
    assert first.exit_code == 0, first.output
    before = _tree(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game"]  # a finished run leaves no lock file

    writer = holder(out)
    refused = _detect(video, out)
    assert refused.exit_code == 1
    assert [line for line in refused.output.splitlines() if line.startswith("error:")] == [
        f"error: {out}: another highlights run is writing this folder (pid {writer.pid}); wait for it to "
        "finish, or give this run another --out"]
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".game.lock", "game"]  # the holder's, nothing more

    # A writer killed outright: the kernel drops its lock, and the next run takes the folder over.
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert lock_path(out).exists()
    again = _detect(video, out)
    assert again.exit_code == 0, again.output
    assert outputs_of(out) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game"]


def test_a_python_caller_is_refused_the_same_way_in_its_own_words(video, tmp_path, holder):
    out = tmp_path / "deep" / "game"
    writer = holder(out)
    with pytest.raises(OutputPathError) as refused:
        detect_highlights(video, FAST_CONFIG, out, progress=False)
    assert str(refused.value) == (f"{out}: another highlights run is writing this folder (pid {writer.pid}); wait "
                                  "for it to finish, or give this run another out_dir")
    assert not out.exists()

    writer.stdin.close()  # the holder finishes: its lock file goes, and the folder it made for it
    assert writer.wait() == 0
    assert os.listdir(tmp_path) == []
    detect_highlights(video, FAST_CONFIG, out, progress=False)
    assert outputs_of(out) is not None


def test_a_refused_run_leaves_no_folders_it_made_for_its_lock(video, tmp_path):
    with pytest.raises(Exception, match="missing.mp4"):
        detect_highlights(tmp_path / "missing.mp4", FAST_CONFIG, tmp_path / "a" / "b" / "game", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_python_callers_folder_messages_name_its_parameter(video, tmp_path):
    notes = tmp_path / "footage"
    notes.mkdir()
    (notes / "my-notes.txt").write_text("do not delete")
    with pytest.raises(OutputPathError) as foreign:
        detect_highlights(video, FAST_CONFIG, notes, progress=False)
    assert str(foreign.value) == (f"{notes}: holds my-notes.txt, which no highlights run wrote; a run replaces "
                                  "its out_dir folder whole, so give it a new or empty folder")

    a_file = tmp_path / "out.mp4"
    a_file.write_bytes(b"not a folder")
    with pytest.raises(OutputPathError) as is_file:
        detect_highlights(video, FAST_CONFIG, a_file, progress=False)
    assert str(is_file.value) == f"{a_file}: is a file; out_dir names the folder the run's outputs go into"

    result = _detect(video, a_file)
    assert f"error: {a_file}: is a file; --out names the folder the run's outputs go into" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["footage", "out.mp4"]



def test_a_folder_named_near_the_filesystems_limit_is_locked_too(tmp_path, holder):
    """`.NAME.lock` of a folder whose name is 252 bytes would be past the 255-byte limit: the lock
    file's name is cut short with a hash, so a second writer is still refused (it went on unlocked),
    and two such folders alike up to the cut keep locks of their own."""
    out = tmp_path / ("é" * 122 + "game-one")  # 252 bytes
    other = tmp_path / ("é" * 122 + "game-two")
    writer = holder(out)
    assert len(os.fsencode(lock_path(out).name)) <= 255 and lock_path(out).exists()
    with pytest.raises(OutputPathError, match=f"another highlights run is writing this folder \\(pid {writer.pid}\\)"):
        with one_run_writing(out):
            pass
    assert lock_path(other) != lock_path(out)
    with one_run_writing(other):  # not the first folder's lock
        assert lock_path(other).exists()
