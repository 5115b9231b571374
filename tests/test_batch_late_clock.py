"""A game whose clock starts an hour in (a camera's, kept by a stream copy): the batch index gives
its length and speed of the pictures, from the first to the end, as `duration_s` is documented."""

from __future__ import annotations

import json

import pytest

from highlights.batch import collect_games, run_batch
from tests.batch_fixtures import FAST
from tests.pipeline_fixtures import late_clock_copy, make_game
from tests.worker_settings import worker_settings_put_back


def test_a_game_whose_clock_starts_an_hour_in_is_indexed_at_its_pictures_length(tmp_path):
    video = make_game(tmp_path / "src", "game", duration_s=6.0, events=())
    late = tmp_path / "games" / "late.mkv"
    late.parent.mkdir()
    late_clock_copy(video, late)
    config = FAST.with_overrides({"classifier.enabled": False})
    with worker_settings_put_back():
        run_batch(collect_games([late]), tmp_path / "out", config, workers=1, progress=False, log=lambda m: None)
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    (game,) = index["games"]
    assert game["status"] == "done", game
    assert game["duration_s"] == pytest.approx(6.0, abs=0.1)   # it said 3606 s
    assert game["speed_x_realtime"] == pytest.approx(game["duration_s"] / game["seconds"], rel=0.01)
    assert game["speed_x_realtime"] == round(game["duration_s"] / game["seconds"], 2)  # as stored
    assert index["summary"]["video_hours_total"] == pytest.approx(6.0 / 3600, abs=1e-4)
