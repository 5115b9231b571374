"""Ctrl-C while the reel and clips are encoded: the encoder threads end and the command stops.

Python raises KeyboardInterrupt (and SIGTERM's `Terminated`) in the main thread between any two
of its lines, also inside a call into the queue that feeds an encoder thread. Each line of a
push is tried here in turn, through a trace function that raises there as a signal would.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from highlights.pipeline.outputs.stream_writer import BackgroundVideoWriter


def _interrupted_push_then_abort(path, line: int) -> tuple[bool, bool]:
    """Push frames with a KeyboardInterrupt raised at the `line`-th line they run, then abort
    the writer as `write_reel` does on the way out; (interrupted, the encoder thread ended)."""
    frame = np.zeros((32, 32, 3), np.uint8)
    writer = BackgroundVideoWriter(path, 10.0)
    for _ in range(6):
        writer.put(frame)
    seen = 0

    def each_line(code_frame, event, arg):
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == line:
                raise KeyboardInterrupt
        return each_line

    interrupted = False
    sys.settrace(lambda code_frame, event, arg: each_line)
    try:
        for _ in range(20):
            writer.put(frame)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        sys.settrace(None)
    # abort in a thread of its own, so that a hang fails the test instead of stopping the suite
    aborting = threading.Thread(target=writer.abort, daemon=True)
    aborting.start()
    aborting.join(60)
    return interrupted, not aborting.is_alive()


def test_an_interrupt_at_any_line_of_a_push_still_lets_abort_end_the_encoder(tmp_path):
    for line in range(1, 80):
        interrupted, ended = _interrupted_push_then_abort(tmp_path / f"reel-{line}.mp4", line)
        assert interrupted, line
        assert ended, f"the encoder thread still runs after a KeyboardInterrupt at line {line} of the push"
        assert not (tmp_path / f"reel-{line}.mp4").exists()  # an aborted video is not written
