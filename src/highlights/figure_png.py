"""A matplotlib figure written as a PNG: atomically, its text in matplotlib's own font or, for a
glyph that font lacks (a club's labels or a file's name in Chinese, Japanese, Korean, Thai,
Devanagari), in an installed font that has it, and the names no installed font draws said in one
log line naming the file, where matplotlib warns once a character with its source line."""

from __future__ import annotations

import functools
import io
import json
import logging
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

# matplotlib's own font, which has Latin, Greek, Cyrillic, Arabic and Hebrew letters.
OWN_FONT = "DejaVu Sans"
# Fonts of the scripts matplotlib's DejaVu Sans lacks (Chinese, Japanese, Korean, Thai, ...) as the
# common systems install them, tried in this order for such a glyph of a text not named to
# `write_figure_png` (a file's name in a title).
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
                  "Source Han Sans", "WenQuanYi Zen Hei", "Microsoft YaHei", "Yu Gothic", "Malgun Gothic",
                  "PingFang SC", "Hiragino Sans", "Apple SD Gothic Neo", "Noto Sans Thai", "Arial Unicode MS")
_MISSING_GLYPH = re.compile(r"^Glyph (\d+)\b.* missing from font")
# Said once a text by matplotlib, which draws such a script's letters one by one, unshaped.
_NOT_SHAPED = re.compile(r"^Matplotlib currently does not support (.+) natively")


def write_figure_png(out_path: str | Path, build: Callable[[], Any], *, dpi: float | None = None,
                     names: Iterable[str] = (), metadata: Mapping[str, str] | None = None) -> Path:
    """Builds a figure with `build` and writes it as a PNG atomically, its text in matplotlib's font
    or, for a glyph that font lacks, an installed one that has it (`font_families`). `names`: the
    user's words the picture shows (class names, sports), for which any installed font with their
    glyphs is looked for, and which the one log line names when no installed font draws them. The
    figure is closed when pyplot holds it. `dpi`: None, the figure's own. `metadata`: text kept in
    the PNG's own text chunks (`Description`: what made the picture), beside matplotlib's `Software`."""
    from highlights.home_folder import give_matplotlib_a_folder

    give_matplotlib_a_folder()  # `detect_highlights` called by a service's process with no home
    from matplotlib import rc_context

    names = list(dict.fromkeys(names))
    buffer = io.BytesIO()
    # Text takes its font when it is made and draws when saved: both under the fallback list.
    with rc_context({"font.family": font_families(names)}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        fig = build()
        try:
            fig.savefig(buffer, format="png", **({} if dpi is None else {"dpi": dpi}),
                        **({"metadata": dict(metadata)} if metadata else {}))
        finally:
            # A figure pyplot made is held by it until closed; pyplot is not imported for one that
            # is not (a library's Figure on its own canvas), since importing it picks a backend.
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:
                pyplot.close(fig)
    missing = list(dict.fromkeys(chr(int(m.group(1))) for w in caught if (m := _MISSING_GLYPH.search(str(w.message)))))
    unshaped = list(dict.fromkeys(m.group(1) for w in caught if (m := _NOT_SHAPED.search(str(w.message)))))
    for w in caught:
        if not (_MISSING_GLYPH.search(str(w.message)) or _NOT_SHAPED.search(str(w.message))):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    note = _font_note(names, missing, unshaped)
    if note:
        # One line, where matplotlib warns once a character (and once a text of a script it does not
        # shape) with its source line; the file's name, as `detect` writes it in a temporary folder
        # renamed into place at the end.
        log.warning("%s: %s", Path(out_path).name, note)
    return atomic_write_bytes(out_path, buffer.getvalue())


def _font_note(names: list[str], missing: list[str], unshaped: list[str]) -> str:
    """What the picture could not draw as written, in one sentence: the names (else the characters)
    no installed font draws, and those matplotlib draws letter by letter or left to right."""
    parts = []
    if missing:
        lacking = [name for name in names if set(name) & set(missing)]
        # a character of no given name (a file's name in a title) is named itself
        others = [ch for ch in missing if not any(ch in name for name in lacking)]
        parts.append(f"no installed font draws {', '.join([*lacking, *([' '.join(others)] if others else [])])}, "
                     "shown there as boxes (the text files beside it have them as written); a font of "
                     "their script (Noto Sans CJK for Chinese, Japanese, Korean; Noto Sans Devanagari, ...) draws them")
    if unshaped:
        parts.append(f"matplotlib draws {', '.join(unshaped)} letter by letter, unjoined")
    # matplotlib neither shapes nor reorders text, and says nothing of it for a right-to-left script
    backwards = [name for name in names if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in name)]
    if backwards:
        parts.append(f"matplotlib draws {', '.join(backwards)} left to right, unjoined")
    return "; ".join(parts)


