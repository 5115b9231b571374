"""Highlight pipeline speed against the decode floor, recall against the slow path, and memory.

    python bench/bench_pipeline.py [--minutes 5] [--long-minutes 60] [--memory-height 360]
                                   [--workdir DIR] [--checkpoint CKPT] [--repeat 3] [--skip-memory]

Makes (once, reused from --workdir) a 720p30 H.264 game with the project's synthetic generator
(`highlights.synth.generate_game`: shots and camera cuts, background players, highlight events,
per-frame ground-truth boxes and keypoints), generated at its full length. Unless --checkpoint is
given, a full-size R(2+1)D-18 with random weights is saved as a real checkpoint (`save_checkpoint`,
with its classes, clip spec, training config and dataset), so the pipeline's `checkpoint` backend
loads it through `ClipClassifier.from_checkpoint` and runs the fastest verified inference path,
exactly as on a trained one (the compute is the same). A run that chose that path by measuring (the
first on the machine, or any while other processes keep it busy: such a choice is not cached) says
so beside its figures, whose seconds and peak RSS then include the measurement.

Each measurement runs in its own subprocess, so its peak RSS (`resource.getrusage`) is its own.
This shared CPU's speed drifts by 10-20% over minutes, so the timed runs go in --repeat
interleaved rounds and medians are compared:
1. decode alone: `iter_frames(path)`, every frame to RGB at full size (the floor);
2. the pipeline's default path on the same file: one 10 fps, 180p pass; ground-truth detection
   and pose (MediaPipe finds no person in drawn figures); the checkpoint classifier on the
   candidate windows;
3. when the checkpoint carries a verified int8 model (`highlights evaluate --int8`), which the
   default path then uses, the same with fp32 (`classifier.int8=false`); and each of these with
   `classifier.overlap` flipped (the network on a background thread, or on the decoding thread);
4. recall with the oracle classifier, of that path and of the slow path (every frame, no motion
   gating, dense windows, each window read by seeking): recall measures the stages that choose
   windows, not a random network;
5. memory: the default path on a 5-minute game and on that game repeated to --long-minutes
   (stream copy with shifted timestamps, ids and events: `make_long_game`), both at
   --memory-height (360p by default, so the long run takes minutes, not an hour), peak RSS of each
   and the long run's current RSS at each tenth of it (a leak climbs; a warm-up levels off).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.cli.boundary import run_script
from highlights.pipeline.config import PipelineConfig as PipelineConfigDefaults

ROOT = Path(__file__).resolve().parents[1]
FPS = 30.0

FAST = {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "checkpoint",
        "classifier.min_score": 0.0}
SLOW = {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle",
        "analysis.fps": 30.0, "candidates.enabled": False, "candidates.active_frames_only": False,
        "kinematics.enabled": False, "classifier.frames": "seek"}


def figures_made_by(args: argparse.Namespace, checkpoint: Path | None) -> dict:
    """What a bench's figures file records of what made them: the highlights version, the command
    line and every option's value, and the checkpoint by content."""
    from highlights import __version__
    from highlights.file_hash import file_sha256

    return {"highlights_version": __version__, "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
            "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "checkpoint": ({"path": str(Path(checkpoint).resolve()),
                            "sha256": file_sha256(checkpoint)}
                           if checkpoint is not None else None)}


# -- making the games and the checkpoint ------------------------------------------------------

def make_checkpoint(workdir: Path) -> Path:
    """A full-size R(2+1)D-18 with random weights, saved the way training saves one."""
    import torch

    from highlights.clips.spec import DEFAULT_CLASSES, ClipSpec
    from highlights.model import save_checkpoint
    from highlights.model.r2plus1d import r2plus1d_18

    path = workdir / "r2plus1d_18_random.pt"
    if path.exists():
        return path
    torch.manual_seed(0)
    model = r2plus1d_18(len(DEFAULT_CLASSES)).eval()
    meta = {"classes": list(DEFAULT_CLASSES), "clip_spec": ClipSpec().to_dict(),
            "train_config": {"note": "random weights for the speed benchmark; never trained",
                             "seed": 0},
            "dataset": {"name": "none", "note": "untrained"}}
    return save_checkpoint(path, model, meta)


