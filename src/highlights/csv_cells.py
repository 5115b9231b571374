"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP "CSV Injection"): a label or file name such as
``=HYPERLINK(...)`` would run when a user opens ``highlights.csv`` or a dataset's
``manifest.csv``. Every CSV the project writes passes its cells through ``csv_cell``, which puts
a single quote in front of such a cell (spreadsheets show the rest as text). The project's own
readers pass cells back through ``plain_cell``, so the true value comes back unchanged.

A value that itself starts with a quote gets one more, so the round trip is exact for every
string. Plain numbers such as ``-1.5`` are left as they are: they are not formulas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def csv_cell(value: object) -> str:
    """The text to write for ``value``: ``str(value)``, quoted if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(QUOTE) or (text.startswith(FORMULA_STARTS) and not _NUMBER.match(text)):
        return QUOTE + text
    return text


def plain_cell(text: str | None) -> str:
    """The value ``csv_cell`` was given (as text), from the cell it wrote."""
    if text is None:
        return ""
    return text[1:] if text.startswith(QUOTE) else text


def csv_row(row: Mapping[str, object]) -> dict[str, str]:
    return {key: csv_cell(value) for key, value in row.items()}


def plain_row(row: Mapping[str | None, str | None]) -> dict[str | None, str]:
    return {key: plain_cell(value) if isinstance(value, str) or value is None else value
            for key, value in row.items()}
