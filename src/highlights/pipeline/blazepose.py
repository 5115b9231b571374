"""MediaPipe BlazePose, offline, shared by the `mediapipe` detection and pose backends.

mediapipe 0.10.21's wheel carries the pose detector and the `full` landmark model, which is
`model_complexity=1`; complexities 0 and 2 would fetch a model from the internet at first use, so
they are refused here. `video_mode=True` runs BlazePose's tracking mode (`static_image_mode=False`:
the detector runs only when tracking is lost), `False` runs detection on every frame.

BlazePose finds one person a frame. Detection and pose share one model per run: the detection
backend's box is the landmarks' extent, and the pose backend reuses that frame's landmarks.
"""

from __future__ import annotations

import os
import weakref
from contextlib import ExitStack

import numpy as np

from highlights.errors import ConfigError
from highlights.people.native_log import MEDIAPIPE_NOISE, native_noise_filtered

OFFLINE_COMPLEXITY = 1

# BlazePose's 33 landmarks -> the 17 COCO keypoints, in COCO order.
BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
DEFAULT_MIN_DETECTION_CONFIDENCE = 0.5


def estimator_identity() -> dict:
    """What the keypoints `BlazePose` gives for a picture depend on besides its settings: the
    installed mediapipe (its models and graph ship in its wheel), the landmark model and the
    mapping to COCO-17. Caches of estimated poses carry it in their key, so poses estimated by
    another mediapipe, or by this wrapper before a change here, are estimated again. Read from
    the package's metadata: importing mediapipe costs seconds."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mediapipe = version("mediapipe")
    except PackageNotFoundError:
        mediapipe = None
    return {"mediapipe": mediapipe, "model_complexity": OFFLINE_COMPLEXITY,
            "min_detection_confidence": DEFAULT_MIN_DETECTION_CONFIDENCE, "to_coco": list(BLAZEPOSE_TO_COCO)}


class BlazePose:
    """One `mp.solutions.pose.Pose`, run at most once per analysis frame."""

    def __init__(self, *, video_mode: bool, model_complexity: int = OFFLINE_COMPLEXITY,
                 min_detection_confidence: float = DEFAULT_MIN_DETECTION_CONFIDENCE) -> None:
        if model_complexity != OFFLINE_COMPLEXITY:
            raise ConfigError(
                f"pose.mediapipe_model_complexity={model_complexity}: only {OFFLINE_COMPLEXITY} ships inside "
                "the mediapipe wheel; 0 and 2 download a model at run time, which is not allowed here")
        # MediaPipe's C++ side logs to stderr through glog (older builds) or absl (0.10's): glog is
        # kept to warnings and errors here, absl's known lines are filtered (`native_log`).
        os.environ.setdefault("GLOG_minloglevel", "2")
        try:
            import mediapipe as mp
        except ImportError:
            raise ConfigError("the mediapipe backend needs the mediapipe package "
                              "(pip install 'highlights[pose]')") from None
        # The graph's threads print its delegate line after the constructor has returned, while the
        # caller opens its video: the filter stays on until the first frame has been through the
        # graph (its start-up is over by then) or the model is closed; whatever else was printed
        # meanwhile (an error line included) is written out then.
        self._held = ExitStack()
        self._held.enter_context(native_noise_filtered(MEDIAPIPE_NOISE))
        try:
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=not video_mode, model_complexity=model_complexity,
                smooth_landmarks=video_mode, enable_segmentation=False,
                min_detection_confidence=min_detection_confidence)
        except BaseException:
            self._held.close()
            raise
        # A graph never fed a frame prints its start-up lines when it is closed: it is closed
        # inside the filter, once, by `close()`, when collected or when the process ends.
        self._closer = weakref.finalize(self, _close_inside_filter, self._pose, self._held)
        self._last: tuple[int, np.ndarray | None] | None = None
        # The graph logs its warnings on its first frame and on the first it finds a person in.
        self._quiet = False

    def landmarks(self, index: int, rgb: np.ndarray, source_size: tuple[int, int]) -> np.ndarray | None:
        """(17, 3) COCO keypoints in source pixels (x, y, visibility), or None when no person."""
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        if self._quiet:
            result = self._pose.process(np.ascontiguousarray(rgb))
        else:
            with native_noise_filtered(MEDIAPIPE_NOISE):
                result = self._pose.process(np.ascontiguousarray(rgb))
            self._quiet = result.pose_landmarks is not None
        self._held.close()
        kp = None
        if result.pose_landmarks is not None:
            lm = result.pose_landmarks.landmark
            w, h = source_size
            kp = np.array([[lm[i].x * w, lm[i].y * h, lm[i].visibility] for i in BLAZEPOSE_TO_COCO],
                          dtype=np.float32)
        self._last = (index, kp)
        return kp

    def close(self) -> None:
        self._closer()


def _close_inside_filter(pose, held: ExitStack) -> None:
    try:
        pose.close()
    finally:
        held.close()


def shared_blazepose(config, context) -> BlazePose:
    """One model per run, shared by the detection and pose backends (it runs once a frame)."""
    model = context.shared.get("blazepose")
    if model is None:
        model = context.shared["blazepose"] = BlazePose(
            video_mode=config.pose.video_mode, model_complexity=config.pose.mediapipe_model_complexity,
            min_detection_confidence=config.detection.min_score)
    return model


def keypoints_box(kp: np.ndarray, min_visibility: float) -> tuple[float, float, float, float] | None:
    seen = kp[kp[:, 2] >= min_visibility]
    if len(seen) < 2:
        return None
    x1, y1 = seen[:, 0].min(), seen[:, 1].min()
    x2, y2 = seen[:, 0].max(), seen[:, 1].max()
    # Landmarks sit inside the body; widen a little to a person box.
    pad_x, pad_y = 0.15 * (x2 - x1), 0.1 * (y2 - y1)
    return (float(x1 - pad_x), float(y1 - pad_y), float(x2 + pad_x), float(y2 + pad_y))


def release_blazepose(context) -> None:
    model = context.shared.pop("blazepose", None)
    if model is not None:
        model.close()
