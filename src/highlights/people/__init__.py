"""People in a frame: multi-person pose estimation and tracking across frames.

Library parts with no knowledge of the pipeline: `MoveNetMultiPose` finds every person of an RGB
frame with a box and COCO-17 keypoints; `IouTracker` gives each person a track id that stays the
same from frame to frame. The pipeline's detection and pose backends wrap them.
"""

from highlights.people.model_file import ModelFileError, movenet_model_bytes
from highlights.people.movenet import MoveNetMultiPose, PoseDetection
from highlights.people.tracking import IouTracker

__all__ = ["ModelFileError", "MoveNetMultiPose", "PoseDetection", "IouTracker", "movenet_model_bytes"]
