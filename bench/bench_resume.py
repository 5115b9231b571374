"""What a stopped `detect` saves by going on: the analysis's time when it goes on from kept
detections, and the outputs' when they go on from kept clips, against a run from the start.

    python bench/bench_resume.py [--minutes 3] [--stop-at 0.5] [--workdir DIR]

Makes (once, reused from --workdir) a 720p30 synthetic game with the project's generator
(`highlights synth game`) and runs `detect`'s analysis on it with the default settings (MoveNet
people, the packaged pose classifier), kept detections in a folder of --workdir, never the
user's cache:

1. `detect` from the start, keeping nothing: the analysis's seconds per stage, and the seconds
   spent after it cutting the reel, the page's clips and the other outputs;
2. the analysis keeping its detections (what `detect` does): what keeping them costs;
3. the analysis again with every frame kept: a run stopped while it cut the outputs;
4. the analysis stopped at --stop-at of the video (a progress callback raising KeyboardInterrupt,
   as Ctrl-C does), then the run that goes on: its seconds, how many analysis frames it replayed
   from the kept chunks without decoding them, and its decoder thread's seconds against the run
   from the start's;
5. the outputs' writing stopped at --stop-at of its cut, then the write that goes on from the
   page's clips and thumbnails the stopped one kept (the reel is cut again whole).

Each run that goes on must give the result of the run from the start (its highlights, the
candidates before merging and every stat but the seconds; in 5, the same thumbnails byte for
byte and the same clips by name, their bytes counted); the bench fails otherwise.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import tempfile
import time
from pathlib import Path

from highlights.cli.boundary import run_script

# How long it took differs from run to run; the reel is chosen after the analysis, as the
# outputs are written.
LEFT_OUT = ("seconds", "speed_x_realtime", "stage_seconds", "movenet_path", "reel")


def comparable(result) -> dict:
    data = copy.deepcopy(result.to_dict())  # its stats are the result's own dict
    for key in LEFT_OUT:
        data["stats"].pop(key, None)
    data["before_merge"] = [h.to_dict() for h in result.before_merge]
    return data


def same(result, reference: dict, what: str) -> None:
    data = comparable(result)
    if data != reference:
        differ = sorted({f"stats.{k}" for k in set(data["stats"]) | set(reference["stats"])
                         if data["stats"].get(k) != reference["stats"].get(k)}
                        | {k for k in set(data) | set(reference) if k != "stats"
                           and data.get(k) != reference.get(k)})
        raise SystemExit(f"{what} gave another result than the run from the start: "
                         f"{', '.join(differ)}")


def make_game(workdir: Path, minutes: float) -> Path:
    from highlights.synth.game import GameConfig, generate_game

    video = workdir / f"resume_{minutes:g}min.mp4"
    if not video.exists():
        generate_game(workdir, GameConfig(minutes=minutes, seed=1, name=video.stem))
    return video


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="length of the synthetic 720p game")
    parser.add_argument("--stop-at", type=float, default=0.5,
                        help="share of the video after which run 4 is stopped (0 < share < 1)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the game (reused) and the kept detections (default: a "
                             "temporary one)")
    args = parser.parse_args()
    if not 0.0 < args.stop_at < 1.0:
        parser.error(f"--stop-at {args.stop_at}: a share of the video, between 0 and 1")
    if args.minutes <= 0:
        parser.error(f"--minutes {args.minutes}: a length above 0")
    return args


def _kept_detection_runs(video: Path, config, root: Path, reference: dict):
    """Runs 2 and 3: the analysis keeping its detections, then again with every frame kept;
    returns run 2's result."""
    from highlights.pipeline.kept_frames import kept_frames_for
    from highlights.pipeline.run import run_pipeline

    kept = kept_frames_for(video, config, root=root)
    keeping = run_pipeline(video, config, progress=False, kept_frames=kept)
    same(keeping, reference, "keeping detections")
    print(f"2. the analysis keeping its detections: {keeping.stats['seconds']:.1f} s")

    kept = kept_frames_for(video, config, root=root)
    said: list[str] = []
    again = run_pipeline(video, config, progress=False, kept_frames=kept, say=said.append)
    same(again, reference, "the run that went on from every frame")
    print("3. the analysis with every frame kept (stopped while cutting the outputs): "
          f"{again.stats['seconds']:.1f} s "
          f"({again.stats['seconds'] / keeping.stats['seconds']:.0%} of run 2)")
    print(f"   {said[0] if said else '(it did not say it went on)'}")
    kept.discard()
    return keeping


def _stopped_analysis_run(video: Path, config, root: Path, reference: dict, keeping,
                          stop_at: float) -> None:
    """Run 4: the analysis stopped at `stop_at` of the video, then the run that goes on from the
    chunks it kept."""
    from highlights.pipeline.kept_frames import kept_frames_for
    from highlights.pipeline.run import run_pipeline

    def stop(stage, done, total_s):
        if stage == "analysis" and done >= stop_at * total_s:
            raise KeyboardInterrupt

    kept = kept_frames_for(video, config, root=root)
    started = time.perf_counter()
    try:
        run_pipeline(video, config, progress=stop, kept_frames=kept)
        raise AssertionError("the run was not stopped")
    except KeyboardInterrupt:
        stopped_s = time.perf_counter() - started
    kept = kept_frames_for(video, config, root=root)
    said: list[str] = []
    went_on = run_pipeline(video, config, progress=False, kept_frames=kept, say=said.append)
    same(went_on, reference, "the run that went on after a stop")
    kept.discard()
    print(f"4. stopped at {stop_at:.0%} of the video after {stopped_s:.1f} s; the run that went "
          f"on: {went_on.stats['seconds']:.1f} s, where one from the start took "
          f"{keeping.stats['seconds']:.1f} s (together {stopped_s + went_on.stats['seconds']:.1f} "
          "s)")
    print(f"   {said[0] if said else '(it did not say it went on)'}")
    decode_s = [run.stats["stage_seconds"].get("decode_thread", 0.0) for run in (went_on, keeping)]
    print(f"   {kept.replayed_frames} of {went_on.stats['analysis_frames']} analysis frames "
          "replayed from the kept chunks without decoding them; the decoder's thread busy "
          f"{decode_s[0]:.1f} s, where the run from the start's was {decode_s[1]:.1f} s")


