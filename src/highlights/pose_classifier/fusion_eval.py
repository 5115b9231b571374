"""Choosing the fusion weight on the validation split and scoring the fused classifier on test.

`highlights evaluate --checkpoint CHECKPOINT --root R --version V --fuse-pose` runs the R(2+1)D and the pose
model on the version's validation and test clips, picks the weight on validation
(`fusion.choose_weight`; kept at 0.5 with fewer than 30 validation clips, `fusion.settle_weight`),
and writes the test report of the fused classifier with the weight, the score of every weight on
validation, and both models in its provenance. The weight goes to the pipeline as
`--set classifier.fusion_weight=W` with `classifier.backend=fusion`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from highlights import __version__
from highlights.pose_classifier.clips import LabelledClip
from highlights.pose_classifier.evaluation import predict_clips
from highlights.pose_classifier.fusion import (
    FEW_VALIDATION_CLIPS, align_classes, check_checkpoint_classes, choose_weight, fuse, settle_weight, tied_weights,
    weight_choice_text)
from highlights.packaged_file import shown_name
from highlights.pose_classifier.model import PoseClassifier, file_sha256


def _r2_proba(classifier, records, *, show_progress: bool = False) -> np.ndarray:
    from highlights.progress import progress_bar
    from highlights.video import clip_to_tensor, read_clip

    out = []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("R(2+1)D on clips", total=len(records))
        for r in records:
            frames, _ = read_clip(r.path, classifier.spec.num_frames)
            tensor = clip_to_tensor(frames, classifier.spec, train=False)[None].numpy()
            out.append(classifier.predict_proba(tensor)[0])
            progress.advance(task)
    return np.asarray(out)


def evaluate_fusion(checkpoint: str | Path, *, root, version: str, out_dir, pose_model: str | Path | None = None,
                    split: str = "test", cache_dir=None, n_bootstrap: int = 1000,
                    show_progress: bool = False,
                    log: Callable[[str], None] = lambda m: None) -> tuple[dict, dict[str, Path]]:
    """The fused test report (and its files in ``out_dir``); `show_progress`: a bar on stderr for
    each model over each split's clips."""
    from highlights.datasets.checks import load_checked_splits
    from highlights.model import ClipClassifier
    from highlights.pose_classifier.default import DEFAULT_MODEL
    from highlights.report import build_report, write_report_files
    from highlights.train.evaluation import unfinished_run

    checkpoint = Path(checkpoint)
    pose_path = Path(pose_model) if pose_model else DEFAULT_MODEL
    pose = PoseClassifier.load(pose_path)
    # The version first: a wrong --version, an empty split or a damaged clip is said before the
    # R(2+1)D's inference path is measured.
    dataset, (val, test) = load_checked_splits(root, version, ["val", split],
                                               show_progress=show_progress, log=log)
    check_checkpoint_classes(checkpoint, pose.classes)
    r2 = ClipClassifier.from_checkpoint(checkpoint)
    # Closed once both splits are scored: its runner's worker threads would otherwise outlive the
    # evaluation until garbage collection.
    try:
        order = align_classes(r2.classes, pose.classes)
        classes = list(r2.classes)

        def both(records):
            pose_p, _, _ = predict_clips(pose, [LabelledClip(r.path, r.label, r.path.name) for r in records],
                                         cache_dir=cache_dir, show_progress=show_progress)
            return _r2_proba(r2, records, show_progress=show_progress), pose_p[:, order]

        log(f"fusion: R(2+1)D {checkpoint.name} + pose model {pose_path.name}; choosing the weight on "
            f"{len(val)} validation clips")
        r2_val, pose_val = both(val)
        best, scores = choose_weight(r2_val, pose_val, [classes.index(r.label) for r in val])
        weight = settle_weight(best, len(val))
        choice = weight_choice_text(weight, scores, len(val))
        log(f"fusion: {choice} Validation macro-F1 by weight: "
            + ", ".join(f"{w:g}: {s:.3f}" for w, s in scores.items()))
        r2_test, pose_test = both(test)
    finally:
        r2.close()
    proba = fuse(r2_test, pose_test, weight)
    # what the plain R(2+1)D report records of its checkpoint, so a fused figure is as traceable
    trained = r2.meta
    unfinished = unfinished_run(checkpoint, trained)
    if unfinished:
        log(f"note: {unfinished['note']}")
    meta = _fusion_meta(checkpoint, trained, pose, pose_path, dataset, split, len(test),
                        weight=weight, best=best, scores=scores, choice=choice,
                        validation_clips=len(val), n_bootstrap=n_bootstrap, unfinished=unfinished)
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    report = build_report([r.label for r in test], predicted, classes,
                          # by clip id, as the R(2+1)D's and the pose model's reports list them:
                          # `report compare` pairs the clips of two reports by it
                          proba=proba, clip_ids=[r.clip_id for r in test],
                          clip_notes=[dataset.origin(r.clip_id) for r in test], meta=meta,
                          n_bootstrap=n_bootstrap)
    return report, write_report_files(report, out_dir)


def _fusion_meta(checkpoint: Path, trained: dict, pose: PoseClassifier, pose_path: Path, dataset,
                 split: str, test_clips: int, *, weight: float, best: float, scores: dict,
                 choice: str, validation_clips: int, n_bootstrap: int,
                 unfinished: dict | None) -> dict:
    """The fused report's provenance: the weight and how it was chosen, both models, the split."""
    return {
        "highlights_version": __version__,
        "model": {"arch": "fusion", "rule": "w * p_r2plus1d + (1 - w) * p_pose, argmax",
                  "weight": weight,
                  "validation_macro_f1_by_weight": {str(k): v for k, v in scores.items()},
                  "validation_clips": validation_clips, "best_validation_weight": best,
                  "chosen_on_validation": validation_clips >= FEW_VALIDATION_CLIPS,
                  "tied_weights": tied_weights(scores), "weight_choice": choice},
        "checkpoint": {"path": str(checkpoint.resolve()), "sha256": file_sha256(checkpoint),
                       "epoch": trained.get("epoch"), "val_macro_f1": trained.get("val_macro_f1"),
                       "pretrained": trained.get("pretrained")},
        "train_config": trained.get("train_config"),
        "pose_model": {"path": shown_name(pose_path), "sha256": file_sha256(pose_path),
                       "provenance": pose.meta.get("provenance")},
        "dataset": {"root": str(dataset.root), "version": dataset.name,
                    "content_id": dataset.content_id, "split": split, "clips": test_clips,
                    "trained_on": trained.get("dataset")},
        "eval_config": {"n_bootstrap": n_bootstrap},
        **({"unfinished_run": unfinished} if unfinished else {}),
    }
