"""Two probabilities printed side by side to as many places as it takes to tell them apart.

"action 0.45; soccer_shooting 0.45" reads as one figure said twice where 0.452 and 0.447 were
meant: a reader comparing the two must see which is higher.
"""

from __future__ import annotations

MOST_PLACES = 4  # past this, two figures that still read alike are alike for any reader


def figures_apart(a: float, b: float, places: int = 2) -> tuple[str, str]:
    """``a`` and ``b`` to the fewest places, ``places`` or more, at which they read differently;
    two figures equal to ``MOST_PLACES`` places are given to ``places``."""
    for shown in range(places, MOST_PLACES + 1):
        a_text, b_text = f"{a:.{shown}f}", f"{b:.{shown}f}"
        if a_text != b_text:
            return a_text, b_text
    return f"{a:.{places}f}", f"{b:.{places}f}"
