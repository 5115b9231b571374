"""Finds the command lines a Markdown manual or a help text shows, and checks each against the
program: the `highlights` click tree, the pipeline config's dotted settings, and the argparse
flags of the bench and scripts files. Every check returns problems as "WHERE: what is wrong" lines,
WHERE being FILE:LINE for a manual, so a failing test names the line to fix.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import click
import typer.main

from highlights.cli.app import app
from highlights.errors import ConfigError
from highlights.pipeline.config import SECTIONS, PipelineConfig

REPO = Path(__file__).resolve().parents[1]

# Shell operators between two commands on one line (`setup.sh && highlights demo`, `... > pipeline.json`).
_SHELL_OPERATOR = re.compile(r"\s(?:&&|\|\||\||;|>>|>|<)\s")
# A dotted pipeline setting given a value: `kinematics.smooth_frames=3`, `merge.score_calibration=none`.
_ASSIGNMENT = re.compile(r"(?<![\w./-])([a-z_]+\.[a-z_][a-z0-9_]*)=([^\s\"'`\])},]+)")
# A value written as a placeholder for the reader's own (`=N`, `=FILE`).
_PLACEHOLDER_VALUE = re.compile(r"[A-Z][A-Z_]*")
_SCRIPT = re.compile(r"(?:\./)?((?:bench|scripts)/[\w-]+\.(?:py|sh))")
# A span naming a setting without a value (`classifier.min_score`), told from a file name by its section.
_SETTING_NAME = re.compile(r"([a-z_]+)\.([a-z_][a-z0-9_]*)")
_FILE_SUFFIXES = {"py", "json", "md", "csv", "txt", "pt", "mp4", "html", "sh"}


@dataclass(frozen=True)
class Shown:
    """One piece of a manual: a command line of a code block, or one inline code span of its prose."""

    where: str
    text: str
    in_block: bool


def without_comment(line: str) -> str:
    return re.sub(r"(^|\s)#.*", "", line).rstrip()


def manual_pieces(text: str, name: str) -> list[Shown]:
    """Code-block lines (continuations joined, `# comments` dropped) and inline code spans of prose."""
    pieces: list[Shown] = []
    lines = text.split("\n")
    in_block, pending, pending_line = False, "", 0
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        if not pending:
            pending_line = number
        code = without_comment(line)
        if code.endswith("\\"):
            pending += code[:-1] + " "
            continue
        code = pending + code
        pending = ""
        if code.strip():
            pieces.append(Shown(f"{name}:{pending_line}", " ".join(code.split()), True))
    prose = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)
    for match in re.finditer(r"`([^`]+)`", prose):
        line = prose.count("\n", 0, match.start()) + 1
        pieces.append(Shown(f"{name}:{line}", " ".join(match.group(1).split()), False))
    return pieces


# --- the `highlights` command tree --------------------------------------------------------------

@cache
def root_command() -> click.Group:
    return typer.main.get_command(app)


def _options(command: click.Command) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts) if opt.startswith("-")}


@cache
def every_cli_option() -> frozenset[str]:
    def walk(command):
        yield command
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield from walk(sub)
    return frozenset().union(*(_options(c) for c in walk(root_command())))


def _resolve(words: list[str]) -> tuple[list[str], list[click.Command], list[str]]:
    """The command path the words name, as click resolves it (so `review DIR` reaches `review
    serve`), the commands along it, and the words left for that command; a word that names no
    subcommand of a group that takes none stops the walk with that word first in the rest."""
    path, chain, rest = [], [root_command()], list(words)
    while isinstance(chain[-1], click.Group) and rest:
        group = chain[-1]
        ctx = click.Context(group, info_name=path[-1] if path else "highlights", resilient_parsing=True)
        name, sub, after = group.resolve_command(ctx, rest)
        if sub is None:
            break
        path.append(name)
        chain.append(sub)
        rest = after
    return path, chain, rest


def is_program(word: str) -> bool:
    """`highlights` or `.venv/bin/highlights`, not a folder of that name (`~/.cache/highlights`)."""
    return re.fullmatch(r"(?:\S*/)?bin/highlights|highlights", word) is not None


def check_highlights_command(words: list[str], where: str, *, whole: bool = True) -> list[str]:
    """`words` after the program name: the (sub)command exists and takes every `--option` given;
    for a `whole` command line (not a prose mention such as `evaluate --out`), click's own parser
    also finds a value for each option that needs one and no argument left over."""
    words = [w for w in words if w != "..."]  # `highlights train ...`: the rest left out
    path, chain, rest = _resolve(words)
    shown = " ".join(["highlights", *path])
    command = chain[-1]
    if isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        # `pipeline evaluate|ablate`: each of the commands named
        unknown = [name for name in rest[0].split("|") if name not in command.commands]
        if unknown or "|" not in rest[0]:
            return [f"{where}: `{shown}` has no command {(unknown or rest)[0]!r} "
                    f"(its commands: {', '.join(sorted(command.commands))})"]
        return []
    allowed = set().union(*(_options(c) for c in chain)) | {"--help"}
    problems = []
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("--") and option not in allowed:
            problems.append(f"{where}: `{shown}` takes no option {option} "
                            f"(it takes: {', '.join(sorted(_options(command)))})")
    if whole and not problems and not isinstance(command, click.Group):
        problems += _arity_problems(command, shown, rest, where)
    return problems


def _arity_problems(command: click.Command, shown: str, words: list[str], where: str) -> list[str]:
    try:
        _, left_over, _ = command.make_parser(click.Context(command, info_name=shown)).parse_args(args=words)
    except click.UsageError as e:
        return [f"{where}: `{shown}`: {e.format_message()}"]
    if left_over:
        arguments = [p.human_readable_name for p in command.params if isinstance(p, click.Argument)]
        return [f"{where}: `{shown}` takes no argument {left_over[0]!r} "
                f"({'its arguments: ' + ', '.join(arguments) if arguments else 'it takes none'})"]
    return []


# --- dotted pipeline settings ---------------------------------------------------------------------

def check_setting(name: str, value: str | None, where: str) -> list[str]:
    """The setting's name through the config's own resolver; its value too, unless a placeholder."""
    try:
        if value is None or _PLACEHOLDER_VALUE.fullmatch(value):
            PipelineConfig().get(name)
        else:
            PipelineConfig().with_overrides([f"{name}={value}"])
    except ConfigError as e:
        return [f"{where}: {name}{'' if value is None else '=' + value}: {e}"]
    return []


def settings_in(text: str) -> list[tuple[str, str | None]]:
    """Every `section.field=value` in a piece of code (`section.field=value` itself is the syntax)."""
    return [(m.group(1), m.group(2).rstrip(".:;")) for m in _ASSIGNMENT.finditer(text)
            if m.group(1) != "section.field"]


def setting_named(span: str) -> str | None:
    """The setting a whole inline span names without a value (`merge.nms_iou`), if it is one."""
    match = _SETTING_NAME.fullmatch(span)
    if match and match.group(1) in SECTIONS and match.group(2) not in _FILE_SUFFIXES:
        return span
    return None


# --- bench/ and scripts/ files -------------------------------------------------------------------

@cache
def script_flags(relative: str) -> frozenset[str]:
    """The flags `python FILE --help` lists (only asked of files the manual gives flags to:
    a file without a parser would run instead)."""
    shown = subprocess.run([sys.executable, str(REPO / relative), "--help"], cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert shown.returncode == 0, f"{relative} --help failed:\n{shown.stderr[-2000:]}"
    flags = set()
    for line in shown.stdout.splitlines():
        # argparse's option lines: two spaces, the option strings and metavars, then its help.
        if re.match(r"  -", line):
            invocation = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            flags.update(re.findall(r"(?<![\w-])--[a-z0-9][\w-]*", invocation))
    return frozenset(flags)


def check_script_command(words: list[str], where: str) -> list[str]:
    """`words` from the file's path on: it exists, and takes every `--flag` given after it."""
    relative = _SCRIPT.fullmatch(words[0]).group(1)
    if not (REPO / relative).is_file():
        return [f"{where}: {relative}: no such file"]
    flags = [w.split("=", 1)[0] for w in words[1:] if w.startswith("--")]
    if not flags:
        return []
    known = script_flags(relative)
    return [f"{where}: {relative} takes no flag {flag} (it takes: {', '.join(sorted(known))})"
            for flag in flags if flag not in known]


