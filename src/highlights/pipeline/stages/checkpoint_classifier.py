"""The trained clip classifier (`classifier.backend=checkpoint`): `highlights.model.ClipClassifier`
on the checkpoint `classifier.checkpoint`, through its fastest verified inference path.

`classifier.inference_path` names the path (default `auto`: measured on this CPU on the first
run, with a spinner saying what it is timing, then cached); `classifier.int8` / `classifier.bf16`
switch off a verified reduced-precision path. The path in use, how it was chosen and what a
bounded first measurement left out go into the run's stats (`inference_path`)."""

from __future__ import annotations

import numpy as np

from highlights.errors import ConfigError
from highlights.pipeline.registry import register
from highlights.pipeline.window_classifier import ClassifierStage, batch_tensor


def load_clip_classifier(settings, context):
    """(ClipClassifier, owned) for `settings.checkpoint` through the configured path; a batch
    worker keeps one loaded classifier for all its games (process_cache), owned is then False."""
    from highlights.model.process_cache import classifier_for
    from highlights.progress import status_line

    with status_line("loading the classifier", enabled=getattr(context, "progress", True)) as show:
        return classifier_for(settings.checkpoint, int8=settings.int8, bf16=settings.bf16,
                              backend=settings.inference_path, progress=show)


def inference_path_summary(classifier) -> dict:
    """What a run's stats record about the path: requested, picked, how chosen, the layout, and
    what a bounded measurement skipped, and whether a measured choice was cached (not when other
    processes kept the machine busy meanwhile)."""
    report = classifier.backend_report
    keys = ("requested", "picked", "choice", "layout", "threads", "measure_seconds", "measure_skipped",
            "others_busy_cores", "stored", "cache_unwritable")
    summary = {k: report[k] for k in keys if k in report}
    for precision in ("int8", "bf16"):
        if precision in report:
            why = report[precision]
            summary[precision] = {"offered": bool(why.get("usable")), "reason": why.get("reason")}
    return summary


@register
class CheckpointClassifier(ClassifierStage):
    backend = "checkpoint"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if not self.settings.checkpoint:
            raise ConfigError("classifier.backend=checkpoint needs a checkpoint (--checkpoint FILE), "
                              "or switch the stage off with --set classifier.enabled=false")
        self._model, self._owns_model = load_clip_classifier(self.settings, context)
        self.classes = tuple(self._model.classes)
        self.spec = self._model.spec
        self.inference_backend = str(self._model.backend)

    def backend_identity(self) -> tuple:
        return (self.backend, self.inference_backend)

    def report(self) -> dict:
        return {**super().report(), "inference_path": inference_path_summary(self._model)}

    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self._model.predict_proba(batch_tensor(clips, self.spec)))

    def close(self) -> None:
        super().close()
        if self._owns_model:
            self._model.close()
