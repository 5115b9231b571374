"""The one place the `highlights` command turns a failure into a message.

Every failure a user can cause raises a `HighlightsError` (see `highlights.errors`); bad command
lines raise click's `UsageError`; the operating system's refusals (disk full, permission denied)
raise `OSError`. Here, once, each becomes ``error: <one line>`` on stderr and exit status 1.
Notes a command adds to an exception (`add_note`, e.g. which flag would help) follow on their own
lines. Any other exception is a bug and keeps its traceback. ``HIGHLIGHTS_DEBUG=1`` re-raises
everything with its traceback.
"""

from __future__ import annotations

import codecs
import errno
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NoReturn

import click
import typer
from typer.core import TyperGroup

from highlights.cli.aliases import name_the_option_of_a_hidden_argument
from highlights.cli.finite_floats import refuse_non_finite_floats
from highlights.cli.help_layout import fit_help_to_terminal
from highlights.cli.outputs_in_place import outputs_written, stopped_at_its_end
from highlights.cli.required_values import refuse_missing_required
from highlights.cli.termination import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from highlights.errors import EXIT_INTERRUPTED, HighlightsError, stop_was_said
from highlights.one_line_name import one_line_name

DEBUG_VARIABLE = "HIGHLIGHTS_DEBUG"


# Set while one command line runs inside another (the demo's steps): a failure there goes up to
# the outer command, which says it once, with the step it happened in, where each would say it.
_INNER_COMMAND: ContextVar[bool] = ContextVar("inner_command", default=False)


@contextmanager
def inner_command() -> Iterator[None]:
    """Within the block, a command line's user-caused failures (`HighlightsError`, `OSError`)
    propagate to the caller instead of being printed here."""
    token = _INNER_COMMAND.set(True)
    try:
        yield
    finally:
        _INNER_COMMAND.reset(token)


def _debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _say(message: str, notes: list[str] | tuple[str, ...] = ()) -> None:
    typer.echo(f"error: {message}", err=True)
    for note in notes:
        typer.echo(note, err=True)


def _fail(message: str, notes: list[str] | tuple[str, ...] = ()) -> None:
    _say(message, notes)
    raise click.exceptions.Exit(1)


def _show_help(ctx: click.Context) -> None:
    """A command group named without a command prints its help (not an error)."""
    typer.echo(ctx.get_help())
    raise click.exceptions.Exit(0)


def _stopped_command(stop: BaseException, fallback: str) -> str:
    """The command line's own command (`highlights synth game`) where the root group sees only
    itself: click has left the sub-commands' contexts by the time the interrupt gets here, but the
    traceback still passes through each one's `invoke(ctx)`."""
    path = fallback
    frame = stop.__traceback__
    while frame is not None:
        ctx = frame.tb_frame.f_locals.get("ctx")
        if isinstance(ctx, click.Context):
            path = ctx.command_path
        frame = frame.tb_next
    return path


def _os_message(error: OSError) -> str:
    cause = error.strerror or _one_line(str(error)) or type(error).__name__
    return f"{one_line_name(error.filename)}: {cause}" if error.filename else cause


def _unwritable_name(error: UnicodeEncodeError) -> str | None:
    """The one line for a name the file system's encoding cannot write (a class named `tir_é` as
    a folder, under an ASCII or Latin-1 one), or None where the error is not that (a bug)."""
    encoding = codecs.lookup(sys.getfilesystemencoding()).name
    if encoding == "utf-8" or codecs.lookup(error.encoding).name != encoding or not isinstance(error.object, str):
        return None
    return (f"{error.object}: this Python writes file names as {encoding}, which has no "
            f"{error.object[error.start:error.end]!r} (a C or POSIX locale with UTF-8 mode off, or a locale "
            "of another encoding): set PYTHONUTF8=1, or a UTF-8 locale such as LC_ALL=C.UTF-8")


def _hide_absent_defaults(command: click.Command) -> None:
    """An option whose default is None has none to show: `[default: None]` would say the
    option's value is None where its help says what it falls back to (the labels found, half
    the cores, ...)."""
    for param in command.params:
        if param.default is None:
            param.show_default = False
    for sub in getattr(command, "commands", {}).values():
        _hide_absent_defaults(sub)


