"""A pose model's summary beside it (`best.json` beside `best.pt`, `pose_default.json` beside the
packaged model), which names the model it describes by ``file`` and ``sha256``.

`train --model pose` writes the summary and then the model, together (`pose_classifier.train`);
nothing but a person reads the summary, so a model whose summary describes another (a `best.pt`
copied into another run's folder, or the pair renamed apart by a stop) would let its provenance,
classes and validation figures be read as the model's. Loading the model says so; the model itself
is whole and self-describing (its classes and threshold are in it), so it is still loaded.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from highlights.file_hash import file_sha256

log = logging.getLogger(__name__)


def summary_of_another_model(model: Path) -> str | None:
    """One line saying the summary beside ``model`` names another model's sha256, or None (no
    summary, or one that does not name this file, or one that names its contents)."""
    summary_path = model.with_suffix(".json")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # none, or unreadable: not what it describes
    if not isinstance(summary, dict) or summary.get("file") != model.name:
        return None
    recorded = summary.get("sha256")
    if not isinstance(recorded, str):
        return None
    try:
        if file_sha256(model) == recorded:
            return None
    except OSError:
        return None  # the model's own reader says why it cannot be read
    return (f"{summary_path}: describes another {model.name} (sha256 {recorded[:12]}..., not this "
            "file's): its provenance, classes and figures are not this model's; train again into a "
            "new folder, or keep each best.pt with its own best.json")


def warn_of_another_models_summary(model: Path) -> None:
    line = summary_of_another_model(model)
    if line:
        log.warning("warning: %s", line)
