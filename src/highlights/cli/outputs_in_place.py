"""Ctrl-C after a command's outputs are in place, while it says its closing lines.

A command's outputs take their places whole (`highlights.atomic`); it then says what it wrote and
what it found. A Ctrl-C in those lines ended it with "stopped before it finished; nothing
half-written was kept", as though nothing was written, where every output was. A command says its
closing lines inside `closing_lines(outputs)`: a Ctrl-C there carries the outputs' names up to
the command's boundary (`cli/boundary.py`), which says that they were written and that the run
was stopped at its end.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_WRITTEN = "highlights_outputs_written"


@contextmanager
def closing_lines(outputs: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Around a command's closing lines, its ``outputs`` (files or folders) in place: a Ctrl-C
    there goes on up, naming them."""
    written = [os.fspath(path) for path in outputs]
    try:
        yield
    except KeyboardInterrupt as stop:
        if not hasattr(stop, _WRITTEN):  # an inner command's, said as its own
            setattr(stop, _WRITTEN, written)
        raise


def outputs_written(stop: BaseException) -> list[str]:
    """The outputs a Ctrl-C in `closing_lines` found in place; none for one before them."""
    return list(getattr(stop, _WRITTEN, ()))


def stopped_at_its_end(how: str, command: str, written: list[str]) -> str:
    """The one line of a command stopped (``how``: Ctrl-C, SIGTERM) in its closing lines."""
    more = f" and {len(written) - 5} more" if len(written) > 5 else ""
    return (f"interrupted ({how}): {command} stopped at its end: its outputs were written "
            f"({', '.join(written[:5])}{more}); the lines it had left to say were not said")
