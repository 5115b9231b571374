"""Rewriting the batch's index as games finish, without rewriting it for every game of a burst.

A folder of corrupt uploads fails a game every few milliseconds, and each rewrite renders every
row, so writes are at most `every_s` apart. A game that finishes inside that interval is still
written when the interval ends, not at the next game's end: that may be an hour-long game
later, and a kill in that hour would leave an index without it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path


class IndexWriter:
    """`changed()` after each game; `final()` once at the end. `lock` guards what `write` reads."""

    def __init__(self, write: Callable[[], dict[str, Path]], every_s: float) -> None:
        self._write, self.every_s = write, every_s
        self.lock = threading.RLock()
        self._last: float | None = None
        self._timer: threading.Timer | None = None

    def _write_now(self) -> dict[str, Path]:
        self._last = time.monotonic()
        return self._write()

    def changed(self) -> None:
        with self.lock:
            if self._timer is not None:
                return  # a write is already due, and it will include this change
            waited = None if self._last is None else time.monotonic() - self._last
            if waited is None or waited >= self.every_s:
                self._write_now()
                return
            self._timer = threading.Timer(self.every_s - waited, self._due)
            self._timer.daemon = True
            self._timer.start()

    def _due(self) -> None:
        with self.lock:
            if self._timer is None:
                return  # final() came first
            self._timer = None
            try:
                self._write_now()
            except Exception:
                pass  # the final write, in the batch's own thread, reports a failure to write

    def final(self) -> dict[str, Path]:
        with self.lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return self._write_now()
