"""Training speed on this CPU: clips/s of a training step, fp32 and bf16, and the share of each step
spent waiting for data.

Target: the data wait is at most 10% of a training step, with the decoded-clip cache and
DataLoader workers. bf16 (autocast) is timed beside fp32 where the CPU has native bf16
(AVX512_BF16, AMX); elsewhere it is emulated and far slower, and is timed only with
``--precision fp32,bf16 --allow-emulated-bf16``. Makes its own synthetic clips (moving blobs
encoded with PyAV), so it runs standalone:

    .venv/bin/python bench/bench_train.py               # the default model, batch 8, 6 steps
    .venv/bin/python bench/bench_train.py --steps 3     # shorter
    .venv/bin/python bench/bench_train.py --quick --steps 20   # the quick model (`train --quick`)
    .venv/bin/python bench/bench_train.py --steps 3 --compare-curves 8
                                                    # + bf16 vs fp32 learning curves

``--compare-curves N`` trains the quick model (``highlights train --quick``: the demo's) N
epochs three times on a task it can learn: the project's synthetic generator's four classes
(``--curve-clips`` per class, split by source video). fp32 with seeds 0 and 1 (their difference is
the noise) and bf16 with seed 0 (same data order and initial weights as fp32 seed 0); it prints the
validation loss and accuracy per epoch, each run's seconds, and the verdict: bf16's curve is within
noise when its largest validation-loss gap from fp32 seed 0 is no larger than seed 1's (plus 0.02 of
slack). bf16 training is the default (``precision auto``) only on CPUs with native bf16, where this
shows it.

``--busy-cores N`` keeps N cores busy with spinning processes while the training steps are timed,
as another program on the machine would: run it with ``--threads 1`` and ``--threads 2`` to see
which thread count trains faster beside such a program.

It also times the decode-per-step baseline (no cache: every sample decodes its video) on one
batch, to show what the cache removes from each step.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
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
from highlights.cli.boundary import run_script
from highlights.model import r2plus1d_18
from highlights.train.cache import DecodedClipCache
from highlights.model.cpu_features import this_cpu
from highlights.synth.clipset import ClipSetConfig, generate_clip_set
from highlights.train.config import TrainConfig, check_precision
from highlights.train.data import (
    CachedClipDataset, build_augment, make_eval_loader, make_train_loader,
)
from highlights.train.loop import make_scheduler, train_one_epoch
from highlights.video import clip_to_tensor, read_clip, write_video


def synthetic_clips(src: Path, n: int, *, width: int, height: int, frames: int, fps: float,
                    seed: int = 0) -> Path:
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


def _train_steps(args, config, train_set, classes, precision: str,
                 seed: int = 0) -> tuple[dict, list]:
    """One epoch over the training set at ``precision``: its stats and (data wait, step) times."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    loader = make_train_loader(train_set, batch_size=args.batch_size, num_workers=args.workers,
                               weighted_sampler=False, generator=generator)
    model = r2plus1d_18(len(classes), width=config.width, layers=tuple(config.layers))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=len(loader))
    steps: list[tuple[float, float]] = []
    with Progress() as progress:
        stats = train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, loader,
                                progress,
                                f"training steps ({precision})", step_times=steps,
                                precision=precision)
    return stats, steps


