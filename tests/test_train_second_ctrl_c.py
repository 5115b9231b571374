"""A second Ctrl-C while `train` stops its DataLoader workers (an impatient user's, a moment after
the first) is dropped, where it landed in torch's `__del__` and printed an "Exception ignored"
traceback above the command's one line; one during the workers' stop after the last batch still
stops the command."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from highlights.train.data import batches


class _BatchesStoppedSlowly:
    """A DataLoader iterator whose workers are being stopped when Ctrl-C comes again."""

    def __init__(self, items):
        self.items = iter(items)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.items)

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        self.items = None  # the handler runs here, at the next instruction


class _LoaderWithWorkers:
    num_workers = 2

    def __iter__(self):
        return _BatchesStoppedSlowly([1, 2, 3])


def test_a_second_ctrl_c_while_the_workers_stop_is_dropped(monkeypatch) -> None:
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(KeyboardInterrupt) as stopped:
        for _ in batches(_LoaderWithWorkers()):
            raise KeyboardInterrupt("the first Ctrl-C")
    assert str(stopped.value) == "the first Ctrl-C"
    assert unraisable == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_while_the_workers_stop_after_the_last_batch_stops_the_loop(monkeypatch) -> None:
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    seen = []
    with pytest.raises(KeyboardInterrupt):
        for batch in batches(_LoaderWithWorkers()):
            seen.append(batch)
    assert seen == [1, 2, 3]
    assert unraisable == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
