"""The roles a pipeline stage plays, as small abstract interfaces.

A run reads the video once, in order. Each analysis frame meets the candidate source, then the
frame stages (detection, pose); candidates the source closes meet the window stages (kinematics,
classifier) once the stream has passed the frames they need; merge takes what is left at the end.

| role | stages | what it implements |
|---|---|---|
| `CandidateSource` | candidates | `on_frame(frame) -> closed candidates`, `finish()` |
| `FrameStage` | detection, pose | `on_frame(frame)`: fills the frame's record |
| `WindowStage` | kinematics, classifier | `on_candidates(candidates) -> candidates`, `needs_frames_until`, `finish()` |
| `Merger` | merge | `merge(candidates) -> highlights' candidates` |

A backend subclasses one role, names its stage and backend, and is registered with
`highlights.pipeline.registry.register`; its settings are its stage's config section
(`self.settings`), and `reads` names any other sections its output depends on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from highlights.pipeline.records import Candidate, FrameRecord
from highlights.pipeline.track_settings import frame_settings

if TYPE_CHECKING:
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.context import RunContext


class Stage(ABC):
    """What every backend has: its place, its settings, its cache key, and a way to free itself."""

    name: ClassVar[str]  # the stage it fills: one of config.STAGES (also its config section)
    backend: ClassVar[str]
    # Other config sections this backend's output depends on (its own section always counts).
    reads: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: "PipelineConfig", context: "RunContext") -> None:
        self.config = config
        self.context = context

    @property
    def settings(self):
        """This stage's config section."""
        return self.config.section(self.name)

    def cache_key(self) -> tuple:
        """What the stage's output depends on besides its input: (stage, backend, sections)."""
        return (self.name, self.backend, self.settings) + tuple(self.config.section(s) for s in self.reads)

    def report(self) -> dict[str, Any]:
        """What the backend chose or saw while running (e.g. its inference path), for the result."""
        return {}

    def close(self) -> None:
        """Free models and files."""


class CandidateSource(Stage):
    """Sees every analysis frame first; hands back the candidate windows it has just closed."""

    @abstractmethod
    def on_frame(self, frame: FrameRecord) -> list[Candidate]:
        """Mark the frame (motion, cut, active) and return the windows this frame closed."""

    def finish(self) -> list[Candidate]:
        """End of the stream: hand back whatever is still open."""
        return []

    # A run stopped part way keeps what the source made of each frame (`pipeline.kept_frames`),
    # so that the run going on replays those frames without decoding them. A source that
    # cannot (the default) has every frame decoded again.
    def kept_values(self, frame: FrameRecord) -> dict[str, float] | None:
        """What `replay` needs of `frame`, after `on_frame` marked it (None: this source cannot replay)."""
        return None

    def replay(self, frame: FrameRecord, values: dict[str, float]) -> list[Candidate]:
        """`on_frame` for a frame without pixels, from its `kept_values`."""
        raise NotImplementedError

    def kept_state(self) -> dict[str, Any]:
        """What the source holds from the pixels seen so far (arrays), to `restore` after a replay."""
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back `kept_state` after replaying the frames up to it; the next frame is decoded."""


class FrameStage(Stage):
    """Fills one field or more of each active frame's record (persons, keypoints)."""

    # The record fields this stage writes; the ablation's cache restores them instead of
    # running the model again.
    frame_fields: ClassVar[tuple[str, ...]] = ()

    def cache_key(self) -> tuple:
        # Settings that act where tracks are read later, not on a frame's output, are left out:
        # frames kept on disk stay valid whichever way they are set.
        return (self.name, self.backend, frame_settings(self.settings)) + tuple(
            frame_settings(self.config.section(s)) for s in self.reads)

    @abstractmethod
    def on_frame(self, frame: FrameRecord) -> None:
        """Annotate the frame's record in place."""

    def lookahead(self) -> int:
        """How many decoded frames beyond the current one `prefetch` would like to see (0: none)."""
        return 0

    def lookahead_done(self) -> int:
        """The same once `on_frame` has finished the current frame, while the runner goes on with
        that frame's other work: its result may let work on one more frame start."""
        return self.lookahead()

    def prefetch(self, index: int, rgb) -> None:
        """Frame `index` (analysis-frame counter) is coming and will likely be active: start work on
        it in the background. A guess: `on_frame` must give the same result whether or not it was
        made, and work for a frame that turns out inactive is thrown away."""


class WindowStage(Stage):
    """Refines candidates, each once the stream has passed the frames it needs."""

    @abstractmethod
    def on_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        """Annotate, split or drop candidates; may hold some back until `finish`."""

    def needs_frames_until(self, candidate: Candidate) -> float:
        """Stream time that must have been read before `on_candidates` can take this candidate."""
        return candidate.end_s

    def pixels_short_side(self) -> int | None:
        """The short side of the frames this stage cuts from the recent past (None: no pixels)."""
        return None

    def finish(self) -> list[Candidate]:
        """End of the stream: hand back whatever is still held."""
        return []


class Merger(Stage):
    """Turns every surviving candidate into the final, non-overlapping set."""

    @abstractmethod
    def merge(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates that become highlights."""


ROLE_OF_STAGE: dict[str, type[Stage]] = {
    "candidates": CandidateSource, "detection": FrameStage, "pose": FrameStage,
    "kinematics": WindowStage, "classifier": WindowStage, "merge": Merger,
}
