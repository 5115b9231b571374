"""One colour per sport, shared by the PNG and SVG timelines and the HTML cards; a class whose
name gives no sport (a club's `swing`, `rest`), or whose sport the picture shows more than one
class of (a club's `basketball_jumpshot` beside `basketball_layup`), is coloured by its own name
(`colour_key`)."""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable, Mapping

from highlights.vocabulary import UNKNOWN_SPORT, UNLABELLED

# Colour-blind-safe (Okabe-Ito) colours for the sports the project knows.
SPORT_COLORS: dict[str, str] = {
    "baseball": "#0072B2",
    "basketball": "#E69F00",
    "soccer": "#009E73",
}
_FALLBACK = ["#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#999999"]
# Taken in order once those are used (a club model of 12 to 20 classes, each coloured by its own
# name): Paul Tol's muted scheme, then darker and lighter colours of his others. No 20 colours are
# all told apart by every reader; the picture's hatches are the cue beyond the first eight.
_MORE = ["#332288", "#117733", "#882255", "#44AA99", "#999933", "#AA4499", "#CC6677", "#DDCC77", "#88CCEE",
         "#661100", "#6699CC", "#BBCC33", "#FFAABB", "#225555", "#EE8866"]


def sport_palette(sports: Iterable[str]) -> dict[str, str]:
    """A colour for each of the sports one picture shows, no two alike while the colours last
    (the three known sports' and twenty more). The known sports keep theirs; another sport (a
    club's `tennis`, `volleyball`) takes the colour its name picks among the first five when it
    is free, else the next free one of those, then of `_MORE`, in sorted order, so the same sports
    get the same colours in every picture of a run (two sports' names can pick one colour:
    `tennis` and `volleyball` do)."""
    shown = list(dict.fromkeys(sports))
    palette = {s: SPORT_COLORS[s] for s in shown if s in SPORT_COLORS}
    used = set(palette.values())
    for sport in sorted(set(shown) - set(palette)):
        start = zlib.crc32(sport.encode("utf-8")) % len(_FALLBACK)
        ring = _FALLBACK[start:] + _FALLBACK[:start]
        palette[sport] = next((c for c in ring + _MORE if c not in used), ring[0])
        used.add(palette[sport])
    return {s: palette[s] for s in shown}


def sports_of_several_classes(highlights: Iterable) -> frozenset[str]:
    """The sports whose highlights (anything with `sport` and `label`) one picture shows under more
    than one class, each a club's action of that sport (`basketball_jumpshot` and
    `basketball_layup`): coloured by sport, the two would be drawn and named alike. A highlight no
    class named (`highlight`) is none of them."""
    classes: dict[str, set[str]] = {}
    for h in highlights:
        if h.label and h.label != UNLABELLED and h.sport != UNKNOWN_SPORT:
            classes.setdefault(h.sport, set()).add(h.label)
    return frozenset(sport for sport, labels in classes.items() if len(labels) > 1)


def colour_key(sport: str, label: str | None, several: Collection[str] = frozenset()) -> str:
    """What a highlight or event is coloured and listed in a legend by: its sport, or its class
    where the class's name gives no sport, so a club's `spike`, `serve` and `rest` do not all take
    the one colour of `unknown`, or where its sport is one of `several`, the sports the picture
    shows several classes of (`sports_of_several_classes`)."""
    if label and (sport == UNKNOWN_SPORT or (sport in several and label != UNLABELLED)):
        return label
    return sport


# A hatch for each sport as well as a colour, so a reader who cannot tell the colours apart (or
# reads a grey print) still tells the sports apart in timeline.png.
SPORT_HATCHES: dict[str, str] = {"baseball": "//", "basketball": "..", "soccer": "\\\\"}
_FALLBACK_HATCHES = ["xx", "oo", "--", "++", "||", "**"]


def sport_hatches(colours: Mapping[str, str]) -> dict[str, str]:
    """A matplotlib hatch for each of the sports one picture shows (`colours`, each one's from
    `sport_palette`): the known sports keep theirs, the others take the free ones in sorted order,
    past six more sports again, but never the hatch of a sport of the same colour, so no two
    sports are drawn alike while there are fewer than nine of one colour."""
    hatches = {s: SPORT_HATCHES[s] for s in colours if s in SPORT_HATCHES}
    ring = list(dict.fromkeys([*_FALLBACK_HATCHES, *SPORT_HATCHES.values()]))
    for i, sport in enumerate(sorted(set(colours) - set(hatches))):
        alike = {hatches[s] for s in hatches if colours[s] == colours[sport]}
        turn = ring[i % len(_FALLBACK_HATCHES):] + ring[:i % len(_FALLBACK_HATCHES)]
        hatches[sport] = next((h for h in turn if h not in alike), turn[0])
    return {s: hatches[s] for s in colours}
