"""A verified int8 model kept beside its checkpoint.

`highlights evaluate --int8` measures the int8 path against fp32 on a labelled test split. The
verdict is written as ``CHECKPOINT.int8.json`` (with the checkpoint's sha256, the dataset and
split it was measured on, accuracy of both paths, agreement, speed-up) and, when the accuracy
loss is within the allowed points, the quantised model as ``CHECKPOINT.int8.onnx``. Later loads
of that exact checkpoint (same sha256) may then run int8 without re-calibrating; any other file,
or a retrained checkpoint at the same path, falls back to the fastest fp32 path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes, atomic_write_json
from highlights.file_hash import file_sha256

VERDICT_FORMAT = "highlights.int8-verdict/1"


def sidecar_paths(checkpoint: str | os.PathLike) -> tuple[Path, Path]:
    """(quantised model, verdict) paths for ``checkpoint``."""
    checkpoint = Path(checkpoint)
    return (checkpoint.with_name(checkpoint.name + ".int8.onnx"),
            checkpoint.with_name(checkpoint.name + ".int8.json"))



def save_int8(checkpoint: str | os.PathLike, verdict: dict[str, Any], onnx_bytes: bytes | None) -> tuple[Path, Path | None]:
    """Write the verdict, and the quantised model when the verdict accepted it. A rejected
    verdict removes an older accepted model, so a stale one can never be picked up."""
    model_path, verdict_path = sidecar_paths(checkpoint)
    record = {"format": VERDICT_FORMAT, "checkpoint_sha256": file_sha256(checkpoint), **verdict}
    written_model = None
    if verdict.get("accepted"):
        if not onnx_bytes:
            raise ValueError("an accepted int8 verdict needs the quantised model's bytes")
        written_model = atomic_write_bytes(model_path, onnx_bytes)
    else:
        model_path.unlink(missing_ok=True)
    # The verdict last: a reader that finds an accepted verdict finds its model too.
    atomic_write_json(verdict_path, record, indent=2)
    return verdict_path, written_model


def load_int8(checkpoint: str | os.PathLike) -> tuple[bytes | None, dict[str, Any]]:
    """(quantised model bytes or None, why) for ``checkpoint``. ``why`` is the stored verdict
    plus ``usable`` and, when not usable, ``reason``."""
    model_path, verdict_path = sidecar_paths(checkpoint)
    if not verdict_path.is_file():
        return None, {"usable": False, "reason": "never verified (highlights evaluate --int8)"}
    try:
        verdict = json.loads(verdict_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return None, {"usable": False, "reason": f"{verdict_path}: unreadable verdict ({exc})"}
    if verdict.get("format") != VERDICT_FORMAT:
        return None, {"usable": False, "reason": f"{verdict_path}: not an int8 verdict"}
    if verdict.get("checkpoint_sha256") != file_sha256(checkpoint):
        return None, {**verdict, "usable": False,
                      "reason": "verified on another checkpoint file (sha256 differs): re-run evaluate --int8"}
    if not verdict.get("accepted"):
        return None, {**verdict, "usable": False,
                      "reason": f"rejected: accuracy change {verdict.get('accuracy_change_points')} points"}
    if not model_path.is_file():
        return None, {**verdict, "usable": False, "reason": f"{model_path}: quantised model missing"}
    return model_path.read_bytes(), {**verdict, "usable": True}
