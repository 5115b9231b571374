"""How much of a run's highlights its reel holds, and whether a reel is too long to be a summary.

A whole game of active play gives hundreds of highlights (the classifier's precision on real
footage is low, docs/measurements.md "On a whole game"), and a reel of them all replays much of
the game: cutting it then takes about as long as finding the highlights did. So with no cap given, the reel
holds the best-ranked highlights that fit in a share of the video (`reel_choice`), and every
highlight stays in the lists; with that share set to 0 `detect` says once, after the run, when the
reel is that long, and names the caps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from highlights.events.interval import covered_seconds
from highlights.pipeline.highlight import Highlight

# A reel at least this long and holding at least this share of its video is more the game than
# its highlights; a short clip's reel (a 30 s session with 10 s of shots) is not.
LONG_REEL_MIN_S = 300.0
LONG_REEL_SHARE = 0.25


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def long_reel_hint(reel_s: float, video_s: float, highlights: int) -> str | None:
    """One line naming `--max-highlights` and `--reel-seconds` when the reel is that long, else None."""
    if video_s <= 0 or reel_s < LONG_REEL_MIN_S or reel_s < LONG_REEL_SHARE * video_s:
        return None
    return (f"the reel is {_minutes(reel_s)} of the {_minutes(video_s)} video ({reel_s / video_s:.0%}, {highlights} "
            "highlights): --max-highlights N or --reel-seconds S keeps the best-scored ones, and cuts them sooner")


_SHARE_WORDS = {0.5: "half", 0.25: "a quarter", 0.2: "a fifth", 0.1: "a tenth", 0.05: "a twentieth"}


def _share_of_the_game(share: float) -> str:
    return f"{_SHARE_WORDS.get(share, f'{share:.0%}')} of the game"


def _at_least(seconds: float) -> str:
    return "a minute at least" if seconds == 60.0 else f"{seconds:g} s at least"


@dataclass(frozen=True)
class ReelChoice:
    """The highlights the reel holds: the best `ranks` (1 = best) of `of`, `seconds` of reel, or
    every one (`budget_s` None: a cap was given, or `merge.reel_share` is 0). A budget is the
    larger of `share` x `video_s` and `min_s` (`merge.reel_share`, `merge.reel_min_seconds`)."""

    ranks: tuple[int, ...]
    of: int
    seconds: float
    budget_s: float | None
    held: tuple[Highlight, ...] = field(default=(), repr=False, compare=False)  # the highlights themselves
    share: float = 0.0
    min_s: float = 0.0
    video_s: float = 0.0

    @cached_property
    def _held_ids(self) -> frozenset[int]:
        # `holds` is asked once per highlight of a game, of hundreds of held ones
        return frozenset(id(h) for h in self.held)

    def holds(self, highlight: Highlight) -> bool:
        return id(highlight) in self._held_ids

    def budget_words(self) -> str | None:
        """The budget and what set it, in plain words: `60 s: a minute at least, since a tenth of the
        game is 27 s` or `540 s: a tenth of the game`; None without a budget."""
        if self.budget_s is None:
            return None
        share_s = self.share * self.video_s
        if self.min_s > share_s:
            why = (f"{_at_least(self.min_s)}, since {_share_of_the_game(self.share)} is {share_s:.0f} s"
                   if self.video_s > 0 else _at_least(self.min_s))
        else:
            why = _share_of_the_game(self.share)
        return f"{self.budget_s:.0f} s: {why}"

    @property
    def every_highlight(self) -> bool:
        return len(self.ranks) == self.of

    def to_dict(self) -> dict:
        return {"highlights": len(self.ranks), "of": self.of, "seconds": round(self.seconds, 3),
                "budget_s": None if self.budget_s is None else round(self.budget_s, 3),
                "ranks": list(self.ranks),
                "rule": "every highlight" if self.budget_s is None else
                        "the best-ranked highlights, from rank 1 on, while they fit in budget_s of reel "
                        "(merge.reel_share of the video, merge.reel_min_seconds at least)"}


def reel_choice(highlights: Sequence[Highlight], merge, video_s: float) -> ReelChoice:
    """The highlights the reel holds under the merge settings (`MergeConfig`): with a cap
    (`max_highlights`, `reel_seconds`) the list is already what the user asked for, and the reel
    holds it all; else the best-ranked from rank 1 on while their footage fits in
    `reel_share` x `video_s`, `reel_min_seconds` at least. A prefix of the ranking, so that
    "the reel holds ranks 1 to k" is the whole rule (the best alone is always in it)."""
    by_rank = sorted(highlights, key=lambda h: (h.rank if h.rank is not None else float("inf"), -h.score, h.start_s))
    ranks = [h.rank if h.rank is not None else i for i, h in enumerate(by_rank, 1)]
    spans = [(h.start_s, h.end_s) for h in by_rank]
    if merge.max_highlights > 0 or merge.reel_seconds > 0 or merge.reel_share <= 0:
        return ReelChoice(tuple(ranks), len(by_rank), covered_seconds(spans), None, tuple(by_rank))
    budget = max(merge.reel_min_seconds, merge.reel_share * max(0.0, video_s))
    kept = 0
    while kept < len(spans) and (kept == 0 or covered_seconds(spans[:kept + 1]) <= budget + 1e-6):
        kept += 1
    return ReelChoice(tuple(ranks[:kept]), len(by_rank), covered_seconds(spans[:kept]), budget, tuple(by_rank[:kept]),
                      share=merge.reel_share, min_s=merge.reel_min_seconds, video_s=max(0.0, video_s))


def reel_of_run(highlights: Sequence[Highlight], merge, video: dict) -> ReelChoice:
    """`reel_choice` for a run's `video` (its `PipelineResult.video`): the share is of the pictures'
    length, from `start_s` to `duration_s`. `duration_s` is where the video ends on its clock, an
    hour past the length of a camera's file whose clock starts an hour in: a tenth of that gave a
    90 s game a 369 s budget in place of the minute at least."""
    length_s = float(video.get("duration_s") or 0.0) - float(video.get("start_s") or 0.0)
    return reel_choice(highlights, merge, max(0.0, length_s))


def reel_line(reel: dict) -> str | None:
    """One line for the user when the reel (`ReelChoice.to_dict`) leaves highlights out, else None."""
    if reel["highlights"] == reel["of"]:
        return None
    best = "best-ranked one" if reel["highlights"] == 1 else f"{reel['highlights']} best-ranked"
    return (f"reel: the {best} of {reel['of']} highlights ({reel['seconds']:.0f} s, what "
            f"fits in {reel['budget_s']:.0f} s); every one is in highlights.json and on the page; --reel-seconds S "
            "or --max-highlights N chooses the reel, --set merge.reel_share=0 puts every highlight in it")
