"""Training speed on this CPU: clips/s of a training step and the share of it spent waiting for data.

Target (issue 7): the data wait is at most 10% of a training step, with the decoded-clip cache and
DataLoader workers. Makes its own synthetic clips (moving blobs encoded with PyAV), so it runs
standalone:

    .venv/bin/python bench/bench_train.py               # the default model, batch 8, 6 steps
    .venv/bin/python bench/bench_train.py --steps 3     # shorter
    .venv/bin/python bench/bench_train.py --width 0.25 --layers 1 1 1 1 --steps 10   # quick look

It also times the decode-per-step baseline (no cache: every sample decodes its video) on one
batch, to show what the cache removes from each step.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress
from torch import nn

from highlights.clips.spec import ClipSpec
from highlights.datasets import create_version
from highlights.model import r2plus1d_18
from highlights.train.cache import DecodedClipCache
from highlights.train.config import TrainConfig
from highlights.train.data import CachedClipDataset, build_augment, make_train_loader
from highlights.train.loop import make_scheduler, train_one_epoch
from highlights.video import clip_to_tensor, read_clip, write_video


def synthetic_clips(src: Path, n: int, *, width: int, height: int, frames: int, fps: float, seed: int = 0) -> Path:
    """`n` clips of a bright blob moving over a noisy field, split over two classes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    for i in range(n):
        label = ("baseball_swing", "none")[i % 2]
        (src / label).mkdir(parents=True, exist_ok=True)
        field = rng.integers(40, 120, size=(height, width, 3), dtype=np.uint8)
        x0, y0 = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        vx, vy = rng.uniform(-4, 4, size=2)
        clip = []
        for t in range(frames):
            frame = field.copy()
            blob = (xx - (x0 + vx * t)) ** 2 + (yy - (y0 + vy * t)) ** 2 < (height / 10) ** 2
            frame[blob] = (230, 200, 60)
            clip.append(frame)
        write_video(src / label / f"clip_{i:03d}.mp4", clip, fps=fps)
    return src


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6, help="training steps to time (first is warm-up)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--layers", type=int, nargs=4, default=(2, 2, 2, 2))
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--video", default="640x360", help="synthetic clip size WxH (phone footage, downscaled)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vw, vh = (int(v) for v in args.video.split("x"))
    n_clips = args.steps * args.batch_size

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        src = synthetic_clips(tmp / "src", n_clips, width=vw, height=vh, frames=60, fps=30.0)
        dataset = create_version(src, tmp / "data", ratios=(1.0, 0.0, 0.0))
        records = dataset.split("train")
        print(f"made {len(records)} synthetic {vw}x{vh} clips of 2 s in {time.perf_counter() - t0:.1f} s")

        config = TrainConfig(root=str(dataset.root), version=dataset.name, out_dir=str(tmp / "run"),
                             width=args.width, layers=tuple(args.layers), batch_size=args.batch_size,
                             num_workers=args.workers, augment=not args.no_augment, epochs=1, warmup_epochs=0)
        spec: ClipSpec = config.clip_spec()
        print(f"model: {config.describe_model()}; batch {args.batch_size}, {args.threads} torch threads, "
              f"{args.workers} DataLoader workers, augmentation {'on' if config.augment else 'off'}")

        # Baseline: decoding every sample of a batch at step time (what an uncached loader does).
        t0 = time.perf_counter()
        for record in records[: args.batch_size]:
            clip_to_tensor(read_clip(record.path, spec.num_frames)[0], spec, train=True, rng=np.random.default_rng(0))
        decode_batch_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        cache = DecodedClipCache(tmp / "cache", spec)
        files = cache.ensure(records, workers=max(1, args.workers))
        fill_s = time.perf_counter() - t0
        print(f"cache fill: {len(files)} clips decoded once in {fill_s:.1f} s ({len(files) / fill_s:.1f} clips/s)")

        train_set = CachedClipDataset(files, [dataset.classes.index(r.label) for r in records], spec, train=True,
                                      seed=0, augment=build_augment(config.augment, {}), hflip=True)
        generator = torch.Generator().manual_seed(0)
        loader = make_train_loader(train_set, batch_size=args.batch_size, num_workers=args.workers,
                                   weighted_sampler=False, generator=generator)
        model = r2plus1d_18(len(dataset.classes), width=args.width, layers=tuple(args.layers))
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        scheduler = make_scheduler(optimizer, config, steps_per_epoch=len(loader))
        steps: list[tuple[float, float]] = []
        with Progress() as progress:
            stats = train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, loader, progress,
                                    "training steps", step_times=steps)

    waits = [w for w, _ in steps]
    totals = [s for _, s in steps]
    steady = steps[1:] if len(steps) > 1 else steps  # the first step also pays for starting workers
    steady_share = sum(w for w, _ in steady) / sum(s for _, s in steady)
    median_step = statistics.median(s for _, s in steady)
    print()
    print(f"steps timed:                     {len(steps)} of batch {args.batch_size}")
    print(f"training clips/s (all steps):    {stats['clips_per_s']:.3f}")
    print(f"training clips/s (after step 1): {args.batch_size * len(steady) / sum(s for _, s in steady):.3f}")
    print(f"median step:                     {median_step:.2f} s")
    print(f"first step data wait:            {waits[0]:.3f} s of {totals[0]:.2f} s (includes worker start-up)")
    print(f"data wait share, all steps:      {100 * stats['data_wait_share']:.2f}%")
    print(f"data wait share, after step 1:   {100 * steady_share:.2f}%  (target <= 10%)"
          f"  {'OK' if steady_share <= 0.10 else 'OVER TARGET'}")
    print(f"uncached baseline: decoding one batch takes {decode_batch_s:.2f} s, "
          f"{100 * decode_batch_s / (decode_batch_s + median_step):.1f}% of a step if done in line")


if __name__ == "__main__":
    main()
