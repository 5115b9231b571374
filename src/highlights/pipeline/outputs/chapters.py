"""YouTube-style chapter lines for the game video: `00:01:23 basketball_layup`, one per highlight.

Pasted into a video description, YouTube turns the lines into chapters only when the first one is
at 00:00:00, there are at least three, and every chapter lasts at least 10 s; otherwise it shows
none of them. Highlights a few seconds apart are common, so a highlight that starts less than
10 s after the chapter before it joins that chapter (its label added to the title), the first
chapter starts at 00:00:00 (a `start` chapter when the first highlight is 10 s or more in), and
a last chapter less than 10 s before the video's end joins the one before it. (Three chapters
are still needed: a short clip's file may have fewer, which YouTube ignores.)
Each time is the highlight's start, rounded down to the second, so a chapter never begins after
its action. Written by hand: it is one line of text per chapter, and no library writes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import in_time_order

START_TITLE = "start"
# YouTube's shortest chapter, and the fewest chapters it shows.
MIN_CHAPTER_S = 10
MIN_CHAPTERS = 3


def chapter_time(seconds: float) -> str:
    """`HH:MM:SS`, rounded down to the second."""
    total = int(math.floor(max(0.0, seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def chapters(highlights: Iterable[Highlight], duration_s: float | None = None) -> list[tuple[int, list[str]]]:
    """(start second, labels) of each chapter, at least `MIN_CHAPTER_S` apart, the first at 0 and,
    given the video's `duration_s`, the last at least `MIN_CHAPTER_S` before its end."""
    out: list[tuple[int, list[str]]] = []
    for h in in_time_order(highlights):
        second = int(math.floor(max(0.0, h.start_s)))
        label = " ".join(h.label.split())
        if not out and second >= MIN_CHAPTER_S:
            out.append((0, []))
        if out and second - out[-1][0] < MIN_CHAPTER_S:
            if label not in out[-1][1]:
                out[-1][1].append(label)
        else:
            out.append((0 if not out else second, [label]))
    if duration_s is not None and len(out) > 1 and duration_s - out[-1][0] < MIN_CHAPTER_S:
        _, labels = out.pop()
        out[-1][1].extend(label for label in labels if label not in out[-1][1])
    return out or [(0, [])]


def format_chapters(highlights: Iterable[Highlight], duration_s: float | None = None) -> str:
    lines = [f"{chapter_time(second)} {', '.join(labels) or START_TITLE}"
             for second, labels in chapters(highlights, duration_s)]
    return "\n".join(lines) + "\n"


def write_chapters(highlights: Iterable[Highlight], out_path: str | Path, duration_s: float | None = None) -> Path:
    return atomic_write_text(out_path, format_chapters(highlights, duration_s))


def too_few_chapters(path: Path) -> str | None:
    """One line for the user when the chapters file `path` holds fewer chapters than YouTube
    shows: pasted as it is, it would show none, and nothing else would say why."""
    n = len(Path(path).read_text(encoding="utf-8").splitlines())
    if n >= MIN_CHAPTERS:
        return None
    return (f"{Path(path).name} holds {n} chapter{'s' if n != 1 else ''}: YouTube shows a video's chapters "
            f"only from {MIN_CHAPTERS} on, each {MIN_CHAPTER_S} s or longer, so it would show none of these")
