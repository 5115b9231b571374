"""The test report of a clip classifier, built from plain label arrays.

Metrics come from scikit-learn. What scikit-learn does not offer is added here: 95% intervals
(accuracy's is Wilson's score interval of right clips out of test clips, which keeps its coverage
at a few dozen clips and at all right or all wrong; macro-F1 has no such formula, so its interval
is a percentile bootstrap over test clips), and an error analysis that separates "confused with
none" (the action / no-action boundary) from confusions between sports.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from highlights.counted_noun import counted
from highlights.errors import HighlightsError
from highlights.rate_interval import METHOD as WILSON_METHOD, wilson_interval
from highlights.report.resamples import clip_resamples
from highlights.vocabulary import UNKNOWN_SPORT, sport_of

REPORT_FORMAT = "highlights.testreport/1"
REPORT_FILENAME = "video_scorer_testreport.json"
CONFIDENCE = 0.95


class ReportInputError(HighlightsError, ValueError):
    """Labels, predictions or counts a report cannot be built from (an unknown class, arrays of
    different lengths, a confusion matrix of the wrong shape): a caller's mistake, raised as the
    one class a service catches."""


def build_report(
    y_true: Sequence,
    y_pred: Sequence,
    labels: Sequence[str],
    *,
    proba: np.ndarray | None = None,
    clip_ids: Sequence[str] | None = None,
    clip_notes: Sequence[str | None] | None = None,
    meta: Mapping | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    none_label: str = "none",
    sports: Mapping[str, str] | None = None,
) -> dict:
    """The full test report as a JSON-ready dict.

    `y_true`/`y_pred` hold class names (or indices into `labels`). `proba` is `(N, len(labels))`
    in the order of `labels`; with `clip_ids` it lists each misclassified clip with the model's
    confidence (none for a clip whose `proba` row is NaN: the model saw nothing to decide on) and
    its entry of `clip_notes` (where the clip came from, why it has no confidence). `meta` (model,
    checkpoint, dataset version, clip spec, backend, config) is stored as given, so it must be made
    of plain JSON types. `sports` maps a class to its sport for the error analysis (default:
    `sport_of`).
    """
    labels = [str(x) for x in labels]
    y_true = _as_names(y_true, labels, "y_true")
    y_pred = _as_names(y_pred, labels, "y_pred")
    if len(y_true) != len(y_pred):
        raise ReportInputError(f"y_true has {_entries(y_true)} but y_pred has {len(y_pred)}")
    if len(y_true) == 0:
        raise ReportInputError("cannot build a report from zero clips")
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (len(y_true), len(labels)):
            raise ReportInputError(f"proba has shape {proba.shape}, expected {(len(y_true), len(labels))}")
    if clip_ids is not None and len(clip_ids) != len(y_true):
        raise ReportInputError(f"clip_ids has {_entries(clip_ids)} but {_clips_there(y_true)}")
    if clip_notes is not None and len(clip_notes) != len(y_true):
        raise ReportInputError(f"clip_notes has {_entries(clip_notes)} but {_clips_there(y_true)}")

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    report_clips = ({"clip_ids_sha256": clip_ids_fingerprint(clip_ids),
                     "predictions": clip_predictions(clip_ids, y_true, y_pred, labels, proba)}
                    if clip_ids is not None else {})
    if proba is not None:
        from highlights.report.confidence import confidence_figures

        confidence = confidence_figures(y_true, y_pred, labels, proba, none_label=none_label,
                                        n_bootstrap=n_bootstrap, seed=seed)
    else:
        confidence = None
    return _assemble(
        labels, none_label, len(y_true), precision, recall, f1, support,
        accuracy=float(accuracy_score(y_true, y_pred)),
        matrix=confusion_matrix(y_true, y_pred, labels=labels),
        bootstrap=bootstrap_intervals(y_true, y_pred, labels, n_bootstrap=n_bootstrap, seed=seed),
        errors=error_analysis(
            y_true, y_pred, labels, proba=proba, clip_ids=clip_ids, clip_notes=clip_notes,
            none_label=none_label, sports=sports
        ),
        meta=meta,
        confidence=confidence,
    ) | report_clips


def _entries(values: Sequence) -> str:
    return counted(len(values), "entry", "entries")


def _clips_there(y_true: Sequence) -> str:
    return f"there {'is' if len(y_true) == 1 else 'are'} {counted(len(y_true), 'clip')}"


def _assemble(labels, none_label, num_clips, precision, recall, f1, support, *, accuracy, matrix,
              bootstrap, errors, meta, confidence=None) -> dict:
    bootstrap = dict(bootstrap)
    class_f1_intervals = bootstrap.pop("class_f1")
    return {
        "format": REPORT_FORMAT,
        "labels": labels,
        "none_label": none_label,
        "num_clips": int(num_clips),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(round(support[i])),
                **_class_counts(np.asarray(matrix), i),
                "f1_interval": class_f1_intervals[i],
            }
            for i, label in enumerate(labels)
        },
        "accuracy": float(accuracy),
        "macro_f1": float(np.mean(f1)),
        "balanced_accuracy": balanced_accuracy(recall, support),
        "confusion_matrix": {
            "rows": "true",
            "columns": "predicted",
            "labels": labels,
            "matrix": np.asarray(matrix).astype(np.int64).tolist(),
        },
        "bootstrap": bootstrap,
        "errors": errors,
        # None: no class probabilities (a published confusion matrix, or a model without them).
        "confidence": confidence,
        "meta": dict(meta or {}),
    }


def clip_predictions(clip_ids: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str],
                     labels: Sequence[str], proba: np.ndarray | None) -> list[dict]:
    """Each scored clip's true and predicted class and its class probabilities (None where the
    model gave none, or its row is not finite): the raw data every figure of the report is made
    of, so that a reader can compute them again with other tools."""
    rows = []
    for i, clip_id in enumerate(clip_ids):
        probs = None
        if proba is not None and np.isfinite(proba[i]).all():
            probs = {label: float(p) for label, p in zip(labels, proba[i])}
        rows.append({"clip_id": str(clip_id), "true": y_true[i], "predicted": y_pred[i], "probabilities": probs})
    return rows


def clip_ids_fingerprint(clip_ids: Sequence[str]) -> str:
    """The sha256 of the scored clips' ids, in any order: two reports of a dataset's clips (whose
    ids are content hashes) with the same fingerprint scored the same clips, whichever version
    each was read from (a grown version keeps its parent's test clips)."""
    joined = "\n".join(sorted(str(i) for i in clip_ids))
    return hashlib.sha256(joined.encode()).hexdigest()


def balanced_accuracy(recall, support) -> float:
    """The mean recall over the classes with test clips (MMAction2's mean_class_accuracy): each
    class counts the same however many clips it has, where accuracy is dominated by the largest."""
    held = np.asarray(support) > 0
    return float(np.mean(np.asarray(recall, dtype=np.float64)[held]))


def _class_counts(matrix: np.ndarray, i: int) -> dict:
    """A class's counts and the 95% intervals (Wilson's) of its precision and recall; None where the
    rate has nothing to divide by: a class never predicted has no precision (scikit-learn's 0
    stands in for it in F1), one without test clips no recall."""
    right, predicted, support = int(matrix[i, i]), int(matrix[:, i].sum()), int(matrix[i].sum())
    interval = lambda k, n: None if n == 0 else list(wilson_interval(k, n, CONFIDENCE))  # noqa: E731
    return {"right": right, "predicted": predicted,
            "precision_interval": interval(right, predicted), "recall_interval": interval(right, support)}


def report_from_confusion(labels: Sequence[str], matrix: Sequence[Sequence[int]], *,
                          n_bootstrap: int = 1000, seed: int = 0, none_label: str = "none",
                          sports: Mapping[str, str] | None = None, meta: Mapping | None = None) -> dict:
    """The full report from a published confusion matrix (rows true, columns predicted).

    Everything is computed from the counts: each (true, predicted) cell is one weighted
    sample, and bootstrap resamples are drawn as multinomial counts over the cells (the same
    distribution as resampling clips with replacement). Memory and time depend on the number
    of classes, not on the number of clips the matrix totals.
    """
    labels = check_confusion_labels(labels)
    counts = check_confusion_counts(matrix, len(labels))
    total = int(counts.sum())
    rows, cols = np.nonzero(counts)
    weights = counts[rows, cols]
    y_true = [labels[i] for i in rows]
    y_pred = [labels[j] for j in cols]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, sample_weight=weights, zero_division=0
    )
    return _assemble(
        labels, none_label, total, precision, recall, f1, support,
        accuracy=np.trace(counts) / total,
        matrix=counts,
        bootstrap=_bootstrap_from_counts(counts, n_bootstrap=n_bootstrap, seed=seed),
        errors=error_analysis(y_true, y_pred, labels, none_label=none_label, sports=sports,
                              weights=[int(w) for w in weights]),
        meta={"source": "published confusion matrix", **dict(meta or {})},
    )


