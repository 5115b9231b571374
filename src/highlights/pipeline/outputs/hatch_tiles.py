"""The sports' hatches (`sport_hatches`, in matplotlib's names) as SVG patterns for the page: its
timeline's bars and its legend's swatches carry the hatch `timeline.png` draws for each sport, so
the page too tells sports apart without their colour (a grey print, a colour-blind reader).

An 8 px tile of black at 45% per hatch, as timeline.png's `HATCH_COLOUR`; drawn by hand, since
matplotlib's hatches exist only inside its own renderers."""

from __future__ import annotations

from collections.abc import Iterable

TILE = 8
_INK = 'stroke="#000" stroke-opacity="0.45" stroke-width="1.2" fill="none"'
_DOT = 'fill="#000" fill-opacity="0.45"'
# Each hatch's marks in the tile; a diagonal continues across the tile's corners.
_MARKS = {
    "//": f'<path d="M-2,10 L10,-2 M-2,2 L2,-2 M6,10 L10,6" {_INK}/>',
    "\\\\": f'<path d="M-2,-2 L10,10 M-2,6 L2,10 M6,-2 L10,2" {_INK}/>',
    "xx": f'<path d="M-2,10 L10,-2 M-2,-2 L10,10" {_INK}/>',
    "--": f'<path d="M0,4 H8" {_INK}/>',
    "||": f'<path d="M4,0 V8" {_INK}/>',
    "++": f'<path d="M0,4 H8 M4,0 V8" {_INK}/>',
    "..": f'<circle cx="4" cy="4" r="1.2" {_DOT}/>',
    "oo": f'<circle cx="4" cy="4" r="2.2" {_INK}/>',
    "**": f'<path d="M4,1.5 V6.5 M1.8,2.8 L6.2,5.2 M1.8,5.2 L6.2,2.8" {_INK}/>',
}
_NAMES = {"//": "slash", "\\\\": "backslash", "xx": "cross", "--": "dash", "||": "bar", "++": "plus", "..": "dots",
          "oo": "rings", "**": "stars"}


def hatch_id(hatch: str) -> str:
    """The id of a hatch's pattern on the page, as `url(#...)` names it."""
    return "hatch-" + _NAMES[hatch]


def hatch_patterns(hatches: Iterable[str]) -> str:
    """`<defs>` with a pattern for each of `hatches` (each once), for one SVG of the page; the
    other drawings of the page (the legend's swatches) name them by `hatch_id`."""
    patterns = [f'<pattern id="{hatch_id(h)}" width="{TILE}" height="{TILE}" patternUnits="userSpaceOnUse">'
                f"{_MARKS[h]}</pattern>" for h in dict.fromkeys(hatches)]
    return "<defs>" + "".join(patterns) + "</defs>" if patterns else ""


def hatched_rect(x: float, y: float, width: float, height: float, hatch: str) -> str:
    """A rectangle of `hatch`'s marks alone, laid over a bar of its sport's colour; it takes no
    clicks, so the bar under it is still the link."""
    return (f'<rect x="{x:.2f}" y="{y:g}" width="{width:.2f}" height="{height:g}" fill="url(#{hatch_id(hatch)})" '
            'class="hatch" pointer-events="none"/>')


def hatched_swatch(colour: str, hatch: str) -> str:
    """A legend's swatch: the sport's colour under its hatch, drawn from the page's patterns."""
    return (f'<svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" fill="{colour}"/>'
            f'<rect width="12" height="12" fill="url(#{hatch_id(hatch)})"/></svg>')
