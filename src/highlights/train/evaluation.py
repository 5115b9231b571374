"""Scoring a checkpoint on a dataset split: the test report and its files."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from highlights import __version__
from highlights.clips.spec import ClipSpec
from highlights.datasets import ClipRecord, DatasetError, DatasetVersion
from highlights.datasets.checks import load_checked_splits
from highlights.datasets.content_id import folder_content_id
from highlights.file_hash import file_sha256
from highlights.errors import ConfigError
from highlights.model import ClipClassifier
from highlights.model.backends import Bf16Unavailable
from highlights.counted_noun import counted
from highlights.model.path_choice import DEFAULT_ROUNDS
from highlights.model.precision_verdict import (bf16_verdict, int8_verdict, softmax,
                                                speed_against_fp32, timed_paths)
from highlights.model.int8_store import save_bf16, save_int8
from highlights.progress import progress_bar
from highlights.report import build_report, write_report_files
from highlights.report.markdown import accuracy_against_fp32, how_timed, same_predictions
from highlights.report.seen_clips import BEST_EPOCH, SeenClips, SeenIds
from highlights.video import VideoError, clip_to_tensor, read_clip
from highlights.train.data import batches
from highlights.train.evaluation_settings import EvaluationSettings


class ClipReadError(VideoError):
    """A test clip that could not be read, raised in the main process with the worker's message."""

    def __init__(self, message: str):
        path, _, cause = message.partition(": ")
        super().__init__(path, cause)


class DecodedClips(Dataset):
    """Test-time tensors straight from the video files (centre crop), one per clip."""

    def __init__(self, records: Sequence[ClipRecord], spec: ClipSpec):
        self.records = list(records)
        self.spec = spec

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int):
        frames, _ = read_clip(self.records[index].path, self.spec.num_frames)
        return clip_to_tensor(frames, self.spec, train=False)


class _ReportedErrors(Dataset):
    """``(tensor, "")`` per clip, or ``(zeros, "<path>: <cause>")`` for an unreadable one.

    A DataLoader worker cannot re-raise ``VideoError`` as itself (it rebuilds exceptions from a
    traceback text, and falls back to a RuntimeError), so the worker hands the message over and
    the main process raises it.
    """

    def __init__(self, clips: DecodedClips):
        self.clips = clips

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int):
        try:
            return self.clips[index], ""
        except VideoError as e:
            spec = self.clips.spec
            return torch.zeros(3, spec.num_frames, spec.crop_size, spec.crop_size), str(e)


@dataclass(frozen=True)
class ScoredClips:
    """The clips a report scores and where they come from: a dataset version's split, or a folder
    per class (``clips_root``: every clip test, ``copies`` the re-encoded copies left out)."""

    records: Sequence[ClipRecord]
    dataset: DatasetVersion | None
    split: str
    clips_root: str | Path | None = None
    copies: list[dict] | None = None


def _checkpoint_classes(checkpoint: Path) -> list[str] | None:
    """The classes a checkpoint's meta names; None when it names none (its loader then says what
    is wrong with it)."""
    from highlights.model.checkpoint import read_checkpoint_file
    from highlights.model.checkpoint_meta import check_checkpoint_meta

    meta = read_checkpoint_file(checkpoint).get("meta") or {}
    model = meta.get("model")  # not a dict where edited by hand: its loader says so
    outputs = model.get("num_classes") if isinstance(model, dict) else None
    # Checked as its loader checks them: a string of classes was read letter by letter here.
    check_checkpoint_meta(checkpoint, meta, outputs if isinstance(outputs, int) else None)
    classes = meta.get("classes")
    return list(classes) if classes else None


