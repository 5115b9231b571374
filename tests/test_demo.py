"""The main job at its smallest size, end to end, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.demo import SIZES, DemoError, DemoInterrupted, plan, run_demo
from highlights.model.cpu_features import this_cpu

pytestmark = pytest.mark.slow


def test_tiny_demo_runs_every_step_and_a_second_run_reuses_them(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--size", "tiny"])
    assert result.exit_code == 0, result.output

    markers = sorted(p.stem for p in (out / ".steps").glob("*.done"))
    assert markers == sorted(["synth-v1", "dataset-v1", "synth-v2", "dataset-v2", "dataset-diff", "train",
                              "evaluate", "evaluate-pose", "synth-game", "detect", "pipeline-evaluate",
                              "pipeline-evaluate-pose", "ablate"])

    v1 = json.loads((out / "datasets" / "v1" / "dataset_meta.json").read_text())
    v2 = json.loads((out / "datasets" / "v2" / "dataset_meta.json").read_text())
    assert v2["parent"] == "v1"
    assert v2["counts"]["total"] > v1["counts"]["total"]
    assert v2["counts"]["per_class"]["none"]["total"] > v1["counts"]["per_class"]["none"]["total"]

    report = json.loads((out / "report" / "video_scorer_testreport.json").read_text())
    assert 0.0 <= report["accuracy"] <= 1.0
    assert "accepted" in report["meta"]["int8"]
    # bf16 is scored beside fp32 only where the CPU has it natively (emulated, it is far slower).
    assert ("bf16" in report["meta"]) == this_cpu().native_bf16
    assert (out / "report" / "video_scorer_testreport_confusion.png").stat().st_size > 0
    assert (out / "report" / "video_scorer_testreport_reliability.png").stat().st_size > 0
    assert report["confidence"]["calibration"]["n"] == report["num_clips"]
    pose_eval = json.loads((out / "pipeline-eval-pose" / "pipeline_eval.json").read_text())
    assert pose_eval["config"]["classifier"]["backend"] == "pose"
    pose_report = json.loads((out / "report-pose" / "video_scorer_testreport.json").read_text())
    assert pose_report["num_clips"] == 16   # every v1 clip, scored by the packaged pose model
    highlights = json.loads((out / "highlights" / "highlights.json").read_text())
    assert "highlights" in highlights
    assert (out / "highlights" / "highlights.html").exists()
    pipeline_eval = json.loads((out / "pipeline-eval" / "pipeline_eval.json").read_text())
    assert 0.0 <= pipeline_eval["average_map"]["tight"]["average_map"] <= 1.0
    assert "Average-mAP" in result.output  # printed beside recall and precision
    assert (out / "highlights" / "results_spotting.json").exists()
    assert (out / "ablation" / "ablation.json").exists()
    for picture in (out / "pipeline-eval" / "pipeline_eval_timeline.png", out / "ablation" / "ablation.png"):
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture.name in "".join(result.output.split())  # listed among the files written
    assert "synthetic" in result.output
    # Its game holds several sports by design: where its annotation says so (the tiny game may
    # hold a single event), pipeline evaluate gives no --sport advice.
    from highlights.events.formats import load_annotation
    from highlights.pipeline.sport_filter import sport_of

    annotated = {sport_of(e.label) for e in load_annotation(out / "game" / "game.json").events}
    advised = "keeps every label to that sport" in " ".join(result.output.split())
    assert not advised or len(annotated) < 2

    # A second run reuses every finished step and runs nothing.
    calls: list[list[str]] = []
    run_demo(out, size="tiny", run_cli=lambda argv: calls.append(argv) or 0)
    assert calls == []


@pytest.mark.parametrize("native_bf16", [True, False])
def test_the_evaluate_step_scores_bf16_only_on_a_cpu_with_native_bf16(tmp_path, native_bf16):
    steps, _ = plan(tmp_path, SIZES["tiny"], native_bf16=native_bf16)
    evaluate = next(step for step in steps if step.key == "evaluate")
    assert "--int8" in evaluate.argv
    assert ("--bf16" in evaluate.argv) == native_bf16
    assert ("bf16" in evaluate.title) == native_bf16


def test_fresh_refuses_to_delete_a_folder_that_is_not_a_demo(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(DemoError, match="not a demo folder"):
        run_demo(precious, size="tiny", fresh=True, run_cli=lambda argv: 0)
    assert (precious / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_out_that_cannot_be_a_folder_is_named_as_out_before_any_step(tmp_path, where):
    """A file in the way was reported as `OUT/.steps: Not a directory`, and a place nothing can be
    made in (/proc here; a read-only working folder for the default --out) as `OUT: No such file or
    directory`."""
    from highlights.atomic import OutputPathError

    if where == "file":
        (tmp_path / "taken").write_text("mine")
        out, said = tmp_path / "taken" / "demo", f"{tmp_path / 'taken'}: is a file"
    else:
        out, said = Path("/proc/highlights-demo"), "/proc/highlights-demo: cannot be written"
    ran = []
    with pytest.raises(OutputPathError) as e:
        run_demo(out, size="tiny", run_cli=lambda argv: ran.append(argv) or 0, out_name="--out")
    assert str(e.value).startswith(said) and "\n" not in str(e.value)
    assert not ran


def test_a_failing_step_names_its_command_and_is_not_marked_done(tmp_path):
    out = tmp_path / "demo"
    with pytest.raises(DemoError, match=r"step 1 \(synth-v1\) failed .*highlights synth clips"):
        run_demo(out, size="tiny", run_cli=lambda argv: 3)
    assert not list((out / ".steps").glob("*.done"))


def test_a_step_stopped_by_ctrl_c_says_how_to_go_on_and_exits_130(tmp_path, monkeypatch):
    # A step stopped by Ctrl-C exits 130 (train says so and how to resume its own command line);
    # the demo said "error: step 6 (train) failed with exit code 130" and exited 1, where rerunning
    # the demo is what goes on.
    import highlights.cli.demo as demo_cli

    out = tmp_path / "demo"
    with pytest.raises(DemoInterrupted, match=rf"interrupted at step 1 \(synth-v1\); `highlights demo --out {out} "
                                              r"--size tiny` goes on from there"):
        run_demo(out, size="tiny", run_cli=lambda argv: 130)
    assert not list((out / ".steps").glob("*.done"))

    steps_run = []
    monkeypatch.setattr(demo_cli, "_run_in_process",
                        lambda root, argv: steps_run.append(argv) or (130 if len(steps_run) == 2 else 0))
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--size", "tiny"])
    assert result.exit_code == 130, result.output
    assert "interrupted at step 2 (dataset-v1)" in result.output and "error:" not in result.output
    assert [p.name for p in (out / ".steps").glob("*.done")] == ["synth-v1.done"]


def test_the_steps_that_run_the_trained_checkpoint_load_it_once_between_them(tmp_path, monkeypatch):
    """detect, pipeline evaluate and the ablation loaded the checkpoint once each: where the machine
    is busy each load timed the inference paths again and could take another path."""
    import highlights.cli.demo as demo_cli
    from highlights.model.classifier import ClipClassifier
    from highlights.model.process_cache import classifier_for, loaded_count

    class Loaded:
        closed = False

        def close(self):
            self.closed = True

    loads: list[Loaded] = []

    def load(cls, path, **options):
        loads.append(Loaded())
        return loads[-1]

    def step(root, argv):
        if "--checkpoint" in argv and argv[0] in ("detect", "pipeline"):
            checkpoint = Path(argv[argv.index("--checkpoint") + 1])
            if not checkpoint.exists():  # written by the train step, which this test skips
                checkpoint.parent.mkdir(parents=True, exist_ok=True)
                checkpoint.write_bytes(b"weights")
            classifier_for(checkpoint)
        return 0

    monkeypatch.setattr(ClipClassifier, "from_checkpoint", classmethod(load))
    monkeypatch.setattr(demo_cli, "_run_in_process", step)
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--size", "tiny"])
    assert result.exit_code == 0, result.output
    assert len(loads) == 1 and loads[0].closed  # one load for the three steps, let go at the demo's end
    assert loaded_count() == 0


def test_headings_longer_than_the_console_are_printed_whole(tmp_path):
    import io

    from rich.console import Console

    out = tmp_path / ("a-folder-name-long-enough-to-pass-the-width-of-a-terminal-" * 2) / "demo"
    console = Console(file=io.StringIO(), width=80, markup=False, highlight=False)
    with pytest.raises(DemoError):
        run_demo(out, size="tiny", run_cli=lambda argv: 3, console=console)
    printed = console.file.getvalue()
    assert "…" not in printed
    # A long heading keeps its rule, on its own line above it; a short one has its title in the rule.
    assert f"highlights demo (tiny size) -> {out}" in printed.replace("\n", "")  # wrapped, not cut
    first = plan(out, SIZES["tiny"])[0][0]
    assert f" [1/{len(plan(out, SIZES['tiny'])[0])}] {first.title} " in printed


def test_the_tiny_demo_says_before_detect_and_at_its_end_why_it_finds_little(tmp_path):
    import io

    from rich.console import Console

    def printed(size: str) -> str:
        console = Console(file=io.StringIO(), width=400, markup=False, highlight=False)
        run_demo(tmp_path / size, size=size, run_cli=lambda argv: 0, console=console)
        return console.file.getvalue()

    tiny = printed("tiny")
    before_detect = tiny[: tiny.index("$ highlights detect")]
    assert before_detect.count("no better than chance") == 1 and "--size default" in before_detect
    assert tiny.rstrip().splitlines()[-2].startswith("tiny size: its classifier is trained for 1 epoch")
    assert "no better than chance" not in printed("default")


def test_the_time_table_says_its_totals_add_the_unrounded_seconds_and_names_no_column_it_lacks():
    """Three steps of 0.4 s print as 0 each and total 1: the title says why, and it names no load
    column, which the table does not have (the line after it gives the load)."""
    import io

    from rich.console import Console

    from highlights.demo import StepTime, _print_times

    console = Console(width=120, file=io.StringIO(), record=True)
    _print_times(console, [StepTime(k, 0.4, 0.4) for k in ("a", "b", "c")], 1.2)
    text = console.export_text()
    title = " ".join(text.split("┏")[0].split())
    assert "the total adds the unrounded seconds" in title and "load" not in title
    total = next(line for line in text.splitlines() if "total" in line and "│" in line)
    assert [cell.strip() for cell in total.split("│")[1:-1]] == ["total", "1", "1"]
    assert "Total 1 s wall on" in text and "load average now" in text


def test_a_step_failing_through_the_command_line_is_said_in_one_line_naming_the_step(tmp_path):
    # The step's own refusal and the demo's "step failed" were two error lines; now one says both.
    import subprocess
    import sys

    out = tmp_path / "demo"
    (out / ".steps").mkdir(parents=True)
    (out / "footage").mkdir()
    (out / "footage" / "clips-v1").write_text("a file where the step's folder goes")
    run = subprocess.run([sys.executable, "-m", "highlights", "demo", "--size", "tiny", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert errors == [f"error: step 1 (synth-v1): {out / 'footage' / 'clips-v1'}: is a file; "
                      "--out names the folder the outputs go into"], run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_the_demos_last_line_points_at_commands_an_installed_package_has(tmp_path):
    """A user who installed the package with pip has no README: the closing line names commands,
    and each `highlights ...` it names runs (its --help)."""
    import io
    import re

    from rich.console import Console

    console = Console(file=io.StringIO(), width=400, markup=False, highlight=False)
    run_demo(tmp_path / "demo", size="tiny", run_cli=lambda argv: 0, console=console)
    last = console.file.getvalue().rstrip().splitlines()[-1]
    assert "README" not in last
    named = re.findall(r"`highlights ([^`]*)`", last)
    assert named
    for command in named:
        name = command.split()[0]  # the command; what follows is its arguments
        result = CliRunner().invoke(app, [*([] if name.startswith("-") else [name]), "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_the_files_written_stand_in_one_column_after_their_names(tmp_path):
    """"pipeline evaluation, pose classifier" is longer than the names' column was: its path stood
    a space after it, out of line with every other."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=400, markup=False, highlight=False)
    outputs = run_demo(tmp_path / "demo", size="tiny", run_cli=lambda argv: 0, console=console)
    lines = console.file.getvalue().splitlines()
    first = lines.index("Files written (nothing is opened for you):") + 1
    listed = lines[first:first + len(outputs)]
    starts = {line.index(str(path)) for line, path in zip(listed, outputs.values())}
    assert len(starts) == 1
    (start,) = starts
    assert all(line[:start].rstrip() == f"  {name}" for line, name in zip(listed, outputs))


def test_the_pose_step_scores_the_synthetic_game_with_the_packaged_calibration_it_names(tmp_path):
    from highlights.pipeline.config import PipelineConfig, parse_assignments
    from highlights.pipeline.ranking import calibration_source

    steps, _ = plan(tmp_path, SIZES["tiny"], native_bf16=False)
    pose = next(step for step in steps if step.key == "pipeline-evaluate-pose")
    sets = [pose.argv[i + 1] for i, arg in enumerate(pose.argv) if arg == "--set"]
    assert "merge.score_calibration=default" in sets  # printed with the command
    assert calibration_source(PipelineConfig().with_overrides(parse_assignments(sets)))[0] == "default"
    assert calibration_source(PipelineConfig())[0] == "none"
