"""Checks of a picture a command wrote beside its Markdown report."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image


def check_linked_picture(folder: Path, picture: str, markdown: str, output: str) -> tuple[int, int]:
    """`folder/picture` is a PNG of a readable size, the Markdown links it by its name (beside it),
    and the command printed its path; returns its (width, height) in pixels."""
    path = folder / picture
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert 800 <= width <= 2000 and 150 <= height <= 1500, (width, height)
    assert f"]({picture})" in (folder / markdown).read_text()
    assert str(path) in "".join(output.split())  # a long path may be wrapped across lines
    assert not list(folder.glob(".*.tmp"))  # written atomically
    return width, height
