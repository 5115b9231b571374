"""The test report's confidence figures: calibration (ECE and the reliability diagram), average
precision, the action-vs-none AUC and balanced accuracy, on labels and probabilities with known
answers; their Markdown section, files, and comparing with a report written before they were."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.metrics import average_precision_score, balanced_accuracy_score
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.report import (
    build_report, compare_reports, format_comparison, load_report, render_markdown, report_from_confusion,
    write_report_files,
)
from highlights.report.confidence import mean_ap_of_resamples, weighted_average_precision
from highlights.report.metrics import balanced_accuracy_of, confusions_of
from highlights.report.resamples import clip_resamples
from highlights.report.plot import reliability_figure

LABELS = ["none", "soccer_shooting", "baseball_swing"]


def _calibrated(n: int, seed: int, *, overconfident: float = 0.0):
    """Clips whose predicted class has probability c (uniform on [0.4, 1)) and is right with
    chance c - overconfident; the rest of the row split evenly over the other classes."""
    rng = np.random.default_rng(seed)
    k = len(LABELS)
    pred = rng.integers(0, k, n)
    conf = rng.uniform(0.4, 1.0, n)
    right = rng.random(n) < conf - overconfident
    other = (pred + rng.integers(1, k, n)) % k
    true = np.where(right, pred, other)
    proba = np.repeat(((1 - conf) / (k - 1))[:, None], k, axis=1)
    proba[np.arange(n), pred] = conf
    return true.tolist(), pred.tolist(), proba


def _scored(clips, **kw) -> dict:
    true, pred, proba = clips
    return build_report(true, pred, LABELS, proba=proba, **kw)


def test_calibrated_confidence_has_an_ece_near_zero_and_an_overconfident_one_does_not():
    calibrated = _scored(_calibrated(20000, 0), n_bootstrap=10)["confidence"]["calibration"]
    assert calibrated["n"] == 20000 and calibrated["ece"] < 0.02
    low, high = calibrated["ece_interval"]
    assert 0 <= low <= high < 0.03
    over = _scored(_calibrated(20000, 0, overconfident=0.2), n_bootstrap=10)["confidence"]["calibration"]
    assert over["ece"] == pytest.approx(0.2, abs=0.02)
    assert over["ece_interval"][0] > high  # told apart from the calibrated model at this n
    assert "test clips" in over["ece_bootstrap"]["method"]


def test_the_reliability_bins_count_the_clips_by_hand():
    # Confidences 0.95 (right, right, wrong), 0.55 (right): two bins of ten.
    true = ["none", "none", "soccer_shooting", "none"]
    pred = ["none", "none", "none", "none"]
    proba = [[0.95, 0.05, 0.0], [0.95, 0.0, 0.05], [0.95, 0.05, 0.0], [0.55, 0.45, 0.0]]
    cal = build_report(true, pred, LABELS, proba=proba, n_bootstrap=10)["confidence"]["calibration"]
    assert [(row["bin"], row["n"], row["right"], row["mean_score"]) for row in cal["bins"]] == [
        ([0.5, 0.6], 1, 1, 0.55), ([0.9, 1.0], 3, 2, 0.95)]
    # |0.55 - 1| * 1/4 + |0.95 - 2/3| * 3/4
    assert cal["ece"] == pytest.approx(0.45 / 4 + (0.95 - 2 / 3) * 3 / 4, abs=1e-4)


def test_a_clip_the_action_threshold_gave_another_class_is_counted_and_scored_by_that_class():
    # The second clip's most probable class is none (0.6), but it was called soccer: its score is
    # soccer's 0.35, and it is the one clip predicted other than its most probable class.
    true = ["none", "soccer_shooting", "soccer_shooting"]
    pred = ["none", "soccer_shooting", "soccer_shooting"]
    proba = [[0.95, 0.05, 0.0], [0.6, 0.35, 0.05], [0.1, 0.85, 0.05]]
    cal = build_report(true, pred, LABELS, proba=proba, n_bootstrap=10)["confidence"]["calibration"]
    assert cal["predicted_not_top"] == 1
    assert [(row["bin"], row["n"], row["right"], row["mean_score"]) for row in cal["bins"]] == [
        ([0.3, 0.4], 1, 1, 0.35), ([0.8, 0.9], 1, 1, 0.85), ([0.9, 1.0], 1, 1, 0.95)]


def test_a_constant_score_model_has_each_class_share_as_average_precision():
    true = ["none"] * 6 + ["soccer_shooting"] * 3 + ["baseball_swing"] * 1
    proba = np.full((10, 3), 1 / 3)
    ap = build_report(true, ["none"] * 10, LABELS, proba=proba, n_bootstrap=10)["confidence"]["average_precision"]
    assert {label: row["ap"] for label, row in ap["per_class"].items()} == pytest.approx(
        {"none": 0.6, "soccer_shooting": 0.3, "baseball_swing": 0.1})
    assert ap["mean"] == pytest.approx(1 / 3) and ap["classes_in_mean"] == 3 and ap["n"] == 10
    assert [row["positives"] for row in ap["per_class"].values()] == [6, 3, 1]


def test_a_class_without_test_clips_has_no_average_precision_and_is_left_out_of_the_mean():
    true = ["none", "soccer_shooting", "none", "soccer_shooting"]
    proba = [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0], [0.7, 0.3, 0.0]]
    ap = build_report(true, ["none", "soccer_shooting", "none", "none"], LABELS, proba=proba,
                      n_bootstrap=10)["confidence"]["average_precision"]
    assert ap["per_class"]["baseball_swing"] == {"ap": None, "positives": 0}
    assert ap["classes_in_mean"] == 2
    # soccer: ranked 0.8 (yes), 0.4 (no), 0.3 (yes), 0.1: AP = 1/2 * 1 + 1/2 * 2/3
    assert ap["per_class"]["soccer_shooting"]["ap"] == pytest.approx(5 / 6)


def test_perfect_scores_give_a_mean_average_precision_of_one_with_a_point_interval():
    true = ["none"] * 3 + ["soccer_shooting"] * 4 + ["baseball_swing"] * 2
    proba = np.eye(3)[[LABELS.index(y) for y in true]] * 0.8 + 0.2 / 3
    ap = build_report(true, true, LABELS, proba=proba, n_bootstrap=200)["confidence"]["average_precision"]
    assert ap["mean"] == pytest.approx(1.0)
    assert ap["mean_interval"] == pytest.approx([1.0, 1.0])
    assert ap["mean_bootstrap"]["n_resamples"] == 200 and ap["mean_bootstrap"]["seed"] == 0


def test_the_mean_average_precision_interval_holds_its_estimate_and_is_drawn_as_macro_f1s():
    true, pred, proba = _calibrated(120, 7)
    report = build_report(true, pred, LABELS, proba=proba, n_bootstrap=300, seed=4)
    ap = report["confidence"]["average_precision"]
    low, high = ap["mean_interval"]
    assert 0 < low < ap["mean"] < high < 1
    # The same resamples as macro-F1's: recomputed by hand from them with scikit-learn, the
    # interval is the same.
    t, samples = np.asarray(true), clip_resamples(120, 300, 4)
    means = [np.mean([average_precision_score(t[rows] == i, proba[rows, i]) for i in range(3)]) for rows in samples]
    assert [low, high] == pytest.approx(np.percentile(means, [2.5, 97.5]).tolist())
    another = build_report(true, pred, LABELS, proba=proba, n_bootstrap=300, seed=5)
    assert another["confidence"]["average_precision"]["mean_interval"] != ap["mean_interval"]


def test_a_resample_without_a_clip_of_a_class_averages_over_the_classes_it_holds():
    # Clips: none (0.9), soccer (0.8), soccer (0.3): AP of none from P(none), of soccer from P(soccer).
    true = np.array([0, 1, 1])
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.3, 0.1]])
    samples = np.array([[0, 1, 2], [1, 1, 2], [0, 0, 0]])
    # Resample 1: none ranked first (AP 1); soccer 0.8 (yes), 0.3 (yes) above the none clip's 0.1: AP 1.
    # Resample 2 holds no none clip: its mean is soccer's alone; resample 3 holds only none.
    assert mean_ap_of_resamples(probs, true, samples) == pytest.approx([1.0, 1.0, 1.0])
    probs[2] = [0.6, 0.05, 0.35]  # the second soccer clip now ranked under the none clip's 0.1
    expected_soccer = average_precision_score([0, 1, 1], [0.1, 0.8, 0.05])
    assert expected_soccer == pytest.approx(5 / 6)
    assert mean_ap_of_resamples(probs, true, samples) == pytest.approx(
        [(1.0 + expected_soccer) / 2, 1.0, 1.0])
    # The weighted AP agrees with scikit-learn on resampled clips, ties among the scores included,
    # and has none for a resample without a positive.
    rng = np.random.default_rng(2)
    scores, positive = np.round(rng.random(25), 1), rng.random(25) < 0.3
    draws = rng.integers(0, 25, size=(40, 25))
    counts = np.stack([np.bincount(row, minlength=25) for row in draws])
    got = weighted_average_precision(scores, positive, counts)
    for row, value in zip(draws, got):
        if positive[row].any():
            assert value == pytest.approx(average_precision_score(positive[row], scores[row]))
        else:
            assert np.isnan(value)
    assert np.isnan(weighted_average_precision(scores, positive, np.zeros((1, 25), dtype=int))).all()


def test_a_resample_averages_every_class_it_holds_whatever_the_count_of_clips():
    # Two clips of classes 0 and 2 of three: class 0's clip ranks first on P(class 0) (AP 1),
    # class 2's clip ranks second on P(class 2) (0.2 under 0.3: AP 1/2); the mean is over both. A
    # resample of class 2's clip twice holds class 2 alone.
    probs = np.array([[0.6, 0.1, 0.3], [0.5, 0.3, 0.2]])
    assert mean_ap_of_resamples(probs, np.array([0, 2]), np.array([[0, 1], [1, 1]])) == pytest.approx([0.75, 1.0])
    # Every clip of one class: that class alone is held, ranked perfectly.
    assert mean_ap_of_resamples(probs, np.array([0, 0]), np.array([[0, 1], [1, 1]])) == pytest.approx([1.0, 1.0])


def test_one_clip_has_a_mean_average_precision_but_no_interval():
    ap = build_report(["none"], ["none"], LABELS, proba=[[0.7, 0.2, 0.1]],
                      n_bootstrap=10)["confidence"]["average_precision"]
    assert ap["mean"] == 1.0 and ap["mean_interval"] is None and "mean_bootstrap" not in ap


def test_the_action_auc_is_one_when_none_is_told_apart_perfectly_and_zero_when_reversed():
    true = ["none"] * 4 + ["soccer_shooting"] * 3 + ["baseball_swing"] * 3
    apart = [[0.9, 0.1, 0.0]] * 4 + [[0.2, 0.4, 0.4]] * 6
    auc = build_report(true, true, LABELS, proba=apart, n_bootstrap=10)["confidence"]["action_auc"]
    assert auc["auc"] == 1.0 and auc["interval"][1] == 1.0 and auc["interval"][0] < 1.0
    assert (auc["actions"], auc["none"], auc["pairs"]) == (6, 4, 24)
    reversed_ = [[0.2, 0.4, 0.4]] * 4 + [[0.9, 0.1, 0.0]] * 6
    assert build_report(true, true, LABELS, proba=reversed_, n_bootstrap=10)["confidence"]["action_auc"]["auc"] == 0.0
    # Without the none class, or without a none clip, there is no such AUC.
    no_none = build_report(true[4:], true[4:], LABELS, proba=apart[4:], n_bootstrap=10)["confidence"]
    assert no_none["action_auc"] is None and no_none["average_precision"] is not None


def test_a_report_of_classes_without_none_says_why_it_has_no_action_auc():
    labels = ["background", "tennis_serve", "volleyball_spike"]
    true = ["background"] * 3 + ["tennis_serve"] * 3 + ["volleyball_spike"] * 3
    proba = [[0.8, 0.1, 0.1]] * 3 + [[0.1, 0.8, 0.1]] * 3 + [[0.1, 0.1, 0.8]] * 3
    report = build_report(true, true, labels, proba=proba, n_bootstrap=10)
    assert report["confidence"]["action_auc"] is None
    confidence = render_markdown(report).split("## Confidence")[1].split("\n## ")[0]
    assert "- Action vs none: no AUC (no class is `none`" in confidence
    # A report with `none` among its classes keeps its own line.
    assert "no class is `none`" not in render_markdown(_scored(_calibrated(20, 3), n_bootstrap=10))


def test_clips_without_probabilities_are_left_out_and_counted():
    true, pred, proba = _calibrated(40, 1)
    proba[:3] = np.nan
    figures = build_report(true, pred, LABELS, proba=proba, n_bootstrap=10)["confidence"]
    assert figures["n"] == 37 and figures["without_probabilities"] == 3
    assert figures["calibration"]["n"] == 37 and figures["average_precision"]["n"] == 37
    assert "3 clips without probabilities left out" in render_markdown(
        build_report(true, pred, LABELS, proba=proba, n_bootstrap=10))


def test_without_any_probabilities_every_figure_is_none_and_the_clips_counted():
    from highlights.report.confidence import confidence_figures

    true, pred, proba = _calibrated(4, 1)
    proba[:] = np.nan
    assert confidence_figures([LABELS[i] for i in true], [LABELS[i] for i in pred], LABELS, proba) == {
        "n": 0, "without_probabilities": 4, "calibration": None, "average_precision": None, "action_auc": None}


def test_called_alone_the_figures_draw_the_reports_default_resamples():
    """Used as a library, the confidence figures draw mean AP's interval as a report does by
    default: 1000 resamples from seed 0, the same as `average_precisions` alone."""
    from highlights.report.confidence import average_precisions, confidence_figures

    true, pred, proba = _calibrated(30, 2)
    true, pred = [LABELS[i] for i in true], [LABELS[i] for i in pred]
    alone = confidence_figures(true, pred, LABELS, proba)["average_precision"]
    assert (alone["mean_bootstrap"]["n_resamples"], alone["mean_bootstrap"]["seed"]) == (1000, 0)
    assert alone["mean_interval"] == confidence_figures(true, pred, LABELS, proba, n_bootstrap=1000,
                                                        seed=0)["average_precision"]["mean_interval"]
    t = np.array([LABELS.index(y) for y in true])
    direct = average_precisions(proba, t, LABELS)
    assert (direct["mean_bootstrap"]["n_resamples"], direct["mean_bootstrap"]["seed"]) == (1000, 0)
    assert direct["mean_interval"] == alone["mean_interval"]


def test_two_clips_have_a_mean_average_precision_interval_and_the_action_auc_is_stored_exact():
    from highlights.auc_interval import auc_of
    from highlights.report.confidence import confidence_figures

    proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    two = confidence_figures(["none", "soccer_shooting"], ["none", "soccer_shooting"], LABELS, proba)
    # every resample of two perfectly ranked clips ranks perfectly
    assert two["average_precision"]["mean_interval"] == [1.0, 1.0]
    true, pred, proba = _calibrated(31, 3)
    figures = confidence_figures([LABELS[i] for i in true], [LABELS[i] for i in pred], LABELS, proba)
    auc = auc_of((1.0 - proba[:, 0]).tolist(), [t != 0 for t in true])
    assert (figures["action_auc"]["auc"], figures["action_auc"]["interval"]) == (auc.value, [auc.low, auc.high])


def test_the_action_auc_is_printed_rounded_once_from_the_exact_interval(tmp_path):
    """This action AUC's interval starts at 0.39448: 0.394 to three places, where stored at four
    places first (0.3945) the report and its comparison printed 0.395."""
    scores = [0.81, 0.52, 0.29, 0.05, 0.38, 0.41, 0.05, 0.05, 1.0, 0.65]  # 1 - P(none)
    action = [True, True, False, False, False, True, True, False, True, False]
    true = ["soccer_shooting" if a else "none" for a in action]
    proba = np.array([[1 - s, s, 0.0] for s in scores])
    report = build_report(true, true, LABELS, proba=proba, n_bootstrap=10)
    low = report["confidence"]["action_auc"]["interval"][0]
    assert low == pytest.approx(0.39448, abs=1e-5)
    assert "[0.394, " in render_markdown(report).split("ROC AUC of 1 - P(none): ")[1].splitlines()[0]
    for side in ("a", "b"):
        write_report_files(report, tmp_path / side)
    result = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("| action_auc |"))
    assert "[0.394, " in line and "0.395" not in line


def test_balanced_accuracy_is_the_mean_class_recall():
    report = report_from_confusion(["none", "soccer_shooting"], [[8, 2], [1, 1]], n_bootstrap=10)
    assert report["balanced_accuracy"] == pytest.approx((0.8 + 0.5) / 2) and report["accuracy"] == pytest.approx(0.75)
    rng = np.random.default_rng(3)
    true = rng.choice(LABELS, 200).tolist()
    pred = np.where(rng.random(200) < 0.6, true, rng.choice(LABELS, 200)).tolist()
    report = build_report(true, pred, LABELS, n_bootstrap=200)
    assert report["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(true, pred))
    low, high = report["bootstrap"]["balanced_accuracy"]
    assert low < report["balanced_accuracy"] < high
    # The bootstrap helper agrees with scikit-learn on each resample, a class absent from it included.
    t, p = np.array([[0, 0, 1, 1, 1], [0, 1, 1, 0, 0]]), np.array([[0, 1, 1, 1, 0], [0, 1, 0, 0, 1]])
    expected = [balanced_accuracy_score(t[i], p[i]) for i in range(2)]
    assert balanced_accuracy_of(confusions_of(t, p, 3)) == pytest.approx(expected)


def test_the_reliability_diagram_shows_each_bin_its_count_and_the_diagonal():
    true, pred, proba = _calibrated(60, 2)
    report = build_report(true, pred, LABELS, proba=proba, n_bootstrap=10)
    bins = report["confidence"]["calibration"]["bins"]
    fig = reliability_figure(report)
    try:
        ax = fig.axes[0]
        bars = [(round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6), p.get_height()) for p in ax.patches]
        assert bars == [(row["bin"][0], row["bin"][1], row["correct_rate"]) for row in bins]
        assert [t.get_text() for t in ax.texts] == [f"n={row['n']}" for row in bins]
        assert sum(row["n"] for row in bins) == 60
        assert any(list(line.get_xdata()) == [0, 1] and list(line.get_ydata()) == [0, 1] for line in ax.lines)
        assert "n=60 clips" in ax.get_title()
        low, high = report["confidence"]["calibration"]["ece_interval"]
        assert f"[{low:.3f}, {high:.3f}] (95% bootstrap)" in ax.get_title()  # its level and method
    finally:
        plt.close(fig)


def test_the_markdown_section_gives_each_figure_with_its_n_or_says_there_are_none(tmp_path):
    true, pred, proba = _calibrated(50, 4)
    report = build_report(true, pred, LABELS, proba=proba, n_bootstrap=10)
    markdown = render_markdown(report)
    section = markdown[markdown.index("## Confidence"):markdown.index("## Confusion matrix")]
    cal = report["confidence"]["calibration"]
    assert f"ECE of the predicted class's probability {cal['ece']:.3f}" in section and "n=50 clips" in section
    assert "Average precision, one class against the rest: mean" in section and "(n=50 clips)" in section
    auc = report["confidence"]["action_auc"]
    assert f"n={auc['actions'] + auc['none']}: {auc['actions']} action clips, {auc['none']} none clips" in section
    assert "small n" in section and "| Confidence bin | Clips |" in section
    assert "Balanced accuracy (mean class recall)" in markdown

    paths = write_report_files(report, tmp_path)
    assert paths["reliability_png"].name == "video_scorer_testreport_reliability.png"
    assert paths["reliability_png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](video_scorer_testreport_reliability.png)" in paths["markdown"].read_text()
    assert not list(tmp_path.glob(".*.tmp"))

    # Without probabilities: said plainly, and no diagram (an earlier one in the folder is removed).
    plain = build_report(true, pred, LABELS, n_bootstrap=10)
    assert plain["confidence"] is None
    assert "The model gave no class probabilities for these clips" in render_markdown(plain)
    assert "reliability_png" not in write_report_files(plain, tmp_path)
    assert not (tmp_path / "video_scorer_testreport_reliability.png").exists()
    published = render_markdown(report_from_confusion(LABELS, [[3, 1, 0], [0, 2, 0], [0, 0, 4]], n_bootstrap=10))
    assert "Built from a published confusion matrix: it has no class probabilities" in published


def _old(report: dict) -> dict:
    """The report as written before confidence figures and balanced accuracy were stored."""
    old = json.loads(json.dumps(report))
    for key in ("confidence", "balanced_accuracy"):
        old.pop(key)
    old["bootstrap"].pop("balanced_accuracy")
    return old


def test_compare_shows_the_new_figures_only_where_both_reports_have_them(tmp_path):
    true, pred, proba = _calibrated(80, 5)
    new = build_report(true, pred, LABELS, proba=proba, n_bootstrap=50)
    worse = _scored(_calibrated(80, 6, overconfident=0.3), n_bootstrap=50)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(new, worse)}
    assert rows[("ece", None)]["change"] == pytest.approx(worse["confidence"]["calibration"]["ece"]
                                                          - new["confidence"]["calibration"]["ece"])
    assert rows[("ece", None)]["a_interval"] == new["confidence"]["calibration"]["ece_interval"]
    assert rows[("action_auc", None)]["b"] == worse["confidence"]["action_auc"]["auc"]
    assert rows[("mean_average_precision", None)]["a"] == new["confidence"]["average_precision"]["mean"]
    assert rows[("balanced_accuracy", None)]["b_interval"] == worse["bootstrap"]["balanced_accuracy"]
    assert rows[("average_precision", "none")]["a"] == new["confidence"]["average_precision"]["per_class"]["none"]["ap"]

    old = _old(new)
    plain = build_report(true, pred, LABELS, n_bootstrap=50)
    for a, b in ((old, new), (new, old), (plain, new)):
        metrics = {r["metric"] for r in compare_reports(a, b)}
        assert not metrics & {"ece", "action_auc", "mean_average_precision", "average_precision"}
    assert "balanced_accuracy" not in {r["metric"] for r in compare_reports(old, new)}
    assert "balanced_accuracy" in {r["metric"] for r in compare_reports(plain, new)}

    # An old report file still loads, shows and compares from the command line.
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "video_scorer_testreport.json").write_text(json.dumps(old))
    write_report_files(new, tmp_path / "new")
    assert load_report(tmp_path / "old") == old
    assert "## Confidence" not in render_markdown(old)
    result = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "old"), str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    assert "| accuracy | all |" in result.output and "| ece |" not in result.output
    both = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "new"), str(tmp_path / "new")])
    assert (both.exit_code == 0 and "| ece (lower is better) | all |" in both.output
            and "| action_auc | all |" in both.output)
    shown = CliRunner().invoke(app, ["report", "show", str(tmp_path / "old")])
    assert shown.exit_code == 0 and "## Confidence" not in shown.output
    assert format_comparison(compare_reports(old, new))  # renders without the new fields


def test_mean_average_precision_intervals_show_in_markdown_and_compare_and_older_reports_still_compare(tmp_path):
    new = _scored(_calibrated(80, 5), n_bootstrap=50)
    worse = _scored(_calibrated(80, 6, overconfident=0.3), n_bootstrap=50)
    low, high = new["confidence"]["average_precision"]["mean_interval"]
    section = render_markdown(new)
    assert (f"mean {new['confidence']['average_precision']['mean']:.3f} [{low:.3f}, {high:.3f}] "
            f"(95%, bootstrap)") in section
    assert "Mean AP's interval: percentile bootstrap over test clips; a resample without a clip of a class" in section
    assert "50 resamples of the 80 clips" in section and "narrower than 95%" not in section
    few = _scored(_calibrated(20, 5), n_bootstrap=50)
    assert "resampling 20 clips cannot show the clips they lack" in render_markdown(few)

    rows = {r["metric"]: r for r in compare_reports(new, worse) if r["class"] is None}
    assert rows["mean_average_precision"]["a_interval"] == [low, high]
    assert rows["mean_average_precision"]["b_interval"] == worse["confidence"]["average_precision"]["mean_interval"]

    # A report written before mean AP had an interval: the mean alone on its side, nothing said of overlap.
    older = json.loads(json.dumps(worse))
    for key in ("mean_interval", "mean_bootstrap"):
        older["confidence"]["average_precision"].pop(key)
    row = next(r for r in compare_reports(new, older) if r["metric"] == "mean_average_precision")
    assert row["a_interval"] == [low, high] and row["b_interval"] is None
    assert row["b"] == older["confidence"]["average_precision"]["mean"]
    mean_b = older["confidence"]["average_precision"]["mean"]
    assert "Mean AP's interval" not in render_markdown(older)
    (tmp_path / "older").mkdir()
    (tmp_path / "older" / "video_scorer_testreport.json").write_text(json.dumps(older))
    write_report_files(new, tmp_path / "new")
    result = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "new"), str(tmp_path / "older")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("| mean_average_precision |"))
    assert f"[{low:.3f}, {high:.3f}]" in line and f"| {mean_b:.3f} |" in line


def test_the_ece_interval_draws_the_reports_resamples_as_every_other_interval_does():
    """`evaluate --bootstrap N` sets the resamples of the report's intervals: the ECE's too (it
    stayed at 1000 and seed 0 whatever the report's were), each resample the ECE of the clips drawn
    with the report's generator."""
    true, pred, proba = _calibrated(40, 5)
    cal = _scored((true, pred, proba), n_bootstrap=200, seed=3)["confidence"]["calibration"]
    assert (cal["ece_bootstrap"]["n_resamples"], cal["ece_bootstrap"]["seed"]) == (200, 3)
    scores, right = proba[np.arange(40), pred], np.array(true) == np.array(pred)

    def ece(rows):
        s, r = scores[rows], right[rows]
        edges = np.arange(11) / 10
        gaps = [abs(s[m].mean() - r[m].mean()) * m.sum()
                for m in ((s >= lo) & ((s < hi) if hi < 1 else (s <= hi)) for lo, hi in zip(edges[:-1], edges[1:]))
                if m.any()]
        return sum(gaps) / len(rows)

    draws = np.random.default_rng(3).integers(0, 40, size=(200, 40))
    values = [ece(rows) for rows in draws]
    assert cal["ece_interval"] == pytest.approx([np.percentile(values, 2.5), np.percentile(values, 97.5)], abs=1e-12)


def test_compare_gives_no_change_for_the_precision_of_a_class_one_model_never_predicted():
    """The report stores a never-predicted class's precision as 0.0 (as scikit-learn does); compared
    as a number it read as a fall from 1.000 to 0.000 (-1.000) for a model that merely stopped
    predicting the class."""
    labels = ["baseball_swing", "basketball_layup", "none"]
    true = ["baseball_swing", "basketball_layup", "basketball_layup", "none", "none"]
    a = build_report(true, ["baseball_swing", "basketball_layup", "none", "none", "none"], labels, n_bootstrap=20)
    b = build_report(true, ["none", "basketball_layup", "basketball_layup", "none", "none"], labels, n_bootstrap=20)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(a, b)}
    swing = rows[("precision", "baseball_swing")]
    assert swing["a"] == 1.0 and swing["b_undefined"] and not swing["a_undefined"] and swing["change"] is None
    layup = rows[("precision", "basketball_layup")]
    assert layup["change"] == pytest.approx(0.0) and not layup["b_undefined"]
    assert rows[("recall", "baseball_swing")]["change"] == pytest.approx(-1.0)  # recall is defined: 0 of 1
    text = format_comparison(list(rows.values()))
    assert "| precision | baseball_swing | 1.000 [0.207, 1.000] | undefined | - |" in text
    assert "Never predicted: baseball_swing by B; a precision there is undefined" in text


