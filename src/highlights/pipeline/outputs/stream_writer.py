"""Feeding several `write_video` calls from one pass over the source.

`highlights.video.write_video` pulls its frames from an iterable. The single pass over the
source has to push each decoded frame into the reel and into every clip that is open at that
moment, so each output runs `write_video` in its own thread, fed from a small bounded queue.
The bound keeps memory independent of the video's length, and a writer that fails stops the
pass at the next frame instead of letting the queue fill forever.

The queues are `queue.SimpleQueue`s, whose put and get are single calls into C, not a bounded
`queue.Queue`: Ctrl-C (or SIGTERM, raised as one) lands in the pushing thread between any two of
its Python lines, and one landing inside a `queue.Queue` call can leave that queue's lock released
under the encoder's feet; the encoder then waited for a frame that never came while the pushing
thread, cleaning up, waited for the encoder to end, and the command hung instead of stopping.
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
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        # One token per frame the queue may still take: the bound on what waits in memory.
        self._room: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(max_queued):
            self._room.put(None)
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fps, crf), name=f"write {self.path.name}", daemon=True
        )
        self._thread.start()

    def _frames(self) -> Iterator[np.ndarray]:
        while True:
            item = self._queue.get()
            self._room.put(None)
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
                self._room.get(timeout=0.1)
            except queue.Empty:
                continue
            self._queue.put(item)
            return

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
            self._queue.put(_ABORT)  # without waiting for room: the encoder stops when it reaches it
        self._thread.join()
