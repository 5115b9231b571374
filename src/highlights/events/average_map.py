"""SoccerNet's action-spotting metric, average-mAP, as pure functions over plain arrays.

SoccerNet scores spotting (one time per event, no start or end) with the mean over classes of an
average precision, averaged over a range of tolerances δ: **tight** δ = 1, 2, 3, 4, 5 s and
**loose** δ = 5, 10, ..., 60 s. Its reference implementation (`SoccerNet.Evaluation.ActionSpotting`
in the `SoccerNet` package) works on dense per-frame arrays read from files; this module computes
the same numbers from lists of times, labels and confidences, so that the pipeline can score itself
without that package (whose declared dependencies include cloud and video tools the metric never
uses). A test checks equality with the reference on several fixtures.

Its conventions, kept exactly (they are what makes a figure comparable with published ones):

- **2 frames per second.** Every time is first rounded to the millisecond (as the JSON files store
  it), then turned into a frame `int(2 * ms / 1000)`: 0.0-0.499 s is frame 0, 0.5-0.999 s frame 1.
  Frames past 2 hours (SoccerNet's longest half) are put on the last frame.
- **One spot per frame and class.** Two events of one class on one frame count once; of two
  predictions of one class on one frame the later one in the input wins (not the higher).
  Predictions with a confidence below 0 are dropped.
- **δ is a window width**: a prediction can match an event within ±δ/2 (±0.5 s at tight δ = 1 s),
  measured in frames.
- **Greedy matching by confidence**: events are taken in time order; each takes, among the
  not-yet-taken predictions of its class within ±δ/2, the one with the highest confidence (the
  earliest on a tie). This is not the largest possible matching: an early event can take the
  prediction a later event needed and leave that one unmatched. The project's recall and
  precision (`pipeline.evaluation.match_key_moments`) use an exact maximum one-to-one matching
  instead, so the two can disagree on the same predictions.
- **Precision-recall at 200 thresholds** (0 to 1 inclusive, evenly spaced) over confidences,
  **11-point interpolated AP** (recall levels `numpy.arange(11) / 10`), the mean over classes,
  and the **average over δ by the trapezoid rule**. A class without a single event has AP 0 in
  SoccerNet's mean over its fixed class list; `average_map` averages over the classes it is given,
  and `spotting_classes` gives it the annotated ones.
- Halves (or games) are separate timelines: pass `true_groups` / `pred_groups`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FRAMERATE = 2
TIGHT_DELTAS_S: tuple[int, ...] = (1, 2, 3, 4, 5)
LOOSE_DELTAS_S: tuple[int, ...] = tuple(range(5, 65, 5))
# SoccerNet's arrays hold 120 minutes per half; later times land on the last frame.
MAX_MINUTES_PER_HALF = 120
# SoccerNet's 200 confidence thresholds and 11 recall levels, built the way it builds them.
THRESHOLDS = np.linspace(0, 1, 200)
RECALL_LEVELS = np.arange(11) / 10


@dataclass(frozen=True)
class SpottingScore:
    """Average-mAP over `deltas_s` and what it is made of."""

    average_map: float
    per_class: dict[str, float]              # each class's AP averaged over the deltas
    deltas_s: tuple[float, ...]
    map_by_delta: tuple[float, ...]          # mean AP over classes at each delta
    events: dict[str, int] = field(default_factory=dict)       # spots per class (after one-per-frame)
    predictions: dict[str, int] = field(default_factory=dict)  # spots per class (after one-per-frame)

    def to_dict(self) -> dict[str, Any]:
        return {"average_map": self.average_map, "deltas_s": list(self.deltas_s),
                "map_by_delta": list(self.map_by_delta), "per_class": dict(self.per_class),
                "events": dict(self.events), "predictions": dict(self.predictions)}


def to_frames(times_s: Sequence[float], framerate: int = FRAMERATE) -> np.ndarray:
    """SoccerNet's frame of each time: rounded to the millisecond, then `int(framerate * ms / 1000)`."""
    t = np.asarray(times_s, dtype=np.float64).reshape(-1)
    if not np.isfinite(t).all() or (t < 0).any():
        raise ValueError("spot times must be finite and not negative")
    ms = np.round(t * 1000.0)
    frames = np.floor(framerate * (ms / 1000.0)).astype(np.int64)
    return np.minimum(frames, MAX_MINUTES_PER_HALF * 60 * framerate - 1)


def _timelines(frames: np.ndarray, labels: Sequence[str], groups: Sequence[Hashable] | None,
               values: np.ndarray | None, classes: Sequence[str]) -> dict[tuple[Hashable, str], dict[int, float]]:
    """{(group, class): {frame: value}}: one spot per frame, the later one winning."""
    out: dict[tuple[Hashable, str], dict[int, float]] = {}
    wanted = set(classes)
    groups = [None] * len(frames) if groups is None else list(groups)
    if not (len(labels) == len(frames) == len(groups)):
        raise ValueError("times, labels and groups must have the same length")
    for i, (f, label, g) in enumerate(zip(frames.tolist(), labels, groups)):
        if label in wanted:
            out.setdefault((g, label), {})[f] = 1.0 if values is None else float(values[i])
    return out