def _curve(args, config, train_set, val_set, classes, precision: str, seed: int,
           epochs: int) -> list[dict]:
    """Validation loss and accuracy (fp32 evaluation) after each of ``epochs`` epochs of
    ``config``'s model."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    loader = make_train_loader(train_set, batch_size=config.batch_size, num_workers=args.workers,
                               weighted_sampler=False, generator=generator)
    val_loader = make_eval_loader(val_set, batch_size=config.batch_size, num_workers=0)
    model = r2plus1d_18(len(classes), width=config.width, layers=tuple(config.layers))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    curve_config = config.replace(epochs=epochs)
    scheduler = make_scheduler(optimizer, curve_config, steps_per_epoch=len(loader))
    points = []
    started = time.perf_counter()
    for epoch in range(epochs):
        train_set.set_epoch(epoch)
        with Progress() as progress:
            train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, loader, progress,
                            f"{precision} seed {seed} epoch {epoch + 1}/{epochs}",
                            precision=precision)
        model.eval()
        losses, correct, seen = 0.0, 0, 0
        with torch.inference_mode():
            for clips, targets in val_loader:
                logits = model(clips)
                losses += float(nn.functional.cross_entropy(logits, targets, reduction="sum"))
                correct += int((logits.argmax(1) == targets).sum())
                seen += len(targets)
        model.train()
        points.append({"epoch": epoch + 1, "val_loss": losses / seen,
                       "val_accuracy": correct / seen, "seconds": time.perf_counter() - started})
    return points


def learnable_curve_sets(args, tmp: Path):
    """The quick model's config and its train/val sets on the generator's four classes."""
    t0 = time.perf_counter()
    generate_clip_set(tmp / "curve-src",
                      ClipSetConfig(per_class=args.curve_clips, seconds=2.0, size="384x216",
                                    seed=7, workers=max(1, args.workers)))
    dataset = create_version(tmp / "curve-src", tmp / "curve-data", ratios=(2 / 3, 1 / 3, 0.0))
    records, val_records = dataset.split("train"), dataset.split("val", augmented=False)
    config = TrainConfig.quick(str(dataset.root), dataset.name, str(tmp / "curve-run"),
                               num_workers=args.workers)
    cache = DecodedClipCache(tmp / "curve-cache", config.clip_spec())
    files = cache.ensure(records, workers=max(1, args.workers))
    val_files = cache.ensure(val_records, workers=max(1, args.workers))
    print(f"learning-curve task: {len(records)} train and {len(val_records)} val clips of the "
          f"synthetic generator's {len(dataset.classes)} classes, made in "
          f"{time.perf_counter() - t0:.1f} s; {config.describe_model()}, batch {config.batch_size}")
    train_set = CachedClipDataset(files, [dataset.classes.index(r.label) for r in records],
                                  config.clip_spec(),
                                  train=True, seed=0, augment=build_augment(config.augment, {}),
                                  hflip=True)
    val_set = CachedClipDataset(val_files, [dataset.classes.index(r.label) for r in val_records],
                                config.clip_spec(), train=False)
    return config, train_set, val_set, dataset.classes


def frame_size(text: str) -> str:
    """A WxH frame size as argparse's type: a malformed one is refused as a usage error, not a
    traceback."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a frame size WxH such as 640x360")
    return text.lower()


def _spin(stop) -> None:
    while not stop.is_set():
        pass


