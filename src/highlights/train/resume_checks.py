"""What `--resume` checks of a run's last.pt before it goes on: that its saved settings are
settings this version reads and that its weights are those of the model they describe, of the
classes its dataset version has. A last.pt edited by hand, or of another program, got a
traceback from the settings' constructor or from loading the weights, or trained on with its
outputs taken for other classes."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from highlights.errors import ConfigError
from highlights.model import TrainingState
from highlights.train.config import TrainConfig
from highlights.train.errors import RunFolderError


def saved_config(path: Path, state: TrainingState) -> TrainConfig:
    """The settings the run in last.pt at `path` was started with."""
    saved = state.meta.get("train_config")
    if not isinstance(saved, dict):
        raise RunFolderError(f"{path}: holds no training settings (its train_config is "
                             f"{type(saved).__name__}, not an object)")
    try:
        return TrainConfig.from_dict(saved)
    except (ConfigError, TypeError, ValueError) as e:
        raise RunFolderError(f"{path}: its training settings are not ones this version of "
                             f"highlights reads ({e})") from e


def refuse_unfitting_weights(path: Path, state: TrainingState, model: nn.Module,
                             classes: list[str]) -> None:
    """Refuse last.pt at `path` where its weights do not load into `model` (built from its
    settings) or its classes are not `classes` (its dataset version's)."""
    saved = state.meta.get("classes")
    if saved != classes:
        raise RunFolderError(f"{path}: the run was trained on the classes {saved}, its dataset "
                             f"version has {classes}; train a new run")
    try:
        model.load_state_dict(state.model.state_dict())
    except RuntimeError as e:  # torch lists every tensor that differs; the first says enough
        first = next((line.strip() for line in str(e).splitlines()[1:] if line.strip()), str(e))
        raise RunFolderError(f"{path}: its weights are not those of the model its settings "
                             f"describe ({first.rstrip('.')})") from e
