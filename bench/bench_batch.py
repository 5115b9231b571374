"""Batch throughput: the same games with 1 and 2 local workers and with the Ray engine, in one run.

    python bench/bench_batch.py [--games 8] [--minutes 1] [--height 720] [--workdir DIR]
                                [--checkpoint CKPT] [--skip-ray]

Makes (once, reused from --workdir) --games synthetic games of --minutes each with the project's
generator (`highlights.synth.generate_game`; 16:9 at --height, 30 fps, H.264, two events a
minute), and, unless --checkpoint is given, a full-size R(2+1)D-18 with random weights saved as
a real checkpoint (its inference costs what a trained one costs). Detection and pose read the
games' ground truth (MediaPipe finds no person in drawn figures; on real footage it adds its
own cost per active frame).

Each configuration runs the public command, `highlights detect MANIFEST --out DIR --fresh`, in
its own process, and is timed from the command's start to its end: worker start-up, model
loading (once per worker), every game and the index are all inside the figure.
1. `--workers 1` (one process, all cores' threads);
2. `--workers 2` (two worker processes, cores / 2 threads each);
3. `--engine ray --workers 2` (a local Ray instance with the cores as its CPUs, one task per game).
It prints video-hours processed per hour of wall time for each, the 2-worker / 1-worker and
Ray / 2-worker ratios, and writes the figures to WORKDIR/bench_batch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.cli.boundary import run_script

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
# a full-size random checkpoint, shared
from bench_pipeline import figures_made_by, make_checkpoint  # noqa: E402

GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set",
      "classifier.min_score=0.0"]


def _one_game(args: tuple[str, float, int, int, int]) -> str:
    from highlights.synth.game import GameConfig, generate_game

    folder, minutes, width, height, seed = args
    cfg = GameConfig(minutes=minutes, width=width, height=height, seed=seed, name=f"game{seed:02d}")
    video = Path(folder) / f"{cfg.stem}.mp4"
    if not (video.exists() and video.with_suffix(".json").exists()):
        generate_game(folder, cfg)
    return str(video)


def make_games(workdir: Path, games: int, minutes: float, height: int) -> Path:
    """The games (reused when present) and a manifest listing them."""
    width = int(round(height * 16 / 9 / 2) * 2)
    folder = workdir / f"games_{minutes:g}min_{height}p"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder), minutes, width, height, seed) for seed in range(games)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, min(games, os.cpu_count() or 1))) as pool:
        videos = list(pool.map(_one_game, jobs))
    print(f"games ready in {time.perf_counter() - t0:.0f} s: {games} x {minutes:g} min at "
          f"{width}x{height}")
    manifest = folder / f"manifest_{games}.csv"
    manifest.write_text("path\n" + "".join(f"{Path(v).name}\n" for v in videos))
    return manifest


def run(name: str, manifest: Path, out: Path, checkpoint: Path, extra: list[str]) -> dict:
    cli = Path(sys.executable).with_name("highlights")
    cmd = [str(cli), "detect", str(manifest), "--out", str(out), "--fresh", "--no-progress",
           "--checkpoint", str(checkpoint), *GT, *extra]
    print(f"\n$ {' '.join(cmd[1:])}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    index = json.loads((out / "index.json").read_text())
    summary = index["summary"]
    games = index["games"]
    hours = sum(float(g["duration_s"] or 0) for g in games if g["status"] == "done") / 3600
    row = {"name": name, "wall_s": round(wall, 1), "games_done": summary["done"],
           "failed": summary["failed"],
           "video_hours": round(hours, 4), "video_hours_per_hour": round(hours * 3600 / wall, 3),
           "batch_only_video_hours_per_hour": summary["video_hours_per_hour"],
           "request": {k: v for k, v in index["request"].items() if k != "config"},
           "inference_backend": sorted({g["inference_backend"] for g in games
                                        if g.get("inference_backend")})}
    print(f"  {row['games_done']} games, {row['failed']} failed, {wall:.1f} s wall: "
          f"{row['video_hours_per_hour']:.2f} video-hours per hour", flush=True)
    if summary["failed"]:
        # A throughput of failed games compares nothing: stop with the first game's error.
        first = next(g for g in games if g["status"] == "failed")
        raise SystemExit(f"{name}: {summary['failed']} game(s) failed, e.g. {first['game_id']}: "
                         f"{first['error']}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--games", type=int, default=8, help="synthetic games in the batch")
    ap.add_argument("--minutes", type=float, default=1.0, help="length of each game in minutes")
    ap.add_argument("--height", type=int, default=720, help="frame height of the games (16:9)")
    ap.add_argument("--workdir", type=Path,
                    default=Path(tempfile.gettempdir()) / "highlights-bench-batch",
                    help="where the games, checkpoint and outputs are kept (games are reused)")
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="a trained classifier instead of a random full-size R(2+1)D-18")
    ap.add_argument("--skip-ray", action="store_true", help="leave out the Ray engine's run")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    manifest = make_games(args.workdir, args.games, args.minutes, args.height)
    checkpoint = args.checkpoint or make_checkpoint(args.workdir)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores; load average before the runs: {os.getloadavg()[0]:.1f}")

    rows = [run("local, 1 worker", manifest, args.workdir / "out-1",
                checkpoint, ["--workers", "1"]),
            run("local, 2 workers", manifest, args.workdir / "out-2",
                checkpoint, ["--workers", "2"])]
    if not args.skip_ray:
        rows.append(run("ray, 2 tasks at once", manifest, args.workdir / "out-ray", checkpoint,
                        ["--engine", "ray", "--workers", "2"]))
    print(f"\n{'configuration':<24} {'wall s':>8} {'video-h/h':>10}")
    for r in rows:
        print(f"{r['name']:<24} {r['wall_s']:>8.1f} {r['video_hours_per_hour']:>10.2f}")
    scaling = rows[1]["video_hours_per_hour"] / rows[0]["video_hours_per_hour"]
    print(f"scaling, 2 workers / 1 worker: {scaling:.2f}x (n = {args.games} games of "
          f"{args.minutes:g} min, {cores} cores, load average now {os.getloadavg()[0]:.1f})")
    figures = {"made_by": figures_made_by(args, checkpoint),
               "games": args.games, "minutes": args.minutes, "height": args.height, "cores": cores,
               "runs": rows, "scaling_2_over_1": round(scaling, 3)}
    if len(rows) > 2:
        figures["ray_over_local_2"] = round(rows[2]["video_hours_per_hour"]
                                             / rows[1]["video_hours_per_hour"], 3)
        print(f"ray / local 2 workers: {figures['ray_over_local_2']:.2f}x")
    out = atomic_write_text(args.workdir / "bench_batch.json", json.dumps(figures, indent=2))
    print(f"figures: {out}")


if __name__ == "__main__":
    run_script(main)
