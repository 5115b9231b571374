"""The scoreboard: metrics (scikit-learn), bootstrap intervals, error analysis, how far the
model's probabilities can be trusted (`confidence`), Markdown tables, the confusion-matrix and
reliability PNGs, and comparing two reports."""

from highlights.report.compare import (
    classes_note, compare_reports, format_comparison, mixed_test_sets_note, scored_by, seen_clips_note,
    unfinished_runs_note,
)
from highlights.report.files import (
    load_confusion,
    load_report,
    write_report_files,
    write_report_json,
)
from highlights.report.markdown import render_markdown, render_table
from highlights.report.metrics import (
    REPORT_FILENAME,
    ReportInputError,
    build_report,
    error_analysis,
    report_from_confusion,
)
from highlights.report.plot import plot_confusion

__all__ = [
    "REPORT_FILENAME",
    "ReportInputError",
    "build_report",
    "compare_reports",
    "error_analysis",
    "format_comparison",
    "load_confusion",
    "load_report",
    "mixed_test_sets_note",
    "classes_note",
    "unfinished_runs_note",
    "scored_by",
    "seen_clips_note",
    "plot_confusion",
    "render_markdown",
    "render_table",
    "report_from_confusion",
    "write_report_files",
    "write_report_json",
]
