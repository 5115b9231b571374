"""`highlights evaluate`"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights evaluate` to the root command."""
