"""`highlights train`"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights train` to the root command."""
