"""A folder of labelled clips: `OUT/<label>/NAME.mp4` + `NAME.json`, and `OUT/manifest.csv`.

Clips are cut from imaginary "source videos" (groups): the clips of a group share the scene,
the camera height, the frame size, the frame rate and the rotation, like several clips cut from
one phone video. A group holds one sport's action clips and sometimes `none` clips of the same
sport, so a grouped split that keeps groups together is the honest one.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from highlights.atomic import DiskFullError, atomic_write_text, is_disk_full, remove_file
from highlights.class_slips import one_slip_apart
from highlights.csv_cells import csv_row
from highlights.ctrl_c_held import ctrl_c_held
from highlights.errors import ConfigError
from highlights.synth.clip import (GENERATOR, LABELS, LICENCE, MAX_FPS, MIN_CLIP_SECONDS,
                                   MIN_SIDE_PX, SPORT_OF_LABEL, SPORTS, ClipRequest, provenance_of,
                                   write_clip)
from highlights.synth.difficulty import check_difficulty
from highlights.worker_processes import MAX_WORKER_PROCESSES, end_with_the_command
MANIFEST_FIELDS = ("path", "label", "group", "licence", "provenance")
# The generator's name in a clip's truth, without its version: a clip of an earlier version's run
# is the generator's too.
GENERATOR_NAME = GENERATOR.split(" v")[0]
# Stored widths are multiples of 128. The rendered frames are always identical for a seed, and
# in one process so are the encoded bytes; across processes x264 was seen to emit different
# bytes at some small widths (160, 192, 320) and never at these. The cause is below PyAV
# (the YUV frames fed to the encoder were identical), so file-for-file equality across
# processes is kept by choosing these sizes rather than guaranteed by the writer.
LANDSCAPE_SIZES = ((640, 360), (768, 432), (1024, 576), (1280, 720), (1920, 1080))
LANDSCAPE_WEIGHTS = (0.35, 0.2, 0.15, 0.2, 0.1)
PORTRAIT_SIZES = ((360, 640), (576, 1024), (720, 1280))
PORTRAIT_SHARE = 0.2
MIXED_FPS = (24.0, 25.0, 30.0, 30.0, 30.0, 50.0, 60.0)


@dataclass(frozen=True)
class ClipSetConfig:
    """What `highlights synth clips` makes. `size` is "WxH" (displayed; taller than wide means a
    portrait phone clip stored landscape with rotation metadata) or "mixed"; `fps` a number or
    "mixed" (24-60)."""

    per_class: int
    classes: tuple[str, ...] = LABELS
    seconds: float = 2.0
    size: str = "640x360"
    fps: str = "30"
    difficulty: float = 0.5
    seed: int = 0
    workers: int = 2
    crf: int = 23

    def __post_init__(self) -> None:
        unknown = [c for c in self.classes if c not in LABELS]
        misspelt = next(((c, g) for c in unknown for g in LABELS if one_slip_apart(c, g)), None)
        if misspelt:  # `Basketball_Layup` is the generator's class typed otherwise, not another action
            raise ConfigError(f"--classes {misspelt[0]}: one slip from {misspelt[1]}, a class the synthetic "
                              f"generator draws; give it as {misspelt[1]}")
        if unknown:
            raise ConfigError(f"--classes {','.join(unknown)}: the synthetic generator draws only "
                              f"{', '.join(LABELS)}; clips of other actions, of these sports too, come "
                              "from your own footage (a folder per class, for `highlights dataset create`)")
        if self.per_class < 1:
            raise ConfigError("per_class must be at least 1")
        if not self.seconds >= MIN_CLIP_SECONDS:  # NaN too
            raise ConfigError(f"seconds {self.seconds:g}: a clip is at least "
                              f"{MIN_CLIP_SECONDS:g} s")
        check_difficulty(self.difficulty)
        if not 1 <= self.workers <= MAX_WORKER_PROCESSES:
            raise ConfigError(f"workers {self.workers}: from 1 to {MAX_WORKER_PROCESSES}")
        if self.size != "mixed":
            parse_size(self.size)
        if self.fps != "mixed":
            frame_rate(self.fps)

    def to_dict(self) -> dict:
        return asdict(self)


def frame_rate(text: str) -> float:
    """A frame rate given as a number or a fraction, as cameras state theirs (30, 29.97, 30000/1001)."""
    try:
        # A float's range, not the fraction's: 1e400 overflows it and 1e-400 is 0 in it.
        rate = float(Fraction(str(text).strip()))
    except (ValueError, ZeroDivisionError, OverflowError):
        rate = None
    if rate is None or rate <= 0:
        raise ConfigError(f"fps must be a positive number such as 30, 29.97 or 30000/1001, or 'mixed', got {text!r}")
    if rate > MAX_FPS:
        raise ConfigError(f"fps {text}: at most {MAX_FPS:g} (phones film slow motion at up to 960)")
    return rate


def parse_size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise ConfigError(f"size must look like 640x360 or be 'mixed', got {size!r}") from None
    if min(w, h) < MIN_SIDE_PX:
        raise ConfigError(f"size {size}: each side at least {MIN_SIDE_PX} pixels")
    return w, h


@dataclass(frozen=True)
class PlannedClip:
    relpath: str           # relative to the output folder, e.g. "none/none-s0-0003.mp4"
    request: ClipRequest


def _source_video(rng: np.random.Generator, cfg: ClipSetConfig) -> tuple[int, int, float, int]:
    """(width, height, fps, rotation) of one source video."""
    if cfg.size == "mixed":
        if rng.random() < PORTRAIT_SHARE:
            w, h = PORTRAIT_SIZES[int(rng.integers(len(PORTRAIT_SIZES)))]
        else:
            w, h = LANDSCAPE_SIZES[int(rng.choice(len(LANDSCAPE_SIZES), p=LANDSCAPE_WEIGHTS))]
    else:
        w, h = parse_size(cfg.size)
    rotation = (90 if rng.random() < 0.5 else 270) if h > w else 0
    fps = float(rng.choice(MIXED_FPS)) if cfg.fps == "mixed" else frame_rate(cfg.fps)
    return w, h, fps, rotation


def plan_clip_set(cfg: ClipSetConfig) -> list[PlannedClip]:
    """Every clip of the set, with its group, deterministic for `cfg.seed`."""
    rng = np.random.default_rng([cfg.seed, 11])
    groups: list[dict] = []

    def new_group(sport: str) -> dict:
        g = {"name": f"synth-s{cfg.seed}-{len(groups):05d}", "sport": sport,
             "scene_seed": int(rng.integers(2**31)), "video": _source_video(rng, cfg), "left": 0}
        groups.append(g)
        return g

    assignments: list[tuple[str, int, dict]] = []
    for label in cfg.classes:
        if label == "none":
            continue
        i = 0
        while i < cfg.per_class:
            g = new_group(SPORT_OF_LABEL[label])
            size = int(rng.choice([1, 1, 2, 2, 3, 4]))
            for _ in range(min(size, cfg.per_class - i)):
                assignments.append((label, i, g))
                i += 1
    if "none" in cfg.classes:
        action_groups = list(groups)
        i = 0
        while i < cfg.per_class:
            if action_groups and rng.random() < 0.5:
                # Background play cut from the same video as some actions.
                g = action_groups[int(rng.integers(len(action_groups)))]
                assignments.append(("none", i, g))
                i += 1
                continue
            g = new_group(str(rng.choice(SPORTS)))
            for _ in range(min(int(rng.choice([1, 2, 3])), cfg.per_class - i)):
                assignments.append(("none", i, g))
                i += 1
    planned = []
    for label, i, g in assignments:
        w, h, fps, rotation = g["video"]
        seed = int(np.random.default_rng([cfg.seed, LABELS.index(label), i, 13]).integers(2**31))
        name = f"{label}-s{cfg.seed}-{i:04d}"
        req = ClipRequest(label=label, seed=seed, scene_seed=g["scene_seed"], group=g["name"],
                          sport=g["sport"], seconds=cfg.seconds, width=w, height=h, fps=fps,
                          rotation=rotation, difficulty=cfg.difficulty)
        planned.append(PlannedClip(f"{label}/{name}.mp4", req))
    return planned


def provenance(cfg: ClipSetConfig, seed: int | None = None) -> str:
    return provenance_of(cfg.seed if seed is None else seed, cfg.difficulty)


def _init_worker() -> None:
    import cv2
    cv2.setNumThreads(1)   # one process per core already
    end_with_the_command()  # a clip it was writing leaves a temp file a later write removes


def _make(args: tuple[str, str, ClipRequest, int, str]) -> str:
    out_dir, relpath, req, crf, source = args
    # The truth beside the clip states the manifest row's provenance, so the two never differ.
    write_clip(req, Path(out_dir) / relpath, crf=crf, provenance=source)
    return relpath


def write_manifest(out_dir: Path, rows: list[dict]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r["path"]):
        writer.writerow(csv_row(row))
    return atomic_write_text(out_dir / "manifest.csv", buf.getvalue())


def generate_clip_set(out_dir: str | Path, cfg: ClipSetConfig,
                      on_progress: Callable[[int, int], None] | None = None) -> Path:
    """Render every planned clip (in `cfg.workers` fresh worker processes) and write the manifest; returns
    the manifest's path. Each clip file is written atomically, so an interrupted run leaves
    only whole clips; the manifest is written last. A disk that fills part way stops the run with
    a `DiskFullError` saying how many clips it wrote whole and that running it again makes the set."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # An earlier run's manifest goes before the first clip: a run stopped between clips (kill -9,
    # a full disk) over a set of the same names would leave it naming the later clips with the
    # earlier run's groups and provenance, and `dataset create` reads a folder's manifest in place
    # of the clips' own truth. Without it the folder reads as class folders, each clip's group
    # from its truth, until a run writes the manifest whole again.
    remove_file(out_dir / "manifest.csv")
    planned = plan_clip_set(cfg)
    for label in {p.request.label for p in planned}:
        (out_dir / label).mkdir(exist_ok=True)
    jobs = [(str(out_dir), p.relpath, p.request, cfg.crf, provenance(cfg)) for p in planned]
    total = len(jobs)
    written = 0  # clips written whole so far, for the run's failure to report

    def one_more() -> None:
        nonlocal written
        written += 1
        if on_progress:
            on_progress(written, total)

    if on_progress:
        on_progress(0, total)
    try:
        _render(jobs, cfg.workers, one_more)
        remove_earlier_clips(out_dir, {p.relpath for p in planned})
        rows = [{"path": p.relpath, "label": p.request.label, "group": p.request.group,
                 "licence": LICENCE, "provenance": provenance(cfg)} for p in planned]
        return write_manifest(out_dir, rows)
    except OSError as e:
        if not is_disk_full(e):
            raise
        path = getattr(e, "path", None) or e.filename or out_dir
        raise DiskFullError(path, kept=_kept_after_full_disk(written, total, out_dir)) from e


