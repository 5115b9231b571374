"""Where `detect`'s time after the analysis goes: writing the reel, the page's clips, the
thumbnails and the other files, part by part, now and as the outputs were written before.

    python bench/bench_outputs.py [--minutes 3] [--workdir DIR] [--repeat 1]

Makes (once, reused from --workdir) a 720p30 synthetic game with the project's generator, runs
`detect`'s analysis on it with the default settings once, chooses the reel as `detect` does, and
then times, in --repeat interleaved rounds (this shared CPU's speed drifts over minutes; medians
are printed):

- the other files: CSV, EDL, editor timelines, chapters and the timeline PNG;
- the single pass over the source with nothing but the thumbnails (its decoding);
- the pass writing the reel only (with its sound), the page's clips only, and
- `write_all` whole, as `detect` calls it (every output above and the review page).

Each is timed twice per round: as written now, and as before (the plain x264 veryfast preset,
every frame the pass reads decoded at full size and shrunk for the clips after), by swapping those
two pieces back in for the run. Seconds are wall clock and the process's CPU seconds, every thread.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from highlights.cli.boundary import run_script


def make_game(workdir: Path, minutes: float) -> Path:
    from highlights.synth.game import GameConfig, generate_game

    video = workdir / f"outputs_{minutes:g}min.mp4"
    if not video.exists():
        generate_game(workdir, GameConfig(minutes=minutes, seed=1, name=video.stem))
    return video


@contextlib.contextmanager
def as_before(reel_side: int | None):
    """The outputs written as before: x264's own veryfast, and every frame decoded at the reel's
    size (`reel_side`: its short side, None for the source's)."""
    import highlights.pipeline.outputs.reel as reel
    from highlights.video import writer

    options, frames = writer._encoder_options, reel.iter_frames

    def plain_preset(encoder, crf, preset=None):
        got = options(encoder, crf, preset)
        if encoder == "libx264" and preset is None:
            got.pop("x264-params", None)
        return got

    def whole_frames(path, *, short_side_at, **kwargs):
        yield from frames(path, short_side_at=lambda time_s: reel_side, **kwargs)

    writer._encoder_options, reel.iter_frames = plain_preset, whole_frames
    try:
        yield
    finally:
        writer._encoder_options, reel.iter_frames = options, frames


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="length of the synthetic 720p game")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the game (reused) and the outputs (default: a temporary "
                             "one)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="interleaved rounds of every timing (medians shown)")
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error(f"--minutes {args.minutes}: a length above 0")
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: at least 1")
    return args


def _timed_parts(parts: dict, out: Path, reel_side: int | None,
                 repeat: int) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Each part's wall and CPU seconds, written as before and as now, in interleaved rounds."""
    seconds: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(repeat):
        for name, part in parts.items():
            for way in ("before", "now"):
                shutil.rmtree(out, ignore_errors=True)
                with as_before(reel_side) if way == "before" else contextlib.nullcontext():
                    wall, cpu = time.perf_counter(), time.process_time()
                    part()
                    seconds.setdefault((name, way), []).append(
                        (time.perf_counter() - wall, time.process_time() - cpu))
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def _print_parts(parts: dict, seconds: dict, repeat: int) -> None:
    print(f"{'part':58} {'before':>16} {'now':>16} {'saved':>6}")
    for name in parts:
        before = [statistics.median(x) for x in zip(*seconds[(name, 'before')])]
        now = [statistics.median(x) for x in zip(*seconds[(name, 'now')])]
        saved = 1 - now[0] / before[0] if before[0] > 0 else 0.0
        print(f"{name:58} {before[0]:6.1f} s ({before[1]:5.1f} cpu) {now[0]:6.1f} s ({now[1]:5.1f} "
              f"cpu) {saved:5.0%}")
    print("(wall seconds, and in brackets the CPU seconds of every thread; medians of "
          f"{repeat} round(s))")


def main() -> None:
    args = _parse_args()
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.outputs import write_all
    from highlights.pipeline.outputs.reel import write_reel
    from highlights.pipeline.reel_length import reel_choice
    from highlights.pipeline.run import run_pipeline
    from highlights.video import probe

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-outputs-"))
    workdir.mkdir(parents=True, exist_ok=True)
    video = make_game(workdir, args.minutes)
    result = run_pipeline(video, PipelineConfig(), progress=False)
    merge = result.config.merge
    choice = reel_choice(result.highlights, merge, float(result.video.get("duration_s") or 0.0))
    in_reel = None if choice.every_highlight else choice.holds
    highlights = result.highlights
    out = workdir / "out"
    info = probe(video)
    reel_side = merge.reel_height if 0 < merge.reel_height < min(info.width, info.height) else None

    def pass_with(**kwargs):
        reel_path = kwargs.pop("reel_path", None)  # once: each part runs more than once
        return lambda: write_reel(highlights, video, reel_path, progress=False,
                                  reel_short_side=merge.reel_height, reel_max_fps=merge.reel_fps,
                                  in_reel=in_reel, **kwargs)

    parts = {
        "other files (CSV, EDL, editors', chapters, timeline PNG)":
            lambda: write_all(highlights, video, out / "other",
                              progress=False, reel=False, html=False),
        "the pass with thumbnails only (its decoding)": pass_with(thumbnails=True),
        "the reel only (with its sound)": pass_with(reel_path=out / "reel.mp4"),
        "the page's clips only": pass_with(clips_dir=out / "clips"),
        "write_all whole, as detect calls it":
            lambda: write_all(highlights, video, out / "all", config_dict=result.config.to_dict(),
                              progress=False,
                              reel_height=merge.reel_height, reel_fps=merge.reel_fps,
                              in_reel=in_reel),
    }
    # imports (matplotlib) out of the timings
    parts["other files (CSV, EDL, editors', chapters, timeline PNG)"]()
    seconds = _timed_parts(parts, out, reel_side, args.repeat)

    held = sum(1 for kept in (in_reel(h) for h in highlights)
               if kept) if in_reel else len(highlights)
    print(f"{video.name}: {result.video['duration_s']:.0f} s of 720p video, {len(highlights)} "
          f"highlights ({held} in the reel); the analysis took {result.stats['seconds']:.1f} s")
    _print_parts(parts, seconds, args.repeat)

if __name__ == "__main__":
    run_script(main)
