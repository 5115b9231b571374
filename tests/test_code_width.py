"""No line of the project's Python runs past 120 characters: a line far past the rest is hard to
read in an editor and in a side-by-side diff. New code keeps to 100 (the developers' guide); this
test holds the line where the older code was wrapped, and names every line past it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WIDTH = 120
FOLDERS = ("src", "bench", "scripts", "tests")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_python_line_keeps_to_its_width(folder):
    files = sorted((REPO / folder).rglob("*.py"))
    assert files, f"no Python file under {folder}"
    long_lines = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if len(line) > WIDTH:
                long_lines.append(f"{path.relative_to(REPO)}:{number} ({len(line)} characters)")
    assert not long_lines, long_lines
