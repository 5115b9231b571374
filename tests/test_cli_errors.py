"""Every command, given a missing file, a corrupt file or a flag value it cannot use, prints one
`error: ...` line naming the problem and exits with status 1: no traceback, no usage box."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.video import write_video


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A folder of inputs: good ones where a command needs one, and the broken ones."""
    root = tmp_path_factory.mktemp("cli-errors")
    rng = np.random.default_rng(0)
    video = write_video(root / "clip.mp4", (rng.integers(0, 255, (48, 64, 3), dtype=np.uint8) for _ in range(6)), 10.0)
    (root / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 8)
    (root / "corrupt.json").write_text('{"labels": [', encoding="utf-8")
    (root / "corrupt.pt").write_bytes(b"PK\x03\x04 not a checkpoint")
    (root / "wrong-shape.json").write_text(json.dumps({"labels": ["a", "b"], "matrix": [[1, 2, 3]]}))
    # A dataset root whose version v1 has an unreadable description.
    (root / "datasets" / "v1").mkdir(parents=True)
    (root / "datasets" / "v1" / "dataset_meta.json").write_text("{not json", encoding="utf-8")
    # A class folder holding one clip that is not a video.
    (root / "clips" / "none").mkdir(parents=True)
    (root / "clips" / "none" / "a.mp4").write_bytes(b"not a video")
    (root / "not-a-demo").mkdir()
    (root / "not-a-demo" / "keep.txt").write_text("mine")
    return {"root": root, "video": video}


MISSING, CORRUPT, WRONG = "missing file", "corrupt file", "wrong flag value"

# (command line, what is wrong, text the one line must contain). {r} is the inputs folder, {v} a good video.
CASES: list[tuple[str, str, str]] = [
    ("dataset create {r}/nowhere --root {r}/new", MISSING, "nowhere"),
    ("dataset create {r}/clips --root {r}/new", CORRUPT, "a.mp4"),
    ("dataset create {r}/clips --root {r}/new --split 0.5,abc", WRONG, "0.5,abc"),
    ("dataset grow {r}/clips --root {r}/empty --parent v1", MISSING, "v1"),
    ("dataset grow {r}/clips --root {r}/datasets --parent v1", CORRUPT, "dataset_meta.json"),
    ("dataset show v7 --root {r}/datasets", MISSING, "v7"),
    ("dataset show v1 --root {r}/datasets", CORRUPT, "dataset_meta.json"),
    ("dataset show v1 --root {v}", WRONG, "clip.mp4: not a folder (--root is the folder holding"),
    ("train --root {v} --version v1 --out {r}/run", WRONG, "clip.mp4: not a folder (--root is"),
    ("dataset diff v1 v2 --root {r}/datasets", CORRUPT, "dataset_meta.json"),
    ("dataset list --root {r}/datasets", CORRUPT, "dataset_meta.json"),
    ("augment preview {r}/nope.mp4 --out {r}/p.png", MISSING, "nope.mp4"),
    ("augment preview {r}/corrupt.mp4 --out {r}/p.png", CORRUPT, "corrupt.mp4"),
    ("augment preview {v} --out {r}/p.png --variants 0", WRONG, "--variants"),
    ("synth clips --out {r}/s --per-class 1 --classes curling", WRONG, "curling"),
    ("synth clips --out {r}/s --per-class 1 --size 12xtall", WRONG, "12xtall"),
    ("synth game --out {r}/g --minutes 0.1 --sport curling", WRONG, "curling"),
    ("report show {r}/nope.json", MISSING, "nope.json"),
    ("report show {r}/corrupt.json", CORRUPT, "corrupt.json"),
    ("report compare {r}/corrupt.json {r}/nope.json", CORRUPT, "corrupt.json"),
    ("report from-confusion {r}/nope.json", MISSING, "nope.json"),
    ("report from-confusion {r}/wrong-shape.json", CORRUPT, "wrong-shape.json"),
    ("train --root {r}/empty --version v1 --out {r}/run", MISSING, "v1"),
    ("train --root {r}/datasets --version v1 --out {r}/run", CORRUPT, "dataset_meta.json"),
    ("train --root {r}/datasets --version v1 --out {r}/run --balance sometimes", WRONG, "sometimes"),
    ("train --root {r}/datasets --version v1 --out {r}/run --epochs 0", WRONG, "epochs"),
    ("train --model pose --rendered-games 1 --render-dir {v} --out {r}/run", WRONG,
     "clip.mp4: is a file; --render-dir names the folder"),
    ("train --model pose --clips {r}/clips --pose-cache {v} --out {r}/run", WRONG,
     "clip.mp4: is a file; --pose-cache names the folder"),
    ("evaluate {r}/nope.pt --root {r}/datasets --version v1 --out {r}/e", MISSING, "nope.pt"),
    ("evaluate {r}/corrupt.pt --root {r}/datasets --version v1 --out {r}/e", CORRUPT, "corrupt.pt"),
    ("evaluate {r}/nope.pt --root {r}/datasets --version v1 --out {r}/e --batch-size x", WRONG, "--batch-size"),
    ("detect {r}/nope.mp4 --out {r}/d", MISSING, "nope.mp4"),
    ("detect {v} --checkpoint {r}/nope.pt --out {r}/d", MISSING, "nope.pt"),
    ("detect {r}/corrupt.mp4 --out {r}/d", CORRUPT, "corrupt.mp4"),
    ("detect {v} --checkpoint {r}/corrupt.pt --out {r}/d", CORRUPT, "corrupt.pt"),
    ("detect {v} --config {r}/corrupt.json --out {r}/d", CORRUPT, "corrupt.json"),
    ("detect {v} --out {r}/d --set classifier=maybe", WRONG, "maybe"),
    ("detect {v} --out {r}/d --set no_such_flag=1", WRONG, "no_such_flag"),
    ("pipeline evaluate --video {v} --annotations {r}/nope.json --out {r}/pe", MISSING, "nope.json"),
    ("pipeline evaluate --video {v} --annotations {r}/corrupt.json --out {r}/pe", CORRUPT, "corrupt.json"),
    ("pipeline evaluate --video {v} --annotations {r}/nope.json --out {r}/pe --set analysis_fps=fast", WRONG,
     "fast"),
    ("pipeline ablate --video {v} --annotations {r}/nope.json --out {r}/pa --change classifier.enabled=false", MISSING,
     "nope.json"),
    ("pipeline ablate --video {v} --annotations {r}/corrupt.json --out {r}/pa --change "
     "classifier.enabled=false", CORRUPT,
     "corrupt.json"),
    ("pipeline score --predictions {r}/corrupt.json --annotations {r}/nope.json --out {r}/ps", MISSING,
     "nope.json"),
    ("pipeline score --predictions {r}/nope.json --annotations {r}/corrupt.json --out {r}/ps", CORRUPT,
     "corrupt.json"),
    ("pipeline score --predictions {r}/corrupt.json --annotations {r}/nope.json --out {r}/ps --half 3", WRONG,
     "--half"),
    ("pipeline calibrate --video {v} --annotations {r}/nope.json --out {r}/cal.json", MISSING, "nope.json"),
    ("pipeline calibrate --video {v} --annotations {r}/corrupt.json --out {r}/cal.json", CORRUPT, "corrupt.json"),
    ("pipeline calibrate --video {v} --annotations {r}/nope.json --out {r}/cal.json --tolerance soon", WRONG,
     "soon"),
    ("pipeline config --config {r}/nope.json", MISSING, "nope.json"),
    ("pipeline config --config {r}/corrupt.json", CORRUPT, "corrupt.json"),
    ("pipeline config --set merge=sometimes", WRONG, "sometimes"),
    ("demo --out {r}/not-a-demo --fresh", CORRUPT, "not-a-demo"),
    ("demo --out {r}/demo --size huge", WRONG, "huge"),
]


