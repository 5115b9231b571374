"""How far a clip classifier's probabilities can be trusted: calibration and threshold-free ranking.

A user reads a clip's confidence and picks an action threshold; accuracy and F1 say nothing of
either. From the class probabilities of the test clips this adds:

- calibration: the expected calibration error (ECE) of the confidence of the predicted class (the
  most probable class, unless an action threshold overrode it) against whether the prediction was
  right, over equal-width bins, with its bootstrap interval and the bin table
  (`highlights.calibration_error`, the pipeline's highlight scores use the same);
- one-vs-rest average precision of each class's probability (scikit-learn's
  `average_precision_score`) and their mean over the classes with test clips, with a percentile
  bootstrap interval over test clips drawn as macro-F1's is (`resamples.clip_resamples`, the report's
  resample count and seed);
- the action-vs-none ROC AUC: 1 - P(none) as a score of "is an action", with Newcombe's interval
  (`highlights.auc_interval`), when the class list has the none class.

Clips whose probability row is not finite (the model saw nothing to decide on) are left out and
counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import average_precision_score

from highlights.auc_interval import auc_of
from highlights.calibration_error import ece_fields, reliability_bins
from highlights.rate_interval import CONFIDENCE
from highlights.report.resamples import clip_resamples

# Ten bins, as is usual for a classifier's confidence; with few clips most hold a handful, which is
# why the bin table keeps its counts.
CALIBRATION_BINS = 10
ECE_READING = ("ECE is the clip-weighted mean gap between a bin's mean confidence and its share right "
               "(0 is perfectly calibrated); at small n chance alone makes the gaps, so it reads high "
               "even for a well calibrated model: read it with its n and interval.")
# A class's AP needs a clip of it, so a resample without one has none: as each class's F1 interval
# keeps only the resamples that hold the class, and as the estimate leaves out a class without test
# clips, such a resample's mean is over the classes it holds.
MEAN_AP_METHOD = ("percentile bootstrap over test clips; a resample without a clip of a class has no AP of it, "
                  "and its mean is over the classes it holds, as the estimate's is over the classes with test clips")


def confidence_figures(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str], proba: np.ndarray,
                       *, none_label: str = "none", bins: int = CALIBRATION_BINS, n_bootstrap: int = 1000,
                       seed: int = 0) -> dict:
    """The report's `confidence` section from class names and `(N, K)` probabilities in the order
    of `labels`; `n_bootstrap` and `seed` are the report's, for mean AP's interval."""
    labels = list(labels)
    proba = np.asarray(proba, dtype=np.float64)
    finite = np.isfinite(proba).all(axis=1)
    n = int(finite.sum())
    out = {"n": n, "without_probabilities": int(len(finite) - n), "calibration": None,
           "average_precision": None, "action_auc": None}
    if n == 0:
        return out
    index = {label: i for i, label in enumerate(labels)}
    t = np.array([index[y] for y in y_true])[finite]
    p = np.array([index[y] for y in y_pred])[finite]
    probs = proba[finite]
    out["calibration"] = calibration(probs, t, p, bins, n_bootstrap=n_bootstrap, seed=seed)
    out["average_precision"] = average_precisions(probs, t, labels, n_bootstrap=n_bootstrap, seed=seed)
    if none_label in index:
        out["action_auc"] = action_auc(probs, t, index[none_label])
    return out


def calibration(probs: np.ndarray, true_idx: np.ndarray, pred_idx: np.ndarray, bins: int, *,
                n_bootstrap: int = 1000, seed: int = 0) -> dict:
    """ECE of the predicted class's probability against the prediction being right, with its
    interval (`n_bootstrap` resamples of seed `seed`: the report's, as `evaluate --bootstrap` sets
    every interval's) and the reliability table."""
    scores = probs[np.arange(len(pred_idx)), pred_idx]
    right = pred_idx == true_idx
    return {"score": "probability of the predicted class", "n": int(len(scores)), "bins_used": bins,
            # A clip the action threshold gave a class other than its most probable one.
            "predicted_not_top": int((probs.argmax(axis=1) != pred_idx).sum()),
            **ece_fields(scores, right, bins, items="test clips", n_resamples=n_bootstrap, seed=seed),
            "bins": reliability_bins(scores, right, bins)}


def average_precisions(probs: np.ndarray, true_idx: np.ndarray, labels: Sequence[str], *,
                       n_bootstrap: int = 1000, seed: int = 0) -> dict:
    """One-vs-rest AP per class (None for a class without a test clip: it has no precision-recall
    curve) with its positives, and the mean over the classes that have one with its 95% interval
    (`MEAN_AP_METHOD`; None from a single clip, whose every resample is itself)."""
    per_class = {}
    for i, label in enumerate(labels):
        positives = int((true_idx == i).sum())
        ap = float(average_precision_score(true_idx == i, probs[:, i])) if positives else None
        per_class[label] = {"ap": ap, "positives": positives}
    values = [row["ap"] for row in per_class.values() if row["ap"] is not None]
    n = len(true_idx)
    out = {"n": int(n), "per_class": per_class, "mean": float(np.mean(values)) if values else None,
           "classes_in_mean": len(values), "mean_interval": None}
    if values and n >= 2:
        means = mean_ap_of_resamples(probs, true_idx, clip_resamples(n, n_bootstrap, seed))
        tail = 100 * (1 - CONFIDENCE) / 2
        out["mean_interval"] = [float(x) for x in np.percentile(means, [tail, 100 - tail])]
        out["mean_bootstrap"] = {"method": MEAN_AP_METHOD, "confidence": CONFIDENCE,
                                 "n_resamples": int(n_bootstrap), "seed": seed}
    return out


def mean_ap_of_resamples(probs: np.ndarray, true_idx: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Mean one-vs-rest AP of each resample (rows of `samples`, indices into the clips), over the
    classes the resample holds a clip of."""
    b, n = samples.shape
    counts = np.bincount((np.arange(b)[:, None] * n + samples).ravel(), minlength=b * n).reshape(b, n)
    held = [i for i in range(probs.shape[1]) if (true_idx == i).any()]
    aps = np.stack([weighted_average_precision(probs[:, i], true_idx == i, counts) for i in held], axis=1)
    return np.nanmean(aps, axis=1)  # every resample holds a clip of some class


def weighted_average_precision(scores: np.ndarray, positive: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`average_precision_score(positive, scores, sample_weight=w)` for each row `w` of the `(B, n)`
    `weights` at once (NaN for a row that weighs no positive): the sum over distinct scores, highest
    first, of the recall gained there times the precision at that score, tied scores taken together
    as scikit-learn does. A thousand resamples of a class then cost one pass over the clips, not a
    thousand calls to scikit-learn."""
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    w = weights[:, order].astype(np.float64)
    hits = np.add.reduceat(w * positive[order], starts, axis=1)
    true_positives = np.cumsum(hits, axis=1)
    called = np.cumsum(np.add.reduceat(w, starts, axis=1), axis=1)
    precision = np.divide(true_positives, called, out=np.zeros_like(called), where=called > 0)
    total = true_positives[:, -1]
    return np.divide((hits * precision).sum(axis=1), total, out=np.full(len(total), np.nan), where=total > 0)


def action_auc(probs: np.ndarray, true_idx: np.ndarray, none_index: int) -> dict | None:
    """The AUC of 1 - P(none) at telling action clips from none clips, with its 95% interval;
    None without at least one of each. Kept exact, as the report's other figures are: the report
    rounds them once where it prints them."""
    is_action = true_idx != none_index
    auc = auc_of((1.0 - probs[:, none_index]).tolist(), is_action.tolist())
    if auc is None:
        return None
    return {"auc": auc.value, "interval": [auc.low, auc.high],
            "actions": auc.right, "none": auc.wrong, "pairs": auc.pairs, "method": auc.method}
