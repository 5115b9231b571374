"""Ctrl-C held for a moment that must not be cut, then acted on.

A Ctrl-C between two renames of `atomic.written_together` left the files renamed before it new and
the others as they were: a report's JSON beside the previous run's pictures. The renames take
milliseconds, so the Ctrl-C is held until they are done. `synth clips` holds a second Ctrl-C the
same way while its workers, which never hear one, finish the clips in flight and stop. A mask
would not hold it: the signal may reach another thread, whose handler trips the main one.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Inside the block a SIGINT is noted, not acted on; at its end it is handed to the handler
    that was there (Python's raises KeyboardInterrupt). Python runs signal handlers in the main
    thread only, so elsewhere (a review server's request thread) the block holds nothing: a Ctrl-C
    then interrupts the main thread, not these renames."""
    before = signal.getsignal(signal.SIGINT)
    # None: a handler Python did not install, which it could not put back
    if threading.current_thread() is not threading.main_thread() or before is None:
        yield
        return
    heard: list = []
    signal.signal(signal.SIGINT, lambda signum, frame: heard.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        if heard:
            if callable(before):
                before(signal.SIGINT, heard[-1])
            elif before == signal.SIG_DFL:
                os.kill(os.getpid(), signal.SIGINT)
