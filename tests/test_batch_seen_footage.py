"""A game the model was trained on is marked in the batch's index, as `detect --annotations` warns
of it: its scores are no test of that model. A game the model has not seen is not."""

from __future__ import annotations

import csv
import json

from highlights.batch import collect_games, run_batch
from highlights.clips.clip_id import clip_id_of
from highlights.file_hash import file_sha256
from highlights.pose_classifier.default import load_default_pose_model
from tests.batch_fixtures import FAST
from tests.pipeline_fixtures import FixtureEvent, make_game
from tests.worker_settings import worker_settings_put_back


def test_a_game_the_model_was_trained_on_is_marked_in_the_index(tmp_path):
    uploads = tmp_path / "uploads"
    seen = make_game(uploads, "seen", duration_s=6.0, events=(FixtureEvent("baseball_swing", 3.0, "baseball"),))
    new = make_game(uploads, "new", duration_s=6.0, events=(FixtureEvent("soccer_shooting", 2.0, "soccer"),))
    # The packaged pose model, its provenance saying it was trained on the first game's file.
    model = tmp_path / "trained_on_seen.pt"
    load_default_pose_model().save(model, extra_meta={"provenance": {"training_data": {"labelled_clips": {
        "clip_hashes": [clip_id_of(file_sha256(seen))]}}}})
    (uploads / "games.csv").write_text("path,annotations\nseen.mp4,seen.json\nnew.mp4,new.json\n", encoding="utf-8")
    config = FAST.with_overrides({"classifier.backend": "pose", "classifier.pose_model": str(model)})
    with worker_settings_put_back():
        run_batch(collect_games([uploads / "games.csv"]), tmp_path / "out", config, workers=1, progress=False,
                  log=lambda m: None)
    games = {g["game_id"]: g for g in json.loads((tmp_path / "out" / "index.json").read_text())["games"]}
    assert games["seen"]["status"] == games["new"]["status"] == "done", games
    assert "scores" in games["seen"]
    (line,) = games["seen"]["seen_footage"]
    assert line.startswith(f"{model} was trained on the video itself: these figures are on footage the model "
                           "learned from, not a test of it"), line
    assert "seen_footage" not in games["new"]
    with open(tmp_path / "out" / "index.csv", newline="", encoding="utf-8-sig") as f:
        rows = {r["game_id"]: r for r in csv.DictReader(f)}
    assert rows["seen"]["seen_footage"] == line and rows["new"]["seen_footage"] == ""
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    (seen_row,) = [r for r in page.split("<tr") if ">seen</a>" in r]
    (new_row,) = [r for r in page.split("<tr") if ">new</a>" in r]
    assert f"done; with a warning: {model} was trained on the video itself" in seen_row
    assert "warning" not in new_row
