"""What a run's highlights were made from, by content rather than by path: the video's size and
SHA-256, and every model file's SHA-256, recorded in highlights.json and pipeline_eval.json, so a
file replaced in place (a re-exported game, a model retrained at the same path) is told apart."""

from __future__ import annotations

import os
from typing import Any


def video_identity(path: str | os.PathLike) -> dict[str, Any]:
    """``{"size_bytes", "sha256"}`` of the video; the hash kept in the cache folder while the file
    is unchanged (`content_hash_cache`), so running a long game again does not read it twice."""
    from highlights.content_hash_cache import cached_file_sha256

    return {"size_bytes": os.stat(path).st_size, "sha256": cached_file_sha256(path)}


def loaded_models(config) -> list[dict[str, Any]]:
    """Every model file a run with `config` loads (`model_files`), by role, path and SHA-256 (None
    for a file not there)."""
    from highlights.file_hash import file_sha256
    from highlights.packaged_file import shown_name
    from highlights.pipeline.model_files import model_files

    return [{"role": role, "path": shown_name(path), "sha256": file_sha256(path) if path.is_file() else None}
            for role, path in model_files(config)]
