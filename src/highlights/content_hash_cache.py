"""Content hashes of files kept in the cache folder, so that a check comparing a long game by its
bytes reads it once, not again on every run: the same-video check of a dataset's clips
(`datasets.same_video`, on every `dataset show`, `train` and `evaluate`), `pipeline evaluate`'s
check of the games a model has seen, `pipeline calibrate`'s record of its games and a batch's check
for a video uploaded twice (bench/bench_same_video.py prints what that read costs). `dataset
grow`'s check of its parent's clips hashes them together (`content_hashes`).

An entry holds for the file at one path while its size, modification and change times and inode
stay what they were when it was hashed: a file written again, or replaced by another (even a copy
that kept its modification time, `cp -p`), differs in one of them and is hashed again. The cache
is a shortcut only: an unreadable file is an empty cache, and one that cannot be written leaves
each run to hash again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights import file_hash
from highlights.atomic import OutputPathError, atomic_write_json, folders_locked
from highlights.cache_dir import cache_dir

FILENAME = "content-hashes.json"
FORMAT = 1
# Entries kept, the most recently hashed, a few hundred bytes each: more than a dataset of
# thousands of clips holds, so checking its clips again reads none of them (with 1,000 kept, each
# check of a 3,000-clip version hashed 2,000 again), while a check of one file, which reads and
# writes the whole file, stays well under a second.
KEEP_FILES = 20_000

log = logging.getLogger(__name__)


def cache_file() -> Path:
    return cache_dir() / FILENAME


def _identity(st: os.stat_result) -> dict[str, int]:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "inode": st.st_ino}


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return {}
    return data["files"]


def cached_file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of ``path``'s bytes, from the cache while the file is unchanged, else read and
    kept there. Raises OSError as `file_sha256` does when the file cannot be read."""
    hashes = HashCacheBatch()
    try:
        return hashes.sha256(path)
    finally:
        hashes.save()


@contextmanager
def content_hashes() -> Iterator[Callable[[str | os.PathLike], str]]:
    """`cached_file_sha256` for many files (a dataset version's clips): the cache file is read
    once and written once at the end, not once per file, which costs more than hashing a short
    clip once the cache holds hundreds of entries. Hashes taken before an error are kept."""
    hashes = HashCacheBatch()
    try:
        yield hashes.sha256
    finally:
        hashes.save()


class HashCacheBatch:
    """The cache file's entries as read once, and the hashes taken since, to `save`."""

    def __init__(self) -> None:
        self.store = cache_file()
        self.kept = _read(self.store)
        self.taken: dict[str, dict] = {}

    def sha256(self, path: str | os.PathLike) -> str:
        key = os.path.abspath(path)
        before = _identity(os.stat(key))
        entry = self.taken.get(key) or self.kept.get(key)
        if (isinstance(entry, dict) and entry.get("identity") == before
                and isinstance(entry.get("sha256"), str)):
            return entry["sha256"]
        sha = file_hash.file_sha256(key)
        if _identity(os.stat(key)) == before:  # else written to while it was read: not kept
            self.taken[key] = {"identity": before, "sha256": sha}
        return sha

    def save(self) -> None:
        if not self.taken:
            return
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            # another process keeping a hash of its own is not lost
            with folders_locked([self.store.parent]):
                files = _read(self.store)
                for key, entry in self.taken.items():
                    files.pop(key, None)
                    files[key] = entry
                kept = dict(list(files.items())[-KEEP_FILES:])
                atomic_write_json(self.store, {"format": FORMAT, "files": kept}, indent=1)
        except (OSError, OutputPathError) as e:
            log.debug("%s: cannot be written (%s); content hashes are computed again",
                      self.store, e)
        self.taken = {}