def make_game(workdir: Path, minutes: int, width: int, height: int) -> Path:
    """A whole game of `minutes` from the generator (made once and kept in workdir).

    An earlier version stream-copied one generated minute several times; the copies' timestamps
    and repeated person ids put the pipeline off its ground truth, so a game is now generated
    at its full length.
    """
    from highlights.synth import GameConfig, generate_game

    name = f"game_{height}p_{minutes}min"
    video = workdir / f"{name}.mp4"
    if video.exists() and video.with_suffix(".json").exists():
        return video
    print(f"generating a {minutes}-minute {width}x{height} 30 fps synthetic game (once) ...",
          flush=True)
    cfg = GameConfig(minutes=float(minutes), sport="mixed", width=width, height=height, fps=FPS,
                     seed=0, crf=18, name=name)
    return generate_game(workdir, cfg)["video"]


def back_to_back(clip: Path, out_path: Path, copies: int, duration: float) -> None:
    """`copies` repeats of `clip`'s video, `duration` s each, written back to back into the MP4
    `out_path`: its packets stream-copied with PyAV (nothing decoded or encoded again), their
    timestamps shifted by each copy's start."""
    import av

    with av.open(str(out_path), "w", format="mp4") as out:
        stream = None
        for k in range(copies):
            with av.open(str(clip)) as inp:
                src = inp.streams.video[0]
                if stream is None:
                    stream = out.add_stream_from_template(src)
                shift = int(round(k * duration / src.time_base))
                for packet in inp.demux(src):
                    if packet.dts is None:  # the demuxer's end-of-stream flush packet
                        continue
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = stream
                    out.mux(packet)


def make_long_game(workdir: Path, base: Path, copies: int) -> Path:
    """`copies` back-to-back repeats of the game `base`, for the memory run: generating an hour
    of footage takes an hour on this CPU. The packets are stream-copied with PyAV, their
    timestamps shifted by each copy's start, and the ground truth and events repeated with the
    same shift and with person and event ids made unique per copy, so every stage sees a
    consistent hour-long game (its recall is printed beside the 5-minute one's as a check)."""
    from highlights.atomic import atomic_path, atomic_write_text

    name = f"{base.stem}_x{copies}"
    video = workdir / f"{name}.mp4"
    if (video.exists() and video.with_suffix(".json").exists()
            and (workdir / f"{name}.gt.jsonl").exists()):
        return video
    print(f"making a {copies}x repeat of {base.name} (stream copy, shifted timestamps) ...",
          flush=True)
    ann = json.loads(base.with_suffix(".json").read_text())
    duration = float(ann["duration_s"])
    frames_per_copy = int(round(duration * float(ann["fps"])))
    with atomic_path(video) as tmp:
        back_to_back(base, tmp, copies, duration)
    gt_out = workdir / f"{name}.gt.jsonl"
    with atomic_path(gt_out) as tmp, open(tmp, "w") as fh:
        for k in range(copies):
            with open(base.with_suffix("").with_suffix(".gt.jsonl")) as src:
                for line in src:
                    row = json.loads(line)
                    row["frame"] += k * frames_per_copy
                    row["t"] = round(row["t"] + k * duration, 4)
                    for person in row.get("persons") or []:
                        person["id"] = person["id"] + k * 1_000_000
                    fh.write(json.dumps(row) + "\n")
    events = []
    for k in range(copies):
        for ev in ann["events"]:
            events.append({**ev, "id": f"{ev['id']}-{k}",
                           **{key: round(ev[key] + k * duration, 3)
                              for key in ("start_s", "end_s", "key_s")}})
    shots = [{"start_s": round(sh["start_s"] + k * duration, 3),
              "end_s": round(sh["end_s"] + k * duration, 3)}
             for k in range(copies) for sh in ann.get("shots", [])]
    long_ann = {**ann, "video": video.name, "duration_s": round(copies * duration, 6),
                "events": events, "shots": shots}
    atomic_write_text(video.with_suffix(".json"), json.dumps(long_ann, indent=2))
    return video


