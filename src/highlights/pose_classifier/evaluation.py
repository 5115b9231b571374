"""Scoring a pose model on a folder-per-class tree: every clip is test, the usual test report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from highlights import __version__
from highlights.counted_noun import counted
from highlights.packaged_file import file_or_member, shown_name
from highlights.pose_classifier.clips import (
    TRAINED_ON_THEM, LabelledClip, OtherClassesRefused, clip_poses_and_source, clip_tree, each_video_once,
    poses_record,
)
from highlights.pose_classifier.model import PoseClassifier, file_sha256
from highlights.progress import progress_bar
from highlights.report import build_report, write_report_files


def predict_clips(clf: PoseClassifier, clips, *, cache_dir=None, show_progress: bool = False):
    """(N, classes) clip probabilities, whether a person was found in each clip, and where each
    clip's poses came from (`clips.TRUTH_POSES` or `ESTIMATED_POSES`). A clip with nobody in it
    gets probability 1 for `none` (if the model has it)."""
    proba, found, sources = [], [], []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("pose classifier on clips", total=len(clips))
        for clip in clips:
            kp, times, source = clip_poses_and_source(clip.path, fps=clf.spec.fps, cache_dir=cache_dir)
            sources.append(source)
            p = clf.track_proba(kp, times)
            found.append(p is not None)
            if p is None:
                p = np.zeros(len(clf.classes))
                p[clf.none_index if clf.none_index is not None else 0] = 1.0
            proba.append(p)
            progress.advance(task)
    return np.asarray(proba), np.asarray(found), sources


def evaluate_pose(checkpoint: str | Path, *, out_dir: str | Path, clips_root: str | Path | None = None,
                  root: str | Path | None = None, version: str | None = None, split: str = "test",
                  cache_dir=None, n_bootstrap: int = 1000, show_progress: bool = True,
                  log: Callable[[str], None] = lambda m: None) -> tuple[dict, dict[str, Path]]:
    """The test report of a pose model on a folder-per-class tree (every clip is test) or on a
    dataset version's split."""
    checkpoint = file_or_member(checkpoint)
    clf = PoseClassifier.load(checkpoint)
    clips, origins, data_meta = _clips_to_score(checkpoint, clf, clips_root=clips_root, root=root, version=version,
                                                split=split, show_progress=show_progress, log=log)
    log(f"pose classifier: {checkpoint} ({clf.family}), {counted(len(clips), 'clip')}")
    from highlights.pose_classifier.seen_clips import seen_by_pose_model

    seen = seen_by_pose_model([c.name for c in clips], [c.path for c in clips], clf.meta.get("provenance"))
    seen.say(len(clips), log)
    proba, found, sources = predict_clips(clf, clips, cache_dir=cache_dir, show_progress=show_progress)
    left_out = None
    if clf.none_index is None and not found.all():
        # A model without `none` has no answer for a clip with nobody in it: given the first class,
        # it counted right whenever that was its label. Left out of the scores and said, as the
        # pipeline makes no highlight of a window with nobody in it.
        left_out = _nobody_left_out([c.name for c, f in zip(clips, found) if not f], len(clips), data_meta, log)
        seen = seen.without(left_out["clips"])
        origins = [o for o, f in zip(origins, found) if f]
        clips = [c for c, f in zip(clips, found) if f]
        sources = [s for s, f in zip(sources, found) if f]
        proba, found = proba[found], found[found]
    pred = [clf.classes[clf.decide(p)] for p in proba]
    meta = {
        "highlights_version": __version__,
        "model": clf.meta.get("model"),
        "checkpoint": {"path": shown_name(checkpoint), "sha256": file_sha256(checkpoint),
                       "provenance": clf.meta.get("provenance")},
        "dataset": {**data_meta, "trained_on": clf.meta.get("dataset")},
        "pose_window": clf.spec.to_dict(),
        "poses": poses_record(sources),
        # A model without `none` has no action threshold (each clip is its most probable class).
        "action_threshold": clf.action_threshold if clf.none_index is not None else None,
        "clips_without_a_person": [c.name for c, f in zip(clips, found) if not f],
        # a version's clips are named by content id: where each came from, as the error table gives it
        "clips_without_a_person_from": {c.name: o for c, o, f in zip(clips, origins, found) if not f and o},
        "left_out": left_out,
        **seen.meta(),
        "train_config": clf.meta.get("train_config"),
        "eval_config": {"n_bootstrap": n_bootstrap, "aggregation": f"{clf.aggregation} over windows, mirror-averaged"},
    }
    # A clip with nobody in it is called `none` for want of a pose, not because the model was sure:
    # its error is listed without a confidence, so it does not head the "most confident" list.
    shown = np.where(found[:, None], proba, np.nan)
    report = build_report([c.label for c in clips], pred, clf.classes, proba=shown,
                          clip_ids=[c.name for c in clips],
                          clip_notes=[_note(origin, f) for origin, f in zip(origins, found)],
                          meta=meta, n_bootstrap=n_bootstrap)
    return report, write_report_files(report, out_dir)


