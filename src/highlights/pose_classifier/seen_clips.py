"""Which test clips a pose model has seen: the ids of the labelled clips it was trained on and
of the val clips its action threshold was chosen on, kept in its provenance, against the clips an
evaluation scores. A model trained on a dataset version and then scored on the tree the version
was made from would otherwise report figures on clips it has seen as if they were new. The check
and its words are the R(2+1)D's (`report.seen_clips`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from highlights.file_hash import file_sha256
from highlights.clips.clip_id import clip_id_of
from highlights.report.seen_clips import SeenClips, SeenIds

ACTION_THRESHOLD = "action threshold"  # what a pose model chooses on its val clips


def clip_ids_of(paths: Iterable[str | Path]) -> list[str]:
    """The sorted clip ids (SHA-256 prefixes) of the clip files, as a model's provenance keeps them
    (under `clip_hashes`, the key models already written have)."""
    return sorted({clip_id_of(file_sha256(p)) for p in paths})


def trained_clip_ids(provenance: dict | None) -> set[str]:
    """The clip ids of the labelled clips a model was trained on (none for a model trained
    on synthetic poses alone, or made before they were recorded)."""
    labelled = ((provenance or {}).get("training_data") or {}).get("labelled_clips") or {}
    return set(labelled.get("clip_hashes") or [])


def threshold_clip_ids(provenance: dict | None) -> set[str]:
    """The clip ids of the val clips a model's action threshold was chosen on (none where it
    was not chosen on clips). A model made before they were recorded names its version's val
    split, where that version is still on disk."""
    from highlights.datasets.store import split_clip_ids

    chosen = ((provenance or {}).get("validation") or {}).get("action_threshold") or {}
    if not chosen.get("chosen"):
        return set()
    if "clip_hashes" in chosen:
        return set(chosen["clip_hashes"] or [])
    labelled = ((provenance or {}).get("training_data") or {}).get("labelled_clips") or {}
    return split_clip_ids(labelled.get("root"), labelled.get("version"), "val")


def seen_ids(provenance: dict | None) -> SeenIds:
    """The clips a model was trained on, and those its action threshold was chosen on."""
    return SeenIds(frozenset(trained_clip_ids(provenance)), frozenset(threshold_clip_ids(provenance)),
                   ACTION_THRESHOLD)


def seen_by_pose_model(names: list[str], paths: list[Path], provenance: dict | None) -> SeenClips:
    """The names of the clips whose file the model was trained on, and of those its action
    threshold was chosen on."""
    return seen_ids(provenance).of((name, path, None) for name, path in zip(names, paths))
