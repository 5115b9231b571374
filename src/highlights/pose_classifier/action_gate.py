"""The action-vs-`none` gate: when a window holds an action, and how its threshold is chosen.

Rule: a window holds an action when its action probability, 1 - P(none), is at least the
threshold; it is then labelled with its most probable action class, and its score is that action
probability. The plain argmax rule (an action class must beat `none` and every other class)
fails on real footage: a pose model trained on synthetic motion spreads real actions' mass over
`none` and the sports, so a real shot with P(none) 0.45 and its sport at 0.35 was lost. The sport
ranking transfers better than the action/`none` split does (`shared` pose-sim-to-real notes), so
the split gets its own scalar.

The threshold is the one scalar of the packaged model chosen on real clips. A clip is decided as
the pipeline would decide it: `none` when no window of the clip reaches the threshold, else the
action class of its most action-like window (`pipeline.clip_windows` gives a clip's windows as
the pipeline scores them). The threshold is chosen on `THRESHOLDS` by macro-F1 over the clips
with the one-standard-error rule (`choose_threshold`); its figure is leave-one-out
cross-validated (each clip decided by the threshold chosen on the other clips, the whole rule
rerun), never the in-sample score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLDS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95


def decide(proba: np.ndarray, none_index: int, threshold: float) -> tuple[int, float]:
    """(class index, score) of one window's probabilities under the gate; the score is the
    action probability when an action is decided, P(none) when `none` is."""
    proba = np.asarray(proba, np.float64)
    action = 1.0 - float(proba[none_index])
    if action < threshold:
        return none_index, float(proba[none_index])
    best = max((i for i in range(len(proba)) if i != none_index), key=lambda i: proba[i])
    return int(best), action


def clip_decision(window_proba: np.ndarray, none_index: int, threshold: float) -> int:
    """A clip's class from all its windows' (W, classes): `none` without a window at the
    threshold, else the action class of the most action-like window."""
    window_proba = np.asarray(window_proba, np.float64)
    if window_proba.size == 0:
        return none_index
    best = window_proba[int(np.argmax(1.0 - window_proba[:, none_index]))]
    return decide(best, none_index, threshold)[0]


def clip_decisions(clip_windows: Sequence[np.ndarray], none_index: int, threshold: float) -> np.ndarray:
    return np.array([clip_decision(w, none_index, threshold) for w in clip_windows], int)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray | float:
    """Macro-F1 (a class absent from both truth and prediction scores 0, as scikit-learn's
    `zero_division=0`), over the last axis: `y_pred` may be (..., n) for many decisions at once.
    Written out because the choice below scores thousands of resamples."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    f1 = []
    for c in range(num_classes):
        tp = ((y_true == c) & (y_pred == c)).sum(-1)
        fp = ((y_true != c) & (y_pred == c)).sum(-1)
        fn = ((y_true == c) & (y_pred != c)).sum(-1)
        denom = 2 * tp + fp + fn
        f1.append(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0))
    out = np.mean(f1, axis=0)
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    scores: dict[float, float]    # macro-F1 over the clips at each threshold
    best: float                   # the threshold with the best macro-F1
    standard_error: float         # bootstrap standard error of the best macro-F1


def choose_threshold(clip_windows: Sequence[np.ndarray], y: np.ndarray, none_index: int, num_classes: int,
                     thresholds: Sequence[float] = THRESHOLDS, *, n_bootstrap: int = 500,
                     seed: int = 0) -> ThresholdChoice:
    """The lowest threshold whose macro-F1 over the clips is within one bootstrap standard error
    of the best (the one-standard-error rule). A few dozen clips cannot tell thresholds within
    one standard error apart, and the pipeline's later stages (merge, ranking, the reel caps) can
    still drop a false alarm while an action the gate drops is lost for good: among thresholds
    the clips cannot separate, the one that drops the fewest windows. Deterministic for a seed."""
    if len(clip_windows) == 0:
        raise ValueError("choosing a threshold needs at least one clip")
    y = np.asarray(y, int)
    grid = np.asarray(sorted(float(t) for t in thresholds))
    decisions = np.stack([clip_decisions(clip_windows, none_index, t) for t in grid])     # (T, n)
    scores = np.asarray(macro_f1(y[None], decisions, num_classes)).reshape(len(grid))
    best = int(np.argmax(scores))
    rng = np.random.default_rng(seed)
    resamples = rng.integers(0, len(y), (n_bootstrap, len(y)))
    boot = np.asarray(macro_f1(y[resamples], decisions[best][resamples], num_classes))
    se = float(boot.std())
    within = np.flatnonzero(scores >= scores[best] - se - 1e-12)
    return ThresholdChoice(threshold=float(grid[within.min()]),
                           scores={float(t): round(float(v), 4) for t, v in zip(grid, scores)},
                           best=float(grid[best]), standard_error=round(se, 4))


def leave_one_out(clip_windows: Sequence[np.ndarray], y: np.ndarray, none_index: int, num_classes: int,
                  thresholds: Sequence[float] = THRESHOLDS, *, n_bootstrap: int = 500,
                  seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """Each clip decided with the threshold `choose_threshold` picks on the other clips: the
    cross-validated predictions and the threshold each clip got."""
    y = np.asarray(y, int)
    pred, chosen = np.zeros(len(y), int), []
    for i in range(len(y)):
        rest = [w for j, w in enumerate(clip_windows) if j != i]
        choice = choose_threshold(rest, np.delete(y, i), none_index, num_classes, thresholds,
                                  n_bootstrap=n_bootstrap, seed=seed)
        chosen.append(choice.threshold)
        pred[i] = clip_decision(clip_windows[i], none_index, choice.threshold)
    return pred, chosen