@contextlib.contextmanager
def busy_cores(n: int):
    """`n` processes that each keep a core busy until the block ends (another program's load)."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6,
                        help="training steps to time (first is warm-up)")
    parser.add_argument("--batch-size", type=int, default=8, help="clips per training step")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads (default: torch's, one per core)")
    parser.add_argument("--busy-cores", type=int, default=0,
                        help="cores kept busy by spinning processes while the training steps are "
                             "timed")
    parser.add_argument("--width", type=float, default=1.0,
                        help="R(2+1)D width multiplier (without --quick)")
    parser.add_argument("--layers", type=int, nargs=4, default=(2, 2, 2, 2),
                        help="R(2+1)D blocks in each of the four stages (without --quick)")
    parser.add_argument("--no-augment", action="store_true",
                        help="time steps without training augmentation")
    parser.add_argument("--quick", action="store_true",
                        help="time the quick model (`highlights train --quick`, 8x64x64) instead "
                             "of --width/--layers")
    parser.add_argument("--video", type=frame_size, default="640x360",
                        help="synthetic clip size WxH (phone footage, downscaled)")
    parser.add_argument("--precision", default=None,
                        help="comma-separated: fp32,bf16 (default: fp32, and bf16 where the CPU "
                             "has native bf16)")
    parser.add_argument("--allow-emulated-bf16", action="store_true",
                        help="time bf16 even without native bf16 (to show what emulation costs)")
    parser.add_argument("--compare-curves", type=int, default=0, metavar="EPOCHS",
                        help="also compare fp32 and bf16 validation curves of the quick model over "
                             "this many epochs")
    parser.add_argument("--curve-clips", type=int, default=30,
                        help="synthetic clips per class for --compare-curves (two thirds train, "
                             "one third val)")
    return parser.parse_args()


def _precisions(args: argparse.Namespace, cpu) -> list[str]:
    """The precisions to time: --precision, else fp32 and bf16 where the CPU has native bf16;
    emulated bf16 refused without --allow-emulated-bf16."""
    precisions = (args.precision.split(",") if args.precision
                  else ["fp32", "bf16"] if cpu.native_bf16 else ["fp32"])
    if "bf16" in precisions and not cpu.native_bf16 and not args.allow_emulated_bf16:
        check_precision("bf16", cpu)  # the one-line refusal
    if "bf16" not in precisions:
        print("bf16: not timed (no native bf16 on this CPU; --precision fp32,bf16 "
              "--allow-emulated-bf16 times it)")
    return precisions


def _train_config(args: argparse.Namespace, dataset, out_dir: Path) -> TrainConfig:
    settings = dict(batch_size=args.batch_size, num_workers=args.workers,
                    augment=not args.no_augment, epochs=1, warmup_epochs=0)
    if args.quick:
        return TrainConfig.quick(str(dataset.root), dataset.name, str(out_dir), **settings)
    return TrainConfig(root=str(dataset.root), version=dataset.name, out_dir=str(out_dir),
                       width=args.width, layers=tuple(args.layers), **settings)


def _uncached_batch_seconds(records, spec: ClipSpec, batch_size: int) -> float:
    """Baseline: decoding every sample of a batch at step time (what an uncached loader does)."""
    t0 = time.perf_counter()
    for record in records[:batch_size]:
        clip_to_tensor(read_clip(record.path, spec.num_frames)[0], spec, train=True,
                       rng=np.random.default_rng(0))
    return time.perf_counter() - t0


def _compared_curves(args: argparse.Namespace, tmp: Path,
                     precisions: list[str]) -> tuple[dict, int]:
    """Validation curves of the quick model, fp32 on two seeds and bf16 on one, and the
    validation clips they are measured on."""
    curve_config, curve_train, curve_val, curve_classes = learnable_curve_sets(args, tmp)
    curves = {}
    for name, precision, seed in (("fp32 seed 0", "fp32", 0), ("fp32 seed 1", "fp32", 1),
                                  ("bf16 seed 0", "bf16", 0)):
        if precision == "bf16" and "bf16" not in precisions:
            continue
        curves[name] = _curve(args, curve_config, curve_train, curve_val, curve_classes, precision,
                              seed, args.compare_curves)
    return curves, len(curve_val)


def _steady(steps: list) -> list:
    """The steps after the first, which also pays for starting the DataLoader workers."""
    return steps[1:] if len(steps) > 1 else steps


def _print_steps(results: dict, precisions: list[str], batch_size: int,
                 load_after_steps: float) -> None:
    """Each precision's training speed and data wait, all steps and after step 1."""
    print()
    print(f"training steps timed with load average (1 min) {load_after_steps:.2f} at their end")
    print(f"{'':34s}" + "".join(f"{p:>12s}" for p in precisions))
    rows = []
    for precision in precisions:
        stats, steps = results[precision]
        steady = _steady(steps)
        rows.append({
            "steps timed": f"{len(steps)}",
            "training clips/s (all steps)": f"{stats['clips_per_s']:.3f}",
            "training clips/s (after step 1)":
                f"{batch_size * len(steady) / sum(s for _, s in steady):.3f}",
            "median step (s)": f"{statistics.median(s for _, s in steady):.2f}",
            "data wait share, all steps": f"{100 * stats['data_wait_share']:.2f}%",
            "data wait share, after step 1":
                f"{100 * sum(w for w, _ in steady) / sum(s for _, s in steady):.2f}%",
        })
    for key in rows[0]:
        print(f"{key:34s}" + "".join(f"{row[key]:>12s}" for row in rows))
    if "bf16" in results and "fp32" in results:
        def steady_rate(steps):
            steady = _steady(steps)
            return batch_size * len(steady) / sum(s for _, s in steady)
        ratio = steady_rate(results["bf16"][1]) / steady_rate(results["fp32"][1])
        print(f"bf16 / fp32 training speed (after step 1): {ratio:.2f}x")
    for precision in precisions:
        stats, steps = results[precision]
        steady = _steady(steps)
        share = sum(w for w, _ in steady) / sum(s for _, s in steady)
        print(f"{precision}: data wait after step 1 {100 * share:.2f}% (target <= 10%) "
              f"{'OK' if share <= 0.10 else 'OVER TARGET'}")


