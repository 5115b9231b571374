"""The training loop, flat like torchvision's references/video_classification/train.py.

Per epoch: train on the (augmented) training split from the decoded-clip cache, score
macro-F1 on the validation split, write `last.pt` (and `best.pt` when validation improved) and
the resume state, stop early when validation has not improved for `patience` epochs.

`last.pt` is the resume point: besides the weights and metadata every checkpoint has, it holds
the optimizer, the schedule and, in `extra`, the epoch, the early-stopping counters, the history
and the random number generators' states, all written in one atomic file so they always
describe the same moment. `best.pt` holds weights and metadata only.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress, ProgressColumn
from rich.text import Text
from sklearn.metrics import f1_score
from torch import nn
from torch.utils.data import DataLoader

from highlights import __version__
from highlights.atomic import atomic_write_json
from highlights.counted_noun import counted
from highlights.file_hash import file_sha256
from highlights.datasets import DatasetError, DatasetVersion, load_version
from highlights.datasets.split_leaks import split_leak_warning
from highlights.datasets.checks import check_stored_clips
from highlights.datasets.lock import exclusive_lock
from highlights.errors import mark_stop_said
from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.datasets.records import ClipRecord
from highlights.model import (
    PretrainedLoad,
    TrainingState,
    architecture_kwargs,
    backbone_fits,
    capture_rng_state,
    load_pretrained,
    load_training_state,
    r2plus1d_18,
    restore_rng_state,
    save_checkpoint,
)
from highlights.model.checkpoint import EXTRA_BEST_METRIC, EXTRA_EPOCH, EXTRA_RNG_STATE, read_checkpoint_file
from highlights.model.errors import CheckpointError
from highlights.vocabulary import without_none_note
from highlights.progress import progress_bar
from highlights.train.cache import DecodedClipCache
from highlights.train.config import TrainConfig, check_precision, resolve_precision
from highlights.train.curves import plot_training_curves
from highlights.train.errors import RunFolderError
from highlights.train.resume_checks import refuse_unfitting_weights, saved_config
from highlights.train.data import (
    CachedClipDataset,
    batches,
    balanced_class_weights,
    build_augment,
    make_eval_loader,
    make_train_loader,
)

LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"
HISTORY_FILENAME = "train_history.json"
RUN_LOCK_NAME = ".train.lock"  # one training process per run folder
CURVES_FILENAME = "train_curves.png"
TRAIN_CLIP_IDS = "train_clip_ids"  # checkpoint meta key
VAL_CLIP_IDS = "val_clip_ids"  # checkpoint meta key: the clips its best epoch was chosen on


@dataclass
class TrainResult:
    out_dir: Path
    last_checkpoint: Path
    best_checkpoint: Path
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_val_macro_f1: float | None = None
    stopped_early: bool = False


def _load_pretrained_into(model: nn.Module, config: TrainConfig, classes: list[str]) -> PretrainedLoad:
    """`load_pretrained`, saying so when the file holds the full R(2+1)D-18 (torchvision's
    Kinetics-400 weights) and this run trains a reduced model: a list of differing shapes alone
    does not tell that --quick is the cause, nor what to do."""
    try:
        return load_pretrained(model, config.pretrained, classes=classes)
    except CheckpointError:
        full = config.width == 1.0 and config.layers == (2, 2, 2, 2)
        if full or not backbone_fits(r2plus1d_18(len(classes)), config.pretrained):
            raise
    raise CheckpointError(config.pretrained, (
        f"weights of the full R(2+1)D-18 (as torchvision's Kinetics-400 file), which do not fit the model this run "
        f"trains ({config.describe_model()}; --quick or --width makes it smaller): leave out --quick to fine-tune them "
        "(the full model, hours on a CPU), or leave out --pretrained to train the reduced model from scratch"))


def fit(
    config: TrainConfig,
    *,
    dataset: DatasetVersion | None = None,
    resume: bool = False,
    show_progress: bool = True,
    log: Callable[[str], None] | None = None,
    out_name: str = "out_dir",
    resume_name: str = "resume=True",
) -> TrainResult:
    """Trains a classifier as `config` says and returns where its checkpoints are. `out_name` and
    `resume_name` are what the messages call the run folder, `config.out_dir`, and `resume` (the
    `train` command's `--out` and `--resume`)."""
    log = log or (lambda message: None)
    if not resume:
        refuse_used_folder(Path(config.out_dir), resume_name)
    if config.precision == "auto":
        config = config.replace(precision=resolve_precision(config.precision))
        log(f"precision auto: training in {config.precision}"
            + (" (bf16 autocast: this CPU has native bf16)" if config.precision == "bf16" else ""))
    check_precision(config.precision)
    # The run records where its dataset is as an absolute path: `--resume` from another folder
    # would otherwise read a relative --root against that folder.
    config = config.replace(root=str(Path(config.root).absolute()))
    out_dir = Path(config.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RunFolderError(f"{out_dir}: is a file, not a folder ({out_name} is the folder a run keeps its "
                             "checkpoints in)")
    made = missing_folders(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        return _fit_locked(config, dataset, resume, out_dir, show_progress, log, out_name, resume_name)
    finally:
        if made:
            # A run that failed before writing anything (a wrong --version, unfit weights) leaves
            # no folder behind, nor the parents made for it; one that decoded clips into its cache
            # keeps them for the next try.
            _remove_if_empty(out_dir)
            remove_if_still_empty(made[1:])


def refuse_used_folder(out_dir: Path, resume_name: str) -> None:
    """A fresh run stops at a folder that holds a run (its last checkpoint) before it says what it
    would train, so the refusal is the one line a user sees."""
    if (out_dir / LAST_CHECKPOINT).exists():
        raise RunFolderError(f"{out_dir}: holds a training run already; pass {resume_name} to continue it or pick "
                             "a new folder")


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it holds nothing but empty folders."""
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink()),
                      key=lambda p: len(p.parts), reverse=True):
        try:
            sub.rmdir()
        except OSError:
            pass  # not empty
    try:
        folder.rmdir()
    except OSError:
        pass


def _fit_locked(config: TrainConfig, dataset: DatasetVersion | None, resume: bool, out_dir: Path,
                show_progress: bool, log: Callable[[str], None], out_name: str, resume_name: str) -> TrainResult:
    # The lock file goes with the run: a folder a run has left holds only what the run wrote.
    with exclusive_lock(
        out_dir / RUN_LOCK_NAME, wait=False, remove=True,
        busy=lambda pid: RunFolderError(f"another training is running in {out_dir} (pid {pid}); "
                                        f"wait for it to finish, or pick another {out_name}"),
        failed=lambda cause: RunFolderError(f"{out_dir}: cannot lock the run folder ({cause})"),
    ):
        left = remove_unfinished_writes(out_dir, config.resolved_cache_dir())
        if left:
            log(f"removed {counted(len(left), 'file')} a killed run left half-written: "
                f"{', '.join(p.name for p in left)}")
        state = _load_resume_point(out_dir, out_name, resume_name) if resume else None
        if state is not None:
            _check_same_run(config, saved_config(out_dir / LAST_CHECKPOINT, state))
            _best_from_resume_point(out_dir, state, log)
            finished = _finished_run(config, state, out_dir)
            if finished is not None:  # said now, not after every clip of the version was read and checked
                if _history_behind(out_dir, finished):
                    # killed after the final epoch's last.pt, before its history and curves
                    _write_history(out_dir, config, state.meta, finished)
                epochs = len(finished.history)
                log(f"this run had already finished: {epochs} of {counted(config.epochs, 'epoch')}"
                    f"{', stopped early' if finished.stopped_early else ''}; nothing to resume")
                return finished
        else:  # said again under the lock: a run may have begun in the folder since
            refuse_used_folder(out_dir, resume_name)

        was_deterministic = torch.are_deterministic_algorithms_enabled()
        # The run seeds torch's, numpy's and Python's global generators from config.seed; the
        # caller's (a notebook's own draws) are given back as they were, as the setting above is.
        callers_generators = (torch.get_rng_state(), np.random.get_state(), random.getstate())
        torch.use_deterministic_algorithms(config.deterministic, warn_only=True)
        try:
            return _fit(config, dataset, state, out_dir, show_progress, log, resume_name)
        finally:
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_rng_state(callers_generators[0])
            np.random.set_state(callers_generators[1])
            random.setstate(callers_generators[2])


def remove_unfinished_writes(out_dir: Path, cache_dir: Path | None = None) -> list[Path]:
    """Delete the temp files of the run's checkpoint, history and curves writes that a killed
    run left beside them (each write goes to a temp file renamed into place once complete; a
    `kill -9` part way leaves the temp file, as large as a checkpoint), and of its decoded-clip
    cache when that lies inside the run folder (a cache elsewhere may be another run's, live).
    Called under the run folder's lock, so no live run is writing them."""
    found = [tmp for name in (LAST_CHECKPOINT, BEST_CHECKPOINT, HISTORY_FILENAME, CURVES_FILENAME)
             for tmp in sorted(out_dir.glob(f".{name}.*.tmp"))]
    if cache_dir is not None and cache_dir.resolve().is_relative_to(out_dir.resolve()) and cache_dir.is_dir():
        found += sorted(cache_dir.glob("*/.*.npy.*.tmp"))
    removed = []
    for tmp in found:
        if tmp.is_file() and not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def _fit(config: TrainConfig, dataset: DatasetVersion | None, state: TrainingState | None, out_dir: Path,
         show_progress: bool, log: Callable[[str], None], resume_name: str) -> TrainResult:
    _seed_every_generator(config.seed)
    dataset = dataset or load_version(config.root, config.version)
    classes = list(config.classes or dataset.classes)
    spec = config.clip_spec()
    train_records, val_records = _checked_splits(dataset, classes, state, out_dir, show_progress, log)
    # The model first: pretrained weights that do not fit it are refused before minutes of decoding.
    model = r2plus1d_18(len(classes), width=config.width, layers=config.layers)
    if state is not None:  # and a resume point that does not fit it, before the decoding too
        refuse_unfitting_weights(out_dir / LAST_CHECKPOINT, state, model, classes)
    pretrained = state.meta.get("pretrained") if state is not None else None
    if config.pretrained and state is None:
        pretrained = _load_pretrained(model, config, classes, log)
    train_files, val_files = _decode_into_cache(config, spec, train_records, val_records, show_progress, log)

    train_targets = [classes.index(r.label) for r in train_records]
    val_targets = [classes.index(r.label) for r in val_records]
    train_set, sampler_generator, train_loader, val_loader = _loaders(config, spec, train_files, train_targets,
                                                                      val_files, val_targets)

    criterion, optimizer, scheduler = _optimisation(config, model, train_targets, len(classes),
                                                    steps_per_epoch=len(train_loader))

    meta_base = _meta_base(config, dataset, classes, spec, train_records, val_records, pretrained)
    result = TrainResult(out_dir=out_dir, last_checkpoint=out_dir / LAST_CHECKPOINT,
                         best_checkpoint=out_dir / BEST_CHECKPOINT)
    epochs_without_improvement = 0
    start_epoch = 0
    if state is not None:
        start_epoch, epochs_without_improvement = _resume(state, model, optimizer, scheduler, result, config, log)

    saved = start_epoch  # epochs that last.pt holds
    epoch_seconds: list[float] = []  # this process's epochs, training and validation, for the time left
    # A bf16 run that once met non-finite gradients goes on in fp32, after a resume too.
    precision = "fp32" if result.history and result.history[-1].get("precision") == "fp32" else config.precision
    try:
        for epoch in range(start_epoch, config.epochs):
            sampler_generator.manual_seed(config.seed * 1_000_003 + epoch)  # the epoch's order
            train_set.set_epoch(epoch)
            epoch_started = time.perf_counter()
            with _progress(show_progress) as progress:
                stats = train_one_epoch(model, criterion, optimizer, scheduler, train_loader, progress,
                                        f"epoch {epoch + 1}/{config.epochs}", precision=precision)
            if stats["bf16_fallback_step"] is not None:
                precision = stats["precision"]
                log(f"epoch {epoch + 1}, step {stats['bf16_fallback_step']}: bf16 gave non-finite gradients on "
                    "this CPU; the step was redone in fp32 and the run goes on in fp32 (--precision fp32 "
                    "from the start avoids the switch)")
            val_f1 = _validate(model, val_loader, val_targets, len(classes),
                               f"epoch {epoch + 1}/{config.epochs}: validating", show_progress)
            improved, epochs_without_improvement = _save_epoch(
                epoch, stats, val_f1, result, meta_base, config, model, optimizer, scheduler,
                epochs_without_improvement)
            saved = epoch + 1
            _write_history(out_dir, config, meta_base, result)
            epoch_seconds.append(time.perf_counter() - epoch_started)
            log(_epoch_line(epoch, config, stats, val_f1, improved=improved, stopped_early=result.stopped_early,
                            epoch_seconds=epoch_seconds))
            if result.stopped_early:
                log(f"stopping early: validation macro-F1 has not improved for {counted(config.patience, 'epoch')}")
                break
    except KeyboardInterrupt as stop:
        # Ctrl-C: the run folder holds the last finished epoch; say how to go on from it.
        log(_interrupted_line(result, saved, config.epochs, resume_name))
        mark_stop_said(stop)
        raise
    return result


def _optimisation(config: TrainConfig, model: nn.Module, train_targets: list[int],
                  num_classes: int, *, steps_per_epoch: int):
    """The loss (class-weighted with ``balance=loss``), the optimiser and its learning-rate
    schedule."""
    balanced = config.balance == "loss"
    weights = balanced_class_weights(train_targets, num_classes) if balanced else None
    criterion = nn.CrossEntropyLoss(weight=weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    return criterion, optimizer, make_scheduler(optimizer, config, steps_per_epoch=steps_per_epoch)


def _interrupted_line(result: TrainResult, saved: int, epochs: int, resume_name: str) -> str:
    """What Ctrl-C leaves: the last finished epoch in the run folder, and how to go on from it."""
    if saved:
        return (f"interrupted: {result.last_checkpoint} holds epoch {saved} of {epochs}; "
                f"{_rerun(resume_name)} with {resume_name} to go on")
    return f"interrupted before the first epoch ended: {_rerun(resume_name)} again"


def _save_epoch(epoch: int, stats: dict, val_f1: float | None, result: TrainResult, meta_base: dict,
                config: TrainConfig, model: nn.Module, optimizer, scheduler,
                epochs_without_improvement: int) -> tuple[bool, int]:
    """Epoch `epoch`'s record added to `result`'s history, best.pt written where its validation
    macro-F1 improved, and last.pt with the point to resume from. Returns whether it improved and
    the epochs without improvement since the best."""
    improved = val_f1 is None or result.best_val_macro_f1 is None or val_f1 > result.best_val_macro_f1
    result.history.append({"epoch": epoch + 1, **stats, "val_macro_f1": val_f1})
    meta = {**meta_base, "epoch": epoch + 1, "val_macro_f1": val_f1, "history": result.history}
    if improved:
        result.best_epoch, result.best_val_macro_f1 = epoch + 1, val_f1
        epochs_without_improvement = 0
    else:
        epochs_without_improvement += 1
    result.stopped_early = bool(config.patience and epochs_without_improvement >= config.patience
                                and epoch + 1 < config.epochs)
    # last.pt first: a kill before best.pt took its place leaves a resume point naming this epoch
    # the best, with its weights, from which `--resume` writes best.pt (`_best_from_resume_point`).
    # best.pt first left it beside the previous last.pt, and a resumed epoch validated otherwise
    # (on another number of threads) kept a best.pt of an epoch its history does not hold.
    save_checkpoint(result.last_checkpoint, model, meta, optimizer=optimizer, scheduler=scheduler,
                    extra=_resume_point(epoch, result, epochs_without_improvement))
    if improved:
        save_checkpoint(result.best_checkpoint, model, meta)
    return improved, epochs_without_improvement


def _best_from_resume_point(out_dir: Path, state: TrainingState, log: Callable[[str], None]) -> None:
    """best.pt written from last.pt where last.pt's epoch is its run's best and best.pt is not
    that epoch's: a run stopped between the two renames of an epoch that improved."""
    best_epoch = state.extra.get("best_epoch")
    if best_epoch is None or best_epoch != state.epoch + 1:
        return
    path = out_dir / BEST_CHECKPOINT
    try:
        if read_checkpoint_file(path)["meta"].get("epoch") == best_epoch:
            return
    except CheckpointError:
        pass  # not there, or not whole: written now
    save_checkpoint(path, state.model, state.meta)
    log(f"{path.name} written from {LAST_CHECKPOINT}: the run stopped before epoch {best_epoch}, "
        f"its best so far, took its place as {path.name}")


def _seed_every_generator(seed: int) -> None:
    # Every generator the checkpoint saves is seeded, Python's too: left to the interpreter's
    # start, two runs of one seed would write last.pt files that differ in it alone.
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def _checked_splits(dataset: DatasetVersion, classes: list[str], state: TrainingState | None, out_dir: Path,
                    show_progress: bool, log: Callable[[str], None]) -> tuple[list[ClipRecord], list[ClipRecord]]:
    """The version's train clips (augmented variants too) and real val clips, refused where they
    cannot train `classes` (or are not those a resumed run trained on), with what is worth saying
    of them said in `log`."""
    train_records = dataset.split("train")
    val_records = dataset.split("val", augmented=False)
    for record in train_records + val_records:
        if record.label not in classes:
            raise DatasetError(f"{record.path}: label {record.label!r} is not one of the classes {classes}")
    if not train_records:
        raise DatasetError(f"{dataset.root}/{dataset.name}: the train split is empty")
    if state is not None:
        _check_same_train_clips(dataset, train_records, state, out_dir)
    # One class to tell apart is nothing to learn: the model would be right by construction and
    # its validation score a perfect 1.0.
    if len(classes) < 2:
        raise DatasetError(f"{dataset.root}/{dataset.name}: one class ({', '.join(classes)}); a classifier needs "
                           "two or more: grow the version with clips of another class (dataset grow --classes)")
    check_splits(dataset, classes, train_records, val_records, log)
    leak = split_leak_warning(dataset)
    if leak:
        log(f"warning: {leak}")
    note = without_none_note(classes)
    if note:
        log(note)
    variants = sum(1 for r in train_records if r.is_augmented)
    log(f"clips: {len(train_records)} train ({len(train_records) - variants} real, {variants} augmented variants), "
        f"{len(val_records)} val (each epoch's val macro-F1 is on these {len(val_records)})")
    check_stored_clips(dataset, train_records + val_records, show_progress=show_progress)
    return train_records, val_records


def _load_pretrained(model: nn.Module, config: TrainConfig, classes: list[str], log: Callable[[str], None]) -> dict:
    """Loads `config.pretrained` into `model`; what the checkpoint's meta records of it."""
    loaded = _load_pretrained_into(model, config, classes)
    head = _head_text(loaded, classes)
    log(f"initialised from {config.pretrained} ({len(loaded.loaded)} tensors, {head})")
    # the file's content, not only its path: which weights a checkpoint started from
    return {"path": str(Path(config.pretrained).resolve()), "sha256": file_sha256(config.pretrained), "head": head}


def _decode_into_cache(config: TrainConfig, spec, train_records: list[ClipRecord], val_records: list[ClipRecord],
                       show_progress: bool, log: Callable[[str], None]) -> tuple[list[Path], list[Path]]:
    """Decodes every clip once (epochs read the cache): the cached files of the train and val clips."""
    cache = DecodedClipCache(config.resolved_cache_dir(), spec)
    with _progress(show_progress) as progress:
        task = progress.add_task("decoding clips into the cache", total=len(train_records) + len(val_records))
        train_files = cache.ensure(train_records, workers=max(1, config.num_workers),
                                   on_done=lambda r: progress.advance(task))
        val_files = cache.ensure(val_records, workers=max(1, config.num_workers),
                                 on_done=lambda r: progress.advance(task))
    log(f"cache: {counted(cache.decoded, 'clip')} decoded, "
        f"{len(train_records) + len(val_records) - cache.decoded} read from {cache.directory}")
    return train_files, val_files


def _loaders(config: TrainConfig, spec, train_files: list[Path], train_targets: list[int], val_files: list[Path],
             val_targets: list[int]) -> tuple[CachedClipDataset, torch.Generator, DataLoader, DataLoader]:
    """(the train clips, augmented afresh each epoch; the generator their loader's order is drawn
    from, seeded per epoch; their loader; the val clips' loader)."""
    train_set = CachedClipDataset(
        train_files, train_targets, spec, train=True, seed=config.seed,
        augment=build_augment(config.augment, config.augment_config), hflip=config.hflip,
        clips_per_video=config.clips_per_video,
    )
    val_set = CachedClipDataset(val_files, val_targets, spec, train=False)
    sampler_generator = torch.Generator()
    train_loader = make_train_loader(
        train_set, batch_size=config.batch_size, num_workers=config.num_workers,
        weighted_sampler=config.balance == "sampler", generator=sampler_generator,
    )
    val_loader = make_eval_loader(val_set, batch_size=config.batch_size, num_workers=config.num_workers)
    return train_set, sampler_generator, train_loader, val_loader


def _meta_base(config: TrainConfig, dataset: DatasetVersion, classes: list[str], spec,
               train_records: list[ClipRecord], val_records: list[ClipRecord], pretrained: dict | None) -> dict:
    """What every checkpoint of the run records, whatever its epoch."""
    meta_base = {
        "classes": classes,
        "clip_spec": spec.to_dict(),
        "model": architecture_kwargs(len(classes), width=config.width, layers=config.layers),
        "train_config": config.to_dict(),
        "dataset": {"root": str(dataset.root), "version": dataset.name, "content_id": dataset.content_id,
                    "train_clips": len(train_records), "val_clips": len(val_records)},
        "highlights_version": __version__,
        # The real clips it learns from, by clip id (their sha256's first 16 hex digits): an
        # evaluation of other clips than the version's test split names those it holds.
        TRAIN_CLIP_IDS: sorted(r.clip_id for r in train_records if not r.is_augmented),
        VAL_CLIP_IDS: sorted(r.clip_id for r in val_records if not r.is_augmented),
    }
    if pretrained is not None:
        meta_base["pretrained"] = pretrained
    return meta_base


def _resume(state: TrainingState, model: nn.Module, optimizer, scheduler, result: TrainResult,
            config: TrainConfig, log: Callable[[str], None]) -> tuple[int, int]:
    """Puts the run back where `state` left it: (the epoch to start from, 0-based; the epochs
    without improvement so far)."""
    model.load_state_dict(state.model.state_dict())
    optimizer.load_state_dict(state.optimizer_state)
    scheduler.load_state_dict(state.scheduler_state)
    restore_rng_state(state.rng_state)
    start_epoch = state.epoch + 1
    _restore_result(result, state)
    log(f"resuming after epoch {start_epoch} of {config.epochs}")
    before = result.history[-1].get("threads") if result.history else None
    if before is not None and before != torch.get_num_threads():
        # torch's CPU kernels add in another order on another number of threads: the run
        # goes on, but not to the weights it would have had straight through.
        log(f"note: its epochs so far trained on {before} torch threads, this process has "
            f"{torch.get_num_threads()}: the weights will differ slightly from a run straight through "
            f"(OMP_NUM_THREADS={before} gives it the same threads)")
    return start_epoch, int(state.extra["epochs_without_improvement"])


def _validate(model: nn.Module, val_loader: DataLoader, val_targets: list[int], num_classes: int, description: str,
              show_progress: bool) -> float | None:
    """The macro-F1 on the val clips; None when there are none."""
    if not len(val_loader.dataset):
        return None
    with _progress(show_progress) as progress:
        task = progress.add_task(description, total=len(val_loader.dataset))
        proba = predict(model, val_loader, on_batch=lambda n: progress.advance(task, n))
    return float(f1_score(val_targets, proba.argmax(1), labels=list(range(num_classes)),
                          average="macro", zero_division=0))


def _resume_point(epoch: int, result: TrainResult, epochs_without_improvement: int) -> dict:
    """What last.pt holds beside the weights and optimizer for a resumed run to go on exactly."""
    return {
        EXTRA_EPOCH: epoch,  # 0-based index of the epoch just completed
        EXTRA_BEST_METRIC: result.best_val_macro_f1,
        EXTRA_RNG_STATE: capture_rng_state(),
        "history": result.history,
        "best_epoch": result.best_epoch,
        "epochs_without_improvement": epochs_without_improvement,
        "stopped_early": result.stopped_early,
    }


def _epoch_line(epoch: int, config: TrainConfig, stats: dict, val_f1: float | None, *, improved: bool,
                stopped_early: bool, epoch_seconds: list[float]) -> str:
    """The line said after each epoch: its loss, val score, speed and the time left."""
    val_text = "n/a (no validation clips)" if val_f1 is None else f"{val_f1:.3f}"
    return (f"epoch {epoch + 1}: loss {stats['train_loss']:.4f}, val macro-F1 {val_text}"
            f"{' (best)' if improved else ''}, {stats['clips_per_s']:.2f} clips/s, "
            f"data wait {100 * stats['data_wait_share']:.1f}% of step time"
            + ("" if stopped_early else
               time_left_text(epoch_seconds, config.epochs - (epoch + 1), early_stop=bool(config.patience))))


def _head_text(loaded: PretrainedLoad, classes: list[str]) -> str:
    """How the head started: from the file, by class name in part, or fresh."""
    if loaded.head_loaded:
        return "its head too"
    if loaded.head_classes and not loaded.new_classes:
        return "its head too, rows matched by class name"
    if loaded.head_classes:
        return (f"the head rows of {len(loaded.head_classes)} of the {len(classes)} classes copied by name, "
                f"new: {', '.join(loaded.new_classes)}")
    return f"a new {len(classes)}-class head"


def check_splits(dataset: DatasetVersion, classes: list[str], train_records: list[ClipRecord],
                 val_records: list[ClipRecord], log: Callable[[str], None]) -> None:
    """Refuse a version whose train split lacks a class (the model could never predict it, and a
    train split of one class teaches nothing); say where validation cannot do its work."""
    train = {c: sum(1 for r in train_records if r.label == c and not r.is_augmented) for c in classes}
    missing = [c for c in classes if not train[c]]
    if missing:
        present = [c for c in classes if train[c]]
        what = f"one class ({present[0]})" if len(present) == 1 else f"no clip of {', '.join(missing)}"
        counts = dataset.counts()
        elsewhere = "; ".join(f"{c}: val {counts.get(c, {}).get('val', 0)}, test {counts.get(c, {}).get('test', 0)}"
                              for c in missing)
        raise DatasetError(
            f"{dataset.root}/{dataset.name}: the train split holds {what} (train: "
            f"{', '.join(f'{c} {n}' for c, n in train.items())}; {elsewhere}): a classifier cannot learn a class "
            "it never sees; grow the version with clips of it from other source videos (new ones go where a class "
            "is short)")
    if not val_records:
        log(f"note: the val split of {dataset.name} is empty: no validation score, so best.pt is the last epoch "
            "and the run does not stop early")
        return
    unseen = [c for c in classes if not any(r.label == c for r in val_records)]
    if unseen:
        log(f"note: no val clip of {', '.join(unseen)}: val macro-F1 counts the F1 of "
            f"{'that class' if len(unseen) == 1 else 'those classes'} as 0 (epochs rank the same; "
            "the figure is lower)")


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig, *, steps_per_epoch: int):
    """Linear warmup then cosine decay to zero, stepped once per batch (as torchvision's references)."""
    total = max(1, steps_per_epoch * config.epochs)
    warmup = min(total - 1, int(round(config.warmup_epochs * steps_per_epoch)))
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup)
    if warmup <= 0:
        return cosine
    linear = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup + 1), total_iters=warmup)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [linear, cosine], milestones=[warmup])


