"""Every required argument and option of the `highlights` command is refused when it is not given.

typer marks a required parameter (`typer.Option(...)`) with `required=True` and a default of None.
click 8.3 and later count a value as missing only when it is their own UNSET marker, so the None
default passes as if given: `highlights detect game.mp4` without `--out` reached the code and
ended in a TypeError, where click's one line (`Missing option '--out'`) was meant. Each required
parameter is told, once, that None is missing too; with an older click, which counts None as
missing already, this changes nothing.
"""

from __future__ import annotations

import click


def _missing_when_none(param: click.Parameter) -> None:
    counted_missing = param.value_is_missing  # the bound method of click's own class

    def value_is_missing(value) -> bool:
        return value is None or counted_missing(value)

    param.value_is_missing = value_is_missing  # type: ignore[method-assign]


def refuse_missing_required(command: click.Command) -> None:
    """Make every required parameter of `command` and its sub-commands refuse an absent value."""
    for param in command.params:
        if param.required:
            _missing_when_none(param)
    for sub in getattr(command, "commands", {}).values():
        refuse_missing_required(sub)
