"""docs/batch.md names the file endings a folder's search takes, and what it leaves out holds:
an upload still arriving under a temporary or hidden name is not a game yet, and an entry that
cannot be read as a file is a game that fails in one line."""

from __future__ import annotations

import re
from pathlib import Path

from highlights.batch import collect_games
from highlights.video import VIDEO_SUFFIXES

DOC = Path(__file__).resolve().parents[1] / "docs" / "batch.md"


def test_the_endings_searched_are_the_ones_documented():
    sentence = DOC.read_text(encoding="utf-8").split("A folder is searched", 1)[1].split("(in any case)", 1)[0]
    assert tuple(re.findall(r"`(\.[a-z0-9]+)`", sentence)) == VIDEO_SUFFIXES


def test_uploads_still_arriving_under_temporary_names_are_left_out(tmp_path):
    for name in ("game.mp4", "GAME2.MOV", "game3.mp4.part", ".game4.mp4.Xy12ab", "notes.txt"):
        (tmp_path / name).write_bytes(b"\0" * 16)
    assert sorted(g.video.name for g in collect_games([tmp_path])) == ["GAME2.MOV", "game.mp4"]


def test_a_link_to_a_removed_upload_or_a_pipe_fails_in_one_line_rather_than_being_left_out(tmp_path):
    import os

    (tmp_path / "game.mp4").write_bytes(b"\0" * 16)
    (tmp_path / "gone.mp4").symlink_to(tmp_path / "deleted-upload.mp4")
    os.mkfifo(tmp_path / "pipe.mp4")  # read as a video, it would never end
    games = {g.video.name: g.error for g in collect_games([tmp_path])}
    assert games == {
        "game.mp4": None,
        "gone.mp4": f"{tmp_path / 'gone.mp4'}: dangling symbolic link (it points to {tmp_path / 'deleted-upload.mp4'}, "
                    "which does not exist)",
        "pipe.mp4": f"{tmp_path / 'pipe.mp4'}: not a regular file (a device, pipe or socket)",
    }
