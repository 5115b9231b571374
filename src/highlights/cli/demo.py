"""`highlights demo`"""

from __future__ import annotations

from pathlib import Path

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights demo` to the root command."""

    @root.command("demo")
    def demo(
        out: Path = typer.Option(Path("highlights-demo"), "--out", help="Folder for everything the demo writes"),
        size: str = typer.Option("default", "--size", help="default (about 15 min on 2 cores) | tiny"),
        fresh: bool = typer.Option(False, "--fresh", help="Start over instead of reusing finished steps"),
    ) -> None:
        """The whole system on synthetic footage: datasets v1 -> v2, training, the test report,
        the highlight pipeline on a game with its evaluation and an ablation."""
        from highlights.demo import run_demo

        run_demo(out, size=size, fresh=fresh)
