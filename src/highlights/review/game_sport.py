"""The one sport a game under review is known to hold, and the class a missed event of it starts at.

A reviewer marking an event the pipeline missed in a basketball game is marking a basketball
action nearly every time: starting it at that sport's class spares a relabel per event. The sport
is the one the run was told (`classifier.sport`, `detect --sport`), else the one every highlight's
label names; a game whose highlights name several sports, or none, has no sport known.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from highlights.vocabulary import NONE_LABEL, UNKNOWN_SPORT, UNLABELLED, sport_of


def known_sport(declared: str | None, highlight_labels: Sequence[str]) -> str | None:
    """The sport the run was told, else the one sport its highlights' labels name (a label that
    names no sport, such as a club's `swing` or an unlabelled `highlight`, counts for none)."""
    if isinstance(declared, str) and declared.strip():
        return declared.strip().lower()
    sports = {sport_of(label) for label in highlight_labels if label not in (NONE_LABEL, UNLABELLED)}
    sports.discard(UNKNOWN_SPORT)
    return sports.pop() if len(sports) == 1 else None


def sport_class(sport: str | None, classes: Sequence[str], highlight_labels: Sequence[str]) -> str | None:
    """The review's class of `sport`: its only one, or where the sport has several (a club's
    `volleyball_spike` and `volleyball_serve`) the one most highlights hold, the first listed on a
    tie; None without a sport or a class of it."""
    if sport is None:
        return None
    of_sport = [c for c in classes if c != NONE_LABEL and sport_of(c) == sport]
    if not of_sport:
        return None
    held = Counter(label for label in highlight_labels if label in of_sport)
    return max(of_sport, key=lambda c: (held[c], -of_sport.index(c)))
