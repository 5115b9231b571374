"""Writing and reading report files. Every write is atomic (``highlights.atomic``), so an
interrupted run never leaves half a report."""

from __future__ import annotations

import json
from pathlib import Path

from highlights.atomic import atomic_write_json, atomic_write_text
from highlights.report.metrics import REPORT_FILENAME, REPORT_FORMAT


def write_report_json(report: dict, path: str | Path) -> Path:
    return atomic_write_json(path, report, indent=2)


def load_report(path: str | Path) -> dict:
    """Reads a report JSON; a file that is not one is a one-line error naming it."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        raise ValueError(f"{path}: not a test report (expected format {REPORT_FORMAT!r})")
    return report


def load_confusion(path: str | Path) -> tuple[list[str], list[list[int]]]:
    """Reads `{"labels": [...], "matrix": [[...]]}` (rows true, columns predicted)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict) or "labels" not in data or "matrix" not in data:
        raise ValueError(f'{path}: expected {{"labels": [...], "matrix": [[...]]}}')
    return list(data["labels"]), data["matrix"]


def write_report_files(report: dict, out_dir: str | Path) -> dict[str, Path]:
    """Writes `video_scorer_testreport.json`, `.md` and `_confusion.png` into `out_dir`."""
    from highlights.report.markdown import render_markdown
    from highlights.report.plot import plot_confusion

    out_dir = Path(out_dir)
    stem = Path(REPORT_FILENAME).stem
    paths = {
        "json": write_report_json(report, out_dir / REPORT_FILENAME),
        "markdown": atomic_write_text(out_dir / f"{stem}.md", render_markdown(report)),
        "confusion_png": plot_confusion(report, out_dir / f"{stem}_confusion.png"),
    }
    return paths
