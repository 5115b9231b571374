"""Every command's `--help` read as a coach new to highlights reads it, with nothing but the help:

- an option taking a value says what happens when it is left out: a default shown, its default in
  words, what is done without it, or that it is required (where some uses need it);
- a path in the help that starts with a placeholder (`OUT/highlights.json`) starts with one of the
  command's own arguments or options, not a `DIR` the reader cannot place;
- no text speaks of the project's history (the seed project, an earlier model, an issue number);
- no slip of the pen: a word twice in a row, a bracket or a backtick left open.

The values of the defaults stated in words are held to the code by tests/test_help_defaults.py.
"""

from __future__ import annotations

import re

import click

from tests.readme_commands import root_command, visible_commands

# Words by which a help text says what a left-out option does.
_LEFT_OUT = re.compile(r"\b(default|without|optional|required|repeatable)\b", re.IGNORECASE)
# A placeholder starting a path (`OUT/` of `OUT/highlights.json`); not an environment variable
# (`$XDG_CACHE_HOME/`) nor a later part of the path (`CLASS/` of `CLIPS/CLASS/*.mp4`).
_PATH_PLACEHOLDER = re.compile(r"(?<![\w$/.])([A-Z][A-Z_]+)/")
_HISTORY = re.compile(r"\b(the seed|previous model|issues?|formerly|used to|no longer|legacy|todo)\b"
                      r"|#\d+", re.IGNORECASE)
_WORD_TWICE = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
_PAIRS = ("()", "[]", "{}")


def _shown_params(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]


def _texts(path: tuple[str, ...], command: click.Command) -> list[tuple[str, str]]:
    """(where, text) of the command's description, its closing lines and each parameter's help."""
    where = " ".join(path)
    texts = [(where, command.help or ""), (where, command.short_help or ""),
             (where, command.epilog or "")]
    for param in _shown_params(command):
        name = param.opts[0] if isinstance(param, click.Option) else param.name.upper()
        texts.append((f"{where} {name}", getattr(param, "help", None) or ""))
    return [(w, text) for w, text in texts if text]


def _shows_a_default(option: click.Option) -> bool:
    return bool(option.show_default) and option.default not in (None, "", ())


def _unsaid_when_left_out(path: tuple[str, ...], command: click.Command) -> list[str]:
    return [f"{' '.join(path)} {p.opts[0]}: does not say what happens without it"
            for p in _shown_params(command)
            if isinstance(p, click.Option) and not p.is_flag and not p.required
            and not _shows_a_default(p) and not _LEFT_OUT.search(p.help or "")]


def _placeholder_names(command: click.Command) -> set[str]:
    """The names a path placeholder may take: each parameter's, and an argument's taking several
    values in the singular too (DIR of DIRS...)."""
    names = {p.name.upper() for p in _shown_params(command)}
    return names | {name[:-1] for name in names if name.endswith("S")}


def help_problems(path: tuple[str, ...], command: click.Command) -> list[str]:
    """Each defect of the command's own help, as "highlights CMD [OPTION]: what is wrong"."""
    problems = _unsaid_when_left_out(path, command)
    names = _placeholder_names(command)
    for where, text in _texts(path, command):
        flat = " ".join(text.split())
        for placeholder in _PATH_PLACEHOLDER.findall(flat):
            if placeholder not in names:
                problems.append(f"{where}: {placeholder}/ names none of its arguments or options")
        if m := _HISTORY.search(flat):
            problems.append(f"{where}: speaks of the project's history ({m.group(0)!r})")
        if m := _WORD_TWICE.search(flat):
            problems.append(f"{where}: a word twice ({m.group(0)!r})")
        for opening, closing in _PAIRS:
            if flat.count(opening) != flat.count(closing):
                problems.append(f"{where}: a {opening}{closing} pair left open")
        if flat.count("`") % 2:
            problems.append(f"{where}: a backtick left open")
    return problems


def test_every_commands_help_reads_whole_to_a_new_user():
    commands = list(visible_commands(root_command()))
    options = [p for _, command in commands for p in _shown_params(command) if isinstance(p, click.Option)]
    assert len(commands) >= 30 and len(options) >= 150, "the walk missed commands"
    problems = [problem for path, command in commands for problem in help_problems(path, command)]
    assert not problems, "\n".join(problems)


def test_each_kind_of_defect_is_found_and_a_sound_help_passes():
    made_up = click.Command("made-up", help="Writes DEST/result.json and OUT/page.html.", params=[
        click.Argument(["dirs"], nargs=-1),
        click.Option(["--out"], help="Output folder (required)"),
        click.Option(["--root"], help="Dataset root"),
        click.Option(["--seed"], type=int, help="Seed (default 0, as the seed had it)"),
        click.Option(["--note"], help="The the note (default: none"),
        click.Option(["--label"], help="Label for issue #12 (default: `none)"),
        click.Option(["--name"], default="x", show_default=True, help="Name of DIR/, one of DIRS"),
        click.Option(["--fresh"], is_flag=True, help="Start again"),
    ])
    problems = help_problems(("highlights", "made-up"), made_up)
    assert problems == [
        "highlights made-up --root: does not say what happens without it",
        "highlights made-up: DEST/ names none of its arguments or options",
        "highlights made-up --seed: speaks of the project's history ('the seed')",
        "highlights made-up --note: a word twice ('The the')",
        "highlights made-up --note: a () pair left open",
        "highlights made-up --label: speaks of the project's history ('issue')",
        "highlights made-up --label: a backtick left open",
    ], problems
