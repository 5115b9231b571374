"""Games as Ray tasks: the same per-game function, on a Ray cluster or a local Ray instance.

Each game is one task asking for `threads` CPUs, so a node runs as many games at once as its
CPUs allow. Ray reuses a worker process for the next task, and that process keeps its loaded
classifier (`prepare_worker`), so the model is loaded once per worker, as on one machine.
Every worker must see the videos and the output folder at the same paths (a shared
filesystem), and have `highlights` installed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

from highlights.batch.errors import BatchError
from highlights.batch.game import GameJob, failed_record, run_game
from highlights.batch.local_engine import OnRecord, game_in_worker
from highlights.batch.ray_stop import (STOPPED_IN_WORKER, StopSignal, ctrl_c_stops_the_game, stop_games,
                                        stop_when_asked, stopped_already)
from highlights.batch.worker import prepare_worker

RAY_USAGE_STATS = "RAY_USAGE_STATS_ENABLED"


def _game_task(job: dict[str, Any], threads: int, stop_signal) -> dict[str, Any] | None:
    """One game in a Ray worker, stopped as the local engine's workers stop theirs: the batch's
    stop becomes this process's Ctrl-C, which stops the game as Ctrl-C stops `detect` (keeping
    the frames after its last whole chunk). None: the game was stopped with the batch; what it
    kept is in its progress file."""
    if stopped_already(stop_signal):
        return None  # queued when the batch stopped: never started
    prepare_worker(threads)

    def watched(game: GameJob) -> dict[str, Any]:
        done = threading.Event()
        watcher = threading.Thread(target=stop_when_asked, args=(stop_signal, threading.main_thread().ident, done),
                                   name="batch-stop", daemon=True)
        watcher.start()
        try:
            return run_game(game)
        finally:
            done.set()

    with ctrl_c_stops_the_game():
        try:
            return game_in_worker(watched, GameJob(**job))
        except KeyboardInterrupt:
            return None


class RayEngine:
    name = "ray"

    def __init__(self, threads: int, *, address: str | None = None, local_cpus: int | None = None) -> None:
        self.threads, self.address, self.local_cpus = int(threads), address, local_cpus

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "address": self.address, "threads_per_worker": self.threads}

    def run(self, jobs: Iterable[GameJob], on_record: OnRecord) -> None:
        try:
            import ray
        except ImportError:
            raise BatchError("--engine ray needs Ray: pip install 'highlights[ray]'") from None
        jobs = list(jobs)
        started_here = not ray.is_initialized()
        if started_here:
            try:
                if self.address:
                    ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
                else:
                    # A Ray instance started here reports usage statistics to Ray's servers by
                    # default: nothing in highlights reaches the network unasked (set the variable
                    # to 1 to allow it). A cluster joined by --address follows its own setting.
                    os.environ.setdefault(RAY_USAGE_STATS, "0")
                    ray.init(num_cpus=self.local_cpus, include_dashboard=False, log_to_driver=False)
            except ConnectionError as e:
                raise BatchError(f"Ray cluster at {self.address}: cannot connect ({e})") from None
        pending: dict[Any, GameJob] = {}
        finished = False
        stop_signal = None
        try:
            stop_signal = ray.remote(num_cpus=0)(StopSignal).remote()
            # max_retries=1: a worker process that dies (out of memory) gets its game once more.
            task = ray.remote(_game_task).options(num_cpus=self.threads, max_retries=1)
            pending = {task.remote(job.to_dict(), self.threads, stop_signal): job for job in jobs}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    job = pending.pop(ref)
                    try:
                        record = ray.get(ref)
                        # None: a SIGINT sent to the worker itself stopped the game, not this batch
                        on_record(record if record is not None else failed_record(job, STOPPED_IN_WORKER))
                    except ray.exceptions.RayError as e:
                        on_record(failed_record(job, f"Ray task failed: {' '.join(str(e).split())[:300]}"))
            finished = True
        finally:
            try:
                if not finished:
                    stop_games(ray, list(pending), stop_signal)
            finally:
                if stop_signal is not None:
                    try:
                        ray.kill(stop_signal)
                    except Exception:  # noqa: BLE001 - a lost connection: the actor goes with the batch's job
                        pass
                if started_here:
                    ray.shutdown()
