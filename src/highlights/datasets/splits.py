"""Train/val/test splits: stratified by class, grouped by source video, stable across versions.

Written by hand rather than with scikit-learn's ``StratifiedGroupKFold``/``GroupShuffleSplit``
because a new version must keep every split its parent already decided and only place the new
groups around them, which those splitters cannot express. The method is the same greedy idea as
``StratifiedGroupKFold``: place groups largest first, each into the split whose per-class counts
it brings closest to the target proportions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from highlights.datasets.errors import DatasetError
from highlights.datasets.records import SPLITS

DEFAULT_RATIOS: tuple[float, float, float] = (0.7, 0.15, 0.15)
# When a group somehow sits in more than one split, it is kept in the most held-out one, so test
# material never leaks into training.
_HOLD_OUT_ORDER = ("test", "val", "train")


@dataclass(frozen=True)
class SplitConfig:
    ratios: tuple[float, float, float] = DEFAULT_RATIOS
    seed: int = 0

    def __post_init__(self) -> None:
        if len(self.ratios) != 3 or any(r < 0 for r in self.ratios) or not np.isclose(sum(self.ratios), 1.0):
            raise DatasetError(f"split ratios must be three non-negative numbers summing to 1, got {self.ratios}")
        if self.ratios[0] <= 0:
            raise DatasetError(f"split ratios give nothing to train: {self.ratios}")

    def to_dict(self) -> dict:
        return {"ratios": dict(zip(SPLITS, self.ratios)), "seed": self.seed,
                "method": "stratified by class, grouped by source video; parent splits kept"}

    @classmethod
    def from_dict(cls, data: Mapping) -> "SplitConfig":
        return cls(ratios=tuple(float(data["ratios"][s]) for s in SPLITS), seed=int(data["seed"]))


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.7,0.15,0.15"`` -> (0.7, 0.15, 0.15)."""
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise DatasetError(f"--split {text!r}: expected three numbers like 0.7,0.15,0.15") from None
    if len(parts) != 3:
        raise DatasetError(f"--split {text!r}: expected three numbers like 0.7,0.15,0.15")
    SplitConfig(parts)  # validates
    return parts  # type: ignore[return-value]


def group_splits(groups: Sequence[str], splits: Sequence[str]) -> dict[str, str]:
    """The split of each group, from clips already placed."""
    seen: dict[str, set[str]] = defaultdict(set)
    for g, s in zip(groups, splits):
        seen[g].add(s)
    return {g: next(s for s in _HOLD_OUT_ORDER if s in found) for g, found in seen.items()}


def assign_splits(
    labels: Sequence[str],
    groups: Sequence[str],
    config: SplitConfig = SplitConfig(),
    *,
    fixed: Mapping[str, str] | None = None,
) -> list[str]:
    """The split of every clip (given by its label and group).

    Groups in ``fixed`` keep their split; the others are placed so that every class comes as
    close as it can to the target proportions over all clips. Deterministic for ``config.seed``:
    the seed only orders groups of equal size.
    """
    if len(labels) != len(groups):
        raise ValueError("labels and groups must have the same length")
    fixed = dict(fixed or {})
    bad = {s for s in fixed.values() if s not in SPLITS}
    if bad:
        raise ValueError(f"unknown split(s) {bad}")

    totals = Counter(labels)
    ratios = dict(zip(SPLITS, config.ratios))
    target = {(s, c): ratios[s] * n for s in SPLITS for c, n in totals.items()}
    current: Counter = Counter()
    members: dict[str, Counter] = defaultdict(Counter)
    for label, group in zip(labels, groups):
        members[group][label] += 1
        if group in fixed:
            current[(fixed[group], label)] += 1

    new_groups = sorted(g for g in members if g not in fixed)
    order = np.random.default_rng(config.seed).permutation(len(new_groups))
    shuffled = [new_groups[i] for i in order]
    shuffled.sort(key=lambda g: -sum(members[g].values()))  # stable: the seed breaks size ties

    open_splits = [s for s in SPLITS if ratios[s] > 0]
    placed = dict(fixed)
    for group in shuffled:
        counts = members[group]

        def added_error(split: str) -> float:
            # Change in the squared distance from target if this group joins ``split``.
            return sum(n * (2 * (current[(split, c)] - target[(split, c)]) + n) for c, n in counts.items())

        best = min(open_splits, key=added_error)  # ties go to the earlier split (train, val, test)
        placed[group] = best
        for c, n in counts.items():
            current[(best, c)] += n
    return [placed[g] for g in groups]
