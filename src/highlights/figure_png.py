"""A matplotlib figure written as a PNG: atomically, its text in matplotlib's own font or, for a
glyph that font lacks (a club's labels or a file's name in Chinese, Japanese, Korean, Thai), in an
installed font that has it, and a glyph no installed font has said in one log line naming the
file, where matplotlib warns once a character with its source line."""

from __future__ import annotations

import io
import logging
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

# Fonts of the scripts matplotlib's DejaVu Sans lacks (Chinese, Japanese, Korean, Thai, ...) as the
# common systems install them, tried in this order for such a glyph.
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
                  "Source Han Sans", "WenQuanYi Zen Hei", "Microsoft YaHei", "Yu Gothic", "Malgun Gothic",
                  "PingFang SC", "Hiragino Sans", "Apple SD Gothic Neo", "Noto Sans Thai", "Arial Unicode MS")
_MISSING_GLYPH = re.compile(r"^Glyph (\d+)\b.* missing from font")


def write_figure_png(out_path: str | Path, build: Callable[[], Any], *, dpi: float | None = None) -> Path:
    """Builds a figure with `build` and writes it as a PNG atomically, its text in matplotlib's font
    or, for a glyph that font lacks, an installed one that has it (`font_families`). The figure is
    closed when pyplot holds it. `dpi`: None, the figure's own."""
    from highlights.home_folder import give_matplotlib_a_folder

    give_matplotlib_a_folder()  # `detect_highlights` called by a service's process with no home
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # Text takes its font when it is made and draws when saved: both under the fallback list.
    with rc_context({"font.family": font_families()}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        fig = build()
        try:
            fig.savefig(buffer, format="png", **({} if dpi is None else {"dpi": dpi}))
        finally:
            # A figure pyplot made is held by it until closed; pyplot is not imported for one that
            # is not (a library's Figure on its own canvas), since importing it picks a backend.
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:
                pyplot.close(fig)
    missing = list(dict.fromkeys(chr(int(m.group(1))) for w in caught if (m := _MISSING_GLYPH.search(str(w.message)))))
    for w in caught:
        if not _MISSING_GLYPH.search(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        # One line, where matplotlib warns once a character with the source line; the file's name,
        # as `detect` writes it in a temporary folder renamed into place at the end.
        log.warning("%s: no installed font draws %s, shown there as boxes (the page, CSV and editor files "
                    "have them as written); a font of that script (Noto Sans CJK for Chinese, Japanese, Korean) "
                    "draws them", Path(out_path).name, " ".join(missing))
    return atomic_write_bytes(out_path, buffer.getvalue())


def font_families() -> list[str]:
    """matplotlib's own font, then each installed one of ``FALLBACK_FONTS``: a glyph the first
    lacks is drawn with the next that has it (matplotlib 3.6+), so a club's labels and sports in
    its own script show as written."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(name for name in FALLBACK_FONTS if name in installed)]
