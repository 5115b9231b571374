"""Validating clips before they enter a version: label, readable video, not a duplicate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from highlights.datasets.sources import SourceClip
from highlights.file_hash import file_sha256
from highlights.progress import track
from highlights.video import VideoError
from highlights.video.errors import missing_file_cause
from highlights.video.colour import to_rgb
from highlights.video.verify import verify_video


@dataclass(frozen=True)
class CheckedClip:
    source: SourceClip
    sha256: str
    frames: int = 0  # frames that decode


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str  # one line, already naming the file

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}



def check_video(path: Path) -> "Likeness":
    """Decode the whole clip once and compare it with what its container states. Raises ``VideoError``.

    Clips are short, so a full decode is affordable, and only it catches a file cut off after
    its index, an index with broken timing, or a single picture named like a video. The same
    pass keeps the clip's pictures in brief, to find re-encoded copies of one clip.
    """
    likeness = _LikenessBuilder()
    verified = verify_video(path, on_frame=likeness.add)
    return likeness.build(verified.duration_s, verified.decoded_frames)


# A re-encoded copy of a clip (another bitrate, size, frame rate or container) shows the same
# pictures: at LIKENESS_MOMENTS moments spread over the clip, shrunk to LIKENESS_SIZE pixels
# square, under NEAR_SHARE of its colour values differ from the original's by more than
# NEAR_LEVELS. Copies measured 0-0.01% (H.264 at CRF 32, half size, 12.5 fps); two moments of
# one synthetic game seconds apart 3.8% or more, and different clips more.
LIKENESS_MOMENTS = 8
LIKENESS_SIZE = 32
NEAR_LEVELS = 32
NEAR_SHARE = 0.005
_KEEP_AT_MOST = 256  # pictures held while decoding a long clip: every other one is dropped beyond


@dataclass(frozen=True)
class Likeness:
    """A clip's pictures in brief: (moments, size, size, 3) RGB, and its duration."""

    pictures: np.ndarray
    duration_s: float
    colour: np.ndarray  # the average colour, (3,)
    frames: int  # frames that decode

    def same_pictures(self, other: "Likeness") -> bool:
        a, b = self.duration_s, other.duration_s
        if a > 0 and b > 0 and abs(a - b) > 0.1 * max(a, b) + 0.1:
            return False
        # Cheap first: a copy's average colour is the original's within a level or two.
        if float(np.abs(self.colour - other.colour).max()) > NEAR_LEVELS / 4:
            return False
        differ = np.abs(self.pictures.astype(np.int16) - other.pictures.astype(np.int16)) > NEAR_LEVELS
        return float(differ.mean()) < NEAR_SHARE


class _LikenessBuilder:
    def __init__(self) -> None:
        self.pictures: list[np.ndarray] = []
        self.stride, self.seen = 1, 0

    def add(self, frame) -> None:
        if self.seen % self.stride == 0:
            # In the colours the frame states (`video.colour`), as every reader here converts:
            # a copy re-encoded in full range or another matrix still shows the same pictures.
            self.pictures.append(to_rgb(frame, width=LIKENESS_SIZE, height=LIKENESS_SIZE))
            if len(self.pictures) >= _KEEP_AT_MOST:
                self.pictures, self.stride = self.pictures[::2], self.stride * 2
        self.seen += 1

    def build(self, duration_s: float, frames: int) -> Likeness:
        picks = np.linspace(0, len(self.pictures) - 1, LIKENESS_MOMENTS).round().astype(int)
        pictures = np.stack([self.pictures[i] for i in picks])
        return Likeness(pictures, float(duration_s or 0.0), pictures.reshape(-1, 3).mean(axis=0), int(frames))


@dataclass(frozen=True)
class KnownClip:
    """A clip already in the dataset (the parent version): what a duplicate is named after."""

    description: str
    label: str


@dataclass(frozen=True)
class NearDuplicate:
    """A clip showing the same pictures as an earlier one of the same label (a re-encoded
    copy): kept, in the earlier one's group so the two share a split."""

    path: str
    of: str
    group: str

    def to_dict(self) -> dict:
        return {"path": self.path, "of": self.of, "group": self.group}


@dataclass
class CheckOutcome:
    accepted: list[CheckedClip]
    rejected: list[Rejected]
    already_present: int = 0  # clips identical to one in the parent, left out with skip_existing
    near_duplicates: list[NearDuplicate] = field(default_factory=list)


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
    looks: list[tuple[SourceClip, Likeness]] = []
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
            likeness = check_video(clip.path)
        except VideoError as e:
            outcome.rejected.append(Rejected(path, str(e) if str(e).startswith(path) else f"{path}: {e}"))
            continue
        twin = next((c for c, other in looks if other.same_pictures(likeness)), None)
        if twin is not None:
            first = str(twin.path)
            if twin.label != clip.label:
                outcome.rejected.append(Rejected(path, f"{path}: the same pictures as {first} (a re-encoded copy?), "
                                                       f"labelled {twin.label!r} there"))
                continue
            # Kept, but never in another split than its original: the test set would see it.
            outcome.near_duplicates.append(NearDuplicate(path, first, twin.group))
            clip = replace(clip, group=twin.group)
        seen[sha] = (path, clip.label)
        looks.append((clip, likeness))
        outcome.accepted.append(CheckedClip(source=clip, sha256=sha, frames=likeness.frames))
    return outcome
