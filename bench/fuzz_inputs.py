"""Mutation fuzzing of video ingestion: does every broken file get one clear line?

    python bench/fuzz_inputs.py [--cases 300] [--seed 0] [--timeout 30] [--keep DIR]
                                [--command dataset-create|detect|augment-preview|review-export|
                                           report-from-confusion|detect-config]

Renders a few real-looking clips with the synthetic generator (MP4 with the index at the end,
MP4 with the index at the front, a portrait clip with rotation metadata, MKV), then mutates
them: random bit flips, truncations at random points, and edits of MP4 boxes (sizes, types,
timescales, sample counts and durations). Each mutant is given to a command in a worker process
(--command: `highlights dataset create` over a class folder holding it, by default; `detect` with
its stages off, `augment preview`, or `review export` of a reviewed game whose video it replaces),
and the outcome is sorted:

- clear error: exit status 1 and a one-line message naming the file;
- accepted: exit status 0 (the damage did not matter, or was not noticed);
- unclear error: refused, but not with exactly one `error:` line naming the file, or with a file
  left in the command's output (a bug: a refused command writes nothing);
- traceback: an exception escaped (a bug);
- hang: no answer within --timeout seconds (a bug; on a busy machine give it minutes).

Before the mutants, inputs no mutation makes are given to the command, each its own row (made:):
a frame rate that changes mid-stream, 1x1 and 33x17 pictures, a 10-hour duration in the header
of an MKV of 3 frames, an MP4 with an audio stream of no samples and no video, a symbolic link loop and a
cut-off clip whose name holds a line break (named in the error line as `\n`). Review export gets
none: its decisions stand for its game's video. `report-from-confusion` and `detect-config` give
the mutants of a valid JSON file (a confusion matrix; the default pipeline settings as --config)
instead, after JSON made with a byte-order mark, NaN and Infinity, a 5001-digit number, nesting
100000 deep, in UTF-16, and `null`.

Prints the counts per mutation kind and in total, and the end of each bug's output (with the
mutant kept under --keep, when given, to reproduce it); Ctrl-C prints them for the cases given so
far. First, every clip of the real footage folder (--real, when present) must pass the same
check: a refused real clip is a false alarm. Not part of the tests.
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
from highlights.one_line_name import one_line_name

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


def mutate(data: bytes, rng: random.Random, *, truncate: bool = True) -> tuple[str, bytes]:
    kinds = ["bitflip", "truncate", "box"] if data[4:8] == b"ftyp" else ["bitflip", "truncate"]
    kind = rng.choice(kinds if truncate else [k for k in kinds if k != "truncate"])
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


# ------------------------------------------------------------------ inputs made, not mutated
# Kinds random mutation of the sources never produces: each maker writes its input at ``path``
# (or beside it, where the kind is its name) and returns where it is.


def _encode(path: Path, pictures, *, pts: list[int] | None = None,
            pix_fmt: str = "yuv420p") -> Path:
    """``pictures`` (T, H, W, 3) as H.264 at 15 fps, or at the times ``pts`` (1/90000 s) gives."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("h264", rate=15)
        stream.height, stream.width = pictures.shape[1:3]
        stream.pix_fmt = pix_fmt
        if pts is not None:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 90000)
        for i, rgb in enumerate(pictures):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if pts is not None:
                frame.pts, frame.time_base = pts[i], Fraction(1, 90000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _pictures(frames: int, height: int, width: int):
    import numpy as np

    pictures = np.zeros((frames, height, width, 3), np.uint8)
    for t in range(frames):
        pictures[t, :, : max(1, (t + 1) * width // frames)] = (200, 80 + 5 * t % 170, 40)
    return pictures


def frame_rate_changes(path: Path) -> Path:
    """15 frames at 15 fps, then 15 at 60 fps (a phone's slow-motion part)."""
    return _encode(path, _pictures(30, 108, 192),
                   pts=[6000 * i for i in range(15)] + [90000 + 1500 * i for i in range(15)])


def one_pixel(path: Path) -> Path:
    return _encode(path, _pictures(6, 1, 1), pix_fmt="yuv444p")  # 4:2:0 needs even sides


def odd_size(path: Path) -> Path:
    return _encode(path, _pictures(15, 17, 33), pix_fmt="yuv444p")


def ten_hour_header(path: Path) -> Path:
    """An MKV of 3 frames whose header says it lasts 10 hours. (FFmpeg takes an MP4's duration
    from its edit list and sample table, not from its headers' figure.)"""
    import av

    path = path.with_suffix(".mkv")
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("h264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 192, 108, "yuv420p"
        for rgb in _pictures(3, 108, 192):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89")  # Segment Info's Duration: a float of TimecodeScale units (1 ms)
    struct.pack_into(">d" if data[at + 2] == 0x88 else ">f", data, at + 3, 36_000_000.0)
    path.write_bytes(bytes(data))
    return path


def empty_audio_only(path: Path) -> Path:
    """An MP4 written with one AAC stream and no samples, and no video."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        out.add_stream("aac", rate=16000)
        out.start_encoding()
    return path


def symlink_loop(path: Path) -> Path:
    path.symlink_to(path.name)
    return path


def newline_in_name(path: Path) -> Path:
    """A cut-off recording whose name holds a line break."""
    whole = _encode(path, _pictures(15, 108, 192)).read_bytes()
    path.unlink()
    named = path.with_name(f"{path.stem}\nsecond line{path.suffix}")
    named.write_bytes(whole[: len(whole) // 2])
    return named


VIDEO_MAKERS = [frame_rate_changes, one_pixel, odd_size, ten_hour_header, empty_audio_only,
                symlink_loop, newline_in_name]
# A JSON file that is no JSON the command reads: written with a byte-order mark (still JSON),
# NaN and Infinity (JSON's extensions Python reads), a number past Python's 4300 digits, nesting
# past its recursion limit, UTF-16, `null`.
JSON_TEXTS = {
    "bom": None,  # the source with a byte-order mark before it
    "nan": '{"labels": ["a", "b"], "matrix": [[NaN, 1], [1, Infinity]]}',
    "huge-number": '{"labels": ["a", "b"], "matrix": [[1' + "0" * 5000 + ", 1], [1, 1]]}",
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
    "utf-16": None,  # the source in UTF-16
    "null": "null",
}


def json_maker(kind: str, source: Path):
    def make(path: Path) -> Path:
        text = source.read_text(encoding="utf-8")
        data = {"bom": b"\xef\xbb\xbf" + text.encode(), "utf-16": text.encode("utf-16")}.get(kind)
        path.write_bytes(data if data is not None else JSON_TEXTS[kind].encode())
        return path
    make.__name__ = kind.replace("-", "_")
    return make


STAGES_OFF = ["--set", "detection.enabled=false", "--set", "pose.enabled=false",
              "--set", "classifier.enabled=false", "--no-progress"]


def command_line(command: str, path: str, root: str, fixture: Path | None) -> list[str]:
    """The command line giving the mutant at ``path`` to ``command``, its output under ``root``;
    ``fixture`` is the reviewed game (review-export) or the clip detect-config runs on."""
    if command == "dataset-create":
        return ["dataset", "create", str(Path(path).parent.parent), "--root", root, "--no-progress"]
    if command == "detect":
        return ["detect", path, "--out", root, *STAGES_OFF]
    if command == "augment-preview":
        return ["augment", "preview", path, "--out", str(Path(root) / "preview.png")]
    if command == "report-from-confusion":
        return ["report", "from-confusion", path, "--out", root]
    if command == "detect-config":
        return ["detect", str(fixture), "--config", path, "--out", root, *STAGES_OFF]
    return ["review", "export", str(fixture / "game1-highlights"),
            "--db", str(fixture / "review.sqlite"), "--to-dataset", root,
            "--annotations", str(Path(root) / "annotations"), "--no-progress"]


def run_case(argv: list[str], path: str, root: str, conn) -> None:
    """In a worker: give one mutant to the command through the CLI; report (outcome, detail)."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    try:
        result = CliRunner().invoke(app, argv)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            tb = "".join(traceback.format_exception(result.exception))
            conn.send(("traceback", tb))
        elif result.exit_code == 0:
            conn.send(("accepted", ""))
        else:
            errors = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
            left = sorted(str(p) for p in Path(root).rglob("*") if p.is_file())
            named = one_line_name(path) in errors[0] if len(errors) == 1 else False
            clear = result.exit_code == 1 and named and not left
            detail = result.output.strip()[-600:] + (f"\nleft behind: {left[:3]}" if left else "")
            conn.send(("clear error" if clear else "unclear error", detail))
    except BaseException:  # noqa: BLE001 - anything escaping is what we count
        conn.send(("traceback", traceback.format_exc()))


def make_reviewed_game(folder: Path) -> Path:
    """A short synthetic game (FOLDER/game1.mp4), its detect folder and a review database with
    its two highlights accepted: what `review export` cuts its clips from once a mutant has
    replaced the video."""
    import json

    from highlights.review.games import load_games
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore
    from highlights.synth import GameConfig, generate_game

    files = generate_game(folder, GameConfig(minutes=0.1, width=192, height=108, fps=15,
                                             events_per_minute=20, seed=1, name="game1"))
    annotation = json.loads(Path(files["annotation"]).read_text(encoding="utf-8"))
    duration = float(annotation["duration_s"])
    spans = [(0.0, min(1.6, duration)), (duration / 2 - 0.8, duration / 2 + 0.8)]
    detect = folder / "game1-highlights"
    detect.mkdir()
    probs = {"baseball_swing": 0.7, "none": 0.3}
    (detect / "highlights.json").write_text(json.dumps({
        "format": "highlights.pipeline/1",
        "video": {"path": str(Path(files["video"]).resolve()), "width": 192, "height": 108,
                  "fps": 15.0, "duration_s": duration, "rotation": 0, "codec": "h264"},
        "config": {}, "stages": {}, "stats": {}, "candidates": [],
        "highlights": [{"start_s": a, "end_s": b, "key_s": (a + b) / 2, "label": "baseball_swing",
                        "sport": "baseball", "score": 0.7,
                        "evidence": {"classifier": {"probs": probs}}} for a, b in spans]}))
    session = ReviewSession(load_games([detect]), DecisionStore(folder / "review.sqlite"))
    game = session.games[0].id
    for state in session.states(game):
        session.decide(game, state["id"], status="accepted", label=state["label"],
                       start_s=state["start_s"], end_s=state["end_s"], reviewer="fuzz")
    session.store.close()
    return folder


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


# The commands given a JSON file (mutants of a valid one) instead of a video.
JSON_COMMANDS = ["report-from-confusion", "detect-config"]
OUTCOMES = ["clear error", "accepted", "unclear error", "traceback", "hang"]


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="mutants to ingest")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds a mutant may take before it counts as a hang")
    parser.add_argument("--command", default="dataset-create",
                        choices=["dataset-create", "detect", "augment-preview", "review-export",
                                 *JSON_COMMANDS],
                        help="The command each mutant is given to")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Copy mutants that gave a traceback, a hang or an unclear error here")
    parser.add_argument("--real", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev",
                        help="Also check that every real clip under this folder passes (skipped "
                             "when absent)")
    return parser.parse_args()


def _ingest_mutant(argv: list[str], clip: Path, root: Path, timeout: float,
                   ctx) -> tuple[str, str]:
    """The outcome of the command on one mutant, in a worker process, and its detail."""
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=run_case, args=(argv, str(clip), str(root), send))
    worker.start()
    try:
        if receive.poll(timeout):
            return receive.recv()
        return "hang", f"no answer in {timeout:.0f} s"
    finally:  # a Ctrl-C while waiting stops the worker too
        worker.kill()
        worker.join()


def _print_tally(tally: dict[str, Counter], bugs: list[tuple[str, str, str]]) -> None:
    """The outcomes per mutation kind and in all, then the end of the first bugs' output."""
    total = Counter()
    print(f"\n{'mutation':<24}" + "".join(f"{o:>15}" for o in OUTCOMES) + f"{'n':>6}")
    for kind in sorted(tally):
        total.update(tally[kind])
        print(f"{kind:<24}"
              + "".join(f"{tally[kind][o]:>15}"
                        for o in OUTCOMES) + f"{sum(tally[kind].values()):>6}")
    print(f"{'all':<24}"
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
    import highlights.cli.augment  # noqa: F401
    import highlights.cli.dataset  # noqa: F401
    import highlights.cli.report  # noqa: F401
    import highlights.cli.review  # noqa: F401
    import highlights.datasets  # noqa: F401
    import highlights.pipeline.detect  # noqa: F401

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="highlights-fuzz-"))
    tally: dict[str, Counter] = defaultdict(Counter)
    bugs: list[tuple[str, str, str]] = []
    try:
        sources = make_sources(work / "sources")
        fixture, makers = None, VIDEO_MAKERS
        if args.command == "review-export":
            # The game's own video is mutated, in place and at its size: decisions stand for the
            # video they were made on (its name and size), so a shorter one is another video and
            # the review has nothing decided to export; for that, no made input is given to it.
            fixture, makers = make_reviewed_game(work / "reviewed"), []
            sources = [work / "sources" / "game1.mp4"]
            sources[0].write_bytes((fixture / "game1.mp4").read_bytes())
        elif args.command in JSON_COMMANDS:
            fixture = sources[0]
            sources = [_json_source(work / "sources", args.command)]
            makers = [json_maker(kind, sources[0]) for kind in JSON_TEXTS]
        print(f"sources: {', '.join(p.name for p in sources)}; {len(makers)} made inputs and "
              f"{args.cases} mutants given to {args.command}", flush=True)
        inputs = _case_inputs(args, rng, sources, makers, truncate=args.command != "review-export")
        _run_cases(args, inputs, work, fixture, tally, bugs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print_tally(tally, bugs)


def _json_source(folder: Path, command: str) -> Path:
    """The JSON file the command reads, whole: a confusion matrix, or the default settings."""
    import json

    from highlights.pipeline.config import PipelineConfig

    data = ({"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]} if command == "report-from-confusion"
            else PipelineConfig().to_dict())
    path = folder / "source.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _case_inputs(args, rng, sources, makers, *, truncate: bool):
    """(kind, name ending, writer of the input at a path returning where it is) of each case:
    the made inputs first, then --cases mutants of the sources."""
    for make in makers:
        yield f"made:{make.__name__}", sources[0].suffix, make
    for _ in range(args.cases):
        source = rng.choice(sources)
        kind, data = mutate(source.read_bytes(), rng, truncate=truncate)

        def write(path: Path, data: bytes = data) -> Path:
            path.write_bytes(data)
            return path
        yield kind, source.suffix, write


def _run_cases(args, inputs, work, fixture, tally, bugs) -> None:
    """Give each input to the command, counting outcomes into ``tally``; Ctrl-C stops early and
    keeps the count so far (a full run on a busy machine takes hours)."""
    ctx = mp.get_context("fork")
    started = time.monotonic()
    try:
        for case, (kind, suffix, write) in enumerate(inputs):
            case_dir = work / f"case{case:04d}"
            clip = case_dir / "src" / "a" / f"m{case:04d}{suffix}"
            clip.parent.mkdir(parents=True)
            if args.command == "review-export":
                # The review's decisions are of its game's video at its path: the mutant goes there.
                clip = fixture / "game1.mp4"
            clip = write(clip)
            root = case_dir / "root"
            argv = command_line(args.command, str(clip), str(root), fixture)
            outcome, detail = _ingest_mutant(argv, clip, root, args.timeout, ctx)
            tally[kind if kind.startswith("made:") else kind.split(":")[0]][outcome] += 1
            if outcome in ("traceback", "hang", "unclear error"):
                bugs.append((clip.name, kind, detail))
                _keep(args.keep, clip, f"m{case:04d}-{kind.replace(':', '_')}{suffix}")
            shutil.rmtree(case_dir, ignore_errors=True)
            if (case + 1) % 50 == 0:
                print(f"  {case + 1} inputs, {time.monotonic() - started:.0f} s", flush=True)
    except KeyboardInterrupt:
        print(f"\nstopped: {sum(sum(t.values()) for t in tally.values())} of "
              f"{args.cases} mutants and the made inputs counted")


def _keep(folder: Path | None, clip: Path, name: str) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copy2(clip, folder / name)
    except OSError as e:  # a symbolic link loop has nothing to copy
        print(f"  not kept: {one_line_name(clip)} ({e.strerror or e})")


if __name__ == "__main__":
    run_script(main)
