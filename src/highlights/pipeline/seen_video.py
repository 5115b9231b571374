"""Whether the classifier a pipeline run uses has seen the game it is scored on.

The review's loop (detect -> review -> export -> train) puts each reviewed game's clips in one
split of the next dataset version; a game in its train split, scored with `pipeline evaluate`
against its reviewed annotations, reports a model on footage it learned from, and one in its val
split a model whose best epoch (R(2+1)D) or action threshold (pose model) was chosen on it. Each
checkpoint keeps the ids (SHA-256 prefixes) of both sets of clips and the dataset version they
came from (`report.seen_clips.SeenIds`, which `evaluate --clips` checks its clips against too); a
clip of the video is one whose file is the video itself, or one the review cut from it (its
provenance names the video as `source_video`). `pipeline calibrate` checks the same: a model's
scores on footage it has seen are over-confident, and a calibration fitted on them maps its scores
on new games as if they were."""

from __future__ import annotations

from pathlib import Path

from highlights.counted_noun import counted
from highlights.datasets import DatasetError, list_versions, load_version
from highlights.datasets.cut_spans import cut_span
from highlights.datasets.same_video import same_file
from highlights.content_hash_cache import cached_file_sha256
from highlights.clips.clip_id import clip_id_of
from highlights.report.seen_clips import SeenIds


def _models_seen(cfg) -> list[tuple[Path, SeenIds, dict]]:
    """(checkpoint, the clips it has seen, {"root", "version"} where known) of each model the run's
    classifier uses: none when the classifier is off."""
    out = []
    clf = cfg.classifier
    if not clf.enabled:  # switched off (as the ablation does): a checkpoint still named judged nothing
        return out
    if clf.backend in ("checkpoint", "fusion") and clf.checkpoint:
        from highlights.model.checkpoint import read_checkpoint_file
        from highlights.train.evaluation import seen_ids

        meta = read_checkpoint_file(Path(clf.checkpoint))["meta"]
        out.append((Path(clf.checkpoint), seen_ids(meta), meta.get("dataset") or {}))
    if clf.backend in ("pose", "fusion") and clf.pose_model:
        from highlights.pose_classifier.model import PoseClassifier
        from highlights.pose_classifier.seen_clips import seen_ids

        provenance = PoseClassifier.load(clf.pose_model).meta.get("provenance")
        labelled = ((provenance or {}).get("training_data") or {}).get("labelled_clips") or {}
        out.append((Path(clf.pose_model), seen_ids(provenance), labelled))
    return out


def _cut_from(clip, video: Path) -> bool:
    span = cut_span(clip.provenance or "")
    return span is not None and same_file(span.source, video)


def _what(whole: bool, cut: int) -> str:
    return " and ".join((["the video itself"] if whole else [])
                        + ([f"{counted(cut, 'clip')} cut from it"] if cut else []))


def seen_video_warnings(cfg, video: str | Path, *, calibrating: bool = False) -> list[str]:
    """One line per model of the run that was trained on clips of ``video``, or had its best epoch
    or action threshold chosen on them (empty when none has seen it, or when what it saw is not
    recorded or no longer on disk). Each line says what that makes of `pipeline evaluate`'s figures,
    or with ``calibrating``, of a calibration fitted on the video."""
    video = Path(video)
    lines = []
    video_id = None
    for checkpoint, seen, data in _models_seen(cfg):
        if not seen.trained and not seen.validated:
            continue
        if video_id is None:
            # Kept in the cache folder: `pipeline evaluate` on the same game reads it whole once.
            video_id = clip_id_of(cached_file_sha256(video))
        trained_whole = video_id in seen.trained
        validated_whole = video_id in seen.validated and not trained_whole
        trained_cut = validated_cut = 0
        root, version = data.get("root"), data.get("version")
        if root and version:
            try:
                if version in list_versions(root):
                    cut = [c.clip_id for c in load_version(root, version).clips
                           if clip_id_of(c.sha256) != video_id and _cut_from(c, video)]
                    trained_cut = sum(1 for i in cut if i in seen.trained)
                    validated_cut = sum(1 for i in cut if i in seen.validated and i not in seen.trained)
            except (DatasetError, OSError):
                pass
        trained = _what(trained_whole, trained_cut)
        validated = _what(validated_whole, validated_cut)
        if not trained and not validated:
            continue
        how = " and ".join(([f"was trained on {trained}"] if trained else []) +
                           ([f"had its {seen.chosen} chosen on {validated}"] if validated else []))
        where = f" ({root} {version})" if root and version else ""
        footage = "the model learned from" if trained else f"the model's {seen.chosen} was chosen on"
        # A model that chose nothing on its val split has not seen that split's games.
        unseen = "test split" if seen.validated else "val or test split"
        unseen_game = f"a game it has not seen (one whose clips are in the version's {unseen}, or in no version)"
        if calibrating:
            lines.append(f"{checkpoint} {how}{where}: this calibration is fitted on its scores on footage {footage}, "
                         f"more confident there than on new games; fit it on {unseen_game}")
        else:
            lines.append(f"{checkpoint} {how}{where}: these figures are on footage {footage}, not a test of it; "
                         f"score it on {unseen_game}")
    return lines
