"""bench/bench_interval_coverage.py: its population's true figures, and the coverage it counts of the
report's own intervals on a few simulated test sets."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from tests.bench_modules import bench_module


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_interval_coverage") as module:
        yield module


@pytest.fixture(scope="module")
def population(bench):
    return bench.Population.from_shares(bench.LABELS, bench.CLASS_COUNTS, bench.PREDICTED_GIVEN_TRUE)


def test_true_figures_are_scikit_learns_on_the_expected_confusion(bench, population):
    """Recomputed independently: every (true, predicted) cell one sample weighted by its chance."""
    k = len(bench.LABELS)
    cells = [(i, j) for i in range(k) for j in range(k)]
    y_true, y_pred = [i for i, _ in cells], [j for _, j in cells]
    weights = [population.joint[i, j] for i, j in cells]
    _, _, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(range(k)), sample_weight=weights)
    truths = population.truths()
    assert [truths[f"F1 {label}"] for label in bench.LABELS] == pytest.approx(f1, abs=1e-12)
    assert truths["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred, sample_weight=weights), abs=1e-12)
    assert truths["macro-F1"] == pytest.approx(np.mean(f1), abs=1e-12)
    assert 0.8 < truths["macro-F1"] < 0.88  # the population docs/scoring.md's figures describe: about 0.84


def test_printed_macro_f1_is_the_mean_of_the_printed_class_f1s(bench, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench", "--sets", "4", "--sizes", "12", "--bootstrap", "50"])
    bench.main()
    line = next(x for x in capsys.readouterr().out.splitlines() if "true figures:" in x)
    figures = dict(part.rsplit(" ", 1) for part in line.split("true figures: ")[1].split(" (")[0].split(", "))
    class_f1s = [float(figures[f"F1 {label}"]) for label in bench.LABELS]
    assert float(figures["macro-F1"]) == pytest.approx(np.mean(class_f1s), abs=0.0015)  # each printed to 3 places


def test_coverages_are_fractions_of_the_sets_drawn(bench, population):
    rows = bench.measure_coverage(population, 16, 20, n_bootstrap=100, rng=np.random.default_rng(0))
    assert [row.interval for row in rows] == ["accuracy", "macro-F1", *(f"F1 {x}" for x in bench.LABELS)]
    for row in rows:
        assert row.sets == 20 and 0 <= row.held <= row.printed <= 20
        assert 0.0 <= row.rate <= 1.0 and 0.0 <= row.missing <= 1.0
        lo, hi = row.rate_interval
        assert 0.0 <= lo <= row.rate <= hi <= 1.0
    assert rows[0].printed == rows[1].printed == 20  # accuracy and macro-F1 always have an interval


def test_wilsons_accuracy_interval_holds_the_truth_most_of_the_time(bench, population):
    """Nominally 95%: 40 or more of 50 sets is robust to chance, and an interval shrunk towards a
    point (as the percentile bootstrap's at all right) would fall far below it."""
    rows = bench.measure_coverage(population, 37, 50, n_bootstrap=100, rng=np.random.default_rng(1))
    accuracy = rows[0]
    assert accuracy.held >= 40
    assert 0.1 < accuracy.mean_width < 0.4


def test_a_class_missing_from_a_test_set_has_no_interval_and_is_counted_apart(bench):
    rare = bench.Population.from_shares(("a", "rare", "none"), (49, 1, 50),
                                        ((0.8, 0.0, 0.2), (0.0, 0.8, 0.2), (0.1, 0.0, 0.9)))
    rows = {row.interval: row for row in bench.measure_coverage(rare, 10, 30, n_bootstrap=50,
                                                                rng=np.random.default_rng(2))}
    rare_f1 = rows["F1 rare"]
    assert rare_f1.missing > 0.5  # a 1-in-100 class is absent from most 10-clip sets
    assert rare_f1.printed == rare_f1.sets - round(rare_f1.missing * rare_f1.sets) == len(rare_f1.widths)
    assert rows["macro-F1"].missing == 0.0


def test_one_interval_counts_as_holding_when_the_truth_is_inside(bench):
    row = bench.Coverage(size=10, interval="x", truth=0.8)
    for interval in ([0.7, 0.9], [0.8, 0.8], [0.85, 0.95], None):
        row.add(interval)
    assert (row.sets, row.printed, row.held) == (4, 3, 2)
    assert row.mean_width == pytest.approx(0.3 / 3) and row.missing == pytest.approx(0.25)


def test_wilson_keeps_its_coverage_where_the_percentile_bootstrap_lost_it(bench):
    covered = bench.exact_accuracy_coverage(10, 0.90)
    assert covered["Wilson (the report's)"] >= 0.92
    assert covered["percentile bootstrap (before)"] < 0.8
