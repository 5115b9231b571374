"""Expected calibration error (ECE) of a score, with a bootstrap interval, and the reliability
table it is read from: a highlight's score (the pipeline) or a clip's top-class confidence (the
test report).

ECE over equal-width score bins is the sum of |mean score - share right| weighted by each bin's
share of the items, which is the sum over bins of |sum of (score - right)| divided by n: one
weighted count per bin, so many resamples are scored at once.

Its interval is a percentile bootstrap over the items: resample them with replacement, recompute
ECE with the same bins, take the 2.5th and 97.5th percentiles. ECE is biased upward at small n
(chance alone puts a bin's share right off its mean score, and the absolute value keeps every such
miss), and each resample carries that bias too: the interval is of this plug-in estimate (what it
would read on another set of items of this size), not of the score's true calibration error, and
with well calibrated scores it can lie wholly above the estimate itself. A seeded generator makes
reruns print the same interval.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from highlights.rate_interval import CONFIDENCE

N_RESAMPLES = 1000
SEED = 0


def method_over(items: str) -> str:
    """How the ECE's interval is made, naming what was resampled (highlights, test clips)."""
    return f"percentile bootstrap over {items} (resampled with replacement, ECE recomputed with the same bins)"


METHOD = method_over("highlights")
BIAS_NOTE = ("ECE is biased upward at small n (chance alone puts a bin's share right off its mean score), "
             "and so is each resample's: the interval is of this plug-in estimate, not of the score's true "
             "calibration error, and can lie above the estimate itself")


def bin_edges(bins: int) -> np.ndarray:
    """The `bins` + 1 edges of equal-width bins of [0, 1], each k / bins correctly rounded: a score
    of exactly 0.6 or 0.8 is the float an edge is (np.linspace gives 0.6000000000000001, which put
    a score of 0.6 in the bin below its own)."""
    return np.arange(bins + 1) / bins


def score_bins(scores: np.ndarray, bins: int) -> np.ndarray:
    """Each score's bin among `bins` equal-width bins of [0, 1] (the last one closed), or -1 for a
    score outside [0, 1]."""
    edges = bin_edges(bins)
    index = np.searchsorted(edges, scores, side="right") - 1
    index[scores == 1.0] = bins - 1
    index[(scores < 0.0) | (scores > 1.0) | np.isnan(scores)] = -1
    return index


def _ece_of_draws(gaps: np.ndarray, index: np.ndarray, bins: int, draws: np.ndarray) -> np.ndarray:
    """ECE of each row of `draws` (indices into the highlights): per bin, |sum of score - right|,
    summed and divided by the row's length. A score outside every bin counts in n only."""
    rows, n = draws.shape
    where = index[draws]
    inside = where >= 0
    cells = (np.arange(rows)[:, None] * bins + np.where(inside, where, 0))[inside]
    sums = np.bincount(cells, weights=gaps[draws][inside], minlength=rows * bins).reshape(rows, bins)
    return np.abs(sums).sum(axis=1) / n


def expected_calibration_error(scores: Sequence[float], correct: Sequence[bool], bins: int = 5) -> float | None:
    """ECE of `scores` against whether each was right; None without a score."""
    s = np.asarray(scores, dtype=np.float64)
    if not len(s):
        return None
    gaps = s - np.asarray(correct, dtype=np.float64)
    return float(_ece_of_draws(gaps, score_bins(s, bins), bins, np.arange(len(s))[None, :])[0])


def ece_interval(scores: Sequence[float], correct: Sequence[bool], bins: int = 5, *,
                 n_resamples: int = N_RESAMPLES, seed: int = SEED) -> tuple[float, float] | None:
    """The 95% percentile bootstrap interval of the ECE (see the module's docstring); None without
    a score."""
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    if not n:
        return None
    gaps = s - np.asarray(correct, dtype=np.float64)
    draws = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    values = _ece_of_draws(gaps, score_bins(s, bins), bins, draws)
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def ece_fields(scores: Sequence[float], correct: Sequence[bool], bins: int = 5, *,
               items: str = "highlights", n_resamples: int = N_RESAMPLES, seed: int = SEED) -> dict[str, Any]:
    """What a reliability stores of its ECE: the estimate, its interval and how it was made
    (`items`: what the scores belong to, named in the method; `n_resamples` and `seed`: the
    bootstrap's, a test report's own). The figures are kept exact: every report prints them from
    here, and one stored at four places and printed at three would be rounded twice."""
    ece = expected_calibration_error(scores, correct, bins)
    if ece is None:
        return {"ece": None, "ece_interval": None}
    if len(scores) < 2:  # every resample of one highlight is that highlight: a point, not an interval
        return {"ece": ece, "ece_interval": None}
    low, high = ece_interval(scores, correct, bins, n_resamples=n_resamples, seed=seed)
    return {"ece": ece, "ece_interval": [low, high],
            "ece_bootstrap": {"method": method_over(items), "confidence": CONFIDENCE, "n_resamples": int(n_resamples),
                              "seed": seed}}


def reliability_bins(scores: Sequence[float], correct: Sequence[bool], bins: int = 5) -> list[dict[str, Any]]:
    """The reliability table: per equal-width score bin that holds a score, its edges, how many
    scores (`n`) and right ones it holds, their mean score and the share right."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    edges = bin_edges(bins)
    index = score_bins(s, bins)
    rows = []
    for k in range(bins):
        inside = index == k
        n = int(inside.sum())
        if n == 0:
            continue
        rows.append({"bin": [round(float(edges[k]), 2), round(float(edges[k + 1]), 2)], "n": n,
                     "right": int(y[inside].sum()), "mean_score": round(float(s[inside].mean()), 3),
                     "correct_rate": round(float(y[inside].mean()), 3)})
    return rows


def ece_reported(reliability: dict[str, Any], places: int = 3, item: str = "highlight") -> str:
    """`0.064 [0.041, 0.120]`: a reliability's ECE with its 95% interval (the estimate alone for
    one stored before intervals were, or of a single `item`: a highlight, or a test report's
    clip; `n/a` without any), saying so where the interval lies wholly above the estimate."""
    ece = reliability.get("ece")
    if ece is None:
        return "n/a"
    interval = reliability.get("ece_interval")
    if not interval:
        return f"{ece:.{places}f}" + (f" (one {item}: no interval)" if reliability.get("n") == 1 else "")
    text = f"{ece:.{places}f} [{interval[0]:.{places}f}, {interval[1]:.{places}f}]"
    if ece < interval[0]:
        # Well calibrated scores on few items: the resamples' upward bias puts the whole interval
        # above the estimate, which reads as a mistake unless it is said where it is printed.
        text += " (the interval lies above the estimate: ECE reads high at small n)"
    return text