def check_confusion_labels(labels) -> list[str]:
    """The class names of a published matrix: non-empty, distinct strings."""
    if not isinstance(labels, (list, tuple)) or not labels:
        raise ReportInputError("labels must be a non-empty list of class names")
    bad = [x for x in labels if not isinstance(x, str) or not x.strip()]
    if bad:
        raise ReportInputError(f"labels must be non-empty strings, got {bad[0]!r}")
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ReportInputError(f"label(s) listed twice: {', '.join(repeated)} (each class must appear once)")
    return list(labels)


def check_confusion_counts(matrix, k: int) -> np.ndarray:
    """A KxK array of non-negative whole counts with at least one clip, or a ValueError saying why."""
    if not isinstance(matrix, (list, tuple)) or not all(isinstance(r, (list, tuple)) for r in matrix):
        raise ReportInputError("matrix must be a list of rows, each a list of counts")
    if len(matrix) != k:
        raise ReportInputError(f"confusion matrix has {counted(len(matrix), 'row')}, expected {k} "
                               "(one row and column per label)")
    short = next((i for i, r in enumerate(matrix) if len(r) != k), None)
    if short is not None:
        raise ReportInputError(f"confusion matrix row {short + 1} has {_entries(matrix[short])}, expected {k} "
                         "(one row and column per label)")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            whole = isinstance(v, int) or (isinstance(v, float) and math.isfinite(v) and v == int(v))
            if isinstance(v, bool) or not whole or v < 0:
                raise ReportInputError(f"confusion matrix entries must be non-negative whole counts; "
                                 f"row {i + 1} column {j + 1} is {v!r}")
    counts = np.array([[int(v) for v in row] for row in matrix], dtype=np.int64)
    if counts.sum() <= 0:
        raise ReportInputError("confusion matrix counts no clips (every entry is 0)")
    return counts


