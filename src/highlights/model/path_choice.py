"""Choosing the inference path by measurement on the machine it runs on, and remembering the choice.

A path is a backend (``backends``) and a layout: how many worker threads, how many clips per
call, how many intra-op threads each. Which one is fastest depends on the CPU (AVX2 or AVX-512,
native bf16, VNNI), its core count and the model's size, and the differences are large (a
fixed order picked a layout a quarter slower than the best on one machine), so the choice is
measured: every candidate is timed in interleaved rounds (load from other processes falls on all
of them alike), the one with the lowest median wins, and the choice is cached per CPU model,
torch version, thread count, model shape and set of paths offered. ``ClipClassifier`` uses the
cache; ``highlights bench-paths`` (or ``remeasure=True``) measures again.

The measurement is bounded in time (``DEFAULT_BUDGET_S``) and is a race (``race``): every
layout is warmed up and timed once, interleaved; then the slower half is cut and the rest timed
again, interleaved, until two finalists remain, which are timed until each has ``rounds``
samples. What the budget cannot pay for is cut earlier (the fastest are kept); every layout is
timed at least once, and what was cut, after which round, is reported beside the choice. On a big
model one interleaved round of every layout takes about as long as building the paths, so timing
every layout in every round would either blow the budget or leave layouts untimed. The winner is
the finalist with the lowest median: the same timings always give the same choice. Processes on
one machine measure one at a time (``PathCache.measuring``): a batch's workers wait for the first
to store the choice and read it.

Timing is injected (``time_one``): the tests drive the choice with fake timings.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import statistics
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

from highlights.atomic import OutputPathError, atomic_write_json, folders_locked
from highlights.cache_dir import cache_dir
from highlights.model.cpu_features import CpuInfo

CACHE_FORMAT = "highlights.inference-paths/1"
CACHE_FILENAME = "inference-paths.json"
DEFAULT_ROUNDS = 3
Layout = TypeVar("Layout", bound=Hashable)  # what `measure_interleaved` times: a layout or a name
# Seconds a first run may spend choosing its path (building and checking every path, then the
# race): beyond it the race cuts layouts sooner (``race``). Sized for the full R(2+1)D-18 on a
# small CPU, where building the paths and one round of every layout each take a large part of
# it; `highlights bench-paths` takes another budget on request.
DEFAULT_BUDGET_S = 150.0
# The race keeps this share of the layouts after each round (the fastest by best time so far) ...
RACE_KEEP = 0.5
# ... until this many finalists remain.
RACE_FINALISTS = 2


@dataclass(frozen=True)
class PathLayout:
    """One candidate: ``backend`` run ``chunk_size`` clips per call on ``workers`` threads at once,
    each with ``intra_threads`` intra-op threads."""

    backend: str
    workers: int = 1
    chunk_size: int = 1
    intra_threads: int = 1

    @property
    def label(self) -> str:
        return (f"{self.backend} x{self.workers} worker{'s' if self.workers > 1 else ''} "
                f"@{self.chunk_size} ({self.intra_threads} thread{'s' if self.intra_threads > 1 else ''} each)")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PathLayout":
        return cls(backend=str(data["backend"]), workers=int(data["workers"]),
                   chunk_size=int(data["chunk_size"]), intra_threads=int(data["intra_threads"]))


def candidate_layouts(backends: Sequence[str], *, threads: int, batch: int,
                      workers: int | None = None, chunk_size: int | None = None) -> list[PathLayout]:
    """Every layout worth timing for each backend on ``threads`` threads and ``batch`` clips:
    one call for the whole batch on every thread, one clip per call on every thread, and one
    clip per worker with a worker per thread. ``workers``/``chunk_size`` given by the user
    restrict the layouts to theirs."""
    threads, batch = max(1, int(threads)), max(1, int(batch))
    shapes = {(1, batch), (1, 1)}
    if threads > 1:
        shapes.add((threads, 1))
    if workers is not None or chunk_size is not None:
        w = int(workers) if workers is not None else 1
        shapes = {(w, int(chunk_size))} if chunk_size is not None else {(w, c) for c in (1, batch)}
    layouts = []
    for backend in backends:
        for w, c in sorted(shapes):
            layouts.append(PathLayout(backend, workers=w, chunk_size=c, intra_threads=max(1, threads // w)))
    return layouts


def measure_interleaved(layouts: Sequence[Layout], time_one: Callable[[Layout], float], *,
                        rounds: int = DEFAULT_ROUNDS, warmup: int = 1,
                        on_round: Callable[[int, int], None] | None = None
                        ) -> dict[Layout, list[float]]:
    """Seconds per round for every layout (a `PathLayout`, or any name of a path). Each round
    times every layout once, in an order that rotates from round to round, so a burst of load
    from another process, or a layout that warms the cache for the next, does not always favour
    the same one. ``warmup`` untimed rounds come first (first calls allocate; oneDNN picks its
    kernels)."""
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    layouts = list(layouts)
    for _ in range(warmup):
        for layout in layouts:
            time_one(layout)
    samples: dict[Layout, list[float]] = {layout: [] for layout in layouts}
    for r in range(rounds):
        shift = r % max(1, len(layouts))
        for layout in layouts[shift:] + layouts[:shift]:
            samples[layout].append(float(time_one(layout)))
        if on_round is not None:
            on_round(r + 1, rounds)
    return samples


@dataclass(frozen=True)
class RaceResult:
    """What ``race`` timed: every layout's samples (seconds per call on the measuring batch), the
    round after which each cut layout was dropped, the finalists, and the rounds run."""

    samples: dict[PathLayout, list[float]]
    cut_after: dict[PathLayout, int]
    finalists: list[PathLayout]
    rounds_run: int
    seconds: float  # what the timer reported for warm-ups and rounds together
    cut_by_budget: bool = False  # the budget cut more than the halving would have

    def to_dict(self) -> dict:
        return {"rounds_run": self.rounds_run, "finalists": [layout.label for layout in self.finalists],
                "cut_after_round": {layout.label: r for layout, r in self.cut_after.items()},
                "samples": {layout.label: len(s) for layout, s in self.samples.items()},
                "seconds": round(self.seconds, 3), "cut_by_budget": self.cut_by_budget}


def _ranked(score: Callable[[PathLayout], float], alive: Sequence[PathLayout],
            order: dict[PathLayout, int]) -> list[PathLayout]:
    # Equal scores keep the order the layouts were offered in.
    return sorted(alive, key=lambda layout: (score(layout), order[layout]))


def race(layouts: Sequence[PathLayout], time_one: Callable[[PathLayout], float], *,
         warm_up: Callable[[PathLayout], tuple[float, float]] | None = None,
         first_round: Callable[[PathLayout], tuple[float, float]] | None = None, rounds: int = DEFAULT_ROUNDS,
         budget_s: float | None = None, keep: float = RACE_KEEP, finalists: int = RACE_FINALISTS,
         on_step: Callable[[str], None] | None = None) -> RaceResult:
    """Successive halving over ``layouts``. Each is warmed up (``warm_up(layout)`` returns the
    seconds it took and its estimate of one timed call's seconds) and timed once, in one
    interleaved round; after each round the ``keep`` share with the best time so far goes on (at
    least ``finalists``), the rest are cut; once ``finalists`` remain they are timed until each
    has ``rounds`` samples. Every round after the first interleaves the kept layouts in an order
    that rotates. The winner is the finalist with the lowest median (``choose(..., among=)``).
    ``first_round``, when given, times round 1 short (like ``warm_up``, it returns the seconds it
    took and its estimate of one call's, which is the layout's first sample): a round of every
    layout is the race's largest cost, and a short timing is enough to tell the slow half.

    Cuts rank layouts by their best time so far, the warm-up's estimate included: load from
    other processes and first calls only ever slow a call down, so a layout hit by a burst of
    load in its one timed call is not cut for it. The final choice uses the median.

    ``budget_s`` (seconds of the timer's, for warm-ups and rounds; None: no bound and no cuts:
    every layout gets every round) bounds the rounds after the first: a round whose cost (each
    kept layout's median so far) would not fit keeps fewer layouts, the fastest, or is not run.
    The first round is never cut: every layout is timed once. Deterministic: the same timings
    give the same result."""
    layouts = list(dict.fromkeys(layouts))
    order = {layout: i for i, layout in enumerate(layouts)}
    say = on_step or (lambda message: None)
    spent, estimates = _warm_ups(layouts, warm_up, say)
    samples: dict[PathLayout, list[float]] = {layout: [] for layout in layouts}

    def best_so_far(layout: PathLayout) -> float:
        return min([*samples[layout], estimates.get(layout, math.inf)])

    def median(layout: PathLayout) -> float:
        return statistics.median(samples[layout])

    cut_after: dict[PathLayout, int] = {}
    alive = list(layouts)
    round_number = 0
    short = False
    while alive:
        if round_number > 0:
            if budget_s is None:
                if round_number >= rounds:
                    break
            else:
                ranked = _ranked(best_so_far, alive, order)
                survivors, ends, cut_short = _survivors(ranked, samples, median, rounds=rounds, keep=keep,
                                                        finalists=finalists, left_s=budget_s - spent)
                short = short or cut_short
                for layout in ranked[len(survivors):]:
                    cut_after[layout] = round_number
                alive = [layout for layout in layouts if layout in survivors]
                if ends:
                    break
        shift = round_number % len(alive)
        say(f"round {round_number + 1}: timing {len(alive)} layout{'s' if len(alive) > 1 else ''}")
        spent = _time_round(alive[shift:] + alive[:shift], samples, spent, time_one,
                            first_round if round_number == 0 else None)
        round_number += 1
    final = _ranked(median, alive, order)
    return RaceResult(samples={layout: s for layout, s in samples.items() if s}, cut_after=cut_after,
                      finalists=final, rounds_run=round_number, seconds=spent, cut_by_budget=short)


def _warm_ups(layouts: Sequence[PathLayout], warm_up: Callable[[PathLayout], tuple[float, float]] | None,
              say: Callable[[str], None]) -> tuple[float, dict[PathLayout, float]]:
    """Every layout warmed up (``race``'s ``warm_up``): the seconds that took, and each layout's
    estimate of one timed call's seconds."""
    spent = 0.0
    estimates: dict[PathLayout, float] = {}
    if warm_up is not None:
        for number, layout in enumerate(layouts, 1):
            say(f"warm-up {number}/{len(layouts)}: {layout.label}")
            took, estimate = warm_up(layout)
            spent += float(took)
            estimates[layout] = float(estimate)
    return spent, estimates


def _survivors(ranked: list[PathLayout], samples: dict[PathLayout, list[float]],
               median: Callable[[PathLayout], float], *, rounds: int, keep: float, finalists: int,
               left_s: float) -> tuple[list[PathLayout], bool, bool]:
    """Which of ``ranked`` (the layouts still racing, best first) go on, with ``left_s`` seconds of
    the budget left: the ``keep`` share (at least ``finalists``), fewer where their rounds would
    not fit. Returns them, whether the race ends here, and whether the budget cut more than the
    halving would have."""
    want = len(ranked) if len(ranked) <= finalists else max(finalists, math.ceil(len(ranked) * keep))
    if len(ranked) <= finalists and min(len(samples[layout]) for layout in ranked) >= rounds:
        return ranked, True, False
    kept = ranked[:want]
    while kept and sum(median(layout) for layout in kept) > left_s:
        kept.pop()
    short = len(kept) < want
    if len(kept) <= 1 < len(ranked) or not kept:
        # One layout timed alone decides nothing: the race ends here, between the leaders (each
        # timed in every round so far), by median.
        return ranked[:finalists], True, short
    return kept, False, short


def _time_round(in_turn: list[PathLayout], samples: dict[PathLayout, list[float]], spent: float,
                time_one: Callable[[PathLayout], float],
                first_round: Callable[[PathLayout], tuple[float, float]] | None) -> float:
    """One round: each of ``in_turn`` timed once, in that order, its sample added to ``samples``;
    returns ``spent`` with the round's seconds added. ``first_round``: the short timing of round 1."""
    for layout in in_turn:
        if first_round is not None:
            took, estimate = first_round(layout)
            samples[layout].append(float(estimate))
            spent += float(took)
        else:
            seconds = float(time_one(layout))
            samples[layout].append(seconds)
            spent += seconds
    return spent


@dataclass(frozen=True)
class PathChoice:
    """The layout with the lowest median time, and every layout's median clips/s."""

    layout: PathLayout
    clips_per_s: dict[str, float]  # layout label -> median clips/s
    batch: int
    rounds: int

    @property
    def best_clips_per_s(self) -> float:
        return self.clips_per_s[self.layout.label]

    def to_dict(self) -> dict:
        return {"layout": self.layout.to_dict(), "clips_per_s": self.clips_per_s, "batch": self.batch,
                "rounds": self.rounds}

    @classmethod
    def from_dict(cls, data: dict) -> "PathChoice":
        return cls(layout=PathLayout.from_dict(data["layout"]),
                   clips_per_s={str(k): float(v) for k, v in data["clips_per_s"].items()},
                   batch=int(data["batch"]), rounds=int(data["rounds"]))


def choose(samples: dict[PathLayout, list[float]], *, batch: int,
           among: Sequence[PathLayout] | None = None) -> PathChoice:
    """The fastest layout by median time (the median, not the best round: one lucky round on a
    busy machine must not decide), among ``among`` when given (a race's finalists: a layout cut
    after one round must not win on that single sample); equal medians go to the earlier layout.
    Every timed layout's median rate is kept for reports."""
    timed = {layout: s for layout, s in samples.items() if s}
    if not timed:
        raise ValueError("no timed layout to choose from")
    medians = {layout: statistics.median(s) for layout, s in timed.items()}
    contenders = [layout for layout in (among if among is not None else timed) if layout in medians]
    if not contenders:
        raise ValueError("none of the layouts to choose among was timed")
    best = min(contenders, key=lambda layout: medians[layout])
    rates = {layout.label: (batch / m if m > 0 else float("inf")) for layout, m in medians.items()}
    return PathChoice(layout=best, clips_per_s=rates, batch=batch, rounds=len(timed[best]))


# -- the cache ---------------------------------------------------------------------------------

def model_signature(model: nn.Module, input_shape: Sequence[int]) -> str:
    """What the speed of a path depends on in the model: its class, every parameter's and
    buffer's name and shape, and the input clip's shape. Not the weights: a retrained model of
    the same shape runs at the same speed."""
    shapes = [(name, tuple(t.shape), str(t.dtype)) for name, t in model.state_dict().items()]
    text = json.dumps([type(model).__name__, shapes, list(input_shape)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_key_fields(cpu: CpuInfo, signature: str, *, threads: int, offered: Sequence[str],
                     batch: int) -> dict:
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    return {"cpu_model": cpu.model, "cpu_flags": cpu.relevant_flags(), "torch": torch.__version__,
            "onnxruntime": ort_version, "threads": int(threads), "model": signature,
            "offered": sorted(offered), "batch": int(batch)}


def default_cache_dir() -> Path:
    """``$HIGHLIGHTS_CACHE_DIR``, else ``$XDG_CACHE_HOME/highlights``, else ``~/.cache/highlights``."""
    return cache_dir()


log = logging.getLogger(__name__)
# Cache files already said to be unwritable in this process: one line, not one per measurement.
_SAID_UNWRITABLE: set[str] = set()


class PathCache:
    """Measured choices in one JSON file, keyed by a hash of ``cache_key_fields``.

    A key that differs in anything (another CPU, torch upgraded, another model shape or thread
    count, int8 or bf16 newly verified) misses and is measured afresh. An unreadable file is
    treated as empty and rewritten (a cache never stops a run)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_dir() / CACHE_FILENAME

    @staticmethod
    def key(fields: dict) -> str:
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:24]

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return {}
        return data.get("choices", {}) if isinstance(data.get("choices"), dict) else {}

    def get(self, fields: dict) -> PathChoice | None:
        entry = self._read().get(self.key(fields))
        if not entry or entry.get("fields") != json.loads(json.dumps(fields)):
            return None
        try:
            return PathChoice.from_dict(entry["choice"])
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, fields: dict, choice: PathChoice) -> bool:
        """Stores the choice; False where the file cannot be written (a read-only home, a file in
        the way of its folder): the run goes on, and the next one measures again.

        The file is read and rewritten under the lock of its folder: another process storing a
        choice of its own at the same time (another frame size, another model) stores it before
        or after this one, and neither is lost."""
        entry = {"fields": fields, "choice": choice.to_dict(),
                 "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with folders_locked([self.path.parent]):
                choices = self._read()
                choices[self.key(fields)] = entry
                atomic_write_json(self.path, {"format": CACHE_FORMAT, "choices": choices}, indent=1)
        except (OSError, OutputPathError) as e:
            # Said once: otherwise every run (a service whose home is read-only) would spend the
            # measurement again, and only highlights.json's `cache_unwritable` would say why.
            if str(self.path) not in _SAID_UNWRITABLE:
                _SAID_UNWRITABLE.add(str(self.path))
                log.warning("%s: cannot be written (%s), so the inference path measured now is not kept and "
                            "the next run measures again; set HIGHLIGHTS_CACHE_DIR to a folder that can be "
                            "written", self.path, getattr(e, "strerror", None) or e)
            return False
        return True

    @contextlib.contextmanager
    def measuring(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Held while this process measures: another process (a batch's other worker) that
        misses the cache at the same time waits here, then finds the choice stored. A lock
        that cannot be made (read-only cache folder) is skipped: each process measures."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "ab")  # only locked, never read or written
        except OSError:
            yield
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
