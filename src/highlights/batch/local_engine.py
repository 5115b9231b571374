"""Games on this machine: in this process (one worker) or in a pool of worker processes.

Each worker process is set up once (thread budget, classifiers kept loaded) and then runs one
game at a time, so peak memory grows with the number of workers, never with the number of
games. At most one game per worker is handed out at a time, so the games in flight are exactly
the ones a crash or a kill can lose.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from highlights.batch.game import GameJob, failed_record, run_game
from highlights.batch.worker import prepare_worker
from highlights.worker_processes import start_ending_with_the_command

OnRecord = Callable[[dict[str, Any]], None]
WORKER_DIED = "the worker process died while processing this game (out of memory, or killed)"
# How long a stopped batch waits for its games in flight to keep what they found as they stop (one
# small file of the people of their last frames) before it ends their workers all the same.
STOP_GRACE_S = 5.0

_in_game = False  # in a worker process: whether it is running a game


def _pool_worker(threads: int) -> None:
    """A pool worker's set-up, once it ends with the batch's process
    (`start_ending_with_the_command`)."""
    prepare_worker(threads)
    signal.signal(signal.SIGINT, stop_game_once)


def stop_game_once(signum, frame) -> None:
    """A worker's Ctrl-C (a local pool's worker, or a Ray worker). It comes from the terminal (a
    local worker is in its process group) and from the batch stopping its workers, often both: the
    first stops the game as Ctrl-C stops `detect`,
    which keeps what it found on its way out; a second would cut that short, and an idle worker
    has nothing to stop (the batch ends it)."""
    if not _in_game:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def game_in_worker(run, job: GameJob) -> dict[str, Any]:
    """`run(job)` in a worker process, marked as running for `stop_game_once`."""
    global _in_game
    _in_game = True
    try:
        return run(job)
    finally:
        _in_game = False


def _stop_workers(pool: ProcessPoolExecutor, running: list[Future]) -> None:
    """End the games in flight now. shutdown(wait=False) leaves a running game running, and the
    interpreter joins the pool's workers as it exits, so a batch stopped with Ctrl-C went on until
    each running game (an hour of video) was done. Each game is first stopped as Ctrl-C stops
    `detect` and given `STOP_GRACE_S` to keep what it found (ended outright, a game loses the
    people of up to a chunk of video its worker had found), then its worker is ended. Python 3.14
    has terminate_workers(); before it, the pool's own table of processes is the only handle on them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    try:
        if os.name == "posix":  # elsewhere os.kill with SIGINT ends the process outright
            for process in processes:
                try:
                    os.kill(process.pid, signal.SIGINT)
                except (OSError, TypeError):
                    pass  # already gone, or not started
            wait(running, timeout=STOP_GRACE_S)
    finally:
        terminate = getattr(pool, "terminate_workers", None)
        if terminate is not None:
            terminate()
        else:
            for process in processes:
                process.terminate()


class LocalEngine:
    name = "local"

    def __init__(self, workers: int, threads: int) -> None:
        self.workers, self.threads = int(workers), int(threads)

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "threads_per_worker": self.threads}

    def run(self, jobs: Iterable[GameJob], on_record: OnRecord) -> None:
        jobs = list(jobs)
        if self.workers == 1:
            prepare_worker(self.threads)
            for job in jobs:
                on_record(run_game(job))
            return
        self._run_pool(jobs, on_record)

    def _pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: a forked child inherits the parent's torch/OpenMP thread state,
        # which can deadlock; a fresh interpreter sets its own thread budget before any work.
        # Named, so that a worker notices the batch killed (kill -9) while it imports torch.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=start_ending_with_the_command,
                                   initargs=(f"{__name__}:_pool_worker", self.threads))

    def _run_pool(self, jobs: list[GameJob], on_record: OnRecord) -> None:
        queue = list(reversed(jobs))
        attempts: dict[str, int] = {}
        pool = self._pool()
        running: dict[Future, GameJob] = {}
        finished = False
        try:
            while queue or running:
                while queue and len(running) < self.workers:
                    job = queue.pop()
                    attempts[job.game_id] = attempts.get(job.game_id, 0) + 1
                    running[pool.submit(game_in_worker, run_game, job)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    job = running.pop(future)
                    try:
                        on_record(future.result())
                    except BrokenProcessPool:
                        broken = True
                        self._retry_or_fail(job, attempts, queue, on_record)
                if broken:
                    # One dead worker breaks the whole pool: the other games in flight go back
                    # in the queue (a second death of the same game records it as failed).
                    for job in running.values():
                        self._retry_or_fail(job, attempts, queue, on_record)
                    running.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = self._pool()
            finished = True
        finally:
            # Interrupted (Ctrl-C): the games in flight are stopped, not waited for to their end;
            # their partial folders are removed by the next batch.
            if not finished:
                _stop_workers(pool, list(running))
            pool.shutdown(wait=finished, cancel_futures=True)

    @staticmethod
    def _retry_or_fail(job: GameJob, attempts: dict[str, int], queue: list[GameJob], on_record: OnRecord) -> None:
        if attempts[job.game_id] < 2:
            queue.append(job)
            return
        on_record(failed_record(job, WORKER_DIED))
