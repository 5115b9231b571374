"""One colour per sport, shared by the PNG and SVG timelines and the HTML cards."""

from __future__ import annotations

import zlib

# Colour-blind-safe (Okabe-Ito) colours for the sports the project knows.
SPORT_COLORS: dict[str, str] = {
    "baseball": "#0072B2",
    "basketball": "#E69F00",
    "soccer": "#009E73",
}
_FALLBACK = ["#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#999999"]


def sport_color(sport: str) -> str:
    """Hex colour of a sport; unknown sports get a stable colour from their name."""
    if sport in SPORT_COLORS:
        return SPORT_COLORS[sport]
    return _FALLBACK[zlib.crc32(sport.encode("utf-8")) % len(_FALLBACK)]