def _clips_to_score(checkpoint: Path, clf: PoseClassifier, *, clips_root, root, version, split: str,
                    show_progress: bool, log: Callable[[str], None]) -> tuple[list[LabelledClip], list, dict]:
    """The clips to score (each video once, of the model's classes), each one's origin (a dataset
    version's: the file it was added from), and what the report says of them."""
    if clips_root is not None:
        from highlights.datasets.content_id import folder_content_id

        clips, _ = clip_tree(clips_root, clf.classes, show_progress=show_progress,
                             refuse_others=_other_classes_refused(checkpoint), log=log)
        clips, copies = each_video_once(clips, log)
        data_meta = {"clips_root": str(Path(clips_root).resolve()), "split": "all (every clip is test)",
                     "content_id": folder_content_id((c.path, c.label) for c in clips),
                     "clips": len(clips), "copies_left_out": copies}
        origins = [None] * len(clips)
        dataset = None
    else:
        from highlights.datasets.checks import load_checked_splits

        dataset, (records,) = load_checked_splits(root, version, [split], show_progress=show_progress, log=log)
        # Listed as the R(2+1)D's report lists them: by clip id, with the file each was added from.
        clips = [LabelledClip(r.path, r.label, r.clip_id) for r in records]
        origins = [dataset.origin(r.clip_id) for r in records]
        data_meta = {"root": str(dataset.root), "version": dataset.name, "content_id": dataset.content_id,
                     "split": split, "clips": len(clips)}
    other = Counter(c.label for c in clips if c.label not in clf.classes)
    if other:  # a version of a club's own classes, before a model of the default four
        from highlights.datasets.ancestors import ancestor_without

        ancestor = ancestor_without(dataset.root, dataset.parent, set(other)) if dataset is not None else None
        raise _other_classes_refused(checkpoint).error(f"{data_meta['root']} {data_meta['version']} ({split} split)",
                                                       dict(other), clf.classes,
                                                       compare_on=(dataset.name, ancestor) if ancestor else None)
    return clips, origins, data_meta


def _nobody_left_out(names: list[str], n_clips: int, data_meta: dict, log: Callable[[str], None]) -> dict:
    """The clips `names` showing nobody, left out of the scores of a model without `none`, and the
    note that says so; refused where that leaves nothing to score."""
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    show, them, they_are = ("shows", "it", "it is") if len(names) == 1 else ("show", "them", "they are")
    left_out = {"clips": names,
                "note": (f"{len(names)} of the {counted(n_clips, 'clip')} {show} nobody the pose model finds "
                         f"({shown}); the model's classes have no `none` to call {them}, so {they_are} not scored")}
    log(f"left out: {left_out['note']}")
    if len(names) == n_clips:
        from highlights.datasets.errors import DatasetError

        where = data_meta.get("clips_root") or f"{data_meta.get('root')} {data_meta.get('version')}"
        its = "its one clip" if n_clips == 1 else f"any of its {n_clips} clips"
        raise DatasetError(f"{where}: no person found in {its}, so there is nothing to "
                           "score (the model's classes have no `none` to call a clip with nobody in it)")
    return left_out


def _other_classes_refused(checkpoint: Path | Traversable) -> OtherClassesRefused:
    """How a folder of clips that is none of the model's classes is refused: the packaged model
    knows only the generator's classes, so a club's own are for a model trained on them."""
    from highlights.pose_classifier.default import is_default_model

    if is_default_model(checkpoint):
        train = ("train a pose model on your clips of {} (`highlights train --model pose --clips TREE --out RUN`) "
                 "and pass it")
        return OtherClassesRefused(f"the packaged pose model {checkpoint.name}, which knows only these",
                                   f"for your own classes {train.format('them')}",
                                   f"for your own class {train.format('it')}")
    return OtherClassesRefused(checkpoint.name, *TRAINED_ON_THEM)


def _note(origin: str | None, person_found: bool) -> str | None:
    """A misclassified clip's note: where it came from, and why it has no confidence."""
    parts = [p for p in (origin, None if person_found else "no person found") if p]
    return "; ".join(parts) or None
