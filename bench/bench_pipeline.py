"""Highlight pipeline speed against the decode floor, recall against the slow path, and memory.

    python bench/bench_pipeline.py [--minutes 5] [--long-minutes 60] [--workdir DIR] [--checkpoint CKPT]

Makes (once, reused from --workdir) a 720p30 H.264 game at a phone-like bitrate: a one-minute
segment of the project's stick-figure game (textured pitch, fresh sensor noise every frame,
a swing, a layup or a shot every 12 s, with ground-truth boxes and keypoints), stream-copied end
to end into a 5-minute and a long game (no re-encoding, so decoding costs what it costs).

Each measurement runs in its own subprocess, so its peak RSS (`resource.getrusage`) is its own:
1. decode alone: `iter_frames(path)`, every frame to RGB at full size (the floor);
2. the pipeline's default fast path on the same file: one 10 fps, 180p pass; ground-truth
   detection and pose (synthetic game); the classifier on kinematic candidates only, a full-size
   R(2+1)D-18 (random weights unless --checkpoint: the compute is the same);
3. recall of that fast path and of the slow path (every frame, no motion gating, dense windows,
   each window read by seeking) with the oracle classifier, so recall measures the stages that
   choose windows, not an untrained network;
4. the fast path on the long game: peak RSS, to compare with the 5-minute run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEGMENT_S = 60.0
FPS = 30.0

FAST = {"detection_backend": "gt", "pose_backend": "gt", "classifier_backend": "untrained",
        "untrained_width": 1.0, "untrained_depth": 2, "classifier_min_score": 0.0}
SLOW = {"detection_backend": "gt", "pose_backend": "gt", "classifier_backend": "oracle",
        "analysis_fps": 30.0, "candidates": False, "active_frames_only": False, "kinematics": False,
        "classifier_frames": "seek"}


# -- making the games ------------------------------------------------------------------------

def make_segment(workdir: Path) -> Path:
    video = workdir / "segment.mp4"
    if video.exists() and video.with_suffix(".json").exists():
        return video
    sys.path.insert(0, str(ROOT / "tests"))
    from pipeline_fixtures import make_game, spread_events

    print(f"encoding a {SEGMENT_S:.0f} s 720p30 segment (once) ...", flush=True)
    return make_game(workdir, "segment", duration_s=SEGMENT_S, fps=FPS, width=1280, height=720,
                     textured=True, crf=18, events=spread_events(SEGMENT_S))


def repeat_game(segment: Path, copies: int, name: str) -> Path:
    """NAME.mp4 = the segment `copies` times (packets copied, timestamps shifted), with its ground truth."""
    import av

    out_path = segment.with_name(f"{name}.mp4")
    if out_path.exists() and out_path.with_suffix(".json").exists():
        return out_path
    seg_ann = json.loads(segment.with_suffix(".json").read_text())
    tmp = out_path.with_suffix(".tmp.mp4")
    with av.open(str(segment)) as probe_in:
        src = probe_in.streams.video[0]
        step = int(round(1 / (FPS * src.time_base)))  # one frame in stream ticks
        seg_ticks = int(round(SEGMENT_S / src.time_base))
    with av.open(str(tmp), "w") as out:
        ostream = None
        for k in range(copies):
            with av.open(str(segment)) as inp:
                vs = inp.streams.video[0]
                if ostream is None:
                    ostream = out.add_stream_from_template(vs)
                for packet in inp.demux(vs):
                    if packet.dts is None:
                        continue
                    packet.pts += k * seg_ticks
                    packet.dts += k * seg_ticks
                    if not packet.duration:
                        packet.duration = step
                    packet.stream = ostream
                    out.mux(packet)
    tmp.replace(out_path)
    n = int(round(SEGMENT_S * FPS))
    with segment.with_suffix(".gt.jsonl").open() as fh:
        lines = [json.loads(line) for line in fh if line.strip()]
    with out_path.with_suffix(".gt.jsonl").open("w") as gt:
        for k in range(copies):
            for row in lines:
                gt.write(json.dumps({**row, "frame": row["frame"] + k * n, "t": round(row["t"] + k * SEGMENT_S, 4)})
                         + "\n")
    events = [{**e, "id": f"{e['id']}-{k}", "start_s": e["start_s"] + k * SEGMENT_S,
               "end_s": e["end_s"] + k * SEGMENT_S, "key_s": e["key_s"] + k * SEGMENT_S}
              for k in range(copies) for e in seg_ann["events"]]
    ann = {**seg_ann, "video": out_path.name, "duration_s": copies * SEGMENT_S, "events": events,
           "shots": [{"start_s": 0.0, "end_s": copies * SEGMENT_S}]}
    out_path.with_suffix(".json").write_text(json.dumps(ann))
    return out_path


# -- measurements, one per subprocess ----------------------------------------------------------

def worker(kind: str, video: str, changes: str) -> None:
    from highlights.video import iter_frames, probe

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
        row = report["by_tolerance"][0]
        out.update(recall=row["recall"], class_recall=row["class_recall"], precision=row["precision"],
                   stats=result.stats, inference=result.inference_backend)
    out["seconds"] = time.perf_counter() - start
    out["duration_s"] = probe(video).duration_s
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print("RESULT " + json.dumps(out))


def measure(kind: str, video: Path, changes: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(video), json.dumps(changes or {})]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=5)
    ap.add_argument("--long-minutes", type=int, default=60)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "highlights-bench-pipeline")
    ap.add_argument("--checkpoint", type=Path, help="a trained classifier instead of the random full-size one")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    fast = dict(FAST)
    if args.checkpoint:
        fast.update(classifier_backend="checkpoint", checkpoint=str(args.checkpoint))

    segment = make_segment(args.workdir)
    game = repeat_game(segment, args.minutes, f"game_{args.minutes}min")
    long_game = repeat_game(segment, args.long_minutes, f"game_{args.long_minutes}min")
    print(f"game: {game} ({game.stat().st_size / 2**20:.0f} MiB, "
          f"{game.stat().st_size * 8 / (args.minutes * 60) / 1e6:.1f} Mbit/s)", flush=True)

    decode = measure("decode", game)
    print(f"decode alone          : {decode['duration_s'] / decode['seconds']:6.2f}x real time "
          f"({decode['frames'] / decode['seconds']:.0f} frames/s, {decode['seconds']:.1f} s)", flush=True)
    pipe = measure("pipeline", game, fast)
    print(f"pipeline (fast path)  : {pipe['duration_s'] / pipe['seconds']:6.2f}x real time "
          f"({pipe['seconds']:.1f} s; {pipe['stats']['classifier_windows']} classifier windows, "
          f"{pipe['stats']['frames_through_detection_or_pose']} of {pipe['stats']['analysis_frames']} "
          f"analysis frames through detection/pose; inference {pipe['inference']})", flush=True)
    ratio = decode["seconds"] / pipe["seconds"]
    print(f"pipeline / decode     : {ratio:.2f} (target >= 0.7)", flush=True)

    fast_oracle = measure("pipeline", game, {**fast, "classifier_backend": "oracle"})
    slow_oracle = measure("pipeline", game, SLOW)
    print(f"recall @2 s, oracle classifier: fast path {fast_oracle['recall']:.3f} "
          f"(class {fast_oracle['class_recall']:.3f}, {fast_oracle['seconds']:.1f} s) vs slow path "
          f"{slow_oracle['recall']:.3f} (class {slow_oracle['class_recall']:.3f}, {slow_oracle['seconds']:.1f} s)",
          flush=True)
    print(f"pipeline / decode with the network left out (oracle classifier): "
          f"{decode['seconds'] / fast_oracle['seconds']:.2f}; the network's "
          f"{pipe['stats']['classifier_windows']} windows cost {pipe['seconds'] - fast_oracle['seconds']:.1f} s "
          f"({pipe['stats']['classifier_windows'] / max(pipe['seconds'] - fast_oracle['seconds'], 1e-9):.2f} clips/s)",
          flush=True)

    long_pipe = measure("pipeline", long_game, fast)
    print(f"peak RSS, pipeline    : {args.minutes} min game {pipe['peak_rss_mb']:.0f} MB; "
          f"{args.long_minutes} min game {long_pipe['peak_rss_mb']:.0f} MB "
          f"({long_pipe['duration_s'] / long_pipe['seconds']:.2f}x real time)", flush=True)
    print(f"peak RSS, decode alone: {decode['peak_rss_mb']:.0f} MB")
    summary = {"decode": decode, "pipeline": pipe, "ratio": ratio, "fast_oracle": fast_oracle,
               "slow_oracle": slow_oracle, "long_pipeline": long_pipe, "fast_config": fast, "slow_config": SLOW}
    (args.workdir / "bench_pipeline.json").write_text(json.dumps(summary, indent=2))
    print(f"figures: {args.workdir / 'bench_pipeline.json'}")


if __name__ == "__main__":
    main()
