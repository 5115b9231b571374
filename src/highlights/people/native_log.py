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


@contextmanager
def native_noise_filtered(noise: tuple[str, ...] = NOISE) -> Iterator[None]:
    """While inside: what native code writes to stderr is held back, then written out without
    the lines that contain one of `noise`."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable stderr (closed, or a stream without a descriptor)
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not any(n in line for n in noise)]
            if kept:
                os.write(2, "".join(kept).encode())
