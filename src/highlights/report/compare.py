"""The change per metric between two reports (say, a model trained on v1 and one on v2)."""

from __future__ import annotations

from highlights.counted_noun import counted

PER_CLASS_METRICS = ("precision", "recall", "f1", "support")
UNDEFINED = "undefined"  # the precision of a class a model never predicted; recall and F1 of one without test clips
NOT_COMPARABLE = "not comparable"  # the change of a figure over all classes when the two reports' classes differ
# The figures over all classes that average over (or depend on) the class list: with two class lists
# on other clips their difference is not a change of one model against another (on the same clips,
# see `not_comparable_figures`). The clip count is not one of them.
CLASS_LIST_FIGURES = frozenset({"accuracy", "macro_f1", "balanced_accuracy", "ece", "mean_average_precision",
                                "action_auc"})


def compare_reports(a: dict, b: dict) -> list[dict]:
    """Rows `{"metric", "class", "a", "b", "change"}`: overall metrics first, then per class
    (classes of `a` in order, then classes only `b` has). A class missing from one side has
    `None` there and no change. When the two class lists differ, macro-F1 has no change either
    (`not_comparable`), nor, unless the two scored the same clips, the other figures over all
    classes (`not_comparable_figures`)."""
    rows = []
    for metric in ("accuracy", "macro_f1", "balanced_accuracy"):
        if metric not in a or metric not in b:  # balanced accuracy: older reports have none
            continue
        row = _row(metric, None, a[metric], b[metric])
        row["a_interval"] = (a.get("bootstrap") or {}).get(metric)
        row["b_interval"] = (b.get("bootstrap") or {}).get(metric)
        rows.append(row)
    ca, cb = _confidence(a), _confidence(b)
    for metric, value in CONFIDENCE_METRICS.items():
        va, vb = value(ca), value(cb)
        if va is not None and vb is not None:
            row = _row(metric, None, va[0], vb[0])
            row["a_interval"], row["b_interval"] = va[1], vb[1]
            rows.append(row)
    rows.append(_row("num_clips", None, a["num_clips"], b["num_clips"]))
    labels = list(a["labels"]) + [label for label in b["labels"] if label not in a["labels"]]
    with_ap = ca.get("average_precision") is not None and cb.get("average_precision") is not None
    for label in labels:
        ma = a["per_class"].get(label)
        mb = b["per_class"].get(label)
        for metric in PER_CLASS_METRICS:
            row = _row(metric, label, ma[metric] if ma else None, mb[metric] if mb else None)
            if metric == "precision":
                # A class a model never predicted has no precision: the report stores 0.0 as
                # scikit-learn does, which compared as a number reads as a drop (or rise) of up to 1.
                row["a_undefined"], row["b_undefined"] = _never_predicted(ma), _never_predicted(mb)
                if row["a_undefined"] or row["b_undefined"]:
                    row["change"] = None
            if metric in ("recall", "f1"):
                # A class with no test clip has no recall (nothing to find); the report stores 0.0 and
                # counts that F1 as 0 in macro-F1, which compared as a number reads as a drop of up
                # to 1 for a test split that merely lacks the class.
                row["a_undefined"], row["b_undefined"] = _no_test_clip(ma), _no_test_clip(mb)
                if row["a_undefined"] or row["b_undefined"]:
                    row["change"] = None
            if metric in ("precision", "recall", "f1"):  # as the single report stores them
                row["a_interval"] = (ma or {}).get(f"{metric}_interval")
                row["b_interval"] = (mb or {}).get(f"{metric}_interval")
            rows.append(row)
        if with_ap:
            rows.append(_row("average_precision", label, _class_ap(ca, label), _class_ap(cb, label)))
    for row in rows:
        if row["class"] is None and row["metric"] in not_comparable_figures(a, b):
            row["change"], row["not_comparable"] = None, True
    return rows


def not_comparable_figures(a: dict, b: dict) -> frozenset[str]:
    """The figures over all classes whose change `compare_reports` does not give. With two class
    lists (a model that gained a class against its predecessor), on the same clips each clip is
    right or wrong whatever else either model could have called it, and the classes with test
    clips are the same: accuracy, balanced accuracy, ECE, mean AP and the action AUC are the two
    models' on one test. Macro-F1 averages over every class of its list, those without test clips
    as 0, so it is not. On other clips, none of them is."""
    if set(a["labels"]) == set(b["labels"]):
        return frozenset()
    return frozenset({"macro_f1"}) if same_test_clips(a, b) else CLASS_LIST_FIGURES


def _never_predicted(figures: dict | None) -> bool:
    return bool(figures) and figures.get("predicted") == 0


