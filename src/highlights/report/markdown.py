"""The report as Markdown: the per-class table sorted by F1 with its accuracy row, then the
confidence figures, the confusion matrix, the error analysis and the provenance."""

from __future__ import annotations

import json

from highlights.counted_noun import counted
from highlights.markdown_table import markdown_table

TOP_CONFUSIONS_SHOWN = 5


def render_table(report: dict) -> str:
    """The per-class table: rows sorted by F1 (highest first), then the accuracy row."""
    per_class = report["per_class"]
    # Stable sort: classes with equal F1 keep the report's class order.
    order = sorted(report["labels"], key=lambda label: -per_class[label]["f1"])
    rows = [[label, f"{per_class[label]['precision']:.3f}", f"{per_class[label]['recall']:.3f}",
             f"{per_class[label]['f1']:.3f}", per_class[label]["support"]] for label in order]
    table = markdown_table(["Class", "Precision", "Recall", "F1", "Support"], rows)
    # The accuracy row fills every column: written short (accuracy and count only), a Markdown
    # viewer pads it, showing the accuracy as a precision and the clip count as a recall. As in
    # scikit-learn's classification_report, accuracy sits under F1 and the clip count under Support.
    return table + f"\n| Overall accuracy |  |  | {report['accuracy']:.3f} | {report['num_clips']} |"


def render_class_intervals(report: dict) -> str | None:
    """Each class's precision and recall with its 95% interval and the counts it is made of, and
    its F1 with a bootstrap interval (reports written before intervals were stored per class have
    none: None; before F1's were, the F1 stands alone)."""
    per_class = report["per_class"]
    if any("right" not in per_class[label] for label in report["labels"]):
        return None
    boot = report.get("bootstrap") or {}

    def rate(row: dict, name: str, total: int) -> str:
        interval = row[f"{name}_interval"]
        if interval is None:
            return f"- ({row['right']}/{total})"
        return f"{row[name]:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] ({row['right']}/{total})"

    def f1(row: dict) -> str:
        interval = row.get("f1_interval")
        # a class held by some resamples but given no interval: every one gave the same F1
        alone = " (no interval)" if interval is None and row["support"] > 0 and "no_interval" in boot else ""
        return f"{row['f1']:.3f}" + (alone if interval is None else f" [{interval[0]:.3f}, {interval[1]:.3f}]")

    rows = [[label, rate(per_class[label], "precision", per_class[label]["predicted"]),
             rate(per_class[label], "recall", per_class[label]["support"]), f1(per_class[label])]
            for label in report["labels"]]
    return markdown_table(["Class", "Precision [95%] (right/predicted)", "Recall [95%] (right/clips)",
                           "F1 [95%, bootstrap]"], rows)


def _never_predicted_note(report: dict) -> str | None:
    """A class the model never predicted has no precision: the table's 0.000 is scikit-learn's
    stand-in (its F1 is 0 either way, its recall being 0)."""
    never = [label for label in report["labels"]
             if report["per_class"][label].get("predicted") == 0 and report["per_class"][label]["support"] > 0]
    if not never:
        return None
    return (f"Never predicted: {', '.join(never)}, so {'its' if len(never) == 1 else 'their'} precision is "
            "undefined; the table shows it as 0.000, as scikit-learn does.")


def render_confusion_table(report: dict) -> str:
    cm = report["confusion_matrix"]
    labels = cm["labels"]
    return markdown_table([f"{cm['rows']} \\ {cm['columns']}", *labels],
                          ([label, *row] for label, row in zip(labels, cm["matrix"])))


def _classes_without_clips_note(report: dict) -> str | None:
    """A small test set often lacks a class: macro-F1 then averages in an F1 of 0 for it, which
    says nothing about the model; the note names those classes and the mean over the others."""
    per_class = report["per_class"]
    absent = [label for label in report["labels"] if per_class[label]["support"] == 0]
    present = [per_class[label]["f1"] for label in report["labels"] if per_class[label]["support"] > 0]
    if not absent or not present:
        return None
    return (f"No test clip of {', '.join(absent)}: macro-F1 counts {'its' if len(absent) == 1 else 'their'} F1 "
            f"as 0. Over the {_clips(len(present), 'class')} with test clips it is {sum(present) / len(present):.3f}.")


