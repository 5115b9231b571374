"""The report as Markdown, in the seed's table layout, followed by what the seed left out."""

from __future__ import annotations

import json

TOP_CONFUSIONS_SHOWN = 5


def render_table(report: dict) -> str:
    """The seed's table: per-class rows sorted by F1 (highest first), then the accuracy row."""
    per_class = report["per_class"]
    # Stable sort: classes with equal F1 keep the report's class order.
    order = sorted(report["labels"], key=lambda label: -per_class[label]["f1"])
    lines = ["| Class | Precision | Recall | F1 | Support |", "|---|---|---|---|---|"]
    for label in order:
        m = per_class[label]
        lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    lines.append(f"| Overall accuracy | {report['accuracy']:.3f} | {report['num_clips']} |")
    return "\n".join(lines)


def render_confusion_table(report: dict) -> str:
    cm = report["confusion_matrix"]
    labels = cm["labels"]
    header = f"| {cm['rows']} \\ {cm['columns']} | " + " | ".join(labels) + " |"
    lines = [header, "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, cm["matrix"]):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def render_markdown(report: dict) -> str:
    lines = ["# Test report", "", render_table(report), ""]
    lines.append(f"Macro-F1: {report['macro_f1']:.2f} ({report['macro_f1']:.3f})")
    lines.append("")

    boot = report.get("bootstrap")
    if boot:
        conf = round(100 * boot["confidence"])
        acc_lo, acc_hi = boot["accuracy"]
        f1_lo, f1_hi = boot["macro_f1"]
        lines += [
            f"{conf}% bootstrap confidence intervals ({boot['n_resamples']} resamples of the "
            f"{boot['n_clips']} test clips):",
            "",
            f"- accuracy {report['accuracy']:.3f} [{acc_lo:.3f}, {acc_hi:.3f}]",
            f"- macro-F1 {report['macro_f1']:.3f} [{f1_lo:.3f}, {f1_hi:.3f}]",
            "",
            boot["note"],
            "",
        ]

    lines += ["## Confusion matrix", "", "Rows are the true class, columns the predicted class.", ""]
    lines += [render_confusion_table(report), ""]

    errors = report["errors"]
    none_label = report.get("none_label", "none")
    lines += ["## Error analysis", ""]
    lines.append(
        f"{errors['total']} errors of {report['num_clips']} clips: "
        f"{errors['confused_with_none']} confused with {none_label} "
        f"({errors['action_called_none']} actions called {none_label}, "
        f"{errors['none_called_action']} {none_label} clips called an action), "
        f"{errors['cross_sport']} cross-sport, {errors['same_sport']} within one sport."
    )
    lines.append("")
    if errors["top_confusions"]:
        lines += ["Top confusions:", "", "| True | Predicted | Count |", "|---|---|---|"]
        for row in errors["top_confusions"][:TOP_CONFUSIONS_SHOWN]:
            lines.append(f"| {row['true']} | {row['predicted']} | {row['count']} |")
        lines.append("")
    if errors.get("misclassified"):
        lines += ["Misclassified clips (most confident first):", ""]
        lines += ["| Clip | True | Predicted | Confidence |", "|---|---|---|---|"]
        for row in errors["misclassified"]:
            conf = "" if row["confidence"] is None else f"{row['confidence']:.3f}"
            lines.append(f"| {row['clip_id']} | {row['true']} | {row['predicted']} | {conf} |")
        lines.append("")

    meta = report.get("meta") or {}
    if meta.get("inference_backend"):
        lines += ["## Inference", "", f"Scores above are the `{meta['inference_backend']}` path's (fp32).", ""]
        int8 = meta.get("int8")
        if int8:
            verdict = ("accepted: later runs of this checkpoint use the int8 model" if int8["accepted"] else
                       f"rejected (more than {int8['max_loss_points_allowed']} points lost): fp32 stays")
            lines += [
                f"int8 (`{int8['backend']}`) on the same {int8['num_clips']} clips: accuracy "
                f"{int8['int8_accuracy']:.3f} vs {int8['fp32_accuracy']:.3f} "
                f"({int8['accuracy_change_points']:+.2f} points; one clip is {int8['points_per_clip']:.2f}), "
                f"same prediction on {100 * int8['prediction_agreement']:.1f}% of clips"
                + (f" (class probabilities differ by {int8['mean_abs_prob_diff']:.3f} on average, "
                   f"{int8['max_abs_prob_diff']:.3f} at most), " if "max_abs_prob_diff" in int8 else ", ") +
                f"{int8['speedup_vs_reference']}x the speed; {verdict}.", ""]
    if meta:
        lines += ["## Provenance", "", "```json", json.dumps(report["meta"], indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