def train_one_epoch(model, criterion, optimizer, scheduler, loader, progress: Progress, description: str,
                    *, step_times: list[tuple[float, float]] | None = None, precision: str = "fp32") -> dict:
    """One pass over `loader`. Data wait = time spent in the loader's `next` (decoding, augmenting,
    waiting on workers); its share of the step time is what the cache and workers must keep small.
    `step_times`, when given, receives `(data wait, whole step)` seconds for every step.
    `precision` "bf16" runs the forward pass and the loss under bf16 autocast; the backward pass
    follows autocast's casts and the weights, gradients and optimizer state stay fp32.

    A bf16 step whose loss or gradients are not finite is redone in fp32 before the optimizer sees
    it, and the rest of the epoch runs in fp32: the returned `precision` says which one the epoch
    ended in, `bf16_fallback_step` at which step (1-based) it changed. A whole run in bf16 is
    only worth its speed if no step ever writes NaN into the weights."""
    model.train()
    task = progress.add_task(description, total=len(loader), loss=float("nan"), wait=0.0)
    loss_sum, seen, data_wait = 0.0, 0, 0.0
    fallback_step = None
    # The rates the epoch's steps used: read after the scheduler's step, the rate is the next
    # epoch's first (0 after a run's last epoch, which trained at up to its peak).
    step_lrs: list[float] = []
    start = tick = time.perf_counter()
    for step, (clips, targets) in enumerate(batches(loader), start=1):
        fetched = time.perf_counter()
        data_wait += fetched - tick
        loss = _backward(model, criterion, optimizer, clips, targets, bf16=precision == "bf16")
        if precision == "bf16" and not _finite_step(loss, model):
            precision, fallback_step = "fp32", step
            loss = _backward(model, criterion, optimizer, clips, targets, bf16=False)
        step_lrs.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
        loss_sum += loss.item() * len(targets)
        seen += len(targets)
        now = time.perf_counter()
        if step_times is not None:
            step_times.append((fetched - tick, now - tick))
        tick = now
        progress.update(task, advance=1, loss=loss_sum / seen, wait=100 * data_wait / (tick - start))
    elapsed = time.perf_counter() - start
    return {
        "train_loss": loss_sum / max(1, seen),
        "lr_first_step": step_lrs[0] if step_lrs else None,
        "lr_last_step": step_lrs[-1] if step_lrs else None,
        "clips": seen,
        "seconds": elapsed,
        "clips_per_s": seen / elapsed if elapsed > 0 else math.nan,
        "data_wait_s": data_wait,
        "data_wait_share": data_wait / elapsed if elapsed > 0 else 0.0,
        "precision": precision,
        "bf16_fallback_step": fallback_step,
        # Two runs of one seed on other thread counts differ slightly (torch's kernels add in
        # another order): recorded so that a comparison of two runs can tell.
        "threads": torch.get_num_threads(),
    }


