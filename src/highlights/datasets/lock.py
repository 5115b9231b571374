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
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.errors import DatasetError
from highlights.errors import HighlightsError
from highlights.owner_pid import owner_gone

LOCK_NAME = ".write.lock"
POLL_S = 0.2
# A sweep of another process (`remove_if_abandoned`, `lock_held`) holds a lock for an instant, a
# writer for its whole run: a lock still held after this long is a writer's.
SWEEP_GRACE_S = 1.0


class RootBusyError(DatasetError):
    """Another process holds ``root``'s write lock: ``pid`` names it ("unknown" where the lock
    file does not say). A command with its own way on (a review export: run it again) says that
    in place of this message's advice."""

    def __init__(self, root: Path, pid: str) -> None:
        self.root, self.pid = root, pid
        super().__init__(f"another write is in progress on {root} (pid {pid}); wait for it to "
                         "finish, or pass --wait")


@contextmanager
def root_write_lock(root: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the write lock of ``root`` for the ``with`` block.

    Another process holding it is a ``DatasetError`` naming the root and that process's pid,
    unless ``wait``, which blocks until it is released. The lock file goes when the block ends:
    a root holds only its versions between writes, and a refused write leaves it as it was.
    """
    with exclusive_lock(
        root / LOCK_NAME, wait=wait, remove=True,
        busy=lambda pid: RootBusyError(root, pid),
        failed=lambda cause: DatasetError(f"{root}: cannot take the write lock ({cause})"),
    ):
        yield


@contextmanager
def exclusive_lock(path: Path, *, wait: bool, busy: Callable[[str], HighlightsError],
                   failed: Callable[[str], HighlightsError], remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing) for the ``with`` block.

    Held elsewhere: ``busy(pid of the holder)`` is raised once it has been held for
    ``SWEEP_GRACE_S`` (another process's sweep holds it for an instant), unless ``wait``, which
    blocks until it is released. ``failed(cause)`` is raised when the lock cannot be taken at all. ``remove``
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
        give_up = time.monotonic() + SWEEP_GRACE_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise failed(e.strerror or str(e)) from e
                if not wait and time.monotonic() >= give_up:
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


def remove_if_abandoned(path: Path) -> bool:
    """Remove the lock file ``path`` if a holder killed before it could remove it left it: a
    plain file naming a pid (as `exclusive_lock` writes it) whose process is gone, and that no
    one holds. True when it was removed.

    It is removed while held, as a holder removes its own, so a process that opened it meanwhile
    finds, once it holds the lock, that the path is no longer its file, and takes the path anew.
    """
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False  # a link, a folder, a pipe: not a lock file
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # gone already, or not ours to open
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: its writer is running
        if not _is_lock_of(fd, path) or (pid := _holder(fd)) == "unknown" or not owner_gone(int(pid)):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases the lock


def root_being_written(root: Path) -> bool:
    """Does another process (or another block of this one) hold ``root``'s write lock now?"""
    return lock_held(root / LOCK_NAME)


def lock_held(path: Path) -> bool:
    """Does a process (here, or in another container or host sharing the filesystem) hold the
    lock file ``path`` now? A missing or unopenable file is held by no one; a file whose lock
    cannot be asked for (a filesystem without locks) counts as held."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True  # held; or a filesystem that cannot say, where taking it for held keeps a writer's files
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def _is_lock_of(fd: int, path: Path) -> bool:
    """Is the open ``fd`` a plain file, and still the file at ``path``?"""
    mine, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    return stat.S_ISREG(mine.st_mode) and (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
