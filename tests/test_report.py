"""The test report: seed's table, agreement with scikit-learn, intervals, error analysis, files, compare."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.errors import HighlightsError
from highlights.report import (
    REPORT_FILENAME,
    build_report,
    classes_note,
    compare_reports,
    format_comparison,
    load_report,
    mixed_test_sets_note,
    render_markdown,
    render_table,
    report_from_confusion,
    write_report_files,
)
from highlights.report.metrics import confusions_of, macro_f1_of
from tests.wilson_reference import wilson

# The seed's confusion matrix with its column order corrected (the printed header is misprinted:
# the columns are baseball, basketball, none, soccer, as the row sums and the table show).
SEED_LABELS = ["baseball_swing", "basketball_layup", "none", "soccer_shooting"]
SEED_MATRIX = [[34, 0, 1, 0], [0, 17, 1, 0], [0, 3, 45, 1], [0, 0, 1, 14]]

# The seed's engineering log's table, its accuracy row with every column (written there with
# two cells, which a Markdown viewer shows under Precision and Recall).
SEED_TABLE = """\
| Class | Precision | Recall | F1 | Support |
|---|---|---|---|---|
| baseball_swing | 1.000 | 0.971 | 0.986 | 35 |
| soccer_shooting | 0.933 | 0.933 | 0.933 | 15 |
| none | 0.938 | 0.918 | 0.928 | 49 |
| basketball_layup | 0.850 | 0.944 | 0.895 | 18 |
| Overall accuracy |  |  | 0.940 | 117 |"""


def _random_predictions(n: int, labels: list[str], seed: int, accuracy: float = 0.7):
    rng = np.random.default_rng(seed)
    y_true = rng.choice(labels, size=n)
    wrong = rng.random(n) > accuracy
    y_pred = np.where(wrong, rng.choice(labels, size=n), y_true)
    return list(y_true), list(y_pred)


def test_seed_matrix_gives_the_seed_table_exactly():
    report = report_from_confusion(SEED_LABELS, SEED_MATRIX)
    assert render_table(report) == SEED_TABLE
    markdown = render_markdown(report)
    assert SEED_TABLE in markdown
    assert "Macro-F1: 0.935\n" in markdown  # 0.94 at two places, as published
    assert report["num_clips"] == 117


def test_seed_errors_all_sit_on_the_none_boundary():
    errors = report_from_confusion(SEED_LABELS, SEED_MATRIX)["errors"]
    assert errors["total"] == 7
    assert errors["confused_with_none"] == 7
    assert errors["none_called_action"] == 4
    assert errors["action_called_none"] == 3
    assert errors["cross_sport"] == 0
    assert errors["top_confusions"][0] == {"true": "none", "predicted": "basketball_layup", "count": 3}


def test_metrics_agree_with_sklearn_on_random_data():
    labels = ["a_x", "b_y", "c_z", "none"]
    y_true, y_pred = _random_predictions(300, labels, seed=1)
    report = build_report(y_true, y_pred, labels, n_bootstrap=50)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        m = report["per_class"][label]
        assert m["precision"] == pytest.approx(p[i])
        assert m["recall"] == pytest.approx(r[i])
        assert m["f1"] == pytest.approx(f[i])
        assert m["support"] == s[i]
    assert report["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert report["macro_f1"] == pytest.approx(
        f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def test_bootstrap_macro_f1_helper_agrees_with_sklearn_including_absent_classes():
    rng = np.random.default_rng(3)
    t = rng.integers(0, 3, size=(20, 15))  # class 3 never true
    p = rng.integers(0, 4, size=(20, 15))
    ours = macro_f1_of(confusions_of(t, p, 4))
    for b in range(20):
        expected = f1_score(t[b], p[b], labels=[0, 1, 2, 3], average="macro", zero_division=0)
        assert ours[b] == pytest.approx(expected)


def test_confidence_intervals_contain_the_estimate_and_shrink_with_more_clips():
    labels = ["a_x", "b_y", "none"]
    widths = []
    for n in (60, 2000):
        y_true, y_pred = _random_predictions(n, labels, seed=n)
        report = build_report(y_true, y_pred, labels, n_bootstrap=400, seed=0)
        boot = report["bootstrap"]
        assert boot["n_clips"] == n and boot["confidence"] == 0.95
        for metric in ("accuracy", "macro_f1"):
            lo, hi = boot[metric]
            assert lo <= report[metric] <= hi
            assert lo < hi
        widths.append(boot["accuracy"][1] - boot["accuracy"][0])
    assert widths[1] < widths[0] / 3
    assert "wide" in build_report(*_random_predictions(117, labels, 0), labels, n_bootstrap=10)["bootstrap"]["note"]


def test_bootstrap_is_repeatable_for_a_seed():
    labels = ["a_x", "b_y", "none"]
    y_true, y_pred = _random_predictions(80, labels, seed=5)
    a = build_report(y_true, y_pred, labels, n_bootstrap=200, seed=7)["bootstrap"]
    b = build_report(y_true, y_pred, labels, n_bootstrap=200, seed=7)["bootstrap"]
    assert a == b


def test_confusion_matrix_axes_and_labels_are_named_in_the_json(tmp_path):
    labels = ["baseball_swing", "none", "soccer_shooting"]
    report = build_report(["none", "none", "soccer_shooting"], ["none", "soccer_shooting", "soccer_shooting"], labels)
    path = write_report_files(report, tmp_path)["json"]
    assert path.name == REPORT_FILENAME
    cm = json.loads(path.read_text())["confusion_matrix"]
    assert cm["rows"] == "true" and cm["columns"] == "predicted"
    assert cm["labels"] == labels
    # baseball_swing absent from both sides still gets its row and column.
    assert cm["matrix"] == [[0, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_error_split_on_a_hand_made_example():
    labels = ["baseball_swing", "baseball_bunt", "basketball_layup", "none"]
    y_true = ["baseball_swing", "baseball_swing", "basketball_layup", "none", "none", "baseball_bunt", "none"]
    y_pred = ["none", "basketball_layup", "basketball_layup", "baseball_swing", "none",
              "baseball_swing", "basketball_layup"]
    proba = np.full((7, 4), 0.1)
    for i, p in enumerate(y_pred):
        proba[i, labels.index(p)] = 0.3 + 0.1 * i
    ids = [f"clip{i}" for i in range(7)]
    errors = build_report(y_true, y_pred, labels, proba=proba, clip_ids=ids, n_bootstrap=10)["errors"]
    assert errors["total"] == 5
    assert errors["action_called_none"] == 1  # clip0
    assert errors["none_called_action"] == 2  # clip3, clip6
    assert errors["confused_with_none"] == 3
    assert errors["cross_sport"] == 1  # clip1: baseball -> basketball
    assert errors["same_sport"] == 1  # clip5: bunt -> swing
    mis = errors["misclassified"]
    assert [m["clip_id"] for m in mis] == ["clip6", "clip5", "clip3", "clip1", "clip0"]  # most confident first
    assert mis[0] == {"clip_id": "clip6", "true": "none", "predicted": "basketball_layup",
                      "confidence": pytest.approx(0.9)}


def test_a_clip_without_probabilities_has_no_confidence_and_keeps_its_note():
    labels = ["baseball_swing", "none"]
    proba = np.array([[0.2, 0.8], [np.nan, np.nan], [0.9, 0.1]])
    report = build_report(["baseball_swing", "baseball_swing", "none"], ["none", "none", "baseball_swing"], labels,
                          proba=proba, clip_ids=["a", "b", "c"], clip_notes=["from a.mp4", "no person found", None],
                          n_bootstrap=10)
    mis = report["errors"]["misclassified"]
    assert [(m["clip_id"], m["confidence"], m.get("note")) for m in mis] == [
        ("c", pytest.approx(0.9), None), ("a", pytest.approx(0.8), "from a.mp4"), ("b", None, "no person found")]
    text = render_markdown(report)
    assert "Figures from the class probabilities of 2 clips (1 clip without probabilities left out)." in text
    assert "| Clip | True | Predicted | Confidence | Note |" in text
    assert "| b | baseball_swing | none | - | no person found |" in text
    with pytest.raises(ValueError, match="clip_notes has 1 entry but there are 3 clips"):
        build_report(["none"] * 3, ["none"] * 3, labels, clip_ids=["a", "b", "c"], clip_notes=["x"], n_bootstrap=10)


def test_the_confidence_figures_say_why_a_pose_models_clips_have_no_probabilities():
    """A none clip the pose model found nobody in counts right and is in no error list: the line
    that leaves it out of the confidence figures names it and says why."""
    labels = ["baseball_swing", "none"]
    proba = np.array([[np.nan, np.nan], [np.nan, np.nan], [0.9, 0.1], [0.2, 0.8]])
    truth, called = ["none", "baseball_swing", "baseball_swing", "none"], ["none", "none", "baseball_swing", "none"]
    nobody = ["none/empty_court.mp4", "baseball_swing/far_away.mp4"]
    report = build_report(truth, called, labels, proba=proba, clip_ids=nobody + ["c.mp4", "d.mp4"],
                          meta={"clips_without_a_person": nobody}, n_bootstrap=10)
    assert ("Figures from the class probabilities of 2 clips (2 clips without probabilities left out: no person "
            "was found in them, so the model called them none: none/empty_court.mp4, "
            "baseball_swing/far_away.mp4).") in render_markdown(report)
    # a dataset version's clips, named by content id, are given with the file each was added from
    report["meta"]["clips_without_a_person_from"] = {"none/empty_court.mp4": "court.mp4"}
    assert "called them none: none/empty_court.mp4 (court.mp4), baseball_swing/far_away.mp4)." in render_markdown(
        report)
    # where the report does not name them (an older one, or probabilities missing for another reason)
    # the count stands alone
    report["meta"]["clips_without_a_person"] = nobody[:1]
    assert "(2 clips without probabilities left out)." in render_markdown(report)


def test_the_confidence_table_gives_each_bins_clips_then_the_right_ones():
    labels = ["baseball_swing", "none"]
    proba = np.array([[0.9, 0.1], [0.85, 0.15], [0.95, 0.05], [0.3, 0.7]])
    report = build_report(["baseball_swing", "none", "none", "none"], ["baseball_swing"] * 3 + ["none"], labels,
                          proba=proba, n_bootstrap=10)
    top = report["confidence"]["calibration"]["bins"][-1]
    assert (top["bin"], top["n"], top["right"]) == ([0.9, 1.0], 2, 1)
    assert "| 0.9-1.0 | 2 | 1 | 0.925 | 0.500 |" in render_markdown(report)


def test_a_report_under_an_action_threshold_says_why_a_predicted_action_can_have_low_confidence():
    """A pose model's clip is an action once 1 - P(none) reaches its threshold: the action it is then
    given may hold a small share of the probability, which the Confidence column shows."""
    labels = ["baseball_swing", "basketball_layup", "none"]
    proba = np.array([[0.10, 0.08, 0.82], [0.05, 0.05, 0.90], [0.7, 0.2, 0.1]])
    y_pred = ["baseball_swing", "none", "baseball_swing"]  # the first passes a 0.05 threshold at 0.10
    report = build_report(["none", "none", "baseball_swing"], y_pred, labels, proba=proba, clip_ids=["a", "b", "c"],
                          n_bootstrap=10)
    assert "action threshold" not in render_markdown(report)  # an argmax report has no such note
    report["meta"] = {"action_threshold": 0.05}
    text = render_markdown(report)
    assert "| a | none | baseball_swing | 0.100 |" in text
    assert "reaches the model's action threshold 0.05, and is then given its most probable action class" in text


def test_a_callers_wrong_label_or_arrays_raise_the_packages_one_error_class():
    # A service calling build_report as it would sklearn's metrics catches HighlightsError alone.
    for call in (lambda: build_report(["basketbal_layup"], ["none"], ["basketball_layup", "none"]),
                 lambda: build_report(["none", "none"], ["none"], ["none"]),
                 lambda: build_report([], [], ["none"]),
                 lambda: report_from_confusion(["a", "b"], [[1, 2]])):
        with pytest.raises(HighlightsError) as caught:
            call()
        assert isinstance(caught.value, ValueError)  # as scikit-learn's metrics raise
        assert "\n" not in str(caught.value)
    with pytest.raises(HighlightsError, match="y_true: unknown class 'basketbal_layup'"):
        build_report(["basketbal_layup"], ["none"], ["basketball_layup", "none"])


def test_none_class_is_configurable():
    labels = ["background", "soccer_shooting", "basketball_layup"]
    y_true = ["background", "soccer_shooting", "basketball_layup"]
    y_pred = ["soccer_shooting", "background", "soccer_shooting"]
    errors = build_report(y_true, y_pred, labels, none_label="background", n_bootstrap=10)["errors"]
    assert (errors["confused_with_none"], errors["cross_sport"]) == (2, 1)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="unknown class 'cat'"):
        build_report(["cat"], ["none"], ["none"])
    with pytest.raises(ValueError, match="y_true has 1 entry but y_pred has 2"):
        build_report(["none"], ["none", "none"], ["none"])
    with pytest.raises(ValueError, match="has 1 row, expected 2"):
        report_from_confusion(["a", "b"], [[1, 2, 3]])
    with pytest.raises(ValueError, match="row 2 has 1 entry, expected 2"):  # a ragged matrix, told by row
        report_from_confusion(["a", "b"], [[1, 2], [3]])


def test_report_files_and_markdown_name_the_provenance(tmp_path):
    meta = {"model": {"arch": "r2plus1d_18"}, "checkpoint": "best.pt", "dataset": {"version": "v2"}, "backend": "eager"}
    report = report_from_confusion(SEED_LABELS, SEED_MATRIX, meta=meta)
    paths = write_report_files(report, tmp_path)
    assert load_report(paths["json"])["meta"]["checkpoint"] == "best.pt"
    assert SEED_TABLE in paths["markdown"].read_text()
    assert ("| true \\ predicted | baseball_swing | basketball_layup | none | soccer_shooting |"
            in paths["markdown"].read_text())
    assert paths["confusion_png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_evaluates_out_help_names_every_file_the_report_writes(tmp_path):
    import typer.main

    rng = np.random.default_rng(0)
    labels = ["a", "b", "none"]
    truth = [labels[i % 3] for i in range(12)]
    report = build_report(truth, truth, labels, proba=rng.dirichlet(np.ones(3), size=12), n_bootstrap=20)
    written = sorted(p.name for p in write_report_files(report, tmp_path).values())
    assert len(written) == 4  # with probabilities: the reliability diagram too
    out = next(p for p in typer.main.get_command(app).commands["evaluate"].params if p.name == "out")
    stem = REPORT_FILENAME.removesuffix(".json")
    assert [name for name in written if name.removeprefix(stem) not in out.help] == []


def test_a_report_of_another_split_than_test_says_so_at_its_top():
    from highlights.report import render_markdown

    meta = {"dataset": {"root": "datasets", "version": "v2", "split": "train", "clips": 115}}
    text = render_markdown(report_from_confusion(SEED_LABELS, SEED_MATRIX, meta=meta))
    assert text.startswith("# Test report\n\n**Not a test:** scored on the train split of datasets v2 (115 clips), "
                           "the clips the model was trained on: ")
    for split in ("test", None):
        meta = {"dataset": {"root": "datasets", "version": "v2", **({"split": split} if split else {})}}
        assert "Not a test" not in render_markdown(report_from_confusion(SEED_LABELS, SEED_MATRIX, meta=meta))


def test_a_report_of_clips_the_model_has_seen_counts_and_names_them_at_its_top():
    def top(**meta):
        return render_markdown(report_from_confusion(SEED_LABELS, SEED_MATRIX, meta=meta)).split("\n")[2]

    trained = [f"none/{i:02d}.mp4" for i in range(12)]
    assert top(clips_seen_in_training=trained, clips_seen_in_validation=["none/v.mp4"]) == (
        "**13 of the 117 clips are not a test:** the model was trained on the same files (none/00.mp4, none/01.mp4, "
        "none/02.mp4, none/03.mp4, none/04.mp4, none/05.mp4, none/06.mp4, none/07.mp4, none/08.mp4, none/09.mp4 "
        "and 2 more) and its best epoch was chosen on the same file (none/v.mp4), so the figures below overstate "
        "how it does on new clips.")
    assert top(clips_seen_in_validation=["none/v.mp4"]).startswith(
        "**1 of the 117 clips is not a test:** its best epoch was chosen on the same file (none/v.mp4)")


def test_the_markdown_lists_the_five_most_frequent_confusions():
    labels = ["a_x", "b_y", "c_z", "none"]
    matrix = [[9, 1, 2, 3], [4, 9, 5, 6], [7, 8, 9, 1], [2, 1, 1, 9]]
    report = report_from_confusion(labels, matrix)
    assert len(report["errors"]["top_confusions"]) == 12
    table = render_markdown(report).split("Top confusions:\n\n")[1].split("\n\n")[0]
    assert table.splitlines()[2:] == ["| c_z | b_y | 8 |", "| c_z | a_x | 7 |", "| b_y | none | 6 |",
                                      "| b_y | c_z | 5 |", "| b_y | a_x | 4 |"]


def test_the_error_line_counts_each_side_of_the_none_boundary_apart():
    md = render_markdown(report_from_confusion(SEED_LABELS, SEED_MATRIX))
    # actions called none: one swing, one layup, one shot; none clips called an action: 3 layups and 1 shot
    assert ("7 errors of 117 clips: 7 confused with none (3 actions called none, 4 none clips called an action), "
            "0 cross-sport, 0 within one sport.") in md


def test_the_calibration_line_counts_clips_predicted_other_than_the_most_probable_class():
    proba = np.array([[0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    report = build_report(["baseball_swing", "none", "baseball_swing"], ["baseball_swing", "baseball_swing", "none"],
                          ["baseball_swing", "none"], proba=proba, n_bootstrap=10)
    assert report["confidence"]["calibration"]["predicted_not_top"] == 1  # the second clip
    assert "10 equal-width bins; 1 clip predicted other than its most probable class)" in render_markdown(report)
    report["confidence"]["calibration"]["predicted_not_top"] = 2
    assert "10 equal-width bins; 2 clips predicted other than their most probable class)" in render_markdown(report)


def test_compare_gives_the_change_per_metric_and_class():
    a = report_from_confusion(SEED_LABELS, SEED_MATRIX)
    better = [[35, 0, 0, 0], [0, 18, 0, 0], [0, 1, 47, 1], [0, 0, 0, 15]]
    b = report_from_confusion(SEED_LABELS, better)
    rows = compare_reports(a, b)
    by_key = {(r["metric"], r["class"]): r for r in rows}
    assert by_key[("accuracy", None)]["change"] == pytest.approx(b["accuracy"] - a["accuracy"])
    assert by_key[("recall", "baseball_swing")]["change"] == pytest.approx(1 - 34 / 35)
    assert by_key[("support", "none")]["change"] == 0
    text = format_comparison(rows)
    # each class's precision and recall with the Wilson interval its report stores
    (alo, ahi), (blo, bhi) = wilson(34, 35), wilson(35, 35)
    assert (f"| recall | baseball_swing | 0.971 [{alo:.3f}, {ahi:.3f}] | 1.000 [{blo:.3f}, {bhi:.3f}] "
            "| +0.029 |") in text
    assert "overlap for accuracy, macro_f1, balanced_accuracy, recall of baseball_swing, " in text
    # and its F1 with the bootstrap interval its report stores: none in b, where all 35 clips are
    # right and no other is called baseball_swing, so that every resample's F1 is 1
    alo, ahi = a["per_class"]["baseball_swing"]["f1_interval"]
    assert b["per_class"]["baseball_swing"]["f1_interval"] is None
    assert (f"| f1 | baseball_swing | {a['per_class']['baseball_swing']['f1']:.3f} [{alo:.3f}, {ahi:.3f}] | "
            "1.000 |") in text


def test_compare_shows_each_change_as_the_difference_of_the_two_figures_shown():
    """18/33 and 22/33 are shown as 0.545 and 0.667; the difference of the unrounded values,
    0.1212, was shown as +0.121 beside them. The Change column, and the macro-F1 change said
    under the table, are the differences of the figures shown."""
    import re

    from highlights.report.paired import change_line, macro_f1_change

    a = report_from_confusion(["none", "soccer_shooting"], [[9, 7], [8, 9]])
    b = report_from_confusion(["none", "soccer_shooting"], [[11, 5], [6, 11]])
    assert (a["accuracy"], b["accuracy"]) == (18 / 33, 22 / 33)
    text = format_comparison(compare_reports(a, b))
    assert re.search(r"\| accuracy \| all \| 0\.545 \[[^]]*\] \| 0\.667 \[[^]]*\] \| \+0\.122 \|", text)
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()
            if re.match(r"\| [a-z_0-9]+ ", line)]
    checked = 0
    for row in rows:
        figures = [re.match(r"-?\d+\.\d{3}", cell) for cell in row[2:4]]
        if all(figures) and re.match(r"[+-]\d+\.\d{3}$", row[4]):
            shown = float(figures[1].group()) - float(figures[0].group())
            assert row[4] == f"{shown:+.3f}", row
            checked += 1
    assert checked == 9
    macro = next(row for row in rows if row[0] == "macro_f1")
    said = re.search(r"Macro-F1 change B - A: ([+-]\d\.\d{3})", change_line(macro_f1_change(a, b)))
    assert said.group(1) == macro[4]


def test_compare_handles_a_class_only_one_side_has():
    a = build_report(["none", "soccer_shooting"], ["none", "soccer_shooting"],
                     ["none", "soccer_shooting"], n_bootstrap=10)
    b = build_report(["none", "golf_swing"], ["none", "none"], ["none", "golf_swing"], n_bootstrap=10)
    rows = compare_reports(a, b)
    golf = [r for r in rows if r["class"] == "golf_swing" and r["metric"] == "f1"][0]
    assert golf["a"] is None and golf["b"] == 0.0 and golf["change"] is None


def test_compare_gives_per_class_ap_and_no_precision_change_for_a_class_never_predicted():
    labels = ["none", "soccer_shooting"]
    true = ["none", "none", "soccer_shooting", "soccer_shooting"]
    a = build_report(true, ["none"] * 4, labels, n_bootstrap=10,
                     proba=np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.7, 0.3]]))
    b = build_report(true, ["none", "soccer_shooting", "soccer_shooting", "soccer_shooting"],
                     labels, n_bootstrap=10,
                     proba=np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.3, 0.7]]))
    by_key = {(r["metric"], r["class"]): r for r in compare_reports(a, b)}
    for label in labels:
        ap = by_key[("average_precision", label)]
        assert (ap["a"], ap["b"]) == tuple(
            r["confidence"]["average_precision"]["per_class"][label]["ap"] for r in (a, b))
    # A never predicts a shot: its stored precision 0.0 is no figure to take a change from.
    shots = by_key[("precision", "soccer_shooting")]
    assert (shots["a_undefined"], shots["b_undefined"], shots["change"]) == (True, False, None)
    rest = by_key[("precision", "none")]
    assert not rest["a_undefined"] and rest["change"] == pytest.approx(rest["b"] - rest["a"])
    text = format_comparison(compare_reports(a, b))
    # it has two test clips
    assert "Never predicted: soccer_shooting by A;" in text and "No test clip" not in text


def test_compare_of_two_class_lists_shows_both_figures_over_all_classes_but_no_change(tmp_path):
    a = build_report(["none", "soccer_shooting", "none"], ["none", "soccer_shooting", "soccer_shooting"],
                     ["none", "soccer_shooting"], n_bootstrap=10)
    b = build_report(["none", "golf_swing", "golf_swing"], ["none", "golf_swing", "none"],
                     ["none", "golf_swing", "soccer_shooting"], n_bootstrap=10)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(a, b)}
    for metric in ("accuracy", "macro_f1", "balanced_accuracy"):
        assert rows[(metric, None)]["change"] is None and rows[(metric, None)]["not_comparable"]
        assert rows[(metric, None)]["a"] == a[metric] and rows[(metric, None)]["b"] == b[metric]
    assert rows[("num_clips", None)]["change"] == 0  # a count is still a count
    assert rows[("recall", "none")]["change"] == pytest.approx(b["per_class"]["none"]["recall"]
                                                               - a["per_class"]["none"]["recall"])
    paths = [write_report_files(r, tmp_path / n)["json"] for n, r in (("a", a), ("b", b))]
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    accuracy = next(line for line in result.output.splitlines() if line.startswith("| accuracy |"))
    assert accuracy.startswith(f"| accuracy | all | {a['accuracy']:.3f} [") and accuracy.endswith("| not comparable |")
    macro = next(line for line in result.output.splitlines() if line.startswith("| macro_f1 |"))
    assert macro.endswith("| not comparable |")
    assert "Macro-F1 change B - A: not comparable (the two reports score different class lists)." in result.output
    # the same class lists in another order are one class list: the change is given
    same = {r["metric"]: r for r in compare_reports(b, {**b, "labels": list(reversed(b["labels"]))}) if not r["class"]}
    assert same["accuracy"]["change"] == 0 and not same["accuracy"].get("not_comparable")


def test_compare_of_a_model_that_gained_a_class_on_the_same_clips_gives_every_change_but_macro_f1(tmp_path):
    """The old model against one trained on a version that added tennis_serve, both scored on the
    version both know: each clip is right or wrong whatever else either model could call it."""
    truth = ["none", "soccer_shooting", "soccer_shooting", "none"]
    scored_on = {"meta": {"dataset": {"root": "/data", "version": "v2", "split": "test", "clips": 4}},
                 "clip_ids": ["c1", "c2", "c3", "c4"], "n_bootstrap": 10}
    proba_a = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.8, 0.2]])
    proba_b = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.2, 0.1, 0.7]])
    a = build_report(truth, ["none", "soccer_shooting", "none", "none"], ["none", "soccer_shooting"],
                     proba=proba_a, **scored_on)
    b = build_report(truth, ["none", "soccer_shooting", "soccer_shooting", "tennis_serve"],
                     ["none", "soccer_shooting", "tennis_serve"], proba=proba_b, **scored_on)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(a, b)}
    assert rows[("accuracy", None)]["change"] == pytest.approx(0.0)  # 3 of 4 right each, other clips wrong
    assert rows[("balanced_accuracy", None)]["change"] == pytest.approx(b["balanced_accuracy"] - a["balanced_accuracy"])
    for metric in ("accuracy", "balanced_accuracy", "ece", "mean_average_precision", "action_auc"):
        assert not rows[(metric, None)].get("not_comparable"), metric
    assert rows[("macro_f1", None)]["change"] is None and rows[("macro_f1", None)]["not_comparable"]
    note = classes_note(a, b)
    assert "no change is given for it. They scored the same clips" in note
    # Scored on other clips as well, none of them is a change of the models alone.
    elsewhere = {**scored_on, "clip_ids": ["c1", "c2", "c3", "c5"]}
    b_elsewhere = build_report(truth, ["none", "soccer_shooting", "soccer_shooting", "tennis_serve"],
                               ["none", "soccer_shooting", "tennis_serve"], proba=proba_b, **elsewhere)
    rows = {(r["metric"], r["class"]): r for r in compare_reports(a, b_elsewhere)}
    assert all(rows[(m, None)]["not_comparable"] for m in ("accuracy", "balanced_accuracy", "ece"))
    assert "no change is given for the figures over all classes" in classes_note(a, b_elsewhere)


def test_compare_says_when_the_two_reports_were_scored_on_different_clips(tmp_path):
    def scored(dataset, n):
        return build_report(["none"] * n, ["none"] * n, ["none", "soccer_shooting"], n_bootstrap=10,
                            meta={"dataset": dataset})

    v2_test = {"root": "/data", "version": "v2", "split": "test", "clips": 4}
    same = mixed_test_sets_note(scored(v2_test, 4), scored(dict(v2_test), 4))
    assert same is None
    note = mixed_test_sets_note(scored({"clips_root": "/clips", "split": "all", "clips": 37}, 37), scored(v2_test, 4))
    assert "different test clips" in note and "every clip of /clips, 37 clips" in note
    assert "/data v2 test split, 4 clips" in note
    assert mixed_test_sets_note(scored({**v2_test, "version": "v3", "clips": 6}, 6), scored(v2_test, 4)) is not None
    assert mixed_test_sets_note(report_from_confusion(SEED_LABELS, SEED_MATRIX), scored(v2_test, 4)) is None  # unknown
    paths = []
    for name, report in (("a", scored(v2_test, 4)), ("b", scored({**v2_test, "version": "v3", "clips": 6}, 6))):
        paths.append(write_report_files(report, tmp_path / name)["json"])
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0 and "were scored on different test clips" in result.output


def test_compare_reads_evaluates_folders_and_says_when_the_classes_differ(tmp_path):
    two = build_report(["none", "soccer_shooting"], ["none", "soccer_shooting"], ["none", "soccer_shooting"],
                       n_bootstrap=10)
    three = build_report(["none", "golf_swing", "tennis_serve"], ["none", "none", "tennis_serve"],
                         ["none", "golf_swing", "tennis_serve"], n_bootstrap=10)
    write_report_files(two, tmp_path / "report-a")  # the folders `highlights evaluate --out` writes
    write_report_files(three, tmp_path / "report-b")
    result = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "report-a"), str(tmp_path / "report-b")])
    assert result.exit_code == 0, result.output
    assert ("A and B do not score the same classes (only A has soccer_shooting; only B has golf_swing, "
            "tennis_serve): their macro-F1 averages over different classes, so no change is given for the figures "
            "over all classes; compare the rows of the classes both have.") in " ".join(result.output.split())
    same = CliRunner().invoke(app, ["report", "compare", str(tmp_path / "report-a"), str(tmp_path / "report-a")])
    assert same.exit_code == 0 and "same classes" not in same.output
    shown = CliRunner().invoke(app, ["report", "show", str(tmp_path / "report-b")])
    assert shown.exit_code == 0 and "tennis_serve" in shown.output
    markdown = tmp_path / "report-b" / "video_scorer_testreport.md"  # the copy `evaluate` prints last
    assert load_report(markdown) == load_report(tmp_path / "report-b")
    (tmp_path / "notes.md").write_text("# mine")
    with pytest.raises(ValueError, match="notes.md: not valid JSON"):
        load_report(tmp_path / "notes.md")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert f"error: {empty}: holds no video_scorer_testreport.json (the folder `highlights evaluate --out` " \
           "writes)" in " ".join(CliRunner().invoke(app, ["report", "show", str(empty)]).output.split())
    (empty / "pipeline_eval.json").write_text("{}")
    said = " ".join(CliRunner().invoke(
        app, ["report", "compare", str(empty), str(tmp_path / "report-a")]).output.split())
    assert said.endswith("; it is a `pipeline evaluate` folder, whose scores are in pipeline_eval.md"), said


def test_cli_from_confusion_prints_the_seed_table_and_compare_works(tmp_path):
    cm = tmp_path / "cm.json"
    cm.write_text(json.dumps({"labels": SEED_LABELS, "matrix": SEED_MATRIX}))
    runner = CliRunner()
    result = runner.invoke(app, ["report", "from-confusion", str(cm), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert SEED_TABLE in result.output
    report_path = tmp_path / "r" / REPORT_FILENAME
    assert report_path.exists()
    result = runner.invoke(app, ["report", "compare", str(report_path), str(report_path)])
    assert result.exit_code == 0, result.output
    assert "| accuracy | all | 0.940" in result.output and "+0.000" in result.output
    result = runner.invoke(app, ["report", "show", str(report_path)])
    assert result.exit_code == 0 and SEED_TABLE in result.output
    result = runner.invoke(app, ["report", "show", str(cm)])
    assert result.exit_code == 1 and "not a test report" in result.output


def test_a_class_with_no_test_clip_is_named_beside_macro_f1():
    # A small test split without any layup: macro-F1 averages in its 0, and says so.
    labels = ["baseball_swing", "basketball_layup", "none"]
    report = build_report(["baseball_swing", "none", "none"], ["baseball_swing", "none", "baseball_swing"],
                          labels, n_bootstrap=10)
    assert report["per_class"]["basketball_layup"]["support"] == 0
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    markdown = render_markdown(report)
    assert ("No test clip of basketball_layup: macro-F1 counts its F1 as 0. "
            "Over the 2 classes with test clips it is 0.667.") in markdown
    # never predicted either, but without test clips: the note above says why, not 'never predicted'
    assert report["per_class"]["basketball_layup"]["predicted"] == 0 and "Never predicted" not in markdown
    assert "No test clip" not in render_markdown(report_from_confusion(SEED_LABELS, SEED_MATRIX))


def test_compare_says_which_side_scored_an_unfinished_run(tmp_path):
    def scored(meta):
        return build_report(["none"] * 3, ["none"] * 3, ["none", "soccer_shooting"], n_bootstrap=10, meta=meta)

    unfinished = {"unfinished_run": {"epochs_done": 2, "epochs_planned": 30, "note": "best.pt comes from ..."}}
    paths = [write_report_files(report, tmp_path / name)["json"]
             for name, report in (("a", scored({})), ("b", scored(unfinished)))]
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert ("B's checkpoint comes from a training run that stopped after epoch 2 of 30: that side of the "
            "change is not a finished model's.") in result.output
    result = CliRunner().invoke(app, ["report", "compare", str(paths[0]), str(paths[0])])
    assert "not a finished model's" not in result.output


def test_compare_says_which_side_scored_clips_its_model_was_trained_on(tmp_path):
    def scored(meta):
        return build_report(["none", "soccer_shooting", "none"], ["none", "soccer_shooting", "soccer_shooting"],
                            ["none", "soccer_shooting"], n_bootstrap=10, meta=meta)

    clips = {"dataset": {"clips_root": "/my-clips"}}
    trained_on = {**clips, "clips_seen_in_training": ["none/a.mp4", "soccer_shooting/b.mp4"]}
    validated = {**trained_on, "clips_seen_in_validation": ["none/c.mp4"]}
    train_split = {"dataset": {"root": "/datasets", "version": "v2", "split": "train"}}
    paths = {name: write_report_files(report, tmp_path / name)["json"]
             for name, report in (("default", scored(clips)), ("mine", scored(trained_on)),
                                  ("train", scored(train_split)), ("validated", scored(validated)))}

    def compared(a, b):
        result = CliRunner().invoke(app, ["report", "compare", str(paths[a]), str(paths[b])])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    assert ("B's model was trained on 2 of the 3 clips it scored: its figures overstate how it does on new "
            "clips, so the change is not a test of the models.") in compared("default", "mine")
    assert ("A scored the train split, the clips the model was trained on: its figures overstate"
            in compared("train", "default"))
    assert ("B's model was trained on 2 and chose its best epoch on 1 of the 3 clips it scored"
            in compared("default", "validated"))
    assert "overstate" not in compared("default", "default")


def test_compare_names_the_model_each_side_scored(tmp_path):
    def scored(model, checkpoint):
        return build_report(["none"], ["none"], ["none", "soccer_shooting"], n_bootstrap=10,
                            meta={"model": model, "checkpoint": {"path": checkpoint, "sha256": "ab"}})

    pose = scored({"arch": "pose_features_linear", "family": "features_linear"}, "/runs/pose/best.pt")
    clip = scored({"arch": "r2plus1d_18", "num_classes": 2, "width": 0.25, "layers": [1, 1, 1, 1]}, "/runs/v2/best.pt")
    paths = [write_report_files(r, tmp_path / name)["json"] for name, r in (("a", pose), ("b", clip))]
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert f"A: {paths[0]} (pose classifier features_linear; checkpoint /runs/pose/best.pt)" in result.output
    assert f"B: {paths[1]} (R(2+1)D, width 0.25; checkpoint /runs/v2/best.pt)" in result.output
    unknown = write_report_files(report_from_confusion(SEED_LABELS, SEED_MATRIX), tmp_path / "c")["json"]
    result = CliRunner().invoke(app, ["report", "compare", str(unknown), str(unknown)])
    assert result.exit_code == 0 and f"A: {unknown}\n" in result.output


def test_a_class_list_without_none_is_not_said_to_have_errors_with_it():
    """A club's classes with `rest` for background play: the error analysis does not count
    errors with a `none` class the report does not have."""
    labels = ["volleyball_spike", "tennis_serve", "rest"]
    report = build_report(["volleyball_spike", "tennis_serve", "rest"], ["tennis_serve", "rest", "rest"], labels,
                          n_bootstrap=10)
    said = next(line for line in render_markdown(report).splitlines() if line.startswith("2 errors of 3 clips"))
    assert said == ("2 errors of 3 clips (the classes have no `none`, so no error is on the action/no-action "
                    "boundary): 1 cross-sport, 0 within one sport, 1 with a class whose name gives no sport.")
    seed = build_report(["none", "soccer_shooting"], ["soccer_shooting", "none"], ["soccer_shooting", "none"],
                        n_bootstrap=10)
    assert "2 errors of 2 clips: 2 confused with none (1 action called none, 1 none clip called an action), " \
        in render_markdown(seed)
    one = build_report(["none", "soccer_shooting", "none"], ["soccer_shooting", "soccer_shooting", "none"],
                       ["soccer_shooting", "none"], n_bootstrap=10)
    assert "1 error of 3 clips: 1 confused with none (0 actions called none, 1 none clip called an action), " \
        in render_markdown(one)


def test_bootstrap_intervals_are_the_percentiles_of_sklearn_figures_over_the_same_resamples():
    # Worked out independently: the same resampled clips (clip_resamples), each resample scored by
    # scikit-learn, and the 2.5th and 97.5th percentiles taken; accuracy's from Wilson's formula.
    from sklearn.metrics import balanced_accuracy_score

    from highlights.report.resamples import clip_resamples

    labels = ["a_x", "b_y", "c_z", "none"]
    rng = np.random.default_rng(11)
    y_true = list(rng.choice(labels, size=50, p=[0.45, 0.3, 0.2, 0.05]))  # a rare class, absent from some resamples
    y_pred = [t if rng.random() < 0.6 else str(rng.choice(labels)) for t in y_true]
    report = build_report(y_true, y_pred, labels, n_bootstrap=300, seed=4)
    boot = report["bootstrap"]
    t, p = np.array(y_true), np.array(y_pred)
    macro, balanced, per_class = [], [], [[] for _ in labels]
    for idx in clip_resamples(len(y_true), 300, 4):
        macro.append(f1_score(t[idx], p[idx], labels=labels, average="macro", zero_division=0))
        with warnings.catch_warnings():  # scikit-learn warns of a class predicted but not in the resample
            warnings.simplefilter("ignore", UserWarning)
            balanced.append(balanced_accuracy_score(t[idx], p[idx]))
        f1s = f1_score(t[idx], p[idx], labels=labels, average=None, zero_division=0)
        for i, label in enumerate(labels):
            if label in t[idx]:
                per_class[i].append(f1s[i])
    assert boot["macro_f1"] == pytest.approx(np.percentile(macro, [2.5, 97.5]).tolist())
    assert boot["balanced_accuracy"] == pytest.approx(np.percentile(balanced, [2.5, 97.5]).tolist())
    assert len(per_class[3]) < 300  # the rare class is missing from some resamples, which are left out
    for label, f in zip(labels, per_class):
        assert report["per_class"][label]["f1_interval"] == pytest.approx(np.percentile(f, [2.5, 97.5]).tolist())
    right = sum(a == b for a, b in zip(y_true, y_pred))
    assert boot["right"] == right and boot["accuracy"] == pytest.approx(list(wilson(right, 50)))


def test_balanced_accuracy_averages_recall_over_the_classes_with_test_clips_only():
    from sklearn.metrics import balanced_accuracy_score

    labels = ["a_x", "b_y", "none"]
    # b_y is predicted once but has no test clip: it has no recall to average in
    y_true = ["a_x", "a_x", "a_x", "none", "none"]
    y_pred = ["a_x", "b_y", "a_x", "none", "a_x"]
    report = build_report(y_true, y_pred, labels, n_bootstrap=10)
    with pytest.warns(UserWarning):
        expected = balanced_accuracy_score(y_true, y_pred)
    assert report["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2) / 2) == pytest.approx(expected)
    # a test set of one class: every resample's balanced accuracy is that class's recall, and a
    # point [1.0, 1.0] would read as certain: no interval
    one_class = build_report(["a_x"] * 8, ["a_x"] * 8, labels, n_bootstrap=20)
    assert one_class["balanced_accuracy"] == 1.0 and one_class["bootstrap"]["balanced_accuracy"] is None


def test_the_interval_note_changes_at_40_and_at_1000_clips():
    from highlights.report.metrics import _interval_note

    assert "still narrower than 95%" in _interval_note(39)
    assert _interval_note(40).startswith("With only 40 test clips these intervals are wide: ")
    assert _interval_note(999).startswith("With only 999 test clips these intervals are wide: ")
    assert _interval_note(1000).startswith("Intervals from 1000 test clips: ")
    assert "1 test clip " in _interval_note(1)


def test_report_defaults_are_a_thousand_resamples_from_seed_0_and_the_clip_fingerprint_ignores_order():
    from highlights.report.metrics import bootstrap_intervals, clip_ids_fingerprint

    boot = report_from_confusion(SEED_LABELS, SEED_MATRIX)["bootstrap"]
    assert (boot["n_resamples"], boot["seed"]) == (1000, 0)
    boot = bootstrap_intervals(["a", "b"], ["a", "a"], ["a", "b"])
    assert (boot["n_resamples"], boot["seed"]) == (1000, 0)
    import hashlib

    assert clip_ids_fingerprint(["b", "a"]) == clip_ids_fingerprint(["a", "b"]) == hashlib.sha256(b"a\nb").hexdigest()


def test_a_published_matrix_gives_what_sklearn_gives_on_the_clips_it_counts():
    # Expanded back into one (true, predicted) pair per clip; "c_z" is never predicted, so it has
    # no precision, which scikit-learn's zero_division=0 reports as 0.
    labels = ["a_x", "b_y", "c_z", "none"]
    matrix = [[5, 1, 0, 2], [0, 3, 0, 1], [2, 1, 0, 0], [1, 0, 0, 6]]
    y_true = [labels[i] for i, row in enumerate(matrix) for j, n in enumerate(row) for _ in range(n)]
    y_pred = [labels[j] for i, row in enumerate(matrix) for j, n in enumerate(row) for _ in range(n)]
    report = report_from_confusion(labels, matrix, n_bootstrap=20)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    assert [report["per_class"][x]["precision"] for x in labels] == pytest.approx(p.tolist())
    assert report["per_class"]["c_z"]["precision"] == 0.0 and report["per_class"]["c_z"]["precision_interval"] is None
    assert [report["per_class"][x]["recall"] for x in labels] == pytest.approx(r.tolist())
    assert [report["per_class"][x]["f1"] for x in labels] == pytest.approx(f.tolist())
    assert [report["per_class"][x]["support"] for x in labels] == s.tolist()
    assert report["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    built = build_report(y_true, y_pred, labels, n_bootstrap=20)
    for key in ("accuracy", "macro_f1", "balanced_accuracy", "confusion_matrix", "errors"):
        assert report[key] == pytest.approx(built[key]) if isinstance(built[key], float) else report[key] == built[key]
    for x in labels:  # the F1 intervals differ: the matrix's are resampled from its counts
        without_f1_interval = lambda d: {k: v for k, v in d.items() if k != "f1_interval"}  # noqa: E731
        assert without_f1_interval(report["per_class"][x]) == pytest.approx(without_f1_interval(built["per_class"][x]))


def test_the_error_split_uses_the_sports_a_dataset_gives_its_classes():
    # Club class names name no sport; the mapping given says which sport each belongs to.
    labels = ["swing", "bunt", "kick", "none"]
    sports = {"swing": "baseball", "bunt": "baseball", "kick": "soccer"}
    y_true = ["swing", "swing", "bunt", "kick", "none"]
    y_pred = ["bunt", "kick", "bunt", "none", "swing"]
    errors = build_report(y_true, y_pred, labels, n_bootstrap=10, sports=sports)["errors"]
    assert (errors["same_sport"], errors["cross_sport"], errors["no_sport"]) == (1, 1, 0)
    assert (errors["action_called_none"], errors["none_called_action"], errors["total"]) == (1, 1, 4)
    unmapped = build_report(y_true, y_pred, labels, n_bootstrap=10)["errors"]
    assert (unmapped["same_sport"], unmapped["cross_sport"], unmapped["no_sport"]) == (0, 0, 2)


def test_top_confusions_are_most_frequent_first_then_in_label_order():
    labels = ["a_x", "b_y", "c_z", "none"]
    # equal counts are listed by the true class's place in labels, then the predicted class's
    y_true = ["b_y", "a_x", "none", "a_x", "none", "a_x"]
    y_pred = ["a_x", "c_z", "a_x", "b_y", "a_x", "a_x"]
    top = build_report(y_true, y_pred, labels, n_bootstrap=10)["errors"]["top_confusions"]
    assert [(c["true"], c["predicted"], c["count"]) for c in top] == [
        ("none", "a_x", 2), ("a_x", "b_y", 1), ("a_x", "c_z", 1), ("b_y", "a_x", 1)]


def test_a_reduced_precisions_counts_are_the_nearest_whole_clips_to_its_shares():
    # 0.29 and 0.57 of 100 are 28.999... and 56.999... in floats: still 29 and 57 clips
    from highlights.report.markdown import accuracy_against_fp32, same_predictions

    verdict = {"num_clips": 100, "int8_accuracy": 0.29, "fp32_accuracy": 0.57, "prediction_agreement": 0.29}
    assert accuracy_against_fp32(verdict, "int8") == "accuracy 0.290 (29/100) vs fp32 0.570 (57/100)"
    assert same_predictions(verdict) == "29 of the 100 clips"


def test_mean_aps_interval_is_called_narrower_below_40_clips_only():
    from highlights.report.markdown import _mean_ap_interval_note

    boot = {"method": "percentile bootstrap over test clips", "n_resamples": 1000, "seed": 0}
    assert "narrower than 95%" in _mean_ap_interval_note({"mean_bootstrap": boot, "n": 39})
    assert "narrower" not in _mean_ap_interval_note({"mean_bootstrap": boot, "n": 40})


def test_a_reduced_precisions_agreement_with_fp32_is_given_in_clips():
    """One clip of 49 predicted otherwise read as "same prediction on 98.0% of clips": the
    verdict's agreement is given as the clips it counts, as its accuracies are."""
    from highlights.model.precision_verdict import int8_verdict

    fp32 = np.eye(4)[[0, 1, 2, 3] * 12 + [0]] * 5.0
    int8 = fp32.copy()
    int8[0] = np.eye(4)[1] * 5.0  # the first clip's prediction moves from class 0 to class 1
    labels = [0, 1, 2, 3] * 12 + [0]
    verdict = {**int8_verdict(fp32, int8, labels), "speedup_vs_reference": 2.0}
    report = build_report(["a", "b"], ["a", "b"], ["a", "b"],
                          meta={"inference_backend": "torchscript", "int8": verdict})
    md = render_markdown(report)
    assert "accuracy 0.980 (48/49) vs fp32 1.000 (49/49)" in md
    assert "same prediction on 48 of the 49 clips" in md and "%" not in md.split("int8 (")[1].split("\n")[0]