def greedy_match(true_frames: np.ndarray, pred_frames: np.ndarray, pred_scores: np.ndarray,
                 delta_frames: float) -> np.ndarray:
    """SoccerNet's matching on one timeline and class: which predictions are true positives.

    `true_frames` and `pred_frames` sorted ascending, without repeats. Events in time order each
    take the highest-confidence free prediction within ±delta_frames/2 (the earliest on a tie).
    """
    matched = np.zeros(len(pred_frames), dtype=bool)
    half = delta_frames / 2
    for g in true_frames.tolist():
        lo = int(np.searchsorted(pred_frames, g - half, "left"))
        hi = int(np.searchsorted(pred_frames, g + half, "right"))
        best, best_score = -1, -1.0
        for j in range(lo, hi):
            if not matched[j] and pred_scores[j] > best_score:
                best, best_score = j, pred_scores[j]
        if best >= 0:
            matched[best] = True
    return matched


def interpolated_ap(scores: np.ndarray, is_tp: np.ndarray, n_true: int) -> float:
    """11-point interpolated AP from the precision-recall points at SoccerNet's 200 thresholds."""
    order = np.sort(scores)
    tp_scores = np.sort(scores[is_tp])
    # predictions (and true positives) with confidence >= each threshold
    n_pred = len(order) - np.searchsorted(order, THRESHOLDS, "left")
    n_tp = (len(tp_scores) - np.searchsorted(tp_scores, THRESHOLDS, "left")).astype(np.float64)
    precision = np.divide(n_tp, n_pred, out=np.zeros_like(n_tp), where=n_pred > 0)
    recall = n_tp / n_true if n_true else np.zeros_like(n_tp)
    ap = 0.0
    for level in RECALL_LEVELS:
        reach = recall >= level
        ap += float(precision[reach].max()) if reach.any() else 0.0
    return ap / 11


def _trapezoid_mean(values: Sequence[float]) -> float:
    if len(values) == 1:
        return float(values[0])
    total = 0.0
    for a, b in zip(values[:-1], values[1:]):
        total += (a + b) / 2
    return total / (len(values) - 1)


def average_map(true_times_s: Sequence[float], true_labels: Sequence[str],
                pred_times_s: Sequence[float], pred_labels: Sequence[str], pred_scores: Sequence[float],
                *, classes: Sequence[str], deltas_s: Sequence[float] = TIGHT_DELTAS_S,
                true_groups: Sequence[Hashable] | None = None,
                pred_groups: Sequence[Hashable] | None = None,
                framerate: int = FRAMERATE) -> SpottingScore:
    """SoccerNet's average-mAP of predicted spots against true ones, over `classes`.

    Events and predictions of other labels are ignored. `*_groups` name the timeline (a half, a
    game) each spot is on; spots are matched only within their own timeline.
    """
    classes = list(dict.fromkeys(classes))
    if not classes:
        raise ValueError("average-mAP needs at least one class")
    if not deltas_s:
        raise ValueError("average-mAP needs at least one tolerance")
    scores = np.asarray(pred_scores, dtype=np.float64).reshape(-1)
    truth = _timelines(to_frames(true_times_s, framerate), list(true_labels), true_groups, None, classes)
    preds = _timelines(to_frames(pred_times_s, framerate), list(pred_labels), pred_groups, scores, classes)

    # Per class: each timeline's sorted true frames and sorted (frame, confidence >= 0) predictions.
    per_class: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {c: [] for c in classes}
    keys = sorted(set(truth) | set(preds), key=repr)
    for key in keys:
        t = np.array(sorted(truth.get(key, {})), dtype=np.int64)
        p = sorted((f, s) for f, s in preds.get(key, {}).items() if s >= 0)
        pf = np.array([f for f, _ in p], dtype=np.int64)
        ps = np.array([s for _, s in p], dtype=np.float64)
        per_class[key[1]].append((t, pf, ps))

    ap = np.zeros((len(deltas_s), len(classes)))
    for d, delta in enumerate(deltas_s):
        for c, label in enumerate(classes):
            tps, confs, n_true = [], [], 0
            for t, pf, ps in per_class[label]:
                tps.append(greedy_match(t, pf, ps, delta * framerate))
                confs.append(ps)
                n_true += len(t)
            all_scores = np.concatenate(confs) if confs else np.zeros(0)
            all_tp = np.concatenate(tps) if tps else np.zeros(0, dtype=bool)
            ap[d, c] = interpolated_ap(all_scores, all_tp, n_true)
    map_by_delta = [float(np.mean(ap[d])) for d in range(len(deltas_s))]
    return SpottingScore(
        average_map=_trapezoid_mean(map_by_delta),
        per_class={label: _trapezoid_mean([float(v) for v in ap[:, c]]) for c, label in enumerate(classes)},
        deltas_s=tuple(float(d) for d in deltas_s), map_by_delta=tuple(map_by_delta),
        events={label: sum(len(t) for t, _, _ in per_class[label]) for label in classes},
        predictions={label: sum(len(pf) for _, pf, _ in per_class[label]) for label in classes})


def spotting_classes(true_labels: Sequence[str], *, exclude: Sequence[str] = ("none",)) -> list[str]:
    """The classes to average over: those with at least one event, sorted (minus `exclude`)."""
    return sorted(set(true_labels) - set(exclude))