def _no_test_clip(figures: dict | None) -> bool:
    return bool(figures) and figures.get("support") == 0


def _confidence(report: dict) -> dict:
    """A report's confidence figures ({} for one without probabilities or written before they were
    stored)."""
    figures = report.get("confidence") or {}
    return figures if figures.get("calibration") else {}


def _class_ap(figures: dict, label: str):
    return ((figures["average_precision"]["per_class"].get(label)) or {}).get("ap")


# The confidence figures a comparison shows: (value, 95% interval or None), or None where absent.
CONFIDENCE_METRICS = {
    "ece": lambda c: (c["calibration"]["ece"], c["calibration"].get("ece_interval")) if c else None,
    # Reports written before mean AP's interval was stored have none: the row shows the mean alone there.
    "mean_average_precision": lambda c: ((c["average_precision"]["mean"], c["average_precision"].get("mean_interval"))
                                         if c and c["average_precision"]["mean"] is not None else None),
    "action_auc": lambda c: (c["action_auc"]["auc"], c["action_auc"]["interval"]) if c.get("action_auc") else None,
}


def _clips(n) -> str:
    return counted(n, "clip") if isinstance(n, int) else f"{n} clips"


def scored_on(report: dict) -> str | None:
    """The clips a report was scored on, in words (None when its meta does not say)."""
    data = (report.get("meta") or {}).get("dataset") or {}
    clips = data.get("clips", report.get("num_clips"))
    if data.get("version"):
        return (f"{data.get('root', '?')} {data['version']} {data.get('split', 'test')} split, "
                f"{_clips(clips)}")
    if data.get("clips_root"):
        return f"every clip of {data['clips_root']}, {_clips(clips)}"
    return None


def same_test_clips(a: dict, b: dict) -> bool | None:
    """Whether two reports scored the same clips (None when it cannot be told: a report does not
    say which it scored, or see `unfingerprinted_splits`).

    Two reports of dataset splits that record their clips' fingerprint are the same clips when the
    fingerprints agree, whichever version or folder each split was read from: a grown version
    keeps its parent's test clips, so a model on v2's test split and one on v3's may have scored
    exactly the same clips. Otherwise the split (or folder) each names decides."""
    set_a, set_b = scored_on(a), scored_on(b)
    if set_a is None or set_b is None:
        return None
    if a["num_clips"] != b["num_clips"]:
        return False
    # A folder's content id hashes each clip file's bytes with its label: two folders holding the
    # same clips (a copy, a moved folder) have the same id, one folder edited in place another.
    folder_ids = scored_folder_content_id(a), scored_folder_content_id(b)
    if all(folder_ids):
        return folder_ids[0] == folder_ids[1]
    fingerprints = a.get("clip_ids_sha256"), b.get("clip_ids_sha256")
    # A folder's clips are named by their paths, not their content: only dataset ids say "same clips".
    if all(fingerprints) and all(_dataset_version(r) for r in (a, b)):
        return fingerprints[0] == fingerprints[1]
    if set_a != set_b and unfingerprinted_splits(a, b):
        return None
    return set_a == set_b


def scored_folder_content_id(report: dict) -> str | None:
    """The content id of the folder a report scored every clip of (None for a dataset split, or a
    report written before reports recorded one: unknown, not different)."""
    data = (report.get("meta") or {}).get("dataset") or {}
    return data.get("content_id") if data.get("clips_root") else None


def _dataset_version(report: dict) -> str | None:
    return ((report.get("meta") or {}).get("dataset") or {}).get("version")


def unfingerprinted_splits(a: dict, b: dict) -> list[dict]:
    """The reports of dataset splits that record no fingerprint of their clips (written before
    reports stored one), where both reports are of dataset splits. Named by another folder or
    version than the other report's, such a report's clips cannot be told from the other's: a
    moved dataset folder, or a grown version that kept its parent's test clips, names the same
    clips otherwise."""
    if not all(_dataset_version(r) for r in (a, b)):
        return []
    return [r for r in (a, b) if not r.get("clip_ids_sha256")]


def scored_by(report: dict) -> str | None:
    """The model a report scored, in words, with its checkpoint (None when its meta does not say):
    a comparison of a pose model with an R(2+1)D says which side is which."""
    meta = report.get("meta") or {}
    model = meta.get("model") if isinstance(meta.get("model"), dict) else {}
    arch = str(model.get("arch", ""))
    if arch.startswith("pose_"):
        what = f"pose classifier {model.get('family', arch[len('pose_'):])}"
    elif arch.startswith("r2plus1d"):
        width = model.get("width", 1.0)
        what = "R(2+1)D-18" if width == 1.0 else f"R(2+1)D, width {width:g}"
    elif arch == "fusion":
        chosen_on = (f", chosen on {model['validation_clips']} validation clips"
                     if model.get("validation_clips") is not None else "")
        what = f"fusion of an R(2+1)D and a pose classifier (R(2+1)D weight {model.get('weight', '?')}{chosen_on})"
    elif arch:
        what = arch
    else:
        return None
    checkpoint = meta.get("checkpoint")
    path = checkpoint.get("path") if isinstance(checkpoint, dict) else checkpoint
    return f"{what}; checkpoint {path}" if path else what


