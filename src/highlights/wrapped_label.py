"""A picture's label broken into lines no wider than the room it has: a file's or a class's name
of 150 characters ran past both edges of a PNG, where the words that follow it (the counts in a
title) were lost with it. matplotlib wraps only at spaces and only at draw time (``wrap=True``,
which its constrained layout does not make room for), so the lines are measured here, in the
font the text will be drawn in, and broken after a space, ``_``, ``-``, ``.`` or ``/`` where one
fits, else inside the word."""

from __future__ import annotations

import re

_PIECES = re.compile(r"[^ _\-./]*[ _\-./]?")


def wrap_to_width(text: str, width_pt: float, fontsize: float) -> str:
    """`text` with line breaks so that no line is wider than `width_pt` points at `fontsize`
    (in the font matplotlib's settings give at the time of the call); its own lines are kept."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=fontsize)
    # No line of more characters fits: the narrowest glyphs (i, l, .) are over a fifth of the size
    # wide. A longer line is not measured, where a name of thousands of characters was measured
    # whole again for every line.
    most = max(1, int(width_pt / (0.2 * fontsize)))

    def fits(line: str) -> bool:
        return len(line) <= most and text_to_path.get_text_width_height_descent(line, font, ismath=False)[0] <= width_pt

    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in filter(None, _PIECES.findall(paragraph)):
            if fits(line + piece.rstrip(" ")):
                line += piece
                continue
            if line.strip():
                out.append(line.rstrip(" "))
            line = ""
            while piece and not fits(piece.rstrip(" ")):
                cut = _longest_fitting(piece, fits)
                out.append(piece[:cut])
                piece = piece[cut:]
            line = piece
        out.append(line.rstrip(" "))
    return "\n".join(out)


def _longest_fitting(piece: str, fits) -> int:
    """How many of `piece`'s first characters fit, at least 1: by halving, since a prefix is never
    narrower than a shorter one (a measure per character grows with the square of the name's length)."""
    low, high = 1, len(piece)  # fits(piece[:low]) is taken as true; the whole piece does not fit
    while high - low > 1:
        middle = (low + high) // 2
        if fits(piece[:middle]):
            low = middle
        else:
            high = middle
    return low


def widest_line_pt(text: str, fontsize: float) -> float:
    """The width in points of the widest of `text`'s lines at `fontsize`."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=fontsize)
    return max(text_to_path.get_text_width_height_descent(line, font, ismath=False)[0] for line in text.split("\n"))
