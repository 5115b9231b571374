"""Checkpoints: weights plus everything needed to trace and reuse them, in plain types.

A checkpoint file is a ``torch.save`` of one dict::

    {
      "format": "highlights.checkpoint", "format_version": 1,
      "meta": {                        # plain types only
        "classes": [...],              # class names, index = logit index
        "clip_spec": {...},            # ClipSpec.to_dict()
        "model": {"arch": "r2plus1d_18", "num_classes": 4, "width": 1.0, "layers": [2, 2, 2, 2]},
        "train_config": {...},         # the trainer's typed config, as a dict
        "dataset": {"root": "...", "version": "v2"},
        ...                            # anything else plain (metrics, created_at, ...)
      },
      "state_dict": {...},             # model.state_dict(), torchvision's key names
      "optimizer": {...} | None,       # optimizer.state_dict(), for resuming
      "scheduler": {...} | None,       # scheduler.state_dict(), for resuming
      "extra": {...},                  # resume bookkeeping, see the EXTRA_* keys below
    }

Everything in it is a dict, list, tuple, str, number, bool, None or tensor, so
``torch.load(path, weights_only=True)`` reads it: a checkpoint from someone else cannot run code
on load. Files are written atomically (temp file in the same folder, then ``os.replace``), so an
interrupted save never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from highlights.atomic import atomic_path
from highlights.model.checkpoint_meta import check_checkpoint_meta
from highlights.model.errors import CheckpointError
from highlights.model.r2plus1d import build_from_kwargs, normalise_arch
from highlights.model.unreadable import Unreadable, why_unreadable
from highlights.model.weights_load import load_weights_only

FORMAT_NAME = "highlights.checkpoint"
FORMAT_VERSION = 1

# The keys of ``meta`` every checkpoint carries (others may be added freely).
META_KEYS = ("classes", "clip_spec", "model", "train_config", "dataset")

# Conventional keys of ``extra`` for resuming training; the trainer writes them,
# load_training_state reads them back.
EXTRA_EPOCH = "epoch"              # int: number of the last *completed* epoch (0-based)
EXTRA_BEST_METRIC = "best_metric"  # float: best validation macro-F1 so far
EXTRA_RNG_STATE = "rng_state"      # dict from capture_rng_state()


def _check_plain(value: Any, where: str) -> None:
    """Raise TypeError unless ``value`` is made only of types ``weights_only`` loading accepts."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where}: key {key!r} is {type(key).__name__}, expected str or int")
            _check_plain(item, f"{where}[{key!r}]")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where} is {type(value).__name__}; checkpoints hold plain types only "
                    "(dict, list, str, numbers, bool, None, tensors)")


