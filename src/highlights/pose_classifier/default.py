"""The pose classifier that ships inside the package, used when no checkpoint is given.

It was trained on the synthetic generator's keypoints only, by `scripts/make_default_pose_model.py`;
`pose_default.json` beside it records the command, seeds, generator version, data size and
validation scores.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

from highlights.model.errors import CheckpointError
from highlights.model.weights_load import load_weights_only
from highlights.packaged_file import packaged_file

# Read as packaged files, not as paths: imported from a zip, they are members of it (packaged_file).
DEFAULT_MODEL = packaged_file("highlights.pose_classifier", "default", "pose_default.pt")
DEFAULT_PROVENANCE = packaged_file("highlights.pose_classifier", "default", "pose_default.json")


def load_default_pose_model():
    """The packaged model; a missing or damaged file is a CheckpointError naming it."""
    from highlights.pose_classifier.model import PoseClassifier

    if not DEFAULT_MODEL.is_file():
        raise CheckpointError(DEFAULT_MODEL, "the default pose model is missing from the installation "
                                             "(reinstall highlights, or pass a checkpoint)")
    return PoseClassifier.load(DEFAULT_MODEL)


def is_default_model(checkpoint: Path | Traversable) -> bool:
    """Whether `checkpoint` is the packaged model (as a path to its file, or as the packaged file)."""
    if isinstance(checkpoint, Path) and isinstance(DEFAULT_MODEL, Path):
        return checkpoint.resolve() == DEFAULT_MODEL.resolve()
    # A member of a zip has no path to resolve; its name is the zip's path and its own.
    return str(checkpoint) == str(DEFAULT_MODEL)


def is_pose_checkpoint(path: str | Path) -> bool:
    """Whether `path` holds a pose model (False for an R(2+1)D checkpoint or any other readable
    file); files torch cannot read raise CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no such file")
    from highlights.model.checkpoint import unreadable_checkpoint

    try:
        payload = load_weights_only(path)
    except Exception as e:  # torch raises several unrelated types for a bad file
        raise unreadable_checkpoint(path, e) from None
    try:
        arch = payload["meta"]["model"]["arch"]
    except (KeyError, TypeError, IndexError):
        # Readable but no checkpoint of ours (torchvision's bare weights): the R(2+1)D loader
        # says what it is in its own terms.
        return False
    return str(arch).startswith("pose_")


def holds_pose_model(path: str | Path) -> bool:
    """Whether `path` is a checkpoint `highlights train --model pose` wrote. Anything else,
    unreadable files included, is False: whoever loads it as an R(2+1)D checkpoint (or as
    torchvision's weights) says what is wrong with it in its own terms."""
    try:
        return is_pose_checkpoint(path)
    except CheckpointError:
        return False


def checkpoint_file(path: str | Path) -> Path:
    """A checkpoint named by its file, or by the run folder `highlights train --out` wrote (its
    best.pt, as `evaluate --checkpoint RUN` reads it); a folder without one is refused here, by name; other paths
    come back as given, for their loader to judge."""
    path = Path(path)
    if path.is_dir():
        if not (path / "best.pt").is_file():
            raise CheckpointError(path, "a folder without best.pt; give a checkpoint file "
                                        "(best.pt or last.pt of a `highlights train` run)")
        return path / "best.pt"
    return path
