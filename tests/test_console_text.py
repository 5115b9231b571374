"""What the commands print is the text itself: file names with brackets stay whole, and a long line
written to a log stays one line."""

from __future__ import annotations

from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.console import plain_console


def test_a_bracketed_name_prints_whole_and_a_long_line_is_not_broken(capsys):
    console = plain_console()
    name = "/footage/" + "season-2026/" * 8 + "game [final] [red]x.mp4"
    console.print(f"wrote {name}")
    assert capsys.readouterr().out == f"wrote {name}\n"


def test_synth_names_its_output_folder_as_given(tmp_path):
    out = tmp_path / ("uploads-" * 6) / "clips [final]"
    result = CliRunner().invoke(app, ["synth", "clips", "--out", str(out), "--per-class", "1", "--classes", "none",
                                      "--seconds", "0.2", "--size", "64x36", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"{out / 'manifest.csv'}\n" in result.output


def test_a_table_written_to_a_log_keeps_its_class_names_whole(capsys, monkeypatch):
    from rich.table import Table

    monkeypatch.delenv("COLUMNS", raising=False)
    table = Table(title="Average-mAP")
    for name in ("", "average-mAP", "baseball_swing", "basketball_layup", "soccer_shooting"):
        table.add_column(name)
    table.add_row("tight (delta 1-5 s)", "0.763", "0.841", "0.948", "0.500")
    plain_console().print(table)
    out = capsys.readouterr().out
    assert all(name in out for name in ("baseball_swing", "basketball_layup", "soccer_shooting", "tight (delta 1-5 s)"))
