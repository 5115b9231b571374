"""``ClipClassifier``: a trained model, its classes and clip spec, behind the fastest verified path."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from highlights.clips.spec import ClipSpec
from highlights.model.backends import (AUTO_ORDER, GIL_FREE_BACKENDS, INT8_BACKEND, Backend,
                                       EagerBackend, OnnxRuntimeInt8Backend, build_backend,
                                       compare_logits)
from highlights.model.checkpoint import load_checkpoint
from highlights.model.int8_store import load_int8
from highlights.model.runner import ChunkRunner

# Largest accuracy drop (in percentage points, on a labelled test set) accepted for int8.
INT8_MAX_ACCURACY_LOSS_POINTS = 0.5

# Clips per forward call inside predict_*: one clip per call, one call per core at a time (see
# runner.py for the measurement). It also keeps peak memory flat whatever batch is passed.
DEFAULT_CHUNK_SIZE = 1


def int8_verdict(fp32_logits: np.ndarray, int8_logits: np.ndarray, labels: Sequence[int] | np.ndarray) -> dict:
    """Is int8 good enough? fp32 and int8 accuracy on the same labelled clips, the change in
    points, the share of clips where both predict the same class, max |logit diff|, the largest
    class-probability change and the mean over clips of each clip's largest change (the pipeline
    thresholds probabilities, so a shift there matters even where the argmax holds), and
    ``accepted`` (accuracy lost <= ``INT8_MAX_ACCURACY_LOSS_POINTS``)."""
    fp32_logits, int8_logits = np.asarray(fp32_logits), np.asarray(int8_logits)
    y = np.asarray(labels, dtype=np.int64)
    if not (fp32_logits.shape == int8_logits.shape and fp32_logits.shape[:1] == y.shape) or len(y) == 0:
        raise ValueError(f"int8 verdict: logits {fp32_logits.shape} and {int8_logits.shape} for {y.shape[0]} labels")
    fp32_acc = float((fp32_logits.argmax(1) == y).mean())
    int8_acc = float((int8_logits.argmax(1) == y).mean())
    loss_points = (fp32_acc - int8_acc) * 100.0
    prob_diff = np.abs(softmax(fp32_logits.astype(np.float64)) - softmax(int8_logits.astype(np.float64)))
    return {
        "backend": INT8_BACKEND, "num_clips": int(len(y)),
        "fp32_accuracy": fp32_acc, "int8_accuracy": int8_acc,
        "accuracy_change_points": -loss_points + 0.0,  # + 0.0: no "-0.00 points" when nothing changed
        "prediction_agreement": float((fp32_logits.argmax(1) == int8_logits.argmax(1)).mean()),
        "max_abs_logit_diff": float(np.abs(fp32_logits - int8_logits).max()),
        "max_abs_prob_diff": float(prob_diff.max()),
        "mean_abs_prob_diff": float(prob_diff.max(axis=1).mean()),
        "max_loss_points_allowed": INT8_MAX_ACCURACY_LOSS_POINTS,
        "points_per_clip": 100.0 / len(y),  # below 200 clips, one clip lost is already too many
        # A hair of float slack: 200 clips with one lost is exactly 0.5 points.
        "accepted": bool(loss_points <= INT8_MAX_ACCURACY_LOSS_POINTS + 1e-9),
    }


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits, shifted for stability."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class ClipClassifier:
    """Classifies ``(N, 3, T, H, W)`` normalised clip batches (see ``video.clip_to_tensor``).

    ``backend`` is ``"auto"`` (try ``AUTO_ORDER``, fastest first, and keep the first path whose
    logits on a random clip match eager's: same argmax, within 1e-3) or one path's name. The path
    in use is ``.backend``; ``.backend_report`` records what was tried and why each was kept or
    passed over, for reports to quote. ``num_threads`` sets torch's (process-wide) thread count
    and ONNX Runtime's; left as None, both use torch's current setting. A batch runs
    ``chunk_size`` clips per call on ``workers`` threads at once, each with
    ``num_threads // workers`` intra-op threads. By default paths that run outside the Python
    lock (TorchScript, ONNX Runtime) get one worker per thread, the others a single caller
    thread: the faster layout for each on the project's CPU (bench/bench_inference.py).
    """

    def __init__(self, model: nn.Module, classes: Sequence[str], spec: ClipSpec, *,
                 backend: str = "auto", num_threads: int | None = None, workers: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, meta: dict | None = None) -> None:
        self.classes = [str(c) for c in classes]
        out_features = getattr(getattr(model, "fc", None), "out_features", None)
        if out_features is not None and out_features != len(self.classes):
            raise ValueError(f"{len(self.classes)} class names for a {out_features}-class model")
        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        self.num_threads = torch.get_num_threads()
        if workers is not None and int(workers) < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self._workers_requested = None if workers is None else int(workers)
        self._chunk_size = int(chunk_size)
        self.runner = self._runner_for("eager")
        self.spec = spec
        self.meta = dict(meta or {})
        self.model = model.eval()
        self._eager = EagerBackend(self.model)
        self._backend: Backend = self._eager
        self.backend_report: dict[str, Any] = {}
        self._select_backend(backend)

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, *, backend: str = "auto", int8: bool = True,
                        num_threads: int | None = None, workers: int | None = None,
                        chunk_size: int = DEFAULT_CHUNK_SIZE) -> "ClipClassifier":
        """Load a checkpoint written by ``save_checkpoint`` (CheckpointError if unusable).

        With ``backend="auto"`` and ``int8`` (the default), a quantised model verified on a test
        set for this exact file (``highlights evaluate --int8``, see ``int8_store``) is used in
        place of the fp32 path; ``backend_report["int8"]`` says whether and why (not).
        """
        model, meta = load_checkpoint(path)
        spec = ClipSpec.from_dict(meta["clip_spec"]) if meta.get("clip_spec") else ClipSpec()
        classes = meta.get("classes") or [str(i) for i in range(model.fc.out_features)]
        stored = load_int8(path) if backend == "auto" and int8 else None
        # With a verified int8 model at hand, searching the fp32 paths (tracing, exporting and
        # checking each against eager: seconds on a full model) would be thrown away: start on
        # eager, which costs nothing to set up, and switch.
        first = "eager" if stored is not None and stored[0] is not None else backend
        classifier = cls(model, classes, spec, backend=first, num_threads=num_threads,
                         workers=workers, chunk_size=chunk_size, meta=meta)
        if stored is not None:
            classifier._use_stored_int8(*stored)
        return classifier

    def _use_stored_int8(self, onnx_bytes: bytes | None, why: dict) -> None:
        if onnx_bytes is not None:
            try:
                self._backend = OnnxRuntimeInt8Backend.from_bytes(
                    onnx_bytes, num_threads=self._ort_threads(INT8_BACKEND))
            except Exception as exc:  # e.g. onnxruntime missing here: fall back to the fp32 search
                why = {**why, "usable": False,
                       "reason": f"stored int8 model failed to load: {type(exc).__name__}: {exc}"}
                self._select_backend("auto")
            else:
                self.runner = self._runner_for(INT8_BACKEND)
                self.backend_report = {
                    "requested": "auto", "picked": INT8_BACKEND, "threads": self.num_threads,
                    "tried": [], "fp32_search": "skipped: a verified int8 model is stored for this checkpoint",
                    **self.runner.describe()}
        self.backend_report["int8"] = why

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

    def _select_backend(self, requested: str) -> None:
        if requested == INT8_BACKEND:
            raise ValueError("the int8 path needs calibration clips and a verified accuracy: "
                             "call evaluate_int8(...) and then use_int8(verdict)")
        candidates = list(AUTO_ORDER) if requested == "auto" else [requested]
        example = self._check_input()
        # The eager forward that other paths are checked against: only run when one is tried.
        reference = self._eager(example) if candidates[0] != "eager" else None
        tried: list[dict] = []
        for name in candidates:
            if name == "eager":
                self._backend = self._eager
                tried.append({"backend": name, "ok": True, "max_abs_diff": 0.0})
                break
            started = time.perf_counter()
            try:
                candidate = build_backend(name, self.model, example, num_threads=self._ort_threads(name))
                check = compare_logits(reference, candidate(example))
            except ImportError as exc:
                if requested != "auto":
                    raise
                tried.append({"backend": name, "ok": False, "reason": f"not installed: {exc}"})
                continue
            except Exception as exc:  # a path that fails to build on this machine is skipped
                if requested != "auto":
                    raise
                tried.append({"backend": name, "ok": False,
                              "reason": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"})
                continue
            entry = {"backend": name, "ok": check.ok, "max_abs_diff": check.max_abs_diff,
                     "same_argmax": check.same_argmax,
                     "build_and_check_s": round(time.perf_counter() - started, 3)}
            tried.append(entry)
            if check.ok:
                self._backend = candidate
                break
            if requested != "auto":
                raise RuntimeError(f"backend {name!r} disagrees with eager (max |logit diff| "
                                   f"{check.max_abs_diff:.2e}, same argmax {check.same_argmax})")
        self.runner = self._runner_for(self._backend.name)
        self.backend_report = {"requested": requested, "picked": self._backend.name, "tried": tried,
                               "threads": self.num_threads, **self.runner.describe()}

    def _workers_for(self, name: str) -> int:
        if self._workers_requested is not None:
            return self._workers_requested
        return self.num_threads if name in GIL_FREE_BACKENDS else 1

    def _runner_for(self, name: str) -> ChunkRunner:
        workers = self._workers_for(name)
        return ChunkRunner(chunk_size=self._chunk_size, workers=workers,
                           intra_threads=max(1, self.num_threads // workers))

    def _ort_threads(self, name: str) -> int:
        # ONNX Runtime sizes its own pool per session: with several workers each call gets a share.
        return max(1, self.num_threads // self._workers_for(name))

    # -- prediction ----------------------------------------------------------------------

    def _as_batch(self, x: torch.Tensor | np.ndarray) -> torch.Tensor:
        x = torch.as_tensor(x)
        if x.dim() != 5 or x.shape[1] != 3:
            raise ValueError(f"expected a (N, 3, T, H, W) clip batch, got shape {tuple(x.shape)}")
        return x.to(torch.float32)

    def _run(self, backend: Backend, x: torch.Tensor) -> np.ndarray:
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
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

    # -- int8 ----------------------------------------------------------------------------

    def build_int8(self, calibration: torch.Tensor) -> Backend:
        """Quantise the model to int8, its activation ranges calibrated on ``calibration``
        (N, 3, T, H, W): clips like the target footage, not the test clips. Nothing changes
        until ``use_int8`` accepts a verdict."""
        self._int8_candidate = OnnxRuntimeInt8Backend(self.model, self._as_batch(calibration),
                                                      num_threads=self._ort_threads(INT8_BACKEND))
        return self._int8_candidate

    def int8_logits(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """``(N, C)`` logits of the int8 model built by ``build_int8`` (the fp32 path stays in use)."""
        candidate = getattr(self, "_int8_candidate", None)
        if candidate is None:
            raise RuntimeError("call build_int8(...) or evaluate_int8(...) first")
        x = self._as_batch(x)
        if x.shape[0] == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return self._runner_for(INT8_BACKEND)(candidate, x).numpy().astype(np.float32, copy=False)

    def int8_onnx_bytes(self) -> bytes:
        """The quantised model built by ``build_int8``, as ONNX bytes (for ``int8_store``)."""
        candidate = getattr(self, "_int8_candidate", None)
        if candidate is None:
            raise RuntimeError("call build_int8(...) first")
        return candidate.onnx_bytes

    def evaluate_int8(self, clips: torch.Tensor, labels: Sequence[int] | np.ndarray, *,
                      calibration: torch.Tensor | None = None) -> dict:
        """Build the int8 path and measure it against the fp32 path on a labelled test set.

        ``clips`` (N, 3, T, H, W) with integer ``labels`` (indices into ``.classes``);
        ``calibration`` are the clips whose activation ranges set the int8 scales (default: the
        first up to 8 of ``clips``; give training clips to keep the test set unseen). Returns
        ``int8_verdict``'s dict. Pass it to ``use_int8`` to switch over; nothing changes until then.
        """
        x = self._as_batch(clips)
        y = np.asarray(labels, dtype=np.int64)
        if y.shape != (x.shape[0],):
            raise ValueError(f"{y.shape[0] if y.ndim else 0} labels for {x.shape[0]} clips")
        if x.shape[0] == 0:
            raise ValueError("int8 evaluation needs at least one labelled clip")
        calibration = x[:8] if calibration is None else self._as_batch(calibration)
        self.build_int8(calibration)
        verdict = int8_verdict(self._run(self._backend, x), self.int8_logits(x), y)
        return {"reference_backend": self.backend, "num_calibration_clips": int(calibration.shape[0]),
                **verdict}

    def use_int8(self, verdict: dict) -> bool:
        """Switch to the int8 path built by ``evaluate_int8`` if its verdict accepted it.

        Returns whether the switch happened; the verdict is kept in ``backend_report``.
        """
        candidate = getattr(self, "_int8_candidate", None)
        if candidate is None:
            raise RuntimeError("call evaluate_int8(...) or build_int8(...) first: int8 is used only once verified")
        self.backend_report["int8"] = dict(verdict)
        if not verdict.get("accepted"):
            return False
        self._backend = candidate
        self.runner = self._runner_for(candidate.name)
        self.backend_report.update({"picked": candidate.name, **self.runner.describe()})
        return True

    def close(self) -> None:
        """Stop the worker threads (they also stop when the process exits)."""
        self.runner.close()