# What a model has seen of each split other than test (`evaluate --split`).
SEEN_SPLITS = {"train": "the clips the model was trained on",
               "val": "the clips its best epoch (or its action threshold) was chosen on"}


def chosen_on_validation(meta: dict) -> str:
    """What a report's model chose on the clips it names as validated on: a report written before
    it said so is an R(2+1)D's, whose best epoch they chose."""
    from highlights.report.seen_clips import BEST_EPOCH

    return meta.get("chosen_on_validation") or BEST_EPOCH


def _listed(names: list[str]) -> str:
    """The first ten names, and how many more."""
    return ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _not_a_test_note(report: dict) -> str | None:
    """A report of the train or val split reads as a test report everywhere else (its title, "test
    clips"): its top says which clips it scored, and that the model has seen them. So does one
    whose clips include some the model was trained on (a pose model's `--clips`)."""
    meta = report.get("meta") or {}
    data = meta.get("dataset") or {}
    split = data.get("split")
    seen = meta.get("clips_seen_in_training") or []
    validated = meta.get("clips_seen_in_validation") or []  # its best epoch or threshold was chosen on them
    if (seen or validated) and split not in SEEN_SPLITS:
        how = ([f"the model was trained on the same file{'s' if len(seen) > 1 else ''} ({_listed(seen)})"]
               if seen else [])
        how += ([f"its {chosen_on_validation(meta)} was chosen on the same file{'s' if len(validated) > 1 else ''} "
                 f"({_listed(validated)})"] if validated else [])
        n = len(seen) + len(validated)
        return (f"**{n} of the {counted(report['num_clips'], 'clip')} "
                f"{'are' if n > 1 else 'is'} not a "
                "test:** "
                f"{' and '.join(how)}, so the figures below overstate how it does on new clips.")
    if split not in SEEN_SPLITS:
        return None
    return (f"**Not a test:** scored on the {split} split of {data.get('root', '?')} {data.get('version', '?')} "
            f"({counted(data.get('clips', report['num_clips']), 'clip')}), {SEEN_SPLITS[split]}: "
            "a figure "
            "on clips it has "
            "seen, not how it does on new ones.")


RELIABILITY_PICTURE = "video_scorer_testreport_reliability.png"


def _clips(count: int, what: str = "clip") -> str:
    """`count` and `what` in the right number: "1 clip", "2 clips", "1 class", "3 classes"."""
    return counted(count, what, what + "es" if what.endswith("s") else None)


def _why_without(report: dict, skipped: int) -> str:
    """Why a pose model's clips have no probabilities, where its report names them: nobody was
    found in them. A none clip counted right for it is in no error list, so it is named here."""
    nobody = (report.get("meta") or {}).get("clips_without_a_person") or []
    if len(nobody) != skipped:
        return ""
    them = "it" if skipped == 1 else "them"
    none_label = report.get("none_label") or "none"
    origins = (report.get("meta") or {}).get("clips_without_a_person_from") or {}
    named = [f"{clip} ({origins[clip]})" if origins.get(clip) else clip for clip in nobody]
    return f": no person was found in {them}, so the model called {them} {none_label}: {_listed(named)}"