def _bootstrap_from_counts(counts: np.ndarray, *, n_bootstrap: int, seed: int) -> dict:
    n = int(counts.sum())
    k = counts.shape[0]
    rng = np.random.default_rng(seed)
    confusions = rng.multinomial(n, (counts / n).ravel(), size=n_bootstrap).reshape(n_bootstrap, k, k)
    return _intervals(int(np.trace(counts)), confusions, n, n_bootstrap, seed)


def bootstrap_intervals(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str], *, n_bootstrap: int = 1000, seed: int = 0
) -> dict:
    """95% intervals: accuracy's from Wilson's formula, macro-F1's and each class's F1 a percentile
    bootstrap of the test clips (`class_f1`: one interval per label, in order)."""
    n = len(y_true)
    index = {label: i for i, label in enumerate(labels)}
    t = np.array([index[y] for y in y_true])
    p = np.array([index[y] for y in y_pred])
    samples = clip_resamples(n, n_bootstrap, seed)
    confusions = confusions_of(t[samples], p[samples], len(labels))
    return _intervals(int((t == p).sum()), confusions, n, n_bootstrap, seed)


# Below this many test clips a class holds a handful of clips, and resampling them cannot show
# the clips a test set of that size happened not to hold: the bootstrap intervals of macro-F1 and,
# more so, of each class's F1 come out narrower than 95% (bench/bench_interval_coverage.py
# measures it on simulated test sets; docs/scoring.md, "The test report's intervals").
FEW_CLIPS_FOR_BOOTSTRAP = 40


CLASS_F1_METHOD = ("percentile bootstrap over test clips, over the resamples that hold a clip of the class "
                   "(a resample without one has no F1 of it to speak of)")


