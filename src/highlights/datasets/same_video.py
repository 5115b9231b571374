"""A clip added whole and the clips a review cut from the same file are one source video.

A coach's labelled clips and the sessions they reviewed overlap: the same file is added once whole
(grouped by its name) and once as the moments `review export` cut from it (grouped by the
detect run's video). Their pictures differ (a 2 s cut is no copy of a 10 s clip) and so do their
groups, so only the bytes tell that they are one video: the whole clip's content hash against the
hash of the file each cut clip's provenance names. A file is read only when its size matches one it
is to be compared with, at most once, and its hash is kept in the cache folder: a long game is not
read again by every later check while it is unchanged (`highlights.content_hash_cache`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from highlights.content_hash_cache import cached_file_sha256


@dataclass(frozen=True)
class SameVideo:
    """A clip put in another clip's group because one was cut from the other's file."""

    path: str
    of: str  # the clip it joins
    group: str
    relation: str  # what ``path`` is to ``of``: one of RELATIONS

    def to_dict(self) -> dict:
        return {"path": self.path, "of": self.of, "group": self.group, "relation": self.relation}


CUT_FROM_IT = "cut from it"  # a new cut clip, of a video a clip holds whole
WHOLE_OF_IT = "the video it was cut from"  # a new whole clip, of which a clip was cut
CUT_FROM_THE_SAME = "cut from the same video"  # a new cut clip and a clip cut from a copy of its video
RELATIONS = (CUT_FROM_IT, WHOLE_OF_IT, CUT_FROM_THE_SAME)


class WholeAndCutVideos:
    """The clips seen so far (the parent's, then each new one accepted), as whole videos by content
    hash and as cuts by the source file they name, to find the group a new clip belongs in."""

    def __init__(self) -> None:
        self._wholes: dict[str, tuple[str, str]] = {}  # sha256 -> (name, group) of a clip added whole
        self._cuts: dict[str, tuple[str, str]] = {}  # source video path -> (name, group) of a clip cut from it
        self._hash = ContentHashes()
        self._whole_sizes: set[int] = set()

    def add_whole(self, sha256: str, name: str, group: str, size: int | None) -> None:
        self._wholes.setdefault(sha256, (name, group))
        if size is not None:
            self._whole_sizes.add(size)

    def add_cut(self, source: str, name: str, group: str) -> None:
        self._cuts.setdefault(source, (name, group))

    def group_of_whole(self, path: Path, sha256: str) -> tuple[str, str, str] | None:
        """(name, group, relation) of a clip cut from a file with ``path``'s bytes, else None."""
        size = file_size(path)
        for source, (name, group) in self._cuts.items():
            if size is not None and file_size(source) == size and self._hash(source) == sha256:
                return name, group, WHOLE_OF_IT
        return None

    def group_of_cut(self, source: str) -> tuple[str, str, str] | None:
        """(name, group, relation) of a clip added whole with the bytes of ``source``, the video a
        new clip was cut from, else of a clip cut from another file with those bytes (one session
        saved twice under two names, each reviewed), else None (also when ``source`` is gone).
        Clips cut from one path keep the groups they were given (a long recording may hold games)."""
        size = file_size(source)
        if size is None:
            return None
        others = [other for other in self._cuts if other != source and file_size(other) == size]
        if size not in self._whole_sizes and not others:
            return None
        sha = self._hash(source)
        if sha is None:
            return None
        if sha in self._wholes:
            return (*self._wholes[sha], CUT_FROM_IT)
        return next(((*self._cuts[other], CUT_FROM_THE_SAME) for other in others if self._hash(other) == sha), None)


class ContentHashes:
    """Each file's content hash by path, read at most once in a check (and kept in the cache
    folder across checks: `cached_file_sha256`); None for a file that cannot be read."""

    def __init__(self) -> None:
        self._hashes: dict[str, str | None] = {}

    def __call__(self, path: str | os.PathLike) -> str | None:
        key = str(path)
        if key not in self._hashes:
            try:
                self._hashes[key] = cached_file_sha256(key)
            except OSError:
                self._hashes[key] = None  # moved or deleted since the review: nothing to compare
        return self._hashes[key]


def file_size(path: str | os.PathLike) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file: the same path once links are followed, or another name of
    it (a hard link, a folder reached another way); False where either cannot be found."""
    # By the files found, never by the names alone: a clip's recorded source and a video that are
    # one missing path are no evidence that the clip is of any file a caller has in hand.
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
