"""The fields of a test report that `report show` and `report compare` read, checked when it is
loaded: a report edited by hand or cut short in a copy (a score turned into text, a class left
out of the matrix) is a one-line refusal naming the field, not a traceback from deep in the
Markdown. Checked by hand rather than with a JSON Schema: the rules tie fields to each other (the
matrix is one row and column per label) and reuse the confusion matrix's own checks."""

from __future__ import annotations

import math
from reprlib import repr as short_repr  # a whole object pasted in a field stays one short line

from highlights.report.metrics import check_confusion_counts, check_confusion_labels

_RATES = ("accuracy", "macro_f1")
# Reports written before it was stored lack it; where present it is a rate.
_LATER_RATES = ("balanced_accuracy",)
_CLASS_RATES = ("precision", "recall", "f1")
# Sections a report may lack or hold as null (a report made from a published matrix has no
# confidence figures), but that are objects where present.
_SECTIONS = ("bootstrap", "errors", "confidence", "meta")


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_rate(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0.0 <= value <= 1.0)


def check_report_shape(report: dict) -> None:
    """Raises ValueError naming the first field that is not as `highlights evaluate` writes it."""
    try:
        labels = check_confusion_labels(report.get("labels"))
    except ValueError as e:
        raise ValueError(f"field 'labels': {e}") from None
    if not _is_count(report.get("num_clips")):
        raise ValueError(f"field 'num_clips' must be a whole count, got {short_repr(report.get('num_clips'))}")
    for name in _RATES:
        if not _is_rate(report.get(name)):
            raise ValueError(f"field {name!r} must be a number from 0 to 1, got {short_repr(report.get(name))}")
    for name in _LATER_RATES:
        if report.get(name) is not None and not _is_rate(report[name]):
            raise ValueError(f"field {name!r} must be a number from 0 to 1, got {short_repr(report[name])}")
    per_class = report.get("per_class")
    if not isinstance(per_class, dict):
        raise ValueError(f"field 'per_class' must be an object of the classes' scores, got {short_repr(per_class)}")
    for label, scores in per_class.items():
        if not isinstance(scores, dict):
            raise ValueError(f"field 'per_class.{label}' must be an object, got {short_repr(scores)}")
        for name in _CLASS_RATES:
            if name in scores and not _is_rate(scores[name]):
                raise ValueError(f"field 'per_class.{label}.{name}' must be a number from 0 to 1, "
                                 f"got {short_repr(scores[name])}")
        if "support" in scores and not _is_count(scores["support"]):
            raise ValueError(f"field 'per_class.{label}.support' must be a whole count, got "
                             f"{short_repr(scores['support'])}")
    matrix = report.get("confusion_matrix")
    if not isinstance(matrix, dict):
        raise ValueError(f"field 'confusion_matrix' must be an object with its 'matrix', got {short_repr(matrix)}")
    try:
        check_confusion_counts(matrix.get("matrix"), len(labels))
    except ValueError as e:
        raise ValueError(f"field 'confusion_matrix': {e}") from None
    for name in _SECTIONS:
        if report.get(name) is not None and not isinstance(report[name], dict):
            raise ValueError(f"field {name!r} must be an object, got {short_repr(report[name])}")
