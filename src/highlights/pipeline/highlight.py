"""A highlight found by the pipeline: what every output writer and the evaluation consume."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, dataclass, field
from typing import Any

from highlights.vocabulary import UNLABELLED, sport_of
from highlights.events.interval import Interval
from highlights.pipeline.records import Candidate


@dataclass
class Highlight(Interval):
    """One highlight segment of a game.

    `evidence` holds what each stage contributed (candidate source, detection and pose
    confidence, the kinematic trigger and its value, classifier probabilities), so a person
    reviewing a highlight can see why it is there.
    """

    start_s: float
    end_s: float
    label: str
    sport: str
    score: float
    key_s: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    rank: int | None = None  # 1 = the best-scored highlight of the game (ties: the earlier first)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_candidate(cls, c: Candidate) -> "Highlight":
        """The highlight a finished candidate becomes: times to the millisecond, an unlabelled
        candidate called a generic highlight."""
        return cls(start_s=round(c.start_s, 3), end_s=round(c.end_s, 3), label=c.label or UNLABELLED,
                   sport=c.sport or sport_of(c.label), score=round(float(c.score), 4),
                   key_s=round(c.moment_s, 3), evidence=deepcopy(c.evidence))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Highlight":
        return cls(
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            label=str(data["label"]),
            sport=str(data["sport"]),
            score=float(data["score"]),
            key_s=None if data.get("key_s") is None else float(data["key_s"]),
            evidence=dict(data.get("evidence") or {}),
            rank=None if data.get("rank") is None else int(data["rank"]),
        )


def ranked(highlights: list[Highlight]) -> list[Highlight]:
    """The highlights in time order, each with its `rank` by score (best 1, ties by time)."""
    by_score = sorted(highlights, key=lambda h: (-h.score, h.start_s))
    for i, h in enumerate(by_score, 1):
        h.rank = i
    return sorted(highlights, key=lambda h: h.start_s)