def mixed_test_sets_note(a: dict, b: dict, *, name_a: str = "A", name_b: str = "B") -> str | None:
    """A warning when the two reports were not scored on the same clips: their change then mixes
    the two models' difference with the two test sets' (a model on v1's test split against one
    on v2's, or on your own clips)."""
    same = same_test_clips(a, b)
    set_a, set_b = scored_on(a), scored_on(b)
    if same is None and set_a and set_b:
        older = " and ".join(name for name, r in ((name_a, a), (name_b, b)) if r in unfingerprinted_splits(a, b))
        return (f"Whether {name_a} and {name_b} scored the same clips cannot be told: {older} records no "
                f"fingerprint of its clips (written before reports stored one), and the two name different dataset "
                f"splits ({name_a}: {set_a}; {name_b}: {set_b}), as a moved dataset folder does for the same clips. "
                "Evaluate both checkpoints on the same split to compare them.")
    if same in (None, True):
        return None
    ids = scored_folder_content_id(a), scored_folder_content_id(b)
    told_by = f", folder content ids {ids[0]} and {ids[1]}" if all(ids) else ""
    return (f"{name_a} and {name_b} were scored on different test clips ({name_a}: {set_a}; {name_b}: {set_b}"
            f"{told_by}): the change is not the models' alone. Evaluate both checkpoints on the same split to "
            "compare them.")


def classes_note(a: dict, b: dict, *, name_a: str = "A", name_b: str = "B") -> str | None:
    """A warning when the two reports' class lists differ: their macro-F1 is a mean over other
    classes, so its change is not a like-for-like one."""
    only_a = [c for c in a["labels"] if c not in b["labels"]]
    only_b = [c for c in b["labels"] if c not in a["labels"]]
    if not only_a and not only_b:
        return None
    sides = "; ".join(f"only {name} has {', '.join(cls)}" for name, cls in ((name_a, only_a), (name_b, only_b)) if cls)
    if not_comparable_figures(a, b) == {"macro_f1"}:
        return (f"{name_a} and {name_b} do not score the same classes ({sides}): their macro-F1 averages over "
                "different classes, so no change is given for it. They scored the same clips, so the other figures "
                "over all classes are each model's on one test, and their change is given.")
    return (f"{name_a} and {name_b} do not score the same classes ({sides}): their macro-F1 averages over "
            "different classes, so no change is given for the figures over all classes; compare the rows of the "
            "classes both have.")


def unfinished_runs_note(a: dict, b: dict, *, name_a: str = "A", name_b: str = "B") -> str | None:
    """Which of the two reports scored a checkpoint of a training run that had not finished:
    its side of the change is not the finished model's."""
    parts = []
    for name, report in ((name_a, a), (name_b, b)):
        run = (report.get("meta") or {}).get("unfinished_run")
        if run:
            parts.append(f"{name}'s checkpoint comes from a training run that stopped after epoch "
                         f"{run['epochs_done']} of {run['epochs_planned']}")
    if not parts:
        return None
    return "; ".join(parts) + ": that side of the change is not a finished model's."


def seen_clips_note(a: dict, b: dict, *, name_a: str = "A", name_b: str = "B") -> str | None:
    """Which side scored clips its model was trained or validated on (files of a folder it trained
    or chose its best epoch or action threshold on, or a train or val split): each report says so
    at its top, but a comparison shows only the change, which then reads as a gain on new clips."""
    from highlights.report.markdown import SEEN_SPLITS, chosen_on_validation

    parts = []
    for name, report in ((name_a, a), (name_b, b)):
        meta = report.get("meta") or {}
        split = (meta.get("dataset") or {}).get("split")
        seen = meta.get("clips_seen_in_training") or []
        validated = meta.get("clips_seen_in_validation") or []
        if split in SEEN_SPLITS:
            parts.append(f"{name} scored the {split} split, {SEEN_SPLITS[split]}")
        elif seen or validated:
            how = [f"was trained on {len(seen)}"] if seen else []
            how += [f"chose its {chosen_on_validation(meta)} on {len(validated)}"] if validated else []
            parts.append(f"{name}'s model {' and '.join(how)} of the "
                         f"{counted(report['num_clips'], 'clip')} it scored")
    if not parts:
        return None
    return ("; ".join(parts) + ": its figures overstate how it does on new clips, so the change is not a test "
            "of the models. Score both on clips neither was trained on.")


