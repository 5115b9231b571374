"""Which of the clips an evaluation scores its model has seen: the files it was trained on, and
those its best epoch (R(2+1)D) or its action threshold (pose classifier) was chosen on. A folder
scored with `evaluate --clips` may be the one the model's dataset version was made from, and its
figures on those clips are no test. Both models' evaluations find them here and say so in the same
words; the report's top (`markdown`) and `report compare` read what this puts in its meta."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from highlights.counted_noun import counted
from highlights.clips.clip_id import clip_id_of
from highlights.file_hash import file_sha256

BEST_EPOCH = "best epoch"  # what the validated clips chose where a report does not say (the R(2+1)D's)


@dataclass(frozen=True)
class SeenIds:
    """The clip ids (SHA-256 prefixes) a model has seen, as its checkpoint records them: those it
    was trained on, and those its ``chosen`` (best epoch, action threshold) was chosen on. Both a
    clip-folder evaluation and `pipeline evaluate` (a game's clips) check against these."""
    trained: frozenset[str] = frozenset()
    validated: frozenset[str] = frozenset()
    chosen: str = BEST_EPOCH

    def of(self, clips: Iterable[tuple[str, str | Path, str | None]]) -> SeenClips:
        """Of the scored clips (see `seen_clips`), those this model has seen."""
        return seen_clips(clips, set(self.trained), set(self.validated), self.chosen)


@dataclass(frozen=True)
class SeenClips:
    trained: list[str] = field(default_factory=list)    # names of the scored clips it was trained on
    validated: list[str] = field(default_factory=list)  # ... and of those `chosen` was chosen on
    chosen: str = BEST_EPOCH                            # "best epoch", "action threshold"

    def without(self, names: Iterable[str]) -> SeenClips:
        """These clips less ``names`` (clips left out of the scores)."""
        gone = set(names)
        return SeenClips([n for n in self.trained if n not in gone], [n for n in self.validated if n not in gone],
                         self.chosen)

    def meta(self) -> dict:
        """The report meta's fields that the report's top and `report compare` read."""
        return {"clips_seen_in_training": self.trained, "clips_seen_in_validation": self.validated,
                "chosen_on_validation": self.chosen}

    def say(self, scored: int, log: Callable[[str], None]) -> None:
        """The lines the evaluating command prints of them (nothing when there are none)."""
        if self.trained:
            log(f"{len(self.trained)} of the {counted(scored, 'clip')} {_were(self.trained)} "
                "among this model's "
                "training clips (the same files): "
                "its figures on them are not a test; score it on clips it was not trained on")
        if self.validated:
            log(f"{len(self.validated)} of the {counted(scored, 'clip')} {_were(self.validated)} "
                "among the clips "
                f"this model's {self.chosen} was "
                "chosen on (its val split; the same files): its figures on them are not a test; score it on clips "
                "it has not seen")


def seen_clips(clips: Iterable[tuple[str, str | Path, str | None]], trained: set[str], validated: set[str],
               chosen: str = BEST_EPOCH) -> SeenClips:
    """Of the scored clips, (name, path, its SHA-256 where already known, else None: read), those
    whose content is among the ``trained`` and the ``validated`` clip ids. A clip both trained and
    validated on is named once, as trained on. No file is read when both sets are empty."""
    if not trained and not validated:
        return SeenClips(chosen=chosen)
    ids = [(name, clip_id_of(sha or file_sha256(path))) for name, path, sha in clips]
    return SeenClips([name for name, sha in ids if sha in trained],
                     [name for name, sha in ids if sha in validated and sha not in trained], chosen)


def _were(clips: list) -> str:
    return "was" if len(clips) == 1 else "were"