def remove_earlier_clips(out_dir: Path, kept: set[str]) -> list[Path]:
    """Remove the generated clips (each video and its truth) in ``out_dir``'s class folders that
    are not among ``kept`` (paths relative to ``out_dir``): an earlier run's with more clips per
    class, another seed or other classes. Left there, the new manifest would not name them, and
    `dataset create` refuses a folder holding a clip its manifest does not name. A file whose
    truth is not the generator's (a clip of one's own) is left alone."""
    removed = []
    for truth in sorted(out_dir.glob("*/*.json")):
        video = truth.with_suffix(".mp4")
        if video.relative_to(out_dir).as_posix() in kept or not _generated(truth):
            continue
        # The video first: a truth left alone is ignored by `dataset create`, a video left
        # alone would be read as a clip of its own source video.
        for path in (video, truth):
            remove_file(path)
            removed.append(path)
    return removed


def _generated(truth: Path) -> bool:
    """Whether ``truth`` is a generated clip's truth (`write_clip`'s, of any version)."""
    try:
        data = json.loads(truth.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and str(data.get("generator", "")).startswith(GENERATOR_NAME)


def _render(jobs: list[tuple], workers: int, one_more: Callable[[], None]) -> None:
    """Every clip of ``jobs``, calling ``one_more`` for each written whole (those that other
    workers finish after one failed too)."""
    if workers <= 1:
        for job in jobs:
            _make(job)
            one_more()
        return
    # spawn, not fork: a child forked after the parent has used OpenCV's (or torch's) thread
    # pool inherits that pool's locks without its threads and can hang on its first call.
    # A fresh interpreter costs a second or two of imports per worker.
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker)
    futures: list = []
    counted = set()
    try:
        # A Ctrl-C held here is raised as the block ends, inside the `try`: it stops the run as
        # one while rendering does.
        with _ctrl_c_blocked():
            # Workers start here, with submits; they inherit Ctrl-C blocked.
            futures = [pool.submit(_make, job) for job in jobs]
        for future in as_completed(futures):
            future.result()
            counted.add(future)
            one_more()
    except BaseException:
        # The clips not started are not rendered into a failed or stopped (Ctrl-C) run; those
        # being written finish, whole or not at all. The workers never hear Ctrl-C: a second
        # one here would leave them running for good, so it waits until they have stopped.
        with ctrl_c_held():
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True)
            for future in futures:
                if future not in counted and not future.cancelled() and future.exception() is None:
                    one_more()
        raise
    pool.shutdown(wait=True)


@contextmanager
def _ctrl_c_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread for the block, and delivered once it ends. Ctrl-C in a
    terminal reaches the whole process group: workers that got it printed a KeyboardInterrupt
    traceback each while they imported (seconds, spawned), and once rendering, the pool handed
    it back to this process as a clip's result and went on with the next clip. Started with it
    blocked (a mask, unlike a handler, lives through fork and exec), they never see it; this
    process stops them, the only one that says a line about it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _kept_after_full_disk(written: int, total: int, out_dir: Path) -> str:
    """What a clip set's run that ran out of space leaves, for its one-line error."""
    again = "free some space and run the same command again: it makes the same clips"
    if written == total:
        whole = "its one clip was written whole before it and stays" if total == 1 else \
            f"all {total} clips were written whole before it and stay"
        return f"{whole}; {again} and the manifest"
    if written == 0:
        return f"{'its one clip was not' if total == 1 else f'none of the {total} clips was'} written; {again}"
    was, stays = ("was", "stays") if written == 1 else ("were", "stay")
    return (f"{written} of the {total} clips {was} written whole before it and {stays}, but "
            f"{out_dir / 'manifest.csv'} is written only once every clip is; {again}")
