"""One writer at a time per dataset root: an exclusive lock on ``ROOT/.write.lock`` (and the
same kind of lock for other folders one process at a time may write, a training run's).

``fcntl.flock`` is used directly (the standard library has it on every system the project runs
on): the kernel drops the lock when its holder dies, however it dies, so a crashed writer never
leaves a root locked, and the pid written into the file names the live holder for the message.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.errors import DatasetError
from highlights.errors import HighlightsError

LOCK_NAME = ".write.lock"
POLL_S = 0.2


@contextmanager
def root_write_lock(root: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the write lock of ``root`` for the ``with`` block.

    Another process holding it is a ``DatasetError`` naming the root and that process's pid,
    unless ``wait``, which blocks until it is released. The lock file goes when the block ends:
    a root holds only its versions between writes, and a refused write leaves it as it was.
    """
    with exclusive_lock(
        root / LOCK_NAME, wait=wait, remove=True,
        busy=lambda pid: DatasetError(f"another write is in progress on {root} (pid {pid}); "
                                      "wait for it to finish, or pass --wait"),
        failed=lambda cause: DatasetError(f"{root}: cannot take the write lock ({cause})"),
    ):
        yield


@contextmanager
def exclusive_lock(path: Path, *, wait: bool, busy: Callable[[str], HighlightsError],
                   failed: Callable[[str], HighlightsError], remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing) for the ``with`` block.

    Held elsewhere: ``busy(pid of the holder)`` is raised, unless ``wait``, which blocks until it
    is released. ``failed(cause)`` is raised when the lock cannot be taken at all. ``remove``
    deletes the lock file when the block ends, so a folder is left as the block left it.
    """
    while True:
        fd = _locked(path, wait=wait, busy=busy, failed=failed)
        # A holder that removes its file at the end may do so between our open and our lock: the
        # lock we then got is on a file nobody else will open, so take the path's file again.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            # The pid only names the holder in another run's message ("pid unknown" without it);
            # the lock is held all the same. On a full disk the run goes on to fail where it
            # writes its outputs, with a message naming them, not this hidden file.
            pass
        yield
    finally:
        if remove:
            try:
                os.unlink(path)  # still held: whoever opened it meanwhile finds it gone once locked
            except OSError:
                pass
        os.close(fd)  # closing releases the lock


def _locked(path: Path, *, wait: bool, busy: Callable[[str], HighlightsError],
            failed: Callable[[str], HighlightsError]) -> int:
    """A descriptor of ``path`` (created if missing) holding its exclusive lock."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise failed(e.strerror or str(e)) from e
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise failed(e.strerror or str(e)) from e
                if not wait:
                    raise busy(_holder(fd)) from None
                time.sleep(POLL_S)
    except BaseException:
        os.close(fd)
        raise


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"