def test_compare_gives_no_change_for_the_recall_and_f1_of_a_class_one_test_split_lacks():
    """A class with no test clip has no recall: the report stores 0.0 (and counts its F1 as 0 in
    macro-F1), which compared as a number read as a fall from 1.000 to 0.000 for a test split that
    merely held no clip of it."""
    labels = ["baseball_swing", "basketball_layup", "none"]
    a = build_report(["baseball_swing", "basketball_layup", "none", "none"],
                     ["baseball_swing", "basketball_layup", "none", "none"], labels, n_bootstrap=20)
    b = build_report(["basketball_layup", "basketball_layup", "none", "none"],
                     ["basketball_layup", "none", "none", "none"], labels, n_bootstrap=20)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(a, b)}
    for metric in ("recall", "f1"):
        swing = rows[(metric, "baseball_swing")]
        assert swing["a"] == 1.0 and swing["b_undefined"] and not swing["a_undefined"] and swing["change"] is None
    layup = rows[("recall", "basketball_layup")]
    assert layup["change"] == pytest.approx(-0.5) and not layup["a_undefined"] and not layup["b_undefined"]
    text = format_comparison(list(rows.values()))
    assert "| recall | baseball_swing | 1.000 [0.207, 1.000] | undefined | - |" in text
    assert "No test clip: baseball_swing in B; a recall and F1 there are undefined" in text


