"""The most worker processes `highlights train`, `evaluate` (decoding clips) and `synth clips`
(rendering them) start, and how each worker ends once the command's process has."""

from __future__ import annotations

import multiprocessing
import os
import threading

# Each worker is a process of its own: torch or OpenCV imported, a video decoder or encoder open,
# some hundreds of MB each. Past the machine's cores more of them only wait for one another, and
# 64 is past the cores of any workstation these commands run on; a mistyped 10**9 would otherwise
# start processes (one per clip for synth) until memory ran out, after the clips were listed.
MAX_WORKER_PROCESSES = 64


def end_with_the_command() -> None:
    """In a worker process (spawned, or forked by a fork server): end it once the process that
    started it has ended. A worker waits for its next task on a pipe it holds both ends of, so a
    command killed alone (kill -9 of its process) left it waiting for good: a `synth clips`
    worker never hears Ctrl-C, and a DataLoader worker forked by the fork server watches the
    server, its parent, which in turn lives as long as any worker does. Multiprocessing tells the
    starting process's end (`parent_process()`, the pipe's other end closing) whichever way the
    worker was started."""
    def wait_then_end() -> None:
        parent.join()
        os._exit(1)

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=wait_then_end, daemon=True, name="end-with-the-command").start()
