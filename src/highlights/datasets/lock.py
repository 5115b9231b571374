"""One writer at a time per dataset root: an exclusive lock on ``ROOT/.write.lock``.

``fcntl.flock`` is used directly (the standard library has it on every system the project runs
on): the kernel drops the lock when its holder dies, however it dies, so a crashed writer never
leaves a root locked, and the pid written into the file names the live holder for the message.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.errors import DatasetError

LOCK_NAME = ".write.lock"
POLL_S = 0.2


@contextmanager
def root_write_lock(root: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the write lock of ``root`` for the ``with`` block.

    Another process holding it is a ``DatasetError`` naming the root and that process's pid,
    unless ``wait``, which blocks until it is released.
    """
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise DatasetError(f"{root}: cannot take the write lock ({e.strerror or e})") from e
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise DatasetError(f"{root}: cannot take the write lock ({e.strerror or e})") from e
                if not wait:
                    holder = _holder(fd)
                    raise DatasetError(f"another write is in progress on {root} (pid {holder}); "
                                       "wait for it to finish, or pass --wait") from None
                time.sleep(POLL_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"
