"""Mutation fuzzing of video ingestion: does every broken file get one clear line?

    python bench/fuzz_inputs.py [--cases 300] [--seed 0] [--timeout 30] [--keep DIR]

Renders a few real-looking clips with the synthetic generator (MP4 with the index at the end,
MP4 with the index at the front, a portrait clip with rotation metadata, MKV), then mutates
them: random bit flips, truncations at random points, and edits of MP4 boxes (sizes, types,
timescales, sample counts and durations). Each mutant is ingested by `highlights dataset
create` in a worker process, and the outcome is sorted:

- clear error: exit status 1 and a one-line message naming the file;
- accepted: exit status 0 (the damage did not matter, or was not noticed);
- unclear error: refused, but not with exactly one `error:` line naming the file (a bug);
- traceback: an exception escaped (a bug);
- hang: no answer within --timeout seconds (a bug).

Prints the counts per mutation kind and in total, and the end of each bug's output (with the
mutant kept under --keep, when given, to reproduce it). First, every clip of the real footage
folder (--real, when present) must pass the same check: a refused real clip is a false alarm.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import shutil
import struct
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

from highlights.cli.boundary import run_script

BOX_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta"}
TIMING_BOXES = {b"mdhd", b"mvhd", b"stts", b"ctts", b"stsz", b"stco", b"stsc", b"stss", b"tkhd",
                b"elst"}


def make_sources(folder: Path) -> list[Path]:
    import av

    from highlights.synth.clip import ClipRequest, write_clip
    from highlights.video import iter_frames

    folder.mkdir(parents=True, exist_ok=True)
    landscape = ClipRequest(label="baseball_swing", seed=1, scene_seed=1, group="g1",
                            sport="baseball", seconds=1.0, width=192, height=108, fps=15.0)
    portrait = ClipRequest(label="none", seed=2, scene_seed=2, group="g2", sport="soccer",
                           seconds=1.0, width=108, height=192, fps=15.0, rotation=90)
    sources = []
    for name, req in (("landscape.mp4", landscape), ("portrait.mp4", portrait)):
        write_clip(req, folder / name)
        (folder / name).with_suffix(".json").unlink(missing_ok=True)
        sources.append(folder / name)
    frames = [f.rgb for f in iter_frames(sources[0])]
    for name, options in (("faststart.mp4", {"movflags": "faststart"}), ("clip.mkv", {})):
        with av.open(str(folder / name), "w", options=options) as out:
            stream = out.add_stream("h264", rate=15)
            stream.width, stream.height, stream.pix_fmt = (frames[0].shape[1], frames[0].shape[0],
                                                           "yuv420p")
            for rgb in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        sources.append(folder / name)
    return sources


def boxes(data: bytes, start: int = 0, end: int | None = None, depth: int = 0):
    """(type, header offset, payload offset, end) of every MP4 box, containers walked into."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos, pos + header, pos + size
        if kind in BOX_CONTAINERS and depth < 8:
            yield from boxes(data, pos + header, pos + size, depth + 1)
        pos += size


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["bitflip", "truncate", "box"] if data[4:8] == b"ftyp"
                      else ["bitflip", "truncate"])
    out = bytearray(data)
    if kind == "bitflip":
        for _ in range(rng.choice([1, 4, 32, 256])):
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        return kind, bytes(out)
    if kind == "truncate":
        return kind, bytes(out[: rng.randrange(0, len(out))])
    found = list(boxes(data))
    timing = [b for b in found if b[0] in TIMING_BOXES]
    box_type, header, payload, end = rng.choice(timing if timing and rng.random() < 0.7 else found)
    edit = rng.choice(["size", "type", "field", "zero"])
    if edit == "size":
        struct.pack_into(">I", out, header,
                         rng.choice([0, 1, 7, end - header + rng.randint(-64, 64),
                                     0xFFFFFFFF, rng.randrange(1 << 32)]) & 0xFFFFFFFF)
    elif edit == "type":
        out[header + 4:header + 8] = rng.choice([b"free", b"mdat", b"moov", b"\0\0\0\0", b"trak"])
    elif edit == "field" and end - payload >= 8:
        at = payload + 4 * rng.randrange((end - payload) // 4)
        struct.pack_into(">I", out, at,
                         rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, rng.randrange(1 << 32)]))
    else:
        out[payload:end] = bytes(end - payload)
    return f"box:{box_type.decode('latin-1')}:{edit}", bytes(out)


