"""WCAG 2 contrast between two colours, and the text colour (black or white) that reads best on a
background: the pages' sport chips and the confusion matrix's counts sit on colours chosen for
what they mean, and a fixed white or a halfway threshold left some of their text hard to read.
The WCAG formula is a few lines; the PyPI packages that carry it would be a dependency for them
alone, and matplotlib has no contrast measure."""

from __future__ import annotations

from collections.abc import Sequence

BLACK, WHITE = "#000000", "#ffffff"
# WCAG 2's AA level for normal-sized text (1.4.3); large text and graphics need 3:1.
AA_TEXT = 4.5


def _rgb(colour: str | Sequence[float]) -> tuple[float, float, float]:
    """`#rrggbb` (or `#rgb`), or an RGB(A) sequence of 0-1 floats, as three 0-1 floats."""
    if isinstance(colour, str):
        hex_digits = colour.lstrip("#")
        if len(hex_digits) == 3:
            hex_digits = "".join(c * 2 for c in hex_digits)
        if len(hex_digits) != 6:
            raise ValueError(f"not a #rrggbb colour: {colour!r}")
        return tuple(int(hex_digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    r, g, b = (float(c) for c in list(colour)[:3])
    return r, g, b


def relative_luminance(colour: str | Sequence[float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str | Sequence[float], second: str | Sequence[float]) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(background: str | Sequence[float]) -> str:
    """Black or white, whichever contrasts more with `background`; every colour has one of the two
    at 4.5:1 or more."""
    return BLACK if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE) else WHITE
