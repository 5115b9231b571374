"""What the content-hash cache costs on a dataset of many clips: `dataset grow`'s check of its
parent's clips and `evaluate --clips`' id of a folder take every clip's hash through it as one batch
(`content_hashes`), hashing and keeping the ones it lacks.

    python bench/bench_content_hash_cache.py [--clips 3000] [--clip-kb 200]

Writes --clips files of random bytes in a temporary folder, then, in a fresh cache folder, times
one batch over all of them twice (the first hashes and keeps every clip, the second should take
every hash from the cache and read none), then one clip alone through `cached_file_sha256` with
the cache that full (what a check of one video costs). Prints seconds, milliseconds per clip and
how many clips each pass read. The cache folder is one of this run, never the user's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from highlights.cli.boundary import run_script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=3000,
                        help="how many clip files (default 3000)")
    parser.add_argument("--clip-kb", type=int, default=200,
                        help="each clip's size in KB (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hash-cache-") as scratch:
        clips = Path(scratch) / "clips"
        clips.mkdir()
        paths = [clips / f"clip{i:06d}.mp4" for i in range(args.clips)]
        for path in paths:
            path.write_bytes(os.urandom(args.clip_kb * 1024))
        os.environ["HIGHLIGHTS_CACHE_DIR"] = str(Path(scratch) / "cache")
        from highlights import content_hash_cache, file_hash  # after the cache folder is set

        read = []
        real = file_hash.file_sha256
        file_hash.file_sha256 = lambda path: read.append(path) or real(path)
        for what in ("first batch (every clip hashed and kept)",
                     "second batch (every hash from the cache)"):
            read.clear()
            started = time.perf_counter()
            with content_hash_cache.content_hashes() as sha256_of:
                for path in paths:
                    sha256_of(path)
            took = time.perf_counter() - started
            print(f"{what}: {took:.2f} s for {args.clips} clips of {args.clip_kb} KB, "
                  f"{1000 * took / args.clips:.2f} ms a clip, {len(read)} read")
        started = time.perf_counter()
        content_hash_cache.cached_file_sha256(paths[0])
        print(f"one clip alone, from a cache of {args.clips} entries: "
              f"{1000 * (time.perf_counter() - started):.1f} ms")


if __name__ == "__main__":
    run_script(main)
