"""Decoding speed of highlights.video on a 720p30 H.264 file.

    python bench/bench_decode.py [VIDEO] [--seconds 10]

Without VIDEO a synthetic 720p30 clip is encoded first (a panning textured background and a
moving block, at a phone-like bitrate). Prints source frames decoded per second and the
real-time multiple for: every frame to RGB, the pipeline's usual read (10 fps, short side
360), and 16-frame clips by read_clip over consecutive 2 s windows. Then the demux-only pass over
the packets' timestamps that a video whose MP4 edit list hides frames (a phone's) gets once
when it is first opened, to find the frames it shows; it reads the whole file, decoding nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.video import iter_frames, probe, read_clip, write_video
from highlights.video.shown_frames import read_shown_frames


NOISE_LEVEL = 12


def synthetic_frames(seconds: float, fps: float = 30.0, width: int = 1280, height: int = 720):
    """A panning textured background with a moving block: cheap to make, real work to encode."""
    ys, xs = np.mgrid[0:height, 0 : 2 * width].astype(np.float32)
    background = np.empty((height, 2 * width, 3), np.uint8)
    background[..., 0] = 127 + 120 * np.sin(xs / 90)
    background[..., 1] = 127 + 120 * np.sin(ys / 70 + xs / 200)
    background[..., 2] = (xs + ys) % 256
    # Fresh sensor-like noise every frame, so the bitrate is a phone's rather than a cartoon's.
    noise = np.random.default_rng(0).integers(0, NOISE_LEVEL, (height + 64, width, 3),
                                               dtype=np.uint8)
    for i in range(int(seconds * fps)):
        pan = (i * 6) % width  # a slow camera pan
        shift = (i * 37) % 64
        rgb = background[:, pan : pan + width] + noise[shift : shift + height]
        x0 = int(100 + 900 * (0.5 + 0.5 * np.sin(i / fps)))
        rgb[300:420, x0 : x0 + 120] = (250, 250, 250)  # a moving "player"
        yield rgb


def timed(label: str, run, source_frames: int, video_seconds: float) -> None:
    """Time one full pass; frames/s counts frames of the source video read through."""
    start = time.perf_counter()
    handed_out = run()
    wall = time.perf_counter() - start
    print(f"{label:<50} {handed_out:>5} out  {source_frames / wall:7.1f} source frames/s  "
          f"{video_seconds / wall:6.1f}x real time  ({wall:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path,
                        help="a video to decode (default: a synthetic 720p30 clip of --seconds)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the synthetic clip")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.video
        if path is None:
            path = Path(tmp) / "bench_720p30.mp4"
            start = time.perf_counter()
            write_video(path, synthetic_frames(args.seconds), 30.0, codec="h264", crf=23)
            print(f"encoded {path.name}: {time.perf_counter() - start:.1f} s")
        info = probe(path)
        mbit_s = path.stat().st_size * 8 / info.duration_s / 1e6
        print(f"{info.width}x{info.height} {info.codec} {info.fps:.2f} fps, "
              f"{info.duration_s:.1f} s, {info.num_frames} frames, {mbit_s:.1f} Mbit/s")
        seconds, total = info.duration_s, info.num_frames

        timed("iter_frames: every frame, full-size RGB",
              lambda: sum(1 for _ in iter_frames(path)), total, seconds)
        timed("iter_frames(target_fps=10, max_short_side=360)",
              lambda: sum(1 for _ in iter_frames(path, target_fps=10, max_short_side=360)),
              total, seconds)
        window = 2.0
        starts = np.arange(0.0, max(seconds - window, 0.0) + 1e-9, window)

        def clips() -> int:
            for s in starts:
                read_clip(path, 16, start_s=float(s), end_s=float(s) + window)
            return 16 * len(starts)

        timed(f"read_clip: 16 frames per {window:g} s window, {len(starts)} windows",
              clips, total, seconds)
        timed("edit list's shown frames: demux-only pass", lambda: _demuxed(path), total, seconds)


def _demuxed(path: Path) -> int:
    read_shown_frames(str(path), 0)  # the same pass whether or not the file hides frames
    return 0


if __name__ == "__main__":
    run_script(main)
