"""YouTube-style chapter lines for the game video: `00:01:23 basketball_layup`, one per highlight.

Pasted into a video description, YouTube turns the lines into chapters when the first one is at
00:00:00, so a `00:00:00 start` line comes first unless a highlight starts there. Each time is the
highlight's start, rounded down to the second, so the chapter never begins after the action.
Written by hand: it is one line of text per highlight, and no library writes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import in_time_order

START_TITLE = "start"


def chapter_time(seconds: float) -> str:
    """`HH:MM:SS`, rounded down to the second."""
    total = int(math.floor(max(0.0, seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def format_chapters(highlights: Iterable[Highlight]) -> str:
    lines = [f"{chapter_time(h.start_s)} {' '.join(h.label.split())}" for h in in_time_order(highlights)]
    if not lines or not lines[0].startswith("00:00:00 "):
        lines.insert(0, f"00:00:00 {START_TITLE}")
    return "\n".join(lines) + "\n"


def write_chapters(highlights: Iterable[Highlight], out_path: str | Path) -> Path:
    return atomic_write_text(out_path, format_chapters(highlights))
