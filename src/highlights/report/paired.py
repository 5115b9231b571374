"""The macro-F1 change between two reports scored on the same clips, with its 95% interval.

Two models scored on the same clips are compared clip by clip: a hard clip is hard for both, so
the change varies far less than either figure does, and comparing the two reports' own intervals
(which overlap for most real changes) hides it. The interval here is a paired percentile
bootstrap: each resample draws clips with replacement and scores both models on the same draw,
as the single report's macro-F1 interval resamples its clips.

A report does not list every clip, only the misclassified ones (`errors.misclassified`, with the
clip's id and true class). That is enough to pair two reports of the same test set: a clip neither
lists was right in both, and how many of each class there are follows from the class supports.
The reports are paired only when every count then agrees with both confusion matrices;
otherwise the comparison is unpaired and the reason is given.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from highlights.counted_noun import counted
from highlights.report.compare import (same_test_clips, scored_folder_content_id, shown_change,
                                       unfingerprinted_splits)
from highlights.report.metrics import CONFIDENCE, FEW_CLIPS_FOR_BOOTSTRAP, confusions_of, macro_f1_of

N_RESAMPLES = 2000
SEED = 0
METHOD = "paired percentile bootstrap over the clips both reports scored (each resample scores both models)"


def paired_clips(a: dict, b: dict) -> tuple[list[tuple[str, str, str]] | None, str]:
    """Each clip as (true class, A's prediction, B's prediction) when the two reports can be
    paired, with an empty reason; else None and why not, in words."""
    if sorted(a["labels"]) != sorted(b["labels"]):  # one class list, in any order (a pose model lists none last)
        return None, "the two reports score different class lists"
    same = same_test_clips(a, b)
    if same is None and unfingerprinted_splits(a, b):
        return None, ("a report records no fingerprint of its clips and the two name different dataset splits: "
                      "whether they scored the same clips cannot be told")
    if same is None:
        return None, "a report does not record which clips it scored"
    if not same:
        return None, "the two reports were scored on different clips"
    # Two folders of the same content may name their clips differently; the pairing goes by name.
    if (scored_folder_content_id(a) and scored_folder_content_id(b)
            and a.get("clip_ids_sha256") != b.get("clip_ids_sha256")):
        return None, "the two folders hold the same clips under other file names"
    wrong_a, why_a = _misclassified(a)
    wrong_b, why_b = _misclassified(b)
    if wrong_a is None or wrong_b is None:
        return None, why_a or why_b
    labels = list(a["labels"])
    truth = {**{k: t for k, (t, _) in wrong_a.items()}, **{k: t for k, (t, _) in wrong_b.items()}}
    if any(wrong_a[k][0] != wrong_b[k][0] for k in wrong_a.keys() & wrong_b.keys()):
        return None, "a clip id names clips of two classes"
    clips = [(t, wrong_a.get(k, (t, t))[1], wrong_b.get(k, (t, t))[1]) for k, t in truth.items()]
    listed = Counter(t for t in truth.values())
    for label in labels:
        support = a["per_class"][label]["support"]
        if support != b["per_class"][label]["support"] or support < listed[label]:
            return None, f"the two reports' clips of {label} do not add up"
        clips += [(label, label, label)] * (support - listed[label])
    for side, report in ((1, a), (2, b)):
        index = {label: i for i, label in enumerate(report["labels"])}  # each matrix in its report's order
        matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
        for clip in clips:
            matrix[index[clip[0]], index[clip[side]]] += 1
        if matrix.tolist() != report["confusion_matrix"]["matrix"]:
            return None, "the clips the reports list as misclassified do not rebuild their confusion matrices"
    return clips, ""


def _misclassified(report: dict) -> tuple[dict[str, tuple[str, str]] | None, str]:
    rows = (report.get("errors") or {}).get("misclassified")
    if rows is None:
        return None, "a report does not list its misclassified clips"
    ids = [str(r["clip_id"]) for r in rows]
    if len(set(ids)) != len(ids):
        return None, "a report lists one clip id twice"
    return {str(r["clip_id"]): (r["true"], r["predicted"]) for r in rows}, ""


def macro_f1_change(a: dict, b: dict, *, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> dict[str, Any]:
    """B's macro-F1 minus A's, and, when the two reports can be paired, its 95% interval by a
    paired bootstrap over their clips (`paired`: False and `why` otherwise). Two reports of
    different class lists have no change (`change`: None): each macro-F1 averages over other classes."""
    if set(a["labels"]) != set(b["labels"]):
        return {"change": None, "paired": False, "why": "the two reports score different class lists"}
    change = float(b["macro_f1"] - a["macro_f1"])
    # The change said is that of the two figures the table shows (`shown_change`).
    figures = {"macro_f1": [float(a["macro_f1"]), float(b["macro_f1"])]}
    clips, why = paired_clips(a, b)
    if clips is None:
        return {"change": change, **figures, "paired": False, "why": why}
    labels = list(a["labels"])
    index = {label: i for i, label in enumerate(labels)}
    t, pa, pb = (np.array([index[c[k]] for c in clips]) for k in range(3))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(clips), size=(n_resamples, len(clips)))
    diffs = (macro_f1_of(confusions_of(t[draws], pb[draws], len(labels)))
             - macro_f1_of(confusions_of(t[draws], pa[draws], len(labels))))
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return {"change": change, **figures, "paired": True, "interval": [float(low), float(high)],
            "clips": len(clips), "differ": int(np.sum(pa != pb)), "n_resamples": n_resamples,
            "seed": seed, "method": METHOD}


def change_line(result: dict, *, name_a: str = "A", name_b: str = "B") -> str:
    """The macro-F1 change in one sentence: with its interval when paired, else why it has none."""
    if result["change"] is None:
        return f"Macro-F1 change {name_b} - {name_a}: not comparable ({result['why']})."
    said = shown_change(*result["macro_f1"]) if "macro_f1" in result else result["change"]
    head = f"Macro-F1 change {name_b} - {name_a}: {said:+.3f}"
    if not result["paired"]:
        return (f"{head}, unpaired ({result['why']}): no interval for the change; read it against the two "
                "reports' own intervals above.")
    low, high = result["interval"]
    verdict = ("the interval holds 0: that change may be noise" if low <= 0 <= high
               else "the interval excludes 0")
    if result["differ"] == 0:  # "may be noise" of a change that is none read as doubt about it
        verdict = "the two models call every clip the same: no change on these clips"
    few = (f" With fewer than {FEW_CLIPS_FOR_BOOTSTRAP} clips a bootstrap interval is narrower than 95%."
           if result["clips"] < FEW_CLIPS_FOR_BOOTSTRAP else "")
    return (f"{head} [{low:+.3f}, {high:+.3f}] "
            f"(95%, {result['method']}: {counted(result['clips'], 'clip')}, "
            f"{result['differ']} predicted differently, {result['n_resamples']} resamples); {verdict}.{few}")