def _backward(model, criterion, optimizer, clips, targets, *, bf16: bool) -> torch.Tensor:
    """The step's loss, its gradients left in the parameters' `.grad`."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = criterion(model(clips), targets)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    return loss


def _finite_step(loss: torch.Tensor, model: nn.Module) -> bool:
    """Whether the loss and every gradient are finite (one sum per parameter: a NaN or an infinity
    anywhere makes the total non-finite)."""
    grads = [p.grad.detach().sum() for p in model.parameters() if p.grad is not None]
    total = loss.detach().float() + (torch.stack(grads).float().sum() if grads else 0.0)
    return bool(torch.isfinite(total))


@torch.inference_mode()
def predict(model: nn.Module, loader, *, on_batch: Callable[[int], None] | None = None) -> np.ndarray:
    """Softmax probabilities `(N, K)` over a loader of `(clips, targets)` batches, in order;
    `on_batch` is told each batch's number of clips once it is scored."""
    model.eval()
    out = []
    for clips, _ in batches(loader):
        out.append(torch.softmax(model(clips), dim=1))
        if on_batch is not None:
            on_batch(len(clips))
    return torch.cat(out).numpy() if out else np.zeros((0, 0), dtype=np.float32)


def time_left_text(epoch_seconds: list[float], epochs_left: int, *, early_stop: bool) -> str:
    """The rest of the run at the pace of its epochs so far (training and validation), for the
    line each epoch ends with: an epoch bar's ETA is that epoch's only, and a full run is many."""
    if epochs_left <= 0 or not epoch_seconds:
        return ""
    seconds = round(sum(epoch_seconds) / len(epoch_seconds) * epochs_left)
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"  # h:mm:ss, as the bars' ETA
    return (f"; about {text} left for the {epochs_left} epoch{'s' if epochs_left != 1 else ''} to go"
            + (" (early stopping may end it sooner)" if early_stop else ""))


