"""A message about an output path names it as the caller gave it: `--out` from the command line,
the function's parameter from Python (`detect`'s own case is in test_detect_folder_lock.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.atomic import OutputPathError, check_writable_file, check_writable_folder
from highlights.cli.app import app
from highlights.datasets.lock import exclusive_lock
from highlights.train import TrainConfig, fit, load_saved_config
from highlights.train.errors import RunFolderError
from highlights.train.loop import RUN_LOCK_NAME
from tests.dataset_fixtures import version_folder_only


def _errors(output: str) -> list[str]:
    return " ".join(output.split()).split("error: ")[1:]


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "taken"
    path.write_text("not a folder")
    return path


def test_the_writable_checks_name_the_option_only_when_given_one(a_file, tmp_path):
    with pytest.raises(OutputPathError) as folder:
        check_writable_folder(a_file)
    assert str(folder.value) == f"{a_file}: is a file, where the folder the outputs go into is to be"
    with pytest.raises(OutputPathError) as option:
        check_writable_folder(a_file, out_name="--out")
    assert str(option.value) == f"{a_file}: is a file; --out names the folder the outputs go into"
    with pytest.raises(OutputPathError) as file:
        check_writable_file(tmp_path)
    assert str(file.value) == f"{tmp_path}: is a folder, where a file is to be written"
    with pytest.raises(OutputPathError) as option:
        check_writable_file(tmp_path, out_name="--out")
    assert str(option.value) == f"{tmp_path}: is a folder; --out names the file to write"


def test_a_batch_into_a_file_names_out_root_from_python_and_out_from_the_command(a_file, tmp_path):
    from highlights.batch import BatchError, collect_games, run_batch
    from highlights.pipeline.config import PipelineConfig

    videos = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    for video in videos:
        video.write_bytes(b"x")
    with pytest.raises(BatchError) as python:
        run_batch(collect_games(videos), a_file, PipelineConfig(), workers=1, progress=False, log=lambda m: None)
    assert str(python.value) == f"{a_file}: out_root must be a folder for a batch, and this is a file"
    res = CliRunner().invoke(app, ["detect", *map(str, videos), "--out", str(a_file), "--no-progress"])
    assert res.exit_code == 1
    assert _errors(res.output) == [f"{a_file}: --out must be a folder for a batch, and this is a file"]


def _config(out_dir: Path) -> TrainConfig:
    # fit refuses these before it reads the dataset, so none is needed.
    return TrainConfig(root="no-datasets", version="v1", out_dir=str(out_dir), epochs=1)


def test_a_training_run_folder_is_named_out_dir_from_python_and_out_from_the_command(a_file, tmp_path):
    with pytest.raises(RunFolderError) as is_file:
        fit(_config(a_file), show_progress=False)
    assert str(is_file.value) == (f"{a_file}: is a file, not a folder (out_dir is the folder a run keeps its "
                                  "checkpoints in)")
    root = str(version_folder_only(tmp_path))  # a version is there: what is refused is the --out
    res = CliRunner().invoke(app, ["train", "--root", root, "--version", "v1", "--out", str(a_file),
                                   "--no-progress"])
    assert res.exit_code == 1
    assert _errors(res.output) == [f"{a_file}: is a file, not a folder (--out is the folder a run keeps its "
                                   "checkpoints in)"]

    with pytest.raises(RunFolderError) as resumed:
        load_saved_config(a_file)
    assert str(resumed.value) == f"{a_file}: a file; out_dir is the run's folder ({a_file.parent})"

    run = tmp_path / "run"
    run.mkdir()
    held = run / RUN_LOCK_NAME
    with exclusive_lock(held, wait=False, busy=RuntimeError, failed=RuntimeError):  # another run's, as it were
        with pytest.raises(RunFolderError) as busy:
            fit(_config(run), show_progress=False)
        assert str(busy.value) == (f"another training is running in {run} (pid {os.getpid()}); wait for it to "
                                   "finish, or pick another out_dir")
        res = CliRunner().invoke(app, ["train", "--root", root, "--version", "v1", "--out", str(run),
                                       "--no-progress"])
        assert res.exit_code == 1
        assert _errors(res.output) == [f"another training is running in {run} (pid {os.getpid()}); wait for it "
                                       "to finish, or pick another --out"]


def test_a_demo_into_another_folder_names_out_from_python_and_the_command(tmp_path):
    from highlights.demo import DemoError, run_demo

    taken = tmp_path / "photos"
    taken.mkdir()
    (taken / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(DemoError) as python:
        run_demo(taken, size="tiny", run_cli=lambda argv: 0)
    assert str(python.value) == f"{taken}: exists and is not a demo folder; choose another out"
    res = CliRunner().invoke(app, ["demo", "--out", str(taken), "--size", "tiny"])
    assert res.exit_code == 1
    assert _errors(res.output) == [f"{taken}: exists and is not a demo folder; choose another --out"]


def test_a_video_whose_place_a_folder_holds_is_named_not_its_temp_file(tmp_path):
    import numpy as np

    from highlights.video.writer import write_video

    taken = tmp_path / "game.mp4"
    taken.mkdir()
    with pytest.raises(OutputPathError, match=f"^{taken}: is a folder, where a file is to be written$"):
        write_video(taken, [np.zeros((16, 16, 3), np.uint8)] * 2, fps=10)
    assert [p.name for p in tmp_path.iterdir()] == ["game.mp4"] and not any(taken.iterdir())