# -- measurements, one per subprocess ----------------------------------------------------------

def worker(kind: str, video: str, changes: str) -> None:
    from highlights.video import iter_frames, probe

    samples: list[float] = []

    def sample_rss() -> None:  # current (not peak) RSS every 2 s: does memory climb with length?
        page = os.sysconf("SC_PAGE_SIZE")
        while True:
            with open("/proc/self/statm") as fh:
                samples.append(int(fh.read().split()[1]) * page / 2**20)
            time.sleep(2.0)

    if Path("/proc/self/statm").exists():
        threading.Thread(target=sample_rss, daemon=True).start()
    start = time.perf_counter()
    out: dict = {"kind": kind}
    if kind == "decode":
        out["frames"] = sum(1 for _ in iter_frames(video))
    else:
        from highlights.events import load_annotation
        from highlights.pipeline.config import PipelineConfig
        from highlights.pipeline.eval_report import evaluate_result
        from highlights.pipeline.run import run_pipeline

        ann = load_annotation(Path(video).with_suffix(".json"))
        cfg = PipelineConfig().with_overrides(json.loads(changes))
        result = run_pipeline(video, cfg, annotation=ann, progress=False)
        report = evaluate_result(result, ann, tolerances=[2.0])
        row = report.scores.at(2.0)
        out.update(recall=row.recall.rounded(4), class_recall=row.class_recall.rounded(4),
                   precision=row.precision.rounded(4),
                   stats=result.stats, inference=result.inference_backend)
    out["seconds"] = time.perf_counter() - start
    out["duration_s"] = probe(video).duration_s
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out["rss_samples_mb"] = [round(x, 1) for x in samples]
    print("RESULT " + json.dumps(out))


def measure(kind: str, video: Path, changes: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(video), json.dumps(changes or {})]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def _median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one for an even count)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def _tenths(samples: list[float]) -> list[float]:
    """Current RSS at the end of each tenth of a run (from the worker's 2 s samples)."""
    if len(samples) < 10:
        return []
    return [samples[min(len(samples) - 1, round(len(samples) * k / 10) - 1)] for k in range(1, 11)]


def _speed(run: dict) -> str:
    return (f"{run['duration_s'] / run['seconds']:6.2f}x real time ({run['seconds']:.1f} s)"
            f"{_path_note(run)}")


def _path_note(run: dict) -> str:
    """Whether the run chose its inference path by measuring: the first run on a machine does, and
    so does every run while other processes keep the machine busy (such a choice is not cached);
    that measurement's time and memory are then inside the run's seconds and peak RSS."""
    path = (run.get("stats") or {}).get("inference_path") or {}
    if path.get("choice") != "measured":
        return ""
    why = ("cached for the next runs" if path.get("stored", True)
           else f"not cached: other processes kept {path.get('others_busy_cores', 0):.2f} cores "
                "busy")
    return f" [{path.get('measure_seconds', 0):.0f} s of it measuring the inference path, {why}]"


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=5,
                    help="length of the speed game and of the short memory game, in minutes")
    ap.add_argument("--long-minutes", type=int, default=60,
                    help="length of the long memory game, in minutes (the short one repeated)")
    ap.add_argument("--memory-height", type=int, default=360,
                    help="frame height of the memory games")
    ap.add_argument("--workdir", type=Path,
                    default=Path(tempfile.gettempdir()) / "highlights-bench-pipeline-synth",
                    help="where the games, checkpoint and figures are kept (games are reused)")
    ap.add_argument("--checkpoint", type=Path,
                    help="a trained classifier instead of the random full-size one")
    ap.add_argument("--skip-memory", action="store_true", help="only the speed runs")
    ap.add_argument("--skip-speed", action="store_true", help="only the memory runs")
    ap.add_argument("--repeat", type=int, default=3,
                    help="interleaved rounds of decode and each pipeline variant; medians are "
                         "compared")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


