"""One thing, two spellings: the older or other commands' spelling of an input, accepted and hidden.

The checkpoint is `--checkpoint` in every command (`evaluate` and `bench-paths` took it as an
argument) and the game video an argument wherever it is the command's subject (`detect`) and
`--video` in the `pipeline` commands, which also take it as an argument, as `detect` does. The
hidden spelling keeps earlier command lines working; help and README show the one spelling.
"""

from __future__ import annotations

from pathlib import Path

import click
import typer

from highlights.errors import ConfigError


def hidden_argument(shown: str) -> Path | None:
    """An optional positional argument that stands for the option `shown`; neither listed in help nor
    shown in its usage line (an empty metavar)."""
    return typer.Argument(None, metavar="", hidden=True, show_default=False,
                          help=f"The same as {shown} (an earlier spelling, still accepted)")


def name_the_option_of_a_hidden_argument(problem: click.UsageError) -> None:
    """A refused value of a hidden argument (a checkpoint that cannot be read) is named by the
    option it stands for: click names an argument by its metavar, which is empty here, and would
    say "Invalid value for ''"."""
    param = getattr(problem, "param", None)
    if (isinstance(problem, click.BadParameter) and problem.param_hint is None
            and isinstance(param, click.Argument) and param.metavar == ""
            and (param.name or "").endswith("_argument")):
        problem.param_hint = "'--" + param.name.removesuffix("_argument").replace("_", "-") + "'"


def one_of(shown: str, option: Path | None, argument: Path | None) -> Path | None:
    """The value given as option `shown` or as its hidden argument; both, unless the same, is refused."""
    if option is not None and argument is not None and Path(option) != Path(argument):
        raise ConfigError(f"{shown} {option} and the argument {argument}: give it once (the argument is the "
                          f"earlier spelling of {shown})")
    return option if option is not None else argument
