"""Names at the filesystem's limit (255 bytes on most): a name that fits is written, whatever
its temp or staging name would need; one that does not is refused before anything is written,
in one line naming it, not with the system's error naming a temp file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from highlights.atomic import (NameTooLongError, atomic_folder, atomic_write_text, check_writable_folder,
                               name_max, remove_stale_staging)
from highlights.video.writer import write_video


def _longest_name(folder: Path, suffix: str, letter: str = "a") -> str:
    """The longest name of ``letter``s ending in ``suffix`` that ``folder``'s filesystem takes."""
    room = name_max(folder) - len(suffix.encode())
    return letter * (room // len(letter.encode())) + suffix


def _dead_pid() -> str:
    """A pid no process has: a writer that is gone."""
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_a_file_whose_name_just_fits_is_written_and_leaves_no_temp_file(tmp_path: Path) -> None:
    for name in (_longest_name(tmp_path, ".json"), _longest_name(tmp_path, ".json", "é")):
        target = tmp_path / name
        atomic_write_text(target, "first")
        atomic_write_text(target, "second")
        assert target.read_text() == "second"
    assert [len(os.fsencode(p.name)) for p in tmp_path.iterdir()] == [name_max(tmp_path)] * 2


def test_a_video_whose_name_just_fits_is_written(tmp_path: Path) -> None:
    import numpy as np

    target = tmp_path / _longest_name(tmp_path, ".mp4")
    write_video(target, [np.zeros((32, 32, 3), np.uint8)] * 3, fps=10)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_folder_whose_name_just_fits_is_swapped_in_and_its_leftovers_known(tmp_path: Path) -> None:
    target = tmp_path / _longest_name(tmp_path, "")
    for text in ("first", "second"):
        with atomic_folder(target) as stage:
            (stage / "result.json").write_text(text)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert (target / "result.json").read_text() == "second"
    # A staging folder a killed writer of this folder left (cut short as its own are) is its own
    # to remove: a pid no process has.
    dead = _dead_pid()
    with atomic_folder(target) as stage:
        left = stage.with_name(stage.name.replace(f"-{os.getpid()}-", f"-{dead}-"))
        left.mkdir()
    assert remove_stale_staging(target) == [left]


def test_two_long_folder_names_alike_but_for_their_end_have_their_own_staging(tmp_path: Path) -> None:
    # Both names fit, but not with a staging folder's ending: cut short, each keeps its own.
    first = tmp_path / _longest_name(tmp_path, "-part1")
    second = tmp_path / _longest_name(tmp_path, "-part2")
    with atomic_folder(first) as first_stage, atomic_folder(second) as second_stage:
        assert first_stage.name.split(".partial-")[0] != second_stage.name.split(".partial-")[0]
        (first_stage / "result.json").write_text("first")
        (second_stage / "result.json").write_text("second")
    assert (first / "result.json").read_text() == "first" and (second / "result.json").read_text() == "second"
    # What a killed writer of the first left is the first's, not the second's to sweep.
    dead = _dead_pid()
    with atomic_folder(first) as stage:
        left = stage.with_name(stage.name.replace(f"-{os.getpid()}-", f"-{dead}-"))
        left.mkdir()
    assert remove_stale_staging(second) == []
    assert remove_stale_staging(first) == [left]


@pytest.mark.parametrize("where", ["file", "folder on the way"])
def test_a_name_too_long_is_refused_in_one_line_before_anything_is_written(tmp_path: Path, where: str) -> None:
    too_long = "b" * (name_max(tmp_path) + 1)
    target = tmp_path / too_long if where == "file" else tmp_path / too_long / "report.json"
    with pytest.raises(NameTooLongError) as refused:
        atomic_write_text(target, "x")
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{target}: ")
    assert f"{name_max(tmp_path) + 1} bytes long, more than the {name_max(tmp_path)}" in message
    with pytest.raises(NameTooLongError):
        check_writable_folder(target, out_name="--out")
    with pytest.raises(NameTooLongError):
        with atomic_folder(target):
            pass
    assert list(tmp_path.iterdir()) == []


def test_a_synthetic_games_ground_truth_too_long_to_exist_is_a_missing_file(tmp_path: Path) -> None:
    from highlights.errors import MissingFileError
    from highlights.pipeline.context import default_gt_path
    from highlights.pipeline.ground_truth import GroundTruthReader

    # A video whose name fits, but not with `.gt.jsonl` in place of `.mp4`.
    video = tmp_path / _longest_name(tmp_path, ".mp4")
    with pytest.raises(MissingFileError, match="ground-truth file not found"):
        GroundTruthReader(default_gt_path(video))