def test_a_reduced_precisions_speedup_is_the_ratio_of_the_seconds_stored_beside_it():
    """Timings stored to two places beside a speedup of the unrounded ones disagreed: 0.1749 s
    and 0.0799 s were stored as 0.17 and 0.08 beside 2.19x, where the stored seconds give 2.12x."""
    from highlights.model.precision_verdict import speed_against_fp32

    rng = np.random.default_rng(0)
    timings = [(0.1749, 0.0799), (1.234567, 0.0456789), *rng.uniform(0.001, 3.0, (200, 2))]
    for fp32, reduced in timings:
        speed = speed_against_fp32({"fp32": fp32, "int8": reduced}, "int8", clips=8)
        stored = speed["seconds"]
        assert set(stored) == {"fp32", "int8"}
        assert stored["int8"] == pytest.approx(reduced, abs=1e-4)
        assert speed["speedup_vs_reference"] == round(stored["fp32"] / stored["int8"], 2)
        assert speed["speedup_vs_reference"] == pytest.approx(fp32 / reduced, rel=0.05, abs=0.01)
    nothing = speed_against_fp32({"fp32": 0.2, "bf16": 0.00001}, "bf16", clips=8)
    assert nothing["speedup_vs_reference"] is None


class _FirstCallSlow:
    """A classifier whose paths take ``took[path]`` seconds of a fake clock per call, in turn:
    the first call of each path (allocation, kernel choice) much slower than the rest."""

    def __init__(self, took: dict[str, list[float]]):
        self.now, self.took, self.batches = 0.0, took, []

    def _call(self, path: str, batch):
        self.batches.append((path, batch))
        self.now += self.took[path].pop(0)
        return np.zeros((len(batch), 4))

    def predict_logits(self, batch):
        return self._call("fp32", batch)

    def reduced_logits(self, precision: str, batch):
        return self._call(precision, batch)


