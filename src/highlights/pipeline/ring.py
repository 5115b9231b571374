"""Bounded buffers of the recent past: frames for classifier windows, records for kinematics.

The stream is read once, in order; a window is cut from what is still in the buffer, never by
seeking back into the file. Both buffers hold a fixed span of time, so memory does not depend on
the length of the game.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


class TimeRing(Generic[T]):
    """Items stamped with a time, kept while they are younger than `span_s` (and at most `capacity`)."""

    def __init__(self, span_s: float, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.span_s = float(span_s)
        self.capacity = int(capacity)
        self._times: deque[float] = deque(maxlen=self.capacity)
        self._items: deque[T] = deque(maxlen=self.capacity)
        self.max_len_seen = 0

    def __len__(self) -> int:
        return len(self._items)

    def push(self, time_s: float, item: T) -> None:
        self._times.append(float(time_s))
        self._items.append(item)
        while self._times and self._times[0] < time_s - self.span_s:
            self._times.popleft()
            self._items.popleft()
        self.max_len_seen = max(self.max_len_seen, len(self._items))

    @property
    def oldest_s(self) -> float | None:
        return self._times[0] if self._times else None

    def between(self, start_s: float, end_s: float) -> list[tuple[float, T]]:
        return [(t, x) for t, x in zip(self._times, self._items) if start_s <= t <= end_s]

    def nearest(self, times_s: np.ndarray) -> list[T]:
        """The item nearest each requested time (the way `read_clip` picks frames by timestamp)."""
        if not self._items:
            raise LookupError("the buffer is empty")
        have = np.fromiter(self._times, dtype=np.float64, count=len(self._times))
        idx = np.searchsorted(have, times_s)
        idx = np.clip(idx, 1, len(have) - 1) if len(have) > 1 else np.zeros_like(idx)
        if len(have) > 1:
            left_closer = np.abs(times_s - have[idx - 1]) <= np.abs(have[idx] - times_s)
            idx = np.where(left_closer, idx - 1, idx)
        items = list(self._items)
        return [items[i] for i in idx]


def window_times(start_s: float, end_s: float, num_frames: int) -> np.ndarray:
    """`num_frames` times spread evenly over [start_s, end_s]: the centres of equal bins."""
    step = (end_s - start_s) / num_frames
    return start_s + step * (np.arange(num_frames) + 0.5)
