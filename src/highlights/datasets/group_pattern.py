"""A clip's group (its source video) taken from its file name, for clips that state none.

Coaches cut many clips per game and name them after it (`game03_0012.mp4`, `game03_0044.mp4`);
without a rule each file stem is a group of its own, and clips of one game may land in two splits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from highlights.datasets.errors import DatasetError

GROUP_NAME = "group"
HOW_IT_READS = (f"searched in the file stem; the named group (?P<{GROUP_NAME}>...), else the first "
                "(...) group, else the whole match, is the clip's group")


@dataclass(frozen=True)
class GroupPattern:
    """A regular expression searched in a clip's file stem: its named group ``group``, else its
    first capture group, else what it matches, is the clip's group. The empty pattern is the rule
    without one: the whole stem. Only a clip that states no group of its own (no manifest cell, no
    sidecar key) is grouped by it."""

    regex: str = ""

    def __post_init__(self) -> None:
        try:
            re.compile(self.regex)
        except re.error as e:
            raise DatasetError(f"--group-pattern '{self.regex}': not a regular expression ({e})") from None

    @property
    def by_stem(self) -> bool:
        return not self.regex

    def group_of(self, stem: str) -> str | None:
        """The group ``stem`` names, or None where the pattern finds none (no match, or an empty
        or unmatched group: one group for every such clip would join unrelated videos)."""
        if self.by_stem:
            return stem
        compiled = re.compile(self.regex)  # `re` keeps the compiled patterns it was given
        found = compiled.search(stem)
        if found is None:
            return None
        if GROUP_NAME in compiled.groupindex:
            group = found.group(GROUP_NAME)
        else:
            group = found.group(1 if compiled.groups else 0)
        return group or None

    def to_dict(self) -> dict | None:
        """As `dataset_meta.json` records it: None for the whole stem, which is also how a
        version written before there was a pattern is read."""
        return None if self.by_stem else {"regex": self.regex, "reads": HOW_IT_READS}

    @classmethod
    def from_dict(cls, data: Mapping | None) -> GroupPattern:
        return cls(str(data["regex"])) if data else cls()