def load_saved_config(out_dir: str | Path, *, out_name: str = "out_dir",
                      resume_name: str = "resume=True") -> TrainConfig:
    """The configuration an interrupted run in `out_dir` was started with (`out_name`,
    `resume_name`: what the messages call `out_dir` and resuming, as in `fit`). Its `out_dir` is
    the folder it was read from: a run moved or copied since it stopped goes on where it is now,
    not in the folder it was started in (which may hold another run, or be gone)."""
    state = _load_resume_point(Path(out_dir), out_name, resume_name)
    return saved_config(Path(out_dir) / LAST_CHECKPOINT, state).replace(out_dir=str(out_dir))


def _rerun(resume_name: str) -> str:
    """How the messages say to run the training again: a command line's user runs the command
    (`resume_name` a flag, `--resume`), a Python caller calls `fit`."""
    return "run the same command" if resume_name.startswith("-") else "call fit"


def _load_resume_point(out_dir: Path, out_name: str, resume_name: str) -> TrainingState:
    if out_dir.is_file():  # `--out runs/v2/best.pt`: the run's folder is meant
        raise RunFolderError(f"{out_dir}: a file; {out_name} is the run's folder ({out_dir.parent})")
    path = out_dir / LAST_CHECKPOINT
    if not path.exists():
        started = [p.name for p in (out_dir / BEST_CHECKPOINT, *out_dir.glob(f".{LAST_CHECKPOINT}.*.tmp"))
                   if p.exists()]
        if started:
            raise RunFolderError(f"{path}: nothing to resume: the run in {out_dir} stopped before it had saved "
                                 f"a whole epoch ({' and '.join(started)} found, no {LAST_CHECKPOINT}); "
                                 f"{_rerun(resume_name)} without {resume_name} to start it again")
        # A run stopped before its first epoch ended saved none either (its folder may hold the
        # decoded clips): the way on is the same as for a folder no run used.
        raise RunFolderError(f"{path}: nothing to resume: no run in {out_dir} saved an epoch; "
                             f"{_rerun(resume_name)} without {resume_name} to start it")
    state = load_training_state(path)
    if state.epoch is None or state.optimizer_state is None or "history" not in state.extra:
        raise RunFolderError(f"{path}: not a resumable training checkpoint (no optimizer or epoch state)")
    return state


