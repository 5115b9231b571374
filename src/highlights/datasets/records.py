"""What a dataset version holds: clip records and the version itself."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePath

from highlights.datasets.errors import DatasetError
from highlights.datasets.group_pattern import GroupPattern

SPLITS: tuple[str, ...] = ("train", "val", "test")
MANIFEST_FIELDS: tuple[str, ...] = (
    "clip_id", "path", "label", "split", "group", "sha256", "derived_from", "licence", "provenance",
)
META_NAME = "dataset_meta.json"
# The layout of a version's dataset_meta.json and manifest.csv: every version highlights has
# written is format 1, and `load_version` refuses another rather than read it as this one.
META_FORMAT = 1
MANIFEST_NAME = "manifest.csv"
CLIPS_DIR = "clips"
# The provenance note every version keeps visible unless replaced: a model for commercial use
# is to be rebuilt on footage that may be used commercially.
DEFAULT_NOTE = "commercial model = rebuild on user / commercially-usable video"


@dataclass(frozen=True)
class ClipRecord:
    """One clip of a version. ``path`` is absolute (the manifest stores it relative to the version).

    ``derived_from`` is the ``clip_id`` of the real clip an augmented variant was made from, else None.
    """

    clip_id: str
    path: Path
    label: str
    split: str
    group: str
    sha256: str
    derived_from: str | None
    licence: str
    provenance: str

    @property
    def is_augmented(self) -> bool:
        return self.derived_from is not None


@dataclass(frozen=True)
class DatasetVersion:
    """An immutable version ``ROOT/vN``: its metadata and its clips."""

    root: Path
    name: str
    meta: dict
    clips: list[ClipRecord]

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def classes(self) -> list[str]:
        return list(self.meta["classes"])

    @property
    def parent(self) -> str | None:
        return self.meta.get("parent")

    @property
    def group_pattern(self) -> GroupPattern:
        """How it grouped its clips that state no group (`GroupPattern()`, by file stem, for a
        version written before there was a pattern)."""
        return GroupPattern.from_dict(self.meta.get("group_pattern"))

    @property
    def note(self) -> str:
        return self.meta.get("note", "")

    @property
    def content_id(self) -> str:
        """Its clips' content, labels and splits as one id (`content_id.dataset_content_id`),
        computed from the manifest, so a version written before its meta recorded one has it too."""
        from highlights.datasets.content_id import dataset_content_id

        return dataset_content_id((c.sha256, c.label, c.split) for c in self.clips)

    @property
    def real_clips(self) -> list[ClipRecord]:
        return [c for c in self.clips if not c.is_augmented]

    @property
    def augmented_clips(self) -> list[ClipRecord]:
        return [c for c in self.clips if c.is_augmented]

    def split(self, name: str, *, augmented: bool = True) -> list[ClipRecord]:
        """The clips of one split; ``augmented=False`` leaves out the materialised variants."""
        if name not in SPLITS:
            raise DatasetError(f"unknown split {name!r}; expected one of {', '.join(SPLITS)}")
        return [c for c in self.clips if c.split == name and (augmented or not c.is_augmented)]

    def describe(self, clip_id: str) -> str:
        """How a message names one of its clips: its stored file and where it came from."""
        clip = self.meta["clips"][clip_id]
        return f"{self.path / clip['file']} (clip {clip_id} of {self.name}, from {clip['source']})"

    def origin(self, clip_id: str) -> str | None:
        """Where a clip came from, as its owner would recognise it (its files are renamed to
        content hashes): the file it was added from, or the video and segment a review cut it from."""
        entry = (self.meta.get("clips") or {}).get(clip_id) or {}
        provenance = entry.get("provenance")
        if isinstance(provenance, str) and provenance.startswith("{"):
            try:
                cut = json.loads(provenance)
                video = PurePath(str(cut["source_video"])).name
                return f"{video} {float(cut['start_s']):.1f}-{float(cut['end_s']):.1f} s"
            except (ValueError, KeyError, TypeError):
                pass
        source = entry.get("source")
        return PurePath(str(source)).name if source else None

    def counts(self, *, augmented: bool = False) -> dict[str, dict[str, int]]:
        """``{class: {split: n}}`` over real clips (or over augmented variants only)."""
        tally = Counter((c.label, c.split) for c in self.clips if c.is_augmented == augmented)
        return {cls: {s: tally[(cls, s)] for s in SPLITS} for cls in self.classes}
