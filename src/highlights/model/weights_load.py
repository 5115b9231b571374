"""``torch.load(..., weights_only=True)`` whose warnings reach the user only for a file it read.

A file damaged inside its pickle makes torch warn on its way to the error (a `UserWarning` from its
weights-only unpickler, with the C++ line that raised it) before the loader's one line naming the
file: those warnings say nothing of the file that line does not, so they are dropped with the
error. A file that loads keeps its warnings, given again as they came.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import torch


def load_weights_only(source: str | os.PathLike | io.BytesIO) -> Any:
    """What ``torch.load(source, map_location="cpu", weights_only=True)`` returns; its warnings are
    given again only where it returned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        payload = torch.load(source, map_location="cpu", weights_only=True)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return payload
