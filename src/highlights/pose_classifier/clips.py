"""Labelled clips as pose sequences: a folder-per-class tree read for the pose classifier.

A clip the synthetic generator wrote carries its ground-truth keypoints in `NAME.json`; the
actor's are used (so synthetic clips need no pose model). Any other clip gets BlazePose once,
cached by the file's content (`real_poses`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from highlights.counted_noun import counted
from highlights.datasets.errors import DatasetError
from highlights.datasets.sources import SYNTH_AGAIN
from highlights.errors import MissingFileError
from highlights.file_set import check_written_with
from highlights.pose_classifier.real_poses import PoseEstimateSettings, estimate_clip_poses


@dataclass
class LabelledClip:
    path: Path
    label: str
    name: str          # path relative to the tree, as reports list it
    copy_of: str | None = None  # the earlier clip of the tree whose pictures it shows (a re-encoded copy)


# What a model not of the packaged default says to do with clips of classes it lacks: of several
# classes, then of one (`OtherClassesRefused`'s `advice` and `advice_one`).
TRAINED_ON_THEM = ("score a model trained on them", "score a model trained on it")


@dataclass(frozen=True)
class OtherClassesRefused:
    """What a refusal of clips of none of a model's classes names: the model whose classes they
    are not, and what to do instead: `advice` where several classes are refused, `advice_one` (its
    words of them singular) where one is, `advice` where it is empty."""

    model: str
    advice: str
    advice_one: str = ""

    def error(self, where: str, counts: dict[str, int], classes: list[str], *,
              compare_on: tuple[str, str] | None = None) -> DatasetError:
        """One line: where the clips are, each other class with its clips, the model's classes;
        with ``compare_on`` (the version scored, the ancestor without those classes: see
        `datasets.ancestors`), where this model and one that has them can both be scored."""
        named = ", ".join(f"{name} ({n} clip{'s' if n != 1 else ''})" for name, n in counts.items())
        one = len(counts) == 1
        compare = ""
        if compare_on is not None:
            version, ancestor = compare_on
            compare = (f"; to compare this model with one that has {', '.join(counts)}, score both on "
                       f"{ancestor} (--version {ancestor}), which {version} grew from and whose clips it keeps")
        advice = self.advice_one if one and self.advice_one else self.advice
        return DatasetError(f"{where}: {named} {'is not a class' if one else 'are not classes'} of {self.model} "
                            f"({', '.join(classes)}): {advice}{compare}")


def clip_tree(root: str | Path, classes: list[str], *, show_progress: bool = False,
              refuse_others: OtherClassesRefused | None = None,
              log: Callable[[str], None] = lambda m: None) -> tuple[list[LabelledClip], list[str]]:
    """The clips of a folder-per-class tree whose folder is one of `classes`, and the folders
    skipped because they are not; with `refuse_others`, a folder of clips that is none of the
    classes is refused instead, before any clip is decoded: a club's `volleyball_spike/` left out
    of a report of the default four would score what remains as if it were the whole tree. (The
    benchmarks' real-dev tree holds an `untrimmed/` folder that they skip.)

    Every clip is checked first as `dataset create` checks it (decoded whole, no duplicates), and
    all the bad ones are refused together, so one run lists everything to fix rather than
    stopping at the first unreadable clip half way through scoring. Entries of the class folders
    that are not clips (a folder of clips inside one, a note) are told to `log`, one line each, as
    `dataset create` lists them.
    """
    from highlights.datasets.checks import check_sources
    from highlights.datasets.sources import scan_class_folders

    root = Path(root)
    if root.is_file():
        raise DatasetError(f"{root}: is a file; --clips names a folder holding a folder per class")
    if not root.is_dir():
        raise MissingFileError(root, "no such folder")
    from highlights.datasets.records import META_NAME

    if (root / META_NAME).is_file():
        # A version stores its clips under content hashes in clips/, its labels in its manifest:
        # read as a folder per class, it was refused as a class named "clips/".
        raise DatasetError(f"{root}: a dataset version, not a folder per class; give --root {root.parent} "
                           f"--version {root.name} in place of --clips")
    found = scan_class_folders(root)
    chosen = [c for c in found.clips if c.label in classes]
    skipped = sorted({c.label for c in found.clips if c.label not in classes})
    # A folder one keyboard slip from a class (`basketbal_layup`) holds that class's clips:
    # skipped as "not a class", they would be left out of the score unseen.
    from highlights.class_slips import one_slip_apart

    slips = [f"{root / name}: folder {name!r} is one slip from the class {cls!r}; rename it (or move its clips) "
             "to use them" for name in skipped for cls in classes if one_slip_apart(name, cls)]
    if slips:
        raise DatasetError(slips)
    if skipped and refuse_others is not None:
        counts = {f"{name}/": sum(c.label == name for c in found.clips) for name in skipped}
        advice = f"{refuse_others.advice}, or move those folders out to score the rest"
        advice_one = f"{refuse_others.advice_one or refuse_others.advice}, or move that folder out to score the rest"
        raise replace(refuse_others, advice=advice, advice_one=advice_one).error(str(root), counts, classes)
    # Entries that cannot be clips (a dangling link), in the class folders only.
    problems = [p.reason for p in found.problems if Path(p.path).relative_to(root).parts[0] in classes]
    for entry in found.ignored:
        if Path(entry.path).relative_to(root).parts[0] in classes:
            log(f"ignored {entry.reason}")
    if not chosen and not problems:
        raise DatasetError(f"{root}: no clips in folders named after the classes {classes}")
    outcome = check_sources(chosen, classes, {}, show_progress=show_progress)
    bad = problems + [r.reason for r in outcome.rejected]
    if bad:
        total = len(chosen) + len(problems)
        raise DatasetError(bad, headline=f"{root}: {len(bad)} of {counted(total, 'clip')} cannot be used")
    copy_of = {d.path: str(Path(d.of).relative_to(root)) for d in outcome.near_duplicates}
    clips = [LabelledClip(c.source.path, c.source.label, str(c.source.path.relative_to(root)),
                          copy_of.get(str(c.source.path)))
             for c in outcome.accepted]
    return clips, skipped


def each_video_once(clips: list[LabelledClip], log: Callable[[str], None]) -> tuple[list[LabelledClip], list[dict]]:
    """The clips to score, a re-encoded copy of an earlier clip left out (`dataset create` finds
    them by their pictures and keeps them in one split; a folder scored whole has no splits), so
    that n counts videos, not files; and the copies left out, each with the clip it copies."""
    copies = [{"clip": c.name, "copy_of": c.copy_of} for c in clips if c.copy_of is not None]
    if copies:
        shown = ", ".join(f"{c['clip']} (copy of {c['copy_of']})" for c in copies[:10])
        more = f" and {len(copies) - 10} more" if len(copies) > 10 else ""
        log(f"left out {len(copies)} clip{'s' if len(copies) > 1 else ''} showing the same pictures as another "
            f"of {'their' if len(copies) > 1 else 'its'} class (re-encoded copies), so that each video counts once: "
            f"{shown}{more}")
    return [c for c in clips if c.copy_of is None], copies


def synthetic_truth_poses(video: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The actor's keypoints from a generator's `NAME.json` beside the clip, if there is one."""
    sidecar = video.with_suffix(".json")
    if not sidecar.is_file():
        return None
    try:
        truth = json.loads(sidecar.read_text(encoding="utf-8"))
        frames = truth["frames"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # another clip's poses would be trained on
    check_written_with(sidecar, truth, again=SYNTH_AGAIN)
    kps, times = [], []
    for fr in frames:
        actor = next((p for p in fr.get("persons", []) if p.get("actor")), None)
        kp = np.zeros((17, 3), np.float32)
        if actor is not None:
            kp = np.asarray(actor["keypoints"], np.float32).reshape(17, 3)
            kp[:, 2] = np.minimum(kp[:, 2], 1.0)   # COCO's 2 = visible
        kps.append(kp)
        times.append(float(fr["t"]))
    return np.asarray(kps, np.float32).reshape(-1, 17, 3), np.asarray(times)


# Where a clip's poses came from, as a report counts them: a synthetic clip's are the generator's
# own keypoints, without a pose estimator's misses and jitter, so a score on them is no score on
# footage whose poses are estimated.
TRUTH_POSES, ESTIMATED_POSES = "generator_truth", "estimated"


def clip_poses_and_source(video: Path, *, fps: float, cache_dir: str | Path | None = None
                          ) -> tuple[np.ndarray, np.ndarray, str]:
    """A clip's keypoints and times, and where they came from (`TRUTH_POSES` or
    `ESTIMATED_POSES`)."""
    truth = synthetic_truth_poses(video)
    if truth is not None:
        return (*truth, TRUTH_POSES)
    poses = estimate_clip_poses(video, PoseEstimateSettings(fps=fps), cache_dir=cache_dir)
    return poses.keypoints, poses.times, ESTIMATED_POSES


def clip_poses(video: Path, *, fps: float, cache_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    keypoints, times, _ = clip_poses_and_source(video, fps=fps, cache_dir=cache_dir)
    return keypoints, times


def poses_record(sources: list[str]) -> dict:
    """What a report records of its clips' poses: how many were the generator's own and how many
    were estimated, and by what (None where none was)."""
    from highlights.pipeline.blazepose import estimator_identity

    estimated = sources.count(ESTIMATED_POSES)
    return {TRUTH_POSES: sources.count(TRUTH_POSES), ESTIMATED_POSES: estimated,
            "estimator": {"name": "BlazePose", **estimator_identity()} if estimated else None}
