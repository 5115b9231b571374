"""The inputs a command names, checked before it loads its heavy libraries.

Most commands import torch, the pipeline or the report's libraries before they read what they
were given.
On a laptop's two busy cores that import is slow enough that a mistyped path waited for it
before being told. These checks give the same line the deeper code gives, first; what a file
holds is still judged where it is read.
"""

from __future__ import annotations

from pathlib import Path

from highlights.errors import MissingFileError


def refuse_missing_inputs(*, videos: tuple[Path | None, ...] = (),
                          files: tuple[Path | None, ...] = (), clip_tree: Path | None = None,
                          root: Path | None = None, version: str | None = None) -> None:
    """One line for the first named input that is not there: a video (or one that cannot be
    opened: a folder, a dangling link), a file (a checkpoint, weights, an annotation), the
    folder-per-class tree, or the dataset version ROOT/VERSION (when both are given)."""
    for video in videos:
        if video is not None:
            from highlights.video.errors import VideoError, missing_file_cause

            cause = missing_file_cause(video)
            if cause is not None:
                raise VideoError(video, cause)
    for path in files:
        if path is not None and not path.exists():  # a link loop or a dangling link said so
            from highlights.video.errors import missing_file_cause

            cause = missing_file_cause(path, kind="a file")
            raise MissingFileError(path, *(() if cause in (None, "file not found") else (cause,)))
    if clip_tree is not None and not clip_tree.exists():
        raise MissingFileError(clip_tree, "no such folder")
    if root is not None and version is not None:
        from highlights.datasets.store import refuse_a_missing_version

        refuse_a_missing_version(root, version)
