"""Which test clips a pose model was trained on: its labelled clips' hashes, kept in its
provenance, against the clips an evaluation scores. A model trained with `--clips TREE` and then
scored on a dataset version made from the same tree (or on the tree itself) would otherwise
report figures on clips it has seen as if they were new."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from highlights.file_hash import file_sha256

# A SHA-256 prefix long enough that two different clips never share it in practice (the
# datasets' clip ids are the same prefix), short enough to keep a checkpoint's provenance small.
HASH_CHARS = 16


def clip_hashes(paths: Iterable[str | Path]) -> list[str]:
    """The sorted hash prefixes of the clip files, as a model's provenance keeps them."""
    return sorted({file_sha256(p)[:HASH_CHARS] for p in paths})


def trained_hashes(provenance: dict | None) -> set[str]:
    """The hash prefixes of the labelled clips a model was trained on (none for a model trained
    on synthetic poses alone, or made before they were recorded)."""
    labelled = ((provenance or {}).get("training_data") or {}).get("labelled_clips") or {}
    return set(labelled.get("clip_hashes") or [])


def seen_in_training(names: list[str], paths: list[Path], provenance: dict | None) -> list[str]:
    """The names of the clips whose file the model was trained on."""
    trained = trained_hashes(provenance)
    if not trained:
        return []
    return [name for name, path in zip(names, paths) if file_sha256(path)[:HASH_CHARS] in trained]
