"""How far a clip classifier's probabilities can be trusted: calibration and threshold-free ranking.

A user reads a clip's confidence and picks an action threshold; accuracy and F1 say nothing of
either. From the class probabilities of the test clips this adds:

- calibration: the expected calibration error (ECE) of the confidence of the predicted class (the
  most probable class, unless an action threshold overrode it) against whether the prediction was
  right, over equal-width bins, with its bootstrap interval and the bin table
  (`highlights.calibration_error`, the pipeline's highlight scores use the same);
- one-vs-rest average precision of each class's probability (scikit-learn's
  `average_precision_score`) and their mean over the classes with test clips;
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

# Ten bins, as is usual for a classifier's confidence; with few clips most hold a handful, which is
# why the bin table keeps its counts.
CALIBRATION_BINS = 10
ECE_READING = ("ECE is the clip-weighted mean gap between a bin's mean confidence and its share right "
               "(0 is perfectly calibrated); at small n chance alone makes the gaps, so it reads high "
               "even for a well calibrated model: read it with its n and interval.")


def confidence_figures(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str], proba: np.ndarray,
                       *, none_label: str = "none", bins: int = CALIBRATION_BINS) -> dict:
    """The report's `confidence` section from class names and `(N, K)` probabilities in the order
    of `labels`."""
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
    out["calibration"] = calibration(probs, t, p, bins)
    out["average_precision"] = average_precisions(probs, t, labels)
    if none_label in index:
        out["action_auc"] = action_auc(probs, t, index[none_label])
    return out


def calibration(probs: np.ndarray, true_idx: np.ndarray, pred_idx: np.ndarray, bins: int) -> dict:
    """ECE of the predicted class's probability against the prediction being right, with its
    interval and the reliability table."""
    scores = probs[np.arange(len(pred_idx)), pred_idx]
    right = pred_idx == true_idx
    return {"score": "probability of the predicted class", "n": int(len(scores)), "bins_used": bins,
            # A clip the action threshold gave a class other than its most probable one.
            "predicted_not_top": int((probs.argmax(axis=1) != pred_idx).sum()),
            **ece_fields(scores, right, bins, items="test clips"), "bins": reliability_bins(scores, right, bins)}


def average_precisions(probs: np.ndarray, true_idx: np.ndarray, labels: Sequence[str]) -> dict:
    """One-vs-rest AP per class (None for a class without a test clip: it has no precision-recall
    curve) with its positives, and the mean over the classes that have one."""
    per_class = {}
    for i, label in enumerate(labels):
        positives = int((true_idx == i).sum())
        ap = float(average_precision_score(true_idx == i, probs[:, i])) if positives else None
        per_class[label] = {"ap": ap, "positives": positives}
    values = [row["ap"] for row in per_class.values() if row["ap"] is not None]
    return {"n": int(len(true_idx)), "per_class": per_class, "mean": float(np.mean(values)) if values else None,
            "classes_in_mean": len(values)}


def action_auc(probs: np.ndarray, true_idx: np.ndarray, none_index: int) -> dict | None:
    """The AUC of 1 - P(none) at telling action clips from none clips, with its 95% interval;
    None without at least one of each."""
    is_action = true_idx != none_index
    auc = auc_of((1.0 - probs[:, none_index]).tolist(), is_action.tolist())
    if auc is None:
        return None
    return {"auc": round(auc.value, 4), "interval": [round(auc.low, 4), round(auc.high, 4)],
            "actions": auc.right, "none": auc.wrong, "pairs": auc.pairs, "method": auc.method}
