"""A review export cuts its clips into a staging folder beside the dataset root; one killed part
way (`kill -9`) leaves that folder behind, and the next export removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import highlights.review.export as export
from highlights.datasets import list_versions
from highlights.review.export import export_review
from highlights.review.export_staging import STAGING_PREFIX
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import decide_first_three, make_detect_folder

REPO = Path(__file__).resolve().parents[1]

# Exports the review, killing itself with SIGKILL once the first clip is cut: no `finally` runs.
KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
import highlights.review.export as export
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore

folder, store, root = map(Path, sys.argv[1:])
cut = export.cut_clip

def cut_then_die(*args, **kwargs):
    cut(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

export.cut_clip = cut_then_die
export.export_review(ReviewSession(load_games([folder]), DecisionStore(store)), root)
"""


def _decide(folder: Path, store: Path) -> None:
    session = ReviewSession(load_games([folder]), DecisionStore(store))
    try:
        decide_first_three(session)
    finally:
        session.store.close()


def _staging(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(STAGING_PREFIX))


def _ended_pid() -> int:
    """The pid of a process that has ended (and been reaped): an export killed long ago."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_an_export_killed_mid_way_leaves_its_staging_beside_the_root_and_the_next_export_removes_it(
        tmp_path: Path, monkeypatch) -> None:
    folder = make_detect_folder(tmp_path / "runs", "game1")
    store, datasets = tmp_path / "review.sqlite", tmp_path / "work"
    root = datasets / "clips"
    _decide(folder, store)
    killed = subprocess.run([sys.executable, "-c", KILLED_EXPORT, str(folder), str(store), str(root)], cwd=REPO,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = _staging(datasets)
    assert len(left) == 1 and any(left[0].rglob("*.mp4"))  # the clip it cut, not in the system temp folder
    assert list_versions(root) == []

    # Another export's staging, its process still running (one waiting on its stdin stands in for
    # it), stays; so does a folder of the user's that only looks alike.
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    running = datasets / f"{STAGING_PREFIX}{other.pid}-abcd1234"
    running.mkdir()
    mine = datasets / f"{STAGING_PREFIX}notes"
    mine.mkdir()
    staged_in: list[Path] = []
    cut = export.cut_clip

    def watched_cut(video, start_s, end_s, out, fps):
        staged_in.append(Path(out))
        return cut(video, start_s, end_s, out, fps)

    monkeypatch.setattr(export, "cut_clip", watched_cut)
    session = ReviewSession(load_games([folder]), DecisionStore(store))
    try:
        result = export_review(session, root)
    finally:
        session.store.close()
        other.communicate(b"")
    assert result.version.name == "v1" and list_versions(root) == ["v1"]
    assert not left[0].exists()
    assert _staging(datasets) == sorted([running, mine])
    # This export staged beside the root too, and took its staging folder away when done.
    assert staged_in and all(p.parent.parent.parent == datasets for p in staged_in)
    assert all(p.parent.parent.name.startswith(f"{STAGING_PREFIX}{os.getpid()}-") for p in staged_in)


def test_a_staging_folder_of_an_ended_export_is_removed_even_where_no_version_was_made(tmp_path: Path) -> None:
    folder = make_detect_folder(tmp_path / "runs", "game1")
    store = tmp_path / "review.sqlite"
    _decide(folder, store)
    stale = tmp_path / f"{STAGING_PREFIX}{_ended_pid()}-zz9x8y7w"
    (stale / "none").mkdir(parents=True)
    (stale / "none" / "game1_h0.mp4").write_bytes(b"half a clip")
    session = ReviewSession(load_games([folder]), DecisionStore(store))
    try:
        export_review(session, tmp_path / "datasets")
    finally:
        session.store.close()
    assert not stale.exists() and _staging(tmp_path) == []
    assert list_versions(tmp_path / "datasets") == ["v1"]
