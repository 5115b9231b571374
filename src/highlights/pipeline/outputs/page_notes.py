"""What the review page says beside the highlights and their media: the options of `write_all`
that only the page uses, carried as one value to where it is written, so that none is dropped on
the way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PageNotes:
    """``config_dict`` is the run's settings, shown on the page; ``highlights_json`` (the
    pipeline's own result file) and ``results_spotting`` (SoccerNet's) are linked from it, first
    among the outputs; ``up_link`` is (text, href) of the page one level up, such as a batch's
    index; ``reel_budget`` says what the reel's length was set by (`ReelChoice.budget_words`);
    ``damage`` is the line on what a damaged video kept the run from analysing."""

    config_dict: Mapping[str, Any] | None = None
    highlights_json: str | Path | None = None
    results_spotting: str | Path | None = None
    up_link: tuple[str, str] | None = None
    reel_budget: str | None = None
    damage: str | None = None
