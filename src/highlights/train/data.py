"""Training and validation samples read from the decoded-clip cache.

Every random choice for a sample (augmentation, crop, flip) comes from a seed derived from
(run seed, epoch, sample index), and the sampler's generator is re-seeded from (run seed, epoch)
at the start of each epoch. So the data of epoch k is the same whether the run went straight
through or was resumed, however many DataLoader workers there are.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler, WeightedRandomSampler

from highlights.augment import PhoneAugment, PhoneAugmentConfig
from highlights.clips.spec import ClipSpec
from highlights.video import clip_to_tensor
from highlights.worker_processes import end_with_the_command


class CachedClipDataset(Dataset):
    """`(clip tensor (3,T,crop,crop), class index)` pairs from cached uint8 clips."""

    def __init__(
        self,
        cache_files: Sequence[Path],
        targets: Sequence[int],
        spec: ClipSpec,
        *,
        train: bool,
        seed: int = 0,
        augment: PhoneAugment | None = None,
        hflip: bool = False,
        clips_per_video: int = 1,
    ):
        if len(cache_files) != len(targets):
            raise ValueError("cache_files and targets differ in length")
        self.cache_files = [Path(p) for p in cache_files]
        self.targets = [int(t) for t in targets]
        self.spec = spec
        self.train = train
        self.seed = seed
        self.augment = augment
        self.hflip = hflip
        self.clips_per_video = clips_per_video if train else 1
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        # Read by workers, which DataLoader starts anew for each epoch (persistent_workers=False).
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.cache_files) * self.clips_per_video

    def clip_index(self, index: int) -> int:
        return index // self.clips_per_video

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        k = self.clip_index(index)
        frames = np.load(self.cache_files[k])
        if not self.train:
            return clip_to_tensor(frames, self.spec, train=False), self.targets[k]
        aug_seed, crop_seed, flip_seed = np.random.SeedSequence([self.seed, self.epoch, index]).generate_state(3)
        if self.augment is not None:
            frames = self.augment(frames, seed=int(aug_seed & 0x7FFFFFFF))
        if self.hflip and np.random.default_rng(flip_seed).random() < 0.5:
            frames = np.ascontiguousarray(frames[:, :, ::-1])
        x = clip_to_tensor(frames, self.spec, train=True, rng=np.random.default_rng(crop_seed))
        return x, self.targets[k]


def class_counts(targets: Sequence[int], num_classes: int) -> np.ndarray:
    return np.bincount(np.asarray(targets, dtype=np.int64), minlength=num_classes)


def balanced_class_weights(targets: Sequence[int], num_classes: int) -> torch.Tensor:
    """Inverse-frequency weights, n / (K * count) as scikit-learn's "balanced"; 0 for an absent class."""
    counts = class_counts(targets, num_classes).astype(np.float64)
    weights = np.divide(len(targets), num_classes * counts, out=np.zeros_like(counts), where=counts > 0)
    return torch.tensor(weights, dtype=torch.float32)