def render_confidence(report: dict, *, link_picture: bool = True) -> list[str]:
    """The lines of the "Confidence" section: how far the model's probabilities can be trusted
    (calibration) and how well they rank clips without a threshold, each figure with its n; or
    why the report has none."""
    from highlights.report.confidence import ECE_READING

    figures = report.get("confidence")
    if figures is None:
        if (report.get("meta") or {}).get("source") == "published confusion matrix":
            return ["Built from a published confusion matrix: it has no class probabilities, so no calibration "
                    "or ranking figures."]
        return ["The model gave no class probabilities for these clips: no calibration or ranking figures."]
    skipped = figures.get("without_probabilities", 0)
    left_out = f" ({_clips(skipped)} without probabilities left out{_why_without(report, skipped)})" if skipped else ""
    if figures["calibration"] is None:
        return [f"No clip has class probabilities{left_out}: no calibration or ranking figures."]
    from highlights.calibration_error import ece_reported

    cal = figures["calibration"]
    lines = [f"Figures from the class probabilities of {_clips(figures['n'])}{left_out}.", ""]
    not_top = cal.get("predicted_not_top") or 0
    overridden = (f"; {_clips(not_top)} predicted other than {'its' if not_top == 1 else 'their'} most probable class"
                  if not_top else "")
    # the interval's level and method only beside an interval: of one clip, none is made
    how = "95%, bootstrap; " if cal.get("ece_interval") else ""
    lines.append(f"- Calibration: ECE of the predicted class's probability {ece_reported(cal, item='clip')} "
                 f"({how}n={_clips(cal['n'])}, {cal['bins_used']} equal-width bins{overridden})")
    ap = figures["average_precision"]
    if ap["mean"] is not None:
        per = ", ".join(f"{label} {row['ap']:.3f} ({row['positives']})" for label, row in ap["per_class"].items()
                        if row["ap"] is not None)
        interval = ap.get("mean_interval")  # reports written before it was stored, or of one clip, have none
        shown = "" if not interval else f" [{interval[0]:.3f}, {interval[1]:.3f}] (95%, bootstrap)"
        lines.append(f"- Average precision, one class against the rest: mean {ap['mean']:.3f}{shown} over "
                     f"{_clips(ap['classes_in_mean'], 'class')} (n={_clips(ap['n'])}); per class "
                     f"(test clips of it): {per}")
    auc = figures.get("action_auc")
    none_label = report.get("none_label", "none")
    if auc is not None:
        low, high = auc["interval"]
        lines.append(f"- Action vs {none_label}, ROC AUC of 1 - P({none_label}): {auc['auc']:.3f} "
                     f"[{low:.3f}, {high:.3f}] (95%, Newcombe; n={auc['actions'] + auc['none']}: "
                     f"{_clips(auc['actions'], 'action clip')}, {_clips(auc['none'], f'{none_label} clip')})")
    elif none_label in report.get("labels", []):
        lines.append(f"- Action vs {none_label}: no AUC (the clips are not both actions and {none_label})")
    elif report.get("labels"):
        # Said rather than left out: a reader of a report of a club's classes (`background` in
        # place of `none`) would otherwise look for the figure the README promises.
        lines.append(f"- Action vs {none_label}: no AUC (no class is `{none_label}`, so no probability says "
                     "how much of an action a clip is)")
    lines += ["", ECE_READING]
    if ap.get("mean_bootstrap"):
        lines += ["", _mean_ap_interval_note(ap)]
    if cal["bins"]:
        lines += ["", markdown_table(
            ["Confidence bin", "Clips", "Right", "Mean confidence", "Share right"],
            ([f"{row['bin'][0]:.1f}-{row['bin'][1]:.1f}", row["n"], row["right"], f"{row['mean_score']:.3f}",
              f"{row['correct_rate']:.3f}"] for row in cal["bins"]))]
    if link_picture:
        lines += ["", f"Reliability diagram: [{RELIABILITY_PICTURE}]({RELIABILITY_PICTURE})"]
    return lines


def _mean_ap_interval_note(ap: dict) -> str:
    """How mean AP's interval was made, and at few clips why it reads narrower than it should."""
    from highlights.report.metrics import FEW_CLIPS_FOR_BOOTSTRAP

    boot = ap["mean_bootstrap"]
    note = (f"Mean AP's interval: {boot['method']}; {boot['n_resamples']} resamples of the {_clips(ap['n'])}, "
            f"seed {boot['seed']} (the resamples of macro-F1's when every test clip has probabilities).")
    if ap["n"] < FEW_CLIPS_FOR_BOOTSTRAP:
        note += (f" As for macro-F1's, resampling {_clips(ap['n'])} cannot show the clips they lack: read it as "
                 "narrower than 95%.")
    return note


