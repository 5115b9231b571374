"""`highlights pipeline ...`"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Adds `highlights detect` to the root command."""
