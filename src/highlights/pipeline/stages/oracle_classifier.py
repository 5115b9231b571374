"""A classifier that answers from the game's annotation (`classifier.backend=oracle`): the event
whose key moment lies in the window, else none. `classifier.oracle_accuracy` < 1 makes it wrong on
a fixed share of events, so the failure attribution can be checked against a known cause.

The annotation names no wrong class to give, so a wrong answer follows a fixed rule
(`wrong_label`): the first action class of the oracle's list other than the event's own. With the
packaged classes, one per sport, that is always another sport's class, which `classifier.sport`
hands back to the event's own (`pipeline.sport_filter`): the mistakes would not show, so that pair
of settings is refused."""

from __future__ import annotations

import zlib

import numpy as np

from highlights.errors import ConfigError
from highlights.vocabulary import NONE_LABEL, UNKNOWN_SPORT, sport_of
from highlights.pipeline.registry import register
from highlights.pipeline.sport_vote import is_auto
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
        self._refuse_hidden_mistakes()

    def _refuse_hidden_mistakes(self) -> None:
        """A one-line error where `classifier.sport` would turn a wrong answer back into the
        event's own class: an event the oracle gets wrong whose wrong label is another sport's (a
        class that names no sport, a club's `rest`, the filter leaves as it is)."""
        sport = (self.settings.sport or "").strip().lower()
        # `auto`'s sport is read from the windows, so which mistakes it would hide is not known here.
        if not sport or is_auto(sport):
            return
        hidden = [e for e in self.context.annotation.events
                  if self._wrong(e) and sport_of(wrong_label(e.label, self.classes)) not in (sport, UNKNOWN_SPORT)]
        if hidden:
            first = hidden[0].label
            raise ConfigError(
                f"classifier.oracle_accuracy={self.settings.oracle_accuracy:g} with classifier.sport="
                f"{self.settings.sport!r}: the oracle labels a {first} it gets wrong "
                f"{wrong_label(first, self.classes)}, which the sport filter hands back to {sport}'s own "
                f"class, so {len(hidden)} of its mistakes would not show")

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
                label = wrong_label(label, self.classes)
            out[row, self.classes.index(label)] = 1.0
        return out

    def _wrong(self, event) -> bool:
        # Fixed per event (not per window), so the same event is always right or always wrong.
        u = zlib.crc32(f"{self.settings.oracle_seed}:{event.id}".encode()) / 2**32
        return u >= self.settings.oracle_accuracy


def wrong_label(label: str, classes: tuple[str, ...]) -> str:
    """The label the oracle gives an event it gets wrong: the first action class of `classes`
    other than the event's own (the oracle's classes hold the packaged actions and every label of
    the annotation, so there is always one)."""
    return next(c for c in classes if c not in (label, NONE_LABEL))
