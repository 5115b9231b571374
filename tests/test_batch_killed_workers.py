"""`kill -9` of a local batch's own process: its worker processes end within moments, even while
they are still starting. A worker looked for its parent only once it had imported the batch code,
torch and OpenCV (seconds, tens of them on a busy machine), so a batch killed as its workers
started left them running that long; its pool's resource tracker waited on them."""

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
SLOW_IMPORT_S = 60  # a worker's import of torch, as slow as a machine busy with other work makes it
GONE_WITHIN_S = 15  # far less than that

# Loaded by every Python process started with its folder on PYTHONPATH; slows only a process of
# the pool (started by multiprocessing's spawn), and only its import of torch.
SLOW_TORCH = f"""
import sys, time

class _SlowTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            sys.meta_path.remove(self)
            time.sleep({SLOW_IMPORT_S})
        return None

if "--multiprocessing-fork" in sys.argv:
    sys.meta_path.insert(0, _SlowTorch())
"""

BATCH = """
import sys
from pathlib import Path

if __name__ == "__main__":
    from highlights.batch.game import GameJob
    from highlights.batch.local_engine import LocalEngine

    out = Path(sys.argv[1])
    jobs = [GameJob(game_id=f"g{k}", video=str(out / f"g{k}.mp4"), out_root=str(out), config={},
                    fingerprint=f"g{k}") for k in range(2)]
    LocalEngine(2, 1).run(jobs, lambda record: None)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_batch_killed_while_its_workers_start_leaves_none_running(tmp_path):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SLOW_TORCH)
    (tmp_path / "batch.py").write_text(BATCH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"), str(REPO / "src"),
                                                         str(REPO)])}
    batch = subprocess.Popen([sys.executable, str(tmp_path / "batch.py"), str(tmp_path)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and batch.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = spawned_children(batch.pid)
        assert len(workers) == 2, "the batch started no pool of two workers"
        batch.send_signal(signal.SIGKILL)  # as `kill -9 PID` sends it: to the batch alone
        batch.wait()
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(w) for w in workers), "workers still running after their batch died"
    finally:
        batch.kill()
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
