"""Leftover folders named after the process that made them are found once that process is gone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from highlights.owner_pid import folders_of_gone_owners, owner_gone, process_alive

NAME = re.compile(r"^\.stage-(?P<pid>\d+)$")


def _ended_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_running_process_is_alive_and_an_ended_one_or_no_pid_is_not() -> None:
    assert process_alive(os.getpid())
    assert process_alive(1)                       # init: another user's process, still running
    assert not process_alive(_ended_pid())
    assert not process_alive(0) and not process_alive(-1)   # 0 and -1 would signal a whole group


def test_this_process_is_never_gone() -> None:
    assert not owner_gone(os.getpid())
    assert owner_gone(_ended_pid())


def test_only_folders_of_ended_owners_whose_whole_name_matches_are_found_in_order(tmp_path: Path) -> None:
    gone, other_gone = _ended_pid(), _ended_pid()
    for name in (f".stage-{gone}", f".stage-{other_gone}", f".stage-{os.getpid()}", f"x.stage-{gone}",
                 f".stage-{gone}-extra"):
        (tmp_path / name).mkdir()
    (tmp_path / f".stage-{gone}0").write_text("a file, not a folder")   # a file is no leftover folder
    found = folders_of_gone_owners(tmp_path, NAME)
    assert [path.name for path, _ in found] == sorted([f".stage-{gone}", f".stage-{other_gone}"])
    assert [m.group("pid") for _, m in found] == sorted([str(gone), str(other_gone)], key=lambda p: f".stage-{p}")


def test_a_link_to_a_folder_is_not_a_leftover(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / f".stage-{_ended_pid()}")
    assert folders_of_gone_owners(tmp_path, NAME) == []


def test_a_folder_that_cannot_be_listed_has_no_leftovers(tmp_path: Path) -> None:
    assert folders_of_gone_owners(tmp_path / "missing", NAME) == []
    (tmp_path / "file").write_text("")
    assert folders_of_gone_owners(tmp_path / "file", NAME) == []     # not a folder


def test_a_process_this_user_may_not_signal_is_running(monkeypatch) -> None:
    # Another user's process answers a signal with "not permitted": it exists. (Run as root, no
    # process refuses, so the refusal is made here.)
    def refuse(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", refuse)
    assert process_alive(12345)
    assert not owner_gone(12345)