def run_case(path: str, root: str, conn) -> None:
    """In a worker: ingest one mutant through the CLI; report (outcome, detail)."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    try:
        result = CliRunner().invoke(app, ["dataset", "create",
                                          str(Path(path).parent.parent), "--root", root])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            tb = "".join(traceback.format_exception(result.exception))
            conn.send(("traceback", tb))
        elif result.exit_code == 0:
            conn.send(("accepted", ""))
        else:
            errors = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
            clear = result.exit_code == 1 and len(errors) == 1 and path in errors[0]
            conn.send(("clear error" if clear else "unclear error", result.output.strip()[-600:]))
    except BaseException:  # noqa: BLE001 - anything escaping is what we count
        conn.send(("traceback", traceback.format_exc()))


def check_real(folder: Path) -> None:
    """The other side of the count: undamaged real footage must all pass the ingestion check."""
    from highlights.video import VideoError
    from highlights.video.verify import verify_video

    clips = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mp4",
                                                                        ".mov", ".mkv", ".webm",
                                                                        ".avi"))
    refused = []
    for clip in clips:
        try:
            verify_video(clip)
        except VideoError as e:
            refused.append(str(e))
    print(f"real clips under {folder}: {len(clips) - len(refused)} of n={len(clips)} pass the "
          "ingestion check")
    for line in refused:
        print(f"  refused: {line}")


OUTCOMES = ["clear error", "accepted", "unclear error", "traceback", "hang"]


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="mutants to ingest")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds a mutant may take before it counts as a hang")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Copy mutants that gave a traceback, a hang or an unclear error here")
    parser.add_argument("--real", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev",
                        help="Also check that every real clip under this folder passes (skipped "
                             "when absent)")
    return parser.parse_args()


def _ingest_mutant(clip: Path, root: Path, timeout: float, ctx) -> tuple[str, str]:
    """The outcome of `dataset create` on one mutant, in a worker process, and its detail."""
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=run_case, args=(str(clip), str(root), send))
    worker.start()
    if receive.poll(timeout):
        outcome, detail = receive.recv()
    else:
        outcome, detail = "hang", f"no answer in {timeout:.0f} s"
    worker.kill()
    worker.join()
    return outcome, detail


def _print_tally(tally: dict[str, Counter], bugs: list[tuple[str, str, str]]) -> None:
    """The outcomes per mutation kind and in all, then the end of the first bugs' output."""
    total = Counter()
    print(f"\n{'mutation':<10}" + "".join(f"{o:>15}" for o in OUTCOMES) + f"{'n':>6}")
    for kind in sorted(tally):
        total.update(tally[kind])
        print(f"{kind:<10}"
              + "".join(f"{tally[kind][o]:>15}"
                        for o in OUTCOMES) + f"{sum(tally[kind].values()):>6}")
    print(f"{'all':<10}"
          + "".join(f"{total[o]:>15}" for o in OUTCOMES) + f"{sum(total.values()):>6}")
    for name, kind, detail in bugs[:10]:
        print(f"\n--- {name} ({kind})\n{detail.strip()[-800:]}")


def main() -> None:
    args = _parse_args()
    if args.real.is_dir():
        check_real(args.real)
    else:
        print(f"real clips: {args.real} not found, not checked")

    # Imported once here and inherited by every forked worker (the CLI imports commands lazily).
    import highlights.cli.app  # noqa: F401
    import highlights.cli.dataset  # noqa: F401
    import highlights.datasets  # noqa: F401

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="highlights-fuzz-"))
    ctx = mp.get_context("fork")
    tally: dict[str, Counter] = defaultdict(Counter)
    bugs: list[tuple[str, str, str]] = []
    started = time.monotonic()
    try:
        sources = make_sources(work / "sources")
        print(f"sources: {', '.join(p.name for p in sources)}; {args.cases} mutants", flush=True)
        for case in range(args.cases):
            source = rng.choice(sources)
            kind, data = mutate(source.read_bytes(), rng)
            case_dir = work / f"case{case:04d}"
            clip = case_dir / "src" / "a" / f"m{case:04d}{source.suffix}"
            clip.parent.mkdir(parents=True)
            clip.write_bytes(data)
            outcome, detail = _ingest_mutant(clip, case_dir / "root", args.timeout, ctx)
            tally[kind.split(":")[0]][outcome] += 1
            if outcome in ("traceback", "hang", "unclear error"):
                bugs.append((clip.name, kind, detail))
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(clip,
                                 args.keep / f"{clip.stem}-{kind.replace(':', '_')}{clip.suffix}")
            shutil.rmtree(case_dir, ignore_errors=True)
            if (case + 1) % 50 == 0:
                print(f"  {case + 1} mutants, {time.monotonic() - started:.0f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print_tally(tally, bugs)

if __name__ == "__main__":
    run_script(main)
