"""The `highlights` command. Each command group lives in its own module, a thin layer over the library."""

from __future__ import annotations

import typer

from highlights import __version__
from highlights.cli import augment, bench_paths, dataset, demo, evaluate, pipeline, report, review, synth, train
from highlights.cli.boundary import ErrorBoundary
from highlights.cli.termination import EXIT_TERMINATED, terminate_as_interrupt

app = typer.Typer(
    name="highlights",
    cls=ErrorBoundary,
    help="Decide what is happening in amateur sports video and cut the highlights out of it.",
    # An installed wheel has no docs: say where the guides are, as the README's links need the
    # source.
    epilog="highlights COMMAND --help describes each command. The guides are the docs/ folder of "
           "the source (a checkout, or the source distribution's .tar.gz); an installed wheel does "
           "not carry them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"highlights {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the installed version of highlights and exit")) -> None:
    pass


app.add_typer(dataset.app, name="dataset", help="Versioned datasets of labelled clips.")
app.add_typer(augment.app, name="augment", help="Phone-footage augmentation.")
app.add_typer(synth.app, name="synth", help="Synthetic sports footage for tests and the demo.")
app.add_typer(report.app, name="report", help="Read, build and compare test reports.")
app.add_typer(pipeline.app, name="pipeline", help=(
    "Score the highlight pipeline against annotations (evaluate, score), fit its score (calibrate), "
    "compare changes to it (ablate) and print its settings (config)."))
train.register(app)
evaluate.register(app)
pipeline.register(app)
demo.register(app)
review.register(app)
bench_paths.register(app)


def main() -> None:
    with terminate_as_interrupt() as terminated:
        try:
            app(prog_name="highlights")
        except (SystemExit, KeyboardInterrupt):  # SystemExit: how every command line ends (click)
            if terminated():
                raise SystemExit(EXIT_TERMINATED) from None
            raise


if __name__ == "__main__":
    main()
