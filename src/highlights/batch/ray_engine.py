"""Games as Ray tasks: the same per-game function, on a Ray cluster or a local Ray instance.

Each game is one task asking for `threads` CPUs, so a node runs as many games at once as its
CPUs allow. Ray reuses a worker process for the next task, and that process keeps its loaded
classifier (`prepare_worker`), so the model is loaded once per worker, as on one machine.
Every worker must see the videos and the output folder at the same paths (a shared
filesystem), and have `highlights` installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from highlights.batch.errors import BatchError
from highlights.batch.game import GameJob, failed_record, run_game
from highlights.batch.local_engine import OnRecord
from highlights.batch.worker import prepare_worker


def _game_task(job: dict[str, Any], threads: int) -> dict[str, Any]:
    prepare_worker(threads)
    return run_game(GameJob(**job))


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
                    ray.init(num_cpus=self.local_cpus, include_dashboard=False, log_to_driver=False)
            except ConnectionError as e:
                raise BatchError(f"Ray cluster at {self.address}: cannot connect ({e})") from None
        pending: dict[Any, GameJob] = {}
        finished = False
        try:
            # max_retries=1: a worker process that dies (out of memory) gets its game once more.
            task = ray.remote(_game_task).options(num_cpus=self.threads, max_retries=1)
            pending = {task.remote(job.to_dict(), self.threads): job for job in jobs}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    job = pending.pop(ref)
                    try:
                        on_record(ray.get(ref))
                    except ray.exceptions.RayError as e:
                        on_record(failed_record(job, f"Ray task failed: {' '.join(str(e).split())[:300]}"))
            finished = True
        finally:
            if not finished:
                _cancel(ray, pending)
            if started_here:
                ray.shutdown()


def _cancel(ray, pending: dict[Any, GameJob]) -> None:
    """Stopped (Ctrl-C): end the games in flight and drop the queued ones. Every game was
    submitted at the start, so Ray would otherwise go on starting them, and in a Ray instance the
    caller started (which the batch leaves running) each game would run to its end unseen, writing
    into the output folder after the batch returned. force=True ends the worker process: a game
    is a long native computation that a polite cancel would not interrupt."""
    for ref in pending:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - a task that ended meanwhile, or a lost connection: nothing to stop
            pass

