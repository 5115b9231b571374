"""The pipeline's backends, one module each. Importing this package registers them all.

A new backend is one new module here, a subclass of its stage's role (`highlights.pipeline.roles`)
decorated with `@register`, plus its import line below. Backend modules import their heavy
libraries (OpenCV, MediaPipe, PyTorch, ONNX Runtime) only when a stage is built, so loading the
catalogue (which building a `PipelineConfig` does, to check backend names) stays cheap.
"""

from highlights.pipeline.stages import (  # noqa: F401 (imported to register)
    action_merge,
    checkpoint_classifier,
    dense_candidates,
    gt_detection,
    gt_pose,
    joint_kinematics,
    local_detection,
    mediapipe_detection,
    mediapipe_pose,
    motion_candidates,
    movenet_detection,
    movenet_pose,
    oracle_classifier,
    pose_classifier,
    temporal_nms,
    untrained_classifier,
)
