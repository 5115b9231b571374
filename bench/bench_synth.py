"""Speed of the synthetic footage generator.

    python bench/bench_synth.py [--clips 100] [--workers 2] [--game-minutes 1]

Times (1) a clip set: 100 clips of 2 s at 640x360, 30 fps, in 2 worker processes (target: under
a minute on 2 cores), and (2) a 720p30 game (reported as a multiple of real time). Prints the
figures; nothing is asserted (the machine may be shared, so the numbers are noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from highlights.cli.boundary import run_script
from highlights.synth import ClipSetConfig, GameConfig, generate_clip_set, generate_game


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=100, help="total clips (split over the 4 classes)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes making the clip set")
    ap.add_argument("--game-minutes", type=float, default=1.0,
                    help="length of the 720p30 game, in minutes")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load average {load:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = ClipSetConfig(per_class=max(1, args.clips // 4), seconds=2.0, size="640x360",
                            fps="30", workers=args.workers, seed=0)
        t0 = time.perf_counter()
        generate_clip_set(Path(tmp) / "clips", cfg)
        dt = time.perf_counter() - t0
        n = cfg.per_class * len(cfg.classes)
        frames = n * 60
        print(f"clips: {n} x 2 s at 640x360 30 fps, {args.workers} workers: {dt:.1f} s "
              f"({dt / n * 1000:.0f} ms per clip, {frames / dt:.0f} frames/s)  target < 60 s for "
              "100")

        gcfg = GameConfig(minutes=args.game_minutes, sport="mixed", width=1280, height=720,
                          fps=30.0, seed=0)
        t0 = time.perf_counter()
        paths = generate_game(Path(tmp) / "game", gcfg)
        dt = time.perf_counter() - t0
        seconds = gcfg.minutes * 60
        ann = json.loads(paths["annotation"].read_text())
        size_mb = paths["video"].stat().st_size / 1e6
        print(f"game: {gcfg.minutes:g} min 1280x720 30 fps, {len(ann['events'])} events, "
              f"{len(ann['shots'])} shots: {dt:.1f} s = {seconds / dt:.2f}x real time "
              f"({seconds * 30 / dt:.0f} frames/s, {size_mb:.1f} MB)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at end")


if __name__ == "__main__":
    run_script(main)
