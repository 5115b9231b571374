"""Where a run's time goes: seconds per stage, added up over the run and reported in its stats.

Stages are timed on the thread that runs them; the decoder's own thread is reported beside them
(`decode_thread`), since its time overlaps theirs rather than adding to it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager


class StageClock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def time(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds

    def rounded(self) -> dict[str, float]:
        return {name: round(s, 3) for name, s in self.seconds.items()}
