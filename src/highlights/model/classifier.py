"""``ClipClassifier``: a trained model, its classes and clip spec, behind the fastest verified path."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from highlights.clips.spec import ClipSpec
from highlights.errors import ConfigError
from highlights.model.backends import (AUTO_ORDER, BF16_BACKEND, GIL_FREE_BACKENDS, INT8_BACKEND,
                                       VERDICT_BACKENDS, Backend, Bf16AutocastBackend, EagerBackend,
                                       OnnxRuntimeInt8Backend, build_backend, compare_logits)
from highlights.model.checkpoint import load_checkpoint
from highlights.model.cpu_features import CpuInfo, this_cpu
from highlights.machine_load import BUSY_OTHERS_CORES, cpu_seconds, others_busy_cores
from highlights.model.int8_store import load_bf16, load_int8
from highlights.model.path_choice import (DEFAULT_BUDGET_S, DEFAULT_ROUNDS, PathCache, PathChoice,
                                          PathLayout, RaceResult, cache_key_fields, candidate_layouts,
                                          choose, model_signature, race)
from highlights.model.precision_verdict import PRECISION_BACKENDS, precision_verdict, softmax
from highlights.model.runner import ChunkRunner
from highlights.model.torch_threads import torch_threads

# Clips per forward call inside predict_* for a named path (the automatic choice measures it):
# one clip per call keeps peak memory flat whatever batch is passed.
DEFAULT_CHUNK_SIZE = 1

# ``path_timer(layout, run)`` -> seconds: how the automatic choice times one candidate (``run()``
# runs it once on the measuring batch). The default is the wall clock; tests inject fake timings.
PathTimer = Callable[[PathLayout, Callable[[], Any]], float]
# A verified reduced-precision path offered to the choice: intra-op threads -> a built backend.
VerifiedFactory = Callable[[int], Backend]


def _wall_clock(layout: PathLayout, run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _with_threads(backend: Backend, threads: int) -> Backend:
    """``backend`` with ``threads`` intra-op threads: ONNX Runtime sessions size their pool when
    built; torch paths take the count of the thread that calls them (set by ``ChunkRunner``)."""
    rebuild = getattr(backend, "with_threads", None)
    if rebuild is None or getattr(backend, "num_threads", threads) == threads:
        return backend
    return rebuild(threads)


def describe_skipped(skipped: dict) -> str:
    """What a measuring budget left out (a report's ``measure_skipped``), in words."""
    parts = []
    if skipped.get("paths"):
        parts.append("paths not built: " + ", ".join(skipped["paths"]))
    if skipped.get("rounds"):
        parts.append(f"the finalists were timed {skipped['rounds']['timed']} of "
                     f"{skipped['rounds']['requested']} rounds")
    return ", ".join(parts)


def _describe_cuts(result: RaceResult) -> str:
    by_round: dict[int, int] = {}
    for r in result.cut_after.values():
        by_round[r] = by_round.get(r, 0) + 1
    return "; ".join(f"{n} cut after round {r}" for r, n in sorted(by_round.items()))


class ClipClassifier:
    """Classifies ``(N, 3, T, H, W)`` normalised clip batches (see ``video.clip_to_tensor``).

    ``backend`` is ``"auto"`` or one path's name. ``auto`` builds every fp32 path of
    ``AUTO_ORDER`` and keeps those whose logits on a random clip match eager's (same argmax,
    within 1e-3), adds the reduced-precision paths a test-set verdict accepted (int8, bf16: see
    ``from_checkpoint``), times every path in every layout (workers, clips per call, intra-op
    threads) in a race of interleaved rounds and takes the finalist with the lowest median time
    (``path_choice.race``); ``fp32_paths`` narrows the fp32 paths offered. The choice is cached
    per CPU model, torch version, thread count and model shape (``path_cache``; ``remeasure=True``
    measures again), so a later run only builds and checks the chosen path.
    ``workers``/``chunk_size``, when given, restrict the layouts to theirs. The path in use is
    ``.backend``; ``.backend_report`` records what was tried, how it was chosen and every layout's
    measured speed, for reports to quote. ``num_threads`` is the classifier's intra-op thread count,
    torch's and ONNX Runtime's (None: torch's count when it is built): torch runs on it only during
    the classifier's own work (building and measuring its paths, each prediction), and the caller's
    count is put back after each, exceptions included (``torch_threads``). ``progress`` receives a
    line per step of a measurement. ``measure_budget_s`` bounds the measurement (None: no bound,
    every layout timed in full in every round): paths not yet built when half of it is spent are not
    offered, and the race cuts layouts sooner to fit the rest, though every layout is timed at least
    once; ``backend_report["measure_race"]`` says what was cut after which round and
    ``["measure_skipped"]`` what the budget left out.

    A named path skips the measurement: it runs ``chunk_size`` (default 1) clips per call on
    ``workers`` threads (default: one per thread for paths outside the Python lock, else one).
    """

    def __init__(self, model: nn.Module, classes: Sequence[str], spec: ClipSpec, *,
                 backend: str = "auto", num_threads: int | None = None, workers: int | None = None,
                 chunk_size: int | None = None, meta: dict | None = None,
                 cpu: CpuInfo | None = None, path_cache: PathCache | None | bool = True,
                 remeasure: bool = False, measure_rounds: int = DEFAULT_ROUNDS,
                 measure_budget_s: float | None = DEFAULT_BUDGET_S,
                 path_timer: PathTimer | None = None, fp32_paths: Sequence[str] = AUTO_ORDER,
                 verified_paths: dict[str, VerifiedFactory] | None = None,
                 progress: Callable[[str], None] | None = None,
                 load_probe: Callable[[], tuple[float, float, float] | None] | None = None) -> None:
        self.classes = [str(c) for c in classes]
        out_features = getattr(getattr(model, "fc", None), "out_features", None)
        if out_features is not None and out_features != len(self.classes):
            raise ValueError(f"{len(self.classes)} class names for a {out_features}-class model")
        if num_threads is not None and int(num_threads) < 1:
            raise ValueError(f"num_threads must be >= 1, got {num_threads}")
        # The classifier's own count, set only while it works (`torch_threads`): the caller's
        # process keeps its own for everything else.
        self.num_threads = torch.get_num_threads() if num_threads is None else int(num_threads)
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if chunk_size is not None and int(chunk_size) < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        self._workers_requested = None if workers is None else int(workers)
        self._chunk_requested = None if chunk_size is None else int(chunk_size)
        self.cpu = cpu or this_cpu()
        self._path_cache = (PathCache() if path_cache is True else path_cache) or None
        self._remeasure = bool(remeasure)
        self._rounds = int(measure_rounds)
        self._budget_s = None if measure_budget_s is None else float(measure_budget_s)
        self._timer: PathTimer = path_timer or _wall_clock
        # Real timings are only the machine's when nothing else keeps it busy (`machine_load`);
        # fake timings (tests) do not depend on the load, so they need no probe unless given one.
        self._load_probe = load_probe if load_probe is not None else (cpu_seconds if path_timer is None else None)
        unknown = [p for p in fp32_paths if p not in AUTO_ORDER]
        if unknown or not fp32_paths:
            raise ConfigError(f"fp32_paths: {unknown or 'none given'}; choose from {', '.join(AUTO_ORDER)}")
        self._fp32_paths = tuple(fp32_paths)
        self._progress = progress or (lambda message: None)
        self.runner = self._runner_for("eager")
        self.spec = spec
        self.meta = dict(meta or {})
        self.model = model.eval()
        self._eager = EagerBackend(self.model)
        self._backend: Backend = self._eager
        self.backend_report: dict[str, Any] = {}
        with torch_threads(self.num_threads):
            self._select_backend(backend, dict(verified_paths or {}))

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, *, backend: str = "auto", int8: bool = True,
                        bf16: bool = True, **kwargs: Any) -> "ClipClassifier":
        """Load a checkpoint written by ``save_checkpoint`` (CheckpointError if unusable).

        With ``backend="auto"``, the reduced-precision paths verified on a test set for this
        exact file and this kind of CPU (``highlights evaluate --int8`` / ``--bf16``, see
        ``int8_store``) join the measured choice when ``int8`` / ``bf16`` allow;
        ``backend_report["int8"]`` and ``["bf16"]`` say whether each was offered and why (not).
        Other keyword arguments are the constructor's.
        """
        model, meta = load_checkpoint(path)
        spec = ClipSpec.from_dict(meta["clip_spec"]) if meta.get("clip_spec") else ClipSpec()
        classes = meta.get("classes") or [str(i) for i in range(model.fc.out_features)]
        cpu = kwargs.pop("cpu", None) or this_cpu()
        verified: dict[str, VerifiedFactory] = {}
        why: dict[str, dict] = {}
        if backend == "auto" and int8:
            onnx_bytes, why["int8"] = load_int8(path, cpu=cpu)
            if onnx_bytes is not None:
                verified[INT8_BACKEND] = lambda n, b=onnx_bytes: OnnxRuntimeInt8Backend.from_bytes(b, num_threads=n)
        if backend == "auto" and bf16:
            why["bf16"] = load_bf16(path, cpu=cpu)
            if why["bf16"]["usable"]:
                verified[BF16_BACKEND] = lambda n: Bf16AutocastBackend(model, cpu=cpu)
        classifier = cls(model, classes, spec, backend=backend, meta=meta, cpu=cpu,
                         verified_paths=verified, **kwargs)
        for precision, reason in why.items():
            name = PRECISION_BACKENDS[precision]
            entry = next((t for t in classifier.backend_report.get("tried", []) if t["backend"] == name), None)
            if entry is not None and not entry.get("ok"):
                reason = {**reason, "usable": False,
                          "reason": f"stored {precision} path failed to load: {entry.get('reason')}"}
            elif reason.get("usable"):
                reason = {**reason, "picked": classifier.backend == name}
            classifier.backend_report[precision] = reason
        return classifier

    # -- backend selection ---------------------------------------------------------------

    @property
    def backend(self) -> str:
        """Name of the inference path in use."""
        return self._backend.name

    def _check_input(self) -> torch.Tensor:
        # One random clip at the spec's size: cheap, and it exercises the real shapes.
        generator = torch.Generator().manual_seed(0)
        return torch.randn(1, 3, self.spec.num_frames, self.spec.crop_size, self.spec.crop_size,
                           generator=generator)

    def _build_checked(self, name: str, example: torch.Tensor, reference: torch.Tensor | None,
                       threads: int) -> tuple[Backend | None, dict]:
        """Build the fp32 path ``name`` and check it against eager; (backend or None, report entry)."""
        if name == "eager":
            return self._eager, {"backend": name, "ok": True, "max_abs_diff": 0.0}
        started = time.perf_counter()
        try:
            candidate = build_backend(name, self.model, example, num_threads=threads)
            check = compare_logits(reference, candidate(example))
        except ImportError as exc:
            return None, {"backend": name, "ok": False, "reason": f"not installed: {exc}"}
        except Exception as exc:  # a path that fails to build on this machine is skipped
            return None, {"backend": name, "ok": False,
                          "reason": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
        entry = {"backend": name, "ok": check.ok, "max_abs_diff": check.max_abs_diff,
                 "same_argmax": check.same_argmax, "build_and_check_s": round(time.perf_counter() - started, 3)}
        return (candidate if check.ok else None), entry

    def _select_backend(self, requested: str, verified: dict[str, VerifiedFactory] | None = None) -> None:
        if requested in VERDICT_BACKENDS:
            raise ConfigError(f"the {requested} path is used only once a test-set verdict accepts it: "
                             f"call evaluate_{'int8' if requested == INT8_BACKEND else 'bf16'}(...) and then "
                             f"use_{'int8' if requested == INT8_BACKEND else 'bf16'}(verdict), or run "
                             "highlights evaluate with --int8 / --bf16 on the checkpoint")
        if requested == "auto":
            self._choose_by_measurement(verified or {})
            return
        example = self._check_input()
        reference = self._eager(example) if requested != "eager" else None
        if requested not in AUTO_ORDER:
            build_backend(requested, self.model, example)  # raises the unknown-name error
        candidate, entry = self._build_checked(requested, example, reference, self._ort_threads(requested))
        if candidate is None:
            if "reason" in entry:
                raise RuntimeError(f"backend {requested!r} cannot run here: {entry['reason']}")
            raise RuntimeError(f"backend {requested!r} disagrees with eager (max |logit diff| "
                               f"{entry['max_abs_diff']:.2e}, same argmax {entry['same_argmax']})")
        self._backend = candidate
        self.runner.close()
        self.runner = self._runner_for(candidate.name)
        self.backend_report = {"requested": requested, "picked": candidate.name, "tried": [entry],
                               "choice": "named", "threads": self.num_threads, **self.runner.describe()}

    def _measure_batch(self) -> int:
        # Enough clips for every worker to get several, as the pipeline's batches do.
        return max(4, 2 * self.num_threads)

    def _choose_by_measurement(self, verified: dict[str, VerifiedFactory]) -> None:
        example = self._check_input()
        batch = self._measure_batch()
        offered = [*self._fp32_paths, *verified]
        fields = cache_key_fields(self.cpu, model_signature(self.model, example.shape[1:]),
                                  threads=self.num_threads, offered=offered, batch=batch)
        fields["layout_request"] = [self._workers_requested, self._chunk_requested]
        reference = self._eager(example)
        if self._use_cached(fields, verified, example, reference):
            return
        if self._path_cache is None:
            self._measure(fields, verified, example, reference, batch)
            return
        # One process measures at a time; one that waited finds the choice it needs stored.
        with self._path_cache.measuring(on_wait=lambda: self._progress(
                "another process is measuring the inference paths on this machine: waiting for its choice")):
            if not self._use_cached(fields, verified, example, reference):
                self._measure(fields, verified, example, reference, batch)

    def _use_cached(self, fields: dict, verified: dict[str, VerifiedFactory], example: torch.Tensor,
                    reference: torch.Tensor) -> bool:
        cached = None if (self._remeasure or self._path_cache is None) else self._path_cache.get(fields)
        if cached is None:
            return False
        backend, entry = self._build_for_layout(cached.layout, verified, example, reference)
        if backend is None:
            return False  # the cached path no longer builds or agrees here: measure again
        self._use(backend, cached.layout, tried=[entry], how="cached", choice=cached)
        return True

    def _measure(self, fields: dict, verified: dict[str, VerifiedFactory], example: torch.Tensor,
                 reference: torch.Tensor, batch: int) -> None:
        started = time.perf_counter()
        load_before = self._load_probe() if self._load_probe is not None else None
        budget = self._budget_s
        skipped: dict[str, Any] = {}
        self._progress("choosing the inference path on this CPU (first run for this model shape; "
                       "the choice is cached)")
        tried, built, not_built = self._build_offered(verified, example, reference, started)
        if not_built:
            skipped["paths"] = not_built
        layouts = candidate_layouts(list(built), threads=self.num_threads, batch=batch,
                                    workers=self._workers_requested, chunk_size=self._chunk_requested)
        # Seconds spent so far: building (wall clock) plus what the timer reports for each call
        # (the wall clock too, except in tests, whose timers are fake).
        build_s = time.perf_counter() - started
        result, choice, backend = self._race_layouts(layouts, built, example, batch, build_s)
        others = others_busy_cores(load_before, self._load_probe()) if self._load_probe is not None else None
        quiet = others is None or others <= BUSY_OTHERS_CORES
        stored = quiet and (self._path_cache is None or self._path_cache.put(fields, choice))
        if choice.rounds < self._rounds:
            skipped["rounds"] = {"requested": self._rounds, "timed": choice.rounds}
        if skipped:
            skipped["budget_s"] = budget
        self._progress(self._measured_line(result, choice, skipped, stored=stored, quiet=quiet, others=others))
        self._use(backend, choice.layout, tried=tried, how="measured", choice=choice,
                  skipped=skipped, seconds=build_s + result.seconds, race_result=result,
                  load={"others_busy_cores": None if others is None else round(others, 2), "stored": stored,
                        **({"cache_unwritable": True} if quiet and not stored else {})})

    def _build_offered(self, verified: dict[str, VerifiedFactory], example: torch.Tensor,
                       reference: torch.Tensor, started: float) -> tuple[list[dict], dict[str, Backend], list[str]]:
        """Every offered path built, the fp32 ones checked against eager: (an entry each, the paths
        that built and agree, the fp32 paths left unbuilt once half the budget since `started` is spent)."""
        budget = self._budget_s
        tried: list[dict] = []
        built: dict[str, Backend] = {}
        not_built: list[str] = []
        for number, name in enumerate(self._fp32_paths, 1):
            spent = time.perf_counter() - started
            if name != "eager" and budget is not None and spent > budget / 2:
                not_built.append(name)
                tried.append({"backend": name, "ok": False,
                              "reason": f"not built: {spent:.0f} s of the {budget:.0f} s measuring budget spent"})
                continue
            self._progress(f"path {number}/{len(self._fp32_paths)}: building {name} and checking it against eager")
            backend, entry = self._build_checked(name, example, reference, self.num_threads)
            tried.append(entry)
            if backend is not None:
                built[name] = backend
        for name, factory in verified.items():
            t0 = time.perf_counter()
            try:
                built[name] = factory(self.num_threads)
            except Exception as exc:  # e.g. onnxruntime missing here: the fp32 paths remain
                tried.append({"backend": name, "ok": False, "reason": f"{type(exc).__name__}: {exc}"})
            else:
                tried.append({"backend": name, "ok": True, "verified_by": "test-set verdict",
                              "build_s": round(time.perf_counter() - t0, 3)})
        return tried, built, not_built

    def _race_layouts(self, layouts: list[PathLayout], built: dict[str, Backend], example: torch.Tensor,
                      batch: int, build_s: float) -> tuple[RaceResult, PathChoice, Backend]:
        """Times `layouts` on a batch of `batch` random clips against what is left of the budget
        after `build_s`: (the race, the layout it chose, that layout's backend)."""
        budget = self._budget_s
        x = torch.randn(batch, *example.shape[1:], generator=torch.Generator().manual_seed(1))
        instances: dict[tuple[str, int], Backend] = {}
        runners: dict[PathLayout, ChunkRunner] = {}

        def instance(layout: PathLayout) -> Backend:
            key = (layout.backend, layout.intra_threads)
            if key not in instances:
                instances[key] = _with_threads(built[layout.backend], layout.intra_threads)
            return instances[key]

        def run(layout: PathLayout, clips: torch.Tensor) -> None:
            if layout not in runners:
                runners[layout] = ChunkRunner(chunk_size=layout.chunk_size, workers=layout.workers,
                                              intra_threads=layout.intra_threads)
            with torch.inference_mode():
                runners[layout](instance(layout), clips)

        def time_one(layout: PathLayout) -> float:
            return float(self._timer(layout, lambda: run(layout, x)))

        def one_wave(layout: PathLayout) -> tuple[float, float]:
            # One call per worker at the layout's own shape: (seconds, scaled to the whole batch).
            # As the warm-up it pays what a first timed call would otherwise pay (allocation,
            # oneDNN's kernel choice, ONNX Runtime's first run); as the race's short first round
            # it tells the slow half at a fraction of a full round's cost.
            wave = min(batch, layout.workers * layout.chunk_size)
            took = float(self._timer(layout, lambda: run(layout, x[:wave])))
            return took, took * math.ceil(batch / wave)

        try:
            # Without a budget every layout is timed in full in every round.
            result = race(layouts, time_one, warm_up=one_wave, rounds=self._rounds,
                          first_round=None if budget is None else one_wave,
                          budget_s=None if budget is None else max(0.0, budget - build_s),
                          on_step=self._progress)
        finally:
            for runner in runners.values():
                runner.close()
        choice = choose(result.samples, batch=batch, among=result.finalists)
        return result, choice, instance(choice.layout)

    def _measured_line(self, result: RaceResult, choice: PathChoice, skipped: dict, *, stored: bool,
                       quiet: bool, others: float | None) -> str:
        """What the measuring did and chose, and why its choice was not cached where it was not."""
        budget = self._budget_s
        return (f"timed {len(result.samples)} layouts in {result.rounds_run} rounds"
                + (f" ({_describe_cuts(result)})" if result.cut_after else "")
                + (f"; left out to fit {budget:.0f} s: {describe_skipped(skipped)}" if skipped else "")
                + f"; chose {choice.layout.label}"
                + ("" if stored else f" (not cached: {self._path_cache.path} cannot be written; the "
                                     "next run measures again)" if quiet else
                   f" (not cached: other processes kept {others:.2f} cores busy "
                   "while it was measured; the next run measures again)")
                + (" (`highlights bench-paths --checkpoint CHECKPOINT --budget-s 0` times every layout in every "
                   "round)" if skipped or result.cut_after else ""))

    def _build_for_layout(self, layout: PathLayout, verified: dict[str, VerifiedFactory],
                          example: torch.Tensor, reference: torch.Tensor) -> tuple[Backend | None, dict]:
        if layout.backend in verified:
            try:
                return verified[layout.backend](layout.intra_threads), {
                    "backend": layout.backend, "ok": True, "verified_by": "test-set verdict"}
            except Exception as exc:
                return None, {"backend": layout.backend, "ok": False, "reason": f"{type(exc).__name__}: {exc}"}
        if layout.backend not in self._fp32_paths:
            return None, {"backend": layout.backend, "ok": False, "reason": "not offered"}
        return self._build_checked(layout.backend, example, reference, layout.intra_threads)

    def _use(self, backend: Backend, layout: PathLayout, *, tried: list[dict], how: str,
             choice: PathChoice, skipped: dict | None = None, seconds: float | None = None,
             race_result: RaceResult | None = None, load: dict | None = None) -> None:
        self._backend = backend
        self.runner.close()
        self.runner = ChunkRunner(chunk_size=layout.chunk_size, workers=layout.workers,
                                  intra_threads=layout.intra_threads)
        self.backend_report = {
            "requested": "auto", "picked": backend.name, "choice": how, "layout": layout.label,
            "tried": tried, "threads": self.num_threads, "cpu": self.cpu.to_dict(),
            "measured_clips_per_s": {k: round(v, 3) for k, v in choice.clips_per_s.items()},
            "measure_batch": choice.batch, "measure_rounds": choice.rounds,
            **({"measure_seconds": round(seconds, 2), "measure_skipped": skipped or {}} if how == "measured" else {}),
            **({"measure_race": race_result.to_dict()} if race_result is not None else {}),
            **(load or {}),
            **({"cache": str(self._path_cache.path)} if self._path_cache is not None else {}),
            **self.runner.describe()}

    def _workers_for(self, name: str) -> int:
        if self._workers_requested is not None:
            return self._workers_requested
        return self.num_threads if name in GIL_FREE_BACKENDS else 1

    def _runner_for(self, name: str) -> ChunkRunner:
        workers = self._workers_for(name)
        return ChunkRunner(chunk_size=self._chunk_requested or DEFAULT_CHUNK_SIZE, workers=workers,
                           intra_threads=max(1, self.num_threads // workers))

    def _ort_threads(self, name: str) -> int:
        # ONNX Runtime sizes its own pool per session: with several workers each call gets a share.
        return max(1, self.num_threads // self._workers_for(name))

    # -- prediction ----------------------------------------------------------------------

    def _as_batch(self, x: torch.Tensor | np.ndarray) -> torch.Tensor:
        x = torch.as_tensor(x)
        prepare = "clip_to_tensor(frames, classifier.spec, train=False) makes one"
        if x.dim() != 5 or x.shape[1] != 3:
            raise ConfigError(f"expected a (N, 3, T, H, W) clip batch, got shape {tuple(x.shape)}: {prepare}")
        if not x.is_floating_point():
            # Raw video frames (uint8) run through the model without error and give confident nonsense.
            raise ConfigError(f"expected a normalised float clip batch, got {x.dtype} values (raw frames?): {prepare}")
        frames, size = self.spec.num_frames, self.spec.crop_size
        if tuple(x.shape[2:]) != (frames, size, size):
            # The network takes any size, but one it was not trained at scores clips it never saw.
            raise ConfigError(f"expected clips of {frames} frames of {size}x{size} px (the checkpoint's clip spec), "
                              f"got shape {tuple(x.shape)}: {prepare}")
        return x.to(torch.float32)

    def _run(self, backend: Backend, x: torch.Tensor) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        with torch_threads(self.num_threads):
            return self.runner(backend, x).numpy().astype(np.float32, copy=False)

    def predict_logits(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` float32 logits for a ``(N, 3, T, H, W)`` batch."""
        return self._run(self._backend, self._as_batch(x))

    def predict_proba(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` class probabilities (softmax of the logits); columns follow ``.classes``."""
        return softmax(self.predict_logits(x))

    def predict(self, x: torch.Tensor | np.ndarray) -> list[str]:
        """The most likely class name per clip."""
        return [self.classes[i] for i in self.predict_logits(x).argmax(axis=1)]

    # -- reduced precision: int8 and bf16, through one verdict ----------------------------

    def build_int8(self, calibration: torch.Tensor) -> Backend:
        """Quantise the model to int8, its activation ranges calibrated on ``calibration``
        (N, 3, T, H, W): clips like the target footage, not the test clips. Nothing changes
        until ``use_int8`` accepts a verdict."""
        with torch_threads(self.num_threads):
            self._candidates()["int8"] = OnnxRuntimeInt8Backend(
                self.model, self._as_batch(calibration), num_threads=self._ort_threads(INT8_BACKEND), cpu=self.cpu)
        return self._candidates()["int8"]

    def build_bf16(self, *, allow_emulated: bool = False) -> Backend:
        """Build the bf16 path (``Bf16Unavailable`` on a CPU without native bf16 unless
        ``allow_emulated``). Nothing changes until ``use_bf16`` accepts a verdict."""
        self._candidates()["bf16"] = Bf16AutocastBackend(self.model, cpu=self.cpu, allow_emulated=allow_emulated)
        return self._candidates()["bf16"]

    def _candidates(self) -> dict[str, Backend]:
        if not hasattr(self, "_reduced"):
            self._reduced: dict[str, Backend] = {}
        return self._reduced

    def reduced_backend(self, precision: str) -> Backend:
        """The int8 or bf16 path built by ``build_int8``/``build_bf16`` (RuntimeError before)."""
        candidate = self._candidates().get(precision)
        if candidate is None:
            raise RuntimeError(f"call build_{precision}(...) or evaluate_{precision}(...) first: "
                               f"{precision} is used only once verified")
        return candidate

    def reduced_logits(self, precision: str, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` logits of the ``precision`` path built by ``build_int8``/``build_bf16``
        (the fp32 path stays in use)."""
        candidate = self.reduced_backend(precision)
        x = self._as_batch(x)
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        # A runner of its own, closed here: left to garbage collection, its worker threads would
        # outlive the call.
        runner = self._runner_for(candidate.name)
        try:
            with torch_threads(self.num_threads):
                return runner(candidate, x).numpy().astype(np.float32, copy=False)
        finally:
            runner.close()

    def int8_logits(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` logits of the int8 model built by ``build_int8`` (the fp32 path stays in use)."""
        return self.reduced_logits("int8", x)

    def bf16_logits(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` logits of the bf16 path built by ``build_bf16`` (the fp32 path stays in use)."""
        return self.reduced_logits("bf16", x)

    def int8_onnx_bytes(self) -> bytes:
        """The quantised model built by ``build_int8``, as ONNX bytes (for ``int8_store``)."""
        return self.reduced_backend("int8").onnx_bytes

    def _evaluate(self, precision: str, clips, labels, build: Callable[[torch.Tensor], Any]) -> dict:
        x = self._as_batch(clips)
        y = np.asarray(labels, dtype=np.int64)
        if y.shape != (x.shape[0],):
            raise ValueError(f"{y.shape[0] if y.ndim else 0} labels for {x.shape[0]} clips")
        if x.shape[0] == 0:
            raise ValueError(f"{precision} evaluation needs at least one labelled clip")
        extra = build(x)
        verdict = precision_verdict(self._run(self._backend, x), self.reduced_logits(precision, x), y,
                                    precision=precision, backend=PRECISION_BACKENDS[precision])
        return {"reference_backend": self.backend, "cpu": self.cpu.to_dict(), **extra, **verdict}

    def evaluate_int8(self, clips: torch.Tensor, labels: Sequence[int] | np.ndarray, *,
                      calibration: torch.Tensor | None = None) -> dict:
        """Build the int8 path and measure it against the fp32 path on a labelled test set.

        ``clips`` (N, 3, T, H, W) with integer ``labels`` (indices into ``.classes``);
        ``calibration`` are the clips whose activation ranges set the int8 scales (default: the
        first up to 8 of ``clips``; give training clips to keep the test set unseen). Returns
        ``int8_verdict``'s dict. Pass it to ``use_int8`` to switch over; nothing changes until then.
        """
        def build(x: torch.Tensor) -> dict:
            calib = x[:8] if calibration is None else self._as_batch(calibration)
            backend = self.build_int8(calib)
            return {"num_calibration_clips": int(calib.shape[0]), "int8_kind": backend.int8_kind,
                    "reduce_range": backend.reduce_range}
        return self._evaluate("int8", clips, labels, build)

    def evaluate_bf16(self, clips: torch.Tensor, labels: Sequence[int] | np.ndarray, *,
                      allow_emulated: bool = False) -> dict:
        """Build the bf16 path and measure it against the fp32 path on a labelled test set: the
        same verdict as int8 (``bf16_verdict``). Pass it to ``use_bf16`` to switch over."""
        def build(x: torch.Tensor) -> dict:
            self.build_bf16(allow_emulated=allow_emulated)
            return {}
        return self._evaluate("bf16", clips, labels, build)

    def _use_verified(self, precision: str, verdict: dict) -> bool:
        candidate = self.reduced_backend(precision)
        self.backend_report[precision] = dict(verdict)
        if not verdict.get("accepted"):
            return False
        self._backend = candidate
        self.runner.close()
        self.runner = self._runner_for(candidate.name)
        self.backend_report.update({"picked": candidate.name, **self.runner.describe()})
        return True

    def use_int8(self, verdict: dict) -> bool:
        """Switch to the int8 path built by ``evaluate_int8`` if its verdict accepted it.

        Returns whether the switch happened; the verdict is kept in ``backend_report``.
        """
        return self._use_verified("int8", verdict)

    def use_bf16(self, verdict: dict) -> bool:
        """Switch to the bf16 path built by ``evaluate_bf16`` if its verdict accepted it."""
        return self._use_verified("bf16", verdict)

    def close(self) -> None:
        """Stop the worker threads (they also stop when the process exits)."""
        self.runner.close()
