"""The consoles every command prints through (rich).

Their text is plain: a file name or a class name is printed as it is, never read as rich markup
(a video named `game [final].mp4` would lose its `[final]`, and a `[red]` in a name would colour
the line) nor coloured by rich's guesses at numbers and paths. A line that wants a colour says so
with `style=` or a `rich.text.Text`. Written to a log or a pipe, a line is not broken at rich's
80-column default, so a path in it stays one string to copy; in a terminal, rich wraps as usual.
"""

from __future__ import annotations

from rich.console import Console


def plain_console(*, stderr: bool = False) -> Console:
    """A console that prints text as given (see the module's docstring)."""
    console = Console(stderr=stderr, markup=False, highlight=False)
    console.soft_wrap = not console.is_terminal
    return console
