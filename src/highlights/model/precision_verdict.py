"""Whether a reduced-precision path (int8, bf16) is good enough: its predictions against fp32's on
the same labelled clips. Pure functions over logits, so the training's evaluation and the
classifier judge a path the same way."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np

from highlights.model.backends import BF16_BACKEND, INT8_BACKEND
from highlights.model.path_choice import DEFAULT_ROUNDS, measure_interleaved

# Largest accuracy drop (in percentage points, on a labelled test set) accepted for a
# reduced-precision path (int8, bf16).
INT8_MAX_ACCURACY_LOSS_POINTS = 0.5
MAX_ACCURACY_LOSS_POINTS = INT8_MAX_ACCURACY_LOSS_POINTS

PRECISION_BACKENDS = {"int8": INT8_BACKEND, "bf16": BF16_BACKEND}


def precision_verdict(fp32_logits: np.ndarray, candidate_logits: np.ndarray,
                      labels: Sequence[int] | np.ndarray, *, precision: str, backend: str) -> dict:
    """Is a reduced-precision path (``precision`` "int8" or "bf16") good enough? fp32 and
    candidate accuracy on the same labelled clips (``fp32_accuracy``, ``{precision}_accuracy``),
    the change in points, the share of clips where both predict the same class, max |logit
    diff|, the largest class-probability change and the mean over clips of each clip's largest
    change (the pipeline thresholds probabilities, so a shift there matters even where the
    argmax holds), and ``accepted`` (accuracy lost <= ``MAX_ACCURACY_LOSS_POINTS``)."""
    fp32_logits, candidate_logits = np.asarray(fp32_logits), np.asarray(candidate_logits)
    y = np.asarray(labels, dtype=np.int64)
    if not (fp32_logits.shape == candidate_logits.shape and fp32_logits.shape[:1] == y.shape) or len(y) == 0:
        raise ValueError(f"{precision} verdict: logits {fp32_logits.shape} and {candidate_logits.shape} "
                         f"for {y.shape[0]} labels")
    fp32_acc = float((fp32_logits.argmax(1) == y).mean())
    candidate_acc = float((candidate_logits.argmax(1) == y).mean())
    loss_points = (fp32_acc - candidate_acc) * 100.0
    prob_diff = np.abs(softmax(fp32_logits.astype(np.float64)) - softmax(candidate_logits.astype(np.float64)))
    return {
        "backend": backend, "precision": precision, "num_clips": int(len(y)),
        "fp32_accuracy": fp32_acc, f"{precision}_accuracy": candidate_acc,
        "accuracy_change_points": -loss_points + 0.0,  # + 0.0: no "-0.00 points" when nothing changed
        "prediction_agreement": float((fp32_logits.argmax(1) == candidate_logits.argmax(1)).mean()),
        "max_abs_logit_diff": float(np.abs(fp32_logits - candidate_logits).max()),
        "max_abs_prob_diff": float(prob_diff.max()),
        "mean_abs_prob_diff": float(prob_diff.max(axis=1).mean()),
        "max_loss_points_allowed": MAX_ACCURACY_LOSS_POINTS,
        "points_per_clip": 100.0 / len(y),  # below 200 clips, one clip lost is already too many
        # A hair of float slack: 200 clips with one lost is exactly 0.5 points.
        "accepted": bool(loss_points <= MAX_ACCURACY_LOSS_POINTS + 1e-9),
    }


def int8_verdict(fp32_logits: np.ndarray, int8_logits: np.ndarray, labels: Sequence[int] | np.ndarray) -> dict:
    """``precision_verdict`` for the int8 path."""
    return precision_verdict(fp32_logits, int8_logits, labels, precision="int8", backend=INT8_BACKEND)


def bf16_verdict(fp32_logits: np.ndarray, bf16_logits: np.ndarray, labels: Sequence[int] | np.ndarray) -> dict:
    """``precision_verdict`` for the bf16 path."""
    return precision_verdict(fp32_logits, bf16_logits, labels, precision="bf16", backend=BF16_BACKEND)


# Places the timings are stored to: a tenth of a millisecond, so that the speedup read off the
# stored seconds is the stored speedup (at 0.17 s and 0.08 s, two places made 2.19x of 2.125).
SECONDS_DIGITS = 4


def timed_paths(calls: dict[str, Callable[[], object]], *, rounds: int = DEFAULT_ROUNDS,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Each path's median seconds for one call (``calls``: path name -> one call on the same
    clips), timed as the path choice times its candidates (``measure_interleaved``): one untimed
    warm-up call each (first calls allocate and pick kernels), then ``rounds`` interleaved rounds
    whose order rotates."""
    def time_one(name: str) -> float:
        started = clock()
        calls[name]()
        return clock() - started

    samples = measure_interleaved(list(calls), time_one, rounds=rounds, warmup=1)
    return {name: statistics.median(times) for name, times in samples.items()}


def speed_against_fp32(seconds: dict[str, float], precision: str, *, clips: int,
                       rounds: int = DEFAULT_ROUNDS) -> dict:
    """The verdict's `seconds` (fp32's and `precision`'s median seconds for one call on the same
    ``clips`` clips, `timed_paths`), its `speedup_vs_reference`, the ratio of those stored
    seconds to two places (None where the reduced path's time rounds to nothing): a reader
    dividing the stored seconds gets the speedup printed beside them; and `timing`, how the
    seconds were measured."""
    stored = {k: round(float(seconds[k]), SECONDS_DIGITS) for k in ("fp32", precision)}
    speedup = round(stored["fp32"] / stored[precision], 2) if stored[precision] > 0 else None
    return {"speedup_vs_reference": speedup, "seconds": stored,
            "timing": {"clips": int(clips), "rounds": int(rounds), "warm_up_calls": 1,
                       "statistic": "median"}}


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits, shifted for stability."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
