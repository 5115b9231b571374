"""What the synthetic windows of `train --model pose` cost drawn and read from the cache folder.

    python bench/bench_synth_window_cache.py [--windows 3000] [--val-windows 600]

Draws the training and validation windows of `PoseTrainConfig`'s defaults (or of --windows and
--val-windows) into an empty, temporary cache folder (never the user's), as a first run does, then
reads them back as every later run with the same settings does (`synth_window_cache`). Prints wall
and CPU seconds of each, and the size of the entries kept.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from highlights.cli.boundary import run_script
from highlights.pose_classifier.synth_data import SynthWindowSpec
from highlights.pose_classifier.synth_window_cache import FOLDER, cached_synth_windows
from highlights.pose_classifier.train import PoseTrainConfig


def timed(specs: list[SynthWindowSpec], classes: tuple[str, ...]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of getting every one of ``specs``' windows."""
    wall, cpu = time.perf_counter(), time.process_time()
    for spec in specs:
        cached_synth_windows(spec, classes=classes)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    defaults = PoseTrainConfig(out_dir="-")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=defaults.synth_windows,
                        help="training windows (the default is train --model pose's)")
    parser.add_argument("--val-windows", type=int, default=defaults.val_windows,
                        help="validation windows (the default is train --model pose's)")
    args = parser.parse_args()
    window = defaults.window
    train = SynthWindowSpec(count=args.windows, seed=defaults.synth_seed, fps=window.fps,
                            window_frames=window.window_frames)
    specs = [train, replace(train, count=args.val_windows, seed=defaults.synth_seed + 10_000)]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HIGHLIGHTS_CACHE_DIR"] = tmp
        drawn = timed(specs, defaults.classes)
        read = timed(specs, defaults.classes)
        size = sum(p.stat().st_size for p in (Path(tmp) / FOLDER).glob("*.npz"))
    print(f"{args.windows} training + {args.val_windows} validation windows, {os.cpu_count()} CPUs")
    print(f"drawn (first run):     {drawn[0]:8.2f} s wall, {drawn[1]:8.2f} s CPU")
    print(f"read from the cache:   {read[0]:8.2f} s wall, {read[1]:8.2f} s CPU")
    print(f"kept: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    run_script(main)
