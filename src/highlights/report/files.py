"""Writing and reading report files. Every write is atomic (``highlights.atomic``), so an
interrupted run never leaves half a report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from highlights.atomic import atomic_write_json, atomic_write_text, written_together
from highlights.errors import HighlightsError, MissingFileError
from highlights.file_set import WRITTEN_WITH, mixed_set_line, partners_record
from highlights.report.shape import check_report_shape
from highlights.report.metrics import (
    REPORT_FILENAME, REPORT_FORMAT, check_confusion_counts, check_confusion_labels,
)


log = logging.getLogger(__name__)


class ReportFileError(HighlightsError, ValueError):
    """A report or confusion-matrix file that cannot be read; ``str(e) == "<path>: <cause>"``."""


def write_report_json(report: dict, path: str | Path) -> Path:
    return atomic_write_json(path, report, indent=2)


def load_report(path: str | Path) -> dict:
    """Reads a report JSON, or the one in a folder `highlights evaluate --out` wrote or beside its
    Markdown copy; a file that is not one is a one-line error naming it."""
    path = Path(path)
    if path.is_dir() and (path / REPORT_FILENAME).is_file():
        path = path / REPORT_FILENAME
    elif path.is_dir():
        # Folders are taken, so "not a JSON file" would be false: say which folder is meant.
        pipeline = (path / "pipeline_eval.json").is_file()
        raise ReportFileError(f"{path}: holds no {REPORT_FILENAME} (the folder `highlights evaluate --out` writes)"
                              + ("; it is a `pipeline evaluate` folder, whose scores are in pipeline_eval.md"
                                 if pipeline else ""))
    elif path.suffix.lower() == ".md" and path.with_suffix(".json").is_file():
        path = path.with_suffix(".json")  # the Markdown copy `evaluate` writes beside the report
    report = _read_json(path)
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        kind = str(report.get("format", "")) if isinstance(report, dict) else ""
        if kind.startswith(REPORT_FORMAT.split("/")[0] + "/"):
            raise ReportFileError(f"{path}: a test report of format {kind!r}, written by another version of "
                                  f"highlights; this one reads {REPORT_FORMAT!r}: read it with the version that "
                                  "wrote it, or "
                                  "score the model again with `highlights evaluate`")
        raise ReportFileError(f"{path}: not a test report (expected format {REPORT_FORMAT!r})")
    try:
        check_report_shape(report)
    except ValueError as e:
        raise ReportFileError(f"{path}: a damaged test report: {e}") from None
    # Read, with a warning: the JSON is the report (its figures are what was measured, whole);
    # a Markdown or picture beside it that is not its own may be a later run's stopped half way,
    # or the same one edited, or given other line endings by a checkout.
    mixed = mixed_set_line(path, report, again="the figures read are this JSON's; run the command "
                                               "that wrote the report again to write it whole")
    if mixed:
        log.warning("warning: %s", mixed)
    return report


def load_confusion(path: str | Path) -> tuple[list[str], list[list[int]]]:
    """Reads `{"labels": [...], "matrix": [[...]]}` (rows true, columns predicted)."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or "labels" not in data or "matrix" not in data:
        raise ReportFileError(f'{path}: expected {{"labels": [...], "matrix": [[...]]}}')
    try:
        labels = check_confusion_labels(data["labels"])
        check_confusion_counts(data["matrix"], len(labels))
    except ValueError as e:
        raise ReportFileError(f"{path}: {e}") from None
    return labels, data["matrix"]


def _read_json(path: Path):
    if path.is_dir():
        raise ReportFileError(f"{path}: is a folder, not a JSON file")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MissingFileError(path) from None
    except (ValueError, RecursionError) as e:  # a number past Python's digits, nesting too deep
        raise ReportFileError(f"{path}: not valid JSON ({e})") from None
    except OSError as e:
        raise ReportFileError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None


def write_report_files(report: dict, out_dir: str | Path) -> dict[str, Path]:
    """Writes `video_scorer_testreport.json`, `.md` and `_confusion.png` into `out_dir`, and
    `_reliability.png` where the report has calibration figures (the model gave probabilities)."""
    from highlights.report.markdown import RELIABILITY_PICTURE, render_markdown
    from highlights.report.plot import plot_confusion, plot_reliability

    out_dir = Path(out_dir)
    stem = Path(REPORT_FILENAME).stem
    calibrated = bool((report.get("confidence") or {}).get("calibration"))
    # All or none: a run stopped half way must not leave its JSON beside an earlier run's pictures.
    # The JSON last, naming the others' contents: a kill between the renames leaves an earlier
    # JSON that `load_report` finds is not this run's Markdown's (`highlights.file_set`).
    with written_together():
        paths = {
            "markdown": atomic_write_text(out_dir / f"{stem}.md", render_markdown(report)),
            "confusion_png": plot_confusion(report, out_dir / f"{stem}_confusion.png"),
        }
        if calibrated:
            paths["reliability_png"] = plot_reliability(report, out_dir / RELIABILITY_PICTURE)
        # an earlier run's diagram would read as this report's: removed where this one has none
        recorded = {**report, WRITTEN_WITH: partners_record(
            paths.values(), may_hold=[out_dir / RELIABILITY_PICTURE])}
        paths = {"json": write_report_json(recorded, out_dir / REPORT_FILENAME), **paths}
    return paths
