"""The 95% interval of a rate such as recall or precision: Wilson's score interval.

A recall or a precision is hits out of a count of trials (events, highlights). Wilson's interval
keeps close to its 95% coverage down to a handful of trials and does not shrink to a point at
0/n or n/n; a percentile bootstrap of the trials does (5 of 5 found would read [1.00, 1.00]),
and at a dozen trials and a rate near 0.9 it covers the true rate far less than 95% of the time.
"""

from __future__ import annotations

CONFIDENCE = 0.95
METHOD = "Wilson score interval (scipy.stats.binomtest(hits, n).proportion_ci(method='wilson'))"


def wilson_interval(hits: int, total: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """(low, high) of `hits`/`total`; None when there is nothing to divide by."""
    if total <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(int(hits), int(total)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


PAIRED_METHOD = ("Newcombe's interval for a difference of paired rates (1998, method 10: "
                 "the two Wilson intervals combined through the pairs' correlation)")


def paired_difference_interval(both: int, first_only: int, second_only: int, neither: int,
                               confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The 95% interval of rate 1 - rate 2 measured on the same trials (two runs scored on the
    same events): `both` trials hit by both, `first_only`, `second_only`, `neither`. None when
    there is no trial.

    Two rates of the same trials move together, so the interval of their difference is narrower
    than the two intervals side by side suggest; Newcombe's method 10 combines the two Wilson
    intervals through the phi correlation of the pairs (with his continuity correction on phi),
    keeps its coverage at tens of trials and stays inside [-1, 1]."""
    n = both + first_only + second_only + neither
    if n <= 0:
        return None
    p1, p2 = (both + first_only) / n, (both + second_only) / n
    (l1, u1), (l2, u2) = wilson_interval(both + first_only, n, confidence), wilson_interval(both + second_only, n,
                                                                                            confidence)
    margins = (both + first_only) * (second_only + neither) * (both + second_only) * (first_only + neither)
    cross = both * neither - first_only * second_only
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / margins ** 0.5 if margins > 0 else 0.0
    low = p1 - p2 - ((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2) ** 0.5
    high = p1 - p2 + ((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2) ** 0.5
    return max(-1.0, low), min(1.0, high)