def accuracy_against_fp32(verdict: dict, precision: str) -> str:
    """`accuracy 0.633 (31/49) vs fp32 0.612 (30/49)`: a reduced precision's accuracy beside fp32's
    on the same clips, each with the clips it is made of, as the terminal and the report say it."""
    n = int(verdict["num_clips"])

    def accuracy_with_clips(accuracy: float) -> str:
        return f"{accuracy:.3f} ({round(accuracy * n)}/{n})"

    return (f"accuracy {accuracy_with_clips(verdict[f'{precision}_accuracy'])} "
            f"vs fp32 {accuracy_with_clips(verdict['fp32_accuracy'])}")


def same_predictions(verdict: dict) -> str:
    """`48 of the 49 clips`: how many clips a reduced precision predicts as fp32 does, as counts
    (a share of 98.0% hides that it is one clip of 49)."""
    n = int(verdict["num_clips"])
    return f"{round(verdict['prediction_agreement'] * n)} of the {counted(n, 'clip')}"


def _notes_above_the_table(report: dict) -> list[str]:
    """Why the scores are no test, how a fusion's weight was chosen, an unfinished run, the clips
    left out: each a paragraph above the table, where it is read first."""
    lines: list[str] = []
    not_a_test = _not_a_test_note(report)
    if not_a_test:
        lines += [not_a_test, ""]
    fusion_choice = ((report.get("meta") or {}).get("model") or {}).get("weight_choice")
    if fusion_choice:
        lines += [f"**Fusion:** {fusion_choice}", ""]
    unfinished = (report.get("meta") or {}).get("unfinished_run")
    if unfinished:
        lines += [f"**Note:** {unfinished['note']}.", ""]
    left_out = (report.get("meta") or {}).get("left_out")
    if left_out:
        lines += [f"**Left out:** {left_out['note']}.", ""]
    poses = _truth_poses_note(report)
    if poses:
        lines += [poses, ""]
    return lines


def _truth_poses_note(report: dict) -> str | None:
    """A pose model scored on synthetic clips reads their generator's keypoints, not poses a pose
    estimator found in the pictures: said above the scores, which are of exact poses (None where
    every clip's poses were estimated, or the report records none)."""
    poses = (report.get("meta") or {}).get("poses") or {}
    truth = poses.get("generator_truth") or 0
    if not truth:
        return None
    total = truth + (poses.get("estimated") or 0)
    return (f"**Poses:** {truth} of the {counted(total, 'clip')} {'was' if truth == 1 else 'were'} scored on "
            "the synthetic generator's own keypoints (the NAME.json beside each clip), not on poses a pose "
            "estimator found in the pictures: these figures are the classifier's on exact poses, not what it "
            "scores on footage whose poses are estimated.")


def _scores(report: dict) -> list[str]:
    """The per-class table, macro-F1 and balanced accuracy, and the notes of classes the test split
    has no clip of or that are never predicted."""
    lines = [render_table(report), ""]
    lines.append(f"Macro-F1: {report['macro_f1']:.3f}")  # three places, as the table's F1 column
    if "balanced_accuracy" in report:  # reports written before it was stored have none
        lines += ["", f"Balanced accuracy (mean class recall): {report['balanced_accuracy']:.3f}"]
    lines.append("")
    for note in (_classes_without_clips_note(report), _never_predicted_note(report)):
        if note:
            lines += [note, ""]
    return lines


