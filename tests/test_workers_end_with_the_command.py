"""A worker process of `train`/`evaluate` (a DataLoader worker, forked by the fork server) or of
`synth clips` (spawned) ends once the command's process has ended, killed alone (kill -9): it
waited for its next task for good, and a fork server's workers kept the server alive too."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from tests.process_states import alive

WAIT_S = 60
NEEDS_PROC = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")


def _dataloader_worker() -> None:
    from highlights.train.data import _worker_init

    _worker_init(0)
    time.sleep(WAIT_S * 10)  # a worker waiting for its next batch


def _synth_worker() -> None:
    from highlights.synth.clipset import _init_worker

    _init_worker()
    time.sleep(WAIT_S * 10)


def _command(start_method: str, worker, pid_file: str) -> None:
    """The command's process: starts one worker the way its command does, then works on."""
    process = multiprocessing.get_context(start_method).Process(target=worker)
    process.start()
    Path(pid_file).write_text(str(process.pid))
    time.sleep(WAIT_S * 10)


@NEEDS_PROC
@pytest.mark.parametrize("start_method, worker", [("forkserver", _dataloader_worker),
                                                  ("spawn", _synth_worker)])
def test_a_worker_ends_once_its_command_was_killed(tmp_path, start_method, worker) -> None:
    if start_method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start_method} here")
    pid_file = tmp_path / "worker.pid"
    command = multiprocessing.get_context("spawn").Process(
        target=_command, args=(start_method, worker, str(pid_file)))
    command.start()
    deadline = time.monotonic() + WAIT_S
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    try:
        time.sleep(1.0)  # the worker past its start-up, waiting
        assert alive(pid)
        os.kill(command.pid, signal.SIGKILL)
        command.join()
        deadline = time.monotonic() + WAIT_S
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), "the worker outlived its command"
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
