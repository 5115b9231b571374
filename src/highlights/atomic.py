"""Files written whole or not at all: a temp file in the same folder, then ``os.replace``.

The temp file sits beside the target so ``os.replace`` is a same-filesystem rename, which is
atomic: a reader sees the previous file (or none) until the new one is complete, and an
interrupted or failed write leaves no half-written file and no temp file behind. The data is
flushed to disk before the rename, so a power cut cannot leave a renamed but empty file.

Temp files are named ``.NAME.PID-XXXXXXXX.tmp`` (PID: the writer's): hidden, and recognised if a
hard crash (`kill -9`, where no cleanup ran) leaves one: a later process's first write into the
same folder removes those whose writer has ended. Writers that rename their own file into place
(the video writer) take a temp file of the same name from `temp_file_beside`.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from highlights.ctrl_c_held import ctrl_c_held
from highlights.errors import HighlightsError
from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.owner_pid import folders_of_gone_owners, owner_gone

# Out of space, or out of the user's quota on it: the same thing to a user.
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
# What a write that ran out of space left, where it was the command's only one.
NOTHING_CHANGED = "nothing earlier was changed"


class DiskFullError(HighlightsError, OSError):
    """A write ran out of space. ``str(e)`` is one line naming the device and the file, and what
    is left of the work: ``kept``, where a command wrote other files whole before this one."""

    def __init__(self, path: str | os.PathLike, kept: str = NOTHING_CHANGED):
        super().__init__(errno.ENOSPC, disk_full_message(path, kept))
        self.path = str(path)

    def __str__(self) -> str:
        return self.strerror

    def __reduce__(self):
        # As made, where a worker process sends it back: pickle would pass OSError's (errno,
        # message), and the pool that reads it would break instead of saying it.
        return _disk_full_again, (self.path, self.strerror)


class OutputPathError(HighlightsError):
    """An output path that cannot be written as asked: a file where a folder is needed, or the
    other way round. ``str(e)`` names the path."""


class UnwritablePathError(OutputPathError, OSError):
    """Nothing can be made where a file is to be written (no permission, a read-only or special
    filesystem). Still an OSError, with the system's errno, for callers that treat a failed write
    as a skipped one; ``str(e)`` names the file asked for, not the temporary one beside it."""

    def __init__(self, path: str | os.PathLike, error: OSError):
        self.cause = error.strerror or str(error)
        super().__init__(error.errno, f"{path}: cannot be written ({self.cause})")
        self.path = str(path)

    def __str__(self) -> str:
        return self.strerror

    def __reduce__(self):  # as DiskFullError's
        return type(self), (self.path, OSError(self.errno, self.cause))


def _disk_full_again(path: str, message: str) -> DiskFullError:
    """A `DiskFullError` with the message it was sent with (its mount point is the sender's)."""
    error = DiskFullError.__new__(DiskFullError)
    OSError.__init__(error, errno.ENOSPC, message)
    error.path = path
    return error


class NameTooLongError(OutputPathError):
    """A file or folder name longer than its filesystem allows (255 bytes on most): a long video
    name with a suffix added, say. Said before anything is written, naming the path."""


# The most digits a pid has (Linux's pid_max is at most 2**22), for the room a temp name needs.
_WIDEST_PID = "4194304"
# What most filesystems (ext4, XFS, btrfs, tmpfs, APFS) allow in one name, where the system
# cannot be asked.
_DEFAULT_NAME_MAX = 255
# Hex digits of the whole name's hash that a name cut short keeps (`fitted_name`): 2**32 values,
# for the few long names that share a folder.
_NAME_HASH_DIGITS = 8


def name_max(folder: str | os.PathLike) -> int:
    """The longest name, in bytes, the filesystem holding ``folder`` (or its nearest existing
    ancestor) allows."""
    here = Path(os.path.abspath(folder))
    while not os.path.exists(here) and here != here.parent:  # (a name too long is not there)
        here = here.parent
    try:
        return int(os.pathconf(here, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return _DEFAULT_NAME_MAX


def check_name_lengths(path: str | os.PathLike) -> None:
    """A `NameTooLongError` naming ``path`` if its name, or the name of a folder on the way to it
    that is still to be made, is longer than the filesystem allows: the system's own error
    ("File name too long") would come only once the file is written, naming its temp file."""
    path = Path(path)
    limit = name_max(path.parent)
    for part in (path, *path.parents):
        if os.path.exists(part):  # False, not an error, for a name too long to look up
            return
        size = len(os.fsencode(part.name))
        if size > limit:
            whose = "its name" if part == path else f"the folder name {part.name!r} in it"
            raise NameTooLongError(f"{path}: {whose} is {size} bytes long, more than the {limit} "
                                   "this file system allows in one name; choose a shorter one")


def fitted_name(name: str, extra: int, folder: str | os.PathLike) -> str:
    """``name`` cut short (at a whole character) so that ``extra`` more bytes still fit in one of
    ``folder``'s names: a temp or staging name made from the name of the file it stands for. A
    name cut short ends in ``~`` and a short hash of the whole name: two names alike up to the cut
    (``...-part1``, ``...-part2``) stand for two files, and a staging folder taken for the other's
    would be swept, or put back in its place, as this one's."""
    room = max(1, name_max(folder) - extra)
    encoded = os.fsencode(name)
    if len(encoded) <= room:
        return name
    mark = "~" + hashlib.sha256(encoded).hexdigest()[:_NAME_HASH_DIGITS]
    cut = encoded[:max(1, room - len(mark))]
    for _ in range(4):  # a UTF-8 character is at most 4 bytes: drop the one cut in half
        try:
            return cut.decode(sys.getfilesystemencoding()) + mark
        except UnicodeDecodeError:
            cut = cut[:-1]
    return os.fsdecode(cut) + mark


def _check_output_parent(path: Path) -> None:
    """A clear error when ``path``'s folder cannot exist because a file sits in its way."""
    for ancestor in (path.parent, *path.parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(f"{ancestor}: is a file, but {path} is to be written inside it as a folder")
            return


def check_writable(path: str | os.PathLike) -> None:
    """Before a long run: a one-line error now, naming ``path``, if it could not be written at
    the end (a file in the way, a read-only or special filesystem, no permission). A folder is
    made and removed in the nearest existing folder on the way to ``path``; nothing is left."""
    path = Path(path)
    check_name_lengths(path)
    _check_output_parent(path)
    ancestor = next((a for a in (path.parent, *path.parent.parents) if a.exists()), None)
    if ancestor is not None:
        _probe(ancestor, path)


def _probe(ancestor: Path, path: Path) -> None:
    """Make and remove a folder in ``ancestor``: `check_writable`'s test that ``path`` can be made."""
    try:
        probe = fitted_name(path.name, len("..probe-XXXXXXXX"), ancestor)
        os.rmdir(tempfile.mkdtemp(prefix=f".{probe}.probe-", dir=ancestor))
    except OSError as e:
        if is_disk_full(e):
            raise DiskFullError(path) from e
        raise OutputPathError(f"{path}: cannot be written: nothing can be made in {ancestor} "
                              f"({e.strerror or e})") from e


def check_writable_folder(path: str | os.PathLike, *, out_name: str | None = None) -> None:
    """`check_writable` for a path that names the folder a command writes its files into;
    ``out_name`` is what the caller called it (a command's ``--out``), for the message."""
    check_name_lengths(path)
    if Path(path).exists() and not Path(path).is_dir():
        raise OutputPathError(f"{path}: is a file; {out_name} names the folder the outputs go into" if out_name
                              else f"{path}: is a file, where the folder the outputs go into is to be")
    if Path(path).is_dir():
        # The files go inside it: a folder that can be written is enough, whatever its parent is
        # (a volume mounted writable on a read-only system, a folder of one's own in /srv).
        _probe(Path(path), Path(path))
    else:
        check_writable(path)


def check_writable_file(path: str | os.PathLike, *, out_name: str | None = None) -> None:
    """`check_writable` for a path that names the one file a command writes; ``out_name`` as in
    `check_writable_folder`."""
    check_name_lengths(path)
    if Path(path).is_dir():
        raise OutputPathError(f"{path}: is a folder; {out_name} names the file to write" if out_name
                              else f"{path}: is a folder, where a file is to be written")
    check_writable(path)


def is_disk_full(error: BaseException) -> bool:
    """Did ``error`` (an OSError, or PyAV's error carrying the same errno) run out of space?"""
    return getattr(error, "errno", None) in _DISK_FULL


def _worded_disk_full(error: OSError, folder: str | os.PathLike) -> bool:
    """An OSError without an errno (numpy's ``ndarray.tofile``: "N requested and M written") on a
    filesystem that is out of space: a full disk in the writer's own words."""
    return error.errno is None and no_space_left(folder)


def no_space_left(folder: str | os.PathLike) -> bool:
    """Is the filesystem holding ``folder`` out of space (for this user)?"""
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def disk_full_message(path: str | os.PathLike, kept: str = NOTHING_CHANGED) -> str:
    return f"no space left on {mount_point(path)} while writing {path}; {kept}"


def mount_point(path: str | os.PathLike) -> str:
    """The mount point of the filesystem ``path`` is (or would be) on."""
    here = Path(os.path.abspath(path))
    while not here.exists() and here != here.parent:
        here = here.parent
    while not os.path.ismount(here) and here != here.parent:
        here = here.parent
    return str(here)


# What a plain `open(path, "w")` gives under the usual umask. (mkstemp makes 0o600, and reading
# the umask means setting it, which is not thread-safe, so the common default is used directly.)
FILE_MODE = 0o644


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success it is renamed onto ``path``.

    Write the whole file to the yielded path inside the ``with`` block (it exists, empty, with
    mode 0o644; writers may replace or truncate it). If the block raises, the temp file is
    removed and ``path`` is left as it was. Parent folders are created.
    """
    path = Path(path)
    check_file_target(path)
    made = missing_folders(path.parent)
    together_made = _made_together.get()
    if together_made is not None:
        together_made.extend(made)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_file_beside(path)
    except OSError as e:
        remove_if_still_empty(made)
        if is_disk_full(e):
            raise DiskFullError(path) from e
        raise UnwritablePathError(path, e) from e
    try:
        os.chmod(tmp, FILE_MODE)
        yield tmp
        _fsync(tmp)
        together = _written_together.get()
        if together is None:
            os.replace(tmp, path)
        else:
            together.append((tmp, path))
    except OSError as e:
        full = is_disk_full(e) or _worded_disk_full(e, tmp.parent)
        tmp.unlink(missing_ok=True)
        remove_if_still_empty(made)
        if full and not isinstance(e, DiskFullError):
            raise DiskFullError(path) from e
        raise
    except Exception as e:
        # Some writers report a full disk in their own words (torch.save: "PytorchStreamWriter
        # failed writing file"); the filesystem itself says whether that is what happened.
        full = not isinstance(e, HighlightsError) and no_space_left(tmp.parent)
        tmp.unlink(missing_ok=True)
        remove_if_still_empty(made)
        if full:
            raise DiskFullError(path) from e
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        remove_if_still_empty(made)
        raise


def check_file_target(path: Path) -> None:
    """An `OutputPathError` naming ``path`` where no file can be written there: a folder in its
    place, a file where one of its folders is to be, a name too long."""
    check_name_lengths(path)
    _check_output_parent(path)
    if path.is_dir():
        raise OutputPathError(f"{path}: is a folder, where a file is to be written")


def temp_file_beside(path: Path) -> Path:
    """A new empty file beside ``path`` (whose folder exists), named ``.NAME.PID-XXXXXXXX.tmp``
    with this process's pid, after removing those a killed writer left in that folder: for a
    writer that renames its own file into place (a video), so that what a `kill -9` leaves of it
    is swept as `atomic_path`'s own temp files are."""
    check_name_lengths(path)
    remove_dead_writers_temps(path.parent)
    # A name that just fits leaves no room for the temp name's dot, pid and ending: its start
    # stands for it (the sweep reads only the pid and the ending).
    name = fitted_name(path.name, len(f"..{_WIDEST_PID}-XXXXXXXX.tmp"), path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp_name)


# A temp file this module names: `.NAME.PID-XXXXXXXX.tmp`.
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)-[^.]+\.tmp$")
# Folders already swept by this process: each is scanned once, not on every write into it (a
# cache folder takes thousands of writes).
_swept_folders: set[str] = set()


def remove_dead_writers_temps(folder: Path) -> list[Path]:
    """Remove the temp files in ``folder`` (``.NAME.PID-XXXXXXXX.tmp``) whose writer has ended:
    what a write killed before its cleanup left. A live writer's, and one named without a pid (by
    an earlier version), are left alone. Scans a folder once per process."""
    key = os.path.abspath(folder)
    if key in _swept_folders:
        return []
    _swept_folders.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match and owner_gone(int(match["pid"])) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


# The files written inside `written_together` blocks of this thread, waiting for their renames
# (a temp file and its target), and the files they remove (None and the file).
_written_together: ContextVar[list[tuple[Path | None, Path]] | None] = ContextVar("written_together", default=None)
_made_together: ContextVar[list[Path] | None] = ContextVar("made_together", default=None)


@contextmanager
def written_together() -> Iterator[None]:
    """Files written with `atomic_path` (and every writer built on it) inside the block take their
    places together, at its end.

    For outputs that are read together (a report's JSON, its Markdown and its pictures): each is
    written whole to its temp file beside its target, and only when all are written are they
    renamed into place. A failure (a full disk) or a kill while writing leaves every target as it
    was, never a new JSON beside the previous run's pictures; the renames need no space, so a
    full disk cannot stop them half way. A kill -9 between two renames leaves the files renamed
    before it in place: they are renamed in the order written, so a block writes last the file
    whose presence says the set is whole (a pose model's best.pt after its best.json); a Ctrl-C
    during the renames acts once they are done (`ctrl_c_held`). Another
    process or thread writing the same files at once (two reports into one folder) does its
    renames before or after these, never between them (`folders_locked`): the folder holds one
    writer's files, the last one's. Nested blocks join the outermost one. A writer in this block
    must not read back a file it wrote in it: the file is not in place yet.
    """
    if _written_together.get() is not None:
        yield
        return
    pending: list[tuple[Path | None, Path]] = []
    made: list[Path] = []  # the folders the block's writes made, deepest first for each write
    token, made_token = _written_together.set(pending), _made_together.set(made)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        # a report that fails (a full disk) leaves no empty folder where it was to go
        remove_if_still_empty(sorted((folder for folder in set(made) if folder.is_dir()),
                                     key=lambda folder: len(folder.parts), reverse=True))
        raise
    finally:
        _written_together.reset(token)
        _made_together.reset(made_token)
    with folders_locked(path.parent for _, path in pending), ctrl_c_held():
        for done, (tmp, path) in enumerate(pending):
            try:
                if tmp is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(tmp, path)
            except BaseException:
                for rest, _ in pending[done:]:
                    if rest is not None:
                        rest.unlink(missing_ok=True)
                raise


def put_in_place(tmp: Path, path: Path) -> bool:
    """Rename a finished temp file (`temp_file_beside`'s) onto ``path``: now, or inside a
    `written_together` block with the block's other files, at its end. True when it waits for the
    block, which then owns ``tmp`` (removing it if the block fails)."""
    together = _written_together.get()
    if together is None:
        os.replace(tmp, path)
        return False
    together.append((tmp, path))
    return True


def written_file(path: str | os.PathLike) -> Path:
    """Where what was last written for ``path`` lies now: inside a `written_together` block, the
    temp file waiting to be renamed onto it; else ``path`` itself. For a file of a set that records
    its partners' contents (`highlights.file_set`) before they are in place."""
    path = Path(path)
    for tmp, target in reversed(_written_together.get() or []):
        if target == path:
            if tmp is None:
                raise FileNotFoundError(errno.ENOENT, "to be removed with the block's files",
                                        str(path))
            return tmp
    return path


def remove_file(path: str | os.PathLike) -> None:
    """Remove ``path`` if it is there; inside a `written_together` block, at the block's end
    with its renames (an earlier run's picture that this run's report does not have goes as
    the report arrives, not before it, and not after another writer's report arrived)."""
    path = Path(path)
    together = _written_together.get()
    if together is None:
        path.unlink(missing_ok=True)
    else:
        together.append((None, path))


@contextmanager
def folders_locked(folders: Iterable[str | os.PathLike]) -> Iterator[None]:
    """An exclusive ``flock`` on each of ``folders`` (the folder itself: no lock file appears in
    it) for the block: a few renames or a read-and-rewrite of a shared file that another process
    or thread must not come between. Taken in sorted order, so two writers of overlapping
    folders cannot each hold one the other waits for; hold it for short steps only. A folder
    that cannot be opened or locked (missing, or on a filesystem without locks) is skipped: the
    block then runs as it would without locks."""
    held: list[int] = []
    try:
        for folder in sorted({Path(f) for f in folders}):
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                os.close(fd)
                continue
            held.append(fd)
        yield
    finally:
        for fd in held:
            os.close(fd)  # closing releases the lock


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 atomically, newlines as given (no platform translation)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any, **json_kwargs: Any) -> Path:
    """``json_text(obj, **json_kwargs)`` plus a final newline, written atomically."""
    return atomic_write_text(path, json_text(obj, **json_kwargs) + "\n")


def json_text(obj: Any, **json_kwargs: Any) -> str:
    """``json.dumps`` that writes standard JSON only: NaN and infinities become ``null``.

    Python's default writes them as the bare words ``NaN``/``Infinity``, which most JSON readers
    (browsers, jq, other languages) refuse. numpy numbers and arrays become plain values.
    """
    return json.dumps(finite_json(obj), allow_nan=False, **json_kwargs)


def finite_json(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (numpy values made plain first)."""
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(v) for v in obj]
    if type(obj).__module__ == "numpy":  # numpy scalars and arrays, without importing numpy here
        to_plain = getattr(obj, "tolist", None)
        if to_plain is not None:
            return finite_json(to_plain())
    return obj


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- whole folders

_PARTIAL, _OLD = "partial", "old"


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging folder beside ``path``; on success it takes ``path``'s place whole.

    For outputs that are several files (a run's results): a reader sees the previous folder
    or the new one, never a mix of the two. The staging folder is ``.NAME.partial-PID-XXXX`` in
    the same parent (same filesystem, so the swap is a rename). On Linux the swap is one
    ``renameat2(RENAME_EXCHANGE)`` call; elsewhere two renames, with the previous folder kept as
    ``.NAME.old-PID-XXXX`` in between and put back by the next run if a crash fell there. If
    the block raises, the staging folder is removed and ``path`` is left as it was. Leftovers
    of writers that are gone are removed first.
    """
    path = Path(path)
    check_name_lengths(path)
    _check_output_parent(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path}: is a file, where an output folder is to be written")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(path)
        stage = Path(tempfile.mkdtemp(prefix=f".{_leftover_name(path)}.{_PARTIAL}-{os.getpid()}-", dir=path.parent))
    except OSError as e:
        if is_disk_full(e):
            raise DiskFullError(path) from e
        raise
    try:
        os.chmod(stage, 0o755)  # mkdtemp makes it private; an output folder is as readable as any
        yield stage
        _swap_in(stage, path)
    except OSError as e:
        full = is_disk_full(e) or _worded_disk_full(e, stage)
        shutil.rmtree(stage, ignore_errors=True)
        if full:
            # named where the user will look for it, not in the staging folder just removed
            where = _in_place(e, stage, path)
            if where is not None:
                raise DiskFullError(where) from e
            if not isinstance(e, DiskFullError):
                raise DiskFullError(path) from e
        raise
    except Exception as e:
        full = not isinstance(e, HighlightsError) and no_space_left(stage)
        shutil.rmtree(stage, ignore_errors=True)
        if full:
            raise DiskFullError(path) from e
        raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _in_place(error: OSError, stage: Path, path: Path) -> Path | None:
    """The file a failed write inside ``stage`` was for, as it would lie in ``path``; None when
    the error names no file inside ``stage``."""
    written = error.path if isinstance(error, DiskFullError) else getattr(error, "filename", None)
    try:
        return path / Path(written).relative_to(stage) if written else None
    except (TypeError, ValueError):
        return None


def _swap_in(stage: Path, path: Path) -> None:
    if not path.exists():
        os.rename(stage, path)
        return
    if _exchange(stage, path):
        shutil.rmtree(stage, ignore_errors=True)  # it now holds the previous folder
        return
    old = Path(tempfile.mkdtemp(prefix=f".{_leftover_name(path)}.{_OLD}-{os.getpid()}-", dir=path.parent))
    os.rename(path, old / "previous")
    os.rename(stage, path)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``); False where the system cannot."""
    # The standard library has no atomic exchange; libc's renameat2 (glibc 2.28+) does it in
    # one step, so no moment exists when neither folder is in place.
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # not supported here: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _leftover_name(path: Path) -> str:
    """The NAME in `atomic_folder`'s staging and previous-folder names for ``path``: its name, cut
    short where the rest of the name would not fit (the same cut for every writer of ``path``,
    so the next one still knows them as ``path``'s)."""
    return fitted_name(path.name, len(f"..{_PARTIAL}-{_WIDEST_PID}-XXXXXXXX"), path.parent)


def _neighbour_named(parent: Path, name: str) -> str | None:
    """The folder of ``parent`` whose leftovers are named ``name``: ``name`` itself, or, where it
    was cut short (`fitted_name`'s ``~`` and hash), the folder there whose name cuts to it; None
    where none does (its first run was killed before the folder existed): whose it is, and so
    whether its writer is gone, cannot be told, and it is left for that folder's next writer."""
    if not _CUT_NAME_RE.search(name):
        return name
    try:
        return next((e.name for e in os.scandir(parent) if not e.name.startswith(".")
                     and _leftover_name(parent / e.name) == name), None)
    except OSError:
        return None


_CUT_NAME_RE = re.compile(r"~[0-9a-f]{" + str(_NAME_HASH_DIGITS) + "}$")

# `atomic_folder`'s staging and previous-folder names: `.NAME.partial-PID-XXXXXXXX` (mkdtemp's suffix).
_LEFTOVER_RE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>" + _PARTIAL + "|" + _OLD + r")-(?P<pid>\d+)-[a-z0-9_]+$")


def remove_stale_staging(path: str | os.PathLike, *,
                         neighbour_in_use: Callable[[str], bool] | None = None) -> list[Path]:
    """Remove the staging and previous-folder leftovers of ``atomic_folder`` writers that are gone,
    beside ``path``: those for ``path``, and, given ``neighbour_in_use``, those for every other
    folder NAME in its parent for which ``neighbour_in_use(NAME)`` is false (a service that gives
    each upload its own folder under one parent would otherwise gather a killed run's staging for
    each, as large as that run's outputs).

    A writer is gone when no process has its pid here. A writer in another pid namespace (another
    container sharing the volume) has no pid here either, so a neighbour's leftovers are only
    removed where the caller can tell, by something every host sees (the folder's lock), that no
    one is writing it; ``path``'s own are the caller's, which holds ``path``.

    A previous folder left by a crash between the two renames of the fallback swap is put back
    first when the folder it was is missing.
    """
    path = Path(path)
    parent = path.parent
    removed = []
    for entry, m in folders_of_gone_owners(parent, _LEFTOVER_RE):
        name = m.group("name")
        own = name == _leftover_name(path)
        if not own:
            name = _neighbour_named(parent, name) if neighbour_in_use is not None else None
            if name is None or neighbour_in_use(name):
                continue
        previous, target = entry / "previous", (path if own else parent / name)
        if m.group("kind") == _OLD and previous.is_dir() and not target.exists():
            os.rename(previous, target)
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