class ErrorBoundary(TyperGroup):
    """The root command group: runs a command line and reports what went wrong, once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _hide_absent_defaults(self)
        refuse_non_finite_floats(self)
        refuse_missing_required(self)

    def main(self, *args, **kwargs):
        # Here, not at construction: a test runner sets the terminal's width (`COLUMNS`) only
        # around this call.
        fit_help_to_terminal(self)
        return super().main(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            _show_help(ctx)
        except click.UsageError as problem:  # the root's own options (`highlights --nonsense`)
            if _debugging():
                raise
            _fail(f"{ctx.command_path}: {_one_line(problem.format_message())} (see {ctx.command_path} --help)")

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError as asked:
            _show_help(asked.ctx or ctx)
        except click.UsageError as problem:
            if _debugging():
                raise
            name_the_option_of_a_hidden_argument(problem)
            where = problem.ctx.command_path if problem.ctx is not None else ctx.command_path
            _fail(f"{where}: {_one_line(problem.format_message())} (see {where} --help)")
        except HighlightsError as problem:
            if _debugging() or _INNER_COMMAND.get():
                raise
            # A dataset error may list several problems, one per line; everything else is one line.
            _fail(str(problem), getattr(problem, "__notes__", ()))
        except OSError as problem:
            # A reader that stopped reading (`highlights ... --help | head`) is not a failure to
            # report: click's own handler quietly ends the command, as other Unix tools do.
            if _debugging() or problem.errno == errno.EPIPE or _INNER_COMMAND.get():
                raise
            _fail(_os_message(problem), getattr(problem, "__notes__", ()))
        except EOFError as bug:
            # click says any EOFError as "Aborted." (meant for a prompt's input closed), naming no
            # file; no command prompts, so it is a reader that met the end of a damaged file
            # without saying which: a bug, which keeps its traceback as every other bug does.
            if _debugging():
                raise
            raise RuntimeError(f"unexpected end of data in {ctx.command_path} ({bug!r})") from bug
        except UnicodeEncodeError as problem:
            unwritable = _unwritable_name(problem)
            if unwritable is None or _debugging() or _INNER_COMMAND.get():
                raise
            _fail(unwritable)
        except KeyboardInterrupt as stop:
            # Commands that keep something to go on from say so themselves (detect, train, dataset,
            # the demo); the rest end here with one line rather than none, as Ctrl-C in the middle
            # of a run is not a failure but should not look like a finish either. Their outputs are
            # written whole or not at all, so there is nothing half-made to mention.
            if _debugging() or _INNER_COMMAND.get():
                raise
            if stop_was_said(stop):  # what was kept is said already (train, a batch): one line, not two
                raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
            how = "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C"
            written = outputs_written(stop)
            if written:  # in its closing lines, its outputs in place (`cli/outputs_in_place.py`)
                typer.echo(stopped_at_its_end(how, _stopped_command(stop, ctx.command_path), written),
                           err=True)
                raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
            typer.echo(f"interrupted ({how}): {_stopped_command(stop, ctx.command_path)} stopped before it finished; "
                       "nothing half-written was kept", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


def run_script(main: Callable[[], int | None]) -> NoReturn:
    """The same boundary for the project's scripts (`bench/`), which parse their own arguments:
    runs `main` and exits with the status it returns; a failure a user can cause is said as the
    `highlights` command says it, one ``error:`` line (and its notes) and status 1. SIGTERM stops
    it as Ctrl-C does, as `Terminated`, as it stops a command."""
    try:
        with terminate_as_interrupt():
            status = main()
    except HighlightsError as problem:
        if _debugging():
            raise
        _say(str(problem), getattr(problem, "__notes__", ()))
        raise SystemExit(1) from None
    except OSError as problem:
        if _debugging() or problem.errno == errno.EPIPE:
            raise
        _say(_os_message(problem), getattr(problem, "__notes__", ()))
        raise SystemExit(1) from None
    except KeyboardInterrupt as stop:
        # A benchmark stopped part way (they run for minutes) ends as a command does: one line and
        # 130 (143 for SIGTERM), not a traceback into whatever it was computing.
        if _debugging():
            raise
        terminated = isinstance(stop, Terminated)
        print(f"interrupted ({'SIGTERM' if terminated else 'Ctrl-C'}): {os.path.basename(sys.argv[0])} stopped "
              "before it finished", file=sys.stderr)
        raise SystemExit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
    raise SystemExit(status)
