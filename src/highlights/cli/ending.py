"""Ctrl-C after a command's work: the command ends as it would have.

Once a command has returned (its outputs written, its closing line said) or said its one line
about a failure or a stop, what is left is Python's own ending: joining threads, the clean-up
registered with `atexit` (worker processes stopped, temporary folders removed), then freeing the
modules. A Ctrl-C there raised KeyboardInterrupt inside that clean-up (a traceback saying
"Exception ignored in ...") or, once Python had put the default action back for freeing the
modules, ended the process by the signal itself: status 130 to a shell, with nothing said, after
a command that had finished.

The status itself could be lost too: a Ctrl-C inside code that a C extension runs as a string
(Cython's set-up of a module as it is imported: numpy.random, scipy) marks it unhandled in
CPython, whatever catches it after, and `python -m highlights` then ended by the signal after the
command's one line (status -2 to the process that started it), not with 130.

So from then on a Ctrl-C changes nothing: the ending goes on and the process exits with the
command's own status (0 for a command that finished: its outputs are complete, and a script
reading 130 would take them to be missing). A second Ctrl-C, where the ending waits on something
(a worker that does not stop), ends the process at once with that status.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

_ended_with: list[int] = []  # the command's exit status, once its work is over


def _status(code: object) -> int:
    """The exit status `SystemExit(code)` gives (None: 0; a message: 1, as Python prints it)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _ignore_ctrl_c_from_here() -> None:
    """The last `atexit` callback: Python then puts the default action back on the signals it
    handled, under which a Ctrl-C would end the process by the signal; one ignored stays so."""
    if _ended_with:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def prepare_ending() -> None:
    """Called first of all in the entry point, so this `atexit` callback runs after every other
    (they run last registered first), whose clean-up a second Ctrl-C may still cut short."""
    atexit.register(_ignore_ctrl_c_from_here)


def _end_now(signum, frame) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone, a stream closed: nothing more to say there
            pass
    os._exit(_ended_with[0])


def _first_ctrl_c(signum, frame) -> None:
    signal.signal(signal.SIGINT, _end_now)


def _forget_a_ctrl_c_in_c_code() -> None:
    """CPython notes a KeyboardInterrupt that leaves code run by `PyRun_String` (which Cython's
    modules call as they are imported) as unhandled, and a `python -m` process that ends with it
    noted kills itself by SIGINT, even though the command caught it and chose its status. Each
    such run clears the note first: one that raises nothing leaves it clear. Python offers no
    other way to clear it."""
    import ctypes

    try:
        ctypes.pythonapi.PyRun_SimpleStringFlags(b"", None)
    except AttributeError:  # an interpreter other than CPython: no such note
        pass


def hold_ctrl_c_while_ending(code: object) -> None:
    """The command's work is over, ending with `SystemExit(code)`: the process exits with that
    status, a Ctrl-C from now on leaves it, and a second one ends the process at once with it."""
    if _ended_with:
        return
    _ended_with.append(_status(code))
    signal.signal(signal.SIGINT, _first_ctrl_c)
    _forget_a_ctrl_c_in_c_code()