# --- one piece of a manual or help text ----------------------------------------------------------

@dataclass
class Checked:
    """What the checks found in a text, and how much of it they looked at."""

    commands: list[str]
    scripts: list[str]
    settings: list[str]
    lone_options: list[str]
    problems: list[str]


def _words(segment: str) -> list[str]:
    # `[--size default|tiny]`: a usage line's brackets mark an option as optional.
    return [w.strip("[]") for w in segment.split() if w.strip("[]")]


def check_pieces(pieces: list[Shown], *, lone_option_owners: set[str] = frozenset()) -> Checked:
    """Every command, script line and setting among the pieces. A prose span that is only an option
    (`--skip-bad`) must be an option of some command or one of `lone_option_owners`."""
    found = Checked([], [], [], [], [])
    top_level = set(root_command().commands)
    for piece in pieces:
        for name, value in settings_in(piece.text):
            found.settings.append(f"{name}={value}")
            found.problems += check_setting(name, value, piece.where)
        if not piece.in_block and re.fullmatch(r"bench_\w+\.py", piece.text):  # a bench named by its file alone
            found.scripts.append(f"{piece.where}: {piece.text}")
            found.problems += check_script_command([f"bench/{piece.text}"], piece.where)
            continue
        named = None if piece.in_block else setting_named(piece.text)
        if named:
            found.settings.append(named)
            found.problems += check_setting(named, None, piece.where)
        for segment in _SHELL_OPERATOR.split(piece.text):
            words = _words(segment)
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):  # OMP_NUM_THREADS=1 highlights ...
                words = words[1:]
            if (len(words) > 2 and re.fullmatch(r"(?:\S*/)?python[\d.]*", words[0])
                    and words[1:3] == ["-m", "highlights"]):
                words = words[2:]  # `python -m highlights ...` is the same command
            if not words:
                continue
            script = next((i for i, w in enumerate(words) if _SCRIPT.fullmatch(w)), None)
            if is_program(words[0]):
                found.commands.append(f"{piece.where}: {segment.strip()}")
                # a prose span may name an option without its value (`highlights evaluate --out`)
                found.problems += check_highlights_command(words[1:], piece.where, whole=piece.in_block)
            elif script is not None:
                found.scripts.append(f"{piece.where}: {segment.strip()}")
                found.problems += check_script_command(words[script:], piece.where)
            elif (not piece.in_block and words[0] in top_level and len(words) > 1
                  and (words[1].startswith("--") or words[1] in getattr(root_command().commands[words[0]],
                                                                        "commands", {}))):
                # `evaluate --clips` in prose: a command named without the program.
                found.commands.append(f"{piece.where}: {segment.strip()}")
                found.problems += check_highlights_command(words, piece.where, whole=False)
            elif not piece.in_block and words[0].startswith("--"):
                found.lone_options.append(f"{piece.where}: {words[0]}")
                options = every_cli_option() | set(lone_option_owners)
                found.problems += [f"{piece.where}: no command or bench/scripts file takes {w}" for w in words
                                   if w.startswith("--") and w.split("=", 1)[0] not in options]
    return found


def visible_commands(command: click.Command, path: tuple[str, ...] = ("highlights",)):
    """(path, command) of the command and each subcommand `--help` lists, depth first."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from visible_commands(sub, (*path, name))
