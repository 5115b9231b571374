"""People found and milliseconds per frame, per multi-person pose setting, on real footage.

    python bench/bench_people.py [--real-dev ../shared/real-dev] [--per-clip 3] [--short-side 360]
                                 [--long-sides 256,384,512] [--skip-strips]
                                 [--whole-long-sides 256,192]

Samples `--per-clip` frames evenly from every clip under the real-dev folder (nothing is written
or kept), shrinks them to `--short-side` as the pipeline's analysis stream does, and runs:
MoveNet MultiPose at several input sizes, with and without strips for far players, zoomed in on
small people (`people.zoom`: the region is placed from the whole-frame pass's people of the same
frame, where the pipeline places it from a frame a few earlier; ms is the zoomed pass alone, as
the pipeline pays it on most frames), the zoomed pass with the whole-frame pass the pipeline adds
every few frames at `--whole-long-sides`, and the one-person BlazePose for reference. Prints, per
setting: frames, people per frame (mean), share of frames with at least one person, people with >= 8
keypoints above 0.3, median ms/frame. There is no per-person ground truth here; more people at a
similar false-positive rate is the aim, and a count alone cannot tell a player from a false
positive: look at the detections on a few of the frames before trusting a count (the bench draws
none)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.people import MoveNetMultiPose
from highlights.video import probe, read_clip

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm")


def sample_frames(root: Path, per_clip: int, short_side: int) -> list[tuple[str, np.ndarray]]:
    import cv2

    out = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES):
        info = probe(path)
        frames, _ = read_clip(path, per_clip, start_s=0.1 * info.duration_s,
                              end_s=0.9 * info.duration_s)
        for rgb in frames:
            h, w = rgb.shape[:2]
            s = short_side / min(h, w)
            if s < 1:
                rgb = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
            out.append((path.name, rgb))
    return out


def run_setting(name: str, estimate, frames) -> dict:
    counts, good, times = [], [], []
    for _, rgb in frames:  # warm-up: the first call at each input shape plans the graph
        estimate(rgb)
    for _, rgb in frames:
        t = time.perf_counter()
        people = estimate(rgb)
        times.append(time.perf_counter() - t)
        counts.append(len(people))
        good.append(sum(int((getattr(p, "keypoints", p)[:, 2] >= 0.3).sum()) >= 8 for p in people))
    counts = np.array(counts)
    return {"setting": name, "frames": len(frames), "people_per_frame": counts.mean(),
            "frames_with_person": (counts > 0).mean(), "good_people_per_frame": np.mean(good),
            "ms_per_frame": 1000 * float(np.median(times))}


def zoom_setting(est, frames, max_zoom: float = 2.0, target_px: float = 64.0) -> dict:
    """The zoomed pass on each frame (whole frame where nobody small was found), region placed from
    the whole-frame pass of the same frame; the time is that of the pass the pipeline runs."""
    from highlights.people.zoom import zoom_region

    regions = []
    for _, rgb in frames:
        h, w = rgb.shape[:2]
        regions.append(zoom_region((w, h), [d.box for d in est(rgb)],
                                   input_long_side=est.input_long_side,
                                   target_px=target_px, max_zoom=max_zoom))
    zoomed = iter(regions * 2)  # run_setting goes over the frames twice (warm-up, then timed)
    row = run_setting(f"movenet long256 zoom{max_zoom:g}",
                      lambda rgb: est(rgb, next(zoomed), whole=False), frames)
    row["setting"] += f" ({sum(r is not None for r in regions)}/{len(frames)} zoomed)"
    return row


def zoom_and_whole_setting(frames, whole_long_side: int, threads: int, max_zoom: float = 2.0,
                           target_px: float = 64.0) -> dict:
    """The zoomed pass plus the whole-frame pass the pipeline adds every few frames, that one at
    input long side `whole_long_side` (`detection.movenet_whole_long_side`); the region placed
    as in `zoom_setting`. Where nobody small is found, the whole frame alone at 256, as the
    pipeline runs it."""
    from highlights.people.zoom import zoom_region

    est = MoveNetMultiPose(input_long_side=256, threads=threads, whole_long_side=whole_long_side)
    regions = []
    for _, rgb in frames:
        h, w = rgb.shape[:2]
        regions.append(zoom_region((w, h), [d.box for d in est(rgb)], input_long_side=256,
                                   target_px=target_px, max_zoom=max_zoom))
    zoomed = iter(regions * 2)
    row = run_setting(f"movenet long256 zoom{max_zoom:g} + whole {whole_long_side}",
                      lambda rgb: est(rgb, next(zoomed), whole=True), frames)
    row["setting"] += f" ({sum(r is not None for r in regions)}/{len(frames)} zoomed)"
    return row


def blazepose():
    import itertools

    from highlights.pipeline.blazepose import BlazePose

    # The pipeline's own wrapper: the one model the wheel carries, with MediaPipe's native start-up
    # lines kept off the table this prints.
    pose = BlazePose(video_mode=False)
    # every call a new frame: the wrapper answers a repeated index from memory
    calls = itertools.count()

    def estimate(rgb):
        kp = pose.landmarks(next(calls), rgb, (1, 1))  # normalised x, y, as the other rows' people
        return [] if kp is None else [kp]

    return estimate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-dev", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev",
                        help="folder of real clips to sample frames from")
    parser.add_argument("--per-clip", type=int, default=3,
                        help="frames sampled evenly from each clip")
    parser.add_argument("--short-side", type=int, default=360,
                        help="frames shrunk to this short side, as the pipeline's analysis stream")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of each MoveNet interpreter")
    parser.add_argument("--skip-blazepose", action="store_true",
                        help="leave out the one-person BlazePose row")
    parser.add_argument("--long-sides", default="256,384,512",
                        help="comma-separated MoveNet input long sides")
    parser.add_argument("--skip-strips", action="store_true",
                        help="no rows with strips for far players")
    parser.add_argument("--whole-long-sides", default="",
                        help="comma-separated input long sides of the whole-frame pass added to "
                             "the zoomed one (e.g. 256,192): a row each")
    args = parser.parse_args()
    if not args.real_dev.is_dir():
        raise SystemExit(f"{args.real_dev}: real-dev folder not found")
    frames = sample_frames(args.real_dev, args.per_clip, args.short_side)
    clips = len({n for n, _ in frames})
    print(f"{len(frames)} frames from {clips} real-dev clips, short side {args.short_side}, "
          f"{args.threads} threads")
    sides = [int(v) for v in args.long_sides.split(",") if v.strip()]
    settings = [(f"movenet long{ls} tiles{t}", ls, t) for ls, t in
                [(ls, 1) for ls in sides] + ([] if args.skip_strips else [(256, 2), (256, 3)])]
    rows = []
    for name, long_side, tiles in settings:
        est = MoveNetMultiPose(input_long_side=long_side, tiles=tiles, threads=args.threads)
        rows.append(run_setting(name, est, frames))
    rows.append(zoom_setting(MoveNetMultiPose(input_long_side=256, threads=args.threads), frames))
    for side in (int(v) for v in args.whole_long_sides.split(",") if v.strip()):
        rows.append(zoom_and_whole_setting(frames, side, args.threads))
    if not args.skip_blazepose:
        rows.append(run_setting("blazepose (one person)", blazepose(), frames))
    print(f"{'setting':<40} {'n':>4} {'people/frame':>12} {'with person':>11} {'8+ kps/frame':>12} "
          f"{'ms/frame':>9}")
    for r in rows:
        print(f"{r['setting']:<40} {r['frames']:>4} {r['people_per_frame']:>12.2f} "
              f"{r['frames_with_person']:>11.2f} {r['good_people_per_frame']:>12.2f} "
              f"{r['ms_per_frame']:>9.1f}")


if __name__ == "__main__":
    run_script(main)
