"""The pieces of a Ray batch's stop (`batch.ray_stop`) that need no Ray instance: the stop signal's
wait, what `stop_games` asks of Ray (given a stand-in that records it), and the worker's Ctrl-C
handling put in place for a game and taken back after it. The whole stop, on Ray, is
tests/test_batch_ray_interrupt.py's."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from types import SimpleNamespace

import pytest

from highlights.batch.local_engine import STOP_GRACE_S, stop_game_once
from highlights.batch.ray_stop import StopSignal, ctrl_c_stops_the_game, stop_games


def test_the_stop_signal_says_whether_the_batch_stopped_and_waits_no_longer_than_asked():
    async def asked() -> list[bool]:
        stop = StopSignal()
        said = [await stop.wait(0.01)]
        await stop.stop()
        said.append(await stop.wait(60.0))  # set: at once, not after the minute
        return said

    assert asyncio.run(asyncio.wait_for(asked(), 10.0)) == [False, True]


class _Ray:
    """Records what `stop_games` asks of Ray; `finished` returns within the grace."""

    def __init__(self, finished: set[str], *, cancel_fails: bool = False, wait_raises: bool = False) -> None:
        self.finished, self.cancel_fails, self.wait_raises = finished, cancel_fails, wait_raises
        self.calls: list[tuple] = []

    def wait(self, refs, num_returns, timeout):
        self.calls.append(("wait", list(refs), num_returns, timeout))
        if self.wait_raises:
            raise KeyboardInterrupt  # a second Ctrl-C during the grace
        return [r for r in refs if r in self.finished], [r for r in refs if r not in self.finished]

    def cancel(self, ref, force):
        self.calls.append(("cancel", ref, force))
        if self.cancel_fails:
            raise RuntimeError("the task ended meanwhile")


def _signal(calls: list) -> SimpleNamespace:
    return SimpleNamespace(stop=SimpleNamespace(remote=lambda: calls.append(("stop",))))


def test_games_in_flight_are_told_to_stop_given_the_grace_and_those_left_are_ended():
    ray = _Ray(finished={"a", "c"})
    stop_games(ray, ["a", "b", "c", "d"], _signal(ray.calls))
    assert ray.calls == [("stop",), ("wait", ["a", "b", "c", "d"], 4, STOP_GRACE_S),
                         ("cancel", "b", True), ("cancel", "d", True)]


def test_a_game_that_cannot_be_cancelled_leaves_the_others_to_be():
    ray = _Ray(finished=set(), cancel_fails=True)
    stop_games(ray, ["a", "b"], _signal(ray.calls))
    assert [c for c in ray.calls if c[0] == "cancel"] == [("cancel", "a", True), ("cancel", "b", True)]


def test_a_stop_cut_short_or_without_a_signal_ends_every_game():
    ray = _Ray(finished={"a"}, wait_raises=True)
    with pytest.raises(KeyboardInterrupt):
        stop_games(ray, ["a", "b"], _signal(ray.calls))
    assert [c for c in ray.calls if c[0] == "cancel"] == [("cancel", "a", True), ("cancel", "b", True)]
    ray = _Ray(finished={"a"})
    stop_games(ray, ["a", "b"], None)
    assert ray.calls == [("cancel", "a", True), ("cancel", "b", True)]
    ray = _Ray(finished=set())
    stop_games(ray, [], _signal(ray.calls))  # nothing in flight or queued: nothing to ask of Ray
    assert ray.calls == []


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signal masks")
def test_ctrl_c_stops_the_game_while_it_runs_and_the_worker_is_put_back_as_it_was():
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])  # as Ray's workers have it
    try:
        with ctrl_c_stops_the_game():
            assert signal.getsignal(signal.SIGINT) is stop_game_once
            assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, handler)


def test_a_game_still_queued_when_the_batch_stopped_returns_at_its_start_without_running(monkeypatch):
    ray = pytest.importorskip("ray")
    from highlights.batch import ray_engine

    def never(*args, **kwargs):
        raise AssertionError("a game queued when the batch stopped was started")

    monkeypatch.setattr(ray_engine, "prepare_worker", never)
    monkeypatch.setattr(ray_engine, "game_in_worker", never)
    monkeypatch.setattr(ray, "get", lambda answer: answer)  # the actor's answer, as Ray hands it back
    asked: list[float] = []
    stopped = SimpleNamespace(wait=SimpleNamespace(remote=lambda timeout_s: asked.append(timeout_s) or True))
    assert ray_engine._game_task({}, 1, stopped) is None
    assert asked == [0.0]  # asked without waiting


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
@pytest.mark.parametrize("game_done_meanwhile", [False, True], ids=["game running", "game done as the stop came"])
def test_the_stop_reaches_a_running_game_and_never_one_that_ended(monkeypatch, game_done_meanwhile):
    ray = pytest.importorskip("ray")
    from highlights.batch.ray_stop import WATCH_S, stop_when_asked

    done = threading.Event()
    asked: list[float] = []

    def answer(stopped):  # the batch stops while this wait is out; the game may end meanwhile
        if game_done_meanwhile:
            done.set()
        return stopped

    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(ray, "get", answer)
    monkeypatch.setattr(signal, "pthread_kill", lambda thread, signum: sent.append((thread, signum)))
    stopped = SimpleNamespace(wait=SimpleNamespace(remote=lambda timeout_s: asked.append(timeout_s) or True))
    stop_when_asked(stopped, 1234, done)
    assert asked == [WATCH_S]
    assert sent == ([] if game_done_meanwhile else [(1234, signal.SIGINT)])


@pytest.mark.parametrize("given", [None, "1"], ids=["not set", "set by the user"])
def test_a_ray_instance_started_here_sends_no_usage_statistics_unless_asked(monkeypatch, given):
    """Ray reports usage statistics to its servers by default; nothing in highlights reaches the
    network unasked, while a user who sets the variable keeps their choice."""
    ray = pytest.importorskip("ray")
    from highlights.batch import ray_engine

    class Started(Exception):
        pass

    if given is None:
        monkeypatch.delenv(ray_engine.RAY_USAGE_STATS, raising=False)
    else:
        monkeypatch.setenv(ray_engine.RAY_USAGE_STATS, given)
    seen = []

    def init(**kwargs):
        seen.append(os.environ.get(ray_engine.RAY_USAGE_STATS))
        raise Started

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", init)
    with pytest.raises(Started):
        ray_engine.RayEngine(1, local_cpus=1).run([], lambda record: None)
    assert seen == ["0" if given is None else given]
