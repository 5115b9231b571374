"""What a batch's index says while games finish, when the batch is stopped, and on a rerun with
another config: every finished game listed, every game counted, no finished page hidden."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path

import pytest

import highlights.batch.runner as runner
from highlights.batch import collect_games, run_batch
from highlights.batch.game import PARTIAL_DIR, failed_record
from tests.batch_fixtures import FAST


def _index(out: Path) -> dict:
    return json.loads((out / "index.json").read_text())


class _Engine:
    """Stands in for the worker engines: `run` is the test's own function of (jobs, on_record)."""

    def __init__(self, run) -> None:
        self.run = run

    def describe(self):
        return {"engine": "local", "workers": 1, "threads_per_worker": 1}


def _two_games(season):
    return [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]


def test_a_game_finished_just_after_an_index_write_is_listed_before_the_next_game_ends(
        season, tmp_path, monkeypatch):
    """Two uploads fail at once and the next game is an hour long: the index written while that
    hour runs lists both failures (a kill in that hour keeps them), not only the first."""
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "INDEX_EVERY_S", 0.2)
    listed_both = threading.Event()
    write_index = runner.write_index

    def watched(out_root, records, summary, request):
        written = write_index(out_root, records, summary, request)
        if [r["status"] for r in records] == ["failed", "failed"]:
            listed_both.set()
        return written

    monkeypatch.setattr(runner, "write_index", watched)
    seen_while_running = []

    def run(jobs, on_record):
        for job in jobs:
            on_record(failed_record(job, f"{job.video}: empty file (0 bytes)"))
        # The long game: it has not ended while the index is read.
        seen_while_running.append(listed_both.wait(timeout=30))
        seen_while_running.append([r["status"] for r in _index(out)["games"]])

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: _Engine(run))
    run_batch(_two_games(season), out, FAST, workers=1, progress=False, log=lambda m: None)
    assert seen_while_running == [True, ["failed", "failed"]]


def test_a_stopped_rerun_counts_every_game_and_keeps_the_earlier_pages_linked(
        season, tmp_path, monkeypatch, restore_threads):
    out = tmp_path / "out"
    games = _two_games(season)
    said = []
    first = run_batch(games, out, FAST, workers=1, progress=False, log=said.append)
    # The summary the command prints is the one the index holds.
    assert first.summary == _index(out)["summary"] and first.summary["done"] == 2

    # What a kill -9 leaves while a game writes its outputs: its staging folder, its progress file
    # beside it, and its `detect`'s own hidden staging folder and lock beside that: one game.
    (out / PARTIAL_DIR / "alpha.0123").mkdir(parents=True)
    (out / PARTIAL_DIR / ".alpha.0123.partial-4242-abcd1234").mkdir()
    (out / PARTIAL_DIR / ".alpha.0123.lock").write_text("4242")
    (out / PARTIAL_DIR / "alpha.0123.progress.json").write_text('{"game_id": "alpha", "video_s": 3.0}')

    def run(jobs, on_record):
        on_record(failed_record(jobs[0], "the new model could not be read"))
        raise KeyboardInterrupt  # Ctrl-C while bravo runs

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: _Engine(run))
    changed = FAST.with_overrides({"merge.pad_after_s": 2.5})
    said.clear()
    with pytest.raises(KeyboardInterrupt):
        run_batch(games, out, changed, workers=1, progress=False, log=said.append)
    assert said[0] == "removed 1 partial game folder left by an interrupted batch"

    index = _index(out)
    assert [r["status"] for r in index["games"]] == ["failed", "pending"]
    summary = index["summary"]
    assert (summary["games"], summary["done"], summary["failed"], summary["not_run"]) == (2, 0, 1, 1)
    # Neither rerun replaced its game's folder, so both pages are the earlier run's, and linked as such.
    assert (out / "alpha" / "highlights.html").is_file() and (out / "bravo" / "highlights.html").is_file()
    with open(out / "index.csv", newline="", encoding="utf-8-sig") as f:
        assert [r["page"] for r in csv.DictReader(f)] == ["alpha/highlights.html", "bravo/highlights.html"]
    page = (out / "index.html").read_text()
    assert '<a href="alpha/highlights.html">alpha</a>' in page and '<a href="bravo/highlights.html">bravo</a>' in page
    assert page.count("its page is an earlier run&#x27;s, with another config or model") == 2
    assert "<span>1 not run yet</span>" in page
