"""A clip added whole and the clips a review cut from the same file are one source video.

A coach's labelled clips and the sessions they reviewed overlap: the same file is added once whole
(grouped by its name) and once as the moments `review export` cut from it (grouped by the
detect run's video). Their pictures differ (a 2 s cut is no copy of a 10 s clip) and so do their
groups, so only the bytes tell that they are one video: the whole clip's content hash against the
hash of the file each cut clip's provenance names. Files are read only when their sizes match or a
cut names them, each at most once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from highlights.file_hash import file_sha256


@dataclass(frozen=True)
class SameVideo:
    """A clip put in another clip's group because one was cut from the other's file."""

    path: str
    of: str  # the clip it joins
    group: str
    cut: bool  # True: ``path`` was cut from the video ``of`` holds whole; False: the reverse

    def to_dict(self) -> dict:
        return {"path": self.path, "of": self.of, "group": self.group,
                "relation": "cut from it" if self.cut else "the video it was cut from"}


class WholeAndCutVideos:
    """The clips seen so far (the parent's, then each new one accepted), as whole videos by content
    hash and as cuts by the source file they name, to find the group a new clip belongs in."""

    def __init__(self) -> None:
        self._wholes: dict[str, tuple[str, str]] = {}  # sha256 -> (name, group) of a clip added whole
        self._cuts: dict[str, tuple[str, str]] = {}  # source video path -> (name, group) of a clip cut from it
        self._hashes: dict[str, str | None] = {}

    def add_whole(self, sha256: str, name: str, group: str) -> None:
        self._wholes.setdefault(sha256, (name, group))

    def add_cut(self, source: str, name: str, group: str) -> None:
        self._cuts.setdefault(source, (name, group))

    def group_of_whole(self, path: Path, sha256: str) -> tuple[str, str] | None:
        """(name, group) of a clip cut from a file with ``path``'s bytes, else None."""
        size = _size(path)
        for source, found in self._cuts.items():
            if size is not None and _size(source) == size and self._hash(source) == sha256:
                return found
        return None

    def group_of_cut(self, source: str) -> tuple[str, str] | None:
        """(name, group) of a clip added whole with the bytes of ``source``, the video a new clip
        was cut from, else None (also when that video is no longer there to read)."""
        if not self._wholes:
            return None
        sha = self._hash(source)
        return self._wholes.get(sha) if sha is not None else None

    def _hash(self, path: str) -> str | None:
        if path not in self._hashes:
            try:
                self._hashes[path] = file_sha256(path)
            except OSError:
                self._hashes[path] = None  # moved or deleted since the review: nothing to compare
        return self._hashes[path]


def _size(path: str | os.PathLike) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None
