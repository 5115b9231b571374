"""Every command line README.md and the pages under docs/ show is one the program takes, so a
renamed or removed option cannot leave the manual wrong; and every link between them leads to a
page and heading that exist, so moving a section cannot leave a pointer to nothing.

Checked, in the code blocks (continuations joined, `# comments` dropped, `&&`/`>`/`|` ending a
command) and in the inline code spans of the prose:
- `highlights ...` commands (also `.venv/bin/highlights`, `OMP_NUM_THREADS=1 highlights`, and a
  span such as `evaluate --clips` that names a command without the program): the command path
  resolves in the click tree as click resolves it, and each `--option` belongs to that command,
  a group on its path or the root; a code-block line is also parsed by click's own parser, which
  finds each option's value and no argument too many;
- `section.field=value` settings (after `--set`, `--change`, `--compare` or alone) through
  `PipelineConfig.with_overrides`, so the name and the value are checked as a user's would be;
  a value written as a placeholder (`=N`, `=FILE`) has its name checked only, and so has a span
  that is a setting's name alone (`merge.nms_iou`);
- `bench/X.py` and `scripts/X.py` lines: the file exists, and each `--flag` given is one that
  `python FILE --help` lists (files given no flag are not run: one without a parser would run);
- a prose span that is only an option (`--skip-bad`): some command, or a bench/scripts file the
  manual runs with flags, takes it (which command the sentence means is not checked).
The help texts of the commands and their options, the docstrings (usage lines) of the bench and
scripts files, and the package's own strings (its messages' hints, its docstrings) are held to the
same checks. Every environment variable the package reads is named in the README (the tests' own
`HIGHLIGHTS_*` switches on the architecture page), and the files
`evaluate --int8`/`--bf16` keep beside a checkpoint are named as they are written. The `.py` files,
the paths from the repository's root (`bench/`, `src/`, `tests/`) and the `highlights.*` modules
(and what they define) that the prose names exist.

Not checked: arguments in prose spans (which may leave them out), required options or arguments
left out, whether another path exists (a folder or file a command writes), option values other
than settings (`--size tiny`), which option goes with which command in a prose sentence, commands
of other programs (pip, ray), and Python code (tests/test_readme_library.py runs it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from tests.readme_commands import (_FILE_SUFFIXES, REPO, Shown, check_pieces, check_setting,
                                   every_cli_option, manual_pieces, root_command, script_flags,
                                   settings_in, without_comment)
from tests.readme_defaults import check_stated_default, stated_defaults

README = REPO / "README.md"
# The manual: the README and the topic pages it links to.
MANUALS = [README, *sorted((REPO / "docs").glob("*.md"))]
# Options of other programs the manual names alone in prose (pip's, where it says how the MoveNet
# weights are installed).
OTHER_PROGRAMS_OPTIONS = {"--no-deps"}


def _name(manual) -> str:
    return str(manual.relative_to(REPO))


def _pieces() -> list[Shown]:
    return [piece for manual in MANUALS for piece in manual_pieces(manual.read_text(), _name(manual))]


def _manual():
    return check_pieces(_pieces(), lone_option_owners=_manual_script_flags())


def _manual_script_flags() -> set[str]:
    flags = set(OTHER_PROGRAMS_OPTIONS)
    for piece in _pieces():
        words = piece.text.split()
        for i, word in enumerate(words):
            match = re.fullmatch(r"(?:\./)?((?:bench|scripts)/[\w-]+\.py)", word)
            if match and any(w.startswith("--") for w in words[i + 1:]) and (REPO / match.group(1)).is_file():
                flags |= script_flags(match.group(1))
    return flags


def _shown_as(found: list[str]) -> set[str]:
    """The pieces found, without the file and line each is on (which any edit above it moves)."""
    return {re.sub(r"^[\w/.-]+\.md:\d+: ", "", piece) for piece in found}


def test_the_manuals_commands_are_found_whole():
    found = _manual()
    commands = _shown_as(found.commands)
    # a command continued over two lines is one command, with its options from both
    assert ("highlights pipeline ablate --video game.mp4 --annotations game.json --checkpoint runs/v2/best.pt "
            "--change pose.side_continuity=true --change kinematics.smooth_frames=3 --out ablation" in commands)
    # the second command of a line, a comment and a redirect left out
    assert ".venv/bin/highlights demo" in commands and "highlights pipeline config" in commands
    # inline: a usage line, and a command named without the program
    assert "highlights demo [--out ./highlights-demo] [--size default|tiny] [--fresh]" in commands
    assert "evaluate --clips" in commands
    assert "--skip-bad" in _shown_as(found.lone_options)
    assert not any("cache/highlights" in c for c in commands)  # a folder of that name is no command
    assert "classifier.fusion_weight=0.6" in found.settings and "merge.nms_iou" in found.settings
    assert "bench/bench_train.py --quick --steps 30 --precision fp32 --busy-cores 1" in _shown_as(found.scripts)


def test_every_page_of_the_manual_is_read():
    names = {_name(manual) for manual in MANUALS}
    assert {"README.md", "docs/architecture.md", "docs/speed.md"} <= names
    shown_in = {piece.where.split(":")[0] for piece in _pieces()}
    assert shown_in == names, "a page of the manual yielded no command, span or setting"


def test_every_manual_command_setting_and_flag_is_one_the_program_takes():
    problems = _manual().problems
    assert not problems, "the manual shows what the program does not take:\n" + "\n".join(problems)


def _heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    return {_heading_anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def _links(page) -> list[tuple[str, str]]:
    """(line, target) of each Markdown link to a file of the repository or a heading."""
    text = page.read_text()
    return [(f"{_name(page)}:{text.count(chr(10), 0, m.start()) + 1}", m.group(1))
            for m in re.finditer(r"\]\(([^)\s]+)\)", text) if "://" not in m.group(1)]


def test_every_link_in_the_manual_leads_to_a_page_and_heading_that_exist():
    problems, links = [], 0
    for page in MANUALS:
        for where, target in _links(page):
            links += 1
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.is_file():
                problems.append(f"{where}: {target}: no such file")
            elif anchor and anchor not in _anchors(linked):
                problems.append(f"{where}: {target}: {_name(linked)} has no heading #{anchor}")
    assert links > 20, "the manual's links were not found"
    assert not problems, "\n".join(problems)


def test_the_readme_links_every_page_under_docs():
    linked = {(README.parent / target.partition("#")[0]).resolve() for _, target in _links(README)}
    assert not [_name(page) for page in MANUALS[1:] if page.resolve() not in linked]


@pytest.mark.parametrize("heading,anchor", [
    ("Scoring clips: `evaluate --clips`", "scoring-clips-evaluate---clips"),
    ("Many games: a season in one command", "many-games-a-season-in-one-command"),
    ("The test report's intervals", "the-test-reports-intervals"),
    ("A 1,000-game season, on paper", "a-1000-game-season-on-paper"),
])
def test_a_heading_anchor_is_githubs(heading, anchor):
    assert _heading_anchor(heading) == anchor


def test_a_made_up_option_setting_or_flag_fails_naming_its_line():
    manual = "\n".join([
        "Run `highlights detect game.mp4 --no-such-option 3`.",
        "```bash",
        "highlights train --out runs/v2 \\",
        "    --resume --quik   # a typo",
        "highlights datset create my-clips",
        "highlights dataset creat my-clips",
        "highlights detect game.mp4 --set merge.nms_iou=high --set merge.no_such=1 --out x",
        "highlights report compare a.json b.json c.json",
        "highlights detect game.mp4 --out",
        ".venv/bin/python bench/bench_train.py --quick --stepz 8",
        ".venv/bin/python bench/bench_nothing.py",
        "python -m highlights detect game.mp4 --outt x",
        "```",
        "With `--skip-bad`, or `--skip-badly`, and `classifier.no_such_field`.",
    ])
    problems = check_pieces(manual_pieces(manual, "MANUAL.md")).problems
    assert [p.split(" (")[0] for p in problems] == [
        "MANUAL.md:3: `highlights train` takes no option --quik",
        "MANUAL.md:5: `highlights` has no command 'datset'",
        "MANUAL.md:6: `highlights dataset` has no command 'creat'",
        "MANUAL.md:7: merge.nms_iou=high: merge.nms_iou='high': expected float",
        "MANUAL.md:7: merge.no_such=1: unknown pipeline setting 'merge.no_such'",
        "MANUAL.md:8: `highlights report compare` takes no argument 'c.json'",
        "MANUAL.md:9: `highlights detect`: Option '--out' requires an argument.",
        "MANUAL.md:10: bench/bench_train.py takes no flag --stepz",
        "MANUAL.md:11: bench/bench_nothing.py: no such file",
        "MANUAL.md:12: `highlights detect` takes no option --outt",
        "MANUAL.md:1: `highlights detect` takes no option --no-such-option",
        "MANUAL.md:14: no command or bench/scripts file takes --skip-badly",
        "MANUAL.md:14: classifier.no_such_field: unknown pipeline setting 'classifier.no_such_field'",
    ]


def test_a_review_of_folders_is_the_review_command_and_takes_its_options():
    # `highlights review DIR...` is `review serve DIR...`, as the review group resolves it
    ok = check_pieces([Shown("M:1", "highlights review a-highlights --reviewer Ada", True)])
    assert ok.problems == []
    bad = check_pieces([Shown("M:1", "highlights review a-highlights --reviewr Ada", True)])
    assert [p.split(" (")[0] for p in bad.problems] == ["M:1: `highlights review serve` takes no option --reviewr"]


def test_every_setting_default_the_manual_states_is_the_codes():
    stated = [s for manual in MANUALS for s in stated_defaults(manual.read_text(), _name(manual))]
    # the phrasings read (tests/readme_defaults.py), each met in the manual at least once
    assert {"merge.reel_share", "classifier.backend", "detection.movenet_workers",
            "detection.movenet_whole_every", "detection.movenet_interpolate_below"} <= {s.key for s in stated}
    assert len(stated) >= 10, "the manual's stated defaults were not found"
    problems = [p for s in stated for p in check_stated_default(s)]
    assert not problems, "\n".join(problems)


def test_a_stale_stated_default_fails_naming_its_line():
    manual = "\n".join([
        "By default, the reel fits in a tenth of the video (`merge.reel_share=0.2`, `merge.reel_min_seconds=60`).",
        "`merge.backend=actions` (the default) and `classifier.int8=true` by default.",
        "With `detection.movenet_workers=W`, default 3, `detection.movenet_frames_per_worker` frames (default 2)",
        "queue; every `detection.movenet_whole_every`-th frame (4) and `classifier.min_score` (0.5).",
        "`--set detection.movenet_interpolate_below=1.1` (off by default), "
        "`--set merge.reel_height=720` (off by default).",
        "```bash",
        "highlights detect game.mp4 --set merge.nms_iou=0.9  # (default) in a code block is not prose",
        "```",
        "`merge.nms_iou=0.9` (a sentence without the word) and `merge.nms_iou` (three) are not read.",
    ])
    stated = stated_defaults(manual, "MANUAL.md")
    assert len(stated) == 10
    problems = [p.split(" states")[0].split(": '")[0] + ": " + p.rsplit(" ", 1)[-1]
                for s in stated for p in check_stated_default(s)]
    assert problems == ["MANUAL.md:1: 0.1", "MANUAL.md:2: 'temporal_nms'", "MANUAL.md:3: 1",
                        "MANUAL.md:4: 5", "MANUAL.md:5: 1080"]


def test_the_architecture_pages_backend_table_lists_every_backend_and_the_default():
    from highlights.pipeline.config import STAGES, PipelineConfig
    from highlights.pipeline.registry import registered_backends

    rows = re.findall(r"^\| `\w+` \| (\w+) \| .* \| ([^|]+) \|$", (REPO / "docs" / "architecture.md").read_text(), re.M)
    assert [stage for stage, _ in rows] == list(STAGES)
    for stage, listed in rows:
        names = [name.strip() for name in listed.split(",")]
        assert sorted(n.removesuffix(" (the default)") for n in names) == sorted(registered_backends(stage)), stage
        default = [f"{PipelineConfig().section(stage).backend} (the default)"] if len(names) > 1 else []
        assert [n for n in names if n.endswith(" (the default)")] == default, stage


def _help_texts():
    def walk(command: click.Command, path: tuple[str, ...]):
        yield " ".join(path), command.help or ""
        for param in command.params:
            if getattr(param, "help", None):
                yield f"{' '.join(path)} {param.opts[0]}", param.help
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))
    return list(walk(root_command(), ("highlights",)))


def test_the_pipeline_groups_help_names_each_of_its_commands():
    """`highlights --help` is where a user first reads what `pipeline` holds."""
    group = root_command().commands["pipeline"]
    assert len(group.commands) >= 5
    assert [name for name in group.commands if not re.search(rf"\b{name}\b", group.help)] == []


def test_the_help_texts_name_only_commands_options_and_settings_that_exist():
    pieces, settings, problems = [], [], []
    for where, text in _help_texts():
        label = f"help of `{where}`"
        pieces += [Shown(label, " ".join(span.split()), False) for span in re.findall(r"`([^`]+)`", text)]
        for name, value in settings_in(_outside_spans(text)):
            settings.append(f"{name}={value}")
            problems += check_setting(name, value, label)
        problems += [f"{label}: no command takes {option}" for option in _options_in(_outside_spans(text))
                     if option not in every_cli_option()]
    found = check_pieces(pieces)
    problems += found.problems
    assert found.commands and settings, "the help texts' commands and settings were not found"
    assert not problems, "\n".join(problems)


def _outside_spans(text: str) -> str:
    """The text without its code spans, which `check_pieces` reads."""
    return re.sub(r"`[^`]+`", " ", text)


def _options_in(text: str) -> list[str]:
    return re.findall(r"(?<![\w-])--[a-z][\w-]*", text)


def _runnable_files() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for folder in ("bench", "scripts") for p in (REPO / folder).glob("*.py"))


def test_the_bench_and_scripts_files_usage_lines_give_only_flags_they_take():
    """Each file's docstring (its usage lines, and what its prose tells to pass) gives only its own
    flags, commands and settings that exist, and the flags of the files it names."""
    problems, usage_lines = [], 0
    for relative in _runnable_files():
        source = (REPO / relative).read_text()
        module = ast.parse(source)
        doc = ast.get_docstring(module) or ""
        first = module.body[0].lineno if doc else 0  # the file's line of the docstring's first line
        where = f"{relative} docstring"
        # a file without a parser would run on --help, so it has no flags to ask for
        owners = set(script_flags(relative)) if "argparse" in source else set()
        for named in set(re.findall(r"(?:bench|scripts)/[\w-]+\.py", doc)) - {relative}:
            if (REPO / named).is_file() and "argparse" in (REPO / named).read_text():
                owners |= script_flags(named)
        lines = [Shown(f"{relative}:{first + i}", " ".join(without_comment(line).split()), True)
                 for i, line in enumerate(doc.split("\n")) if re.search(r"(?:bench|scripts)/[\w-]+\.py", line)]
        usage_lines += len(lines)
        spans = [Shown(where, " ".join(span.split()), False) for span in re.findall(r"``?([^`]+)``?", doc)]
        problems += check_pieces(lines + spans, lone_option_owners=owners).problems
        # the rest: what the usage lines and spans above did not hold (a usage line's next lines)
        prose = re.sub(r"``?[^`]+``?", " ", "\n".join(line for line in doc.split("\n")
                                                     if not re.search(r"(?:bench|scripts)/[\w-]+\.py", line)))
        problems += [f"{where}: {relative} takes no flag {option}" for option in _options_in(prose)
                     if option not in owners | every_cli_option()]
    assert usage_lines >= len(_runnable_files()) - 1, "the usage lines were not found"
    assert not problems, "\n".join(problems)


def test_the_programs_messages_and_docstrings_name_only_commands_options_and_settings_that_exist():
    """What the package's strings tell a user to run (`give it with --set classifier.pose_model=...`,
    "`highlights pipeline config` lists them") and what its docstrings say, held to the same checks."""
    pieces, problems, strings = [], [], 0
    for path in sorted((REPO / "src" / "highlights").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue  # an f-string's fixed parts are constants too; a span split by a value is skipped
            strings += 1
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            pieces += [Shown(where, " ".join(span.split()), False) for span in re.findall(r"`([^`]+)`", node.value)]
            outside = _outside_spans(node.value)
            problems += [p for name, value in settings_in(outside) for p in check_setting(name, value, where)]
            problems += [f"{where}: no command takes {option}" for option in _options_in(outside)
                         if option not in every_cli_option() | OTHER_PROGRAMS_OPTIONS | {"--help"}]
    found = check_pieces(pieces, lone_option_owners=OTHER_PROGRAMS_OPTIONS)
    assert len(found.commands) > 50 and strings > 1000, "the package's strings were not read"
    assert not problems + found.problems, "\n".join(problems + found.problems)


def test_the_reduced_precision_files_named_are_the_ones_evaluate_writes():
    """`evaluate --int8`/`--bf16` keep their verdicts beside the checkpoint under names made from
    the checkpoint's whole name; the manual and the help texts give those names for `best.pt`."""
    from highlights.model.int8_store import sidecar_paths

    written = {sidecar_paths("best.pt", "int8")[0].name, sidecar_paths("best.pt", "int8")[1].name,
               sidecar_paths("best.pt", "bf16")[1].name}
    texts = [(_name(manual), manual.read_text()) for manual in MANUALS]
    texts += [(f"help of `{where}`", text) for where, text in _help_texts()]
    named = [(where, m.group(0)) for where, text in texts
             for m in re.finditer(r"\bbest(?:\.pt)?\.(?:int8|bf16)\.[a-z]+\b", text)]
    assert {"docs/speed.md", "help of `highlights evaluate --int8`", "help of `highlights evaluate --bf16`"} <= {
        where for where, _ in named}, "the sidecar names were not found"
    assert [(where, name) for where, name in named if name not in written] == []


