"""A long job's progress told to the caller's function instead of drawn as a terminal bar.

A function that takes ``progress`` accepts True (the terminal's bars, as the `highlights` command
shows them), False (nothing) or a callable ``progress(stage, done, total)``, called at the points
where a bar would move. Raising from it stops the job: the exception comes out of the call that
started the job as raised. This module imports nothing heavy, so a service can type against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

ProgressCallback = Callable[[str, float, float], None]
ProgressSetting = Union[bool, ProgressCallback]


def bars_and_callback(progress: ProgressSetting) -> tuple[bool, ProgressCallback | None]:
    """Whether to draw the terminal's bars, and the caller's function to call (never both)."""
    if callable(progress):
        return False, progress
    return bool(progress), None
