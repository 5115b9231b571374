"""The test report's accuracy interval holds the true accuracy about 95% of the time at the sizes
test sets have (a dozen clips and up), and never shrinks to a point at all right or all wrong."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from highlights.report import build_report, render_markdown, report_from_confusion
from tests.wilson_reference import wilson


def _report(right: int, n: int, **kw) -> dict:
    return build_report(["a"] * right + ["b"] * (n - right), ["a"] * n, ["a", "b"], n_bootstrap=200, **kw)


@pytest.mark.parametrize("right, n", [(5, 5), (0, 1), (13, 16), (58, 117)])
def test_accuracy_interval_is_wilsons_of_right_clips(right, n):
    boot = _report(right, n)["bootstrap"]
    assert boot["accuracy"] == pytest.approx(wilson(right, n), abs=1e-9)
    assert boot["right"] == right and boot["n_clips"] == n and "Wilson" in boot["methods"]["accuracy"]


def test_all_right_is_not_read_as_certain():
    lo, hi = _report(5, 5)["bootstrap"]["accuracy"]
    assert hi == pytest.approx(1.0) and lo < 0.6  # five right of five says little


@pytest.mark.parametrize("n, accuracy", [(15, 0.87), (10, 0.9), (37, 0.3)])
def test_accuracy_interval_covers_the_true_accuracy_95_percent_of_the_time(n, accuracy):
    """Coverage computed exactly: each possible count of right clips, weighted by its binomial
    probability, counts when the report's interval holds the true accuracy."""
    covered = sum(binom.pmf(k, n, accuracy)
                  for k in range(n + 1)
                  if (lambda ci: ci[0] <= accuracy <= ci[1])(_report(k, n)["bootstrap"]["accuracy"]))
    assert covered >= 0.92


def test_published_matrix_gets_the_same_accuracy_interval():
    matrix = [[5, 1, 0], [2, 7, 1], [0, 3, 9]]
    boot = report_from_confusion(["a_x", "b_y", "none"], matrix, n_bootstrap=100)["bootstrap"]
    assert boot["accuracy"] == pytest.approx(wilson(21, 28), abs=1e-9)


def test_markdown_names_each_intervals_method_and_warns_of_few_clips():
    md = render_markdown(_report(13, 16))
    lo, hi = wilson(13, 16)
    assert f"accuracy 0.812 [{lo:.3f}, {hi:.3f}]" in md
    assert "accuracy: Wilson score interval of 13 right of 16; macro-F1: percentile bootstrap" in md
    assert "narrower than 95%" in md
    assert "narrower" not in render_markdown(_report(80, 100))


def test_markdown_prints_each_figure_between_its_own_interval_ends():
    report = report_from_confusion(["a_x", "b_y", "none"], [[5, 1, 0], [2, 7, 1], [0, 3, 9]], n_bootstrap=200)
    boot, md = report["bootstrap"], render_markdown(report)
    assert f"- macro-F1 {report['macro_f1']:.3f} [{boot['macro_f1'][0]:.3f}, {boot['macro_f1'][1]:.3f}]" in md
    assert (f"- balanced accuracy {report['balanced_accuracy']:.3f} [{boot['balanced_accuracy'][0]:.3f}, "
            f"{boot['balanced_accuracy'][1]:.3f}] (bootstrap)") in md
    # three distinct ends, so that printing one figure's end for another's shows
    assert len({f"{x:.3f}" for x in (boot["accuracy"][0], boot["macro_f1"][0], boot["balanced_accuracy"][0])}) == 3


def test_each_class_has_its_counts_and_wilson_intervals():
    labels = ["a", "b", "none"]
    y_true = ["a", "a", "a", "b", "none", "none", "none"]
    y_pred = ["a", "a", "none", "none", "none", "none", "a"]
    report = build_report(y_true, y_pred, labels, n_bootstrap=50)
    for label in labels:
        row = report["per_class"][label]
        right = sum(t == p == label for t, p in zip(y_true, y_pred))
        predicted, support = y_pred.count(label), y_true.count(label)
        assert (row["right"], row["predicted"], row["support"]) == (right, predicted, support)
        assert row["recall_interval"] == pytest.approx(wilson(right, support), abs=1e-9)
        if predicted:
            assert row["precision_interval"] == pytest.approx(wilson(right, predicted), abs=1e-9)
    # b is never predicted: its precision has nothing to divide by, and the report says so
    assert report["per_class"]["b"]["precision_interval"] is None
    md = render_markdown(report)
    assert "Never predicted: b, so its precision is undefined" in md
    lo, hi = wilson(2, 3)
    assert f"| a | 0.667 [{lo:.3f}, {hi:.3f}] (2/3) | 0.667 [{lo:.3f}, {hi:.3f}] (2/3) |" in md
    assert "| b | - (0/0) |" in md


def test_the_confusion_png_title_carries_the_intervals_and_n():
    from highlights.report.plot import confusion_title

    report = _report(13, 16)
    f1_lo, f1_hi = report["bootstrap"]["macro_f1"]
    lo, hi = wilson(13, 16)
    # each interval names its level and its method: the PNG is often shared without the report
    assert confusion_title(report) == (f"n=16 clips\naccuracy 0.812 [{lo:.3f}, {hi:.3f}] (95% Wilson)\n"
                                       f"macro-F1 {report['macro_f1']:.3f} [{f1_lo:.3f}, {f1_hi:.3f}] (95% bootstrap)")
    report.pop("bootstrap")  # a report written before intervals: the figures alone, with n, and no level
    assert confusion_title(report) == f"n=16 clips\naccuracy 0.812\nmacro-F1 {report['macro_f1']:.3f}"


