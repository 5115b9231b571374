"""How a review is exported into a dataset version: the options of `export_review`, carried as one
value to the steps that cut the clips, make the version and finish an export that was stopped, so
that none is dropped on the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from highlights.vocabulary import NONE_LABEL


@dataclass(frozen=True)
class ExportSettings:
    """``parent`` is the version grown (None: the first version of the root); ``licence`` is every
    exported clip's (None: the one the parent states for its game's video, else unknown);
    ``annotations_dir`` is where each game's annotation of the decisions is written (None: beside
    its highlights); ``note`` is the version's note; ``progress`` is told (clips cut, clips) as
    each clip is cut; ``rejected_as`` is the class rejected items are filed under;
    ``show_progress`` draws a bar while the clips are cut and stored; ``replace_parent_labels``
    lets a new clip replace a parent clip of the same moment of its video under another label."""

    parent: str | None = None
    licence: str | None = None
    annotations_dir: str | Path | None = None
    note: str | None = None
    progress: Callable[[int, int], None] | None = None
    rejected_as: str = NONE_LABEL
    show_progress: bool = False
    replace_parent_labels: bool = False
