"""The pages wrapped at 100 characters stay so: a line of prose far past the rest is hard to read
in an editor and in a diff. Tables and code blocks are left as they are (a table row is one line)."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
WIDTH = 100
WRAPPED = ("datasets.md", "detect.md", "library.md", "platforms.md", "pose-classifier.md",
           "review.md")


@pytest.mark.parametrize("page", WRAPPED)
def test_the_prose_of_a_wrapped_page_keeps_to_its_width(page):
    long_lines, in_code = [], False
    for number, line in enumerate((DOCS / page).read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and not line.startswith("|") and len(line) > WIDTH:
            long_lines.append(f"{page}:{number} ({len(line)} characters)")
    assert not long_lines, long_lines