def _restore_result(result: TrainResult, state: TrainingState) -> None:
    result.history = list(state.extra["history"])
    result.best_epoch = int(state.extra["best_epoch"])
    result.best_val_macro_f1 = state.best_metric
    result.stopped_early = bool(state.extra["stopped_early"])


def _finished_run(config: TrainConfig, state: TrainingState, out_dir: Path) -> TrainResult | None:
    """The result of the run `state` resumes, if it had already trained every epoch or stopped
    early; None if it has epochs to go."""
    if not (state.extra["stopped_early"] or state.epoch + 1 >= config.epochs):
        return None
    result = TrainResult(out_dir=out_dir, last_checkpoint=out_dir / LAST_CHECKPOINT,
                         best_checkpoint=out_dir / BEST_CHECKPOINT)
    _restore_result(result, state)
    return result


def _check_same_run(config: TrainConfig, saved: TrainConfig) -> None:
    now, then = config.to_dict(), saved.to_dict()
    # Where the run's folder and its dataset are now are not settings of the run: either may have
    # moved since. The dataset is checked by what it holds instead (`_check_same_train_clips`).
    differ = [k for k in now if k not in (*TrainConfig.EXECUTION_ONLY, "out_dir", "root") and now[k] != then[k]]
    if differ:
        details = ", ".join(f"{k}: {then[k]!r} -> {now[k]!r}" for k in differ)
        raise RunFolderError(f"{config.out_dir}: cannot resume with different settings ({details})")


