"""The pose-sequence classifier (`classifier.backend=pose`, the default): each tracked person's
COCO-17 keypoints over the window, through `highlights.pose_classifier`. A window keyed on a
kinematic trigger is classified on the track that triggered it (someone else's sprint in the
same seconds must not turn a jog into a shot); any other window gets the probabilities of its
most action-like track. `classifier.pose_model` names a pose checkpoint; unset, the model that ships
inside the package (trained on synthetic poses only). A window where nobody has a pose is `none`
(with a model without `none`, no class's: it is never a highlight).
A window is an action when 1 - P(none) reaches the model's action threshold (the packaged model's
was chosen on real clips; `classifier.action_threshold` overrides it), labelled by its best
action class (`pose_classifier.action_gate`).

`classifier.backend=fusion` adds the R(2+1)D checkpoint (`classifier.checkpoint`): the two
probability vectors are mixed as `w * p_r2plus1d + (1 - w) * p_pose` with `w` =
`classifier.fusion_weight` (choose it on your validation split: `highlights evaluate --checkpoint CHECKPOINT
--root R --version V --fuse-pose` prints the best weight), then decided by argmax and
`classifier.min_score` (the pose model's threshold was chosen for its own probabilities, not for a
mix) unless `classifier.action_threshold` is set. Class lists that differ are refused, naming both.
"""

from __future__ import annotations

import numpy as np

from highlights.errors import ConfigError
from highlights.pipeline.kinematics import tracks_of
from highlights.pipeline.registry import register
from highlights.pipeline.window_classifier import ClassifierStage, batch_tensor


def _load_pose_model(path: str | None):
    from highlights.pose_classifier.default import load_default_pose_model
    from highlights.pose_classifier.model import PoseClassifier

    return PoseClassifier.load(path) if path else load_default_pose_model()


class _PoseWindows:
    """Pose probabilities of pipeline windows from the run's recent frame records."""

    def __init__(self, stage: ClassifierStage, model) -> None:
        self.stage, self.model = stage, model

    def tracks(self, window: tuple) -> dict:
        """The keypoints of a window `(start_s, end_s, track)`: that track's, or everyone's when
        the track is None. Taken from the run's recent frame records, so call it while they
        still hold the window."""
        stage = self.stage
        start, end, wanted = window
        pose = stage.config.pose
        tracks = tracks_of(stage.context.records_between(start, end), pose.min_visibility, pose.side_continuity)
        if wanted is not None:
            # Trigger evidence names the track as text; the tracker's ids may be numbers.
            tracks = {t: v for t, v in tracks.items() if str(t) == str(wanted)}
        return tracks

    def proba(self, window: tuple) -> np.ndarray:
        """Probabilities of a window `(start_s, end_s, track)`."""
        return self.proba_of(self.tracks(window))

    def proba_of(self, tracks: dict) -> np.ndarray:
        """Probabilities of the most action-like of `tracks`; `none` when no track has a usable body."""
        model = self.model
        out = np.zeros(len(model.classes), np.float32)
        best, best_action = None, -1.0
        for track, (times, kp, _height) in tracks.items():
            kp = np.nan_to_num(kp, nan=0.0).astype(np.float32)
            p = model.track_proba(kp, times)
            if p is None:
                continue
            action = 1.0 - p[model.none_index] if model.none_index is not None else float(p.max())
            if action > best_action:
                best, best_action = p, action
        if best is None:
            # Nobody to classify: `none` when the model has it; a model of a club's classes
            # without `none` gets no probability for any class, which no gate accepts.
            if model.none_index is not None:
                out[model.none_index] = 1.0
            return out
        return best.astype(np.float32)


@register
class PoseSequenceClassifier(ClassifierStage):
    backend = "pose"
    needs_pixels = False
    runs_in_background = False
    per_track = True
    reads = ("pose",)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        self._model = _load_pose_model(self.settings.pose_model)
        self.classes = tuple(self._model.classes)
        self.inference_backend = f"pose-{self._model.family}"
        self._windows = _PoseWindows(self, self._model)
        if self._model.none_index is not None:
            self.model_action_threshold = self._model.action_threshold

    def window_input(self, key: tuple):
        return self._windows.tracks(key)

    def predict_windows(self, windows, tracks) -> np.ndarray:
        return np.stack([self._windows.proba_of(t) for t in tracks])


@register
class FusionClassifier(ClassifierStage):
    backend = "fusion"
    per_track = True
    reads = ("pose",)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if not 0.0 <= float(self.settings.fusion_weight) <= 1.0:
            raise ConfigError(f"classifier.fusion_weight={self.settings.fusion_weight}: must be in [0, 1]")
        if not self.settings.checkpoint:
            raise ConfigError("classifier.backend=fusion needs the R(2+1)D checkpoint (--checkpoint FILE)")
        from highlights.pipeline.stages.checkpoint_classifier import load_clip_classifier
        from highlights.pose_classifier.fusion import align_classes, check_checkpoint_classes

        self._pose = _load_pose_model(self.settings.pose_model)
        check_checkpoint_classes(self.settings.checkpoint, self._pose.classes)
        self._model, self._owns_model = load_clip_classifier(self.settings, context)
        self._order = align_classes(self._model.classes, self._pose.classes)
        self.classes = tuple(self._model.classes)
        self.spec = self._model.spec
        self.inference_backend = f"{self._model.backend}+pose-{self._pose.family}"
        self._windows = _PoseWindows(self, self._pose)

    def window_input(self, key: tuple):
        return super().window_input(key), self._windows.tracks(key)

    def predict_windows(self, windows, inputs) -> np.ndarray:
        from highlights.pose_classifier.fusion import fuse

        r2 = np.asarray(self._model.predict_proba(batch_tensor([clip for clip, _ in inputs], self.spec)))
        pose = np.stack([self._windows.proba_of(tracks) for _, tracks in inputs])[:, self._order]
        return fuse(r2, pose, float(self.settings.fusion_weight)).astype(np.float32)

    def report(self) -> dict:
        from highlights.pipeline.stages.checkpoint_classifier import inference_path_summary

        return {**super().report(), "inference_path": inference_path_summary(self._model)}

    def close(self) -> None:
        super().close()
        if self._owns_model:
            self._model.close()
