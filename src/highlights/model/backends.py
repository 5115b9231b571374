"""Inference paths for the clip classifier, each checked against plain eager PyTorch.

Every backend turns a float32 ``(N, 3, T, H, W)`` batch into ``(N, C)`` float32 logits and must
give the eager model's predictions (same argmax, logits within 1e-3). What each one tries:

- ``eager``: the model as written; the reference every other path is checked against.
- ``channels_last``: the same model with ``torch.channels_last_3d`` weights and inputs, which
  lets oneDNN use its channels-last convolution kernels.
- ``folded_channels_last``: batch-norm folded into the preceding convolution (inference only;
  done by ``torch.fx.experimental.optimization.fuse``, the library's own conv+BN folding) on
  top of ``channels_last``.
- ``torchscript``: ``torch.jit.trace`` + ``torch.jit.freeze`` (folds conv+BN, inlines weights)
  + ``torch.jit.optimize_for_inference`` (oneDNN fusions such as conv+ReLU), channels-last.
- ``onnxruntime``: ONNX export and ONNX Runtime's CPU provider (needs ``onnxruntime``).
- ``onnxruntime_int8``: ONNX Runtime static int8 quantisation (QDQ, per-channel weights,
  calibrated on clips the caller gives). Never picked on an unverified model: its accuracy must
  first be shown on a test set (``ClipClassifier.evaluate_int8``, ``highlights evaluate --int8``);
  ``ClipClassifier.from_checkpoint`` then offers the stored quantised model (``int8_store``).
- ``bf16_autocast``: the batch-norm-folded, channels-last model under ``torch.autocast`` in
  bfloat16. Offered only on a CPU with native bf16 (``cpu_features``): elsewhere bf16 is
  emulated and several times slower than fp32. Its logits differ from fp32 by more than the
  1e-3 the fp32 paths must meet, so, like int8, it is used only once a verdict on a labelled
  test set accepts it (``evaluate_bf16``, ``highlights evaluate --bf16``).

Which path, and in which layout, is fastest is measured on the machine (``path_choice``);
``bench/bench_inference.py`` prints every path's speed beside the automatic choice.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from highlights.errors import ConfigError
from highlights.model.cpu_features import CpuInfo, this_cpu

# The fp32 paths the automatic choice times (path_choice), each checked against eager first.
AUTO_ORDER: tuple[str, ...] = ("torchscript", "folded_channels_last", "channels_last",
                               "onnxruntime", "eager")
INT8_BACKEND = "onnxruntime_int8"
BF16_BACKEND = "bf16_autocast"
# Paths whose logits differ from fp32 by design: used only once a verdict on a test set accepts them.
VERDICT_BACKENDS = (INT8_BACKEND, BF16_BACKEND)

# Paths whose whole forward runs outside the Python interpreter lock: these gain from one clip
# per core on parallel threads; the others (Python-level modules) lose, and run one call at a time.
GIL_FREE_BACKENDS = frozenset({"torchscript", "onnxruntime", INT8_BACKEND})

# Agreement an inference path must show with eager to be used.
LOGIT_TOLERANCE = 1e-3


class Backend:
    """A frozen inference path: ``backend(x) -> logits`` for one chunk of clips."""

    name: str = "base"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError


class EagerBackend(Backend):
    name = "eager"

    def __init__(self, model: nn.Module) -> None:
        self.model = model.eval()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.model(x)


class ChannelsLastBackend(Backend):
    name = "channels_last"

    def __init__(self, model: nn.Module) -> None:
        self.model = copy.deepcopy(model).eval().to(memory_format=torch.channels_last_3d)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.model(x.contiguous(memory_format=torch.channels_last_3d))


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model`` (eval mode) with every Conv3d->BatchNorm3d pair folded into one conv.

    Inference only: the folded conv uses the running statistics. torch.fx's ``fuse`` does the
    tracing and the arithmetic; the original model is left untouched.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the module imports torch.jit helpers
        from torch.fx.experimental.optimization import fuse

    return fuse(copy.deepcopy(model).eval(), inplace=True)


class FoldedChannelsLastBackend(Backend):
    name = "folded_channels_last"

    def __init__(self, model: nn.Module) -> None:
        self.model = fold_batchnorm(model).to(memory_format=torch.channels_last_3d)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.model(x.contiguous(memory_format=torch.channels_last_3d))


class TorchScriptBackend(Backend):
    name = "torchscript"

    def __init__(self, model: nn.Module, example: torch.Tensor) -> None:
        work = copy.deepcopy(model).eval().to(memory_format=torch.channels_last_3d)
        example = example.contiguous(memory_format=torch.channels_last_3d)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about the deprecated jit
            traced = torch.jit.trace(work, example)
            self.module = torch.jit.optimize_for_inference(torch.jit.freeze(traced))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.module(x.contiguous(memory_format=torch.channels_last_3d))


def export_onnx(model: nn.Module, example: torch.Tensor, path: str | Path | io.BytesIO) -> None:
    """Export ``model`` to ONNX with the batch and T/H/W dims dynamic (input ``clips``)."""
    dynamic = {0: "batch", 2: "frames", 3: "height", 4: "width"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter is marked deprecated
        # The TorchScript-based exporter (dynamo=False) needs only torch; the dynamo one would
        # also need onnxscript, for the same graph of Conv/Relu/Add/GlobalAveragePool/Gemm.
        torch.onnx.export(copy.deepcopy(model).eval(), (example,), path, dynamo=False,
                          input_names=["clips"], output_names=["logits"],
                          dynamic_axes={"clips": dynamic, "logits": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)


def _ort_session(model_source: bytes | str, num_threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model_source, options, providers=["CPUExecutionProvider"])


class OnnxRuntimeBackend(Backend):
    name = "onnxruntime"

    def __init__(self, model: nn.Module, example: torch.Tensor, *, num_threads: int | None = None) -> None:
        buffer = io.BytesIO()
        export_onnx(model, example, buffer)
        self.onnx_bytes = buffer.getvalue()
        self.num_threads = num_threads or torch.get_num_threads()
        self.session = _ort_session(self.onnx_bytes, self.num_threads)

    def with_threads(self, num_threads: int) -> "OnnxRuntimeBackend":
        """The same model in a session of its own with ``num_threads`` intra-op threads (ONNX
        Runtime sizes its pool per session: one per worker layout)."""
        other = copy.copy(self)
        other.num_threads = int(num_threads)
        other.session = _ort_session(self.onnx_bytes, other.num_threads)
        return other

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().to(torch.float32).contiguous().numpy()
        return torch.from_numpy(self.session.run(None, {"clips": x})[0])


class OnnxRuntimeInt8Backend(OnnxRuntimeBackend):
    """ONNX Runtime static int8: QDQ format, per-channel int8 weights, uint8 activations whose
    ranges are calibrated on ``calibration`` (a few real clips of the target footage).

    ONNX Runtime runs u8*s8 convolutions with VNNI dot products where the CPU has them (exact
    int32 sums). Without VNNI it uses VPMADDUBSW, whose pairwise 16-bit sums can saturate; ONNX
    Runtime's documented remedy is ``reduce_range`` (7-bit weights), which is used there. Which
    of the two a model was built for is kept (``int8_kind``) so that a verdict measured on one
    kind of CPU is not applied on the other."""

    name = INT8_BACKEND

    def __init__(self, model: nn.Module, calibration: torch.Tensor, *,
                 num_threads: int | None = None, cpu: CpuInfo | None = None) -> None:
        from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                              quantize_static)
        from onnxruntime.quantization.shape_inference import quant_pre_process

        self.int8_kind = (cpu or this_cpu()).int8_kind
        self.reduce_range = self.int8_kind != "vnni"
        calibration = torch.as_tensor(calibration, dtype=torch.float32)
        if calibration.dim() != 5 or calibration.shape[0] == 0:
            raise ValueError("int8 calibration needs a (N, 3, T, H, W) batch of at least one clip")
        clips = [calibration[i:i + 1].contiguous().numpy() for i in range(calibration.shape[0])]

        class _Reader(CalibrationDataReader):
            def __init__(self) -> None:
                self._batches = iter({"clips": c} for c in clips)

            def get_next(self):
                return next(self._batches, None)

        with _int8_work_folder() as tmp:
            fp32, pre, int8 = (Path(tmp) / n for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
            export_onnx(model, torch.from_numpy(clips[0]), fp32)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # Pre-processing (graph optimisation, shape inference) is what ORT recommends
                # before static quantisation; it folds BN so the quantised convs include it.
                quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
                quantize_static(str(pre), str(int8), _Reader(), quant_format=QuantFormat.QDQ,
                                per_channel=True, activation_type=QuantType.QUInt8,
                                weight_type=QuantType.QInt8, reduce_range=self.reduce_range)
            self.onnx_bytes = int8.read_bytes()  # kept, so a verified model can be stored
        self.num_threads = num_threads or torch.get_num_threads()
        self.session = _ort_session(self.onnx_bytes, self.num_threads)

    @classmethod
    def from_bytes(cls, onnx_bytes: bytes, *, num_threads: int | None = None) -> "OnnxRuntimeInt8Backend":
        """A quantised model stored earlier (see ``int8_store``), without re-calibrating."""
        backend = cls.__new__(cls)
        backend.onnx_bytes = bytes(onnx_bytes)
        backend.num_threads = num_threads or torch.get_num_threads()
        backend.session = _ort_session(backend.onnx_bytes, backend.num_threads)
        return backend


# The system temp folder's working folder of a quantisation: `highlights-int8-PID-XXXXXXXX`. Its
# three ONNX files are the model's size each; the pid lets a later quantisation remove what one
# killed before its cleanup left.
_INT8_WORK_PREFIX = "highlights-int8-"
_INT8_WORK_NAME = re.compile(rf"^{_INT8_WORK_PREFIX}(?P<pid>\d+)-")


def _int8_work_folder() -> tempfile.TemporaryDirectory:
    """A new working folder for one quantisation, after removing those of ended processes."""
    from highlights.owner_pid import folders_of_gone_owners

    parent = Path(tempfile.gettempdir())
    for folder, _ in folders_of_gone_owners(parent, _INT8_WORK_NAME):
        shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{_INT8_WORK_PREFIX}{os.getpid()}-", dir=parent)


class Bf16Unavailable(ConfigError):
    """bf16 was asked for on a CPU that would only emulate it."""


class Bf16AutocastBackend(Backend):
    """The batch-norm-folded, channels-last model under ``torch.autocast("cpu", bfloat16)``:
    convolutions and the head in bf16 with fp32 accumulation (oneDNN), logits returned as fp32.

    Refused (``Bf16Unavailable``) where the CPU has no native bf16 unless ``allow_emulated``
    (tests of the arithmetic, benches that show the cost)."""

    name = BF16_BACKEND

    def __init__(self, model: nn.Module, *, cpu: CpuInfo | None = None, allow_emulated: bool = False) -> None:
        cpu = cpu or this_cpu()
        if not cpu.native_bf16 and not allow_emulated:
            raise Bf16Unavailable(
                f"bf16 needs a CPU with native bf16 (AVX512_BF16 or AMX); {cpu.model} has none "
                f"(flags: {' '.join(cpu.relevant_flags()) or 'none of the relevant'}), where bf16 "
                "is emulated and slower than fp32")
        self.model = fold_batchnorm(model).to(memory_format=torch.channels_last_3d)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            out = self.model(x.contiguous(memory_format=torch.channels_last_3d))
        return out.float()


def build_backend(name: str, model: nn.Module, example: torch.Tensor, *,
                  num_threads: int | None = None) -> Backend:
    """Build the fp32 inference path ``name`` for ``model``; ``example`` is one input batch."""
    builders: dict[str, Callable[[], Backend]] = {
        "eager": lambda: EagerBackend(model),
        "channels_last": lambda: ChannelsLastBackend(model),
        "folded_channels_last": lambda: FoldedChannelsLastBackend(model),
        "torchscript": lambda: TorchScriptBackend(model, example),
        "onnxruntime": lambda: OnnxRuntimeBackend(model, example, num_threads=num_threads),
    }
    if name not in builders:
        raise ConfigError(f"unknown backend {name!r}; choose from {', '.join(['auto', *builders])} "
                          f"(int8 and bf16 are used once a test-set verdict accepts them: "
                          f"highlights evaluate --int8 / --bf16)")
    return builders[name]()


@dataclass(frozen=True)
class Equivalence:
    """How a path's logits compare with eager's on the same batch."""

    max_abs_diff: float
    same_argmax: bool

    @property
    def ok(self) -> bool:
        return self.same_argmax and self.max_abs_diff <= LOGIT_TOLERANCE


def compare_logits(reference: torch.Tensor | np.ndarray, candidate: torch.Tensor | np.ndarray) -> Equivalence:
    ref = torch.as_tensor(reference, dtype=torch.float32)
    cand = torch.as_tensor(candidate, dtype=torch.float32)
    if ref.shape != cand.shape or not torch.isfinite(cand).all():
        return Equivalence(max_abs_diff=float("inf"), same_argmax=False)
    diff = float((ref - cand).abs().max()) if ref.numel() else 0.0
    return Equivalence(max_abs_diff=diff, same_argmax=bool((ref.argmax(1) == cand.argmax(1)).all()))
