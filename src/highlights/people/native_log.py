"""LiteRT's and MediaPipe's own log lines, kept off the user's terminal.

Creating a LiteRT interpreter prints, from native code straight to the process's stderr, "INFO:
Created TensorFlow Lite XNNPACK delegate for CPU." and, with the XNNPACK delegate's latest
features on (the MoveNet path measured fastest on many CPUs), "ERROR: Subgraph reshaping is
enabled by default, TFLITE_XNNPACK_DELEGATE_FLAG_ENABLE_SUBGRAPH_RESHAPING is deprecated ...". A
coach reading "ERROR" beside a run that worked thinks it failed. LiteRT's Python API has no
switch for its native log (TF_CPP_MIN_LOG_LEVEL does not reach it), so file descriptor 2 is
pointed at a temporary file while an interpreter is made, and every line that is not one of
those two is written back to stderr: nothing else printed meanwhile is lost.

MediaPipe's BlazePose does the same through absl logging, which GLOG_minloglevel no longer
reaches: making a graph and running its first frame print the delegate line, "WARNING: All log
messages before absl::InitializeLog() is called are written to STDERR", "Feedback manager
requires a model with a single signature inference" twice, and "Using NORM_RECT without
IMAGE_DIMENSIONS is only supported for the square ROI" (the legacy solution API's own graph; the
landmarks it returns are normalised to the image either way), once per clip in `evaluate --clips`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NOISE: tuple[str, ...] = (
    "Created TensorFlow Lite XNNPACK delegate for CPU",
    "TFLITE_XNNPACK_DELEGATE_FLAG_ENABLE_SUBGRAPH_RESHAPING is deprecated",
)

MEDIAPIPE_NOISE: tuple[str, ...] = (
    "Created TensorFlow Lite XNNPACK delegate for CPU",
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "Feedback manager requires a model with a single signature inference",
    "Using NORM_RECT without IMAGE_DIMENSIONS is only supported for the square ROI",
)


class _HeldStderr:
    """fd 2 is the process's, but the filter is entered from several threads at once (MoveNet's
    workers each make their interpreters) and nested (BlazePose holds it from the model's making
    to its first frame). So there is one redirection: the first to enter points fd 2 at a
    temporary file, later ones join it, and the last to leave points fd 2 back and writes out
    what was held, without the lines of any noise named meanwhile. Each saving and restoring fd 2
    on its own would, when two overlap, leave it on the other's deleted file for good."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._saved: int | None = None
        self._held = None
        self._noise: set[str] = set()

    def enter(self, noise: tuple[str, ...]) -> bool:
        """False when stderr has no descriptor to hold (closed, or a stream without one)."""
        with self._lock:
            if self._inside == 0:
                try:
                    sys.stderr.flush()
                    saved = os.dup(2)
                except (OSError, ValueError):
                    return False
                self._held = tempfile.TemporaryFile()
                os.dup2(self._held.fileno(), 2)
                self._saved = saved
            self._inside += 1
            self._noise.update(noise)
            return True

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside > 0:
                return
            os.dup2(self._saved, 2)
            os.close(self._saved)
            held, noise = self._held, tuple(self._noise)
            self._saved, self._held = None, None
            self._noise.clear()
            with held:
                held.seek(0)
                kept = [line for line in held.read().decode("utf-8", "replace").splitlines(keepends=True)
                        if not any(n in line for n in noise)]
            if kept:
                os.write(2, "".join(kept).encode())


_HELD = _HeldStderr()


@contextmanager
def native_noise_filtered(noise: tuple[str, ...] = NOISE) -> Iterator[None]:
    """While inside: what native code writes to stderr is held back, then written out without
    the lines that contain one of `noise` (written out when the last of the threads inside
    leaves)."""
    if not _HELD.enter(noise):
        yield
        return
    try:
        yield
    finally:
        _HELD.leave()
