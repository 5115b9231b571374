"""Fusing the pose classifier with a user's R(2+1)D clip classifier.

The rule: a weighted mean of the two class-probability vectors,
`p = w * p_r2plus1d + (1 - w) * p_pose`, then the usual decision (argmax). `w` is chosen on the
validation split (the R(2+1)D's own data, never the test split) as the value in 0, 0.1, ..., 1
with the best macro-F1; ties go to the smaller `w`, keeping more of the pose model, which was not
fitted to these clips. `w = 1` is the R(2+1)D alone and `w = 0` the pose model alone, so the
ablation switches either off with one number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score

from highlights.errors import ConfigError

WEIGHTS = tuple(round(x, 1) for x in np.linspace(0.0, 1.0, 11))


class ClassListMismatch(ConfigError):
    pass


def align_classes(r2_classes: Sequence[str], pose_classes: Sequence[str]) -> list[int]:
    """Indices that put pose-model columns into the R(2+1)D's class order. Class lists that are
    not the same set are refused, naming both."""
    if sorted(r2_classes) != sorted(pose_classes):
        raise ClassListMismatch(
            f"cannot fuse: the R(2+1)D checkpoint's classes {list(r2_classes)} differ from the pose "
            f"model's classes {list(pose_classes)}; fusion needs a pose model of the same classes, "
            + _how_to_get_one(r2_classes))
    return [list(pose_classes).index(c) for c in r2_classes]


def _how_to_get_one(r2_classes: Sequence[str]) -> str:
    """A pose model of a club's own classes is trained on their clips alone, so one of the same
    classes can be made; one of the generator's classes always has all four of them."""
    from highlights.clips.spec import DEFAULT_CLASSES

    if any(c not in DEFAULT_CLASSES for c in r2_classes):
        return ("which `highlights train --model pose` makes from the same labelled clips (--clips FOLDER, or "
                "--root/--version): pass it as --pose-model to evaluate, --set classifier.pose_model=FILE to detect")
    return ("and `highlights train --model pose` makes one of the synthetic generator's four, so a model of "
            "other classes runs alone (evaluate without --fuse-pose, classifier.backend=checkpoint)")


def check_checkpoint_classes(checkpoint, pose_classes: Sequence[str]) -> None:
    """Class lists that cannot be fused are refused from the checkpoint's meta, naming the file,
    before the classifier is loaded (a first load measures its inference paths: minutes)."""
    from highlights.model.checkpoint import read_checkpoint_file
    from highlights.pose_classifier.default import checkpoint_file

    path = checkpoint_file(checkpoint)
    classes = read_checkpoint_file(path)["meta"].get("classes")
    if classes is None:
        return  # the load that follows says what is wrong with the file
    try:
        align_classes(classes, pose_classes)
    except ClassListMismatch as exc:
        raise ClassListMismatch(f"{path}: {exc}") from None


def fuse(r2_proba: np.ndarray, pose_proba: np.ndarray, weight: float) -> np.ndarray:
    """Both (N, C) in the same class order."""
    if not 0.0 <= weight <= 1.0:
        raise ConfigError(f"fusion weight must be in [0, 1], got {weight}")
    return weight * np.asarray(r2_proba) + (1.0 - weight) * np.asarray(pose_proba)


def choose_weight(r2_proba: np.ndarray, pose_proba: np.ndarray, y: Sequence[int],
                  weights: Sequence[float] = WEIGHTS) -> tuple[float, dict[float, float]]:
    """The weight with the best macro-F1 on validation clips (smallest on ties), and every
    weight's score."""
    scores = {}
    labels = list(range(np.asarray(r2_proba).shape[1]))
    for w in weights:
        pred = fuse(r2_proba, pose_proba, w).argmax(axis=1)
        scores[float(w)] = float(f1_score(y, pred, average="macro", labels=labels, zero_division=0))
    return min(tied_weights(scores)), scores


def tied_weights(scores: dict[float, float]) -> list[float]:
    """Every weight whose validation macro-F1 equals the best (the choice is the smallest)."""
    best = max(scores.values())
    return sorted(w for w, s in scores.items() if s >= best - 1e-12)


# Below this many validation clips one clip more or less right moves a class's F1 by a tenth or
# more, and the best weight with it: the weight is then not chosen on them but kept at
# EQUAL_WEIGHT, each model counting half, as the pose action threshold keeps its default when
# the validation split is too small to choose one.
FEW_VALIDATION_CLIPS = 30
EQUAL_WEIGHT = 0.5


def settle_weight(best: float, validation_clips: int) -> float:
    """The weight to use: the best on validation where there are enough clips to choose one,
    else EQUAL_WEIGHT."""
    return best if validation_clips >= FEW_VALIDATION_CLIPS else EQUAL_WEIGHT


def weight_choice_text(weight: float, scores: dict[float, float], validation_clips: int) -> str:
    """How the weight was chosen (or why it was not), said with how few clips chose it and which
    weights tied with it. `weight` is what settle_weight gave."""
    tied = tied_weights(scores)
    best = min(tied)
    clips = f"{validation_clips} validation clip{'s' if validation_clips != 1 else ''}"
    ties = (f"; {len(tied)} of the {len(scores)} weights tie at that score "
            f"({', '.join(f'{w:g}' for w in tied)}) and the smallest was taken" if len(tied) > 1 else "")
    if validation_clips < FEW_VALIDATION_CLIPS:
        return (f"R(2+1)D weight {weight:g} kept, each model counting half: {clips} "
                f"{'is' if validation_clips == 1 else 'are'} fewer than the "
                f"{FEW_VALIDATION_CLIPS} a weight is chosen on, as one clip more or less right would move it "
                f"(the best on them, {best:g}, has validation macro-F1 {scores[best]:.3f} against "
                f"{scores[weight]:.3f} at {weight:g}{ties}).")
    return f"R(2+1)D weight {weight:g} chosen on {clips} (validation macro-F1 {scores[weight]:.3f}){ties}."
