"""`highlights report ...`"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(report_path: Path = typer.Argument(..., help=(
        "A video_scorer_testreport.json, or the folder `highlights evaluate --out` wrote it in"))) -> None:
    """Print a test report as Markdown."""
    from highlights.report import load_report, render_markdown

    report = load_report(report_path)
    typer.echo(render_markdown(report))


@app.command("compare")
def compare(
    a: Path = typer.Argument(..., help="The earlier report (e.g. trained on v1), or its `evaluate --out` folder"),
    b: Path = typer.Argument(..., help="The later report (e.g. trained on v2), or its `evaluate --out` folder"),
) -> None:
    """Print the change per metric and per class from report A to report B."""
    from highlights.report import (
        classes_note, compare_reports, format_comparison, load_report, mixed_test_sets_note, scored_by,
        seen_clips_note, unfinished_runs_note,
    )
    from highlights.report.made_by import made_differently_note
    from highlights.report.paired import change_line, macro_f1_change

    report_a, report_b = load_report(a), load_report(b)
    for name, path, report in (("A", a, report_a), ("B", b, report_b)):
        model = scored_by(report)
        typer.echo(f"{name}: {path}" + (f" ({model})" if model else ""))
    typer.echo("")
    typer.echo(format_comparison(compare_reports(report_a, report_b)))
    typer.echo("\n" + change_line(macro_f1_change(report_a, report_b)))
    for note in (made_differently_note(report_a, report_b),
                 mixed_test_sets_note(report_a, report_b), classes_note(report_a, report_b),
                 unfinished_runs_note(report_a, report_b), seen_clips_note(report_a, report_b)):
        if note:
            typer.echo(f"\n{note}")


@app.command("from-confusion")
def from_confusion(
    matrix_path: Path = typer.Argument(..., help='JSON {"labels": [...], "matrix": [[...]]}, rows true, '
                                                 'columns predicted'),
    out: Path | None = typer.Option(None, "--out", help="Also write the report files into this "
                                                         "folder (without it, only printed)"),
    none_label: str = typer.Option("none", "--none-label", help="The class meaning 'no action'"),
) -> None:
    """Build the full report from a published confusion matrix."""
    from highlights.report import load_confusion, render_markdown, report_from_confusion, write_report_files

    labels, matrix = load_confusion(matrix_path)
    report = report_from_confusion(labels, matrix, none_label=none_label, meta={"confusion_file": str(matrix_path)})
    typer.echo(render_markdown(report))
    if out is not None:
        from highlights.cli.outputs_in_place import closing_lines

        written = write_report_files(report, out).values()
        with closing_lines(written):
            for path in written:
                typer.echo(f"wrote {path}")
