"""Is some thread or process waiting for a ``flock`` on a file or folder? The kernel lists every
lock and every waiter in ``/proc/locks``, a waiter's line marked ``->``: a test tells "blocked
on the lock" from "still running" by reading it, not by waiting a while."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")


def someone_waits_on(path: str | os.PathLike) -> bool:
    """Whether a ``flock`` on ``path`` is being waited for (Linux)."""
    inode = os.stat(path).st_ino
    for line in PROC_LOCKS.read_text().splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and any(f.endswith(f":{inode}") for f in fields):
            return True
    return False


def until_done_or_waiting(done: Callable[[], bool], path: str | os.PathLike) -> str:
    """Poll until ``done()`` or until someone waits for ``path``'s lock; says which came first."""
    while True:
        if done():
            return "done"
        if someone_waits_on(path):
            return "waiting"
        time.sleep(0.005)