def test_a_report_of_one_clip_counts_it_in_the_singular_and_claims_no_interval_it_lacks():
    """One test clip read "the class probabilities of 1 clips", "Over the 1 classes", "resampling 1
    clips", and its ECE "(one clip: no interval) (95%, bootstrap; ...)", an interval it then denied."""
    import re

    from highlights.report import build_report, render_markdown

    labels = ["baseball_swing", "basketball_layup", "none"]
    report = build_report(["none"], ["basketball_layup"], labels, proba=np.array([[0.3, 0.45, 0.25]]),
                          n_bootstrap=50)
    text = render_markdown(report)
    assert re.findall(r"\b1 (?:clips|classes|test clips|classes with test clips)\b", text) == []
    ece_line = next(line for line in text.splitlines() if line.startswith("- Calibration:"))
    assert "no interval" in ece_line and "95%" not in ece_line


def test_a_reports_figures_can_be_computed_again_from_the_predictions_it_stores():
    # The confusion matrix alone cannot give the calibration, average precision or AUC: the
    # report keeps each clip's classes and probabilities, and they give its figures again.
    from sklearn.metrics import average_precision_score, confusion_matrix, f1_score, roc_auc_score

    rng = np.random.default_rng(3)
    labels = ["a_x", "b_y", "none"]
    true = rng.integers(0, 3, 60)
    proba = rng.dirichlet(np.ones(3), 60)
    proba[np.arange(60), true] += rng.random(60)
    proba /= proba.sum(axis=1, keepdims=True)
    proba[7] = np.nan  # a clip the model saw nothing in
    pred = np.where(np.isfinite(proba).all(axis=1), np.nan_to_num(proba).argmax(axis=1), 2)
    report = build_report([labels[i] for i in true], [labels[i] for i in pred], labels, proba=proba,
                          clip_ids=[f"c{i:02d}" for i in range(60)], n_bootstrap=50)
    rows = report["predictions"]
    assert [r["clip_id"] for r in rows] == [f"c{i:02d}" for i in range(60)] and rows[7]["probabilities"] is None
    t, p = [r["true"] for r in rows], [r["predicted"] for r in rows]
    assert confusion_matrix(t, p, labels=labels).tolist() == report["confusion_matrix"]["matrix"]
    assert f1_score(t, p, labels=labels, average="macro") == pytest.approx(report["macro_f1"])
    scored = [r for r in rows if r["probabilities"] is not None]
    for label in labels:
        ap = average_precision_score([r["true"] == label for r in scored],
                                     [r["probabilities"][label] for r in scored])
        assert ap == pytest.approx(report["confidence"]["average_precision"]["per_class"][label]["ap"])
    auc = roc_auc_score([r["true"] != "none" for r in scored], [1 - r["probabilities"]["none"] for r in scored])
    assert auc == pytest.approx(report["confidence"]["action_auc"]["auc"])
