"""Stopping a Ray batch's games as the local engine stops its workers' (Ctrl-C): the batch
tells each task through a small actor of its own, which a task on any node reaches; the task's
worker takes it as a local worker takes the terminal's Ctrl-C (`stop_game_once`), so the game
stops as Ctrl-C stops `detect` and keeps the frames after its last whole chunk. What has not
returned after `STOP_GRACE_S` is cancelled with its worker process, as a kill would end it.

Not `ray.cancel(ref)` without force: Ray raises it in the task only between two Python lines (a
sleep or a wait for another thread is not woken), and in Ray 2.60 a cancel that meets the task's
reply on its way aborts the batch's own process (a check in Ray's task manager fails).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from highlights.batch.local_engine import STOP_GRACE_S, stop_game_once

STOPPED_IN_WORKER = "stopped by a Ctrl-C (SIGINT) sent to its Ray worker"
WATCH_S = 1.0  # a running game's wait for its batch to stop returns this often to see whether the game is done


class StopSignal:
    """The batch's Ctrl-C, as a Ray actor every game's task can reach on any node."""

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    async def stop(self) -> None:
        self._stopped.set()

    async def wait(self, timeout_s: float) -> bool:
        """Whether the batch stopped, waiting up to `timeout_s` for it: every call returns soon, so
        the games done do not leave calls waiting on the actor (they would queue the stop itself
        behind them past its concurrency)."""
        try:
            await asyncio.wait_for(self._stopped.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass
        return self._stopped.is_set()


def stopped_already(stop_signal) -> bool:
    """Asked from another thread: a `ray.get` in a task's main thread hands the task's CPUs back
    while it waits, and Ray starts another game on them meanwhile."""
    import ray

    with ThreadPoolExecutor(1) as asking:
        return asking.submit(lambda: ray.get(stop_signal.wait.remote(0.0))).result()


@contextmanager
def ctrl_c_stops_the_game() -> Iterator[None]:
    """SIGINT in this worker's main thread stops its game once, as in a local engine's worker.
    Ray's workers block SIGINT in their main thread and keep Python's handler; both are put back
    after the game, a SIGINT that came as the game ended dropped rather than left to stop the next."""
    if not hasattr(signal, "pthread_kill"):  # not POSIX: the batch's stop ends the game with its worker
        yield
        return
    handler = signal.signal(signal.SIGINT, stop_game_once)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # drops a pending one
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, handler)


def stop_when_asked(stop_signal, main_thread: int, done: threading.Event) -> None:
    """Until the game is done: once its batch stops, send this process's main thread (where the
    game runs) the SIGINT the terminal's Ctrl-C sends a local worker. A signal, not
    `_thread.interrupt_main()`: it also wakes the game out of a sleep or a wait."""
    import ray

    while not done.is_set():
        try:
            stopped = ray.get(stop_signal.wait.remote(WATCH_S))
        except ray.exceptions.RayError:
            return  # the batch is gone (its actor with it); Ray ends the tasks of a driver that ended
        if stopped:
            if not done.is_set() and hasattr(signal, "pthread_kill"):
                signal.pthread_kill(main_thread, signal.SIGINT)
            return


def stop_games(ray, refs: list, stop_signal) -> None:
    """Stopped (Ctrl-C): stop the games in flight and drop the queued ones. Every game was
    submitted at the start, so Ray would otherwise go on starting them, and in a Ray instance the
    caller started (which the batch leaves running) each game would run to its end unseen, writing
    into the output folder after the batch returned. Each game in flight is stopped as the local
    engine stops its workers' games and given `STOP_GRACE_S` to keep what it found; a queued one
    returns at its start. What has not returned by then is cancelled with force=True, which ends
    its worker process (a game stuck in a long native call), as a kill would."""
    left = refs
    try:
        if stop_signal is not None and refs:
            stop_signal.stop.remote()
            left = ray.wait(refs, num_returns=len(refs), timeout=STOP_GRACE_S)[1]
    finally:
        for ref in left:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - a task that ended meanwhile, or a lost connection: nothing to stop
                pass
