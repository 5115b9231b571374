"""The inputs a command names, checked before it loads its heavy libraries.

`train` and `evaluate` import torch and their model code before they read what they were given.
On a laptop's two busy cores that import is slow enough that a mistyped path waited for it
before being told. These checks give the same line the deeper code gives, first; what a file
holds is still judged where it is read.
"""

from __future__ import annotations

from pathlib import Path

from highlights.errors import MissingFileError


def refuse_missing_inputs(*, files: tuple[Path | None, ...] = (), clip_tree: Path | None = None,
                          root: Path | None = None, version: str | None = None) -> None:
    """One line for the first named input that is not there: a file (a checkpoint, weights),
    the folder-per-class tree, or the dataset version ROOT/VERSION (when both are given)."""
    for path in files:
        if path is not None and not path.exists():
            raise MissingFileError(path)
    if clip_tree is not None and not clip_tree.exists():
        raise MissingFileError(clip_tree, "no such folder")
    if root is not None and version is not None:
        from highlights.datasets.store import refuse_a_missing_version

        refuse_a_missing_version(root, version)