def test_a_reduced_precisions_speedup_leaves_out_each_paths_first_call():
    """Each path timed once per batch counted its first call, which allocates and picks kernels:
    on a one-batch test split the same model's int8 speed-up read 2.19x in one run and 10.83x in
    the next. Both paths are timed after a warm-up call each, over the same clips, by the median
    of interleaved calls, and the verdict says so."""
    from highlights.model.precision_verdict import int8_verdict, speed_against_fp32
    from highlights.train.evaluation import _path_seconds, _verdict_line

    batch = np.zeros((5, 3, 4, 8, 8), dtype=np.float32)
    slow = _FirstCallSlow({"fp32": [3.0, 0.2, 0.25, 0.19], "int8": [0.15, 0.1, 0.12, 0.09]})
    said: list[str] = []
    seconds = _path_seconds(slow, ["int8"], batch, rounds=3, clock=lambda: slow.now,
                            log=said.append)
    assert seconds == pytest.approx({"fp32": 0.2, "int8": 0.1})  # the medians of the last three
    assert slow.took == {"fp32": [], "int8": []}  # one warm-up and three timed calls each
    assert all(clips is batch for _, clips in slow.batches)  # both on the same clips
    assert [path for path, _ in slow.batches[2:]] == ["fp32", "int8", "int8", "fp32", "fp32", "int8"]
    assert said == ["timing fp32 and int8 on the same 5 clips: a warm-up call each, then 3 "
                    "interleaved rounds ..."]
    speed = speed_against_fp32(seconds, "int8", clips=len(batch))
    assert speed["speedup_vs_reference"] == 2.0  # the first calls alone: 3.0 / 0.15 = 20x
    verdict = {**int8_verdict(np.eye(4), np.eye(4), [0, 1, 2, 3]), **speed}
    how = "(medians of 3 calls each on the same 5 clips, interleaved, warm-up call excluded)"
    assert f"2.0x the speed of eager {how}: accepted" in _verdict_line("int8", verdict, "eager")
    report = build_report(["a", "b"], ["a", "b"], ["a", "b"],
                          meta={"inference_backend": "eager", "int8": verdict})
    assert f"2.0x the speed {how};" in render_markdown(report)
    # A verdict stored before its timing was recorded is still read, without the note.
    older = {k: v for k, v in verdict.items() if k != "timing"}
    assert "2.0x the speed of eager: accepted" in _verdict_line("int8", older, "eager")