def _check_same_train_clips(dataset: DatasetVersion, train_records: Sequence[ClipRecord], state: TrainingState,
                            out_dir: Path) -> None:
    """A resumed run goes on with the train clips it started with, wherever its dataset is now: a
    version of the same name at another root may be a copy (a moved disk) or other clips."""
    then_root = state.meta["train_config"]["root"]
    saved = state.meta.get(TRAIN_CLIP_IDS)
    if saved is None:  # a run saved before the clip ids were: its root must be the same folder
        if Path(then_root).resolve() != Path(dataset.root).resolve():
            raise DatasetError(f"{dataset.root}: not the dataset root the run in {out_dir} started with "
                               f"({then_root}), and the run does not record its clips to check a copy by")
        return
    now = {r.clip_id for r in train_records if not r.is_augmented}
    missing, new = len(set(saved) - now), len(now - set(saved))
    if missing or new:
        raise DatasetError(f"{dataset.root}/{dataset.name}: not the train clips the run in {out_dir} started with "
                           f"({missing} of its {len(saved)} missing, {new} it never had; it started with "
                           f"{then_root}); resume with that --root, or train a new run")


def _history_behind(out_dir: Path, result: TrainResult) -> bool:
    """Does the run folder's history lack epochs its last.pt holds (or is it missing)?"""
    try:
        written = json.loads((out_dir / HISTORY_FILENAME).read_text(encoding="utf-8"))["history"]
    except (OSError, ValueError, TypeError, KeyError):
        return True
    return not isinstance(written, list) or len(written) != len(result.history)


