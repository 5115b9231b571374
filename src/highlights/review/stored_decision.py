"""A decision row read back from the review database, checked as `DecisionStore.decide` checks
one before it writes it. A database edited by hand (or damaged) held times that are text, NULL or
reversed, statuses other than accepted/rejected and labels with line breaks: `review export`
stopped on them with a traceback, or with a line naming its own staging folder."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from highlights.review.errors import ReviewError


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _could_be_a_class(label: object) -> bool:
    """Text without control characters (a line break, a tab): a class name is in any script
    (`vocabulary.class_name_problem`), so not `str.isprintable`, which refuses the zero-width
    non-joiner many Persian words are written with, a no-break space and an emoji's joiner."""
    return isinstance(label, str) and not any(unicodedata.category(c) == "Cc" for c in label)


def check_stored_decision(path: Path, decision, statuses: tuple[str, ...]) -> None:
    """Raise ReviewError naming the database at `path` and the row where `decision` (a standing
    decision, not an undo) is not one `decide` would have written."""
    if decision.status not in statuses:
        cause = f"its status {decision.status!r} is none of {', '.join(statuses)}"
    elif not (_number(decision.start_s) and _number(decision.end_s)):
        cause = (f"its times {decision.start_s!r}-{decision.end_s!r} are not finite numbers "
                 "of seconds")
    elif not decision.end_s > decision.start_s:
        cause = f"its end {decision.end_s} s is not after its start {decision.start_s} s"
    elif decision.key_s is not None and not _number(decision.key_s):
        cause = f"its key moment {decision.key_s!r} is not a finite number of seconds"
    elif decision.label is not None and not _could_be_a_class(decision.label):
        cause = f"its label {decision.label!r} is not a class name"
    else:
        return
    raise ReviewError(f"{path}: decision {decision.id} (item {decision.item} of "
                      f"{decision.game}) is damaged: {cause}")
