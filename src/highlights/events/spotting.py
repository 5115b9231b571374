"""Predicted spots in SoccerNet's `results_spotting.json` format: writing and reading.

The file SoccerNet's evaluation reads, one per game:

    {"UrlLocal": "<game>", "predictions": [
        {"gameTime": "1 - 05:12", "label": "Goal", "position": "312000", "half": "1",
         "confidence": "0.87"}, ...]}

`position` is milliseconds from the start of the half's video and `half` names that video
(`1_224p.mkv` or `2_224p.mkv`). Like SoccerNet's own baselines we write numbers as strings;
reading accepts strings or numbers. A spot carries no start or end: that is what average-mAP
(`highlights.events.average_map`) scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_json
from highlights.events.formats import AnnotationError, read_json, game_time

RESULTS_SPOTTING_JSON = "results_spotting.json"


@dataclass(frozen=True)
class Spot:
    """One predicted event: a label at a time in one half's video, with a confidence."""

    label: str
    time_s: float
    confidence: float
    half: int = 1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_s) and self.time_s >= 0):
            raise ValueError(f"spot time must be finite and not negative, got {self.time_s!r}")
        if not math.isfinite(self.confidence):
            raise ValueError(f"spot confidence must be finite, got {self.confidence!r}")
        if self.half not in (1, 2):
            raise ValueError(f"half must be 1 or 2, got {self.half!r}")

    @property
    def position_ms(self) -> int:
        return int(round(self.time_s * 1000))

    def to_soccernet(self) -> dict[str, str]:
        return {"gameTime": game_time(self.time_s, self.half), "label": self.label,
                "position": str(self.position_ms), "half": str(self.half),
                # repr keeps every digit, so a reader gets back the very float written
                "confidence": repr(float(self.confidence))}


def strongest_per_position(spots: Iterable[Spot]) -> list[Spot]:
    """One spot per (half, label, millisecond), the most confident, in time order.

    SoccerNet's evaluation keeps one prediction per frame and class and, of several, the last in
    the file, not the best; writing only the best makes the file's score independent of order.
    """
    best: dict[tuple[int, str, int], Spot] = {}
    for s in spots:
        key = (s.half, s.label, s.position_ms)
        if key not in best or s.confidence > best[key].confidence:
            best[key] = s
    return sorted(best.values(), key=lambda s: (s.half, s.position_ms, s.label))


def results_spotting(spots: Iterable[Spot], *, game: str = "") -> dict[str, Any]:
    return {"UrlLocal": game, "predictions": [s.to_soccernet() for s in strongest_per_position(spots)]}


def write_results_spotting(spots: Iterable[Spot], path: str | Path, *, game: str = "") -> Path:
    """Write `results_spotting.json` (atomically)."""
    return atomic_write_json(path, results_spotting(spots, game=game), indent=1)


def is_results_spotting(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("predictions"), list)


def spots_from_results(data: dict[str, Any], source: str | Path = "predictions") -> list[Spot]:
    """The spots of a parsed `results_spotting.json`; a malformed entry is a one-line error."""
    if not is_results_spotting(data):
        raise AnnotationError(source, 'not a SoccerNet results file (no "predictions" list)')
    spots = []
    for i, p in enumerate(data["predictions"]):
        try:
            if "half" in p:
                half = int(str(p["half"]).strip())
            else:
                half = int(str(p["gameTime"]).split("-", 1)[0].strip())
            spots.append(Spot(label=str(p["label"]), time_s=int(str(p["position"]).strip()) / 1000.0,
                              confidence=float(p["confidence"]), half=half))
        except (KeyError, TypeError, ValueError) as err:
            raise AnnotationError(source, f"prediction {i} is malformed ({type(err).__name__}: {err})") from None
    return spots


def read_results_spotting(path: str | Path) -> list[Spot]:
    path = Path(path)
    return spots_from_results(read_json(path), path)
