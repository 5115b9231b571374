"""A classifier that answers from the game's annotation (`classifier.backend=oracle`): the event
whose key moment lies in the window, else none. `classifier.oracle_accuracy` < 1 makes it wrong on
a fixed share of events, so the failure attribution can be checked against a known cause."""

from __future__ import annotations

import zlib

import numpy as np

from highlights.errors import ConfigError
from highlights.vocabulary import NONE_LABEL
from highlights.pipeline.registry import register
from highlights.pipeline.window_classifier import ClassifierStage


@register
class OracleClassifier(ClassifierStage):
    backend = "oracle"
    needs_pixels = False
    runs_in_background = False
    inference_backend = "annotation"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if context.annotation is None:
            raise ConfigError("classifier.backend=oracle needs the game's annotation")
        labels = sorted({e.label for e in context.annotation.events} - set(self.classes))
        self.classes = tuple(c for c in self.classes if c != NONE_LABEL) + tuple(labels) + (NONE_LABEL,)

    def predict_windows(self, windows: list[tuple], clips) -> np.ndarray:
        events = self.context.annotation.events
        out = np.zeros((len(windows), len(self.classes)), dtype=np.float32)
        for row, (s, e, _track) in enumerate(windows):
            inside = [ev for ev in events if s <= ev.key_s <= e]
            if not inside:
                out[row, self.classes.index(NONE_LABEL)] = 1.0
                continue
            event = min(inside, key=lambda ev: abs(ev.key_s - 0.5 * (s + e)))
            label = event.label
            if self._wrong(event):
                label = next(c for c in self.classes if c not in (label, NONE_LABEL))
            out[row, self.classes.index(label)] = 1.0
        return out

    def _wrong(self, event) -> bool:
        # Fixed per event (not per window), so the same event is always right or always wrong.
        u = zlib.crc32(f"{self.settings.oracle_seed}:{event.id}".encode()) / 2**32
        return u >= self.settings.oracle_accuracy
