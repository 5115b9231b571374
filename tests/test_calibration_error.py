"""The expected calibration error and its percentile bootstrap interval over highlights."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.calibration_error import ece_interval, ece_reported, expected_calibration_error
from highlights.pipeline.ranking import reliability


def _calibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores drawn uniformly, each right with the chance its score says."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 1.0, n)
    return scores, rng.uniform(0.0, 1.0, n) < scores


def _overconfident(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores right half as often as they say."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 1.0, n)
    return scores, rng.uniform(0.0, 1.0, n) < scores / 2


def test_the_ece_is_each_bins_gap_weighted_by_its_share():
    # Bins of 0.2: [0.1, 0.3] split across two bins; 0.9 and 0.95 share the last.
    scores = [0.1, 0.3, 0.9, 0.95, 1.0]
    right = [False, True, True, False, True]
    by_hand = (1 / 5) * abs(0.1 - 0) + (1 / 5) * abs(0.3 - 1) + (3 / 5) * abs((0.9 + 0.95 + 1.0) / 3 - 2 / 3)
    assert expected_calibration_error(scores, right) == pytest.approx(by_hand)
    assert reliability(scores, right)["ece"] == pytest.approx(by_hand, abs=1e-4)
    assert expected_calibration_error([], []) is None and ece_interval([], []) is None


def test_a_score_on_a_bin_edge_is_in_the_bin_it_opens():
    """Bins are [k/b, (k+1)/b), the last one closed at 1.0; a score of exactly 0.2, 0.5, 0.6 or 0.8
    opens its bin, and one outside [0, 1] is in none."""
    from highlights.calibration_error import reliability_bins, score_bins

    scores = np.array([0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0, -0.1, 1.1, np.nan])
    assert score_bins(scores, 5).tolist() == [0, 1, 2, 2, 3, 4, 4, -1, -1, -1]
    assert score_bins(np.array([0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9, 1.0]), 10).tolist() == [1, 2, 3, 5, 6, 7, 9, 9]
    rows = reliability_bins([0.6, 0.8, 0.79], [True, False, True])
    assert [(r["bin"], r["n"], r["right"]) for r in rows] == [([0.6, 0.8], 2, 2), ([0.8, 1.0], 1, 0)]
    # the ECE pools 0.6 with 0.79 (both right) and leaves 0.8 alone (wrong)
    by_hand = (2 / 3) * abs((0.6 + 0.79) / 2 - 1) + (1 / 3) * abs(0.8 - 0)
    assert expected_calibration_error([0.6, 0.8, 0.79], [True, False, True]) == pytest.approx(by_hand)


@pytest.mark.parametrize("n", [20, 80, 300])
def test_the_interval_holds_the_estimate_where_the_scores_are_off(n):
    for seed in range(5):
        scores, right = _overconfident(n, seed)
        low, high = ece_interval(scores, right)
        assert low < expected_calibration_error(scores, right) < high


def test_the_reliability_table_is_stored_rounded_and_a_single_highlights_ece_exact():
    """Bin edges to two places, mean score and share right to three (as the table prints them); a
    lone ECE exact, for whatever prints it to round once."""
    from highlights.calibration_error import ece_fields, reliability_bins

    rows = reliability_bins([0.6, 0.79, 0.7, 0.1], [True, True, False, False], bins=3)
    assert rows == [{"bin": [0.0, 0.33], "n": 1, "right": 0, "mean_score": 0.1, "correct_rate": 0.0},
                    {"bin": [0.33, 0.67], "n": 1, "right": 1, "mean_score": 0.6, "correct_rate": 1.0},
                    {"bin": [0.67, 1.0], "n": 2, "right": 1, "mean_score": 0.745, "correct_rate": 0.5}]
    rows = reliability_bins([0.6, 0.79, 0.7], [True, True, False])
    assert rows == [{"bin": [0.6, 0.8], "n": 3, "right": 2, "mean_score": 0.697, "correct_rate": 0.667}]
    assert ece_fields([0.123456], [False]) == {"ece": pytest.approx(0.123456, abs=1e-12), "ece_interval": None}


def test_the_interval_is_the_percentiles_of_the_resamples_ece():
    """The interval is the 2.5th and 97.5th percentiles of the ECE of each of the 1000 resamples
    the seeded generator draws, each scored with the same five bins as the estimate."""
    from highlights.calibration_error import ece_fields

    scores, right = _overconfident(40, seed=7)
    draws = np.random.default_rng(0).integers(0, 40, size=(1000, 40))
    each = [expected_calibration_error(scores[d], right[d], bins=5) for d in draws]
    expected = tuple(np.percentile(each, [2.5, 97.5]))
    assert ece_interval(scores, right) == pytest.approx(expected, abs=1e-12)
    assert ece_interval(scores, right, bins=10) != pytest.approx(expected, abs=1e-6)
    fields = ece_fields(scores, right)
    assert fields["ece"] == expected_calibration_error(scores, right, bins=5)
    assert fields["ece_interval"] == pytest.approx(expected, abs=1e-12)
    assert fields["ece_bootstrap"]["confidence"] == 0.95 and fields["ece_bootstrap"]["seed"] == 0
    assert ece_fields([], []) == {"ece": None, "ece_interval": None}
    # an estimate on its interval's low end is inside it: nothing to explain
    assert ece_reported({"ece": 0.05, "ece_interval": [0.05, 0.1]}) == "0.050 [0.050, 0.100]"


def test_the_interval_narrows_as_the_highlights_grow():
    widths = []
    for n in (50, 200, 800):
        low, high = ece_interval(*_calibrated(n, seed=n))
        widths.append(high - low)
    # four times the highlights, about half the width
    assert widths[0] > 1.5 * widths[1] and widths[1] > 1.5 * widths[2]


def test_on_calibrated_scores_the_interval_is_of_the_upward_biased_estimate():
    # Calibrated scores have a true ECE of 0. The plug-in estimate is above it, and each
    # resample's more so: the interval leaves 0 out and is centred above the estimate itself.
    for seed in range(20):
        scores, right = _calibrated(100, seed)
        low, high = ece_interval(scores, right)
        assert 0.0 < low and (low + high) / 2 > expected_calibration_error(scores, right)


def test_the_interval_is_the_same_on_every_run_and_stored_with_how_it_was_made():
    scores, right = _calibrated(82, seed=1)
    first, again = reliability(scores, right), reliability(scores, right)
    assert first["ece_interval"] == again["ece_interval"]
    assert first["ece_interval"][0] < first["ece_interval"][1]
    assert (first["ece_bootstrap"]["n_resamples"] == 1000
            and "bootstrap over highlights" in first["ece_bootstrap"]["method"])
    # another seed draws other resamples: the stored seed is the one that reproduces it
    assert ece_interval(scores, right, seed=1) != ece_interval(scores, right)
    low, high = first["ece_interval"]
    assert ece_reported(first).startswith(f"{first['ece']:.3f} [{low:.3f}, {high:.3f}]")
    # a reliability stored before intervals were keeps its estimate alone
    assert ece_reported({"ece": 0.0642}) == "0.064" and ece_reported({"ece": None}) == "n/a"


def test_one_highlight_has_its_calibration_error_and_no_interval():
    # every resample of a single highlight is that highlight: the "interval" would be a point
    one = reliability([0.8], [False])
    assert one["ece"] == pytest.approx(0.8) and one["ece_interval"] is None
    assert ece_reported(one) == "0.800 (one highlight: no interval)"
    two = reliability([0.8, 0.3], [False, True])
    assert two["ece_interval"] is not None and ece_reported(two).startswith("0.750 [")


def test_an_interval_wholly_above_its_estimate_says_why_where_it_is_printed():
    # Well calibrated scores on few highlights: every resample's bias lifts the interval above
    # the estimate, which would read as a mistake unless it is said.
    rel = reliability(*_calibrated(82, seed=1))
    low, high = rel["ece_interval"]
    assert rel["ece"] < low
    assert ece_reported(rel) == (f"{rel['ece']:.3f} [{low:.3f}, {high:.3f}] "
                                 "(the interval lies above the estimate: ECE reads high at small n)")
    # Scores right half as often as they say: the estimate lies inside its interval, said plainly.
    over = reliability(*_overconfident(82, seed=1))
    low, high = over["ece_interval"]
    assert low <= over["ece"] <= high and ece_reported(over) == f"{over['ece']:.3f} [{low:.3f}, {high:.3f}]"


def test_a_printed_ece_is_rounded_once_from_the_exact_figure():
    """0.39448 is 0.394 to three places; stored at four places first (0.3945) it would print 0.395."""
    from highlights.calibration_error import ece_fields

    fields = ece_fields([0.39448, 0.39448], [False, False])
    assert fields["ece"] == pytest.approx(0.39448, abs=1e-12)
    assert ece_reported(fields) == "0.394 [0.394, 0.394]"


def test_a_score_outside_every_bin_counts_among_the_items_but_in_no_bin():
    """A score above 1 (or below 0, or NaN) is in no bin: it adds no gap, yet the ECE is still a
    share of all the items, its resamples' too."""
    from highlights.calibration_error import ece_fields, reliability_bins

    scores, right = [0.2, 1.5, -0.5, float("nan")], [False, True, False, True]
    assert expected_calibration_error(scores, right) == pytest.approx(0.2 / 4)
    assert [(r["bin"], r["n"]) for r in reliability_bins(scores, right)] == [([0.2, 0.4], 1)]
    # a resample holding the one binned score k times out of 4 has an ECE of 0.2 k / 4
    draws = np.random.default_rng(0).integers(0, 4, size=(1000, 4))
    by_hand = np.percentile(0.2 * (draws == 0).sum(axis=1) / 4, [2.5, 97.5])
    assert ece_fields(scores, right)["ece_interval"] == pytest.approx(by_hand, abs=1e-12)


def test_a_test_reports_own_bootstrap_is_the_one_run_and_stored():
    from highlights.calibration_error import ece_fields

    scores, right = _overconfident(60, seed=3)
    fields = ece_fields(scores, right, items="test clips", n_resamples=200, seed=7)
    assert fields["ece_interval"] == list(ece_interval(scores, right, n_resamples=200, seed=7))
    assert fields["ece_interval"] != list(ece_interval(scores, right, n_resamples=200))
    assert fields["ece_bootstrap"]["n_resamples"] == 200 and fields["ece_bootstrap"]["seed"] == 7
    assert "bootstrap over test clips" in fields["ece_bootstrap"]["method"]
