"""Loading torchvision's pretrained video weights from a local file, for fine-tuning.

Nothing here downloads: the user puts e.g. the Kinetics-400 file ``r2plus1d_18-91a641e6.pth``
on disk and passes its path. Because our R(2+1)D-18 has torchvision's parameter names, the
backbone loads key for key; the 400-class head is dropped when the new model has another number
of classes, so it is trained fresh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from highlights.model.errors import CheckpointError

HEAD_PREFIX = "fc."


@dataclass(frozen=True)
class PretrainedLoad:
    """What ``load_pretrained`` did."""

    path: str
    loaded: tuple[str, ...]        # keys copied into the model
    head_loaded: bool              # False: the file's fc.* did not fit and the head stays fresh
    missing: tuple[str, ...]       # backbone keys the file lacked (only with strict_backbone=False)
    mismatched: tuple[str, ...]    # backbone keys with another shape (only with strict_backbone=False)
    unexpected: tuple[str, ...]    # keys in the file the model does not have


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.exists():
        raise CheckpointError(path, "no such file (pretrained weights are never downloaded; "
                                    "put the .pth file on disk and pass its path)")
    if not path.is_file():
        raise CheckpointError(path, "not a file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for a bad file
        raise CheckpointError(path, f"not a readable weights file ({type(exc).__name__}: "
                                    f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from exc
    # A torchvision file is the bare state dict; our own checkpoints nest it under "state_dict".
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise CheckpointError(path, "not a state dict (expected a mapping of parameter names to tensors)")
    # Weights saved from a DataParallel/DistributedDataParallel wrapper carry a "module." prefix.
    if all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj


def load_pretrained(model: nn.Module, path: str | os.PathLike, *,
                    strict_backbone: bool = True) -> PretrainedLoad:
    """Copy weights from a local torchvision-style file into ``model`` (in place).

    The head (``fc.*``) is loaded only when its shape fits; otherwise it keeps its fresh
    initialisation (fine-tuning to new classes). With ``strict_backbone`` (the default) every
    other model key must be in the file with the same shape, else CheckpointError naming the
    file and the first differences; without it, whatever fits is loaded and the rest reported.
    """
    path = Path(path)
    source = _read_state_dict(path)
    target = model.state_dict()

    head_keys = [k for k in target if k.startswith(HEAD_PREFIX)]
    head_fits = bool(head_keys) and all(k in source and source[k].shape == target[k].shape
                                        for k in head_keys)
    backbone = [k for k in target if not k.startswith(HEAD_PREFIX)]
    missing = [k for k in backbone if k not in source]
    mismatched = [f"{k}: file {tuple(source[k].shape)} vs model {tuple(target[k].shape)}"
                  for k in backbone if k in source and source[k].shape != target[k].shape]
    unexpected = [k for k in source if k not in target]
    if strict_backbone and (missing or mismatched or
                            any(not k.startswith(HEAD_PREFIX) for k in unexpected)):
        problems = []
        if mismatched:
            problems.append(f"{len(mismatched)} backbone shapes differ (e.g. {'; '.join(mismatched[:3])})")
        if missing:
            problems.append(f"{len(missing)} backbone keys missing (e.g. {', '.join(missing[:3])})")
        extra = [k for k in unexpected if not k.startswith(HEAD_PREFIX)]
        if extra:
            problems.append(f"{len(extra)} unexpected keys (e.g. {', '.join(extra[:3])})")
        raise CheckpointError(path, "weights do not fit the model backbone: " + "; ".join(problems))

    mismatched_keys = {m.split(":")[0] for m in mismatched}
    to_load = {k: source[k] for k in backbone if k in source and k not in mismatched_keys}
    if head_fits:
        to_load.update({k: source[k] for k in head_keys})
    with torch.no_grad():
        for key, value in to_load.items():
            target[key].copy_(value.to(target[key].dtype))
    return PretrainedLoad(path=str(path), loaded=tuple(to_load), head_loaded=head_fits,
                          missing=tuple(missing), mismatched=tuple(mismatched),
                          unexpected=tuple(unexpected))