def _plain_meta(model: nn.Module, meta: Mapping[str, Any]) -> dict:
    meta = dict(meta)
    arch = getattr(model, "arch_kwargs", None)
    if "model" not in meta:
        if arch is None:
            raise ValueError("meta['model'] is missing and the model does not carry its architecture")
        meta["model"] = dict(arch)
    else:
        meta["model"] = dict(meta["model"])
        if arch is not None and normalise_arch(meta["model"]) != arch:
            raise ValueError(f"meta['model'] {meta['model']!r} does not describe the model {arch!r}")
    if "classes" in meta:
        meta["classes"] = [str(c) for c in meta["classes"]]
        if len(meta["classes"]) != int(meta["model"]["num_classes"]):
            raise ValueError(f"{len(meta['classes'])} class names for a "
                             f"{meta['model']['num_classes']}-class model")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise ValueError(f"meta lacks {', '.join(missing)} (every checkpoint carries {', '.join(META_KEYS)})")
    _check_plain(meta, "meta")
    return meta


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` to a temp file beside ``path``, then ``os.replace`` it into place."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
    return path


def save_checkpoint(path: str | os.PathLike, model: nn.Module, meta: Mapping[str, Any], *,
                    optimizer: torch.optim.Optimizer | None = None,
                    scheduler: Any | None = None,
                    extra: Mapping[str, Any] | None = None) -> Path:
    """Write a checkpoint atomically and return its path.

    ``meta`` must hold ``classes``, ``clip_spec``, ``train_config`` and ``dataset``; ``model``
    (the architecture arguments) is filled in from the model when left out. Pass ``optimizer``,
    ``scheduler`` and ``extra`` (``{"epoch": ..., "best_metric": ..., "rng_state":
    capture_rng_state(...)}``) for a checkpoint a run can resume from.
    """
    payload = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "meta": _plain_meta(model, meta),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "extra": dict(extra or {}),
    }
    _check_plain(payload["optimizer"], "optimizer state")
    _check_plain(payload["scheduler"], "scheduler state")
    _check_plain(payload["extra"], "extra")
    return atomic_torch_save(payload, path)


def unreadable_checkpoint(path: str | os.PathLike, exc: BaseException) -> CheckpointError:
    """One line saying what a file is that ``torch.load`` could not read as a checkpoint."""
    kind = why_unreadable(path, exc)
    if kind is Unreadable.PICKLED_OBJECTS:
        # weights_only refuses any pickled object that is not plain data: a checkpoint never
        # holds one, and loading it could run code, so it is refused, never retried.
        return CheckpointError(path, "not a highlights checkpoint: it holds pickled Python objects, "
                                     "which are never loaded (they could run code)")
    if kind is Unreadable.DAMAGED:
        return CheckpointError(path, "not a readable checkpoint: a PyTorch file that is cut off or damaged "
                                     "(it does not read whole); copy or save it again")
    return CheckpointError(path, f"not a checkpoint ({kind.value})")


def unsupported_format(version: object, reads: int) -> str:
    """Why a checkpoint of another format version is refused, and what to do instead."""
    return (f"checkpoint format version {version!r}, written by another version of highlights; this one reads "
            f"format {reads}: use it with the version that wrote it, or train the model again with this one")


def read_checkpoint_file(path: str | os.PathLike) -> dict:
    """The raw checkpoint dict, read with ``weights_only=True``; CheckpointError if unusable."""
    path = Path(path)
    if not path.exists():
        # A link loop or a dangling link said as such: "no such file" sent users looking for a
        # file that is there. (Imported here: the video package loads PyAV.)
        from highlights.video.errors import missing_file_cause

        cause = missing_file_cause(path, kind="a checkpoint")
        raise CheckpointError(path, "no such file" if cause in (None, "file not found") else cause)
    if not path.is_file():
        raise CheckpointError(path, "not a file")
    try:
        payload = load_weights_only(path)
    except Exception as exc:  # torch raises several unrelated types for a bad file
        raise unreadable_checkpoint(path, exc) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_NAME:
        bare = isinstance(payload, dict) and payload and all(isinstance(v, torch.Tensor) for v in payload.values())
        raise CheckpointError(path, "not a highlights checkpoint (no 'format' marker)" + (
            ": a bare state dict, as torchvision's weights are, starts a training run instead "
            "(highlights train --pretrained FILE; load_pretrained() in Python)" if bare else ""))
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(path, unsupported_format(version, FORMAT_VERSION))
    for key in ("meta", "state_dict"):
        if not isinstance(payload.get(key), dict):
            raise CheckpointError(path, f"checkpoint has no '{key}' dict")
    return payload


def _model_from_payload(path: Path, payload: dict) -> nn.Module:
    meta = payload["meta"]
    if not isinstance(meta.get("model"), dict):
        raise CheckpointError(path, "meta has no 'model' architecture description")
    if str(meta["model"].get("arch", "")).startswith("pose_"):
        # `highlights train --model pose` wrote it: said in words, not as an unknown architecture.
        raise CheckpointError(path, "a pose classifier checkpoint, where an R(2+1)D clip classifier's is needed "
                                    "(a pose model goes in as classifier.pose_model, or --pose-model to fuse)")
    try:
        model = build_from_kwargs(meta["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, f"bad architecture in meta['model'] {meta['model']!r}: {exc}") from exc
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as exc:
        raise CheckpointError(path, f"weights do not fit the architecture {meta['model']!r}: "
                                    f"{str(exc).splitlines()[0]}") from exc
    if hasattr(model, "fc"):
        check_checkpoint_meta(path, meta, model.fc.out_features)
    # Weights of NaN scored every clip as the first class, into a report that looked like one.
    broken = [name for name, tensor in payload["state_dict"].items()
              if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if broken:
        shown = ", ".join(broken[:3]) + (", ..." if len(broken) > 3 else "")
        which = (f"its weight tensor {shown} holds" if len(broken) == 1
                 else f"{len(broken)} of its weight tensors ({shown}) hold")
        raise CheckpointError(path, f"{which} NaN or infinite values: a run that diverged, or a "
                                    "damaged file")
    return model.eval()


def load_checkpoint(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Rebuild the model from ``meta["model"]``, load its weights, return ``(model, meta)``.

    The model is in eval mode on the CPU. Raises CheckpointError naming the file when it is
    missing, unreadable, not a checkpoint, or its weights do not fit its architecture.
    """
    path = Path(path)
    payload = read_checkpoint_file(path)
    return _model_from_payload(path, payload), payload["meta"]


@dataclass
class TrainingState:
    """Everything a checkpoint holds for resuming a run (see ``save_checkpoint``).

    ``optimizer_state``/``scheduler_state`` go to ``optimizer.load_state_dict`` /
    ``scheduler.load_state_dict`` after the optimizer and scheduler are rebuilt on ``model``'s
    parameters; ``rng_state`` goes to ``restore_rng_state``.
    """

    model: nn.Module
    meta: dict
    optimizer_state: dict | None
    scheduler_state: dict | None
    epoch: int | None                 # last completed epoch, from extra["epoch"]
    best_metric: float | None         # from extra["best_metric"]
    rng_state: dict | None            # from extra["rng_state"]
    extra: dict = field(default_factory=dict)  # the whole extra dict as saved


def load_training_state(path: str | os.PathLike) -> TrainingState:
    """Read a checkpoint for ``--resume``: model (eval mode; call ``.train()``), optimizer and
    scheduler state dicts, epoch, best metric, RNG states and the rest of ``extra``."""
    path = Path(path)
    payload = read_checkpoint_file(path)
    extra = payload.get("extra") or {}
    epoch = extra.get(EXTRA_EPOCH)
    best = extra.get(EXTRA_BEST_METRIC)
    return TrainingState(
        model=_model_from_payload(path, payload),
        meta=payload["meta"],
        optimizer_state=payload.get("optimizer"),
        scheduler_state=payload.get("scheduler"),
        epoch=int(epoch) if epoch is not None else None,
        best_metric=float(best) if best is not None else None,
        rng_state=extra.get(EXTRA_RNG_STATE),
        extra=dict(extra),
    )


def capture_rng_state(np_rng: np.random.Generator | None = None) -> dict:
    """The RNG states a resumed run must restore to repeat itself, in checkpoint-safe types.

    Holds torch's CPU generator, Python's ``random``, numpy's legacy global generator (as a
    plain list) and, if given, a ``numpy.random.Generator``'s bit-generator state.
    """
    legacy = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy_legacy": [legacy[0], torch.from_numpy(np.asarray(legacy[1]).astype(np.int64)),
                         int(legacy[2]), int(legacy[3]), float(legacy[4])],
    }
    if np_rng is not None:
        state["numpy_generator"] = np_rng.bit_generator.state
    return state


def restore_rng_state(state: Mapping[str, Any], np_rng: np.random.Generator | None = None) -> None:
    """Put back what ``capture_rng_state`` took (and ``np_rng``'s state, when both have it)."""
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy_legacy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if np_rng is not None and "numpy_generator" in state:
        np_rng.bit_generator.state = state["numpy_generator"]
