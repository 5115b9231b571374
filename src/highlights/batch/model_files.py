"""The model files a batch's resume fingerprint stands on (`highlights.pipeline.model_files`),
with a missing one refused as a batch error."""

from __future__ import annotations

from pathlib import Path

from highlights.batch.errors import BatchError
from highlights.errors import MissingFileError
from highlights.pipeline import model_files as _files


def model_files(config) -> list[tuple[str, Path]]:
    try:
        return _files.model_files(config)
    except MissingFileError as exc:
        raise BatchError(str(exc)) from exc


def model_sha256(config) -> str | None:
    try:
        return _files.model_sha256(config)
    except MissingFileError as exc:
        raise BatchError(str(exc)) from exc
