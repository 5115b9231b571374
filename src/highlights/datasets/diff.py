"""The growth table between two versions: total clips, then per class per split."""

from __future__ import annotations

from dataclasses import dataclass

from highlights.datasets.records import SPLITS, DatasetVersion


@dataclass(frozen=True)
class DiffRow:
    name: str
    old: int
    new: int

    @property
    def change(self) -> int:
        return self.new - self.old


def diff_versions(old: DatasetVersion, new: DatasetVersion) -> list[DiffRow]:
    """Rows of the growth table (total, then each class per split) over real clips, plus the
    augmented variants on the last row."""
    classes = list(dict.fromkeys(old.classes + new.classes))
    old_counts, new_counts = _counts(old, classes), _counts(new, classes)
    rows = [DiffRow("Total clips", len(old.real_clips), len(new.real_clips))]
    for cls in classes:
        for split in SPLITS:
            rows.append(DiffRow(f"{cls} ({split})", old_counts[(cls, split)], new_counts[(cls, split)]))
    rows.append(DiffRow("Augmented variants", len(old.augmented_clips), len(new.augmented_clips)))
    return rows


def _counts(version: DatasetVersion, classes: list[str]) -> dict[tuple[str, str], int]:
    out = {(c, s): 0 for c in classes for s in SPLITS}
    for clip in version.real_clips:
        out[(clip.label, clip.split)] += 1
    return out