def test_a_verdict_and_a_report_of_one_clip_say_one_clip_not_one_clips():
    from highlights.model.precision_verdict import bf16_verdict, speed_against_fp32
    from highlights.train.evaluation import _verdict_line

    verdict = {**bf16_verdict(np.eye(2)[:1], np.eye(2)[:1], [0]),
               **speed_against_fp32({"fp32": 0.2, "bf16": 0.1}, "bf16", clips=1)}
    line = _verdict_line("bf16", verdict, "eager")
    assert "on the same 1 clip (+0.00 points, same prediction on 1 of the 1 clip), 2.0x the speed of eager " \
        "(medians of 3 calls each on the same 1 clip, " in line, line
    report = build_report(["a"], ["a"], ["a", "b"], meta={"inference_backend": "eager", "bf16": verdict,
                                                          "dataset": {"split": "val", "clips": 1},
                                                          "clips_seen_in_training": ["x.mp4"]})
    text = render_markdown(report)
    assert "bf16 (`bf16_autocast`) on the same 1 clip: " in text
    assert "same prediction on 1 of the 1 clip " in text and "1 clips" not in text
    assert "(1 clip), the clips its best epoch" in render_markdown({**report, "meta": {
        "dataset": {"split": "val", "clips": 1}}})
    seen = render_markdown({**report, "meta": {"clips_seen_in_training": ["x.mp4"]}})
    assert "**1 of the 1 clip is not a test:** " in seen