def _interleaved_rounds(game: Path, fast: dict,
                        repeat: int) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Decode and every pipeline variant (the default, fp32 where int8 is the default, each with
    overlap flipped) in interleaved rounds: this shared CPU's speed drifts by 10-20% over minutes,
    so they are compared by their medians."""
    variants: dict[str, dict] = {"default": fast}
    probe_run = measure("pipeline", game, fast)
    int8_default = "int8" in probe_run["inference"]
    if int8_default:
        variants["fp32"] = {**fast, "classifier.int8": False}
    for name, changes in list(variants.items()):
        flipped = not PipelineConfigDefaults().classifier.overlap
        variants[f"{name}, overlap={'on' if flipped else 'off'}"] = {**changes,
                                                                     "classifier.overlap": flipped}
    runs: dict[str, list[dict]] = {"decode": []}
    runs.update({name: [] for name in variants})
    for round_no in range(repeat):
        runs["decode"].append(measure("decode", game))
        for name, changes in variants.items():
            runs[name].append(probe_run if (round_no == 0 and name == "default")
                              else measure("pipeline", game, changes))
        print(f"round {round_no + 1}/{repeat}: decode {runs['decode'][-1]['seconds']:.1f} s, "
              + ", ".join(f"{n} {runs[n][-1]['seconds']:.1f} s" for n in variants), flush=True)
    return variants, runs


def _speed_runs(args: argparse.Namespace, game: Path, fast: dict) -> dict:
    """The speed figures: decode alone, each variant against it, and recall with the oracle
    classifier on the default and the slow path."""
    variants, runs = _interleaved_rounds(game, fast, args.repeat)
    decode = _median_run(runs["decode"])
    print(f"decode alone          : {_speed(decode)}, {decode['frames'] / decode['seconds']:.0f} "
          f"frames/s (median of {args.repeat})", flush=True)
    pipe = _median_run(runs["default"])
    print(f"pipeline (default)    : {_speed(pipe)}; {pipe['stats']['classifier_windows']} "
          f"classifier windows, {pipe['stats']['frames_through_detection_or_pose']} of "
          f"{pipe['stats']['analysis_frames']} analysis frames through detection/pose; "
          f"recall @2 s {pipe['recall']:.3f}", flush=True)
    ratio = decode["seconds"] / pipe["seconds"]
    print(f"pipeline / decode     : {ratio:.2f} (target >= 0.7) with inference "
          f"{pipe['inference']}, overlap "
          f"{'on' if PipelineConfigDefaults().classifier.overlap else 'off'}; per round: "
          + ", ".join(f"{d['seconds'] / p['seconds']:.2f}"
                      for d, p in zip(runs["decode"], runs["default"])),
          flush=True)
    summary: dict = {"rounds": runs}
    for name in variants:
        if name == "default":
            continue
        other = _median_run(runs[name])
        print(f"pipeline, {name:<12}: {_speed(other)}; inference {other['inference']}: pipeline / "
              f"decode {decode['seconds'] / other['seconds']:.2f}; recall @2 s "
              f"{other['recall']:.3f}", flush=True)
        summary[f"pipeline_{name}"] = other

    fast_oracle = measure("pipeline", game, {**fast, "classifier.backend": "oracle"})
    slow_oracle = measure("pipeline", game, SLOW)
    why = ("the checkpoint is untrained, so recall is measured on the stages that choose windows"
           if args.checkpoint is None else "recall of the stages that choose windows, whatever the "
                                           "network")
    print(f"recall @2 s with the oracle classifier ({why}): default path "
          f"{fast_oracle['recall']:.3f} (class {fast_oracle['class_recall']:.3f}) vs slow path "
          f"{slow_oracle['recall']:.3f} (class {slow_oracle['class_recall']:.3f}, "
          f"{slow_oracle['seconds']:.1f} s)", flush=True)
    print(f"pipeline / decode with the network left out (oracle): "
          f"{decode['seconds'] / fast_oracle['seconds']:.2f}", flush=True)
    return {"decode": decode, "pipeline": pipe, **summary, "ratio": ratio,
            "fast_oracle": fast_oracle, "slow_oracle": slow_oracle, "slow_config": SLOW}


def _memory_runs(args: argparse.Namespace, fast: dict, speed: dict) -> dict:
    """Peak RSS on a short and a long game (the short one repeated), and the long run's RSS at
    each tenth of it; beside the speed runs' peaks where they ran."""
    h = args.memory_height
    w = int(round(h * 16 / 9 / 2)) * 2
    short_game = make_game(args.workdir, args.minutes, w, h)
    copies = max(1, round(args.long_minutes / args.minutes))
    long_game = make_long_game(args.workdir, short_game, copies)
    short_mem = measure("pipeline", short_game, fast)
    long_mem = measure("pipeline", long_game, fast)
    print(f"peak RSS, pipeline at {w}x{h} (a lower resolution than the speed test, so that the "
          f"{copies * args.minutes}-minute run is quick; memory is bounded by buffers sized in "
          f"seconds, not by the resolution's share): {args.minutes} min game "
          f"{short_mem['peak_rss_mb']:.0f} MB{_path_note(short_mem)}, {copies * args.minutes} min "
          f"game {long_mem['peak_rss_mb']:.0f} MB ({_speed(long_mem)}; "
          f"{long_mem['stats']['classifier_windows']} vs "
          f"{short_mem['stats']['classifier_windows']} classifier windows)", flush=True)
    tenths = _tenths(long_mem["rss_samples_mb"])
    if tenths:
        print(f"RSS through the {copies * args.minutes}-minute run, at each tenth of it (MB): "
              + ", ".join(f"{x:.0f}" for x in tenths)
              + f"; growth over its second half "
                f"{tenths[-1] - tenths[len(tenths) // 2 - 1]:+.0f} MB",
              flush=True)
    if "pipeline" in speed:
        print(f"peak RSS at 720p, {args.minutes} min: pipeline "
              f"{speed['pipeline']['peak_rss_mb']:.0f} MB, decode alone "
              f"{speed['decode']['peak_rss_mb']:.0f} MB", flush=True)
    return {"memory_short": short_mem, "memory_long": long_mem}


