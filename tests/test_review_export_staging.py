"""A review export cuts its clips into a staging folder beside the dataset root; one killed part
way (`kill -9`) leaves that folder behind, and the next export removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import highlights.review.export as export
from highlights.datasets import list_versions
from highlights.datasets.lock import lock_held
from highlights.review.export import export_review
from highlights.review.export_staging import NEW_STAGING_GRACE_S, OWNER_LOCK, STAGING_PREFIX, remove_stale_staging
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


def _age(folder: Path) -> None:
    """Date ``folder`` back past the grace a staging folder being set up gets."""
    then = time.time() - NEW_STAGING_GRACE_S - 60
    os.utime(folder, (then, then))


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
    _age(stale)
    session = ReviewSession(load_games([folder]), DecisionStore(store))
    try:
        export_review(session, tmp_path / "datasets")
    finally:
        session.store.close()
    assert not stale.exists() and _staging(tmp_path) == []
    assert list_versions(tmp_path / "datasets") == ["v1"]


# Holds the lock of the staging folder argv[1] as an export does, until its stdin closes.
LOCK_HOLDER = ("import sys\n"
               "from pathlib import Path\n"
               "from highlights.datasets.lock import exclusive_lock\n"
               "from highlights.review.errors import ReviewError\n"
               "with exclusive_lock(Path(sys.argv[1]), wait=False, busy=ReviewError, failed=ReviewError):\n"
               "    print('held', flush=True)\n"
               "    sys.stdin.read()\n")


def test_a_staging_folder_whose_lock_is_held_is_kept_though_no_process_here_has_its_pid(tmp_path: Path) -> None:
    # An export in another container sharing the volume: its pid names no process here, but it
    # holds its staging folder's lock, which every container sees.
    elsewhere = tmp_path / f"{STAGING_PREFIX}{_ended_pid()}-abcd1234"
    (elsewhere / "none").mkdir(parents=True)
    # A killed export's: its lock file is there, held by no one.
    killed = tmp_path / f"{STAGING_PREFIX}{_ended_pid()}-efgh5678"
    killed.mkdir()
    (killed / OWNER_LOCK).write_text("1\n")
    # One being set up an instant ago, its lock not yet taken; and one of an older version, as old.
    new = tmp_path / f"{STAGING_PREFIX}{_ended_pid()}-ijkl9012"
    new.mkdir()
    old = tmp_path / f"{STAGING_PREFIX}{_ended_pid()}-mnop3456"
    old.mkdir()
    for folder in (elsewhere, killed, old):
        _age(folder)
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(elsewhere / OWNER_LOCK)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert remove_stale_staging(tmp_path) == [killed, old]
        assert _staging(tmp_path) == sorted([elsewhere, new])
    finally:
        holder.stdin.close()
        holder.wait()
    assert remove_stale_staging(tmp_path) == [elsewhere]  # its export ended: now a leftover


def test_an_export_holds_its_staging_folders_lock_while_it_cuts(tmp_path: Path, monkeypatch) -> None:
    folder = make_detect_folder(tmp_path / "runs", "game1")
    store = tmp_path / "review.sqlite"
    _decide(folder, store)
    held: list[bool] = []
    cut = export.cut_clip

    def watched_cut(video, start_s, end_s, out, fps):
        staging = Path(out).parent.parent
        held.append(lock_held(staging / OWNER_LOCK))
        return cut(video, start_s, end_s, out, fps)

    monkeypatch.setattr(export, "cut_clip", watched_cut)
    session = ReviewSession(load_games([folder]), DecisionStore(store))
    try:
        export_review(session, tmp_path / "datasets")
    finally:
        session.store.close()
    assert held and all(held)
    assert list_versions(tmp_path / "datasets") == ["v1"] and _staging(tmp_path) == []