def test_compare_of_reports_of_one_clip_says_one_clip_not_one_clips():
    from highlights.report.compare import scored_on, seen_clips_note
    from highlights.report.paired import change_line

    one = build_report(["a"], ["a"], ["a", "b"], meta={
        "dataset": {"root": "/data", "version": "v2", "split": "test", "clips": 1},
        "clips_seen_in_training": ["x.mp4"]})
    assert scored_on(one) == "/data v2 test split, 1 clip"
    folder = {**one, "meta": {"dataset": {"clips_root": "/clips", "clips": 1}}}
    assert scored_on(folder) == "every clip of /clips, 1 clip"
    assert "B's model was trained on 1 of the 1 clip it scored" in seen_clips_note(folder, one)
    paired = {"change": 0.0, "macro_f1": [1.0, 1.0], "paired": True, "interval": [0.0, 0.0], "clips": 1,
              "differ": 0, "n_resamples": 10, "method": "paired bootstrap"}
    assert "(95%, paired bootstrap: 1 clip, 0 predicted differently" in change_line(paired)


def test_a_report_of_one_clip_says_its_ece_has_no_interval_for_one_clip_not_one_highlight():
    # The clip report shares the ECE's wording with the pipeline's, which scores highlights.
    labels = ["baseball_swing", "none"]
    report = build_report(["none"], ["none"], labels, proba=np.array([[0.3, 0.7]]), clip_ids=["a"], n_bootstrap=10)
    text = render_markdown(report)
    assert "ECE of the predicted class's probability 0.300 (one clip: no interval)" in text
    assert "highlight" not in text


