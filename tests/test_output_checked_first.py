"""An output that cannot be written is said at once, in one line naming it, not after a long run."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.atomic import OutputPathError, check_writable
from highlights.cli.app import app
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

# Nothing can be made inside /proc, for root or anyone else: an output place no permission change
# can mend, on every Linux machine.
UNWRITABLE = Path("/proc/highlights-out")
needs_proc = pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")


@needs_proc
def test_an_unwritable_place_is_one_line_naming_it():
    with pytest.raises(OutputPathError) as info:
        check_writable(UNWRITABLE / "report")
    message = str(info.value)
    assert message.startswith(f"{UNWRITABLE / 'report'}: cannot be written") and "/proc" in message
    assert "\n" not in message


def test_a_writable_place_is_accepted_and_nothing_is_left_behind(tmp_path):
    check_writable(tmp_path / "a" / "b" / "out")
    (tmp_path / "c").mkdir()
    check_writable(tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"] and not any((tmp_path / "c").iterdir())
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputPathError, match="is a file"):
        check_writable(tmp_path / "file" / "out")


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("game"), duration_s=8.0, events=DEFAULT_EVENTS[:1])


GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


@needs_proc
@pytest.mark.parametrize("command, target", [
    ("detect", "highlights.pipeline.detect.run_pipeline"),
    ("evaluate", "highlights.pipeline.eval_report.evaluate_video"),
    ("ablate", "highlights.pipeline.ablation.run_ablation"),
    ("calibrate", "highlights.pipeline.calibrate.calibrate_on_game"),
    ("evaluate --clips", "highlights.cli.evaluate._run"),
])
def test_each_long_command_refuses_an_unwritable_out_before_it_runs(command, target, game, tmp_path, monkeypatch):
    def ran(*args, **kwargs):
        raise AssertionError(f"{command} ran before its --out was checked")

    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(module, fromlist=[name]), name, ran)
    video, annotation = str(game), str(game.with_suffix(".json"))
    out = str(UNWRITABLE / "out")
    args = {
        "detect": ["detect", video, "--out", out, *GT, "--no-progress"],
        "evaluate": ["pipeline", "evaluate", "--video", video, "--annotations", annotation, "--out", out, *GT],
        "ablate": ["pipeline", "ablate", "--video", video, "--annotations", annotation, "--out", out,
                   "--change", "classifier.enabled=false", *GT],
        "calibrate": ["pipeline", "calibrate", "--video", video, "--annotations", annotation, "--out", out + ".json",
                      *GT],
        "evaluate --clips": ["evaluate", "--clips", str(tmp_path), "--out", out],
    }[command]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{UNWRITABLE}" in lines[0] and "cannot be written" in lines[0], res.output


@pytest.mark.parametrize("command, target", [
    ("evaluate", "highlights.pipeline.eval_report.evaluate_video"),
    ("ablate", "highlights.pipeline.ablation.run_ablation"),
    ("calibrate", "highlights.pipeline.calibrate.calibrate_on_game"),
    ("evaluate --clips", "highlights.cli.evaluate._run"),
])
def test_an_out_of_the_wrong_kind_is_refused_before_the_run(command, target, game, tmp_path, monkeypatch):
    """A file given where the command writes a folder (or a folder where it writes one file) is
    said at once, not after the run has been paid for."""
    def ran(*args, **kwargs):
        raise AssertionError(f"{command} ran before its --out was checked")

    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(module, fromlist=[name]), name, ran)
    video, annotation = str(game), str(game.with_suffix(".json"))
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    a_folder = tmp_path / "folder"
    a_folder.mkdir()
    out = str(a_folder if command == "calibrate" else a_file)
    args = {
        "evaluate": ["pipeline", "evaluate", "--video", video, "--annotations", annotation, "--out", out, *GT],
        "ablate": ["pipeline", "ablate", "--video", video, "--annotations", annotation, "--out", out,
                   "--change", "classifier.enabled=false", *GT],
        "calibrate": ["pipeline", "calibrate", "--video", video, "--annotations", annotation, "--out", out, *GT],
        "evaluate --clips": ["evaluate", "--clips", str(tmp_path), "--out", out],
    }[command]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    kind = "is a folder" if command == "calibrate" else "is a file"
    assert len(lines) == 1 and lines[0].startswith(f"error: {out}: {kind}"), res.output


@needs_proc
@pytest.mark.parametrize("model, target", [
    ("pose", "highlights.pose_classifier.train.train_pose_classifier"),
    ("r2plus1d", "highlights.train.fit"),
])
def test_train_refuses_an_unwritable_out_before_it_trains(model, target, tmp_path, monkeypatch):
    def ran(*args, **kwargs):
        raise AssertionError(f"train --model {model} ran before its --out was checked")

    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(module, fromlist=[name]), name, ran)
    out = UNWRITABLE / "run"
    args = ["train", "--model", model, "--out", str(out), "--no-progress"]
    if model == "r2plus1d":
        from tests.dataset_fixtures import version_folder_only

        args += ["--root", str(version_folder_only(tmp_path)), "--version", "v1"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {out}: cannot be written"), res.output


@needs_proc
def test_a_file_that_cannot_be_made_is_named_not_its_temporary_twin(tmp_path):
    """Every file is written to a temporary name beside it first; when nothing can be made there,
    the error names the file asked for (`augment preview --out`), not the temporary name."""
    from highlights.atomic import atomic_write_text
    from tests.dataset_fixtures import write_clip

    with pytest.raises(OutputPathError) as info:
        atomic_write_text(UNWRITABLE / "notes.txt", "x")
    assert str(info.value).startswith(f"{UNWRITABLE / 'notes.txt'}: cannot be written")
    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    res = CliRunner().invoke(app, ["augment", "preview", str(clip), "--out", str(UNWRITABLE / "grid.png")])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {UNWRITABLE / 'grid.png'}: cannot be written"), res.output
