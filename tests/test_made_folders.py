"""The folders a refused command made for its output are taken away again, and only those."""

from __future__ import annotations

import os
from pathlib import Path

from highlights.made_folders import missing_folders, remove_if_still_empty


def test_the_missing_folders_are_the_path_and_its_missing_ancestors_deepest_first(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert missing_folders(target) == [target, tmp_path / "a" / "b", tmp_path / "a"]
    (tmp_path / "a").mkdir()
    assert missing_folders(target) == [target, tmp_path / "a" / "b"]
    target.mkdir(parents=True)
    assert missing_folders(target) == []


def test_a_link_to_nowhere_is_there_and_stops_the_walk(tmp_path: Path) -> None:
    os.symlink(tmp_path / "nowhere", tmp_path / "link")
    assert missing_folders(tmp_path / "link" / "out") == [tmp_path / "link" / "out"]
    assert missing_folders(tmp_path / "link") == []


def test_the_made_folders_are_removed_while_empty_and_kept_from_the_first_that_is_not(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    made = missing_folders(target)
    target.mkdir(parents=True)
    remove_if_still_empty(made)
    assert not (tmp_path / "a").exists() and tmp_path.is_dir()

    made = missing_folders(target)
    target.mkdir(parents=True)
    (tmp_path / "a" / "b" / "theirs.txt").write_text("put there meanwhile")
    remove_if_still_empty(made)
    assert not target.exists()                               # empty: removed
    assert (tmp_path / "a" / "b" / "theirs.txt").is_file()   # holds a file: kept, with its parent
    assert (tmp_path / "a").is_dir()


def test_a_folder_that_holds_another_stops_the_removal_before_its_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    made = missing_folders(target)
    (target / "kept").mkdir(parents=True)   # a folder made inside by someone else
    remove_if_still_empty(made)
    assert (target / "kept").is_dir() and (tmp_path / "a").is_dir()


def test_folders_a_failed_mkdir_made_part_way_are_removed(tmp_path: Path) -> None:
    # A full disk stops `mkdir(parents=True)` after the first two of three folders: the third was
    # never made, and the two above it are empty.
    target = tmp_path / "a" / "b" / "c"
    made = missing_folders(target)
    (tmp_path / "a" / "b").mkdir(parents=True)
    remove_if_still_empty(made)
    assert list(tmp_path.iterdir()) == []
