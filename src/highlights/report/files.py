"""Writing and reading report files. Every write is atomic: a temp file in the same folder,
then `os.replace`, so an interrupted run never leaves half a report."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from highlights.report.metrics import REPORT_FILENAME, REPORT_FORMAT


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_report_json(report: dict, path: str | Path) -> Path:
    return atomic_write_text(path, json.dumps(report, indent=2) + "\n")


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
