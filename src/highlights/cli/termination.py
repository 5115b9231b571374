"""SIGTERM handled as Ctrl-C is.

SIGTERM is how a service manager (systemd, Docker, Kubernetes, a process supervisor) stops a
command. Python's default is to die at once, running no clean-up: a `detect` run would leave its
staging folder (as large as its reel) and its lock file beside `--out`, where only a later run
into the same folder removes them, and a service gives every upload its own folder. Here the
signal raises `Terminated`, a `KeyboardInterrupt`, in the main thread: every command stops and
cleans up as after Ctrl-C, says what it kept, and `main` exits 143 (128 + SIGTERM), the status a
shell gives a command the signal ended.

Only the `highlights` process itself: a process forked from it (a batch's worker) that receives
SIGTERM is ended by it at once, as before. A second SIGTERM during the clean-up ends the
command at once too.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: a `KeyboardInterrupt`, so whatever cleans up after Ctrl-C does after it."""


@contextmanager
def terminate_as_interrupt() -> Iterator[Callable[[], bool]]:
    """For the block, SIGTERM raises `Terminated` in this process's main thread; yields a
    function telling whether it did. Outside the main thread (a caller's own thread) signals
    cannot be handled, and the block runs with the system's default."""
    owner = os.getpid()
    received: list[int] = []

    def on_sigterm(signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second one, or one in a fork, ends it at once
        if os.getpid() != owner:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        received.append(signum)
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        yield lambda: False
        return
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGTERM, previous)
