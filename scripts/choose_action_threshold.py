"""Chooses the packaged pose model's action-vs-`none` threshold on labelled real clips and stores
it.

    .venv/bin/python scripts/choose_action_threshold.py [--real-dev ../shared/real-dev]
                                                        [--windows FILE] [--dry-run] [--model FILE]

Runs the default pipeline once on every clip of the folder-per-class tree (folders that are not a
class, such as `untrimmed/`, are skipped) and keeps every classifier window's probabilities
(`pipeline.clip_windows`): the gate is chosen on the windows the pipeline itself scores (its
MoveNet poses, its kinematic triggers). A clip is decided as the pipeline would decide it, the
threshold is chosen on a grid by macro-F1 with the one-standard-error rule, and the whole rule is
leave-one-out cross-validated (`pose_classifier.action_gate`). The threshold is written into
`src/highlights/pose_classifier/default/pose_default.pt` and its provenance JSON (how it was
chosen, on how many clips, the cross-validated macro-F1 with its 95% interval, every threshold's
score); the network's weights are not touched. The clips are never copied into the repository.

--windows FILE keeps the collected window probabilities (numbers only) in FILE and reads them
back on the next run instead of rerunning the pipeline (one file per model: it does not say whose
they are). --dry-run prints and writes nothing.
--model FILE chooses the threshold of another pose model (from `highlights train --model pose`)
the same way, run by the pipeline as `classifier.pose_model`, and writes it into that file and
the provenance JSON beside it (when there is one).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from highlights.atomic import atomic_write_text  # noqa: E402
from highlights.pose_classifier.action_gate import (  # noqa: E402
    THRESHOLDS, choose_threshold, leave_one_out, macro_f1,
)
from highlights.pose_classifier.default import DEFAULT_MODEL  # noqa: E402
from highlights.pose_classifier.model import PoseClassifier, file_sha256  # noqa: E402

COMMAND = "python scripts/choose_action_threshold.py"


def collect(real_dev: Path, windows_file: Path | None, model_path: Path = DEFAULT_MODEL,
            ) -> tuple[list[str], list, list[np.ndarray], np.ndarray]:
    """(classes, clips, each clip's window probabilities, labels as class indices)."""
    from highlights.pipeline.clip_windows import clips_window_proba
    from highlights.pipeline.config import PipelineConfig
    from highlights.pose_classifier.clips import clip_tree

    model = PoseClassifier.load(model_path)
    classes = list(model.classes)
    clips, skipped = clip_tree(real_dev, classes)
    y = np.array([classes.index(c.label) for c in clips])
    stored = (json.loads(windows_file.read_text())
              if windows_file is not None and windows_file.is_file() else {})
    if (stored.get("classes") == classes
            and sorted(stored.get("clips", {})) == sorted(c.name for c in clips)):
        print(f"window probabilities read from {windows_file}")
        windows = [np.asarray(stored["clips"][c.name], np.float64).reshape(-1, len(classes))
                   for c in clips]
    else:
        print(f"running the default pipeline on {len(clips)} clips (skipped folders: "
              f"{', '.join(skipped) or 'none'})")
        started = time.time()
        config = PipelineConfig()
        if model_path != DEFAULT_MODEL.resolve():
            config = config.with_overrides({"classifier.pose_model": str(model_path)})
        windows = clips_window_proba(
            clips, config, classes,
            on_clip=lambda i, c: print(f"  [{i + 1}/{len(clips)}] {c.name}", flush=True))
        print(f"  {sum(len(w) for w in windows)} windows in {time.time() - started:.0f} s")
        if windows_file is not None:
            windows_file.write_text(json.dumps({"classes": classes, "clips": {
                c.name: w.round(6).tolist() for c, w in zip(clips, windows)}}))
    return classes, clips, windows, y


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-dev", type=Path, default=REPO.parent / "shared" / "real-dev",
                    help="folder of labelled real clips, a folder per class (default: "
                         "../shared/real-dev)")
    ap.add_argument("--windows", type=Path, default=None,
                    help="JSON file keeping each clip's window probabilities: read when it holds "
                         "the same "
                         "classes and clips, else written after the pipeline has run over them")
    ap.add_argument("--dry-run", action="store_true", help="print the choice, write nothing")
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                    help="pose model whose threshold is chosen and written (default: the packaged "
                         "one)")
    return ap.parse_args()


