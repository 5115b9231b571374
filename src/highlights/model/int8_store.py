"""Verified reduced-precision paths kept beside their checkpoint: int8 and bf16, one machinery.

`highlights evaluate --int8` (or `--bf16`) measures the path against fp32 on a labelled test
split. The verdict is written as ``CHECKPOINT.int8.json`` / ``CHECKPOINT.bf16.json`` (with the
checkpoint's sha256, the CPU it was measured on, the dataset and split, accuracy of both paths,
agreement, probability differences, speed-up) and, for an accepted int8 verdict, the quantised
model as ``CHECKPOINT.int8.onnx`` (bf16 needs no file: it is built from the checkpoint). Later
loads of that exact checkpoint (same sha256) on a CPU of the same kind offer the path to the
measured path choice; any other file, a retrained checkpoint at the same path, or a CPU whose
arithmetic differs (int8 with or without VNNI; bf16 only where native) falls back to fp32.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes, atomic_write_json, remove_file, written_together
from highlights.file_hash import file_sha256
from highlights.model.cpu_features import CpuInfo, this_cpu

VERDICT_FORMAT = "highlights.int8-verdict/1"
BF16_VERDICT_FORMAT = "highlights.bf16-verdict/1"
FORMATS = {"int8": VERDICT_FORMAT, "bf16": BF16_VERDICT_FORMAT}
MODEL_SHA256 = "model_sha256"  # an accepted int8 verdict's: the quantised model it measured


def sidecar_paths(checkpoint: str | os.PathLike, precision: str = "int8") -> tuple[Path, Path]:
    """(model file, verdict) paths for ``checkpoint`` and ``precision`` ("int8" or "bf16")."""
    checkpoint = Path(checkpoint)
    suffix = ".onnx" if precision == "int8" else ".bin"  # bf16 stores no model file
    return (checkpoint.with_name(f"{checkpoint.name}.{precision}{suffix}"),
            checkpoint.with_name(f"{checkpoint.name}.{precision}.json"))



def save_int8(checkpoint: str | os.PathLike, verdict: dict[str, Any], onnx_bytes: bytes | None, *,
              cpu: CpuInfo | None = None) -> tuple[Path, Path | None]:
    """Write the verdict, and the quantised model when the verdict accepted it. A rejected
    verdict removes an older accepted model, so a stale one can never be picked up."""
    return save_verdict(checkpoint, "int8", verdict, onnx_bytes, cpu=cpu)


def save_bf16(checkpoint: str | os.PathLike, verdict: dict[str, Any], *,
              cpu: CpuInfo | None = None) -> tuple[Path, None]:
    """Write a bf16 verdict (the path is rebuilt from the checkpoint: no model file)."""
    return save_verdict(checkpoint, "bf16", verdict, None, cpu=cpu)


def save_verdict(checkpoint: str | os.PathLike, precision: str, verdict: dict[str, Any],
                 model_bytes: bytes | None, *, cpu: CpuInfo | None = None) -> tuple[Path, Path | None]:
    model_path, verdict_path = sidecar_paths(checkpoint, precision)
    record = {**verdict, "format": FORMATS[precision], "checkpoint_sha256": file_sha256(checkpoint),
              "cpu": (cpu or this_cpu()).to_dict()}
    written_model = None
    # Both or neither; the verdict last, naming its model's sha256: a kill between the two renames
    # over an earlier pair leaves an earlier verdict that `load_int8` finds is not this model's.
    with written_together():
        if precision != "int8":
            pass  # nothing but the verdict to write
        elif verdict.get("accepted"):
            if not model_bytes:
                raise ValueError("an accepted int8 verdict needs the quantised model's bytes")
            written_model = atomic_write_bytes(model_path, model_bytes)
            record[MODEL_SHA256] = hashlib.sha256(model_bytes).hexdigest()
        else:
            remove_file(model_path)
        atomic_write_json(verdict_path, record, indent=2)
    return verdict_path, written_model


def load_int8(checkpoint: str | os.PathLike, *, cpu: CpuInfo | None = None) -> tuple[bytes | None, dict[str, Any]]:
    """(quantised model bytes or None, why) for ``checkpoint``. ``why`` is the stored verdict
    plus ``usable`` and, when not usable, ``reason``."""
    verdict = _load_verdict(checkpoint, "int8", cpu or this_cpu())
    if not verdict["usable"]:
        return None, verdict
    model_path, _ = sidecar_paths(checkpoint, "int8")
    if not model_path.is_file():
        return None, {**verdict, "usable": False, "reason": f"{model_path}: quantised model missing"}
    model = model_path.read_bytes()
    # (A verdict written before the model's sha256 was recorded has none to check.)
    if verdict.get(MODEL_SHA256) not in (None, hashlib.sha256(model).hexdigest()):
        reason = (f"{model_path}: not the model its verdict measured (a later run stopped "
                  "between writing them): re-run evaluate --int8")
        return None, {**verdict, "usable": False, "reason": reason}
    return model, verdict


def load_bf16(checkpoint: str | os.PathLike, *, cpu: CpuInfo | None = None) -> dict[str, Any]:
    """The stored bf16 verdict for ``checkpoint`` plus ``usable`` and, when not, ``reason``."""
    return _load_verdict(checkpoint, "bf16", cpu or this_cpu())


def _load_verdict(checkpoint: str | os.PathLike, precision: str, cpu: CpuInfo) -> dict[str, Any]:
    _, verdict_path = sidecar_paths(checkpoint, precision)
    if precision == "bf16" and not cpu.native_bf16:
        return {"usable": False, "reason": f"this CPU ({cpu.model}) has no native bf16"}
    if not verdict_path.is_file():
        return {"usable": False, "reason": f"never verified (highlights evaluate --{precision})"}
    try:
        verdict = json.loads(verdict_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"usable": False, "reason": f"{verdict_path}: unreadable verdict ({exc})"}
    if not isinstance(verdict, dict) or verdict.get("format") != FORMATS[precision]:
        return {"usable": False, "reason": f"{verdict_path}: not a {precision} verdict"}
    if verdict.get("checkpoint_sha256") != file_sha256(checkpoint):
        return {**verdict, "usable": False,
                "reason": f"verified on another checkpoint file (sha256 differs): re-run evaluate --{precision}"}
    if not verdict.get("accepted"):
        return {**verdict, "usable": False,
                "reason": f"rejected: accuracy change {verdict.get('accuracy_change_points')} points"}
    measured_kind = (verdict.get("cpu") or {}).get("int8_kind")
    if precision == "int8" and measured_kind != cpu.int8_kind:
        # Without VNNI the int8 sums can saturate; with it they cannot: the verdict is about one.
        return {**verdict, "usable": False,
                "reason": f"verified on a CPU with int8 arithmetic {measured_kind or 'not recorded'}, "
                          f"this one is {cpu.int8_kind}: re-run evaluate --int8 here"}
    return {**verdict, "usable": True}