@pytest.mark.parametrize("classes", [2, 4, 6])
def test_the_confusion_png_shows_its_whole_title_and_whole_counts(classes):
    """The title lies inside the picture (a PNG is shared alone, so its figures must be readable),
    and the colour bar's ticks are whole clips."""
    from highlights.report.plot import confusion_figure

    import matplotlib.pyplot as plt

    labels = ["baseball_swing", "basketball_layup", "none", "soccer_shooting", "tennis_serve", "volleyball_spike"]
    labels = labels[:classes]
    rng = np.random.default_rng(classes)
    y_true = [labels[i % classes] for i in range(117)]
    y_pred = [label if rng.random() < 0.9 else labels[rng.integers(classes)] for label in y_true]
    fig = confusion_figure(build_report(y_true, y_pred, labels, n_bootstrap=50))
    try:
        fig.canvas.draw()
        title = fig.axes[0].title.get_window_extent(fig.canvas.get_renderer())
        assert title.x0 >= 0 and title.x1 <= fig.bbox.width and title.y1 <= fig.bbox.height
        ticks = fig.axes[1].get_yticks()
        assert len(ticks) >= 2 and np.allclose(ticks, np.round(ticks))
    finally:
        plt.close(fig)


def test_each_class_f1_has_a_bootstrap_interval_over_the_resamples_holding_the_class():
    """Recomputed independently: the same resamples of the clips (the report's seed), scikit-learn's
    F1 of each class in every resample that holds a clip of it, and its 2.5-97.5% percentiles."""
    import numpy as np
    from sklearn.metrics import f1_score

    labels = ["a", "b", "none"]
    y_true = ["a"] * 6 + ["b"] * 2 + ["none"] * 7
    y_pred = ["a", "a", "a", "a", "none", "b", "b", "none", "none", "none", "none", "none", "a", "a", "b"]
    report = build_report(y_true, y_pred, labels, n_bootstrap=300, seed=3)
    samples = np.random.default_rng(3).integers(0, len(y_true), size=(300, len(y_true)))
    t, p = np.array(y_true), np.array(y_pred)
    for label in labels:
        f1s = [f1_score(t[s], p[s], labels=[label], average=None, zero_division=0)[0]
               for s in samples if label in t[s]]
        assert len(f1s) < 300 or label != "b"  # b (2 of 15 clips) is missing from some resamples
        row = report["per_class"][label]
        assert row["f1_interval"] == pytest.approx(np.percentile(f1s, [2.5, 97.5]), abs=1e-12)
        assert row["f1_interval"][0] <= row["f1"] <= row["f1_interval"][1]
    assert ("class_f1" not in report["bootstrap"]
            and "resamples that hold a clip" in report["bootstrap"]["methods"]["class_f1"])
    lo, hi = report["per_class"]["none"]["f1_interval"]
    assert f"| {report['per_class']['none']['f1']:.3f} [{lo:.3f}, {hi:.3f}] |" in render_markdown(report)


def test_a_class_without_test_clips_has_no_f1_interval():
    report = build_report(["a", "a", "none"], ["a", "none", "none"], ["a", "b", "none"], n_bootstrap=50)
    assert report["per_class"]["b"]["f1_interval"] is None
    assert report["per_class"]["a"]["f1_interval"] is not None


def test_a_bootstrap_that_gives_one_figure_in_every_resample_gives_no_point_interval():
    # Every action clip right and no `none` clip right: every resample's recalls are 1, 1 and 0, so
    # its balanced accuracy is 0.750 and none's F1 0; an interval [0.750, 0.750] read as certain.
    true = ["a"] * 9 + ["b"] * 9 + ["none"] * 22
    pred = ["a"] * 9 + ["b"] * 9 + ["a"] * 12 + ["b"] * 10
    report = build_report(true, pred, ["a", "b", "none"], n_bootstrap=200)
    boot = report["bootstrap"]
    assert report["balanced_accuracy"] == pytest.approx(2 / 3)
    assert boot["balanced_accuracy"] is None and report["per_class"]["none"]["f1_interval"] is None
    assert "every resample" in boot["no_interval"]
    lo, hi = report["per_class"]["a"]["f1_interval"]  # a's F1 moves with the none clips called a
    assert lo < hi
    md = render_markdown(report)
    assert "- balanced accuracy 0.667 (bootstrap: no interval, every resample gives the same figure)" in md
    assert "[0.667, 0.667]" not in md and "0.000 [0.000, 0.000]" not in md
    assert "| none | - (0/0) | 0.000 [0.000, 0.149] (0/22) | 0.000 (no interval) |" in md
    assert f"Bootstrap intervals: {boot['no_interval']}." in md


def test_a_bootstrap_that_varies_keeps_its_intervals_and_says_nothing_of_points():
    true = ["a"] * 8 + ["b"] * 8
    report = build_report(true, ["a"] * 6 + ["b"] * 2 + ["b"] * 5 + ["a"] * 3, ["a", "b"], n_bootstrap=200)
    assert all(report["per_class"][c]["f1_interval"] for c in "ab")
    assert report["bootstrap"]["balanced_accuracy"] is not None and "no_interval" not in report["bootstrap"]
    assert "no interval" not in render_markdown(report)
