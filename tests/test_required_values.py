"""A required argument or option left out is refused in click's one line, whatever click's version:
from click 8.3, typer's None default passed as a given value and the command ran on without it
(`highlights detect game.mp4` with no --out ended in a TypeError)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
import typer.main

from highlights.cli.app import app


def _required_params() -> list[tuple[str, click.Parameter, click.Command]]:
    found = []

    def walk(command: click.Command, path: str) -> None:
        found.extend((path, p, command) for p in command.params if p.required)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "highlights")
    return found


REQUIRED = _required_params()


def test_the_commands_have_required_parameters_to_check():
    names = {f"{path} {param.name}" for path, param, _ in REQUIRED}
    assert {"highlights detect out", "highlights synth game minutes", "highlights dataset create src",
            "highlights train out"} <= names


@pytest.mark.parametrize("path, param, command", REQUIRED,
                         ids=[f"{path} {param.name}" for path, param, _ in REQUIRED])
def test_every_required_parameter_left_out_is_missing(path, param, command):
    ctx = click.Context(command, info_name=path)
    with pytest.raises(click.MissingParameter):
        param.process_value(ctx, None)


def test_detect_without_out_says_so_in_one_line(tmp_path):
    video = tmp_path / "game.mp4"
    video.write_bytes(b"\x00" * 100)
    done = subprocess.run([sys.executable, "-m", "highlights", "detect", str(video)],
                          capture_output=True, text=True, timeout=300)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 1 and "Traceback" not in said, said
    assert said == "error: highlights detect: Missing option '--out'. (see highlights detect --help)"
