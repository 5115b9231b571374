"""Loading torchvision's pretrained video weights from a local file, for fine-tuning.

Nothing here downloads: the user puts e.g. the Kinetics-400 file ``r2plus1d_18-91a641e6.pth``
on disk and passes its path. Because our R(2+1)D-18 has torchvision's parameter names, the
backbone loads key for key; the 400-class head is dropped when the new model has another number
of classes, so it is trained fresh. A highlights checkpoint names its classes, so its head rows
are copied by class name: fine-tuning to a renamed or added class never starts a class from
another class's row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from highlights.model.errors import CheckpointError
from highlights.model.unreadable import Unreadable, why_unreadable
from highlights.model.weights_load import load_weights_only

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
    # With class names on both sides (a highlights checkpoint, `classes` given): the classes whose
    # head rows were copied from the file's row of the same name; the others start fresh.
    head_classes: tuple[str, ...] = ()
    new_classes: tuple[str, ...] = ()


def _unreadable(path: Path, exc: Exception) -> CheckpointError:
    """One line saying what the file is when torch cannot read it as weights."""
    kind = why_unreadable(path, exc)
    if kind is Unreadable.SAFETENSORS:
        return CheckpointError(path, "a safetensors file; --pretrained reads PyTorch .pth weights: convert it "
                                     "with safetensors.torch.load_file and torch.save")
    if kind is Unreadable.DAMAGED:
        return CheckpointError(path, "a PyTorch file that is cut off or damaged (it does not read whole); "
                                     "copy or save it again")
    if kind is Unreadable.PICKLED_OBJECTS:
        return CheckpointError(path, "holds pickled Python objects (a whole model saved with torch.save(model)?), "
                                     "which are never loaded as they could run code; save its weights with "
                                     "torch.save(model.state_dict(), PATH) and pass that file")
    return CheckpointError(path, "not a PyTorch weights file (what torch.save writes)")


def _read_state_dict(path: Path) -> tuple[dict[str, torch.Tensor], list[str] | None]:
    """The file's weights, and its class names when it is a highlights checkpoint (else None)."""
    if not path.exists():
        raise CheckpointError(path, "no such file (pretrained weights are never downloaded; "
                                    "put the .pth file on disk and pass its path)")
    if not path.is_file():
        raise CheckpointError(path, "not a file")
    try:
        obj = load_weights_only(path)
    except Exception as exc:  # torch raises several unrelated types for a bad file
        raise _unreadable(path, exc) from exc
    classes = None
    # A torchvision file is the bare state dict; our own checkpoints nest it under "state_dict".
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        meta = obj.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("classes"), list):
            classes = [str(c) for c in meta["classes"]]
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise CheckpointError(path, "not a state dict (expected a mapping of parameter names to tensors)")
    # Weights saved from a DataParallel/DistributedDataParallel wrapper carry a "module." prefix.
    if all(k.startswith("module.") for k in obj):
        obj = {k[len("module."):]: v for k, v in obj.items()}
    return obj, classes


def _head_rows(source: dict[str, torch.Tensor], target: dict[str, torch.Tensor], head_keys: list[str],
               file_classes: list[str], classes: list[str]) -> dict[str, torch.Tensor] | None:
    """The head with each class's row taken from the file's row of the same name and the other
    rows as they are (fresh); None when the file's head does not have a row per named class."""
    if any(k not in source or source[k].shape[0] != len(file_classes)
           or source[k].shape[1:] != target[k].shape[1:] for k in head_keys):
        return None
    rows = {}
    for key in head_keys:
        value = target[key].clone()
        for i, name in enumerate(classes):
            if name in file_classes:
                value[i] = source[key][file_classes.index(name)]
        rows[key] = value
    return rows


def backbone_fits(model: nn.Module, path: str | os.PathLike) -> bool:
    """Whether the file's weights fit ``model``'s backbone key for key and shape for shape (the
    head aside, which fine-tuning replaces)."""
    source, _ = _read_state_dict(Path(path))
    target = model.state_dict()
    if any(k not in target and not k.startswith(HEAD_PREFIX) for k in source):
        return False
    return all(k in source and source[k].shape == target[k].shape for k in target if not k.startswith(HEAD_PREFIX))


def load_pretrained(model: nn.Module, path: str | os.PathLike, *, classes: list[str] | None = None,
                    strict_backbone: bool = True) -> PretrainedLoad:
    """Copy weights from a local torchvision-style file into ``model`` (in place).

    The head (``fc.*``) is loaded only when its shape fits; otherwise it keeps its fresh
    initialisation (fine-tuning to new classes). When the file names its classes (a highlights
    checkpoint) and ``classes`` names the model's, the head's rows are copied by class name instead:
    a class the file lacks starts fresh, whatever the shapes. With ``strict_backbone`` (the default) every
    other model key must be in the file with the same shape, else CheckpointError naming the
    file and the first differences; without it, whatever fits is loaded and the rest reported.
    """
    path = Path(path)
    source, file_classes = _read_state_dict(path)
    target = model.state_dict()

    head_keys = [k for k in target if k.startswith(HEAD_PREFIX)]
    by_name = None
    if file_classes is not None and classes is not None and head_keys:
        by_name = _head_rows(source, target, head_keys, file_classes, list(classes))
    head_fits = by_name is None and bool(head_keys) and all(
        k in source and source[k].shape == target[k].shape for k in head_keys)
    if file_classes is not None and classes is not None and by_name is None:
        head_fits = False  # named classes whose rows cannot be matched: never copy rows by position
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
    head_classes: tuple[str, ...] = ()
    new_classes: tuple[str, ...] = ()
    if by_name is not None:
        head_classes = tuple(c for c in classes if c in file_classes)
        new_classes = tuple(c for c in classes if c not in file_classes)
        if head_classes:
            to_load.update(by_name)
        head_fits = list(classes) == file_classes
    elif head_fits:
        to_load.update({k: source[k] for k in head_keys})
    with torch.no_grad():
        for key, value in to_load.items():
            target[key].copy_(value.to(target[key].dtype))
    return PretrainedLoad(path=str(path), loaded=tuple(to_load), head_loaded=head_fits,
                          missing=tuple(missing), mismatched=tuple(mismatched),
                          unexpected=tuple(unexpected), head_classes=head_classes, new_classes=new_classes)
