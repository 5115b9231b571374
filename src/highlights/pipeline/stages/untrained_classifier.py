"""A tiny R(2+1)D with fixed random weights (`classifier.backend=untrained`): every step of the real
classifier's path, fast, without a checkpoint; for tests of the pipeline's mechanics."""

from __future__ import annotations

import numpy as np

from highlights.pipeline.registry import register
from highlights.pipeline.window_classifier import ClassifierStage, batch_tensor


@register
class UntrainedClassifier(ClassifierStage):
    backend = "untrained"
    # channels_last_3d: the same arithmetic in the memory layout oneDNN runs fastest here
    # (bench/bench_inference.py measures the layouts).
    inference_backend = "eager-fp32-channels_last_3d"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        import torch

        from highlights.model.r2plus1d import seeded_r2plus1d_18

        depth = int(self.settings.untrained_depth)
        # Its own generator: the same weights every run, and a library caller's torch RNG untouched.
        self._model = seeded_r2plus1d_18(len(self.classes), seed=0, width=self.settings.untrained_width,
                                         layers=(depth,) * 4).eval()
        self._model = self._model.to(memory_format=torch.channels_last_3d)

    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        import torch

        x = batch_tensor(clips, self.spec).contiguous(memory_format=torch.channels_last_3d)
        with torch.inference_mode():
            return torch.softmax(self._model(x), dim=1).numpy()
