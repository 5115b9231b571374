"""Highlight events of a game and the annotation that holds them."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from highlights.events.interval import Interval
from highlights.events.times import seconds_of
from highlights.vocabulary import sport_of

# Times written to milliseconds and read back may land a hair outside their window.
_TIME_EPS = 1e-3


@dataclass(frozen=True)
class Event(Interval):
    """One highlight: `key_s` is its key moment (contact, release), inside [start_s, end_s].

    `half` is the half of the match the event belongs to when a game is filmed as one video per
    half (SoccerNet's `1_224p.mkv`, `2_224p.mkv`); its times then count from that half's start.
    None: the game is one video.
    """

    id: str
    sport: str
    label: str
    start_s: float
    end_s: float
    key_s: float
    half: int | None = None

    def __post_init__(self) -> None:
        for name in ("start_s", "end_s", "key_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"event {self.id}: {name} must be a finite time of 0 s or more, got {value}")
        if not self.start_s - _TIME_EPS <= self.key_s <= self.end_s + _TIME_EPS:
            raise ValueError(f"event {self.id}: key_s {self.key_s} is outside [start_s, end_s] = "
                             f"[{self.start_s}, {self.end_s}]")
        if not self.end_s >= self.start_s:
            raise ValueError(f"event {self.id}: end_s {self.end_s} is before start_s {self.start_s}")
        if self.half is not None and (isinstance(self.half, bool) or self.half not in (1, 2)):
            raise ValueError(f"event {self.id}: half must be 1 or 2, got {self.half!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.half is None:  # one-video games keep the file layout they always had
            del d["half"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], index: int = 0) -> "Event":
        """An event as written in a file, the generator's or one made by hand: times in seconds or
        as a clock ("1:05.5"); no `id`: its place in the file; no `sport`: its label's, as the
        pipeline names a highlight's sport (`vocabulary.sport_of`: a project class's own, any other
        class's name before its first underscore, `tennis_serve`: tennis), so the per-sport tables
        pair them; no `key_s`: the middle."""
        label = str(d["label"])
        start, end = seconds_of(d["start_s"], "start_s"), seconds_of(d["end_s"], "end_s")
        key = d.get("key_s")
        half = d.get("half")
        return cls(id=str(d.get("id", index)), sport=str(d.get("sport") or sport_of(label)),
                   label=label, start_s=start, end_s=end,
                   key_s=seconds_of(key, "key_s") if key is not None else (start + end) / 2,
                   half=None if half is None else int(half))


@dataclass(frozen=True)
class Shot:
    """A stretch between two camera cuts."""

    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class GameAnnotation:
    """Everything annotated about one game video. Fields a foreign format does not carry
    (fps, size, duration) are None when read from it."""

    video: str
    fps: float | None
    duration_s: float | None
    width: int | None
    height: int | None
    sport: str
    events: list[Event] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"video": self.video, "fps": self.fps, "width": self.width, "height": self.height,
                "duration_s": self.duration_s, "sport": self.sport,
                "events": [e.to_dict() for e in self.events],
                "shots": [s.to_dict() for s in self.shots]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GameAnnotation":
        return cls(
            video=str(d.get("video", "")),
            fps=None if d.get("fps") is None else float(d["fps"]),
            duration_s=None if d.get("duration_s") is None else float(d["duration_s"]),
            width=None if d.get("width") is None else int(d["width"]),
            height=None if d.get("height") is None else int(d["height"]),
            sport=str(d.get("sport", "")),
            events=[Event.from_dict(e, i) for i, e in enumerate(d.get("events", []))],
            shots=[Shot(seconds_of(s["start_s"], "start_s"), seconds_of(s["end_s"], "end_s"))
                   for s in d.get("shots", [])],
        )

    @property
    def halves(self) -> list[int]:
        """The halves the events are in (empty when the game is one video)."""
        return sorted({e.half for e in self.events if e.half is not None})

    def of_half(self, half: int) -> "GameAnnotation":
        """The annotation of one half's video: its events only (events without a half are kept)."""
        if half not in (1, 2):
            raise ValueError(f"half must be 1 or 2, got {half!r}")
        return replace(self, events=[e for e in self.events if e.half in (None, half)])
