"""A dataset version's content id: what it holds, told apart from where it lies and what it is named.

Two versions with the same clips (by content), labels and splits have the same id, wherever the
folder was moved or copied; a version edited by hand (a clip relabelled, moved to another split,
replaced) gets another. A checkpoint and a test report record it beside the version's name, so a
model can be traced to the clips it learnt from even after ``v2`` is made again elsewhere.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

CONTENT_ID_CHARS = 16


def dataset_content_id(clips: Iterable[tuple[str, str, str]]) -> str:
    """The first 16 hex digits of the SHA-256 of every clip's ``(sha256, label, split)``, in any order
    (augmented variants included: they are what a model trains on too)."""
    lines = sorted(f"{sha256}\t{label}\t{split}" for sha256, label, split in clips)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:CONTENT_ID_CHARS]


def folder_content_id(clips: Iterable[tuple[str | os.PathLike, str]]) -> str:
    """The same id for a folder-per-class tree scored whole: each clip's file hashed, its label its
    class folder, every clip in the one split a report of a folder scores (`test`)."""
    from highlights.content_hash_cache import content_hashes

    with content_hashes() as sha256_of:  # one read and one write of the cache for all clips
        return dataset_content_id((sha256_of(path), label, "test") for path, label in clips)
