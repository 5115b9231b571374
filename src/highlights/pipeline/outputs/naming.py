"""The one order and the names every output shares, so card #3, CSV row 3, EDL event 003 and
`clips/hl_003_*.mp4` (and `thumbs/hl_003_*.jpg`) are the same highlight."""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Iterable

from highlights.pipeline.highlight import Highlight


def in_time_order(highlights: Iterable[Highlight]) -> list[Highlight]:
    """Highlights sorted by (start, end), each checked to be a real interval."""
    ordered = sorted(highlights, key=lambda h: (h.start_s, h.end_s))
    for h in ordered:
        if not (math.isfinite(h.start_s) and math.isfinite(h.end_s)):
            raise ValueError(f"highlight {h.label!r}: times must be finite, got {h.start_s!r}..{h.end_s!r}")
        if h.start_s < 0 or h.end_s <= h.start_s:
            raise ValueError(
                f"highlight {h.label!r}: needs 0 <= start_s < end_s, got {h.start_s!r}..{h.end_s!r}"
            )
    return ordered


def key_time(h: Highlight) -> float:
    """The highlight's key moment (thumbnails are taken there); its midpoint when none is given."""
    return h.moment_s


def anchor_id(index: int) -> str:
    """HTML id of the card for 1-based highlight `index`."""
    return f"hl-{index:03d}"


def clip_filename(index: int, h: Highlight) -> str:
    """File name of a highlight's clip: `hl_003_baseball_swing.mp4`, `hl_004_pénalty.mp4` (the
    label made filename-safe: letters and digits of any script kept, in their composed form as
    macOS and the web expect, everything else `_`), so a club's own classes name their clips."""
    label = unicodedata.normalize("NFC", h.label)
    label = "".join(map(_in_file_names, label))
    safe = re.sub(r"[^\w-]+", "_", label).strip("_")[:40] or "highlight"
    return f"hl_{index:03d}_{safe}.mp4"


def _in_file_names(char: str) -> str:
    """``char`` as a file name here can hold it. Python writes names in the file system's encoding:
    UTF-8 on macOS and Windows, the locale's on Linux, so ASCII under a C locale with UTF-8 mode off
    and Latin-1 under a Latin-1 locale. A letter it lacks loses its accent (`é` -> `e`), else
    becomes `_` like punctuation; written as it was, it failed the run after its whole analysis,
    at the first clip."""
    encoding = sys.getfilesystemencoding()
    for candidate in (char, "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))):
        try:
            candidate.encode(encoding)
        except UnicodeEncodeError:
            continue
        if candidate:
            return candidate
    return "_"


CLIP_GLOB = "hl_[0-9][0-9][0-9]*.mp4"


def thumbnail_filename(index: int, h: Highlight) -> str:
    """File name of a highlight's thumbnail: its clip's name as a JPEG (`hl_003_baseball_swing.jpg`)."""
    return clip_filename(index, h).removesuffix(".mp4") + ".jpg"


THUMBNAIL_GLOB = "hl_[0-9][0-9][0-9]*.jpg"