def evaluate_checkpoint(
    checkpoint: str | Path,
    *,
    root: str | Path | None,
    version: str | None,
    out_dir: str | Path,
    clips_root: str | Path | None = None,
    split: str = "test",
    batch_size: int = 8,
    num_workers: int = 1,
    n_bootstrap: int = 1000,
    backend: str = "auto",
    int8: bool = False,
    int8_calibration_clips: int = 16,
    bf16: bool = False,
    show_progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> tuple[dict, dict[str, Path]]:
    """Runs the checkpoint's classifier on every real (not augmented) clip of `split` and writes
    `video_scorer_testreport.json`, `.md` and `_confusion.png` into `out_dir`.

    The scores are always the fp32 path's. With `int8`, the int8 model (calibrated on up to
    `int8_calibration_clips` train clips, so the scored clips stay unseen) runs on the same clips;
    its verdict goes into the report and beside the checkpoint (`int8_store`), and when it is
    within the allowed loss, later runs of this checkpoint may use it. `bf16` does the same for the
    bf16 path, through the same verdict, on a CPU with native bf16 only (ValueError elsewhere).
    The options are those of `EvaluationSettings`."""
    settings = EvaluationSettings(
        batch_size=batch_size, num_workers=num_workers, n_bootstrap=n_bootstrap, backend=backend,
        int8=int8, int8_calibration_clips=int8_calibration_clips, bf16=bf16,
        show_progress=show_progress)
    log = log or (lambda message: None)
    checkpoint = Path(checkpoint)
    dataset = copies = None
    if clips_root is None:
        # Before the classifier, whose inference path may be measured first: a wrong --version,
        # --split or a damaged clip is said at once.
        dataset, (records,) = load_checked_splits(root, version, [split],
                                                  show_progress=show_progress, log=log)
    # The fp32 path is the reference the report scores, even where a verified int8/bf16 path exists.
    # Its classes are read from the checkpoint first, so that a tree or version of other classes is
    # refused before the classifier's inference path is measured (minutes on a first run).
    classifier = None
    # Closed however this ends: its runner's worker threads would otherwise outlive the evaluation
    # until garbage collection.
    try:
        classes = _checkpoint_classes(checkpoint)
        if classes is None:
            classifier = ClipClassifier.from_checkpoint(checkpoint, backend=settings.backend,
                                                        int8=False, bf16=False)
            classes = list(classifier.classes)
        if clips_root is not None:
            records, copies = _clip_tree_records(checkpoint, clips_root, classes, int8=int8,
                                                 show_progress=show_progress, log=log)
            split = "all"
        _refuse_other_classes(records, classes, checkpoint, dataset, split)
        if classifier is None:
            classifier = ClipClassifier.from_checkpoint(checkpoint, backend=settings.backend,
                                                        int8=False, bf16=False)
        log(f"classifier: {checkpoint}, inference backend: {classifier.backend}")
        scored = ScoredClips(records, dataset, split, clips_root, copies)
        return _score_and_write(classifier, checkpoint, scored, classes, out_dir, settings,
                                version=version, log=log)
    finally:
        if classifier is not None:
            classifier.close()


def _score_and_write(classifier: ClipClassifier, checkpoint: Path, scored: ScoredClips,
                     classes: list[str], out_dir: str | Path, settings: EvaluationSettings, *,
                     version: str | None,
                     log: Callable[[str], None]) -> tuple[dict, dict[str, Path]]:
    """Scores the clips with the classifier's fp32 path (and the int8 or bf16 path asked for,
    judged against it), and writes the report: (the report, the files written or stored)."""
    records, dataset, split, clips_root = (scored.records, scored.dataset, scored.split,
                                           scored.clips_root)
    calibration = _build_reduced_paths(classifier, dataset, split, settings, log=log)

    reduced = [p for p, on in (("int8", settings.int8), ("bf16", settings.bf16)) if on]
    logits, reduced_logits, first_batch = _logits(
        classifier, records, reduced, settings,
        description=f"evaluating on {version or clips_root}/{split}")
    seconds = _path_seconds(classifier, reduced, first_batch, log=log)
    eval_config = {"batch_size": settings.batch_size, "n_bootstrap": settings.n_bootstrap,
                   "crop": "centre"}
    meta = _noted_meta(checkpoint, classifier, scored, log=log, eval_config=eval_config)
    verdicts, stored = _judge_reduced_paths(reduced, classifier, checkpoint, logits, reduced_logits,
                                            [classes.index(r.label) for r in records], seconds,
                                            timed_clips=(0 if first_batch is None
                                                         else len(first_batch)),
                                            dataset=dataset,
                                            clips_root=clips_root, split=split,
                                            calibration=calibration, log=log)
    meta.update(verdicts)
    report = _scored_report(records, classes, logits, dataset, meta, settings.n_bootstrap)
    return report, {**write_report_files(report, out_dir), **stored}


def _noted_meta(checkpoint: Path, classifier: ClipClassifier, scored: ScoredClips, *,
                eval_config: dict, log: Callable[[str], None]) -> dict:
    """The report's meta (`_report_meta`), with what it says of a checkpoint from a run that did not
    finish and of scored clips the checkpoint saw in training, both also said in `log`."""
    unfinished = unfinished_run(checkpoint, classifier.meta)
    if unfinished:
        log(f"note: {unfinished['note']}")
    seen = seen_by_checkpoint(scored.records, classifier.meta)
    seen.say(len(scored.records), log)
    return _report_meta(checkpoint, classifier, scored, eval_config=eval_config,
                        unfinished=unfinished, seen=seen)


def _judge_reduced_paths(reduced: list[str], classifier: ClipClassifier, checkpoint: Path,
                         logits: np.ndarray, reduced_logits: dict[str, list[np.ndarray]],
                         labels: list[int], seconds: dict[str, float],
                         *, timed_clips: int, dataset, clips_root: str | Path | None, split: str,
                         calibration: torch.Tensor | None,
                         log: Callable[[str], None]) -> tuple[dict[str, dict], dict[str, Path]]:
    """Each reduced path's verdict (`_judge_reduced_path`), said in `log`: (the verdicts by
    precision, the files stored)."""
    verdicts: dict[str, dict] = {}
    stored: dict[str, Path] = {}
    for precision in reduced:
        verdict, files = _judge_reduced_path(precision, classifier, checkpoint, logits,
                                             np.concatenate(reduced_logits[precision]), labels,
                                             seconds, timed_clips=timed_clips, dataset=dataset,
                                             clips_root=clips_root, split=split,
                                             clips=len(labels), calibration=calibration)
        verdicts[precision] = verdict
        stored.update(files)
        log(_verdict_line(precision, verdict, classifier.backend))
    return verdicts, stored


def _scored_report(records: Sequence[ClipRecord], classes: list[str], logits: np.ndarray, dataset,
                   meta: dict, n_bootstrap: int) -> dict:
    """The test report of the fp32 path's predictions (`build_report`)."""
    proba = softmax(logits)
    y_pred = proba.argmax(axis=1)
    return build_report(
        [r.label for r in records], [classes[i] for i in y_pred], classes,
        proba=proba, clip_ids=[r.clip_id for r in records],
        clip_notes=[dataset.origin(r.clip_id) for r in records] if dataset is not None else None,
        meta=meta, n_bootstrap=n_bootstrap,
    )


def _clip_tree_records(checkpoint: Path, clips_root: str | Path, classes: list[str], *, int8: bool,
                       show_progress: bool,
                       log: Callable[[str], None]) -> tuple[list[ClipRecord], object]:
    """A plain folder per class: every clip is test, listed by its file name; and the copies of
    one video left out."""
    from highlights.pose_classifier.clips import (
        TRAINED_ON_THEM, OtherClassesRefused, clip_tree, each_video_once,
    )

    if int8:
        raise ConfigError("--int8 needs a dataset version (its calibration clips come from another "
                          "split)")
    tree, _ = clip_tree(clips_root, classes, show_progress=show_progress, log=log,
                        refuse_others=OtherClassesRefused(checkpoint.name, *TRAINED_ON_THEM))
    tree, copies = each_video_once(tree, log)
    records = [ClipRecord(clip_id=c.name, path=c.path, label=c.label, split="test", group=c.name,
                          sha256="", derived_from=None, licence="", provenance="") for c in tree]
    return records, copies


def _refuse_other_classes(records: Sequence[ClipRecord], classes: list[str], checkpoint: Path,
                          dataset, split: str) -> None:
    other = Counter(r.label for r in records if r.label not in classes)
    # a version of other classes than the model's (a club's own, before a model of the default four)
    if other:
        from highlights.pose_classifier.clips import TRAINED_ON_THEM, OtherClassesRefused

        from highlights.datasets.ancestors import ancestor_without

        ancestor = ancestor_without(dataset.root, dataset.parent, set(other))
        raise OtherClassesRefused(checkpoint.name, *TRAINED_ON_THEM).error(
            f"{dataset.root} {dataset.name} ({split} split)", dict(other), classes,
            compare_on=(dataset.name, ancestor) if ancestor else None)


def _build_reduced_paths(classifier: ClipClassifier, dataset, split: str,
                         settings: EvaluationSettings, *,
                         log: Callable[[str], None]) -> torch.Tensor | None:
    """Builds the bf16 and int8 paths asked for; returns the int8 path's calibration clips."""
    if settings.bf16:
        try:
            classifier.build_bf16()
        except Bf16Unavailable as exc:
            raise Bf16Unavailable(f"--bf16: {exc}") from None
    calibration = None
    if settings.int8:
        calibration = _calibration_clips(dataset, split, classifier.spec,
                                         settings.int8_calibration_clips)
        log(f"int8: quantising with {len(calibration)} calibration clips ...")
        classifier.build_int8(calibration)
    return calibration


def _logits(classifier: ClipClassifier, records: Sequence[ClipRecord], reduced: list[str],
            settings: EvaluationSettings, *, description: str
            ) -> tuple[np.ndarray, dict[str, list[np.ndarray]], np.ndarray]:
    """The fp32 logits of every clip, each reduced path's per batch, and the first batch (the
    clips the paths are timed on, `_path_seconds`)."""
    # Decoding in a worker overlaps with the model's forward passes.
    loader = DataLoader(_ReportedErrors(DecodedClips(records, classifier.spec)),
                        batch_size=settings.batch_size, num_workers=settings.num_workers)
    logits, first_batch = [], None
    reduced_logits: dict[str, list[np.ndarray]] = {p: [] for p in reduced}
    with progress_bar(enabled=settings.show_progress) as progress:
        task = progress.add_task(description, total=len(records))
        for clips, problems in batches(loader):
            bad = [p for p in problems if p]
            if bad:
                raise ClipReadError(bad[0])
            batch = clips.numpy()
            first_batch = batch if first_batch is None else first_batch
            logits.append(classifier.predict_logits(batch))
            for precision in reduced:
                reduced_logits[precision].append(classifier.reduced_logits(precision, batch))
            progress.advance(task, len(clips))
    return np.concatenate(logits), reduced_logits, first_batch


def _path_seconds(classifier: ClipClassifier, reduced: list[str], batch: np.ndarray, *,
                  rounds: int = DEFAULT_ROUNDS, clock: Callable[[], float] = time.perf_counter,
                  log: Callable[[str], None]) -> dict[str, float]:
    """fp32's and each reduced path's median seconds for one call on ``batch`` (`timed_paths`:
    a warm-up call each, then interleaved rounds). Summing the scoring pass's calls instead
    counted each path's first call, which allocates and picks kernels, and made the speed-up of
    a one-batch test split noise."""
    if not reduced or batch is None:
        return {}
    log(f"timing fp32 and {' and '.join(reduced)} on the same {counted(len(batch), 'clip')}: "
        f"a warm-up call each, then {counted(rounds, 'interleaved round')} ...")
    calls = {"fp32": lambda: classifier.predict_logits(batch),
             **{p: (lambda p=p: classifier.reduced_logits(p, batch)) for p in reduced}}
    return timed_paths(calls, rounds=rounds, clock=clock)


def _report_meta(checkpoint: Path, classifier: ClipClassifier, scored: ScoredClips, *,
                 eval_config: dict, unfinished: dict | None, seen: SeenClips) -> dict:
    """What the report records of the model, the clips scored and how."""
    checkpoint_meta = classifier.meta
    dataset, records = scored.dataset, scored.records
    return {
        "highlights_version": __version__,
        "model": checkpoint_meta.get("model"),
        "checkpoint": {"path": str(checkpoint.resolve()), "sha256": file_sha256(checkpoint),
                       "highlights_version": checkpoint_meta.get("highlights_version"),
                       "epoch": checkpoint_meta.get("epoch"),
                       "val_macro_f1": checkpoint_meta.get("val_macro_f1")},
        "dataset": ({"root": str(dataset.root), "version": dataset.name,
                     "content_id": dataset.content_id, "split": scored.split,
                     "clips": len(records),
                     "trained_on": checkpoint_meta.get("dataset")}
                    if dataset is not None else
                    {"clips_root": str(Path(scored.clips_root).resolve()),
                     "split": "all (every clip is test)",
                     "content_id": folder_content_id((r.path, r.label) for r in records),
                     "clips": len(records), "copies_left_out": scored.copies,
                     "trained_on": checkpoint_meta.get("dataset")}),
        "clip_spec": classifier.spec.to_dict(),
        "inference_backend": classifier.backend,
        "inference_backend_selection": classifier.backend_report,
        "train_config": checkpoint_meta.get("train_config"),
        "eval_config": eval_config,
        **({"unfinished_run": unfinished} if unfinished else {}),
        **seen.meta(),
    }


def _judge_reduced_path(precision: str, classifier: ClipClassifier, checkpoint: Path,
                        logits: np.ndarray, reduced_logits: np.ndarray, labels: list[int],
                        seconds: dict[str, float], *, timed_clips: int, dataset,
                        clips_root: str | Path | None, split: str, clips: int,
                        calibration: torch.Tensor | None) -> tuple[dict, dict[str, Path]]:
    """The int8 or bf16 path's verdict against fp32 on the same clips, saved beside the
    checkpoint (`int8_store`): (the verdict, the files stored)."""
    judge = int8_verdict if precision == "int8" else bf16_verdict
    verdict = {
        **judge(logits, reduced_logits, labels),
        "reference_backend": classifier.backend,
        "cpu": classifier.cpu.to_dict(),
        **speed_against_fp32(seconds, precision, clips=timed_clips),
        # A folder scored with --clips has no dataset version: the folder is what it was
        # measured on.
        "measured_on": ({"dataset_root": str(dataset.root), "version": dataset.name,
                         "split": split, "clips": clips}
                        if dataset is not None else
                        {"clips_root": str(Path(clips_root).resolve()), "split": split,
                         "clips": clips}),
    }
    if precision == "int8":
        backend = classifier.reduced_backend("int8")
        verdict.update({"calibration": {"split": "train" if split != "train" else "val",
                                        "clips": len(calibration)},
                        "int8_kind": backend.int8_kind, "reduce_range": backend.reduce_range})
        verdict_path, model_path = save_int8(checkpoint, verdict, classifier.int8_onnx_bytes(),
                                             cpu=classifier.cpu)
    else:
        verdict_path, model_path = save_bf16(checkpoint, verdict, cpu=classifier.cpu)
    files = {f"{precision}_verdict": verdict_path}
    if model_path:
        files[f"{precision}_model"] = model_path
    return verdict, files


def _verdict_line(precision: str, verdict: dict, reference_backend: str) -> str:
    return (f"{precision}: {accuracy_against_fp32(verdict, precision)} "
            f"on the same {counted(verdict['num_clips'], 'clip')} "
            f"({verdict['accuracy_change_points']:+.2f} points, "
            f"same prediction on {same_predictions(verdict)}), "
            f"{verdict['speedup_vs_reference']}x the speed of {reference_backend}"
            f"{how_timed(verdict)}: "
            + ("accepted; later runs of this checkpoint on this kind of CPU may use it (if "
               "measured faster)"
               if verdict["accepted"] else
               f"rejected (more than {verdict['max_loss_points_allowed']} points lost); fp32 "
               "stays"))


def seen_ids(checkpoint_meta: dict) -> SeenIds:
    """The clips the checkpoint was trained on, and those its best epoch was chosen on (its val
    split). A checkpoint written before its training clips were recorded names none; one written
    before its val clips were names those of its version's val split, where that version is still
    on disk."""
    from highlights.datasets.store import split_clip_ids
    from highlights.train.loop import TRAIN_CLIP_IDS, VAL_CLIP_IDS

    data = checkpoint_meta.get("dataset") or {}
    validated = (set(checkpoint_meta[VAL_CLIP_IDS] or []) if VAL_CLIP_IDS in checkpoint_meta
                 else split_clip_ids(data.get("root"), data.get("version"), "val"))
    return SeenIds(frozenset(checkpoint_meta.get(TRAIN_CLIP_IDS) or []), frozenset(validated),
                   BEST_EPOCH)


def seen_by_checkpoint(records: Sequence[ClipRecord], checkpoint_meta: dict) -> SeenClips:
    """The scored clips whose file the checkpoint was trained on, and those its best epoch was
    chosen on (`seen_ids`): a folder scored with `--clips` may be the one its dataset version was
    made from."""
    return seen_ids(checkpoint_meta).of((r.clip_id, r.path, r.sha256) for r in records)


def unfinished_run(checkpoint: Path, checkpoint_meta: dict) -> dict | None:
    """Whether ``checkpoint`` comes from a training run that stopped before its last epoch
    (interrupted, not stopped early), read from the run's ``train_history.json`` beside it:
    ``{"epochs_done", "epochs_planned", "note"}``, or None when it finished or there is no
    history of its run there (a checkpoint copied elsewhere)."""
    import json

    from highlights.train.config import TrainConfig
    from highlights.train.loop import HISTORY_FILENAME

    saved = checkpoint_meta.get("train_config") or {}
    planned = saved.get("epochs")
    try:
        history = json.loads((checkpoint.parent / HISTORY_FILENAME).read_text(encoding="utf-8"))
        ran = history["train_config"]
        done = len(history["history"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # Only the history of this checkpoint's run counts (settings equal but for how it executed).
    same_run = isinstance(ran, dict) and all(ran.get(k) == v for k, v in saved.items()
                                             if k not in TrainConfig.EXECUTION_ONLY)
    if (not same_run or not isinstance(planned, int) or history.get("stopped_early")
            or done >= planned):
        return None
    return {"epochs_done": done, "epochs_planned": planned,
            "note": f"{checkpoint.name} comes from a training run that stopped after epoch {done} "
                    f"of {planned} (interrupted; `highlights train --resume` goes on): these are "
                    "not the finished model's scores"}


def _calibration_clips(dataset, split: str, spec: ClipSpec, limit: int) -> torch.Tensor:
    """Up to `limit` real clips from another split than the scored one, spread over the classes."""
    other = "train" if split != "train" else "val"
    records = dataset.split(other, augmented=False)
    if not records:
        raise DatasetError(f"{dataset.path}: int8 calibration needs clips in the {other} split")
    by_class: dict[str, list[ClipRecord]] = {}
    for record in records:
        by_class.setdefault(record.label, []).append(record)
    chosen: list[ClipRecord] = []
    while len(chosen) < min(limit, len(records)):  # round-robin over the classes
        for label in sorted(by_class):
            if by_class[label] and len(chosen) < limit:
                chosen.append(by_class[label].pop(0))
    clips = DecodedClips(chosen, spec)
    return torch.stack([clips[i] for i in range(len(clips))])

