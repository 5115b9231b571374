"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP "CSV Injection"): a label or file name such as
``=HYPERLINK(...)`` would run when a user opens ``highlights.csv`` or a dataset's
``manifest.csv``. Every CSV the project writes passes its cells through ``csv_cell``, which puts
a single quote in front of such a cell (spreadsheets show the rest as text). The project's own
readers pass cells back through ``plain_cell``, so the true value comes back unchanged.

``plain_cell`` removes a leading quote only where ``csv_cell`` could have put it (before a
formula character or another quote), and a value that itself starts that way gets one more
quote, so the round trip is exact for every string, and a hand-written cell such as ``'90s``
reads as written. Plain numbers such as ``-1.5`` are left as they are: they are not formulas.
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
    if (text.startswith(FORMULA_STARTS) and not _NUMBER.match(text)) or _quoted(text):
        return QUOTE + text
    return text


def _quoted(text: str) -> bool:
    return text.startswith(QUOTE) and text[1:2] != "" and text[1] in (*FORMULA_STARTS, QUOTE)


def plain_cell(text: str | None) -> str:
    """The value ``csv_cell`` was given (as text), from the cell it wrote."""
    if text is None:
        return ""
    return text[1:] if _quoted(text) else text


def csv_row(row: Mapping[str, object]) -> dict[str, str]:
    return {key: csv_cell(value) for key, value in row.items()}


def plain_row(row: Mapping[str | None, str | None]) -> dict[str | None, str]:
    return {key: plain_cell(value) if isinstance(value, str) or value is None else value
            for key, value in row.items()}


BOM = "\ufeff"


def for_spreadsheets(text: str) -> str:
    """A CSV meant to be opened in a spreadsheet, with a UTF-8 byte-order mark in front when it
    holds any non-ASCII character: Excel reads a CSV without one in the system's legacy code page,
    so `pénalty` shows as `pÃ©nalty` and `三分` as mojibake (Excel's own "CSV UTF-8" carries the
    mark, and LibreOffice, Google Sheets, pandas and `utf-8-sig` readers skip it). An ASCII file
    is left as it was, byte for byte."""
    return text if text.isascii() else BOM + text
