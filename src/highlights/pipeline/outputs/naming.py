"""The one order and the names every output shares, so card #3, CSV row 3, EDL event 003 and
`clips/hl_003_*.mp4` (and `thumbs/hl_003_*.jpg`) are the same highlight."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from highlights.file_name_letters import writable_name
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
    label = writable_name(label)  # a letter the file system's encoding lacks: without its accent, else `_`
    safe = re.sub(r"[^\w-]+", "_", label).strip("_")[:40] or "highlight"
    return f"hl_{index:03d}_{safe}.mp4"


CLIP_GLOB = "hl_[0-9][0-9][0-9]*.mp4"


def thumbnail_filename(index: int, h: Highlight) -> str:
    """File name of a highlight's thumbnail: its clip's name as a JPEG (`hl_003_baseball_swing.jpg`)."""
    return clip_filename(index, h).removesuffix(".mp4") + ".jpg"


THUMBNAIL_GLOB = "hl_[0-9][0-9][0-9]*.jpg"
