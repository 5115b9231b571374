"""A highlight found by the pipeline: what every output writer and the evaluation consume."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Highlight:
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

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

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
        )