def _write_history(out_dir: Path, config: TrainConfig, meta_base: dict, result: TrainResult) -> None:
    summary = {
        "train_config": config.to_dict(),
        "highlights_version": meta_base["highlights_version"],
        "dataset": meta_base["dataset"],
        "model": meta_base["model"],
        "clip_spec": meta_base["clip_spec"],
        "pretrained": meta_base.get("pretrained"),
        "best_epoch": result.best_epoch,
        "best_val_macro_f1": result.best_val_macro_f1,
        "stopped_early": result.stopped_early,
        "history": result.history,
    }
    atomic_write_json(out_dir / HISTORY_FILENAME, summary, indent=2)
    plot_training_curves(result.history, out_dir / CURVES_FILENAME, best_epoch=result.best_epoch,
                         val_clips=meta_base["dataset"].get("val_clips"))


class _StepStats(ProgressColumn):
    """Running loss and data-wait share, on training bars only."""

    def render(self, task) -> Text:
        if "loss" not in task.fields:
            return Text("")
        loss = task.fields["loss"]
        # Before an epoch's first step there is no running loss yet (NaN): a dash, not "nan".
        return Text(f"loss {'-' if math.isnan(loss) else f'{loss:.3f}'} wait {task.fields['wait']:.0f}%")


def _progress(show: bool) -> Progress:
    return progress_bar(enabled=show, extra=[_StepStats()])
