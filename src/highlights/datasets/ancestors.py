"""The version a grown version came from that a model without its newer classes can be scored on.

`dataset grow` and `review export` keep the parent's splits, so a parent's test clips are among
the grown version's. A version that added a class (a club's `tennis_serve/` grown in) cannot score
the model trained before it, which lacks the class; the newest ancestor without that class can
score both, on the same clips, which is what `report compare` needs to compare them."""

from __future__ import annotations

from pathlib import Path

from highlights.datasets.errors import DatasetError
from highlights.datasets.store import load_version


def ancestor_without(root: str | Path, parent: str | None, classes: set[str]) -> str | None:
    """The newest of ``parent`` and its ancestors in ``root`` whose class list holds none of
    ``classes`` (None when none does, or one of them can no longer be read)."""
    seen: set[str] = set()
    while parent and parent not in seen:  # a parent named twice would be a damaged meta: stop, not loop
        seen.add(parent)
        try:
            version = load_version(root, parent)
        except (DatasetError, OSError):
            return None
        if not classes & set(version.classes):
            return version.name
        parent = version.parent
    return None
