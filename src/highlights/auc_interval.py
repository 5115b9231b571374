"""How well a score ranks right highlights above wrong ones: the area under the ROC curve, with
its 95% interval and the counts it is made of.

The AUC is the chance a right highlight outscores a wrong one (ties count half): the Mann-Whitney
U statistic over right x wrong pairs, divided by their number (scipy computes U).

Its interval is Newcombe's score interval (Statistics in Medicine 2006;25:559-573, method 5):
Hanley and McNeil's variance of the AUC with both group sizes replaced by their mean, inverted
as Wilson's interval inverts a rate's variance (every AUC whose own variance puts it within z
standard errors of the one measured). scikit-learn and scipy give the AUC but no interval. The
usual alternatives fail exactly where these figures live, with a handful of wrong highlights:
DeLong's interval and a bootstrap of the highlights both shrink to a point when every pair is
ranked one way (5 right above 5 wrong would read [1.00, 1.00]), and DeLong's runs past 0 and 1;
Newcombe's keeps close to 95% coverage down to a few per group and stays inside [0, 1].

With one right and one wrong highlight the variance is a coin's, theta(1 - theta), and the
interval is Wilson's for one trial; the tests check it against `rate_interval` there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from highlights.rate_interval import CONFIDENCE

METHOD = ("Newcombe's score interval for an AUC (2006, method 5: Hanley-McNeil variance with "
          "the mean group size)")
WITHIN_METHOD = ("Newcombe's score interval, its variance summed over videos, each video's pairs "
                 "weighted by their share")
CHANCE = 0.5


@dataclass(frozen=True)
class Auc:
    """An AUC, its 95% interval, and what it was measured on: `right` and `wrong` highlights
    forming `pairs` right x wrong pairs (in `groups` videos when only pairs within a video count)."""

    value: float
    low: float
    high: float
    right: int
    wrong: int
    pairs: int
    method: str = METHOD
    groups: int | None = None

    def counts(self) -> str:
        where = f" in {self.groups} video{'s' if self.groups != 1 else ''}" if self.groups is not None else ""
        return f"n={self.right + self.wrong}: {self.right} right, {self.wrong} wrong; {self.pairs} pairs{where}"

    def reported(self, places: int = 2) -> str:
        """`0.32 [0.13, 0.62] (n=18: 13 right, 5 wrong; 65 pairs), not told from chance (0.5)`:
        the last words when the interval holds 0.5, where the ranking cannot be told from a coin."""
        text = f"{self.value:.{places}f} [{self.low:.{places}f}, {self.high:.{places}f}] ({self.counts()})"
        return text + (", not told from chance (0.5)" if self.low <= CHANCE <= self.high else "")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Auc":
        return cls(d["auc"], d["interval"][0], d["interval"][1], d["right"], d["wrong"], d["pairs"],
                   d.get("method", METHOD), d.get("videos"))

    def to_dict(self) -> dict[str, Any]:
        # Exact: `reported()` rounds what `from_dict` reads back, and a figure stored at four places
        # would be rounded a second time there.
        out = {"auc": self.value, "interval": [self.low, self.high],
               "right": self.right, "wrong": self.wrong, "pairs": self.pairs, "method": self.method}
        if self.groups is not None:
            out["videos"] = self.groups
        return out


def newcombe_variance(theta: float, right: int, wrong: int) -> float:
    """Hanley and McNeil's variance of an AUC of `theta` over `right` x `wrong` pairs, both group
    sizes replaced by their mean (Newcombe): a variance that does not depend on which group is
    called which, and that is the AUC's own, not the estimate's, so it can be inverted."""
    if theta <= 0.0 or theta >= 1.0:
        return 0.0
    others = (right + wrong) / 2 - 1
    return theta * (1 - theta) * (1 + others * ((1 - theta) / (2 - theta) + theta / (1 + theta))) / (right * wrong)


def score_interval(value: float, variance, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Every theta in [0, 1] with |value - theta| <= z sqrt(variance(theta)): the roots on each
    side of `value` (the bounds are 0 or 1 where `value` is)."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    # At 0 or 1 the variance is 0 and `value` is itself a root: step off it to find the other one.
    edge = 1e-12 if variance(value) == 0.0 else 0.0
    low = 0.0 if value <= 0.0 else brentq(lambda t: value - t - z * math.sqrt(variance(t)), 0.0, value - edge)
    high = 1.0 if value >= 1.0 else brentq(lambda t: value - t + z * math.sqrt(variance(t)), value + edge, 1.0)
    return float(low), float(high)


def _wins(right: Sequence[float], wrong: Sequence[float]) -> float:
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(right, wrong).statistic)  # U of `right`: wins, ties counting half


def auc_of(scores: Sequence[float], correct: Sequence[bool]) -> Auc | None:
    """The AUC of `scores` at telling `correct` from not, pooled over every right x wrong pair;
    None without at least one of each."""
    right = [float(s) for s, ok in zip(scores, correct) if ok]
    wrong = [float(s) for s, ok in zip(scores, correct) if not ok]
    if not right or not wrong:
        return None
    pairs = len(right) * len(wrong)
    value = _wins(right, wrong) / pairs
    low, high = score_interval(value, lambda t: newcombe_variance(t, len(right), len(wrong)))
    return Auc(value, low, high, len(right), len(wrong), pairs)


def within_group_auc(scores: Sequence[float], correct: Sequence[bool], groups: Sequence[str]) -> Auc | None:
    """The chance a right highlight outscores a wrong one of the same video (ties half), over
    every such pair; None when no video has both. Videos are independent, so the variance is the
    sum of each video's Newcombe variance weighted by its share of the pairs squared (one AUC,
    theta, assumed in every video); with one pair in each of k videos it is Wilson's interval of
    the wins out of k."""
    by_group: dict[str, tuple[list[float], list[float]]] = {}
    for s, ok, g in zip(scores, correct, groups):
        by_group.setdefault(str(g), ([], []))[0 if ok else 1].append(float(s))
    sizes, wins = [], 0.0
    for right, wrong in by_group.values():
        if right and wrong:
            sizes.append((len(right), len(wrong)))
            wins += _wins(right, wrong)
    if not sizes:
        return None
    pairs = sum(m * n for m, n in sizes)
    value = wins / pairs

    def variance(theta: float) -> float:
        return sum((m * n / pairs) ** 2 * newcombe_variance(theta, m, n) for m, n in sizes)

    low, high = score_interval(value, variance)
    return Auc(value, low, high, sum(m for m, _ in sizes), sum(n for _, n in sizes), pairs,
               method=WITHIN_METHOD, groups=len(sizes))
