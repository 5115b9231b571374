"""How MoveNet runs on this CPU, chosen by measurement like the clip classifier's inference path.

A path is a LiteRT setting and a layout: the XNNPACK delegate with its default or its latest
features (`runtime`), the intra-op threads of each interpreter (`threads`), and how many
interpreters run at once (`workers`: the network takes one image a call, its batch size is fixed
at 1, so a batch is images side by side on workers: the strips of one frame when there are
strips for far players, else consecutive frames, which the pipeline hands over a few frames
ahead). Which one is fastest depends on the CPU, its core count and the input
shape, so every candidate is timed in interleaved rounds (``model.path_choice``), the lowest
median wins, and the choice is cached per CPU, LiteRT version, input shape, strips and threads
offered. A path whose output differs from the one-thread default in any number is not offered:
the choice changes the speed, never a detection.

Interleaving does not make the rounds fair when other processes keep a core busy: a worker per
core then shares its core while one worker does not, so a busy machine picks a single worker
that a free one beats by a fifth or more (2 cores, 256x160 input: 73 against 91 frames a
second). The other processes' CPU time during the measurement is read from the system's
counters (``others_busy_cores``); a choice measured while they kept more than
``BUSY_OTHERS_CORES`` of a core busy is used for the run that measured it but not stored, so
the next run measures again rather than keeping it for good.

Timing and the reading of the load are injected (``time_one``, ``load_probe``): the tests drive
the choice with fake timings and fake loads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib import metadata

import numpy as np

from highlights.machine_load import BUSY_OTHERS_CORES, cpu_seconds, others_busy_cores

CACHE_FILENAME = "movenet-paths.json"
# Choices measured on a busy machine, by cache file and key: they serve this process's later runs (each
# run builds its own estimator), never a later process.
_UNSTORED: dict = {}
RUNTIMES = ("xnnpack", "xnnpack-latest")  # LiteRT's default delegate, without or with its newest kernels
FRAMES_PER_ROUND = 6


@dataclass(frozen=True)
class MoveNetPath:
    runtime: str = "xnnpack"
    threads: int = 1
    workers: int = 1

    @property
    def label(self) -> str:
        return (f"litert {self.runtime} x{self.workers} worker{'s' if self.workers > 1 else ''} "
                f"({self.threads} thread{'s' if self.threads > 1 else ''} each)")

    def interpreter_options(self) -> dict:
        return {"num_threads": int(self.threads),
                "experimental_default_delegate_latest_features": self.runtime == "xnnpack-latest"}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MoveNetPath":
        runtime = str(data["runtime"])
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown MoveNet runtime {runtime!r}")
        return cls(runtime=runtime, threads=int(data["threads"]), workers=int(data["workers"]))


def candidate_paths(*, cpus: int, passes: int) -> list[MoveNetPath]:
    """Every path worth timing on `cpus` cores for frames of `passes` network passes (1 + strips):
    each runtime on one thread, on every core, and as a worker per core with one thread each."""
    cpus = max(1, int(cpus))
    thread_counts = sorted({1, cpus})
    out = [MoveNetPath(runtime, threads, 1) for runtime in RUNTIMES for threads in thread_counts]
    if cpus > 1:
        # A worker per core, one thread each: the strips of a frame side by side, or, with one
        # pass a frame, consecutive frames side by side.
        out += [MoveNetPath(runtime, 1, cpus if passes == 1 else min(cpus, passes)) for runtime in RUNTIMES]
    return out


def default_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def litert_version() -> str | None:
    try:
        return metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:
        return None


def cache_fields(*, input_size: tuple[int, int], tiles: int, cpus: int, offered: Sequence[MoveNetPath]) -> dict:
    from highlights.model.cpu_features import this_cpu

    cpu = this_cpu()
    return {"what": "movenet-multipose", "cpu_model": cpu.model, "cpu_flags": cpu.relevant_flags(),
            "litert": litert_version(), "input_size": [int(input_size[0]), int(input_size[1])],
            "tiles": int(tiles), "cpus": int(cpus), "offered": sorted(p.label for p in offered),
            # Choices stored before the load was checked may have been measured on a busy machine.
            "measured_quiet": True}


def path_cache(path: str | os.PathLike | None = None):
    from highlights.model.path_choice import PathCache, default_cache_dir

    return PathCache(path if path is not None else default_cache_dir() / CACHE_FILENAME)


def measure_paths(paths: Sequence[MoveNetPath], time_one: Callable[[MoveNetPath], float], *,
                  rounds: int = 3, on_round: Callable[[int, int], None] | None = None):
    """The fastest path by median of interleaved rounds, as a ``PathChoice`` whose layout names it
    (``backend`` = litert-RUNTIME, ``workers``, ``intra_threads`` = threads) and whose rates are
    frames per second, by ``MoveNetPath.label``."""
    from highlights.model.path_choice import PathLayout, choose, measure_interleaved

    by_layout = {PathLayout(f"litert-{p.runtime}", workers=p.workers, chunk_size=1, intra_threads=p.threads): p
                 for p in paths}
    samples = measure_interleaved(list(by_layout), lambda layout: time_one(by_layout[layout]),
                                  rounds=rounds, on_round=on_round)
    choice = choose(samples, batch=FRAMES_PER_ROUND)
    # Rates under MoveNet's own names for its paths.
    rates = {by_layout[layout].label: choice.clips_per_s[layout.label] for layout in by_layout
             if layout.label in choice.clips_per_s}
    return replace(choice, clips_per_s=rates)


def path_of(choice) -> MoveNetPath:
    """The MoveNetPath a cached ``PathChoice`` names."""
    layout = choice.layout
    return MoveNetPath(runtime=layout.backend.removeprefix("litert-"), threads=layout.intra_threads,
                       workers=layout.workers)


def choose_path(estimator_factory: Callable[[MoveNetPath], Callable[[np.ndarray], list]], frame: np.ndarray, *,
                tiles: int, input_size: tuple[int, int], cpus: int | None = None, remeasure: bool = False,
                rounds: int = 3, cache=None, time_one: Callable[[MoveNetPath], float] | None = None,
                raw_of: Callable[[Callable], object] | None = None,
                progress: Callable[[str], None] | None = None,
                load_probe: Callable[[], tuple[float, float, float] | None] | None = None
                ) -> tuple[MoveNetPath, dict]:
    """The path to run MoveNet on (cached, or measured now) and a report of how it was chosen.

    `estimator_factory(path)` builds an estimator; `frame` is an analysis-size RGB frame to time
    it on (what MoveNet finds does not change its cost); `raw_of(estimator)` returns what must
    agree between paths (the network's raw output on `frame`); `load_probe()` reads the CPU
    counters (default `cpu_seconds`) that say whether other processes were busy meanwhile."""
    cpus = default_cpus() if cpus is None else max(1, int(cpus))
    offered = candidate_paths(cpus=cpus, passes=1 + (tiles if tiles > 1 else 0))
    cache = cache if cache is not None else path_cache()
    fields = cache_fields(input_size=input_size, tiles=tiles, cpus=cpus, offered=offered)
    unstored_key = (str(cache.path), cache.key(fields))
    if not remeasure:
        hit, source = cache.get(fields), "cache"
        if hit is None:
            hit, why = _UNSTORED.get(unstored_key, (None, ""))
            source = f"measured earlier in this process, {why}"
        if hit is not None:
            try:
                return path_of(hit), {"source": source, "cache": str(cache.path), **hit.to_dict()}
            except ValueError:
                pass
    estimators = {p: estimator_factory(p) for p in offered}
    disagree: list[str] = []
    if raw_of is not None:
        reference = raw_of(estimators[offered[0]])
        for p in offered[1:]:
            if not _same(raw_of(estimators[p]), reference):
                disagree.append(p.label)
                estimators.pop(p).close()
    if time_one is None:
        def time_one(p: MoveNetPath) -> float:
            started = time.perf_counter()
            estimators[p].detect_many([frame] * FRAMES_PER_ROUND)
            return time.perf_counter() - started
    load_probe = load_probe or cpu_seconds
    before = load_probe()
    try:
        choice = measure_paths(list(estimators), time_one, rounds=rounds,
                               on_round=(lambda r, n: progress(f"round {r}/{n}")) if progress else None)
    finally:
        for estimator in estimators.values():
            estimator.close()
    others = others_busy_cores(before, load_probe())
    quiet = others is None or others <= BUSY_OTHERS_CORES
    stored = quiet and cache.put(fields, choice)
    if stored:
        _UNSTORED.pop(unstored_key, None)
    else:
        _UNSTORED[unstored_key] = (choice, "its cache not writable" if quiet else "on a busy machine")
    return path_of(choice), {"source": "measured", "cache": str(cache.path), "disagreeing": disagree,
                             "others_busy_cores": None if others is None else round(others, 2),
                             "stored": stored, **({"cache_unwritable": True} if quiet and not stored else {}),
                             **choice.to_dict()}


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b))
