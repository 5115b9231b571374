"""Whether the classifier a pipeline run uses was trained on the game it is scored on.

The review's loop (detect -> review -> export -> train) puts each reviewed game's clips in one
split of the next dataset version; a game in its train split, scored with `pipeline evaluate`
against its reviewed annotations, reports a model on footage it learned from. Each checkpoint
keeps the ids (SHA-256 prefixes) of the clips it was trained on and the dataset version they came
from; a clip of the video is one whose file is the video itself, or one the review cut from it
(its provenance names the video as `source_video`)."""

from __future__ import annotations

import json
from pathlib import Path

from highlights.datasets import DatasetError, list_versions, load_version
from highlights.content_hash_cache import cached_file_sha256
from highlights.clips.clip_id import clip_id_of


def _trained_on(cfg) -> list[tuple[Path, set[str], dict]]:
    """(checkpoint, ids of the clips it was trained on, {"root", "version"} where known) of each
    model the run's classifier uses."""
    out = []
    clf = cfg.classifier
    if clf.backend in ("checkpoint", "fusion") and clf.checkpoint:
        from highlights.model.checkpoint import read_checkpoint_file
        from highlights.train.loop import TRAIN_CLIP_IDS

        meta = read_checkpoint_file(Path(clf.checkpoint))["meta"]
        out.append((Path(clf.checkpoint), set(meta.get(TRAIN_CLIP_IDS) or []), meta.get("dataset") or {}))
    if clf.backend in ("pose", "fusion") and clf.pose_model:
        from highlights.pose_classifier.model import PoseClassifier
        from highlights.pose_classifier.seen_clips import trained_hashes

        provenance = PoseClassifier.load(clf.pose_model).meta.get("provenance")
        labelled = ((provenance or {}).get("training_data") or {}).get("labelled_clips") or {}
        out.append((Path(clf.pose_model), trained_hashes(provenance), labelled))
    return out


def _cut_from(clip, video: Path) -> bool:
    try:
        source = json.loads(clip.provenance or "{}").get("source_video")
    except (ValueError, AttributeError):
        return False
    if not source:
        return False
    try:
        return Path(source).resolve() == video.resolve() or Path(source).samefile(video)
    except OSError:
        return False


def seen_in_training(cfg, video: str | Path) -> list[str]:
    """One line per model of the run that was trained on clips of ``video`` (empty when none was,
    or when what it was trained on is not recorded or no longer on disk)."""
    video = Path(video)
    lines = []
    video_id = None
    for checkpoint, ids, data in _trained_on(cfg):
        if not ids:
            continue
        if video_id is None:
            # Kept in the cache folder: `pipeline evaluate` on the same game reads it whole once.
            video_id = clip_id_of(cached_file_sha256(video))
        whole = video_id in ids
        cut = 0
        root, version = data.get("root"), data.get("version")
        if root and version:
            try:
                if version in list_versions(root):
                    cut = sum(1 for c in load_version(root, version).clips
                              if c.clip_id in ids and clip_id_of(c.sha256) != video_id and _cut_from(c, video))
            except (DatasetError, OSError):
                pass
        if whole or cut:
            what = " and ".join(([f"the video itself"] if whole else []) +
                                ([f"{cut} clip(s) cut from it"] if cut else []))
            where = f" ({root} {version})" if root and version else ""
            lines.append(f"{checkpoint} was trained on {what}{where}: these figures are on footage the model "
                         f"learned from, not a test of it; score it on a game it was not trained on (one whose "
                         "clips are in the version's val or test split, or in no version)")
    return lines