def worker_context():
    """How DataLoader workers start: forked from a fork server, never from this process. A child
    forked from a process whose OpenCV (or torch) thread pool has run inherits that pool's locks
    without its threads and can hang on its first OpenCV call; the fork server is a fresh
    interpreter that has imported this module (torch, OpenCV) but run nothing in parallel, so
    its children start in milliseconds and safely. Where there is no fork server: spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # only until the server has started, which is enough
    _start_fork_server_deaf_to_ctrl_c()
    return context


def _start_fork_server_deaf_to_ctrl_c() -> None:
    """Start the fork server with Ctrl-C ignored. Ctrl-C goes to the whole process group; the
    server ignores it once its loop runs, but not while it imports the preloaded modules (torch,
    OpenCV), so a Ctrl-C then printed the server's KeyboardInterrupt traceback under the command's
    one-line message. An ignored signal stays ignored through exec and Python's start, so the
    server is started while this process ignores it (for the moment of the fork only); its
    workers inherit that too, and this process stops them when it gets the KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        multiprocessing.forkserver.ensure_running()  # signal handlers can be set on the main thread only
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def batches(loader):
    """`iter(loader)`, with Ctrl-C (and SIGTERM) held while its workers start and delivered once
    they all have. A worker is started by asking the fork server for it and reading its pid back;
    interrupted in between, the worker is forked all the same but never joined, and as this
    process exits it finds this process's semaphores gone and prints a traceback. Held, the
    signal reaches this process a moment later, with every worker known and stopped as the
    iterator is let go."""
    if not getattr(loader, "num_workers", 0) or threading.current_thread() is not threading.main_thread():
        return iter(loader)
    held: list[int] = []
    kinds = (signal.SIGINT, signal.SIGTERM)
    previous = {kind: signal.getsignal(kind) for kind in kinds}
    for kind in kinds:
        if callable(previous[kind]):  # an ignored signal stays ignored, a default one kills as before
            signal.signal(kind, lambda signum, frame: held.append(signum))
    try:
        started = iter(loader)
    finally:
        for kind in kinds:
            signal.signal(kind, previous[kind])
    if held:
        try:
            previous[held[0]](held[0], None)
        except BaseException:
            del started  # its workers are stopped here, before the handler's exception goes up
            raise
    # a handler that does not raise (a caller's own, setting a flag) leaves it running
    return _workers_stopped_whole(started)


def _workers_stopped_whole(started):
    """The batches of ``started``, its workers stopped with Ctrl-C held. A loop left by Ctrl-C
    (or an error) stops them as it lets the iterator go, joining each: a second, impatient
    Ctrl-C then landed in torch's `__del__` and printed an "Exception ignored" traceback above
    the command's one line. That one is dropped, the command
    already stopping; one during the workers' stop after the last batch is delivered."""
    finished = False
    try:
        yield from started
        finished = True
    finally:
        held: list[int] = []
        previous = signal.getsignal(signal.SIGINT)
        if callable(previous):
            signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
        try:
            del started  # the last reference: its workers are stopped and joined here
        finally:
            signal.signal(signal.SIGINT, previous)
        if held and finished:
            previous(held[0], None)


def _worker_init(_worker_id: int) -> None:
    # The model owns the cores; a worker's OpenCV / albumentations calls stay on one thread.
    cv2.setNumThreads(1)
    end_with_the_command()


def make_train_loader(
    dataset: CachedClipDataset,
    *,
    batch_size: int,
    num_workers: int,
    weighted_sampler: bool,
    generator: torch.Generator,
) -> DataLoader:
    """Shuffled (or class-weighted) training batches. The caller re-seeds `generator` per epoch."""
    if weighted_sampler:
        num_classes = max(dataset.targets) + 1
        per_class = class_counts(dataset.targets, num_classes)
        sample_weights = [1.0 / per_class[dataset.targets[dataset.clip_index(i)]] for i in range(len(dataset))]
        sampler = WeightedRandomSampler(sample_weights, num_samples=len(dataset), replacement=True, generator=generator)
    else:
        sampler = RandomSampler(dataset, generator=generator)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        worker_init_fn=_worker_init if num_workers > 0 else None,
        multiprocessing_context=worker_context() if num_workers > 0 else None,
        prefetch_factor=4 if num_workers > 0 else None,
        persistent_workers=False,
        drop_last=False,
    )


def make_eval_loader(dataset: CachedClipDataset, *, batch_size: int, num_workers: int) -> DataLoader:
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=SequentialSampler(dataset),
        num_workers=num_workers,
        worker_init_fn=_worker_init if num_workers > 0 else None,
        multiprocessing_context=worker_context() if num_workers > 0 else None,
    )


def build_augment(enabled: bool, config: dict) -> PhoneAugment | None:
    return PhoneAugment(PhoneAugmentConfig.from_dict(config)) if enabled else None