def _threshold_record(choice, loo_pred: np.ndarray, loo_f1: float, ci: dict, picked: dict,
                      classes: list[str], windows: list[np.ndarray], y: np.ndarray) -> dict:
    """How the threshold was chosen, on what, and its cross-validated score: the provenance
    written beside it."""
    return {
        "value": choice.threshold,
        "command": COMMAND,
        "rule": ("a window is an action when 1 - P(none) >= threshold, labelled by its best action "
                 "class (highlights.pose_classifier.action_gate)"),
        "chosen_on": {"clips": len(y),
                      "per_class": {c: int((y == i).sum()) for i, c in enumerate(classes)},
                      "source": "real-dev: real clips labelled by eye (folder per class), not in "
                                "the repository",
                      "windows": "every classifier window of one default pipeline run per clip "
                                 f"({sum(len(w) for w in windows)} windows; MoveNet poses, "
                                 "kinematic triggers)",
                      "clip_decision": "none without a window at the threshold, else the action "
                                       "class of the most action-like window"},
        "choice": {"grid": list(THRESHOLDS), "criterion": "macro-F1 over the clips",
                   "rule": "one-standard-error: the lowest threshold within one bootstrap standard "
                           "error (500 resamples, seed 0) of the best",
                   "best": choice.best, "standard_error": choice.standard_error,
                   "macro_f1_by_threshold": {str(t): v for t, v in choice.scores.items()}},
        "cross_validated": {"scheme": "leave-one-out (the whole choice rerun without each clip)",
                            "macro_f1": round(loo_f1, 4),
                            "macro_f1_95ci": [round(ci["macro_f1"][0], 4),
                                              round(ci["macro_f1"][1], 4)],
                            "accuracy": round(float((loo_pred == y).mean()), 4),
                            "thresholds_chosen": picked, "n": len(y)},
    }


def _write_threshold(model_path: Path, threshold: float, record: dict) -> None:
    """The threshold into the model file, and its record into the provenance JSON beside it
    (where there is one)."""
    model = PoseClassifier.load(model_path)
    model.action_threshold = threshold
    model.save(model_path, extra_meta={"action_threshold_choice": record})
    provenance_path = model_path.with_suffix(".json")
    if not provenance_path.is_file():
        print(f"wrote action threshold {threshold:g} into {model_path}")
        return
    provenance = json.loads(provenance_path.read_text())
    provenance["action_threshold"] = record
    provenance.update({"sha256": file_sha256(model_path), "bytes": model_path.stat().st_size})
    atomic_write_text(provenance_path, json.dumps(provenance, indent=2) + "\n")
    print(f"wrote action threshold {threshold:g} into {model_path} and {provenance_path}")


def main() -> int:
    args = _parse_args()
    if not args.real_dev.is_dir():
        print(f"{args.real_dev} is absent: the threshold is chosen on labelled real clips")
        return 1
    from highlights.report.metrics import bootstrap_intervals

    model_path = args.model.resolve()
    if not model_path.is_file():
        print(f"{args.model}: no such pose model")
        return 1
    classes, clips, windows, y = collect(args.real_dev, args.windows, model_path)
    none = classes.index("none")
    choice = choose_threshold(windows, y, none, len(classes))
    loo_pred, loo_chosen = leave_one_out(windows, y, none, len(classes))
    loo_f1 = macro_f1(y, loo_pred, len(classes))
    ci = bootstrap_intervals([classes[i] for i in y], [classes[i] for i in loo_pred], classes,
                             n_bootstrap=2000)
    picked = {str(t): loo_chosen.count(t) for t in sorted(set(loo_chosen))}
    print("macro-F1 by threshold (n=%d clips): " % len(y)
          + ", ".join(f"{t:g}: {v:.3f}" for t, v in choice.scores.items()))
    print(f"best {choice.best:g} ({choice.scores[choice.best]:.3f}, bootstrap standard error "
          f"{choice.standard_error:.3f}); chosen (lowest within one standard error): "
          f"{choice.threshold:g}")
    print(f"leave-one-out cross-validated macro-F1 {loo_f1:.3f} [{ci['macro_f1'][0]:.2f}, "
          f"{ci['macro_f1'][1]:.2f}] n={len(y)}; thresholds chosen in the folds: {picked}")
    if args.dry_run:
        return 0
    record = _threshold_record(choice, loo_pred, loo_f1, ci, picked, classes, windows, y)
    if model_path != DEFAULT_MODEL.resolve():
        record["command"] = f"{COMMAND} --model {args.model}"
    _write_threshold(model_path, choice.threshold, record)
    return 0

if __name__ == "__main__":
    sys.exit(main())
