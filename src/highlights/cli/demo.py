"""`highlights demo`"""

from __future__ import annotations

from pathlib import Path

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights demo` to the root command; the demo runs its steps through that command."""

    @root.command("demo")
    def demo(
        out: Path = typer.Option(Path("highlights-demo"), "--out", help="Folder for everything the demo writes"),
        size: str = typer.Option("default", "--size",
                                 help="default (a few minutes on 2 quiet cores, at most 15) | tiny "
                                      "(a minute or two: checks that every step runs; its "
                                      "classifier is no better than chance)"),
        fresh: bool = typer.Option(False, "--fresh", help="Start over instead of reusing finished steps"),
    ) -> None:
        """The whole system on synthetic footage: datasets v1 -> v2, training, the test report,
        the highlight pipeline on a game with its evaluation and an ablation."""
        from highlights.demo import DemoInterrupted, run_demo
        from highlights.errors import EXIT_INTERRUPTED
        from highlights.model.process_cache import classifiers_kept_loaded

        try:
            # Its steps run in this process: detect, pipeline evaluate and the ablation load the
            # trained checkpoint once between them, not once each. Where other processes keep the
            # machine busy a measured inference path is not cached, so each load would time the
            # paths again (and could pick another, moving the scores between steps).
            with classifiers_kept_loaded():
                run_demo(out, size=size, fresh=fresh, run_cli=lambda argv: _run_in_process(root, argv),
                         out_name="--out")
        except DemoInterrupted as stopped:
            typer.echo(str(stopped), err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None


def _run_in_process(root: typer.Typer, argv: list[str]) -> int:
    """Runs one `highlights ...` command line through the real CLI; returns its exit code. A
    failure a user can cause (`HighlightsError`, `OSError`) is raised, not printed."""
    import click
    import typer.main

    from highlights.cli.boundary import inner_command

    command = typer.main.get_command(root)
    try:
        with inner_command():  # its failure reaches the demo, which names the step in the one line
            result = command.main(args=argv, prog_name="highlights", standalone_mode=False)
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.ClickException as problem:
        problem.show()
        return problem.exit_code
    return result if isinstance(result, int) else 0