def _same_outputs(first_out: Path, again_out: Path) -> tuple[int, int]:
    """The thumbnails byte for byte and the clips by name, or the bench fails; returns how many
    clips are the same bytes, of how many."""
    from highlights.pipeline.outputs import OUTPUT_NAMES

    first, again_files = (sorted((d / OUTPUT_NAMES["thumbs"]).iterdir())
                          for d in (first_out, again_out))
    if [(p.name, p.read_bytes()) for p in first] != [(p.name, p.read_bytes()) for p in again_files]:
        raise SystemExit("the write that went on wrote other thumbnails than the write from the "
                         "start")
    first, again_files = (sorted((d / OUTPUT_NAMES["clips"]).iterdir())
                          for d in (first_out, again_out))
    if [p.name for p in first] != [p.name for p in again_files]:
        raise SystemExit("the write that went on wrote other clips than the write from the start")
    # Two cuts of a 720p game from the start do not agree byte for byte on every clip either
    # (a few levels of difference in some), so the clips' bytes are counted, not required.
    return sum(a.read_bytes() == b.read_bytes() for a, b in zip(first, again_files)), len(first)


def _stopped_outputs_write(whole, video: Path, workdir: Path, stop_at: float,
                           outputs_s: float) -> None:
    """Run 5: the outputs' writing stopped at `stop_at` of its cut, then the write that goes on
    from the clips and thumbnails it kept (`outputs_s`: the write from the start's seconds)."""
    from highlights.pipeline.detect import HIGHLIGHTS_JSON, RESULTS_SPOTTING_JSON, _write_outputs
    from highlights.pipeline.kept_clips import kept_clips_for
    from highlights.pipeline.outputs import OUTPUT_NAMES

    def stop_cutting(stage, done, total_frames):
        if stage == "cutting" and done >= stop_at * total_frames:
            raise KeyboardInterrupt

    known = {HIGHLIGHTS_JSON, RESULTS_SPOTTING_JSON, *OUTPUT_NAMES.values()}
    clips_root = workdir / "kept-clips"
    shutil.rmtree(clips_root, ignore_errors=True)
    shutil.rmtree(workdir / "out-again", ignore_errors=True)
    started = time.perf_counter()
    try:
        _write_outputs(whole, video, workdir / "out-again", known, annotation=None,
                       progress=stop_cutting, half=1,
                       up_link=None, out_name="out", kept=kept_clips_for(video, root=clips_root))
        raise AssertionError("the write was not stopped")
    except KeyboardInterrupt:
        stopped_s = time.perf_counter() - started
    said: list[str] = []
    clips = kept_clips_for(video, root=clips_root, say=said.append)
    started = time.perf_counter()
    _write_outputs(whole, video, workdir / "out-again", known, annotation=None, progress=False,
                   half=1, up_link=None, out_name="out", kept=clips)
    went_on_s = time.perf_counter() - started
    clips.discard()
    same_bytes, clip_count = _same_outputs(workdir / "out", workdir / "out-again")
    print(f"5. the outputs stopped at {stop_at:.0%} of their cut after {stopped_s:.1f} s "
          f"({clips.found_clips} of {len(whole.highlights)} clips kept); the write that went on: "
          f"{went_on_s:.1f} s, where one from the start took {outputs_s:.1f} s (together "
          f"{stopped_s + went_on_s:.1f} s)")
    print(f"   {said[0] if said else '(it did not say it went on)'}")
    print(f"   the same clip names and thumbnails; {same_bytes} of {clip_count} clips the same "
          "bytes")


def main() -> None:
    args = _parse_args()
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.detect import detect_highlights

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-resume-"))
    workdir.mkdir(parents=True, exist_ok=True)
    video = make_game(workdir, args.minutes)
    config = PipelineConfig()
    root = workdir / "kept"
    shutil.rmtree(root, ignore_errors=True)

    started = time.perf_counter()
    whole, _ = detect_highlights(video, config, workdir / "out", progress=False, go_on=False)
    total = time.perf_counter() - started
    reference = comparable(whole)
    analysis = whole.stats["seconds"]
    print(f"{video.name}: {whole.video['duration_s']:.0f} s of 720p video, {len(whole.highlights)} "
          "highlights")
    print(f"1. detect from the start: {total:.1f} s, of which the analysis {analysis:.1f} s and "
          f"the outputs (reel, clips, page) {total - analysis:.1f} s")
    stages = whole.stats["stage_seconds"]
    print("   analysis by stage (s): "
          + ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if v >= 0.05))

    keeping = _kept_detection_runs(video, config, root, reference)
    _stopped_analysis_run(video, config, root, reference, keeping, args.stop_at)
    _stopped_outputs_write(whole, video, workdir, args.stop_at, total - analysis)
    print("every run that went on gave the result of the run from the start")

if __name__ == "__main__":
    run_script(main)
