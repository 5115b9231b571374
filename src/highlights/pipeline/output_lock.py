"""One run at a time writes a `detect` output folder.

A run writes a staging folder and swaps it in whole at the end (`output_folder`), so two runs into
one folder would both succeed, the last swap silently replacing the first's results. A run
therefore holds an exclusive lock from its start to its swap, and a second run is refused at
its start, before its (long) analysis.

The lock is ``fcntl.flock`` on ``.NAME.lock`` beside the folder NAME (`highlights.datasets.lock`):
beside it, not inside, because the swap replaces the folder's contents whole; hidden, and
removed when the run ends, so neither the output folder nor its parent gains a file a listing or
a glob would pick up. The kernel drops the lock when its holder dies, however it dies, so a
killed run never leaves the folder locked. It may leave an unlocked ``.NAME.lock``, which the
next run into any folder of that parent removes (`remove_stale_locks`): a service giving each
upload its own folder under one parent would otherwise gather one per killed run.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from highlights.atomic import OutputPathError, check_writable, fitted_name
from highlights.datasets.lock import exclusive_lock, lock_held, remove_if_abandoned
from highlights.errors import HighlightsError
from highlights.made_folders import missing_folders, remove_if_still_empty


class _NoLock(HighlightsError):
    """The filesystem offers no lock here (some network filesystems): the run goes on unlocked."""


def lock_path(out_dir: str | Path) -> Path:
    """The lock file of the output folder ``out_dir``: hidden, beside it. A name near the
    filesystem's limit is cut short with a hash (`fitted_name`): the lock file's own name would
    not fit, and with no lock to be had the run would go on unlocked."""
    out_dir = Path(out_dir)
    name = fitted_name(out_dir.name, len(".") + len(".lock"), out_dir.parent)
    return out_dir.with_name(f".{name}.lock")


def check_own_folder(out_dir: Path, out_name: str) -> None:
    """Refuse an output folder that is the one the command runs in, or holds it (`.`, `..`, `/`):
    the outputs replace their folder whole, beside which its lock and staging folder live, so it
    must be a folder of its own, not the working folder the shell stays in."""
    try:
        inside = Path.cwd().is_relative_to(out_dir.resolve())
    except OSError:  # the working folder is gone: nothing to replace under the caller
        inside = False
    if inside or not out_dir.name or out_dir.name == "..":
        raise OutputPathError(f"{out_name} {out_dir}: the folder this command runs in, or one holding it; a run "
                              f"replaces its output folder whole, so give it a folder of its own "
                              f"({out_name} highlights-out)")


def being_written(out_dir: str | Path) -> bool:
    """Is a run (of this process or any other, in any container sharing the folder) writing
    ``out_dir`` now: does one hold its lock?"""
    return lock_held(lock_path(out_dir))


_LOCK_RE = re.compile(r"^\.(?P<name>.+)\.lock$")


def remove_stale_locks(parent: Path) -> list[Path]:
    """Remove the ``.NAME.lock`` files in ``parent`` left by runs killed before they could:
    those no one holds, naming a process that is gone (`remove_if_abandoned`)."""
    try:
        entries = sorted(p for p in parent.iterdir() if _LOCK_RE.match(p.name))
    except OSError:
        return []
    return [p for p in entries if remove_if_abandoned(p)]


def check_swappable(out_dir: Path, out_name: str) -> None:
    """`check_writable` for an output folder made whole beside itself and swapped in: where only
    its parent refuses (a volume mounted writable on a read-only system), a note says to give a
    folder inside it."""
    try:
        check_writable(out_dir)
    except OutputPathError as refused:
        if out_dir.is_dir() and _can_make_inside(out_dir):
            refused.add_note(f"the outputs are made beside {out_dir} and swapped in whole, so its parent must take "
                             f"a folder too: give {out_name} a new folder inside it ({out_dir / 'game'}, say)")
        raise


def _can_make_inside(folder: Path) -> bool:
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=folder))
    except OSError:
        return False
    return True


@contextmanager
def one_run_writing(out_dir: str | Path, *, out_name: str = "out_dir") -> Iterator[None]:
    """Hold ``out_dir``'s write lock for the ``with`` block; another run holding it is an
    `OutputPathError` naming the folder (``out_name``: what the caller called it, such as
    ``--out``). Folders made for the lock file are removed again if the block leaves them empty.
    Lock files of killed runs beside it, of any folder, are removed once this one is held."""
    out_dir = Path(out_dir)
    check_own_folder(out_dir, out_name)
    check_swappable(out_dir, out_name)  # a folder that cannot be made is said as such, not as a failed lock
    made = missing_folders(out_dir.parent)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        with ExitStack() as held:
            try:
                held.enter_context(exclusive_lock(
                    lock_path(out_dir), wait=False, remove=True,
                    busy=lambda pid: OutputPathError(
                        f"{out_dir}: another highlights run is writing this folder (pid {pid}); wait for it "
                        f"to finish, or give this run another {out_name}"),
                    failed=_NoLock))
            except _NoLock:
                pass  # no lock to be had: the run goes on as it did before locks
            remove_stale_locks(out_dir.parent)
            yield
    finally:
        remove_if_still_empty(made)
