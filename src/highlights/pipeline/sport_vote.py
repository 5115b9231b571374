"""`classifier.sport=auto`: the game's one sport, read from its own classified windows.

A coach films one sport at a time but may not say which. Once every window of the game is
classified, the sport its action windows weigh for most is read, and the windows are limited to it
exactly as a sport the user gave (`sport_filter.restrict_to_sport`), from the probabilities already
computed: nothing is classified twice.

The vote, fixed before it was tried on any real footage:
- Only the windows the unrestricted decision accepts as actions vote: on a window of no action
  (people walking, a ball rolling) the model's spread over the sports says nothing of the game.
- A window's vote for a sport is the sum of its probabilities over that sport's action classes, not
  one whole vote for its label's sport: a window the model splits 50/45 between two sports gives
  each its share instead of handing the game to a near coin toss.
- The leading sport is read when it holds at least `MIN_SHARE` (60%) of the action windows' sport
  weight. Restricting a game to the wrong sport relabels every highlight of the other sports
  wrongly, which is worse than leaving the labels mixed, so the bar is a clear majority, not a
  plurality: a one-sport game whose model gives up to a third of its action weight to other sports
  still reads, a game of two or three sports in like amounts does not. No action window, or a
  model whose classes name no sport (a club's `swing` and `rest`), reads nothing. Where nothing is
  read, nothing is restricted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from highlights.vocabulary import NONE_LABEL, UNKNOWN_SPORT, sport_of

AUTO_SPORT = "auto"
MIN_SHARE = 0.6


def is_auto(sport: str | None) -> bool:
    """Whether `classifier.sport` asks for the sport to be read from the game."""
    return isinstance(sport, str) and sport.strip().lower() == AUTO_SPORT


@dataclass(frozen=True)
class SportReading:
    """What the vote read. `sport`: the sport read, None where nothing is restricted; `share`: the
    leading sport's share of the action windows' sport weight (None without any); `windows`: the
    action windows that voted; `weights`: each sport's summed probability over them; `outcome`:
    `read`, `unclear` (the leader under `MIN_SHARE`), `no_action_window`, `no_sport_action` (the
    action windows hold no sport's probability) or `no_sport_classes`."""

    sport: str | None
    share: float | None
    windows: int
    outcome: str
    leader: str | None = None
    weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"rule": AUTO_SPORT, "sport": self.sport, "outcome": self.outcome, "leader": self.leader,
                "share": None if self.share is None else round(self.share, 4), "windows": self.windows,
                "min_share": MIN_SHARE, "weights": {s: round(w, 4) for s, w in self.weights.items()}}


def reading_line(reading: dict) -> str:
    """The one line a run says of its `--sport auto` (`SportReading.to_dict()`)."""
    over = f"over {reading['windows']} action window{'' if reading['windows'] == 1 else 's'}"
    share = reading.get("share")
    if reading["outcome"] == "read":
        return f"sport: {reading['sport']}, {share:.0%} of the action weight {over} (--sport auto)"
    if reading["outcome"] == "unclear":
        return (f"sport: not read, the most weighed sport ({reading['leader']}) holds {share:.0%} of the action "
                f"weight {over}, under the {reading['min_share']:.0%} --sport auto needs: labels not limited")
    if reading["outcome"] == "no_action_window":
        return "sport: not read, no window was an action (--sport auto): labels not limited"
    if reading["outcome"] == "no_sport_action":
        return f"sport: not read, no sport's class has any weight {over} (--sport auto): labels not limited"
    return "sport: none to read, the model's classes name no sport (--sport auto): labels not limited"


def read_sport(classes: Sequence[str], probs: Sequence[np.ndarray], is_action: Sequence[bool]) -> SportReading:
    """The vote over the windows' unrestricted probabilities (`probs`, one row per distinct window
    over `classes`), where `is_action` says which ones the decision accepts as actions."""
    by_sport: dict[str, list[int]] = {}
    for i, c in enumerate(classes):
        if c != NONE_LABEL and sport_of(c) != UNKNOWN_SPORT:
            by_sport.setdefault(sport_of(c), []).append(i)
    if not by_sport:
        return SportReading(None, None, 0, "no_sport_classes")
    rows = [np.asarray(p, np.float64) for p, action in zip(probs, is_action) if action]
    if not rows:
        return SportReading(None, None, 0, "no_action_window")
    weights = {s: float(sum(row[idx].sum() for row in rows)) for s, idx in sorted(by_sport.items())}
    total = sum(weights.values())
    if total <= 0:
        # Action windows of classes that name no sport only (a club's `rest` beside its sports).
        return SportReading(None, None, len(rows), "no_sport_action", weights=weights)
    leader = max(weights, key=lambda s: (weights[s], s))
    share = weights[leader] / total
    if share < MIN_SHARE:
        return SportReading(None, share, len(rows), "unclear", leader, weights)
    return SportReading(leader, share, len(rows), "read", leader, weights)