def _intervals(right: int, confusions: np.ndarray, n: int, n_bootstrap: int, seed: int) -> dict:
    lo, hi = 100 * (1 - CONFIDENCE) / 2, 100 * (1 + CONFIDENCE) / 2
    macro_f1s = macro_f1_of(confusions)
    balanced = balanced_accuracy_of(confusions)
    class_f1s = class_f1_of(confusions)
    held = confusions.sum(axis=2) > 0
    class_f1 = [None if not held[:, i].any() else _spread(class_f1s[held[:, i], i], lo, hi)
                for i in range(confusions.shape[1])]
    balanced_interval = _spread(balanced, lo, hi)
    point_f1 = any(interval is None and held[:, i].any() for i, interval in enumerate(class_f1))
    return {
        "method": "accuracy: Wilson score interval; macro-F1: percentile bootstrap over test clips",
        "methods": {"accuracy": WILSON_METHOD, "macro_f1": "percentile bootstrap over test clips",
                    "balanced_accuracy": "percentile bootstrap over test clips", "class_f1": CLASS_F1_METHOD},
        "confidence": CONFIDENCE,
        "n_resamples": int(n_bootstrap),
        "n_clips": n,
        "right": right,
        "seed": seed,
        "accuracy": list(wilson_interval(right, n, CONFIDENCE)),
        "macro_f1": [float(np.percentile(macro_f1s, lo)), float(np.percentile(macro_f1s, hi))],
        "balanced_accuracy": balanced_interval,
        "class_f1": class_f1,
        "note": _interval_note(n),
        **({"no_interval": NO_INTERVAL} if balanced_interval is None or point_f1 else {}),
    }


# Why a figure has no bootstrap interval: a point interval such as [0.750, 0.750] read as a figure
# known exactly, where each class's clips being all right or all wrong (recall 9/9, 0/22) makes every
# resample give the same value at any number of clips.
NO_INTERVAL = ("no interval where every resample of the test clips gives the same figure (its classes' clips "
               "all right or all wrong): a percentile bootstrap cannot show what so few clips leave uncertain, "
               "and a point would read as a figure known exactly; each class's Wilson intervals of precision "
               "and recall can")


def _spread(values: np.ndarray, lo: float, hi: float) -> list[float] | None:
    """The percentile interval of bootstrap values, or None where it is a single point
    (`NO_INTERVAL`)."""
    low, high = (float(x) for x in np.percentile(values, [lo, hi]))
    return None if low == high else [low, high]


def _interval_note(n: int) -> str:
    caution = "a difference between two models smaller than the interval is not evidence of a real change."
    clips = f"{n} test clip{'s' if n != 1 else ''}"
    if n < FEW_CLIPS_FOR_BOOTSTRAP:
        return (f"With only {clips} these intervals are wide, and the bootstrap ones (macro-F1's and, more so, "
                f"each class's F1's) are still narrower than 95% at this size (resampling {clips} cannot show "
                f"the clips they lack): {caution}")
    if n < 1000:
        return f"With only {clips} these intervals are wide: {caution}"
    return f"Intervals from {clips}: {caution}"


def confusions_of(true_idx: np.ndarray, pred_idx: np.ndarray, num_classes: int) -> np.ndarray:
    """`(B, K, K)` confusion matrices (rows true) for `B` resamples given as `(B, n)` index arrays.

    Done with one bincount instead of calling scikit-learn per resample: a thousand resamples
    then cost milliseconds rather than seconds. `macro_f1_of` over these agrees with
    `sklearn.metrics.f1_score(average="macro", zero_division=0)` (tested).
    """
    b = true_idx.shape[0]
    codes = np.arange(b)[:, None] * num_classes * num_classes + true_idx * num_classes + pred_idx
    counts = np.bincount(codes.ravel(), minlength=b * num_classes * num_classes)
    return counts.reshape(b, num_classes, num_classes)


