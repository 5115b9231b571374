"""The clip classifier's model: R(2+1)D-18 with torchvision's parameter names, checkpoints,
local pretrained weights, and verified fast CPU inference paths."""

from highlights.model.backends import AUTO_ORDER, LOGIT_TOLERANCE, fold_batchnorm
from highlights.model.checkpoint import (TrainingState, capture_rng_state, load_checkpoint,
                                         load_training_state, restore_rng_state, save_checkpoint)
from highlights.model.classifier import ClipClassifier
from highlights.model.errors import CheckpointError
from highlights.model.pretrained import PretrainedLoad, backbone_fits, load_pretrained
from highlights.model.r2plus1d import VideoResNet, architecture_kwargs, build_from_kwargs, r2plus1d_18

__all__ = [
    "AUTO_ORDER",
    "CheckpointError",
    "ClipClassifier",
    "LOGIT_TOLERANCE",
    "PretrainedLoad",
    "TrainingState",
    "VideoResNet",
    "architecture_kwargs",
    "build_from_kwargs",
    "capture_rng_state",
    "fold_batchnorm",
    "load_checkpoint",
    "backbone_fits",
    "load_pretrained",
    "load_training_state",
    "r2plus1d_18",
    "restore_rng_state",
    "save_checkpoint",
]
