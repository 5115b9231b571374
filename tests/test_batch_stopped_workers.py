"""A batch of worker processes stopped with Ctrl-C stops its running games too, rather than
waiting for each of them (an hour of video) to end before the command returns."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import highlights.batch.local_engine as local_engine
from highlights.batch.game import GameJob, failed_record
from highlights.batch.local_engine import LocalEngine

from tests.process_states import alive

LONG_GAME_S = 60.0  # far longer than a stopped batch may take to return


def _game(job: GameJob) -> dict:
    """Runs in a worker process: the first game ends at once, the second is a long one."""
    if job.game_id == "short":
        return failed_record(job, "short")
    Path(job.out_root, "long.pid").write_text(str(os.getpid()))
    time.sleep(LONG_GAME_S)
    return failed_record(job, "long")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_ctrl_c_stops_the_games_in_flight(tmp_path, monkeypatch):
    monkeypatch.setattr(local_engine, "run_game", _game)
    jobs = [GameJob(game_id=name, video=str(tmp_path / f"{name}.mp4"), out_root=str(tmp_path), config={},
                    fingerprint=name) for name in ("long", "short")]

    def on_record(record: dict) -> None:
        deadline = time.monotonic() + 30
        while not (tmp_path / "long.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise KeyboardInterrupt  # Ctrl-C while the long game runs

    with pytest.raises(KeyboardInterrupt):
        LocalEngine(2, 1).run(jobs, on_record)
    pid = int((tmp_path / "long.pid").read_text())
    deadline = time.monotonic() + LONG_GAME_S / 2
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
