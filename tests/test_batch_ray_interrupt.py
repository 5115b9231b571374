"""A batch on the Ray engine stopped with Ctrl-C: it returns at once with one line, the games it
finished stay whole, and the game in flight is stopped, leaving no folder under a game's name.

The game in flight is made to hang just before its record is written (every other output is in
its hidden partial folder by then), by a `sitecustomize` that Ray's worker processes load: they
are other processes, which a monkeypatch in the test cannot reach."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from highlights.batch.game import GAME_RECORD, PARTIAL_DIR
from highlights.batch.local_engine import STOP_GRACE_S
from tests.pipeline_fixtures import FixtureEvent, make_game
from tests.process_states import alive

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not Path("/proc").is_dir(), reason="reads process states from /proc")]

REPO = Path(__file__).resolve().parents[1]
HANG_S = 600  # the game in flight would run this long: far past any bound below
STOP_BOUND_S = 60  # a stopped batch returns well within this, or it waited for the game in flight
RAY_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+[A-Z]+ ")  # Ray's own, not the command's
FAST = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "classifier.backend=oracle"]

# Loaded by every Python process started with this folder on PYTHONPATH; acts in Ray workers only.
HANG_HOOK = f"""
import os, signal, sys, time
from pathlib import Path

if os.environ.get("HANG_GAME") and any(a.endswith("default_worker.py") for a in sys.argv):
    import highlights.batch.game as game

    write = game.atomic_write_json

    def write_or_hang(path, *args, **kwargs):
        path = Path(path)
        if path.name == game.GAME_RECORD and path.parent.name.startswith(os.environ["HANG_GAME"] + "."):
            Path(path.parents[2], "hanging.pid").write_text(str(os.getpid()))
            if os.environ.get("HANG_DEAF"):  # as a long native call: no Ctrl-C stops it
                signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
            try:
                time.sleep({HANG_S})
            except KeyboardInterrupt:  # stopped as Ctrl-C stops `detect`, not ended with its worker
                Path(path.parents[2], "stopped.pid").write_text(str(os.getpid()))
                raise
        return write(path, *args, **kwargs)

    game.atomic_write_json = write_or_hang
"""


@pytest.fixture(scope="module")
def games(tmp_path_factory) -> Path:
    """A manifest of three tiny games, each with its annotations (the oracle classifier reads them)."""
    root = tmp_path_factory.mktemp("ray-games")
    rows = ["path,game_id,sport,annotations"]
    for name, at in (("first", 2.0), ("hangs", 2.5), ("third", 3.0)):
        video = make_game(root, name, duration_s=4.0, events=(FixtureEvent("baseball_swing", at, "baseball"),))
        rows.append(f"{video},{name},baseball,{video.with_suffix('.json')}")
    (root / "games.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture
def hang_hook(tmp_path, monkeypatch) -> Path:
    """PYTHONPATH and HANG_GAME set so that Ray workers started from here hang the game `hangs`."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HANG_HOOK)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("HANG_GAME", "hangs")
    return hook


def _wait_for(path: Path, proc: subprocess.Popen | None = None, limit_s: float = 180) -> None:
    deadline = time.monotonic() + limit_s
    while not path.exists() and time.monotonic() < deadline and (proc is None or proc.poll() is None):
        time.sleep(0.05)
    assert path.exists(), (proc.communicate()[0][-3000:] if proc is not None else f"{path} never appeared")


def _ended(pid: int) -> bool:
    deadline = time.monotonic() + STOP_BOUND_S
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def _check_folders(out: Path) -> None:
    """The finished game is whole and listed; nothing else sits under a game's name."""
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != PARTIAL_DIR) == ["first"]
    record = json.loads((out / "first" / GAME_RECORD).read_text())
    assert record["status"] == "done" and (out / "first" / "highlights.json").is_file()
    index = json.loads((out / "index.json").read_text())
    assert [(g["game_id"], g["status"]) for g in index["games"]] == [
        ("first", "done"), ("hangs", "pending"), ("third", "pending")]


@pytest.mark.parametrize("deaf", [False, True], ids=["stops", "stuck"])
def test_ctrl_c_stops_a_ray_batch_with_one_line_keeping_the_finished_games(games, tmp_path, hang_hook, monkeypatch,
                                                                             deaf):
    """`stuck`: the game in flight cannot be stopped (SIGINT blocked, as in a long native call):
    it is given the grace to stop, then ended with its worker all the same."""
    if deaf:
        monkeypatch.setenv("HANG_DEAF", "1")
    out = tmp_path / "season"
    command = [sys.executable, "-m", "highlights", "detect", str(games / "games.csv"), "--out", str(out),
               "--engine", "ray", "--workers", "1", "--threads-per-worker", "1", "--no-progress", *FAST]
    # Its own process group, as a terminal's job: Ctrl-C reaches the command and every process it started.
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        _wait_for(out / "hanging.pid", proc)
        hanging = int((out / "hanging.pid").read_text())
        os.killpg(proc.pid, signal.SIGINT)
        pressed = time.monotonic()
        said, _ = proc.communicate(timeout=STOP_BOUND_S)
        waited_s = time.monotonic() - pressed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, said
    ours = [line for line in said.splitlines() if line.strip() and not RAY_LOG_LINE.match(line)]
    # The game in flight had cut its page's one clip, which the next run reuses (no MoveNet ran: no
    # people are kept); its Ray worker, stopped with the batch, said so only as it kept the clip.
    assert ours == [f"interrupted: 1 of 3 games done ({out / 'index.json'} lists them); kept for going on: 1 clip "
                    "of hangs's page; run the command again (without --fresh) to go on from there"], said
    assert "Traceback" not in said
    assert _ended(hanging)
    # Stopped, the game left its hang at once; stuck, it was waited for its grace before its end.
    assert (out / "stopped.pid").exists() is not deaf
    if deaf:
        assert waited_s >= STOP_GRACE_S
    _check_folders(out)


def test_a_ray_batch_interrupted_in_a_ray_instance_the_caller_started_stops_its_games_there(
        games, tmp_path, hang_hook, restore_threads):
    """The Python API on the caller's Ray instance, which the batch leaves running: the game in
    flight is stopped there too (as Ctrl-C stops `detect`, its worker left to the instance), not
    left to finish into the output folder after the batch returned."""
    from highlights.batch import collect_games, run_batch
    from highlights.pipeline.config import PipelineConfig

    out = tmp_path / "season"
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "classifier.backend": "oracle"})

    returned = threading.Event()

    def press_ctrl_c() -> None:
        """Ctrl-C once the game hangs, and never after the batch returned (it would stop the tests)."""
        while not returned.is_set():
            if (out / "hanging.pid").exists():
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        presser = threading.Thread(target=press_ctrl_c, daemon=True)
        presser.start()
        said: list[str] = []
        try:
            with pytest.raises(KeyboardInterrupt):
                run_batch(collect_games([games / "games.csv"]), out, config, engine="ray", threads=1,
                          progress=False, log=said.append)
        finally:
            returned.set()
            presser.join()
        assert said[-1].startswith("interrupted: 1 of 3 games done")
        assert ray.is_initialized()  # the caller's instance, left running
        # The game was stopped in its worker before the batch returned, as a local worker's is;
        # the worker itself is the caller's instance's to keep.
        assert (out / "stopped.pid").read_text() == (out / "hanging.pid").read_text()
    finally:
        ray.shutdown()
    _check_folders(out)
