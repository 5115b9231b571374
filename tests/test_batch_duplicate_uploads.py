"""A game uploaded twice under two names is one game: processed once, the copy recorded as failed
naming both files, and counted once in the season's highlights."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import highlights.batch.runner as runner
from highlights.batch import collect_games, run_batch
from highlights.batch.game import failed_record
from tests.batch_fixtures import FAST


class _Recording:
    """Stands in for the worker engines: records the games handed to it and fails each one."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def describe(self):
        return {"engine": "local", "workers": 1, "threads_per_worker": 1}

    def run(self, jobs, on_record):
        for job in jobs:
            self.ran.append(job.game_id)
            on_record(failed_record(job, "not run in this test"))


def test_a_video_uploaded_twice_is_processed_once_and_the_copy_names_the_original(
        season, tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.chdir(tmp_path)  # the folder given as the command line gives it, relative
    alpha = season / "week0" / "alpha.mp4"
    shutil.copy(alpha, uploads / "alpha.mp4")
    shutil.copy(alpha, uploads / "resent_alpha.mp4")  # the same bytes, another name
    # The same size but not the same video: one byte differs, so it is a game of its own.
    edited = bytearray(alpha.read_bytes())
    edited[len(edited) // 2] ^= 0xFF
    (uploads / "edited_alpha.mp4").write_bytes(bytes(edited))
    engine = _Recording()
    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: engine)
    said = []
    result = run_batch(collect_games([Path("uploads")]), tmp_path / "out", FAST, workers=1, progress=False,
                       log=said.append)

    assert engine.ran == ["alpha", "edited_alpha"]
    copy = {r["game_id"]: r for r in result.records}["resent_alpha"]
    message = (f"{uploads / 'resent_alpha.mp4'}: the same video as {uploads / 'alpha.mp4'} (byte for byte): "
               "processed once, as game alpha")
    assert copy["status"] == "failed" and copy["error"] == message
    assert said[0] == f"resent_alpha: failed: {message}"
    assert not [line for line in said if "skipped" in line]  # it is not a complete game skipped either
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["summary"]["games"] == 3 and index["summary"]["failed"] == 3


def _uploads(tmp_path: Path, sizes: dict[str, int]) -> list:
    from highlights.batch.inputs import GameInput

    games = []
    for name, size in sizes.items():
        (tmp_path / f"{name}.mp4").write_bytes(b"\x01" * size)
        games.append(GameInput(game_id=name, video=tmp_path / f"{name}.mp4"))
    return games


def test_only_files_of_a_shared_size_are_read_and_empty_files_are_no_copies(tmp_path, monkeypatch):
    """Sizes are compared first: a season of distinct sizes hashes nothing. Two empty uploads are
    two failures of their own (each says it is empty), not one video sent twice."""
    import highlights.content_hash_cache as hashes
    from highlights.batch.duplicate_uploads import same_video_as

    read = []
    hash_file = hashes.cached_file_sha256
    monkeypatch.setattr(hashes, "cached_file_sha256", lambda path: read.append(path.name) or hash_file(path))
    games = _uploads(tmp_path, {"alpha": 10, "bravo": 11, "charlie": 10, "empty": 0, "blank": 0})
    assert {gid: g.game_id for gid, g in same_video_as(games).items()} == {"charlie": "alpha"}
    assert sorted(read) == ["alpha.mp4", "charlie.mp4"]


def test_a_copy_that_cannot_be_read_is_left_to_fail_as_its_own_game(tmp_path, monkeypatch):
    import highlights.content_hash_cache as hashes
    from highlights.batch.duplicate_uploads import same_video_as

    hash_file = hashes.cached_file_sha256

    def refused(path):
        if path.name == "charlie.mp4":
            raise PermissionError(13, "Permission denied", str(path))
        return hash_file(path)

    monkeypatch.setattr(hashes, "cached_file_sha256", refused)
    games = _uploads(tmp_path, {"alpha": 10, "bravo": 10, "charlie": 10})
    assert {gid: g.game_id for gid, g in same_video_as(games).items()} == {"bravo": "alpha"}


def test_a_video_gone_before_the_comparison_is_left_to_fail_as_its_own_game(tmp_path):
    from highlights.batch.duplicate_uploads import same_video_as

    games = _uploads(tmp_path, {"alpha": 10, "bravo": 10, "gone": 10})
    (tmp_path / "gone.mp4").unlink()  # deleted between the listing and the batch's start
    assert {gid: g.game_id for gid, g in same_video_as(games).items()} == {"bravo": "alpha"}


def test_the_closing_line_promises_no_retry_of_a_copy(season, tmp_path):
    """A copy fails again on every run: the last line says what it is, not that a second run
    retries it; beside a game that can run again, only that one is promised a retry."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    shutil.copy(season / "week0" / "alpha.mp4", uploads / "alpha.mp4")
    shutil.copy(season / "week0" / "alpha.mp4", uploads / "resent_alpha.mp4")
    out = tmp_path / "out"
    args = ["detect", str(uploads), "--out", str(out), "--set", "detection.backend=gt", "--set", "pose.backend=gt",
            "--set", "classifier.enabled=false", "--workers", "1", "--no-progress"]
    # alpha's ground truth is not there yet: it fails too, and can run again once it is
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert res.output.strip().splitlines()[-1] == (
        f"error: 2 of 2 games failed; {out / 'index.html'} lists why; 1 is a copy of another game's "
        "video, run once as that game; a second run retries the other 1 and skips the rest")
    shutil.copy(season / "week0" / "alpha.gt.jsonl", uploads / "alpha.gt.jsonl")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert res.output.strip().splitlines()[-1] == (
        f"error: 1 of 2 games failed; {out / 'index.html'} lists why; 1 is a copy of another game's "
        "video, run once as that game")
