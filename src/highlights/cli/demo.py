"""`highlights demo`"""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights demo` to the root command."""
