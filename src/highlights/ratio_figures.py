"""Two figures printed beside their ratio, to as many places as it takes for the printed figures
to divide to the printed ratio.

"14 s of video (found in 2.3 s, 6.14x real time)" divides to 6.09: the ratio was of the figures as
stored (14.400 and 2.347), the figures printed rounded. A reader checking one against the others
must get the ratio printed.
"""

from __future__ import annotations

MOST_PLACES = 3  # the places the pipeline stores seconds to: there the figures are the stored ones


def figures_dividing_to(numerator: float, denominator: float, ratio: float, *,
                        ratio_places: int = 2, places: tuple[int, int] = (0, 1)) -> tuple[str, str]:
    """``numerator`` and ``denominator`` to the fewest places, ``places`` or more (each at most
    ``MOST_PLACES``), whose quotient rounds to ``ratio`` at ``ratio_places``; to ``MOST_PLACES``
    where none does."""
    for extra in range(MOST_PLACES + 1):
        n_places, d_places = (min(p + extra, MOST_PLACES) for p in places)
        n_text, d_text = f"{numerator:.{n_places}f}", f"{denominator:.{d_places}f}"
        shown = float(n_text) / float(d_text) if float(d_text) > 0 else None
        if shown is not None and round(shown, ratio_places) == round(ratio, ratio_places):
            return n_text, d_text
    return f"{numerator:.{MOST_PLACES}f}", f"{denominator:.{MOST_PLACES}f}"