@pytest.mark.parametrize("line,kind,names", CASES, ids=[f"{c[0].split(' {')[0]} ({c[1]})" for c in CASES])
def test_a_bad_input_is_one_line_and_exit_status_1(files, line, kind, names):
    argv = line.format(r=files["root"], v=files["video"]).split()
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, (kind, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    errors = [i for i, text in enumerate(lines) if text.startswith("error: ")]
    assert len(errors) == 1, result.stderr  # a progress bar may come before it
    message, notes = lines[errors[0]], lines[errors[0] + 1:]
    assert names in message, message
    assert all(note.startswith("(") for note in notes), notes  # a flag hint may follow it
    assert "Traceback" not in result.output and "Usage:" not in result.output


def test_the_installed_entry_points_report_once_and_debug_re_raises(files):
    argv = ["report", "show", str(files["root"] / "nope.json")]
    env = {k: v for k, v in os.environ.items() if k != "HIGHLIGHTS_DEBUG"}
    plain = subprocess.run([sys.executable, "-m", "highlights", *argv], capture_output=True, text=True, env=env)
    assert plain.returncode == 1
    assert plain.stderr.strip() == f"error: {files['root'] / 'nope.json'}: no such file"
    debug = subprocess.run([sys.executable, "-m", "highlights", *argv], capture_output=True, text=True,
                           env={**env, "HIGHLIGHTS_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "MissingFileError" in debug.stderr


def test_a_group_without_a_command_prints_its_help():
    result = CliRunner().invoke(app, ["dataset"])
    assert result.exit_code == 0 and "create" in result.output and "Error" not in result.output


def _command_paths(command, path=()):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _command_paths(sub, path + (name,))


def test_no_help_page_shows_a_default_of_none():
    """`[default: None]` told a reader the option is None where its help says what it falls
    back to; a real default is still shown."""
    import typer.main

    shown = {}
    for path in _command_paths(typer.main.get_command(app)):
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        shown[" ".join(path)] = result.output
    with_none = [name for name, text in shown.items() if "[default: None]" in text]
    assert not with_none, with_none
    assert "[default: datasets]" in shown["dataset create"]
    assert "[required]" in shown["detect"]


def test_every_argument_and_option_says_what_it_is():
    from importlib.metadata import version

    import click
    import typer.main
    from packaging.version import Version

    # click 8.5 drops typer's argument help (requirements.txt pins 8.4.2, scripts/setup.sh installs
    # it; test_declared_dependencies keeps 8.5 out of pyproject): an older venv checks options only.
    arguments_lose_help = Version(version("click")) >= Version("8.5")
    unexplained = []
    for path in _command_paths(typer.main.get_command(app)):
        command = typer.main.get_command(app)
        for name in path:
            command = command.commands[name]
        for param in command.params:
            if arguments_lose_help and isinstance(param, click.Argument):
                continue
            if param.name != "help" and not (getattr(param, "help", None) or "").strip():
                unexplained.append(f"{' '.join(path)} {param.opts[0] if param.opts else param.name}")
    assert not unexplained, unexplained


def test_synth_clips_takes_classes_comma_separated_as_dataset_create_does(tmp_path):
    out = tmp_path / "clips"
    result = CliRunner().invoke(app, ["synth", "clips", "--out", str(out), "--per-class", "1", "--classes",
                                      "none,soccer_shooting", "--seconds", "0.5", "--size", "160x90",
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["none", "soccer_shooting"]


def test_the_installed_version_is_one_flag_away():
    from highlights import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"highlights {__version__}\n"
    # The package's version is the distribution's, which pyproject.toml states.
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    assert project["version"] == __version__


def test_an_unknown_option_of_the_root_command_is_one_line_too():
    result = CliRunner().invoke(app, ["--nonsense"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: highlights: No such option '--nonsense'. (see highlights --help)"



def test_a_reader_that_stops_reading_gets_no_error_line():
    """`highlights ... | head`: output into a pipe nobody reads any more (EPIPE) ends the command
    quietly, as other Unix tools do, not with `error: Broken pipe`; other refusals of the system
    still give their one line."""
    import errno

    import typer

    from highlights.cli.boundary import ErrorBoundary

    tiny = typer.Typer(cls=ErrorBoundary)

    @tiny.command()
    def write(code: str) -> None:
        raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)))

    @tiny.command()
    def other() -> None:
        pass

    piped = CliRunner().invoke(tiny, ["write", "EPIPE"])
    assert piped.exit_code == 1
    assert "error" not in piped.output.lower()
    refused = CliRunner().invoke(tiny, ["write", "ENOSPC"])
    assert refused.exit_code == 1
    assert refused.output.strip() == f"error: {os.strerror(errno.ENOSPC)}"


def test_an_end_of_file_no_reader_named_is_a_bug_with_its_traceback_not_aborted():
    """click turns an EOFError into "Aborted." (for a prompt's input closed), which named no file:
    an empty cache file read so ended commands with it and exit status 1."""
    import io

    import typer

    from highlights.cli.boundary import ErrorBoundary

    tiny = typer.Typer(cls=ErrorBoundary)

    @tiny.command()
    def read() -> None:
        np.load(io.BytesIO(b""))  # what an empty cache file gave

    @tiny.command()
    def other() -> None:
        pass

    result = CliRunner().invoke(tiny, ["read"])
    assert "Aborted" not in result.output
    assert isinstance(result.exception, RuntimeError)
    assert "unexpected end of data" in str(result.exception)
    assert isinstance(result.exception.__cause__, EOFError)


HIDDEN_ARGUMENT_COMMANDS = [
    ["evaluate", "{f}", "--clips", "{d}", "--out", "{d}/e"],
    ["bench-paths", "{f}"],
    ["pipeline", "calibrate", "{f}", "--annotations", "{d}", "--out", "{d}/c.json"],
]


@pytest.mark.parametrize("argv", HIDDEN_ARGUMENT_COMMANDS, ids=["evaluate", "bench", "calibrate"])
def test_an_unreadable_hidden_argument_is_named_by_its_option(tmp_path, monkeypatch, argv):
    # The checkpoint (or video) given as the argument `--checkpoint` (`--video`) once was: click
    # names an argument by its metavar, empty for these, and said "Invalid value for ''".
    unreadable = tmp_path / "best.pt"
    unreadable.write_bytes(b"mode 000, as a user other than its owner sees it")
    access = os.access

    def as_another_user(path, mode, *args, **kwargs):
        if Path(path) == unreadable and mode & os.R_OK:
            return False
        return access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", as_another_user)
    result = CliRunner().invoke(app, [a.format(f=unreadable, d=tmp_path) for a in argv])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    command, option = (("pipeline calibrate", "--video") if argv[0] == "pipeline"
                       else (argv[0], "--checkpoint"))
    assert result.stderr.strip().splitlines() == [
        f"error: highlights {command}: Invalid value for '{option}': Path '{unreadable}' is not "
        f"readable. (see highlights {command} --help)"]