def _intervals(report: dict) -> list[str]:
    """The overall figures' confidence intervals and how they were made, then each class's."""
    lines: list[str] = []
    boot = report.get("bootstrap")
    if boot:
        conf = round(100 * boot["confidence"])
        acc_lo, acc_hi = boot["accuracy"]
        f1_lo, f1_hi = boot["macro_f1"]
        how = (f"accuracy: Wilson score interval of {boot['right']} right of {boot['n_clips']}; macro-F1: percentile "
               f"bootstrap, {boot['n_resamples']} resamples of the {_clips(boot['n_clips'], 'test clip')}"
               if "right" in boot else
               f"bootstrap, {boot['n_resamples']} resamples of the {_clips(boot['n_clips'], 'test clip')}")
        lines += [
            f"{conf}% confidence intervals ({how}):",
            "",
            f"- accuracy {report['accuracy']:.3f} [{acc_lo:.3f}, {acc_hi:.3f}]",
            f"- macro-F1 {report['macro_f1']:.3f} [{f1_lo:.3f}, {f1_hi:.3f}]",
            *_balanced_accuracy_line(report, boot),
            "",
            boot["note"],
            "",
            *([f"Bootstrap intervals: {boot['no_interval']}.", ""] if boot.get("no_interval") else []),
        ]
    class_intervals = render_class_intervals(report)
    if class_intervals:
        lines += ["Per class, with 95% intervals (Wilson's score interval) and counts:", "", class_intervals, ""]
    return lines


def _balanced_accuracy_line(report: dict, boot: dict) -> list[str]:
    """Balanced accuracy with its bootstrap interval, or said to have none (`metrics.NO_INTERVAL`);
    nothing for a report written before it was stored."""
    if "balanced_accuracy" not in report or "balanced_accuracy" not in boot:
        return []
    interval = boot["balanced_accuracy"]
    if interval is None:
        return [f"- balanced accuracy {report['balanced_accuracy']:.3f} (bootstrap: no interval, every resample "
                "gives the same figure)"]
    return [f"- balanced accuracy {report['balanced_accuracy']:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] "
            "(bootstrap)"]


def _error_analysis(report: dict) -> list[str]:
    """The errors counted by kind, the top confusions and the misclassified clips."""
    errors = report["errors"]
    none_label = report.get("none_label", "none")
    lines = ["## Error analysis", ""]
    if none_label in report.get("labels", [none_label]):
        boundary = (f": {errors['confused_with_none']} confused with {none_label} "
                    f"({counted(errors['action_called_none'], 'action')} called {none_label}, "
                    f"{counted(errors['none_called_action'], none_label + ' clip')} called an action), ")
    else:  # a class list without it (a club's own `rest`): no boundary to count errors on
        boundary = f" (the classes have no `{none_label}`, so no error is on the action/no-action boundary): "
    # Reports written before `no_sport` was counted have none.
    no_sport = errors.get("no_sport", 0)
    lines.append(
        f"{counted(errors['total'], 'error')} of {counted(report['num_clips'], 'clip')}{boundary}"
        f"{errors['cross_sport']} cross-sport, {errors['same_sport']} within one sport"
        + (f", {no_sport} with a class whose name gives no sport." if no_sport else ".")
    )
    lines.append("")
    if errors["top_confusions"]:
        top = errors["top_confusions"][:TOP_CONFUSIONS_SHOWN]
        lines += ["Top confusions:", "", markdown_table(
            ["True", "Predicted", "Count"], ([row["true"], row["predicted"], row["count"]] for row in top)), ""]
    if errors.get("misclassified"):
        lines += _misclassified(report, errors["misclassified"], none_label)
    return lines


