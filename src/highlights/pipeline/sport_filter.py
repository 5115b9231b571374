"""Footage of one known sport: each window's label is limited to that sport's classes.

A coach films one sport at a time and knows which. A classifier trained on several sports still
names the wrong sport now and then on real footage (the sport of a pose is decided from the pose
alone: a real jump shot can look like a kick's wind-up), and a basketball session's highlight
labelled `soccer_shooting` is plainly wrong. When the user says which sport the footage holds
(`classifier.sport`, `highlights detect --sport`, a batch manifest's `sport` column), the other
sports' action classes cannot be right, so their probability goes to the sport's most probable
action class: how much of an action the window is (1 - P(none)) is unchanged, and its label is
the sport's. Under the action gate (the pose model's) that leaves which windows are actions as it
was; under the argmax rule (a checkpoint without an action threshold) the sport's class can now
beat `none` where the sports had split an action's probability between them. Renormalising over
the sport's classes and `none` instead would let the model's doubt about the sport turn a real
action into `none`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np

from highlights.errors import ConfigError
from highlights.vocabulary import NONE_LABEL, UNKNOWN_SPORT, sport_of


class UnknownSportError(ConfigError):
    """A sport the model has no class of: a batch names the manifest row that gave it."""


def sportless_classes(classes: Sequence[str]) -> tuple[int, ...]:
    """Indices of the classes other than `none` whose name gives no sport (`vocabulary.sport_of`):
    a club's `background` or `rest`, which `restrict_to_sport` leaves as they are."""
    return tuple(i for i, c in enumerate(classes) if c != NONE_LABEL and sport_of(c) == UNKNOWN_SPORT)


def sport_classes(classes: Sequence[str], sport: str) -> tuple[int, ...]:
    """Indices of `sport`'s action classes in `classes` (a class's sport: `vocabulary.sport_of`);
    a one-line error naming the classes when there are none."""
    wanted = sport.strip().lower()
    # `unknown` is what a class naming no sport gets, not a sport: taken as one, a club's `rest`
    # would be its only class, and every action's probability would go to background play.
    found = () if wanted == UNKNOWN_SPORT else tuple(
        i for i, c in enumerate(classes) if c != NONE_LABEL and sport_of(c) == wanted)
    if not found:
        # A class whose name gives no sport (a club's `background`) adds none to the list.
        sports = sorted({sport_of(c) for c in classes if c != NONE_LABEL} - {UNKNOWN_SPORT})
        # "its sports: none" beside a class named `none` read as a sport called none
        # A slip of the keyboard (`--sport baskteball`) is named with the sport it was meant as.
        meant = difflib.get_close_matches(wanted, sports, n=1, cutoff=0.75)
        guess = f"; did you mean {meant[0]}?" if meant else ""
        which = (f"its sports: {', '.join(sports)}{guess}" if sports else
                 "no class of it names a sport, which is a class's name before its first underscore (tennis_serve: "
                 "tennis): run without --sport")
        raise UnknownSportError(f"classifier.sport={sport!r}: the model's classes ({', '.join(classes)}) hold no "
                          f"{wanted} class ({which})")
    return found


def restrict_to_sport(probs: np.ndarray, allowed: Sequence[int], none_index: int | None,
                      kept: Sequence[int] = ()) -> np.ndarray:
    """`probs` (one window's, over the classes) with every action class outside `allowed` set to 0
    and its probability added to the most probable allowed class; `none` keeps its own, and so do
    the classes in `kept`: those whose name gives no sport (a club's `background` or `rest`), which
    are not another sport's action, so moving their probability would turn background play into
    the sport's action."""
    probs = np.asarray(probs, np.float64).copy()
    allowed = list(allowed)
    others = [i for i in range(len(probs)) if i not in allowed and i != none_index and i not in kept]
    if not others:
        return probs
    best = max(allowed, key=lambda i: probs[i])
    probs[best] += probs[others].sum()
    probs[others] = 0.0
    return probs


def _sport_counts(labels: Sequence[str]) -> dict[str, int]:
    """Highlights per sport named; a label that names none (a club's `swing`) is counted nowhere."""
    counts: dict[str, int] = {}
    for label in labels:
        if label != NONE_LABEL and sport_of(label) != UNKNOWN_SPORT:
            counts[sport_of(label)] = counts.get(sport_of(label), 0) + 1
    return counts


def mixed_sports_hint(labels: Sequence[str], annotated: Sequence[str] = ()) -> str | None:
    """One line for a run whose highlights name several sports, pointing to `--sport`: on footage
    of one sport some of those labels are wrong, and the user, not the model, knows which sport it
    is. None when the labels name one sport or none, or when the video's annotation (the labels
    of its events, `annotated`) names several sports: the video is not of one sport, and the
    advice would be wrong."""
    counts = _sport_counts(labels)
    if len(counts) < 2 or len(_sport_counts(annotated)) >= 2:
        return None
    named = ", ".join(f"{sport} {n}" for sport, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    # No sport is suggested: the most frequent label's sport is the model's guess, which is what
    # may be wrong.
    return (f"the highlights name {len(counts)} sports ({named}): for a video of one sport, "
            "--sport SPORT keeps every label to that sport")