def _print_curves(curves: dict, n_val: int, epochs: int) -> None:
    """The curves epoch by epoch, and whether bf16's stays within fp32's seed-to-seed noise."""
    print(f"\nvalidation curves of the quick model ({n_val} val clips, evaluated in fp32; load "
          f"average now {os.getloadavg()[0]:.2f}):")
    print("epoch " + "".join(f"{name + ' loss':>18s}{'acc':>6s}" for name in curves))
    for e in range(epochs):
        print(f"{e + 1:5d} "
              + "".join(f"{c[e]['val_loss']:18.4f}{c[e]['val_accuracy']:6.2f}"
                        for c in curves.values()))
    if "bf16 seed 0" in curves:
        def distance(a, b):
            return max(abs(x["val_loss"] - y["val_loss"]) for x, y in zip(a, b))
        noise = distance(curves["fp32 seed 0"], curves["fp32 seed 1"])
        gap = distance(curves["fp32 seed 0"], curves["bf16 seed 0"])
        print("seconds for all epochs: "
              + ", ".join(f"{name} {c[-1]['seconds']:.0f}" for name, c in curves.items()))
        print(f"largest val-loss gap: bf16 vs fp32 {gap:.4f}; fp32 seed 1 vs seed 0 (noise) "
              f"{noise:.4f}: bf16 {'within' if gap <= noise + 0.02 else 'NOT within'} noise")


def main() -> None:
    args = _parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cpu = this_cpu()
    print(f"CPU: {cpu.describe()}")
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} logical "
          "CPUs (figures taken under load are not speed figures)")
    precisions = _precisions(args, cpu)
    vw, vh = (int(v) for v in args.video.split("x"))
    n_clips = args.steps * args.batch_size

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        src = synthetic_clips(tmp / "src", n_clips, width=vw, height=vh, frames=60, fps=30.0)
        dataset = create_version(src, tmp / "data", ratios=(1.0, 0.0, 0.0))
        records = dataset.split("train")
        print(f"made {n_clips} synthetic {vw}x{vh} clips of 2 s in "
              f"{time.perf_counter() - t0:.1f} s")
        config = _train_config(args, dataset, tmp / "run")
        spec: ClipSpec = config.clip_spec()
        print(f"model: {config.describe_model()}; batch {args.batch_size}, {args.threads} torch "
              f"threads, {args.workers} DataLoader workers, augmentation "
              f"{'on' if config.augment else 'off'}")
        decode_batch_s = _uncached_batch_seconds(records, spec, args.batch_size)

        t0 = time.perf_counter()
        cache = DecodedClipCache(tmp / "cache", spec)
        files = cache.ensure(records, workers=max(1, args.workers))
        print(f"cache fill: {len(files)} clips decoded once in {time.perf_counter() - t0:.1f} s")

        train_set = CachedClipDataset(files, [dataset.classes.index(r.label) for r in records],
                                      spec, train=True,
                                      seed=0, augment=build_augment(config.augment, {}), hflip=True)
        if args.busy_cores:
            print(f"{args.busy_cores} core(s) kept busy by spinning processes while the steps are "
                  "timed")
        with busy_cores(args.busy_cores):
            results = {p: _train_steps(args, config,
                                       train_set, dataset.classes, p) for p in precisions}
        load_after_steps = os.getloadavg()[0]
        curves, n_val = _compared_curves(args, tmp, precisions) if args.compare_curves else ({}, 0)

    _print_steps(results, precisions, args.batch_size, load_after_steps)
    median_step = statistics.median(s
                                    for _, s in (results["fp32"][1] if "fp32" in results
                                                 else results[precisions[0]][1]))
    print(f"uncached baseline: decoding one batch takes {decode_batch_s:.2f} s, "
          f"{100 * decode_batch_s / (decode_batch_s + median_step):.1f}% of a step if done in line")
    if curves:
        _print_curves(curves, n_val, args.compare_curves)

if __name__ == "__main__":
    run_script(main)
