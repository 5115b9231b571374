"""The most worker processes `highlights train`, `evaluate` (decoding clips) and `synth clips`
(rendering them) start, and how each worker ends once the command's process has."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
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


def start_ending_with_the_command(initializer: str, *args: object) -> None:
    """A process pool's initializer: the worker ends with the command's process from its first
    moment, then runs ``initializer(*args)``, named "module:function".

    Named, not given, because unpickling a function imports its module before any code of the
    worker runs: a batch worker's (`highlights.batch`, then torch and OpenCV) takes seconds, tens
    of them on a busy machine, and a worker whose command was killed (kill -9) while it imported
    them ran on that long before it looked for its parent. This module imports nothing heavy."""
    end_with_the_command()
    die_with_the_parent()
    module, name = initializer.split(":")
    getattr(importlib.import_module(module), name)(*args)


def die_with_the_parent() -> None:
    """On Linux, the kernel kills this process the moment the process that started it ends
    (PR_SET_PDEATHSIG), whatever it is doing: `end_with_the_command`'s thread waits its turn for
    the interpreter, which a long native call holds. There is no portable equivalent; elsewhere
    that thread does it alone."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = multiprocessing.parent_process()
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        return
    # Gone before prctl took effect: this process has another parent already (init, or the
    # container's reaper of orphans, which need not be process 1).
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)
