"""The consoles every command prints through (rich).

Their text is plain: a file name or a class name is printed as it is, never read as rich markup
(a video named `game [final].mp4` would lose its `[final]`, and a `[red]` in a name would colour
the line) nor coloured by rich's guesses at numbers and paths. A line that wants a colour says so
with `style=` or a `rich.text.Text`. Written to a log or a pipe, a line is not broken at rich's
80-column default, so a path in it stays one string to copy, and tables are laid out on
`LOG_WIDTH` columns (unless `COLUMNS` says otherwise), so a class name in a column is not cut
to `baseball_swi…`; in a terminal, rich uses the terminal's width and wraps as usual.
"""

from __future__ import annotations

import os

from rich.console import Console

LOG_WIDTH = 120


def plain_console(*, stderr: bool = False) -> Console:
    """A console that prints text as given (see the module's docstring)."""
    console = Console(stderr=stderr, markup=False, highlight=False)
    if not console.is_terminal:
        console.soft_wrap = True
        if not os.environ.get("COLUMNS"):
            console.width = LOG_WIDTH
    return console
