"""One spelling in help and README for each input several commands take; the other still works."""

from __future__ import annotations

import click
import typer.main
from typer.testing import CliRunner

from highlights.cli.app import app


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def _shown(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if not getattr(p, "hidden", False)]


def test_every_command_spells_the_checkpoint_and_the_pipeline_video_one_way():
    spelt = {}
    for name, command in _commands(typer.main.get_command(app)):
        for param in _shown(command):
            if param.name in ("checkpoint", "video"):
                spelt[(name, param.name)] = tuple(param.opts)
    assert spelt[("evaluate", "checkpoint")] == ("--checkpoint",)
    assert spelt[("bench-paths", "checkpoint")] == ("--checkpoint",)
    assert {opts for (_, kind), opts in spelt.items() if kind == "checkpoint"} == {("--checkpoint",)}
    for name in ("pipeline evaluate", "pipeline calibrate", "pipeline ablate"):
        assert spelt[(name, "video")] == ("--video",)


def test_usage_lines_show_no_hidden_spelling():
    for args in (["evaluate", "--help"], ["bench-paths", "--help"], ["pipeline", "evaluate", "--help"]):
        usage = next(line for line in CliRunner().invoke(app, args).output.splitlines() if "Usage:" in line)
        assert usage.split() == ["Usage:", "highlights", *args[:-1], "[OPTIONS]"]


def test_the_pipeline_commands_help_says_their_video_is_required():
    # Optional to click, as the video may come as the hidden argument, but needed all the same.
    for name in ("evaluate", "calibrate", "ablate"):
        shown = CliRunner().invoke(app, ["pipeline", name, "--help"], terminal_width=200).output
        (line,) = [line for line in shown.splitlines() if line.strip().startswith("--video PATH")]
        assert line.rstrip().endswith("[required]"), line
    missing = CliRunner().invoke(app, ["pipeline", "evaluate", "--annotations", "a.json", "--out", "o"])
    assert missing.exit_code == 1 and missing.output == "error: give the game video: --video PATH\n"


def test_the_earlier_spellings_do_what_the_shown_ones_do(tmp_path):
    missing = tmp_path / "gone.pt"
    clips = ["--clips", str(tmp_path), "--out", str(tmp_path / "o")]
    as_option = CliRunner().invoke(app, ["evaluate", "--checkpoint", str(missing), *clips])
    as_argument = CliRunner().invoke(app, ["evaluate", str(missing), *clips])
    assert as_option.exit_code == as_argument.exit_code == 1
    assert as_option.output == as_argument.output == f"error: {missing}: no such file\n"

    video = tmp_path / "gone.mp4"
    rest = ["--annotations", str(tmp_path / "game.json"), "--out", str(tmp_path / "e")]
    as_option = CliRunner().invoke(app, ["pipeline", "evaluate", "--video", str(video), *rest])
    as_argument = CliRunner().invoke(app, ["pipeline", "evaluate", str(video), *rest])
    assert as_option.exit_code == as_argument.exit_code == 1 and as_option.output == as_argument.output


def test_both_spellings_with_two_different_values_are_refused_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "a.pt"), "--checkpoint", str(tmp_path / "b.pt"),
                                      "--clips", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "give it once" in result.output
    missing = CliRunner().invoke(
        app, ["pipeline", "ablate", "--annotations", "a.json", "--out", "o", "--change", "x=1"])
    assert missing.exit_code == 1 and missing.output == "error: give the game video: --video PATH\n"
