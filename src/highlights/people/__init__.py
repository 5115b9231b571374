"""People in a frame: multi-person pose estimation and tracking across frames.

Library parts with no knowledge of the pipeline: `MoveNetMultiPose` finds every person of an RGB
frame with a box and COCO-17 keypoints; `IouTracker` gives each person a track id that stays the
same from frame to frame; `boxes` holds the box geometry they share. The pipeline's detection and
pose backends wrap them.

The names below are imported on first use: `people.boxes` is read while a pipeline config is
built, and that must not load OpenCV or LiteRT.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ModelFileError": "highlights.people.model_file",
    "movenet_model_bytes": "highlights.people.model_file",
    "MoveNetMultiPose": "highlights.people.movenet",
    "PoseDetection": "highlights.people.movenet",
    "IouTracker": "highlights.people.tracking",
    "box_iou": "highlights.people.boxes",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'highlights.people' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
