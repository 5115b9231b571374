"""A club's own classes: labelled clips of classes the synthetic generator cannot draw.

When a user's labelled clips (`--clips`, or a dataset version) hold a class the generator has no
motion for (`volleyball_spike/`), the pose classifier is trained on those clips' windows alone and
its classes are theirs (any list, with or without `none`).

No synthetic window is mixed in, not even for the classes the generator can draw (`none`): its
windows are exact ground-truth poses of basketball, baseball and soccer background play, the
club's are estimated poses of its own sport, so a model given both could learn "clean pose, other
sport" for the drawn classes instead of the motions that tell the club's classes apart.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from highlights.counted_noun import counted
from highlights.datasets.errors import DatasetError
from highlights.pose_classifier.epoch_windows import WINDOWS_PER_EPOCH
from highlights.synth.clip import LABELS

if TYPE_CHECKING:
    from highlights.pose_classifier.train import PoseTrainConfig


def _clip_classes(config: PoseTrainConfig) -> tuple[list[str], list, list[str]] | None:
    """The classes the labelled clips hold (a folder per class: sorted, `none` last as the
    generator's list has it; a version: its own list), for a folder per class its clips (a
    version's are checked when it is made) and its class folders that hold no video, or None
    without clips."""
    if config.clips_root:
        root = Path(config.clips_root)
        if not root.is_dir():
            return None  # `clip_tree` says what is wrong with it
        from highlights.datasets.sources import scan_class_folders

        found = scan_class_folders(root)
        return _club_order({c.label for c in found.clips}), found.clips, found.empty_folders
    if config.dataset_version:
        from highlights.datasets.store import load_version

        version = load_version(config.dataset_root, config.dataset_version)
        return list(version.classes), [], []
    return None


def _club_order(classes: set[str]) -> list[str]:
    return sorted(classes, key=lambda c: (c == "none", c))


def with_the_clips_classes(config: PoseTrainConfig) -> PoseTrainConfig:
    """`config` unchanged when the labelled clips' classes are the generator's (or there are no
    clips); else a config of the clips' classes trained on them alone (`synthetic=False`)."""
    if not config.synthetic:
        return config
    found = _clip_classes(config)
    if found is None:
        return config
    classes, clips, empty_folders = found
    from highlights.datasets.build import typo_labels
    from highlights.class_slips import one_slip_apart

    # A folder one slip from a generator class (`basketbal_layup/`) is that class misspelt, which
    # `clip_tree` names; it does not make the clips a club's own classes.
    other = [c for c in classes if c not in LABELS and not any(one_slip_apart(c, g) for g in LABELS)]
    if not other:
        return config
    # Every folder is a class of its own here: `voleyball_spike/` beside `volleyball_spike/` would
    # be one more class of a clip or two, refused as `dataset create` refuses it.
    slips = typo_labels(clips, keep_both="make a dataset version with --classes listing both and train on it to "
                                         "keep both")
    if slips:
        raise DatasetError(slips)
    # An empty folder is a class of the club's too, so that `clip_tree` refuses it rather than the
    # model being trained without that class unsaid. (Beside the generator's classes, an empty
    # folder that is none of them, such as `untrimmed/`, is skipped as any other such folder is.)
    classes = _club_order(set(classes) | set(empty_folders))
    return replace(config, classes=tuple(classes), synthetic=False)


def repeated_to_an_epoch(windows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labelled windows repeated to `WINDOWS_PER_EPOCH` at least (training augments each copy
    afresh), and how many times.

    As many windows an epoch as the synthetic training's default: a few dozen clips would
    otherwise give the optimiser a step or two an epoch, and the model stops far short of what
    the clips can teach it."""
    repeats = max(1, -(-WINDOWS_PER_EPOCH // max(1, len(labels))))
    return np.concatenate([windows] * repeats), np.concatenate([labels] * repeats)


def refuse_what_it_cannot_learn(config: PoseTrainConfig) -> None:
    """A model of the clips' own classes needs two classes and a train clip of each; one line
    naming what is missing, before anything is made."""
    if config.synthetic:
        return
    if len(config.classes) < 2:
        where = config.clips_root or f"{config.dataset_root} {config.dataset_version}"
        raise DatasetError(f"{where}: only the class {config.classes[0]!r}; a classifier needs clips of two "
                           "classes at least")
    if config.dataset_version:
        from highlights.datasets.store import load_version

        version = load_version(config.dataset_root, config.dataset_version)
        held = {r.label for r in version.split("train", augmented=False)}
        missing = [c for c in config.classes if c not in held]
        if missing:
            raise DatasetError(f"{version.path}: no train clip of {', '.join(missing)}, so the pose classifier "
                               f"could not learn {'it' if len(missing) == 1 else 'them'}; add clips of "
                               f"{'it' if len(missing) == 1 else 'them'} and make a new version")


def refuse_a_class_without_windows(config: PoseTrainConfig, labels: np.ndarray, where: str) -> None:
    """A class whose clips all showed nobody has no window to learn from: refused, naming it,
    rather than a model that can never answer it."""
    empty = [c for i, c in enumerate(config.classes) if not (labels == i).any()]
    if empty:
        raise DatasetError(f"{where}: no person found in any clip of {', '.join(empty)}, so there is nothing of "
                           f"{'it' if len(empty) == 1 else 'them'} to learn (a clip needs a person in a quarter "
                           "of a 2 s window, a hip and a shoulder in view together at least once)")


def what_it_trained_on(config: PoseTrainConfig, labels: np.ndarray, clips: int) -> str:
    """One line: the clips, the windows of each class, and that nothing synthetic was added."""
    counts = ", ".join(f"{c} {int((labels == i).sum())}" for i, c in enumerate(config.classes))
    return (f"training on the labelled clips alone ({', '.join(config.classes)}: classes the synthetic generator "
            f"cannot all draw, so no synthetic windows): {counted(clips, 'clip')}, windows per class {counts}")


def val_clip_scores(clf, clips: list, cache_dir: str | None) -> dict:
    """A model without `none` on a version's val clips: each clip its most probable class (no
    threshold is chosen, so the figure is not in-sample). A clip with nobody in it is left out and
    named, as `highlights evaluate` leaves it out: the model has no `none` to call it, and the two
    commands' figures for the same clips must agree."""
    from sklearn.metrics import f1_score

    from highlights.pose_classifier.clips import clip_poses

    y, pred, nobody = [], [], []
    for clip in clips:
        kp, times = clip_poses(clip.path, fps=clf.spec.fps, cache_dir=cache_dir)
        proba = clf.track_proba(kp, times)
        if proba is None:
            nobody.append(clip.name)
            continue
        y.append(clf.classes.index(clip.label))
        pred.append(clf.decide(proba))
    y, pred = np.array(y, int), np.array(pred, int)
    return {"clips": len(y), "correct": int((pred == y).sum()), "left_out": nobody,
            "macro_f1": (float(f1_score(y, pred, labels=range(len(clf.classes)), average="macro", zero_division=0))
                         if len(y) else None)}


def val_clips_said(scores: dict, n_val: int, version: str) -> str:
    """The line train prints of `val_clip_scores`: right of those scored, and the clips with nobody
    in them named as left out."""
    left = scores["left_out"]
    shown = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
    nobody = (f"; {len(left)} of the {n_val} {'shows' if len(left) == 1 else 'show'} nobody the pose model "
              f"finds ({shown}) and {'is' if len(left) == 1 else 'are'} not scored, as "
              "the model's classes have no `none` to call them" if left else "")
    if not scores["clips"]:
        val = (f"the one val clip of {version} shows nobody" if n_val == 1
               else f"none of the {n_val} val clips of {version} shows anybody")
        return f"no validation: {val} the pose model finds ({shown})"
    return (f"validation on {counted(scores['clips'], 'val clip')} of {version} with a person: {scores['correct']}/"
            f"{scores['clips']} right, macro-F1 {scores['macro_f1']:.3f} (each clip its most probable class: the model "
            f"has no `none`, so no action threshold){nobody}")
