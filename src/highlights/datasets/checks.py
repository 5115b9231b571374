"""Validating clips before they enter a version: label, readable video, not a duplicate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from highlights.datasets.sources import SourceClip
from highlights.file_hash import file_sha256
from highlights.progress import track
from highlights.video import VideoError
from highlights.video.errors import missing_file_cause
from highlights.video.verify import verify_video


@dataclass(frozen=True)
class CheckedClip:
    source: SourceClip
    sha256: str


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str  # one line, already naming the file

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}



def check_video(path: Path) -> None:
    """Decode the whole clip once and compare it with what its container states. Raises ``VideoError``.

    Clips are short, so a full decode is affordable, and only it catches a file cut off after
    its index, an index with broken timing, or a single picture named like a video.
    """
    verify_video(path)


@dataclass(frozen=True)
class KnownClip:
    """A clip already in the dataset (the parent version): what a duplicate is named after."""

    description: str
    label: str


@dataclass
class CheckOutcome:
    accepted: list[CheckedClip]
    rejected: list[Rejected]
    already_present: int = 0  # clips identical to one in the parent, left out with skip_existing


def check_sources(
    sources: Sequence[SourceClip],
    classes: Sequence[str],
    known: Mapping[str, KnownClip],
    *,
    skip_existing: bool = False,
    show_progress: bool = False,
) -> CheckOutcome:
    """Sort ``sources`` into clips fit to ingest and rejected ones, each with a one-line reason.

    ``known`` maps the sha256 of every clip already in the dataset (the parent version), so a
    duplicate names both files. With ``skip_existing``, a source identical to a parent clip of
    the same label is not a problem but simply already there (for re-ingesting a folder that
    grew); one with another label is still refused.
    """
    class_set = set(classes)
    seen: dict[str, tuple[str, str]] = {}  # sha256 -> the first clip with it, and its label
    outcome = CheckOutcome([], [])
    for clip in track(sources, "checking clips", enabled=show_progress):
        path = str(clip.path)
        if clip.label not in class_set:
            outcome.rejected.append(Rejected(path, f"{path}: label {clip.label!r} is not one of the classes "
                                                   f"({', '.join(classes)})"))
            continue
        cause = missing_file_cause(clip.path)
        if cause is not None:
            outcome.rejected.append(Rejected(path, f"{path}: {cause}"))
            continue
        try:
            sha = file_sha256(clip.path)
        except OSError as e:
            outcome.rejected.append(Rejected(path, f"{path}: cannot read ({e.strerror or e})"))
            continue
        if sha in known:
            other = known[sha]
            if skip_existing and other.label == clip.label:
                outcome.already_present += 1
                continue
            relabelled = f", labelled {other.label!r} there" if other.label != clip.label else ""
            outcome.rejected.append(Rejected(path, f"{path}: duplicate of {other.description}{relabelled} "
                                                   f"(same content, sha256 {sha[:12]}...)"))
            continue
        if sha in seen:
            first, first_label = seen[sha]
            relabelled = f", labelled {first_label!r} there" if first_label != clip.label else ""
            outcome.rejected.append(Rejected(path, f"{path}: duplicate of {first}{relabelled} "
                                                   f"(same content, sha256 {sha[:12]}...)"))
            continue
        try:
            check_video(clip.path)
        except VideoError as e:
            outcome.rejected.append(Rejected(path, str(e) if str(e).startswith(path) else f"{path}: {e}"))
            continue
        seen[sha] = (path, clip.label)
        outcome.accepted.append(CheckedClip(source=clip, sha256=sha))
    return outcome
