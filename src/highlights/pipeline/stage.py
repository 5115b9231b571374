"""The one interface every pipeline stage implements, the data it passes along, and the backend registry.

A stage sees each analysis frame once, in order (`on_frame`: annotate the frame's record, and a
source stage may hand back candidate windows it has just closed), then each batch of finished
candidates (`on_candidates`: annotate, split or drop them). A backend is a `Stage` subclass
registered under `(stage name, backend name)`; the config picks it by name, so swapping MediaPipe
for ground truth, or a checkpoint for an oracle, is one flag.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from highlights.errors import ConfigError

if TYPE_CHECKING:
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.context import RunContext


@dataclass
class Person:
    """One person in one frame, in source-video pixels (upright frame)."""

    box: tuple[float, float, float, float] | None
    score: float = 1.0
    keypoints: np.ndarray | None = None  # (17, 3) COCO order: x, y, visibility
    track_id: int | None = None


@dataclass
class FrameRecord:
    """What the frame stages learnt about one analysis frame. `rgb` is dropped once they have run."""

    index: int  # analysis-frame counter (0, 1, 2 ... of the subsampled stream)
    time_s: float
    rgb: np.ndarray | None = None  # analysis-size frame
    motion: float = 0.0
    cut: bool = False
    active: bool = True
    persons: list[Person] | None = None  # None: detection did not run on this frame
    pose_ok: bool | None = None  # None: pose did not run on this frame


@dataclass
class Candidate:
    """A stretch of the game that may hold a highlight, refined stage by stage."""

    start_s: float
    end_s: float
    source: str
    key_s: float | None = None
    label: str | None = None
    sport: str | None = None
    score: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def centre_s(self) -> float:
        return self.key_s if self.key_s is not None else 0.5 * (self.start_s + self.end_s)


class Stage(ABC):
    """Base of every stage backend. Defaults pass everything through unchanged."""

    name: ClassVar[str]  # the slot it fills: one of config.STAGES
    backend: ClassVar[str]
    # Config fields the stage's output depends on (besides upstream stages): the cache key.
    config_fields: ClassVar[tuple[str, ...]] = ()
    # Frame-record fields an expensive frame stage writes; the ablation's cache restores them
    # instead of running the model again. Cheap stages leave this empty and always run.
    frame_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: "PipelineConfig", context: "RunContext") -> None:
        self.config = config
        self.context = context

    def on_frame(self, frame: FrameRecord) -> list[Candidate]:
        return []

    def on_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        return candidates

    def needs_frames_until(self, candidate: Candidate) -> float:
        """Stream time that must have been read before `on_candidates` can take this candidate."""
        return candidate.end_s

    def finish(self) -> list[Candidate]:
        """End of the stream: hand back whatever is still open."""
        return []

    def close(self) -> None:
        """Free models and files."""

    def cache_key(self) -> tuple:
        return (self.name, self.backend) + tuple((f, getattr(self.config, f)) for f in self.config_fields)


_REGISTRY: dict[tuple[str, str], type[Stage]] = {}


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a backend available under its (name, backend)."""
    _REGISTRY[(cls.name, cls.backend)] = cls
    return cls


def registered_backends(stage: str) -> list[str]:
    _load_builtin_backends()
    return sorted(b for (s, b) in _REGISTRY if s == stage)


def stage_class(stage: str, backend: str) -> type[Stage]:
    _load_builtin_backends()
    try:
        return _REGISTRY[(stage, backend)]
    except KeyError:
        known = ", ".join(registered_backends(stage)) or "none"
        raise ConfigError(f"no {stage} backend named {backend!r} (known: {known})") from None


def _load_builtin_backends() -> None:
    # Imported here, not at module top, so `stage` stays free of heavy or circular imports.
    from highlights.pipeline import candidates, classify, detect_local, ground_truth, kinematics  # noqa: F401
    from highlights.pipeline import mediapipe_pose, merge  # noqa: F401

