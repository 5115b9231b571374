"""Every command's `--help` shows each option's name and help whole, at 80 columns (a laptop's
default terminal) and at the narrowest width that gets rich's panels: nothing is cut to `…`."""

from __future__ import annotations

import click
import pytest
import typer.main
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.cli.help_layout import RICH_HELP_MIN_COLUMNS


def _commands(command, path=()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _commands(sub, path + (name,))


def _shown(word: str, tokens: set[str]) -> bool:
    """Whether ``word`` is in the help whole: as one token, or split after its hyphens where
    click wraps a line (`best-` / `scored`), which a reader still reads whole."""
    if word in tokens:
        return True
    pieces = [piece + "-" for piece in word.split("-")[:-1]] + [word.split("-")[-1]]
    return len(pieces) > 1 and all(piece in tokens for piece in pieces)


@pytest.mark.parametrize("columns", [80, RICH_HELP_MIN_COLUMNS])
def test_every_options_name_and_help_is_shown_whole(columns):
    cut = []
    for path, command in _commands(typer.main.get_command(app)):
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, (path, result.output)
        text = result.output
        assert "…" not in text and "\\[" not in text, (path, text)
        assert max(len(line) for line in text.splitlines()) <= columns, (path, text)
        if columns >= RICH_HELP_MIN_COLUMNS:
            assert "╭─ Options" in text, (path, "rich's panels from this width on")
        tokens = set(text.replace("│", " ").split())
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            names = [*param.opts, *getattr(param, "secondary_opts", [])] if isinstance(param, click.Option) else []
            words = (getattr(param, "help", None) or "").split()
            cut += [(" ".join(path), param.name, w) for w in names + words if not _shown(w, tokens)]
    assert not cut, cut
