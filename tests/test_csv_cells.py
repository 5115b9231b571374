"""CSV cells by hand: plain numbers stay numbers, formulas are quoted, and what the project's
readers get back from a short or long row."""

from __future__ import annotations

import csv
import io

from highlights.csv_cells import BOM, csv_cell, for_spreadsheets, plain_cell, plain_row


def test_a_signed_number_is_left_as_a_number_and_anything_more_is_quoted():
    for number in ("-1.5", "+3", "-2e5", "-.5", "+1.e-3", "-0"):
        assert csv_cell(number) == number
    for formula in ("-2+3", "+3 ", "-1.5)", "-e5", "+", "-"):
        assert csv_cell(formula) == "'" + formula


def test_a_short_row_reads_back_with_empty_cells_and_a_long_row_keeps_its_extra_cells():
    text = "path,label,group\nc0.mp4,'=a\nc1.mp4,b,g,extra\n"
    short, long = (plain_row(r) for r in csv.DictReader(io.StringIO(text)))
    assert short == {"path": "c0.mp4", "label": "=a", "group": ""}
    assert long == {"path": "c1.mp4", "label": "b", "group": "g", None: ["extra"]}
    assert plain_cell(None) == ""


def test_only_a_csv_holding_a_character_beyond_ascii_gets_a_byte_order_mark():
    assert for_spreadsheets("label\nsoccer_shooting\n") == "label\nsoccer_shooting\n"
    assert for_spreadsheets("label\npénalty\n") == BOM + "label\npénalty\n"


def test_a_cell_beginning_with_a_quote_before_plain_text_is_written_and_read_as_it_is():
    assert csv_cell("'90s") == "'90s" and plain_cell("'90s") == "'90s"
    for value in ("'=1", "''", "'+x"):                        # a quote csv_cell could have put: one more
        assert csv_cell(value) == "'" + value and plain_cell(csv_cell(value)) == value


def test_no_value_is_an_empty_cell():
    assert csv_cell(None) == ""
