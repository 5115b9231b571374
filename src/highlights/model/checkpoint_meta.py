"""What a checkpoint's metadata must say for its model to be used: class names that are names,
one per output, and clip settings a clip can be sampled with. A checkpoint edited by hand (or
written by another program) with three class names for two outputs, or clips of 0 frames, got
a traceback from deep in inference; with its classes a string, each letter was taken for a class."""

from __future__ import annotations

import math
import os

from highlights.clips.spec import ClipSpec
from highlights.model.errors import CheckpointError


def check_checkpoint_meta(path: str | os.PathLike, meta: dict, outputs: int | None) -> None:
    """Raise CheckpointError naming ``path`` where ``meta``'s classes or clip settings are
    unusable for a model of ``outputs`` outputs (None: not known yet, not compared). Classes left
    out (or empty) are allowed: the model's outputs are then named by their index."""
    _check_classes(path, meta.get("classes"), outputs)
    if meta.get("clip_spec"):
        _check_clip_spec(path, meta["clip_spec"])


def _check_classes(path, classes: object, outputs: int | None) -> None:
    if not classes:
        return
    if not isinstance(classes, list) or not all(isinstance(c, str) and c.strip() for c in classes):
        raise CheckpointError(path, f"its classes are {classes!r}, not a list of class names")
    twice = sorted({c for c in classes if classes.count(c) > 1})
    if twice:
        raise CheckpointError(path, f"its classes list {', '.join(twice)} twice")
    if outputs is not None and len(classes) != outputs:
        raise CheckpointError(path, f"{len(classes)} class names for a model of {outputs} outputs")


def _check_clip_spec(path, data: object) -> None:
    try:
        spec = ClipSpec.from_dict(data)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(path, f"its clip settings {data!r} are unreadable ({e!r})") from e
    sizes = {"num_frames": spec.num_frames, "crop_size": spec.crop_size,
             "resize_short_side": spec.resize_short_side}
    small = [f"{name} {value}" for name, value in sizes.items() if value < 1]
    if small:
        raise CheckpointError(path, f"its clip settings say {', '.join(small)}: at least 1 is needed")
    numbers = (*spec.mean, *spec.std)
    if len(spec.mean) != 3 or len(spec.std) != 3 or not all(map(math.isfinite, numbers)) \
            or min(spec.std) <= 0:
        raise CheckpointError(path, f"its clip settings' mean {spec.mean} and std {spec.std} are "
                                    "not three finite numbers each, the std's above 0")