# Variables the package reads that every terminal program honours, not the project's to document.
_COMMON_VARIABLES = {"COLUMNS"}


def _environment_variables_read(folder: Path, *, spelt: bool = True) -> dict[str, str]:
    """{name: FILE:LINE} of every environment variable the code under `folder` reads through
    `os.environ`/`os.getenv`, and (`spelt`) the project's own `HIGHLIGHTS_*` names wherever they
    are spelt (a module's constant that names one)."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = None
            if spelt and isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(
                    r"HIGHLIGHTS_[A-Z0-9_]+", node.value):
                name = node.value
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                function = ast.unparse(node.func)
                if function in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                    name = node.args[0].value
            elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                  and ast.unparse(node.value) in ("os.environ", "environ") and isinstance(node.slice, ast.Constant)):
                name = node.slice.value
            if name and name not in _COMMON_VARIABLES:
                found.setdefault(name, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_every_environment_variable_the_package_reads_is_in_the_readme():
    read = _environment_variables_read(REPO / "src" / "highlights")
    assert {"HIGHLIGHTS_CACHE_DIR", "HIGHLIGHTS_POSE_CACHE", "HIGHLIGHTS_DEBUG", "XDG_CACHE_HOME"} <= set(read)
    readme = README.read_text()
    missing = [f"{where}: {name}" for name, where in sorted(read.items())
               if not re.search(rf"`\$?{name}\b[^`]*`", readme)]
    assert not missing, "read by the package but not named in README.md:\n" + "\n".join(missing)


def test_speed_pages_list_of_benchmarks_names_every_bench_file():
    """docs/speed.md's "The benchmarks" block is where a reader finds what each bench measures:
    a bench added to bench/ is added there too."""
    page = (REPO / "docs" / "speed.md").read_text()
    section = page.split("## The benchmarks", 1)[1]
    block = re.search(r"^```bash\n(.*?)^```", section, flags=re.S | re.M).group(1)
    listed = set(re.findall(r"^\S+ (bench/[\w-]+\.py)", block, flags=re.M))
    files = {f"bench/{p.name}" for p in (REPO / "bench").glob("*.py")}
    assert len(files) > 10 and listed <= files
    assert sorted(files - listed) == []


def test_every_highlights_variable_the_tests_read_is_on_the_architecture_page():
    """The tests' own switches (`HIGHLIGHTS_NO_APT`, `HIGHLIGHTS_TEST_ARTIFACTS`) are where a
    developer reads how the tests run."""
    read = {name: where for name, where in _environment_variables_read(REPO / "tests", spelt=False).items()
            if name.startswith("HIGHLIGHTS_")}
    assert {"HIGHLIGHTS_NO_APT", "HIGHLIGHTS_TEST_ARTIFACTS"} <= set(read)
    page = (REPO / "docs" / "architecture.md").read_text()
    missing = [f"{where}: {name}" for name, where in sorted(read.items())
               if not re.search(rf"`\$?{name}\b[^`]*`", page)]
    assert not missing, "read by the tests but not named in docs/architecture.md:\n" + "\n".join(missing)


_PACKAGE = REPO / "src" / "highlights"


def _named_file_problem(span: str) -> str | None:
    """Why a span naming a file or folder of the repository (`highlights/pipeline/kinematics.py`,
    `cli/boundary.py`, `made_folders.py`, `src/highlights/py.typed`) names none, else None; None too for a
    span that names no such thing (`clips/`, `runs/v2/best.pt`: a user's files)."""
    if not re.fullmatch(r"[\w./-]+", span) or span.startswith((".", "/")):
        return None
    first = span.split("/", 1)[0]
    if "/" not in span:
        if not span.endswith(".py"):
            return None
        found = [p for folder in ("src", "bench", "scripts", "tests") for p in (REPO / folder).rglob(span)]
        return None if found else f"no file {span} in the repository"
    if first in ("src", "bench", "scripts", "tests", "docs"):
        roots = [REPO]
    elif span.endswith(".py"):
        # `highlights/pipeline/kinematics.py`, `cli/boundary.py`; not a folder or file a command
        # writes, whose names may be a package folder's (`report/`, `datasets/v1/`)
        roots = [REPO / "src", _PACKAGE]
    else:
        return None
    return None if any((root / span).exists() for root in roots) else f"no {span} in the repository"


def _module_name_problem(dotted: str) -> str | None:
    """Why `highlights.a.b[.name]` names no module of the package (or nothing defined in it); None
    too when `a` is no module (`highlights.edl`, a file name)."""
    parts = dotted.split(".")[1:]
    if not (_PACKAGE / parts[0]).is_dir() and not (_PACKAGE / f"{parts[0]}.py").is_file():
        return None
    for i in range(len(parts), -1, -1):
        base = _PACKAGE.joinpath(*parts[:i])
        module = base.with_suffix(".py") if i else None
        if module is not None and module.is_file():
            source = module.read_text()
        elif base.is_dir():
            source = "\n".join(p.read_text() for p in base.glob("__init__.py"))
        else:
            continue
        rest = parts[i:]
        if not rest or re.search(rf"^\s*(?:def|class)\s+{rest[0]}\b|^\s*{rest[0]}\s*[:=]|\bimport\b.*\b{rest[0]}\b",
                                 source, re.M):
            return None
        return f"{'.'.join(['highlights', *parts[:i]])} has no {rest[0]}"
    return f"no module {dotted}"


def test_every_repository_file_and_module_the_manual_names_exists():
    problems, modules, files = [], 0, 0
    for piece in _pieces():
        if piece.in_block:
            continue
        span = piece.text.split("(")[0].strip()  # `highlights.pipeline.run.run_pipeline(video, config)`
        if re.fullmatch(r"highlights(?:\.[a-z_]\w*)+", span) and span.split(".")[-1] not in _FILE_SUFFIXES:
            modules += 1
            problem = _module_name_problem(span)
        else:
            files += span.endswith(".py")
            problem = _named_file_problem(span)
        if problem:
            problems.append(f"{piece.where}: {problem}")
    assert modules > 20 and files > 40, "the manual's files and modules were not found"
    assert not problems, "\n".join(problems)


def test_a_file_or_module_that_is_not_there_is_named():
    assert _named_file_problem("highlights/pipeline/kinematics.py") is None
    assert _named_file_problem("cli/boundary.py") is None and _named_file_problem("src/highlights/py.typed") is None
    assert _named_file_problem("runs/v2/best.pt") is None and _named_file_problem("report/x.json") is None
    assert (_named_file_problem("highlights/pipeline/kinematic.py")
            == "no highlights/pipeline/kinematic.py in the repository")
    assert _named_file_problem("madefolders.py") == "no file madefolders.py in the repository"
    assert _module_name_problem("highlights.pipeline.run.run_pipeline") is None
    assert (_module_name_problem("highlights.pipeline.run.run_pipelines")
            == "highlights.pipeline.run has no run_pipelines")
    assert _module_name_problem("highlights.pipeline.nothing") == "highlights.pipeline has no nothing"
    assert _module_name_problem("highlights.edl") is None
