"""Scoring a checkpoint on a dataset split: the test report and its files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from torch.utils.data import DataLoader, Dataset

from highlights.clips.spec import ClipSpec
from highlights.datasets import ClipRecord, load_version
from highlights.model import ClipClassifier
from highlights.report import build_report, write_report_files
from highlights.video import clip_to_tensor, read_clip


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


def evaluate_checkpoint(
    checkpoint: str | Path,
    *,
    root: str | Path,
    version: str,
    out_dir: str | Path,
    split: str = "test",
    batch_size: int = 8,
    num_workers: int = 1,
    n_bootstrap: int = 1000,
    backend: str = "auto",
    show_progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> tuple[dict, dict[str, Path]]:
    """Runs the checkpoint's classifier on every real (not augmented) clip of `split` and writes
    `video_scorer_testreport.json`, `.md` and `_confusion.png` into `out_dir`."""
    log = log or (lambda message: None)
    checkpoint = Path(checkpoint)
    classifier = ClipClassifier.from_checkpoint(checkpoint, backend=backend)
    log(f"classifier: {checkpoint}, inference backend: {classifier.backend}")
    dataset = load_version(root, version)
    records = dataset.split(split, augmented=False)
    if not records:
        raise ValueError(f"{dataset.path}: the {split} split is empty")
    classes = list(classifier.classes)
    for record in records:
        if record.label not in classes:
            raise ValueError(f"{record.path}: label {record.label!r} is not a class of {checkpoint.name} ({classes})")

    # Decoding in a worker overlaps with the model's forward passes.
    loader = DataLoader(DecodedClips(records, classifier.spec), batch_size=batch_size, num_workers=num_workers)
    probabilities = []
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), disable=not show_progress) as progress:
        task = progress.add_task(f"evaluating on {version}/{split}", total=len(records))
        for clips in loader:
            probabilities.append(np.asarray(classifier.predict_proba(clips.numpy())))
            progress.advance(task, len(clips))
    proba = np.concatenate(probabilities)
    y_pred = proba.argmax(axis=1)

    checkpoint_meta = classifier.meta
    meta = {
        "model": checkpoint_meta.get("model"),
        "checkpoint": {"path": str(checkpoint.resolve()), "sha256": _sha256(checkpoint),
                       "epoch": checkpoint_meta.get("epoch"), "val_macro_f1": checkpoint_meta.get("val_macro_f1")},
        "dataset": {"root": str(dataset.root), "version": dataset.name, "split": split,
                    "clips": len(records), "trained_on": checkpoint_meta.get("dataset")},
        "clip_spec": classifier.spec.to_dict(),
        "inference_backend": classifier.backend,
        "inference_backend_selection": classifier.backend_report,
        "train_config": checkpoint_meta.get("train_config"),
        "eval_config": {"batch_size": batch_size, "n_bootstrap": n_bootstrap, "crop": "centre"},
    }
    report = build_report(
        [r.label for r in records], [classes[i] for i in y_pred], classes,
        proba=proba, clip_ids=[r.clip_id for r in records], meta=meta, n_bootstrap=n_bootstrap,
    )
    return report, write_report_files(report, out_dir)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