def class_f1_of(confusions: np.ndarray) -> np.ndarray:
    """`(B, K)` F1 of each class in each `(K, K)` confusion matrix of a `(B, K, K)` stack, zero
    where undefined (scikit-learn's zero_division=0)."""
    tp = np.diagonal(confusions, axis1=1, axis2=2).astype(np.float64)
    predicted = confusions.sum(axis=1)
    actual = confusions.sum(axis=2)
    denom = predicted + actual
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def macro_f1_of(confusions: np.ndarray) -> np.ndarray:
    """Macro-F1 of each `(K, K)` confusion matrix in a `(B, K, K)` stack, zero where undefined."""
    return class_f1_of(confusions).mean(axis=1)


def balanced_accuracy_of(confusions: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each `(K, K)` confusion matrix in a `(B, K, K)` stack: the mean recall
    over the classes that matrix holds clips of."""
    tp = np.diagonal(confusions, axis1=1, axis2=2).astype(np.float64)
    actual = confusions.sum(axis=2)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    return recall.sum(axis=1) / np.maximum((actual > 0).sum(axis=1), 1)


def error_analysis(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    *,
    proba: np.ndarray | None = None,
    clip_ids: Sequence[str] | None = None,
    clip_notes: Sequence[str | None] | None = None,
    none_label: str = "none",
    sports: Mapping[str, str] | None = None,
    weights: Sequence[int] | None = None,
) -> dict:
    """Where the errors live: on the action / no-action boundary, or between sports.

    ``weights`` counts each (true, predicted) pair that many times (a confusion matrix's cells).
    """
    sport = (lambda label: sports.get(label, sport_of(label))) if sports else sport_of
    kinds = {"action_called_none": 0, "none_called_action": 0, "cross_sport": 0, "same_sport": 0,
             "no_sport": 0}
    pairs: dict[tuple[str, str], int] = {}
    for k, (t, p) in enumerate(zip(y_true, y_pred)):
        if t == p:
            continue
        w = 1 if weights is None else int(weights[k])
        pairs[(t, p)] = pairs.get((t, p), 0) + w
        if p == none_label:
            kinds["action_called_none"] += w
        elif t == none_label:
            kinds["none_called_action"] += w
        elif UNKNOWN_SPORT in (sport(t), sport(p)):
            # A class whose name gives no sport (a club's `swing`, `rest`): neither across nor
            # within sports, where each such name was counted as a sport of its own.
            kinds["no_sport"] += w
        elif sport(t) != sport(p):
            kinds["cross_sport"] += w
        else:
            kinds["same_sport"] += w
    total = sum(pairs.values())
    top = sorted(pairs.items(), key=lambda item: (-item[1], labels.index(item[0][0]), labels.index(item[0][1])))

    misclassified = None
    if clip_ids is not None:
        misclassified = []
        for i, (t, p) in enumerate(zip(y_true, y_pred)):
            if t == p:
                continue
            row = {"clip_id": str(clip_ids[i]), "true": t, "predicted": p, "confidence": None}
            if proba is not None and np.isfinite(proba[i, labels.index(p)]):
                row["confidence"] = float(proba[i, labels.index(p)])
            if clip_notes is not None and clip_notes[i]:
                row["note"] = str(clip_notes[i])
            misclassified.append(row)
        # Confident mistakes first: they are the ones worth looking at.
        misclassified.sort(key=lambda r: -(r["confidence"] if r["confidence"] is not None else -1.0))

    return {
        "total": total,
        "confused_with_none": kinds["action_called_none"] + kinds["none_called_action"],
        "action_called_none": kinds["action_called_none"],
        "none_called_action": kinds["none_called_action"],
        "cross_sport": kinds["cross_sport"],
        "same_sport": kinds["same_sport"],
        "no_sport": kinds["no_sport"],
        "top_confusions": [{"true": t, "predicted": p, "count": c} for (t, p), c in top],
        "misclassified": misclassified,
    }


def _as_names(values: Sequence, labels: list[str], what: str) -> list[str]:
    """Class names from names or integer indices; an unknown class is a clear error."""
    names = []
    known = set(labels)
    for v in values:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not 0 <= int(v) < len(labels):
                raise ReportInputError(f"{what}: class index {v} is outside 0..{len(labels) - 1}")
            names.append(labels[int(v)])
        else:
            name = str(v)
            if name not in known:
                raise ReportInputError(f"{what}: unknown class {name!r} (classes: {', '.join(labels)})")
            names.append(name)
    return names
