"""Ctrl-C in `synth clips` with worker processes, as a terminal sends it (to the whole process
group): one line and status 130, with no worker's traceback while the workers import, and the
clips not yet started are not rendered (the pool went on through every queued clip first). The
workers never hear Ctrl-C, so a second one leaves none of them running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.process_states import alive, spawned_children

REPO = Path(__file__).resolve().parents[1]
WORKERS = 2
PER_CLASS = 10  # 4 classes: 40 clips
WAIT_S = 300
# The workers are found, and seen importing, in /proc (Linux): elsewhere those tests skip.
NEEDS_PROC = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")


def _started(out: Path, cache: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
               HIGHLIGHTS_CACHE_DIR=str(cache))
    # Its own process group, with Ctrl-C heard, as a terminal's foreground job.
    return subprocess.Popen(
        [sys.executable, "-m", "highlights", "synth", "clips", "--per-class", str(PER_CLASS),
         "--out", str(out), "--seconds", "1", "--size", "128x72", "--seed", "1", "--workers",
         str(WORKERS), "--no-progress"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(proc: subprocess.Popen, ready) -> None:
    deadline = time.monotonic() + WAIT_S
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[0][-3000:]
    assert ready(), "never ready"


def _stopped(proc: subprocess.Popen, times: int = 1) -> str:
    for _ in range(times):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        said, _ = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, said
    assert "Traceback" not in said, said
    lines = [line for line in said.splitlines() if line.strip()]
    assert lines == ["interrupted (Ctrl-C): highlights synth clips stopped before it finished; "
                     "nothing half-written was kept"], said
    return said


def _rendering(tmp_path: Path) -> tuple[Path, subprocess.Popen]:
    """The command started into tmp_path/clips, once its first clip is written."""
    out = tmp_path / "clips"
    proc = _started(out, tmp_path / "cache")
    _wait_for(proc, lambda: any(out.glob("*/*.mp4")))
    return out, proc


def _importing(pid: int) -> bool:
    """The worker has Python's Ctrl-C handler in place and is importing what it renders with:
    numpy is loaded (then scipy and OpenCV, seconds)."""
    try:
        return "numpy" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.slow
@NEEDS_PROC
def test_ctrl_c_while_the_workers_import_is_one_line(tmp_path: Path) -> None:
    proc = _started(tmp_path / "clips", tmp_path / "cache")
    _wait_for(proc, lambda: any(_importing(pid) for pid in spawned_children(proc.pid)))
    _stopped(proc)
    assert not (tmp_path / "clips" / "manifest.csv").exists()


@pytest.mark.slow
@NEEDS_PROC
def test_ctrl_c_while_rendering_renders_no_clip_not_yet_started(tmp_path: Path) -> None:
    out, proc = _rendering(tmp_path)
    at_stop = len(list(out.glob("*/*.mp4")))
    _stopped(proc)
    written = list(out.glob("*/*.mp4"))
    # Those in flight: one being rendered by each worker and the one queued behind them
    # (concurrent.futures hands workers one call more than they run), and a few that finished
    # while the signal was sent and this process counted.
    assert len(written) <= at_stop + 2 * (WORKERS + 1), (at_stop, len(written))
    assert len(written) < 4 * PER_CLASS
    assert all(p.with_suffix(".json").exists() for p in written)  # each clip whole, with its truth
    assert not (out / "manifest.csv").exists()


def _made_slowly(args) -> str:
    """A clip set's renderer standing in for the real one: a marker file after a fifth of a second."""
    out_dir, relpath = args[0], args[1]
    time.sleep(0.2)
    (Path(out_dir) / relpath).touch()
    return relpath


def test_ctrl_c_while_the_clips_are_handed_to_the_workers_renders_no_more(tmp_path, monkeypatch):
    # Ctrl-C held while the workers start is delivered as the hand-over ends: it stops the run
    # there too, rather than the pool first rendering every clip handed over.
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from highlights.synth import clipset

    class CtrlCWhileHandedOver(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(clipset, "_make", _made_slowly)
    monkeypatch.setattr(clipset, "ProcessPoolExecutor", lambda **kwargs: CtrlCWhileHandedOver(
        max_workers=WORKERS, mp_context=get_context("fork")))
    jobs = [(str(tmp_path), f"clip-{i:02d}", None, 23, "") for i in range(20)]
    counted = []
    with pytest.raises(KeyboardInterrupt):
        clipset._render(jobs, WORKERS, lambda: counted.append(1))
    made = list(tmp_path.iterdir())
    assert len(made) <= 2 * (WORKERS + 1), len(made)


@pytest.mark.slow
@NEEDS_PROC
def test_ctrl_c_twice_leaves_no_worker_running(tmp_path: Path) -> None:
    proc, workers = _rendering_workers(tmp_path)
    _stopped(proc, times=2)
    _all_end(workers)


@pytest.mark.slow
@NEEDS_PROC
def test_workers_end_with_a_command_killed_alone(tmp_path: Path) -> None:
    # kill -9 of the command's own process, not its group: its workers, waiting for their next
    # clip on a pipe they hold both ends of, never heard of it and waited for good.
    proc, workers = _rendering_workers(tmp_path)
    proc.kill()
    proc.wait(timeout=WAIT_S)  # not its output: the workers hold the pipe open while they run
    proc.stdout.close()
    _all_end(workers)


def _rendering_workers(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    _, proc = _rendering(tmp_path)
    workers = spawned_children(proc.pid)
    assert len(workers) == WORKERS
    return proc, workers


def _all_end(workers: list[int]) -> None:
    """Every one of ``workers`` ends (any left running is killed once seen running)."""
    try:
        deadline = time.monotonic() + WAIT_S
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
