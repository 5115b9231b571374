"""What the same-video check costs on a long game: the check `dataset show`, `train` and `evaluate`
run on a version holding a video added whole and the clips a review cut from it.

    python bench/bench_same_video.py [VIDEO] [--minutes 10] [--workdir DIR]

Without VIDEO a synthetic 720p30 game of --minutes is encoded first, at a phone-like bitrate
(bench_decode's panning textured background with sensor-like noise), kept in --workdir and reused
from there. The check (`WholeAndCutVideos.group_of_cut`, as `datasets.split_leaks` calls it for a
video whose size matches a clip added whole) is timed in a fresh process's state three ways:
1. the video's pages dropped from the OS's page cache and no hash cached: a first check, a while
   after the video was last read;
2. the video in the page cache, no hash cached: a check right after the video was read;
3. its content hash in the cache folder (`highlights.content_hash_cache`): every later check.
The cache folders are temporary ones of this run, never the user's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from highlights.cli.boundary import run_script
from highlights.datasets.same_video import WholeAndCutVideos
from highlights.video import probe, write_video

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from bench_decode import synthetic_frames  # noqa: E402  (the phone-like 720p30 picture, shared)


def drop_from_page_cache(path: Path) -> bool:
    """Ask the OS to forget ``path``'s cached pages, so the next read comes from the disk; False
    where it cannot be asked (no posix_fadvise)."""
    if not hasattr(os, "posix_fadvise"):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # dirty pages are not dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True


def timed_check(video: Path, whole_sha256: str, cache: Path) -> float:
    """Seconds a fresh check takes to find that ``video`` is the clip added whole (of
    ``whole_sha256``)."""
    os.environ["HIGHLIGHTS_CACHE_DIR"] = str(cache)
    videos = WholeAndCutVideos()
    videos.add_whole(whole_sha256, "whole.mp4", "whole", video.stat().st_size)
    start = time.perf_counter()
    found = videos.group_of_cut(str(video))
    seconds = time.perf_counter() - start
    assert found is not None and found[1] == "whole", found
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path,
                        help="a video to time the check on (default: a synthetic 720p30 game of "
                             "--minutes)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the synthetic game")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "highlights-bench-same-video",
                        help="where the synthetic game is made once and reused")
    args = parser.parse_args()

    video = args.video
    if video is None:
        video = args.workdir / f"game_720p30_{args.minutes:g}min.mp4"
        if not video.is_file():
            args.workdir.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            write_video(video, synthetic_frames(args.minutes * 60), 30.0, codec="h264", crf=23)
            print(f"encoded {video.name}: {time.perf_counter() - start:.0f} s")
    elif not video.is_file():
        raise FileNotFoundError(2, "file not found", str(video))
    info = probe(video)
    size = video.stat().st_size
    print(f"{video}: {info.width}x{info.height} {info.codec} {info.fps:.2f} fps, "
          f"{info.duration_s / 60:.1f} min, {size / 1e6:.0f} MB "
          f"({size * 8 / info.duration_s / 1e6:.1f} Mbit/s)")

    from highlights.file_hash import file_sha256

    whole_sha256 = file_sha256(video)
    with tempfile.TemporaryDirectory() as tmp:
        cold = Path(tmp) / "cold"
        dropped = drop_from_page_cache(video)
        first = timed_check(video, whole_sha256, cold)
        warm = timed_check(video, whole_sha256, Path(tmp) / "warm")
        cached = timed_check(video, whole_sha256, cold)  # the cache the first check filled
    where = "from the disk" if dropped else "page cache not dropped (no posix_fadvise)"
    print(f"1. no hash cached, {where}: {first:6.2f} s ({size / first / 1e6:.0f} MB/s)")
    print(f"2. no hash cached, file in the page cache: {warm:6.2f} s "
          f"({size / warm / 1e6:.0f} MB/s)")
    print(f"3. hash cached: {cached * 1000:8.2f} ms")


if __name__ == "__main__":
    run_script(main)