def font_families(names: Iterable[str] = ()) -> list[str]:
    """matplotlib's own font, then installed fonts for the characters of `names` it lacks
    (`fonts_for`), then each installed one of ``FALLBACK_FONTS``: a glyph the first lacks is drawn
    with the next that has it (matplotlib 3.6+), so a club's labels and sports in its own script
    show as written."""
    from matplotlib import font_manager

    own = _charmap(font_manager.findfont(font_manager.FontProperties(family=[OWN_FONT])))
    lacking = {ord(ch) for name in names for ch in name if not ch.isspace()} - own
    families = [OWN_FONT, *fonts_for(lacking)[0]]
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return families + [name for name in FALLBACK_FONTS if name in installed and name not in families]


def fonts_for(code_points: Iterable[int]) -> tuple[list[str], set[int]]:
    """Installed font families that have glyphs for `code_points` (by their character maps), the
    one with the most first, so a name is drawn in one font where one has it all; and the code
    points none has."""
    left = set(code_points)
    families: list[str] = []
    while left:
        family, path = max(installed_fonts(), key=lambda font: len(left & _charmap(font[1])), default=("", ""))
        covered = left & _charmap(path) if path else set()
        if not covered:
            break
        families.append(family)
        left -= covered
    return families, left


@functools.cache
def installed_fonts() -> tuple[tuple[str, str], ...]:
    """(family, file) of each font matplotlib knows (its own and the system's), upright and
    regular ones first, each family once."""
    from matplotlib import font_manager

    fonts = sorted(font_manager.fontManager.ttflist,
                   key=lambda f: (f.style != "normal", abs(f.weight - 400) if isinstance(f.weight, int) else 300,
                                  f.name))
    chosen: dict[str, str] = {}
    for font in fonts:
        chosen.setdefault(font.name, font.fname)
    return tuple(chosen.items())


@functools.cache
def _charmap(path: str) -> frozenset[int]:
    """The characters a font file has a glyph for (its cmap), read once a process."""
    from matplotlib.ft2font import FT2Font

    try:
        return frozenset(FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot read draws nothing
        return frozenset()


def drawn_by_matplotlib(path: Path) -> bool:
    """Whether the file at ``path`` is a PNG matplotlib wrote (its `Software` text says so), as
    every picture of highlights is, those drawn before `Description` was kept among them."""
    from PIL import Image  # matplotlib's dependency

    try:
        with Image.open(path) as picture:
            return picture.format == "PNG" and str(picture.info.get("Software", "")).startswith(
                "Matplotlib")
    except OSError:
        return False


def png_made_by(path: Path) -> dict | None:
    """What made the PNG at ``path``, as `write_figure_png` kept it under `Description` (JSON
    holding a dict); None for a file that is not such a picture (a photo, a clip, text)."""
    from PIL import Image  # matplotlib's dependency

    try:
        with Image.open(path) as picture:
            made_by = json.loads(picture.info.get("Description", ""))
    except (OSError, ValueError):
        return None
    return made_by if isinstance(made_by, dict) else None
