"""`report compare`'s macro-F1 change: a paired bootstrap over the clips when both reports scored
the same clips (rebuilt from the clips each lists as misclassified), checked against a slow
bootstrap that scores each resample with scikit-learn; unpaired, with the reason, otherwise."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import f1_score
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.report import build_report, mixed_test_sets_note, report_from_confusion, write_report_files
from highlights.report.paired import change_line, macro_f1_change, paired_clips

LABELS = ["baseball_swing", "none", "soccer_shooting"]
TEST_SET = {"dataset": {"root": "/data", "version": "v2", "split": "test", "clips": 30}}


def _two_models(seed: int = 1):
    """30 clips of three classes; model B is right more often than A, and they err on different clips."""
    rng = np.random.default_rng(seed)
    truth = [LABELS[i % 3] for i in range(30)]
    a = [t if rng.random() < 0.6 else LABELS[int(rng.integers(3))] for t in truth]
    b = [t if rng.random() < 0.85 else LABELS[int(rng.integers(3))] for t in truth]
    return truth, a, b


def _report(truth, pred, meta=TEST_SET):
    return build_report(truth, pred, LABELS, clip_ids=[f"clip{i:02d}" for i in range(len(truth))],
                        n_bootstrap=50, meta=meta)


def test_the_clips_are_rebuilt_from_the_misclassified_lists():
    truth, a, b = _two_models()
    clips, why = paired_clips(_report(truth, a), _report(truth, b))
    assert why == "" and Counter(clips) == Counter(zip(truth, a, b))


def test_paired_interval_matches_a_slow_bootstrap_with_scikit_learn():
    truth, a, b = _two_models()
    result = macro_f1_change(_report(truth, a), _report(truth, b), n_resamples=4000)
    f1 = lambda t, p: f1_score(t, p, labels=LABELS, average="macro", zero_division=0)  # noqa: E731
    assert result["paired"] and result["clips"] == 30
    assert result["change"] == pytest.approx(f1(truth, b) - f1(truth, a))
    assert result["differ"] == sum(x != y for x, y in zip(a, b))
    rng = np.random.default_rng(12345)
    t, pa, pb = np.array(truth), np.array(a), np.array(b)
    diffs = []
    for _ in range(4000):
        i = rng.integers(0, 30, 30)
        diffs.append(f1(t[i], pb[i]) - f1(t[i], pa[i]))
    assert result["interval"] == pytest.approx(list(np.percentile(diffs, [2.5, 97.5])), abs=0.03)
    # paired, the interval is narrower than the two reports' own macro-F1 intervals suggest
    own = [np.percentile([f1(t[i], p[i]) for i in rng.integers(0, 30, (1000, 30))], [2.5, 97.5])
           for p in (pa, pb)]
    assert result["interval"][1] - result["interval"][0] < (own[0][1] - own[0][0]) + (own[1][1] - own[1][0])


def test_the_change_line_says_whether_the_interval_holds_zero():
    truth, a, b = _two_models()
    line = change_line(macro_f1_change(_report(truth, a), _report(truth, b)))
    assert line.startswith("Macro-F1 change B - A: +") and "paired percentile bootstrap" in line
    assert "30 clips" in line and "narrower than 95%" in line  # under 40 clips: said
    same = change_line(macro_f1_change(_report(truth, a), _report(truth, a)))
    assert "+0.000 [+0.000, +0.000]" in same and "0 predicted differently" in same
    assert "; the two models call every clip the same: no change on these clips." in same
    assert "may be noise" not in same


@pytest.mark.parametrize("case,reason", [
    ("other clips", "scored on different clips"),
    ("no clip record", "does not record which clips it scored"),
    ("published matrix", "does not list its misclassified clips"),
    ("other classes", "different class lists"),
    ("other labels for the same ids", "a clip id names clips of two classes"),
    ("a misclassified clip left out", "do not rebuild their confusion matrices"),
])
def test_unpaired_reports_say_why_and_give_no_interval(case, reason):
    truth, a, b = _two_models()
    first = _report(truth, a)
    if case == "other clips":  # v3's test split holds other clips than v2's
        second = build_report(truth, b, LABELS, clip_ids=[f"other{i:02d}" for i in range(30)], n_bootstrap=50,
                              meta={"dataset": {**TEST_SET["dataset"], "version": "v3"}})
    elif case == "no clip record":
        second = _report(truth, b, meta={})
    elif case == "published matrix":
        second = report_from_confusion(LABELS, [[10, 0, 0], [0, 10, 0], [0, 0, 10]], meta=TEST_SET)
    elif case == "other classes":
        second = build_report(truth, b, LABELS + ["golf_swing"], clip_ids=[f"clip{i:02d}" for i in range(30)],
                              n_bootstrap=50, meta=TEST_SET)
    elif case == "a misclassified clip left out":
        second = _report(truth, b)
        second["errors"]["misclassified"].pop()
    else:  # the same ids, but the clips behind them are others (another order of the same split)
        second = build_report(truth[::-1], b, LABELS, clip_ids=[f"clip{i:02d}" for i in range(30)],
                              n_bootstrap=50, meta=TEST_SET)
    result = macro_f1_change(first, second)
    assert not result["paired"] and reason in result["why"] and "interval" not in result
    if case == "other classes":  # each macro-F1 averages over other classes: no change at all
        assert result["change"] is None
        assert change_line(result) == ("Macro-F1 change B - A: not comparable (the two reports "
                                       "score different class lists).")
    else:
        assert "unpaired (" in change_line(result) and "no interval for the change" in change_line(result)


def test_a_grown_versions_test_split_of_the_same_clips_pairs_with_its_parents():
    """`dataset grow` keeps the parent's splits: a model on v2's test split and one on v3's may have
    scored the very same clips, and are then compared clip by clip, with no warning of mixed
    test sets; the same split's name over other clips is not the same test set."""
    from highlights.report import mixed_test_sets_note

    truth, a, b = _two_models()
    v3 = {"dataset": {**TEST_SET["dataset"], "version": "v3"}}
    first, second = _report(truth, a), _report(truth, b, meta=v3)
    result = macro_f1_change(first, second)
    assert result["paired"] and result["clips"] == 30
    assert mixed_test_sets_note(first, second) is None
    other = build_report(truth, b, LABELS, clip_ids=[f"other{i:02d}" for i in range(30)], n_bootstrap=50, meta=TEST_SET)
    assert not macro_f1_change(first, other)["paired"]
    assert "different test clips" in mixed_test_sets_note(first, other)
    # Reports written before the fingerprint was stored: another split's name cannot tell them apart.
    for report in (first, second):
        report.pop("clip_ids_sha256")
    assert not macro_f1_change(first, second)["paired"] and "cannot be told" in mixed_test_sets_note(first, second)
    # A folder's clips are named by path: the same names in two folders are not the same clips.
    folder = {"dataset": {"clips_root": "/club/a", "split": "all (every clip is test)", "clips": 30}}
    other_folder = {"dataset": {**folder["dataset"], "clips_root": "/club/b"}}
    assert not macro_f1_change(_report(truth, a, meta=folder), _report(truth, b, meta=other_folder))["paired"]


