"""Classifiers kept loaded for the life of a process, for processes that run many games.

Loading a checkpoint also picks its inference path (tracing, exporting and checking each
candidate against eager), which costs seconds on a full model; a batch worker that runs one
game after another should pay it once, not once per game. A single `detect` does not turn
this on: its classifier is closed with its run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from highlights.model.classifier import ClipClassifier

_enabled = False
_loaded: dict[tuple, "ClipClassifier"] = {}


def keep_classifiers_loaded(enabled: bool = True) -> None:
    """From now on, `classifier_for` hands out one classifier per checkpoint file and keeps it."""
    global _enabled
    _enabled = bool(enabled)
    if not _enabled:
        for classifier in _loaded.values():
            classifier.close()
        _loaded.clear()


@contextmanager
def classifiers_kept_loaded() -> Iterator[None]:
    """Within it, `classifier_for` hands out one classifier per checkpoint file, as
    `keep_classifiers_loaded(True)`; at its end, the classifiers loaded in it are closed, unless
    the process kept them already (a batch worker), which keeps them."""
    if _enabled:
        yield
        return
    keep_classifiers_loaded(True)
    try:
        yield
    finally:
        keep_classifiers_loaded(False)


def classifier_for(path: str | os.PathLike, *, int8: bool = True, bf16: bool = True,
                   backend: str = "auto", progress=None) -> tuple["ClipClassifier", bool]:
    """(classifier, owned): `owned` is True when the caller must close it (no process cache).
    `backend` is "auto" (the measured choice) or a path's name; `progress` receives a line per
    step of a first-run measurement."""
    from highlights.model.classifier import ClipClassifier

    def load() -> "ClipClassifier":
        return ClipClassifier.from_checkpoint(path, backend=backend, int8=int8, bf16=bf16, progress=progress)

    if not _enabled:
        return load(), True
    import torch

    from highlights.file_identity import file_identity

    resolved = Path(path).resolve()
    try:
        # A checkpoint rewritten in place (same path, new content) gets a fresh load, even one
        # of the same size whose modification time was put back.
        identity = tuple(file_identity(resolved).items())
    except OSError:
        identity = None  # the load says why
    # A classifier runs on torch's thread count when it was loaded (its `num_threads`), so a
    # process whose count was set otherwise since (a second batch's --threads) gets one loaded
    # for that count.
    key = (str(resolved), identity, bool(int8), bool(bf16), backend, torch.get_num_threads())
    if key not in _loaded:
        classifier = load()
        # Those loaded from the file this path held before it was replaced can never be handed out
        # again: closed now, not kept (a model's weights and worker threads) for the process's life.
        for stale in [k for k in _loaded if k[0] == key[0] and k[1] != identity]:
            _loaded.pop(stale).close()
        _loaded[key] = classifier
    return _loaded[key], False


def loaded_count() -> int:
    """How many classifiers this process holds (what a test of the once-per-worker rule reads)."""
    return len(_loaded)
