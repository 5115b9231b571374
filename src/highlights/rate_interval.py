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
