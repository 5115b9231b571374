"""One export of the review page at a time per dataset root, across review servers.

A file lock beside the root (``.ROOT.review-export.lock``): ``fcntl.flock`` through
`highlights.datasets.lock`, which the kernel drops when its holder dies, however it dies. So an
export whose server was killed (or hung, then stopped) never holds it for good: the next click
takes it over. The lock file names its holder's pid and its time is when the holder took it, so a
click refused meanwhile says in one line which process has been exporting for how long, and how
to end a hung one. Where the filesystem offers no lock, the server's own lock alone keeps its
clicks to one export at a time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.lock import exclusive_lock
from highlights.errors import HighlightsError
from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.review.errors import ReviewError

ALREADY_RUNNING = "an export is already running"


class ExportRunning(ReviewError):
    """Another export holds the lock: the one line the page shows."""


class _Busy(HighlightsError):
    def __init__(self, pid: str) -> None:
        super().__init__(pid)
        self.pid = pid


class _NoLock(HighlightsError):
    """The folder beside the root offers no file lock (some network filesystems)."""


def lock_path(root: Path) -> Path:
    root = Path(root).absolute()
    return root.with_name(f".{root.name}.review-export.lock")


def running_line(pid: str, since: float | None) -> str:
    """The page's line for a click refused while the export of process `pid` runs (`since`: when
    it began, as a time.time())."""
    mine = pid == str(os.getpid())
    who = "in this review server" if mine else f"by process {pid}"
    took = "" if since is None else f", for {_duration(time.time() - since)}"
    way_out = ("restart this review to end it" if mine
               else f"stopping process {pid} ends it and lets this one run")
    return (f"{ALREADY_RUNNING} ({who}{took}); export again once it has finished, or, if it is "
            f"hung, {way_out}")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class ExportLock:
    """What the page's Export button holds while its export runs: `held()`."""

    def __init__(self, root: Path | None = None) -> None:
        """`root`: the dataset root the button exports to (None: this server's lock alone)."""
        self.path = lock_path(root) if root is not None else None
        self._here = threading.Lock()
        self._since: float | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Holds the lock for the block; raises `ExportRunning` while another export holds it."""
        if not self._here.acquire(blocking=False):
            raise ExportRunning(running_line(str(os.getpid()), self._since))
        try:
            self._since = time.time()
            if self.path is None:
                yield
                return
            with self._file_lock():
                yield
        finally:
            self._since = None
            self._here.release()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        made = missing_folders(self.path.parent)
        try:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                raise _NoLock("no folder for the lock") from None  # the export names the cause
            with exclusive_lock(self.path, wait=False, remove=True, busy=_Busy, failed=_NoLock):
                yield
        except _Busy as e:
            raise ExportRunning(running_line(e.pid, self._held_since())) from None
        except _NoLock:
            yield
        finally:
            remove_if_still_empty(made)

    def _held_since(self) -> float | None:
        """When the holder took the lock: it writes its pid into the file as it does."""
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None
