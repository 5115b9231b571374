"""A season run on a disk that fills: the batch stops at the first game that ran out of space (every
game after it would fail the same way), naming the file where it was to go, and exits 1."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import highlights.atomic as atomic
from highlights.batch import BatchError, collect_games, run_batch
from highlights.pipeline.config import PipelineConfig
from tests.pipeline_fixtures import FixtureEvent, make_game

# Ground-truth detection and pose, the oracle classifier: every stage runs, in about a second a game.
FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})


def test_a_full_disk_stops_the_batch_and_names_the_file_in_the_games_folder(tmp_path: Path, monkeypatch,
                                                                             restore_threads) -> None:
    rows = ["path,game_id,sport,annotations"]
    for name, event in (("alpha", FixtureEvent("baseball_swing", 3.0, "baseball")),
                        ("bravo", FixtureEvent("basketball_layup", 4.0, "basketball"))):
        video = make_game(tmp_path / "uploads", name, duration_s=6.0, events=(event,))
        rows.append(f"{video},,{event.sport},{video.with_suffix('.json')}")
    (tmp_path / "games.csv").write_text("\n".join(rows) + "\n")
    flush = atomic._fsync

    def fsync(path: Path) -> None:
        if path.name.startswith(".highlights.json."):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        flush(path)

    monkeypatch.setattr(atomic, "_fsync", fsync)
    out = tmp_path / "season"
    with pytest.raises(BatchError) as stopped:
        run_batch(collect_games([tmp_path / "games.csv"]), out, FAST, workers=1, progress=False, log=lambda m: None)
    assert str(stopped.value) == (f"no space left on {atomic.mount_point(out)} while writing "
                                  f"{out / 'alpha' / 'highlights.json'}; nothing earlier was changed; the batch "
                                  f"stopped, as the games after it need space too ({out / 'index.json'} lists "
                                  "the games done)")
    games = {g["game_id"]: g["status"] for g in json.loads((out / "index.json").read_text())["games"]}
    assert games["alpha"] == "failed" and games["bravo"] != "done"
    assert sorted(p.name for p in out.iterdir()) == [".partial", "index.csv", "index.html", "index.json"]
    assert not any((out / ".partial").iterdir())
