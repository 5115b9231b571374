"""`highlights.csv`: one row per highlight, for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.csv_cells import csv_row, for_spreadsheets
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import in_time_order
from highlights.pipeline.outputs.timecode import clock_timecode

CSV_COLUMNS = [
    "index",
    "start_s",
    "end_s",
    "duration_s",
    "start_tc",
    "end_tc",
    "label",
    "sport",
    "score",
    "key_s",
    "rank",  # 1 = the best score of the game: sort by it for the best first
    "in_reel",  # yes / no; empty where no reel was cut
]


def highlight_rows(highlights: Iterable[Highlight], *, reel: bool = False,
                   in_reel: Callable[[Highlight], bool] | None = None) -> list[dict[str, str]]:
    """The CSV's rows as strings, in time order, `index` 1-based (matching EDL and HTML). `reel`:
    a reel was cut, holding the highlights `in_reel` says (None: every one)."""
    rows = []
    for index, h in enumerate(in_time_order(highlights), start=1):
        rows.append(
            {
                "index": str(index),
                "start_s": f"{h.start_s:.3f}",
                "end_s": f"{h.end_s:.3f}",
                "duration_s": f"{h.duration_s:.3f}",
                "start_tc": clock_timecode(h.start_s),
                "end_tc": clock_timecode(h.end_s),
                "label": h.label,
                "sport": h.sport,
                "score": f"{h.score:.4f}",
                "key_s": "" if h.key_s is None else f"{h.key_s:.3f}",
                "rank": "" if h.rank is None else str(h.rank),
                "in_reel": "" if not reel else ("yes" if in_reel is None or in_reel(h) else "no"),
            }
        )
    return rows


def write_csv(highlights: Iterable[Highlight], out_path: str | Path, *, reel: bool = False,
              in_reel: Callable[[Highlight], bool] | None = None) -> Path:
    """Writes the highlights as CSV (header only when there are none); returns the path. `reel` and
    `in_reel` as in `highlight_rows`."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(r) for r in highlight_rows(highlights, reel=reel, in_reel=in_reel))
    return atomic_write_text(out_path, for_spreadsheets(buffer.getvalue()))
