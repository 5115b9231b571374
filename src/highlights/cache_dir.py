"""The one folder where highlights keeps what it can compute again (inference-path choices,
estimated poses): reading it saves time, and a run never depends on it."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "HIGHLIGHTS_CACHE_DIR"


def cache_dir() -> Path:
    """``$HIGHLIGHTS_CACHE_DIR``, else ``$XDG_CACHE_HOME/highlights``, else ``~/.cache/highlights``
    (an empty variable counts as unset, as the XDG specification says)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "highlights"
