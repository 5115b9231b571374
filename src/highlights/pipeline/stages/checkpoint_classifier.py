"""The trained clip classifier (`classifier.backend=checkpoint`): `highlights.model.ClipClassifier`
on the checkpoint `classifier.checkpoint`, through its fastest verified inference path."""

from __future__ import annotations

import numpy as np

from highlights.errors import ConfigError
from highlights.pipeline.registry import register
from highlights.pipeline.window_classifier import ClassifierStage, batch_tensor


@register
class CheckpointClassifier(ClassifierStage):
    backend = "checkpoint"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if not self.settings.checkpoint:
            raise ConfigError("classifier.backend=checkpoint needs a checkpoint (--checkpoint FILE), "
                              "or switch the stage off with --set classifier.enabled=false")
        from highlights.model.process_cache import classifier_for

        # A batch worker keeps one loaded classifier for all its games (process_cache).
        self._model, self._owns_model = classifier_for(self.settings.checkpoint, int8=self.settings.int8)
        self.classes = tuple(self._model.classes)
        self.spec = self._model.spec
        self.inference_backend = str(self._model.backend)

    def backend_identity(self) -> tuple:
        return (self.backend, self.inference_backend)

    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self._model.predict_proba(batch_tensor(clips, self.spec)))

    def close(self) -> None:
        super().close()
        if self._owns_model:
            self._model.close()
