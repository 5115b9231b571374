"""The review's decisions database on a full disk or in a folder that cannot be written: one line
saying so, where SQLite's own words read as a damaged database ("not a review database (database
or disk is full)") or, for a decision, ended the request in a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from highlights.atomic import DiskFullError
from highlights.review.errors import ReviewError
from highlights.review.store import DecisionStore
from tests.small_filesystem import nearly_full_filesystem


def _decide(store: DecisionStore, item: str, reviewer: str = "ana"):
    return store.decide("game", item, status="accepted", label=None, start_s=1.0, end_s=2.0, key_s=None,
                        reviewer=reviewer)


def test_a_database_made_on_a_full_disk_is_a_full_disk_and_leaves_no_file(tmp_path: Path) -> None:
    with nearly_full_filesystem(tmp_path / "small", 0) as small:
        with pytest.raises(DiskFullError, match=f"while writing {small / 'review.db'};"):
            DecisionStore(small / "review.db")
        assert [p.name for p in small.iterdir()] == [".filler"]


def test_a_decision_on_a_full_disk_is_a_full_disk_and_the_earlier_ones_stay(tmp_path: Path) -> None:
    with nearly_full_filesystem(tmp_path / "small", 512 * 1024) as small:
        with DecisionStore(small / "review.db") as store:
            first = _decide(store, "first")
            (small / ".more").write_bytes(b"\0" * os.statvfs(small).f_bavail * os.statvfs(small).f_frsize)
            with pytest.raises(DiskFullError, match=f"while writing {small / 'review.db'};"):
                for n in range(100):  # until the database's pages run out
                    _decide(store, f"item{n}", reviewer="r" * 4000)
            assert store.history()[0] == first


def test_a_database_in_a_read_only_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(folder)],
                        capture_output=True).returncode != 0:
        pytest.skip("cannot mount a read-only filesystem here")
    try:
        with pytest.raises(ReviewError, match=r"review\.db: the review's decisions cannot be written there "
                                              r"\(unable to open database file\): give --db a file"):
            DecisionStore(folder / "review.db")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        else:
            folder.chmod(0o755)


def test_a_refused_database_has_its_handle_closed(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    import highlights.review.store as store_module

    opened, real_connect = [], sqlite3.connect

    def connect(*args, **kwargs):
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    junk = tmp_path / "review.db"
    junk.write_bytes(b"not sqlite at all, but long enough to be read as a header " * 4)
    with pytest.raises(ReviewError, match="not a review database"):
        DecisionStore(junk)
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")
