"""A command stopped the way a service manager stops it (SIGTERM) cleans up as after Ctrl-C: a
`detect` run stopped while it writes its outputs leaves `--out` as it was, no staging folder or
lock file beside it, says so on stderr, and exits 143 (128 + SIGTERM)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.detect_in_another_process import FAST, HELD_WHILE_WRITING
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("sigterm-game"), duration_s=10.0, events=DEFAULT_EVENTS[:1])


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _held_detect(video: Path, out: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HELD_WHILE_WRITING, "detect", str(video), "--out", str(out),
                                *FAST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline().strip()
    if line != "written":
        process.kill()
        pytest.fail(f"the run did not reach its outputs: {line!r} {process.communicate()}")
    return process


def test_a_detect_run_stopped_by_sigterm_leaves_its_folder_as_it_was_and_exits_143(video, tmp_path):
    out = tmp_path / "game"
    first = _held_detect(video, out)
    first.stdin.close()  # a run let through to its end: the folder a later stopped run must leave alone
    assert first.wait() == 0, first.stderr.read()
    before = _tree(out)
    assert before and sorted(p.name for p in tmp_path.iterdir()) == ["game"]

    stopped = _held_detect(video, out)
    assert any(p.name.startswith(".game.partial-") for p in tmp_path.iterdir())  # the run's staging folder
    stopped.send_signal(signal.SIGTERM)
    _, stderr = stopped.communicate()
    assert stopped.returncode == 143, stderr
    # Held once every output was staged: the page's clips it cut are kept for a run that goes on.
    clips = [name for name in before if name.startswith("clips/") and name.endswith(".mp4")]
    assert len(clips) == 1
    assert stderr.splitlines() == [
        f"interrupted: nothing was written to {out} (it is replaced whole at the end of a run, or left as it was); "
        "1 clip of its page is kept: run the same command again to go on from there (another video, other "
        "highlights or other settings of the clips cut the clips again)"]
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game"]  # no staging folder, no lock file