def test_cli_compare_prints_the_paired_change(tmp_path):
    truth, a, b = _two_models()
    paths = [write_report_files(_report(truth, p), tmp_path / name)["json"] for name, p in (("a", a), ("b", b))]
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    expected = change_line(macro_f1_change(_report(truth, a), _report(truth, b)))
    assert expected in " ".join(result.output.split())


def test_reports_listing_their_classes_in_another_order_are_paired():
    """A pose model lists `none` last, an R(2+1)D in name order: the same classes pair all the same."""
    truth, a, b = _two_models()
    reordered = build_report(truth, b, ["none", "soccer_shooting", "baseball_swing"],
                             clip_ids=[f"clip{i:02d}" for i in range(30)], n_bootstrap=50, meta=TEST_SET)
    clips, why = paired_clips(_report(truth, a), reordered)
    assert why == "" and Counter(clips) == Counter(zip(truth, a, b))
    shuffled, ordered = macro_f1_change(_report(truth, a), reordered), macro_f1_change(
        _report(truth, a), _report(truth, b))
    assert shuffled["paired"] and shuffled["change"] == pytest.approx(ordered["change"])
    assert shuffled["interval"] == pytest.approx(ordered["interval"])


def test_the_paired_interval_is_the_2_5_and_97_5_percentiles_of_2000_resamples_from_seed_0():
    """The same draws scored with scikit-learn: numpy's generator from seed 0 draws 2000 resamples
    of the clips in the order `paired_clips` gives them."""
    truth, a, b = _two_models()
    first, second = _report(truth, a), _report(truth, b)
    result = macro_f1_change(first, second)
    assert (result["n_resamples"], result["seed"]) == (2000, 0)
    clips, _ = paired_clips(first, second)
    t, pa, pb = (np.array([c[k] for c in clips]) for k in range(3))
    f1 = lambda t, p: f1_score(t, p, labels=LABELS, average="macro", zero_division=0)  # noqa: E731
    draws = np.random.default_rng(0).integers(0, len(clips), size=(2000, len(clips)))
    diffs = [f1(t[i], pb[i]) - f1(t[i], pa[i]) for i in draws]
    assert result["interval"] == pytest.approx(list(np.percentile(diffs, [2.5, 97.5])), abs=1e-9)


def test_a_class_all_misclassified_pairs_and_counts_that_do_not_add_up_do_not():
    truth, a, b = _two_models()
    a = ["none" if t == "baseball_swing" else p for t, p in zip(truth, a)]   # A gets every swing wrong
    clips, why = paired_clips(_report(truth, a), _report(truth, b))
    assert why == "" and Counter(clips) == Counter(zip(truth, a, b))
    second = _report(truth, b)
    second["per_class"]["none"]["support"] += 1
    assert paired_clips(_report(truth, a), second) == (None, "the two reports' clips of none do not add up")


