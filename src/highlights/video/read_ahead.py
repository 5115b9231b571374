"""Decoding on its own thread, a few frames ahead of whoever consumes them.

PyAV releases the GIL while FFmpeg decodes and scales, and so do the inference runtimes while they
run a network, so decoding the next frames on a second thread overlaps with the work on the
current one instead of adding to it. The frames and their order are exactly those of the
iterator read directly; only when they are produced changes. The standard library's queue does
the hand-over; what is ours is stopping the reader cleanly when the consumer stops early.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class ReadAhead(Iterator[T]):
    """Iterate `source` on a background thread, at most `depth` items ahead.

    An exception raised by `source` is raised again in the consumer, at the position it happened.
    `busy_s` is the time the reader thread spent inside `source` (decoding), `waited_s` the time
    the consumer spent waiting for an item. `close()` (or leaving a `with` block) stops the reader
    and closes `source` on its own thread."""

    def __init__(self, source: Iterable[T], depth: int = 4, name: str = "read-ahead") -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._source = source
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        self.busy_s = 0.0
        self.waited_s = 0.0
        self._thread = threading.Thread(target=self._read, name=name, daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        iterator = iter(self._source)
        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    self.busy_s += time.perf_counter() - started
                    self._put((_DONE, None))
                    return
                except BaseException as err:  # handed to the consumer, raised there
                    self.busy_s += time.perf_counter() - started
                    self._put((_DONE, err))
                    return
                self.busy_s += time.perf_counter() - started
                if not self._put((item, None)):
                    return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> "ReadAhead[T]":
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        started = time.perf_counter()
        item, err = self._queue.get()
        self.waited_s += time.perf_counter() - started
        if item is _DONE:
            self._finished = True
            self._thread.join()
            if err is not None:
                raise err
            raise StopIteration
        return item

    def close(self) -> None:
        self._stop.set()
        self._finished = True
        self._thread.join()

    def __enter__(self) -> "ReadAhead[T]":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
