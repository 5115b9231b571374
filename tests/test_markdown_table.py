"""The Markdown table every report is written with."""

from __future__ import annotations

from highlights.markdown_table import markdown_table


def test_a_header_a_rule_with_a_cell_per_column_and_a_row_per_line():
    table = markdown_table(["class", "recall"], [["swing", 0.5], ["none", 1]])
    assert table == "| class | recall |\n|---|---|\n| swing | 0.5 |\n| none | 1 |"


def test_a_bar_in_a_cell_is_escaped_and_splits_no_column():
    table = markdown_table(["file"], [["a|b.mp4"]])
    assert table.splitlines()[2] == "| a\\|b.mp4 |"


def test_a_table_without_rows_is_its_header_and_rule():
    assert markdown_table(["a", "b", "c"], []) == "| a | b | c |\n|---|---|---|"