def _update_figures(figures: Path, summary: dict) -> None:
    """A run with --skip-speed or --skip-memory updates the figures file instead of dropping the
    other part's figures from an earlier run."""
    try:
        previous = json.loads(figures.read_text()) if figures.exists() else {}
    except json.JSONDecodeError:
        previous = {}
    atomic_write_text(figures, json.dumps({**previous, **summary}, indent=2))
    print(f"figures: {figures}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5])
        return
    args = _parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    checkpoint = args.checkpoint or make_checkpoint(args.workdir)
    fast = {**FAST, "classifier.checkpoint": str(checkpoint)}

    summary: dict = {"fast_config": fast, "made_by": figures_made_by(args, checkpoint)}
    if not args.skip_speed:
        game = make_game(args.workdir, args.minutes, 1280, 720)
        print(f"game: {game} ({game.stat().st_size / 2**20:.0f} MiB, "
              f"{game.stat().st_size * 8 / (args.minutes * 60) / 1e6:.1f} Mbit/s, "
              f"{len(json.loads(game.with_suffix('.json').read_text())['events'])} events); "
              f"classifier: {checkpoint}", flush=True)
        summary.update(_speed_runs(args, game, fast))
    if not args.skip_memory:
        summary.update(_memory_runs(args, fast, summary))
    _update_figures(args.workdir / "bench_pipeline.json", summary)

if __name__ == "__main__":
    run_script(main)