def test_compare_notes_and_names_by_hand():
    from highlights.report.compare import classes_note, format_comparison, same_test_clips, scored_by

    a, b = {"labels": ["none", "swing"]}, {"labels": ["none", "swing", "layup"]}
    assert classes_note(a, a) is None
    assert classes_note(a, b) == ("A and B do not score the same classes (only B has layup): their macro-F1 "
                                  "averages over different classes, so no change is given for the figures over "
                                  "all classes; compare the rows of the classes both have.")
    # intervals touching at an end overlap; apart they do not; a missing figure shows as "-"
    row = {"metric": "f1", "class": "swing", "a": 0.5, "b": 0.7, "change": 0.2}
    touching = format_comparison([{**row, "a_interval": [0.4, 0.6], "b_interval": [0.6, 0.8]}])
    assert touching.endswith("The 95% intervals of A and B overlap for f1 of swing: that change may be noise.")
    assert "overlap" not in format_comparison([{**row, "a_interval": [0.4, 0.59], "b_interval": [0.6, 0.8]}])
    assert "overlap" not in format_comparison([{**row, "a_interval": [0.81, 0.9], "b_interval": [0.6, 0.8]}])
    assert "overlap for f1" in format_comparison([{**row, "a_interval": [0.8, 0.9], "b_interval": [0.6, 0.8]}])
    assert format_comparison([{**row, "a": None, "change": None}]).splitlines()[-1] == "| f1 | swing | - | 0.700 | - |"
    # the intervals' methods and their n are said once, under a table that shows any
    assert "a percentile bootstrap over the test clips for macro-F1" in touching
    assert "Wilson" not in format_comparison([{**row, "a": None, "change": None}])
    # a dataset split and a folder are not the same clips, whatever their fingerprints
    split = {"num_clips": 3, "clip_ids_sha256": "f", "meta": {"dataset": {"root": "/d", "version": "v1"}}}
    folder = {"num_clips": 3, "clip_ids_sha256": "f", "meta": {"dataset": {"clips_root": "/d/v1"}}}
    assert same_test_clips(split, folder) is False
    model = lambda **m: {"meta": {"model": m}}  # noqa: E731
    assert scored_by(model(arch="r2plus1d_18")) == "R(2+1)D-18"
    assert scored_by(model(arch="r2plus1d_18", width=0.5)) == "R(2+1)D, width 0.5"
    assert scored_by(model(arch="fusion", weight=0.6, validation_clips=40)) == (
        "fusion of an R(2+1)D and a pose classifier (R(2+1)D weight 0.6, chosen on 40 validation clips)")
    assert (scored_by(model(arch="fusion", weight=0.6))
            == "fusion of an R(2+1)D and a pose classifier (R(2+1)D weight 0.6)")
