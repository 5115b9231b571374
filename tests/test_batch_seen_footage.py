"""A game the model was trained on is marked in the batch's index, as `detect --annotations` warns
of it: its scores are no test of that model. A game the model has not seen is not."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from highlights.batch import collect_games, run_batch
from highlights.clips.clip_id import clip_id_of
from highlights.file_hash import file_sha256
from highlights.pose_classifier.default import load_default_pose_model
from tests.batch_fixtures import FAST
from tests.pipeline_fixtures import FixtureEvent, make_game
from tests.worker_settings import worker_settings_put_back


def _config_with_a_model_trained_on(video: Path, model: Path):
    """The batch's config classifying with the packaged pose model saved at `model`, its provenance
    saying it was trained on `video`'s file."""
    load_default_pose_model().save(model, extra_meta={"provenance": {"training_data": {"labelled_clips": {
        "clip_hashes": [clip_id_of(file_sha256(video))]}}}})
    return FAST.with_overrides({"classifier.backend": "pose", "classifier.pose_model": str(model)})


def test_a_game_the_model_was_trained_on_is_marked_in_the_index(tmp_path):
    uploads = tmp_path / "uploads"
    seen = make_game(uploads, "seen", duration_s=6.0, events=(FixtureEvent("baseball_swing", 3.0, "baseball"),))
    new = make_game(uploads, "new", duration_s=6.0, events=(FixtureEvent("soccer_shooting", 2.0, "soccer"),))
    model = tmp_path / "trained_on_seen.pt"
    config = _config_with_a_model_trained_on(seen, model)
    (uploads / "games.csv").write_text("path,annotations\nseen.mp4,seen.json\nnew.mp4,new.json\n", encoding="utf-8")
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


def test_a_game_reused_from_a_folder_written_without_the_mark_is_marked_all_the_same(tmp_path):
    """A complete game reused from a folder an earlier version wrote, before game records kept
    `seen_footage`: the batch's terminal reads its warnings from the records, so the mark is made
    for it as its scores are, else a game the model was trained on went unwarned on a rerun."""
    uploads = tmp_path / "uploads"
    seen = make_game(uploads, "seen", duration_s=6.0, events=(FixtureEvent("baseball_swing", 3.0, "baseball"),))
    model = tmp_path / "trained_on_seen.pt"
    config = _config_with_a_model_trained_on(seen, model)
    (uploads / "games.csv").write_text("path,annotations\nseen.mp4,seen.json\n", encoding="utf-8")

    def batch() -> dict:
        with worker_settings_put_back():
            run_batch(collect_games([uploads / "games.csv"]), tmp_path / "out", config, workers=1, progress=False,
                      log=lambda m: None)
        (game,) = json.loads((tmp_path / "out" / "index.json").read_text())["games"]
        return game

    (line,) = batch()["seen_footage"]
    # the game's record as a version before the mark wrote it
    record_path = tmp_path / "out" / "seen" / "game.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    del record["seen_footage"]
    mode = record_path.parent.stat().st_mode
    record_path.parent.chmod(mode | 0o200)
    record_path.unlink()
    record_path.write_text(json.dumps(record), encoding="utf-8")
    record_path.parent.chmod(mode)
    again = batch()
    assert again["reused"] is True, again
    assert again.get("seen_footage") == [line], again