def _misclassified(report: dict, rows: list[dict], none_label: str) -> list[str]:
    """The misclassified clips' table and, under the action gate, what their confidence means."""
    noted = any(row.get("note") for row in rows)
    lines = ["Misclassified clips (most confident first):", ""]
    lines += [markdown_table(
        ["Clip", "True", "Predicted", "Confidence", *(["Note"] if noted else [])],
        ([row["clip_id"], row["true"], row["predicted"],
          "-" if row["confidence"] is None else f"{row['confidence']:.3f}",
          *([row.get("note") or ""] if noted else [])] for row in rows)), ""]
    threshold = (report.get("meta") or {}).get("action_threshold")
    if threshold is not None and none_label in report.get("labels", []):
        # Under the action gate a wrong action of confidence 0.17 is no misprint: say how it came about.
        lines += [f"Confidence is the model's probability of the predicted class. A clip is called an action "
                  f"when its action probability, 1 - P({none_label}), reaches the model's action threshold "
                  f"{threshold:g}, and is then given its most probable action class, so a predicted action's "
                  "confidence can be low.", ""]
    return lines


def _inference(meta: dict) -> list[str]:
    """Which inference path scored the clips, how it was chosen, and each reduced precision's
    verdict against fp32 (none where the report's meta names no path)."""
    if not meta.get("inference_backend"):
        return []
    lines = ["## Inference", "", f"Scores above are the `{meta['inference_backend']}` path's (fp32).", ""]
    selection = meta.get("inference_backend_selection") or {}
    if selection.get("layout"):
        how = {"measured": "measured on this CPU", "cached": "measured earlier on this CPU (cached)"}
        lines += [f"Path and layout: `{selection['layout']}`, "
                  f"{how.get(selection.get('choice'), selection.get('choice', ''))}"
                  + (f" ({selection['cpu']['model']}; native bf16: {selection['cpu']['native_bf16']}, "
                     f"int8: {selection['cpu']['int8_kind']})" if selection.get("cpu") else "") + ".", ""]
    for precision in ("int8", "bf16"):
        verdict = meta.get(precision)
        if not verdict:
            continue
        outcome = (f"accepted: later runs of this checkpoint on this kind of CPU may use the {precision} "
                   "path where it is measured faster" if verdict["accepted"] else
                   f"rejected (more than {verdict['max_loss_points_allowed']} points lost): fp32 stays")
        lines += [
            f"{precision} (`{verdict['backend']}`) on the same "
            f"{counted(verdict['num_clips'], 'clip')}: "
            f"{accuracy_against_fp32(verdict, precision)} "
            f"({verdict['accuracy_change_points']:+.2f} points; one clip is {verdict['points_per_clip']:.2f}), "
            f"same prediction on {same_predictions(verdict)}"
            + (f" (class probabilities differ by {verdict['mean_abs_prob_diff']:.3f} on average, "
               f"{verdict['max_abs_prob_diff']:.3f} at most), " if "max_abs_prob_diff" in verdict else ", ") +
            f"{verdict['speedup_vs_reference']}x the speed{how_timed(verdict)}; {outcome}.", ""]
    return lines


def how_timed(verdict: dict) -> str:
    """What a verdict's speed-up is measured on, for the lines that print it ("" for a verdict
    stored before its `timing` was recorded)."""
    timing = verdict.get("timing")
    if not timing:
        return ""
    return (f" (medians of {counted(timing['rounds'], 'call')} each on the same "
            f"{counted(timing['clips'], 'clip')}, interleaved, warm-up call excluded)")


def render_markdown(report: dict, *, provenance: bool = True) -> str:
    """The report as Markdown; `provenance=False` leaves out the section listing every setting
    (the terminal shows the scoreboard; the files keep everything)."""
    lines = ["# Test report", ""]
    lines += _notes_above_the_table(report)
    lines += _scores(report)
    lines += _intervals(report)
    if "confidence" in report:  # reports written before it was stored have no such section
        lines += ["## Confidence", "", *render_confidence(report, link_picture=provenance), ""]
    lines += ["## Confusion matrix", "", "Rows are the true class, columns the predicted class.", ""]
    lines += [render_confusion_table(report), ""]
    lines += _error_analysis(report)
    meta = report.get("meta") or {}
    lines += _inference(meta)
    if meta and provenance:
        lines += ["## Provenance", "", "```json", json.dumps(report["meta"], indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
