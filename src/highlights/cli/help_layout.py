"""How a command's help page is laid out for the terminal's width.

Typer's rich help gives each option's name, its negative flag (`--no-progress`), its type
(`INTEGER RANGE [1<=x<=2]`) and its help a column each. Narrower than `RICH_HELP_MIN_COLUMNS`,
rich shrinks those columns to fit and cuts what no longer does with an ellipsis: at 80 columns
the help of `detect` showed only the first 15 characters of `--threads-per-worker` and of
`classifier.backend=checkpoint`, and that of `synth game` those of `--events-per-minute`. There
a command's options are laid out as click lays them out instead: the name and type, then the
help wrapped beside them, each word whole. Command groups keep rich's panels at any width:
their two columns (a command and its help) wrap without cutting.
"""

from __future__ import annotations

import click
from rich.console import Console
from typer import rich_utils

# The narrowest terminal where every command's rich help shows each option's name and help whole
# (tests/test_help_width.py renders every command at this width and at 80 columns).
RICH_HELP_MIN_COLUMNS = 110


class _PlainHelpFormatter(click.HelpFormatter):
    """Click's layout, less typer's escaping: typer writes an option's `[default: ...]` and
    `[required]` as rich markup (`\\[required]`) even where click prints them as plain text."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, text.replace("\\[", "[")) for term, text in rows], col_max, col_spacing)


class _PlainHelpContext(click.Context):
    formatter_class = _PlainHelpFormatter


def _help_width() -> int:
    """The width typer's rich help would be laid out on: `TERMINAL_WIDTH` where set, else the
    terminal's (or `COLUMNS`)."""
    return Console(width=getattr(rich_utils, "MAX_WIDTH", None)).width


def fit_help_to_terminal(root: click.Group) -> None:
    """Lay out the help of every command under ``root`` for this terminal's width (see the
    module's docstring)."""
    narrow = _help_width() < RICH_HELP_MIN_COLUMNS
    for command in _commands(root):
        if isinstance(command, click.Group):
            continue
        # What typer gave it, kept for a later command line on a wider terminal (the same objects).
        wide = command.__dict__.setdefault("_wide_help", (getattr(command, "rich_markup_mode", None),
                                                          command.context_class))
        command.rich_markup_mode, command.context_class = (None, _PlainHelpContext) if narrow else wide


def _commands(group: click.Group):
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command)
