"""Feeding several `write_video` calls from one pass over the source.

`highlights.video.write_video` pulls its frames from an iterable. The single pass over the
source has to push each decoded frame into the reel and into every clip that is open at that
moment, so each output runs `write_video` in its own thread, fed from a small bounded queue.
The bound keeps memory independent of the video's length, and a writer that fails stops the
pass at the next frame instead of letting the queue fill forever.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from highlights.video import write_video

_END = object()
_ABORT = object()


class _Aborted(Exception):
    """Raised inside the frame iterator so `write_video` gives up without renaming its output."""


class BackgroundVideoWriter:
    """Writes one MP4 from frames pushed with `put`; `close()` finishes it and returns its path."""

    def __init__(self, path: str | Path, fps: float, *, crf: int = 23, max_queued: int = 4):
        self.path = Path(path)
        self.frames_put = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fps, crf), name=f"write {self.path.name}", daemon=True
        )
        self._thread.start()

    def _frames(self) -> Iterator[np.ndarray]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if item is _ABORT:
                raise _Aborted()
            yield item

    def _run(self, fps: float, crf: int) -> None:
        try:
            write_video(self.path, self._frames(), fps, crf=crf)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the pushing thread by put()/close()
            self._error = exc

    def _push(self, item: object) -> None:
        while True:
            if self._error is not None:
                raise self._error
            if not self._thread.is_alive():
                return  # finished or failed; close() reports which
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def put(self, frame: np.ndarray) -> None:
        self._push(frame)
        self.frames_put += 1

    def close(self) -> Path:
        """Ends the stream, waits for the encoder and re-raises any error it hit."""
        self._push(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.path

    def abort(self) -> None:
        """Stops the encoder without producing the file (used when the pass fails)."""
        if self._thread.is_alive():
            try:
                self._push(_ABORT)
            except BaseException:
                pass
        self._thread.join()