# Every other figure of the table is better higher; a reader of a rising change would take these
# for gains.
LOWER_IS_BETTER = frozenset({"ece"})


# Said under the table, since the intervals beside its figures come from two methods and several n.
INTERVALS_NOTE = ("Each interval is the 95% interval its report stores: Wilson's score interval "
                  "for accuracy (n: the test clips) and each class's precision (n: the clips "
                  "predicted as it) and recall (n: its test clips, the support row); a percentile "
                  "bootstrap over the test clips for macro-F1, balanced accuracy, each class's F1, "
                  "ECE and mean AP; Newcombe's for the action AUC.")


def format_comparison(rows: list[dict], *, name_a: str = "A", name_b: str = "B") -> str:
    """The comparison as a Markdown table; each figure with the 95% interval its report stores
    (Wilson's for accuracy and each class's precision and recall, a bootstrap over clips for
    macro-F1, balanced accuracy, each class's F1, ECE and mean AP, Newcombe's for the action AUC)."""
    lines = [f"| Metric [95%] | Class | {name_a} | {name_b} | Change |", "|---|---|---|---|---|"]
    for row in rows:
        whole = row["metric"] in ("support", "num_clips")
        shown = row["metric"] + (" (lower is better)" if row["metric"] in LOWER_IS_BETTER else "")
        a_text = UNDEFINED if row.get("a_undefined") else _fmt(row["a"], whole, row.get("a_interval"))
        b_text = UNDEFINED if row.get("b_undefined") else _fmt(row["b"], whole, row.get("b_interval"))
        change = NOT_COMPARABLE if row.get("not_comparable") else _fmt_change(row, whole)
        lines.append(f"| {shown} | {row['class'] or 'all'} | {a_text} | {b_text} | {change} |")
    if any(r.get("a_interval") or r.get("b_interval") for r in rows):
        lines += ["", INTERVALS_NOTE]
    overlap = [r for r in rows if r.get("a_interval") and r.get("b_interval") and _overlaps(r)
               and r["change"] is not None and r["change"] != 0]
    never = [f"{r['class']} by {name}" for r in rows if r["metric"] == "precision"
             for name, flag in ((name_a, r.get("a_undefined")), (name_b, r.get("b_undefined"))) if flag]
    if never:
        lines += ["", f"Never predicted: {', '.join(never)}; a precision there is {UNDEFINED} (no clip was "
                      "predicted as the class), so no change is given for it."]
    absent = [f"{r['class']} in {name}" for r in rows if r["metric"] == "recall"
              for name, flag in ((name_a, r.get("a_undefined")), (name_b, r.get("b_undefined"))) if flag]
    if absent:
        lines += ["", f"No test clip: {', '.join(absent)}; a recall and F1 there are {UNDEFINED} (macro-F1 "
                      "counts that F1 as 0), so no change is given for them."]
    if overlap:
        names = ", ".join(r["metric"] + (f" of {r['class']}" if r["class"] else "") for r in overlap)
        lines += ["", f"The 95% intervals of {name_a} and {name_b} overlap for {names}: that change may be noise."]
    return "\n".join(lines)


def _row(metric: str, label: str | None, va, vb) -> dict:
    change = vb - va if va is not None and vb is not None else None
    return {"metric": metric, "class": label, "a": va, "b": vb, "change": change}


def _overlaps(row: dict) -> bool:
    (a_lo, a_hi), (b_lo, b_hi) = row["a_interval"], row["b_interval"]
    return a_lo <= b_hi and b_lo <= a_hi


def _fmt(value, whole: bool, interval=None) -> str:
    if value is None:
        return "-"
    text = str(int(value)) if whole else f"{value:.3f}"
    if interval:
        text += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return text


def shown_change(a: float, b: float) -> float:
    """``b - a`` as the difference of the two figures shown to three places: the difference of
    the unrounded figures read 0.545 -> 0.667 as +0.121 (0.5454 -> 0.6666)."""
    return float(f"{b:.3f}") - float(f"{a:.3f}")


def _fmt_change(row: dict, whole: bool) -> str:
    """The row's change as the difference of the two figures shown beside it."""
    if row["change"] is None:
        return "-"
    if whole:
        return f"{int(row['b']) - int(row['a']):+d}"
    return f"{shown_change(row['a'], row['b']):+.3f}"
