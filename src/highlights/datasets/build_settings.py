"""How a new dataset version is made: the options of `create_version` and `grow_version`, as one
value carried whole from them to where each is used, so that none is dropped on the way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from highlights.datasets.errors import DatasetError
from highlights.datasets.group_pattern import GroupPattern
from highlights.datasets.sources import ClipDefaults

if TYPE_CHECKING:
    from highlights.augment import PhoneAugmentConfig


@dataclass(frozen=True)
class BuildSettings:
    """The options of one new version. None for classes, note, seed, ratios, augmented
    variants or group pattern takes the parent's (a first version's: sorted found classes, the
    default note, seed 0, `DEFAULT_RATIOS`, no variants, groups by file stem).

    ``skip_bad`` leaves bad clips out (recorded under ``skipped``) instead of refusing them;
    ``skip_existing`` leaves out clips the parent holds; ``allow_outside`` lets a manifest name
    clips outside its own folder; ``wait`` waits for another writer of the root instead of
    refusing; ``source_name`` is recorded as where the clips came from instead of the source's
    path (a staging folder gone once the version is written); ``replaces`` maps parent clip ids
    to why a new clip takes their place; ``defaults`` gives the licence and provenance of new
    clips that state none of their own; ``group_pattern`` takes the group of a new clip that
    states none from its file name (`GroupPattern()`, the empty one: its whole stem).
    """

    classes: Sequence[str] | None = None
    note: str | None = None
    seed: int | None = None
    ratios: Sequence[float] | None = None
    augment_variants: int | None = None
    augment_config: PhoneAugmentConfig | None = None
    skip_bad: bool = False
    skip_existing: bool = False
    show_progress: bool = False
    allow_outside: bool = False
    wait: bool = False
    source_name: str | None = None
    replaces: Mapping[str, str] | None = None
    defaults: ClipDefaults = ClipDefaults()
    group_pattern: GroupPattern | None = None

    def __post_init__(self) -> None:
        if self.augment_variants is not None and self.augment_variants < 0:
            raise DatasetError(f"--augment-variants must be 0 or more, got {self.augment_variants}")
