"""An option's help that says when it is required ("required with --version, unless --resume",
"required for --model r2plus1d", "required without --clips") says what the command does: every
such claim in any command's help is read and held to the command, run with the option left out.

- Under the claim's condition the command refuses, naming the option, and does so with each of
  the command's flags added too, but those the claim excepts: a flag that lifts the need (train's
  `--resume`, which reads the dataset from the run) must be named after "unless".
- With a flag the claim excepts, the command does not ask for the option.

Each run stops at the command's first checks: nothing is trained or scored.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from tests.readme_commands import root_command, visible_commands

_CLAIM = re.compile(r"\brequired (with|without|for) (--[\w-]+(?: [\w.]+)?)"
                    r"(?:[^;)]*?, unless ([^;)]+))?")


def _claims():
    """(command path, option, "with" | "for" | "without", condition, the flags it excepts)."""
    found = []
    for path, command in visible_commands(root_command()):
        for param in command.params:
            for kind, condition, unless in _CLAIM.findall(getattr(param, "help", None) or ""):
                found.append((path[1:], param.opts[0], kind, condition,
                              tuple(re.findall(r"--[\w-]+", unless))))
    return found


CLAIMS = _claims()


def test_the_claims_are_found():
    read = {(" ".join(path), option, kind, condition, unless)
            for path, option, kind, condition, unless in CLAIMS}
    assert ("train", "--root", "with", "--version", ("--resume",)) in read
    assert ("evaluate", "--version", "without", "--clips", ()) in read
    assert ("train", "--version", "for", "--model r2plus1d", ("--resume",)) in read


def _command(path: tuple[str, ...]) -> click.Command:
    command = root_command()
    for name in path:
        command = command.commands[name]
    return command


def _base_args(command: click.Command, tmp_path: Path, leave_out: str) -> list[str]:
    """Each required option of the command but ``leave_out``, with a value naming nothing there."""
    args = []
    for param in command.params:
        if isinstance(param, click.Option) and param.required and param.opts[0] != leave_out:
            args += [param.opts[0], str(tmp_path / param.name)]
    return args


def _condition_args(condition: str) -> list[str]:
    option, _, value = condition.partition(" ")
    return [option, value or "v1"]  # a value for an option given without one: a version's name


def _flags(command: click.Command) -> list[str]:
    return [p.opts[0] for p in command.params
            if isinstance(p, click.Option) and p.is_flag and p.opts[0] != "--help"]


def _refusal(path, args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*path, *args])
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(("path", "option", "kind", "condition", "unless"), CLAIMS,
                         ids=[f"{' '.join(c[0])} {c[1]}" for c in CLAIMS])
def test_each_required_claim_holds_with_every_flag_it_does_not_except(tmp_path, path, option, kind,
                                                                        condition, unless):
    command = _command(path)
    base = _base_args(command, tmp_path, option)
    if kind != "without":  # "with --version", "for --model r2plus1d"
        base += _condition_args(condition)
    wrong = []
    for flag in [None, *(f for f in _flags(command) if f not in unless)]:
        code, said = _refusal(path, [*base, *([flag] if flag else [])])
        if code == 0 or option not in said:
            wrong.append(f"{flag or 'no flag'}: exit {code}, {said[-200:]!r}")
    assert not wrong, (f"`{' '.join(path)}` {option} is said to be required {kind} {condition}, "
                       "but left out it is not asked for with: " + "; ".join(wrong))
    for flag in unless:
        code, said = _refusal(path, [*base, flag])
        assert option not in said, (f"`{' '.join(path)}` {option} is said not to be needed with "
                                    f"{flag}, but: {said[-200:]!r}")
