"""Is some thread or process waiting for a ``flock`` on a file or folder? The kernel lists every
lock and every waiter in ``/proc/locks``, a waiter's line marked ``->``: a test tells "blocked
on the lock" from "still running" by reading it, not by waiting a while. And a dataset root's
write lock held the way another writer holds it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.lock import root_write_lock

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


@contextmanager
def root_held_elsewhere(root: Path, seconds: float | None = None) -> Iterator[threading.Thread]:
    """A dataset root's write lock, held as another writer would hold it (its own open file; flock
    locks belong to open files, so this process's next attempt is refused like another's), for
    the ``with`` block or ``seconds`` if sooner."""
    root.mkdir(parents=True, exist_ok=True)
    taken, release = threading.Event(), threading.Event()

    def hold():
        with root_write_lock(root):
            taken.set()
            release.wait(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    taken.wait(10)
    try:
        yield thread
    finally:
        release.set()
        thread.join()