def test_a_report_listing_a_clip_twice_is_not_paired():
    truth, a, b = _two_models()
    second = _report(truth, b)
    second["errors"]["misclassified"].append(second["errors"]["misclassified"][0])
    assert paired_clips(_report(truth, a), second) == (None, "a report lists one clip id twice")


def test_the_change_line_notes_a_narrow_interval_under_40_clips():
    result = {"change": 0.1, "paired": True, "interval": [-0.05, 0.2], "clips": 40, "differ": 3,
              "n_resamples": 2000, "method": "M"}
    assert change_line(result, name_a="v1", name_b="v2") == (
        "Macro-F1 change v2 - v1: +0.100 [-0.050, +0.200] (95%, M: 40 clips, 3 predicted differently, "
        "2000 resamples); the interval holds 0: that change may be noise.")
    assert change_line({**result, "clips": 39}).endswith(
        "may be noise. With fewer than 40 clips a bootstrap interval is narrower than 95%.")
    assert change_line({**result, "interval": [0.0, 0.2]}).endswith("the interval holds 0: that change may be noise.")
    assert change_line({**result, "interval": [0.01, 0.2]}).endswith("the interval excludes 0.")


def test_a_report_without_a_fingerprint_of_a_dataset_folder_moved_since_is_not_called_other_clips(tmp_path):
    """A report written before reports stored their clips' fingerprint names the dataset's folder
    it was read from; moved since, the same clips go by another name. Compared with a report of
    the moved folder, `report compare` says in one line that whether they scored the same clips
    cannot be told, and gives the change unpaired; it said they were scored on different clips.
    Under the same name the two are still paired, and other counts of clips still differ."""
    truth, a, b = _two_models()
    old = _report(truth, a)
    old.pop("clip_ids_sha256")
    moved = _report(truth, b, meta={"dataset": {**TEST_SET["dataset"], "root": "/moved/data"}})
    paths = [write_report_files(r, tmp_path / name)["json"] for name, r in (("old", old), ("moved", moved))]
    result = CliRunner().invoke(app, ["report", "compare", *map(str, paths)])
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if line.startswith("Whether A and B scored the same clips")]
    assert len(said) == 1 and said[0].startswith("Whether A and B scored the same clips cannot be told: A records no")
    assert "/data v2 test split" in said[0] and "/moved/data v2 test split" in said[0]
    assert "different test clips" not in result.output and "different clips" not in result.output
    assert "unpaired (a report records no fingerprint of its clips" in result.output
    assert macro_f1_change(old, _report(truth, b))["paired"]
    fewer = build_report(truth[:27], b[:27], LABELS, clip_ids=[f"clip{i:02d}" for i in range(27)], n_bootstrap=50,
                         meta={"dataset": {**TEST_SET["dataset"], "root": "/moved/data", "clips": 27}})
    assert "different test clips" in mixed_test_sets_note(old, fewer)


def test_two_folders_are_told_apart_by_their_content_ids():
    """A report of a folder records its content id: a copy of the folder elsewhere is the same
    clips, the same folder edited in place is not, and a report without an id leaves it to paths."""
    from highlights.report import mixed_test_sets_note

    truth, a, b = _two_models()
    folder = {"dataset": {"clips_root": "/club/a", "split": "all (every clip is test)", "clips": 30,
                          "content_id": "0123456789abcdef"}}
    moved = {"dataset": {**folder["dataset"], "clips_root": "/club/b"}}
    edited = {"dataset": {**folder["dataset"], "content_id": "fedcba9876543210"}}
    first = _report(truth, a, meta=folder)
    copy = _report(truth, b, meta=moved)
    assert macro_f1_change(first, copy)["paired"] and mixed_test_sets_note(first, copy) is None
    in_place = _report(truth, b, meta=edited)
    assert not macro_f1_change(first, in_place)["paired"]
    note = mixed_test_sets_note(first, in_place)
    assert "different test clips" in note and "0123456789abcdef and fedcba9876543210" in note
    # The same clips under other file names: the same test set, but not paired by name.
    renamed = build_report(truth, b, LABELS, clip_ids=[f"take{i:02d}" for i in range(30)], n_bootstrap=50,
                           meta=moved)
    result = macro_f1_change(first, renamed)
    assert not result["paired"] and "other file names" in result["why"]
    assert mixed_test_sets_note(first, renamed) is None
    # A report written before folders' content ids were recorded: the paths decide, as before.
    older = {"dataset": {k: v for k, v in moved["dataset"].items() if k != "content_id"}}
    assert "different test clips" in mixed_test_sets_note(first, _report(truth, b, meta=older))
    older_here = {"dataset": {k: v for k, v in folder["dataset"].items() if k != "content_id"}}
    assert macro_f1_change(first, _report(truth, b, meta=older_here))["paired"]
    # ... and pairs by name there, as before, even where the older report lists its clips under other names
    older_names = build_report(truth, b, LABELS, clip_ids=[f"take{i:02d}" for i in range(30)], n_bootstrap=50,
                               meta=older_here)
    assert "other file names" not in macro_f1_change(first, older_names).get("why", "")
