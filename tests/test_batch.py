"""Batch detect: inputs, a folder per game made whole, resume, failures recorded, engines agree."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from highlights.batch import BatchError, collect_games, is_batch_request, run_batch
from highlights.batch.game import GAME_RECORD, PARTIAL_DIR
from highlights.batch.worker import plan_workers
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.evaluation import Rate
from tests.batch_fixtures import EVENTS, FAST
from tests.pipeline_fixtures import make_game
from tests.process_states import alive, children
from tests.worker_settings import worker_settings_put_back

STABLE = ("game_id", "status", "error", "highlights", "by_label", "duration_s", "video", "fingerprint")


@pytest.fixture(scope="module")
def local_out(season, tmp_path_factory) -> Path:
    """The manifest's games run by the local engine in this process (one worker)."""
    out = tmp_path_factory.mktemp("local") / "out"
    with worker_settings_put_back():
        run_batch(collect_games([season / "games.csv"]), out, FAST, workers=1, progress=False, log=lambda m: None)
    return out


def _index(out: Path) -> dict:
    return json.loads((out / "index.json").read_text())


def _stable(out: Path) -> list[dict]:
    return [{k: row.get(k) for k in STABLE} for row in _index(out)["games"]]


def _highlights(out: Path, game_id: str) -> list[dict]:
    return json.loads((out / game_id / "highlights.json").read_text())["highlights"]


def test_inputs_from_folders_videos_and_manifests(season, tmp_path):
    from_folder = collect_games([season])
    assert [g.game_id for g in from_folder] == ["alpha", "charlie", "bravo", "corrupt"]  # sorted paths
    from_manifest = collect_games([season / "games.csv"])
    assert [(g.game_id, g.sport) for g in from_manifest] == [
        ("alpha", "baseball"), ("bravo", "basketball"), ("charlie", None), ("corrupt", "soccer")]
    assert from_manifest[0].annotations == season / "week0" / "alpha.json"
    # The same video twice is one game; two files with one stem get their folder in the id.
    twice = collect_games([season / "week0" / "alpha.mp4", season / "week0"])
    assert [g.game_id for g in twice] == ["alpha", "charlie"]
    other = tmp_path / "cup" / "alpha.mp4"
    other.parent.mkdir()
    other.write_bytes(b"x")
    ids = [g.game_id for g in collect_games([season / "week0" / "alpha.mp4", other])]
    assert len(set(ids)) == 2 and all("alpha" in i for i in ids)
    assert is_batch_request([season]) and is_batch_request([other, other]) and not is_batch_request([other])
    # A phone's file name with accents and spaces keeps its letters in the folder name.
    accented = tmp_path / "uploads" / "Match à Nîmes (été) #2.mp4"
    accented.parent.mkdir()
    accented.write_bytes(b"x")
    assert [g.game_id for g in collect_games([accented])] == ["Match_a_Nimes_ete_2"]
    # Named by a folder and by a manifest row, in either order: the row's settings are kept.
    for order in ([season / "week0", season / "games.csv"], [season / "games.csv", season / "week0"]):
        alpha = next(g for g in collect_games(order) if g.video.name == "alpha.mp4")
        assert (alpha.sport, alpha.annotations) == ("baseball", season / "week0" / "alpha.json")


def test_a_folder_search_leaves_out_what_highlights_wrote(tmp_path):
    """`detect uploads/ --out uploads/season`, run twice: the second search must not take the
    first run's reels and highlight clips (or a review's copy) for new games."""
    from highlights.pipeline.output_folder import RUN_MARKER

    uploads = tmp_path / "uploads"
    (uploads / "week1").mkdir(parents=True)
    (uploads / "week1" / "game1.mp4").write_bytes(b"x")
    for written in (uploads / "season" / "game1", uploads / "week1" / "game1-highlights"):
        (written / "clips").mkdir(parents=True)
        (written / RUN_MARKER).write_text("{}")
        for video in ("reel.mp4", "review-video.mp4", "clips/hl_001_baseball_swing.mp4"):
            (written / video).write_bytes(b"x")
    assert [g.video for g in collect_games([uploads])] == [uploads / "week1" / "game1.mp4"]
    # Named on its own, such a file is still a game: only the search leaves them out.
    reel = uploads / "season" / "game1" / "reel.mp4"
    assert [g.video for g in collect_games([reel])] == [reel]


@pytest.mark.parametrize("text, message", [
    ("video,sport\nx.mp4,soccer\n", "needs a 'path' column"),
    ("path;game_id\nx.mp4;a\n", "its columns are separated by semicolons: save it separated by commas"),
    ("path\tsport\nx.mp4\tsoccer\n", "separated by tabs"),
    ("path\n", "lists no games"),
    ("path,sport\nv/g.mp4,basketball\n./v/g.mp4,soccer\n", "line 3: ./v/g.mp4 is already on line 2"),
    ("path,sport\nv/g.mp4,\"soccer\n" + "x" * 200_000 + "\n", "not readable as CSV"),
])
def test_bad_manifests_are_one_line_errors(tmp_path, text, message):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "g.mp4").write_bytes(b"x")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(BatchError, match=message) as info:
        collect_games([manifest])
    assert str(manifest) in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="no video files"):
        collect_games([tmp_path / "empty"])


def test_a_manifest_row_naming_a_folder_or_a_dangling_link_fails_with_that_cause(tmp_path):
    (tmp_path / "week0.mp4").mkdir()
    (tmp_path / "gone.mp4").symlink_to(tmp_path / "deleted.mp4")
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,game_id\nweek0.mp4,folder\ngone.mp4,link\n")
    assert [(g.game_id, g.error) for g in collect_games([manifest])] == [
        ("folder", f"{manifest}: line 2: week0.mp4: is a directory, not a video file"),
        ("link", f"{manifest}: line 3: gone.mp4: dangling symbolic link (it points to {tmp_path / 'deleted.mp4'}, "
                 "which does not exist)")]


def test_a_manifest_row_whose_annotations_name_a_folder_fails_with_that_cause(tmp_path):
    (tmp_path / "week0.mp4").write_bytes(b"")  # its video is not read while the manifest is
    (tmp_path / "week0-truth.json").mkdir()
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,game_id,annotations\nweek0.mp4,alpha,week0-truth.json\n")
    assert [(g.game_id, g.error) for g in collect_games([manifest])] == [
        ("alpha", f"{manifest}: line 2: annotations week0-truth.json: is a directory, not an annotations file")]


def test_a_manifest_row_naming_a_missing_file_fails_that_game_alone(season, tmp_path, restore_threads):
    """One upload of a season missing (or its annotations): the other games run, and the missing
    one is recorded as failed, in one line naming the manifest's line and the file, as a corrupt
    upload is; the command exits as it does for any failed game."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    manifest = tmp_path / "season.csv"
    manifest.write_text("path,game_id,annotations\n"
                        f"{season / 'week0' / 'alpha.mp4'},alpha,\n"
                        "uploads/lost.mp4,lost,\n"
                        f"{season / 'week1' / 'bravo.mp4'},bravo,bravo-truth.json\n"
                        f"{season / 'week0' / 'charlie.mp4'},charlie,{season / 'week0' / 'charlie.json'}\n")
    games = collect_games([manifest])
    assert [(g.game_id, g.error) for g in games] == [
        ("alpha", None), ("lost", f"{manifest}: line 3: uploads/lost.mp4: file not found"),
        ("bravo", f"{manifest}: line 4: annotations bravo-truth.json: file not found"), ("charlie", None)]
    out = tmp_path / "out"
    args = ["detect", str(manifest), "--out", str(out), "--set", "detection.backend=gt", "--set", "pose.backend=gt",
            "--set", "classifier.enabled=false", "--workers", "1", "--no-progress"]
    res = CliRunner().invoke(app, args)
    # The games that ran keep their outputs, and the exit status tells a script that not all did.
    assert res.exit_code == 1, res.output
    said = " ".join(res.output.split())
    assert f"lost: failed: {manifest}: line 3: uploads/lost.mp4: file not found" in said
    assert "4 games: 2 done (0 from an earlier run), 2 failed" in said
    # the one game done with annotations: its recall and shown recall, as detect --annotations prints them
    pooled = _index(out)["summary"]["against_annotations"]
    assert (pooled["games"], pooled["events"]) == (1, len(EVENTS["charlie"]))
    assert ("against the annotations of 1 game of this run (key moments within 2 s, pooled; "
            "95% Wilson intervals): recall ") in said
    assert f"shown recall {Rate(pooled['shown'], pooled['events']).reported()}: events whose key moment" in said
    assert res.output.strip().splitlines()[-1] == (f"error: 2 of 4 games failed; {out / 'index.html'} lists why; "
                                                   "a second run retries them and skips the rest")
    index = _index(out)
    rows = {r["game_id"]: r for r in index["games"]}
    assert [r["status"] for r in index["games"]] == ["done", "failed", "failed", "done"]
    assert rows["lost"]["error"] == games[1].error and rows["bravo"]["error"] == games[2].error
    assert index["summary"]["failed"] == 2 and index["summary"]["done"] == 2
    # Every field docs/batch.md lists for a game's record is there, in a failed game's too (null).
    documented = _documented_game_fields()
    assert len(documented) > 15
    for r in index["games"]:
        assert documented <= set(r), (r["status"], sorted(documented - set(r)))
    assert rows["lost"]["warning"] is None and rows["lost"]["damage"] is None
    assert (out / "alpha" / GAME_RECORD).is_file() and (out / "charlie" / GAME_RECORD).is_file()
    assert not (out / "lost").exists() and not (out / "bravo").exists()
    with open(out / "index.csv", newline="") as f:
        csv_rows = {r["game_id"]: r for r in csv.DictReader(f)}
    assert csv_rows["lost"]["error"] == games[1].error
    # a run that loads no model file leaves the column empty (a pose model's run fills it, below)
    assert all(csv_rows[r["game_id"]]["model_sha256"] == "" for r in index["games"] if r["status"] == "done")
    from html import escape

    assert escape(games[1].error) in (out / "index.html").read_text()
    # The upload arrives: the next run processes it and skips the games already done.
    make_game(tmp_path / "uploads", "lost", duration_s=6.0, events=EVENTS["alpha"])
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output  # bravo's annotations are still missing
    said = " ".join(res.output.split())
    assert "2 of 4 games are complete from an earlier run" in said
    assert said.endswith(f"error: 1 of 4 games failed; {out / 'index.html'} lists why; "
                         "a second run retries them and skips the rest")
    assert [(r["status"], r["error"]) for r in _index(out)["games"]] == [
        ("done", None), ("done", None), ("failed", games[2].error), ("done", None)]
    assert (out / "lost" / GAME_RECORD).is_file()


def _documented_game_fields() -> set[str]:
    """The fields docs/batch.md's table of a game's record names, less those it says are present
    only in some records."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "batch.md").read_text(encoding="utf-8")
    table = page.split("Each of `games`", 1)[1].split("\n\n", 2)[1]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines() if line.startswith("| `")]
    return {name.strip("`") for name, _, meaning in rows if not meaning.startswith("present")}


def test_workers_times_threads_fits_the_cores():
    assert plan_workers(None, 16) == (8, 2)
    assert plan_workers(None, 2) == (1, 2)
    assert plan_workers(3, 16) == (3, 5)
    assert plan_workers(4, 2) == (4, 1)
    with pytest.raises(ValueError):
        plan_workers(0, 4)


def test_a_worker_prepared_again_gets_its_settings_again_after_the_caller_put_its_own_back(restore_threads):
    """A batch of one worker runs in the caller's process; the caller may put its threads back
    after it, and its next batch of the same threads must set them again."""
    import torch

    from highlights.batch.worker import prepare_worker

    for _ in range(2):
        torch.set_num_threads(1)
        os.environ.pop("OMP_NUM_THREADS", None)
        prepare_worker(2)
        assert torch.get_num_threads() == 2 and os.environ["OMP_NUM_THREADS"] == "2"


def test_batch_records_failures_resumes_and_reruns_a_changed_config(season, local_out, tmp_path, restore_threads):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    games = collect_games([season / "games.csv"])
    first = _index(out)
    rows = {r["game_id"]: r for r in first["games"]}
    assert [r["status"] for r in first["games"]] == ["done", "done", "done", "failed"]
    assert rows["corrupt"]["error"].startswith(str(season / "week1" / "corrupt.mp4"))
    assert "\n" not in rows["corrupt"]["error"] and not (out / "corrupt").exists()
    for name, events in EVENTS.items():
        found = [(h["label"], h["key_s"]) for h in _highlights(out, name)]
        assert [label for label, _ in found] == [e.label for e in events]
        assert all(abs(k - e.key_s) < 1.0 for (_, k), e in zip(found, events))
        assert rows[name]["by_label"] == {e.label: 1 for e in events}
        assert (out / name / GAME_RECORD).is_file() and (out / name / "highlights.html").is_file()
    # The index: every game once, in input order, with a working link to each game's page.
    with open(out / "index.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["game_id"] for r in table] == ["alpha", "bravo", "charlie", "corrupt"]
    assert [r["status"] for r in table] == ["done", "done", "done", "failed"]
    page = (out / "index.html").read_text()
    # The index times each game's whole run (its outputs included), unlike the speed in its highlights.json.
    assert "speed, whole run</th>" in page
    for name in EVENTS:
        assert rows[name]["speed_x_realtime"] == pytest.approx(
            rows[name]["duration_s"] / rows[name]["seconds"], rel=0.01)
        assert f'href="{name}/highlights.html"' in page
        # ...and each game's page links back to it (the pages are made in a scratch folder, then moved).
        game_page = (out / name / "highlights.html").read_text()
        assert '<a href="../index.html">all games</a>' in game_page
        assert (out / name / "../index.html").resolve() == (out / "index.html").resolve()
    from html import escape

    assert escape(rows["corrupt"]["error"]) in page
    assert first["summary"]["failed"] == 1 and first["summary"]["highlights"] == 4

    stamps = {n: (out / n / GAME_RECORD).stat().st_mtime_ns for n in EVENTS}
    second = run_batch(games, out, FAST, workers=1, progress=False, log=lambda m: None)
    assert [r.get("reused") for r in second.records] == [True, True, True, False]
    assert second.records[3]["status"] == "failed"  # a failed game is tried again
    assert {n: (out / n / GAME_RECORD).stat().st_mtime_ns for n in EVENTS} == stamps

    changed = FAST.with_overrides({"merge.pad_after_s": 2.5})
    said = []
    third = run_batch(games[:1], out, changed, workers=1, progress=False, log=said.append)
    assert third.records[0]["reused"] is False
    assert said == ["1 of 1 game complete from an earlier run is run again, their outputs replaced as each is "
                    "done: 1 with another config, video or annotations (changed: merge.pad_after_s 1.5 -> 2.5)"]
    h = _highlights(out, "alpha")[0]
    assert json.loads((out / "alpha" / "highlights.json").read_text())["config"]["merge"]["pad_after_s"] == 2.5
    assert h["end_s"] - h["key_s"] >= 2.5 - 1e-6 or h["end_s"] == pytest.approx(8.0, abs=0.1)


def test_the_index_lists_the_games_earlier_batches_left_in_the_folder(season, tmp_path, restore_threads):
    # A coach runs each week's upload into one season folder: last week's games stay listed.
    out = tmp_path / "season-out"
    header, *rows = (season / "games.csv").read_text().splitlines()

    def manifest(name: str, games: list[str]) -> Path:
        # the season's manifest rows of those games, paths made absolute
        chosen = [r for r in rows if Path(r.split(",")[0]).stem in games]
        absolute = [",".join(str(season / c) if c and i in (0, 3) else c for i, c in enumerate(r.split(",")))
                    for r in chosen]
        path = tmp_path / name
        path.write_text("\n".join([header, *absolute]) + "\n")
        return path

    first = run_batch(collect_games([manifest("week0.csv", ["alpha", "charlie"])]), out, FAST, workers=1,
                      progress=False, log=lambda m: None)
    first_ids = [r["game_id"] for r in first.records]
    assert first.summary["done"] == len(first_ids) == 2
    second = run_batch(collect_games([manifest("week1.csv", ["bravo"])]), out, FAST, workers=1, progress=False,
                       log=lambda m: None)
    index = _index(out)
    listed = [(g["game_id"], g["status"], g["reused"], g.get("other_batch", False)) for g in index["games"]]
    assert listed == [("bravo", "done", False, False)] + [(i, "done", True, True) for i in sorted(first_ids)]
    assert index["summary"]["games"] == 1 + len(first_ids) and index["summary"]["reused"] == len(first_ids)
    assert second.summary == index["summary"]
    # their own figures, as their folders hold them, and said on the page and in the CSV
    earlier = {r["game_id"]: r for r in first.records}
    for g in index["games"][1:]:
        assert g["highlights"] == earlier[g["game_id"]]["highlights"]
    page = (out / "index.html").read_text()
    assert page.count("not among this run&#x27;s games") == len(first_ids)
    rows = list(csv.DictReader((out / "index.csv").open()))
    assert [r["other_batch"] for r in rows] == ["False"] + ["True"] * len(first_ids)
    # The pooled recall is this run's games' alone (one config and model); the earlier batch's
    # annotated games keep their own rows' figures and are counted as left out.
    from highlights.batch.game_scores import pooled_line

    pooled = index["summary"]["against_annotations"]
    assert (pooled["games"], pooled["events"]) == (1, len(EVENTS["bravo"]))
    assert pooled["other_batch_games_not_pooled"] == 2
    assert (first.summary["against_annotations"]["games"],
            first.summary["against_annotations"]["other_batch_games_not_pooled"]) == (2, 0)
    assert "left out: 2 annotated games of earlier runs into this folder" in pooled_line(pooled)
    assert "<span>1 game of this run with annotations</span>" in page


def test_a_finished_batch_leaves_no_scratch_behind(local_out):
    # Its games done or failed, the folder holds the game folders and the index, nothing hidden.
    assert sorted(p.name for p in local_out.iterdir() if p.name.startswith(".")) == []
    assert {g["status"] for g in _index(local_out)["games"]} == {"done", "failed"}


def test_half_written_games_are_never_taken_for_complete(season, tmp_path, restore_threads):
    out = tmp_path / "out"
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]
    # What a kill leaves: a partial folder in the hidden area, and a game folder without its
    # record (say, written by a single `detect` earlier).
    (out / PARTIAL_DIR / "alpha.0123").mkdir(parents=True)
    (out / PARTIAL_DIR / "alpha.0123" / "highlights.json").write_text("{}")
    (out / "bravo").mkdir()
    (out / "bravo" / "highlights.json").write_text('{"highlights": []}')
    result = run_batch(games, out, FAST, workers=1, progress=False, log=lambda m: None)
    assert [r["reused"] for r in result.records] == [False, False]
    assert not (out / PARTIAL_DIR).exists()  # a finished batch leaves no scratch
    assert len(_highlights(out, "bravo")) == 1


@pytest.mark.slow
def test_kill_9_loses_only_the_game_in_flight(season, tmp_path):
    out = tmp_path / "out"
    manifest = season / "games.csv"
    code = ("import sys; from highlights.batch import collect_games, run_batch; "
            "from highlights.pipeline.config import PipelineConfig; "
            "cfg = PipelineConfig().with_overrides({'detection.backend': 'gt', "
            "'pose.backend': 'gt', 'classifier.backend': 'oracle'}); "
            "run_batch(collect_games([sys.argv[1]]), sys.argv[2], cfg, workers=2, progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(manifest), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "alpha" / GAME_RECORD).exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail(f"the batch ended before it could be killed: {proc.stderr.read()[-2000:]}")
    workers = children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Its worker processes die with it rather than finish their games unseen.
    deadline = time.monotonic() + 20
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers and not any(alive(p) for p in workers)
    # Every game folder that exists is whole; nothing half-written sits under a game's name.
    for folder in out.iterdir():
        if folder.is_dir() and folder.name != PARTIAL_DIR:
            record = json.loads((folder / GAME_RECORD).read_text())
            assert record["status"] == "done" and (folder / "highlights.json").is_file()
    assert (out / "alpha" / GAME_RECORD).is_file()
    result = run_batch(collect_games([manifest]), out, FAST, workers=1, progress=False, log=lambda m: None)
    assert result.records[0]["reused"] is True
    assert [r["status"] for r in result.records] == ["done", "done", "done", "failed"]
    assert not (out / PARTIAL_DIR).exists()  # a finished batch leaves no scratch


def test_the_model_is_loaded_once_per_worker(season, tmp_path, restore_threads):
    import torch

    from highlights.model import save_checkpoint
    from highlights.model.process_cache import loaded_count
    from tests.model_fixtures import tiny_meta, tiny_model

    model = tiny_model()
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    cfg = FAST.with_overrides({"classifier.backend": "checkpoint", "classifier.checkpoint": str(checkpoint),
                               "classifier.min_score": 0.0})
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]
    result = run_batch(games, tmp_path / "out", cfg, workers=1, threads=1, progress=False, log=lambda m: None)
    assert [r["status"] for r in result.records] == ["done"] * 2
    assert loaded_count() == 1 and torch.get_num_threads() == 1
    assert len({r["model_sha256"] for r in result.records}) == 1 and result.records[0]["model_sha256"]


def test_an_interrupted_batch_says_where_it_stands(season, tmp_path, monkeypatch):
    import highlights.batch.runner as runner

    class Interrupted:
        def describe(self):
            return {"engine": "local", "workers": 1, "threads_per_worker": 1}

        def run(self, jobs, on_record):
            raise KeyboardInterrupt  # Ctrl-C while the first game runs

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: Interrupted())
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]
    said = []
    with pytest.raises(KeyboardInterrupt):
        run_batch(games, tmp_path / "out", FAST, workers=1, progress=False, log=said.append)
    # No game had begun, so none kept anything to go on from.
    assert said == [f"interrupted: 0 of 2 games done ({tmp_path / 'out' / 'index.json'} lists them); run the "
                    "command again (without --fresh) to go on from there"]
    assert [r["status"] for r in _index(tmp_path / "out")["games"]] == ["pending", "pending"]


def test_a_changed_pose_model_reruns_the_games_and_a_moved_one_does_not(season, tmp_path, restore_threads):
    import shutil

    import torch

    from highlights.batch.model_files import model_files, model_sha256
    from highlights.pipeline.ranking import DEFAULT_CALIBRATION
    from highlights.pose_classifier.default import DEFAULT_MODEL, load_default_pose_model

    pose_model = tmp_path / "models" / "pose.pt"
    pose_model.parent.mkdir()
    shutil.copy(DEFAULT_MODEL, pose_model)
    cfg = FAST.with_overrides({"classifier.backend": "pose", "classifier.pose_model": str(pose_model)})
    # The packaged model counts when no pose checkpoint is configured; the MoveNet file when it runs.
    named = {"merge.score_calibration": "default"}  # the packaged calibration counts when named
    packaged = dict(model_files(FAST.with_overrides({"classifier.backend": "pose", **named})))
    assert packaged == {"packaged pose classifier": DEFAULT_MODEL, "packaged score calibration": DEFAULT_CALIBRATION}
    roles = [role for role, _ in model_files(PipelineConfig().with_overrides(named))]
    assert roles == ["packaged pose classifier", "MoveNet model (installed bundle)", "packaged score calibration"]
    assert [role for role, _ in model_files(PipelineConfig())] == roles[:2]
    # A pose checkpoint of your own keeps its probabilities: the packaged calibration does not apply.
    assert "packaged score calibration" not in dict(model_files(cfg.with_overrides(named)))

    games = [g for g in collect_games([season / "games.csv"]) if g.game_id == "alpha"]
    out = tmp_path / "out"
    first = run_batch(games, out, cfg, workers=1, progress=False, log=lambda m: None)
    assert first.records[0]["status"] == "done"
    assert first.records[0]["model_sha256"] == model_sha256(cfg) != model_sha256(FAST)
    # index.csv names the model by content: one line of role and file SHA-256 per model file, hashed
    import hashlib

    assert model_files(cfg) == [("pose classifier", pose_model)]
    file_digest = hashlib.sha256(pose_model.read_bytes()).hexdigest()
    expected = hashlib.sha256(f"pose classifier\0{file_digest}\n".encode()).hexdigest()
    with open(out / "index.csv", newline="") as f:
        assert [r["model_sha256"] for r in csv.DictReader(f)] == [expected]

    moved = tmp_path / "elsewhere.pt"
    shutil.copy(pose_model, moved)  # the same model at another path: nothing to redo
    again = run_batch(games, out, cfg.with_overrides({"classifier.pose_model": str(moved)}), workers=1,
                      progress=False, log=lambda m: None)
    assert again.records[0]["reused"] is True

    retrained = load_default_pose_model()  # a model of the same shape with other weights, same path
    with torch.no_grad():
        next(retrained.network.parameters()).add_(0.01)
    retrained.save(pose_model)
    said = []
    third = run_batch(games, out, cfg, workers=1, progress=False, log=said.append)
    assert third.records[0]["reused"] is False and third.records[0]["status"] == "done"
    assert said == ["1 of 1 game complete from an earlier run is run again, their outputs replaced as each is "
                    "done: 1 with another model (a model file's content changed, or a setting names a model file "
                    "where the packaged one ran)"]
    assert third.records[0]["model_sha256"] != first.records[0]["model_sha256"]


def test_local_and_ray_engines_give_the_same_outputs(season, local_out, tmp_path, restore_threads):
    ray = pytest.importorskip("ray")
    games = collect_games([season / "games.csv"])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_batch(games, tmp_path / "ray", FAST, engine="ray", threads=1, progress=False,
                           log=lambda m: None)
    finally:
        ray.shutdown()
    assert remote.summary["done"] == 3 and remote.summary["failed"] == 1
    assert _stable(local_out) == _stable(tmp_path / "ray")
    assert str(os.getpid()) not in {r["worker"].split(":")[1] for r in remote.records if r.get("worker")}
    for name in EVENTS:
        assert _highlights(local_out, name) == _highlights(tmp_path / "ray", name)
        for file in ("highlights.csv", "highlights.edl"):
            assert (local_out / name / file).read_bytes() == (tmp_path / "ray" / name / file).read_bytes()
    # Resume works across engines: the local engine's folders are complete for the Ray run's request.
    again = run_batch(games, tmp_path / "ray", FAST, workers=1, progress=False, log=lambda m: None)
    assert [r.get("reused") for r in again.records] == [True, True, True, False]


def test_detect_command_runs_a_batch(season, tmp_path, restore_threads):
    from typer.testing import CliRunner

    from highlights.cli.app import app

    args = ["detect", str(season / "week0"), str(season / "week1" / "bravo.mp4"), "--out", str(tmp_path),
            "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "classifier.enabled=false",
            "--workers", "1", "--no-progress"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert [r["game_id"] for r in _index(tmp_path)["games"]] == ["alpha", "charlie", "bravo"]
    assert "3 games: 3 done" in " ".join(res.output.split())
    assert not (tmp_path / ".batch.lock").exists()  # the lock file goes with the batch
    for bad, message in ((["--engine", "spark"], "--engine 'spark': choose local or ray"),
                         (["--workers", "0"], "--workers must be at least 1")):
        res = CliRunner().invoke(app, ["detect", str(season), "--out", str(tmp_path / "new" / "out"), *bad])
        assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output
        assert not (tmp_path / "new").exists()  # a refused batch leaves no folder it made


def test_a_manifest_sport_limits_that_games_labels(season, tmp_path, restore_threads):
    """The sport column is the sport a game holds: its highlights carry that sport's labels only; a
    sport the model has no class of fails that game alone, in one line naming its manifest row and
    the classes."""
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,game_id,sport,annotations\n"
                        f"{season / 'week1' / 'bravo.mp4'},bravo,Baseball,{season / 'week1' / 'bravo.json'}\n"
                        f"{season / 'week0' / 'charlie.mp4'},charlie,,{season / 'week0' / 'charlie.json'}\n"
                        f"{season / 'week0' / 'alpha.mp4'},alpha,cricket,{season / 'week0' / 'alpha.json'}\n")
    out = tmp_path / "out"
    run_batch(collect_games([manifest]), out, FAST, workers=1, progress=False, log=lambda m: None)
    rows = {r["game_id"]: r for r in _index(out)["games"]}
    assert [h["label"] for h in _highlights(out, "bravo")] == ["baseball_swing"]
    assert [h["label"] for h in _highlights(out, "charlie")] == [e.label for e in EVENTS["charlie"]]
    saved = json.loads((out / "bravo" / "highlights.json").read_text())["config"]["classifier"]["sport"]
    assert saved == "Baseball"
    assert rows["alpha"]["status"] == "failed"
    assert rows["alpha"]["error"].startswith(f"{manifest}: line 4: classifier.sport='cricket': ")
    assert "baseball_swing" in rows["alpha"]["error"] and "\n" not in rows["alpha"]["error"]


def test_a_manifest_sport_auto_reads_each_games_sport_into_its_record(season, tmp_path, restore_threads):
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,game_id,sport,annotations\n"
                        f"{season / 'week1' / 'bravo.mp4'},bravo,auto,{season / 'week1' / 'bravo.json'}\n")
    out = tmp_path / "out"
    run_batch(collect_games([manifest]), out, FAST, workers=1, progress=False, log=lambda m: None)
    record = _index(out)["games"][0]
    assert record["status"] == "done" and record["sport"] == "auto"
    sport = EVENTS["bravo"][0].sport
    assert record["sport_read"]["sport"] == sport and record["sport_read"]["outcome"] == "read"
    assert {h["label"].split("_")[0] for h in _highlights(out, "bravo")} == {sport}
    with open(out / "index.csv", newline="") as f:
        (row,) = csv.DictReader(f)
    assert (row["sport"], row["sport_read"]) == ("auto", sport)
    (listed,) = [r for r in (out / "index.html").read_text(encoding="utf-8").split("<tr") if ">bravo</a>" in r]
    assert f'<span class="count">sport read: {sport}</span>; <span class="count">' in listed  # then its labels


def test_a_running_game_moves_the_batch_bar_and_its_log_line_before_it_ends(tmp_path, monkeypatch):
    import io
    from types import SimpleNamespace

    from rich.console import Console

    import highlights.progress as progress_module
    from highlights.batch.game_progress import PROGRESS_SUFFIX, GameProgressFile
    from highlights.batch.progress import BatchProgress

    log = Console(file=io.StringIO(), width=200)  # a log file: not a terminal
    monkeypatch.setattr(progress_module, "_STDERR", log)
    monkeypatch.setattr(progress_module, "LOG_EVERY_S", 0.0)
    partial = tmp_path / PARTIAL_DIR
    hour_long = GameProgressFile(partial / f"final.abc{PROGRESS_SUFFIX}", "final", clock=lambda: 0.0)
    jobs = [SimpleNamespace(duration_s=3600.0), SimpleNamespace(duration_s=3600.0)]
    with BatchProgress(jobs, enabled=True, partial_dir=partial) as bar:
        hour_long(1800.0)  # half of the first game analysed, none finished
        bar.refresh()
        assert bar._progress.tasks[0].completed == 1800.0
        assert "0.50/2.00 video-hours" in log.file.getvalue()
        hour_long(2700.0)  # written at most every few seconds: the clock has not moved
        bar.refresh()
        assert bar._progress.tasks[0].completed == 1800.0
        bar.finished({"game_id": "final", "status": "done", "duration_s": 3600.0})
        bar.refresh()  # its file, read before the game ended removed it, does not count twice
        assert bar._progress.tasks[0].completed == 3600.0
    hour_long.remove()
    assert list(partial.iterdir()) == []



def test_the_batch_eta_leaves_out_the_speed_of_a_game_reading_back_what_a_stopped_run_kept(tmp_path, monkeypatch):
    import io
    from types import SimpleNamespace

    from rich.console import Console

    import highlights.progress as progress_module
    from highlights.batch.game_progress import PROGRESS_SUFFIX, GameProgressFile
    from highlights.batch.progress import BatchProgress

    now = {"t": 0.0}
    making = progress_module.progress_of

    def on_our_clock(*columns, **kwargs):
        bar = making(*columns, **kwargs)
        bar.get_time = lambda: now["t"]
        return bar

    monkeypatch.setattr(progress_module, "_STDERR", Console(file=io.StringIO(), width=200))
    monkeypatch.setattr(progress_module, "progress_of", on_our_clock)
    partial = tmp_path / PARTIAL_DIR
    game = GameProgressFile(partial / f"long.abc{PROGRESS_SUFFIX}", "long", clock=lambda: now["t"])
    game.read_back(90.0)  # a stopped run kept the first 1:30 of its 4:00

    def eta() -> str:
        return bar._progress.columns[-1].render(bar._progress.tasks[0]).plain

    with BatchProgress([SimpleNamespace(duration_s=240.0)], enabled=True, partial_dir=partial) as bar:
        for t, video_s in ((0.0, 0.0), (5.0, 60.0), (10.0, 100.0)):  # read back at 12x real time
            now["t"] = t
            game(video_s)
            bar.refresh()
        assert eta() == "-:--:--"  # the rest has just begun: no speed of its own yet
        now["t"] = 20.0
        game(130.0)  # then analysed at 3x real time
        bar.refresh()
        assert eta() == "-:--:--"  # a speed from 10 s of the rest, two steps of the bar, says little yet
        now["t"] = 40.0
        game(190.0)
        bar.refresh()
        assert eta() == "0:00:17"  # (240 - 190) s of video at 90 s per 30 s; from the read-back speed, 0:00:08
    game.remove()

def test_a_game_reports_its_progress_while_it_runs_and_leaves_no_file(season, tmp_path, monkeypatch, restore_threads):
    import highlights.batch.game as game_module

    seen: list[tuple[str, float, bool]] = []

    class Recording(game_module.GameProgressFile):
        def __call__(self, video_s: float) -> None:
            seen.append((self.game_id, video_s, self.path.parent.name == PARTIAL_DIR))

    monkeypatch.setattr(game_module, "GameProgressFile", Recording)
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id == "alpha"]
    result = run_batch(games, tmp_path / "out", FAST, workers=1, progress=False, log=lambda m: None)
    assert result.summary["done"] == 1
    times = [s for _, s, _ in seen]
    assert times == sorted(times) and 1.0 <= times[0] and 6.0 <= times[-1] <= 8.0
    assert {(game, beside) for game, _, beside in seen} == {("alpha", True)}
    assert not (tmp_path / "out" / PARTIAL_DIR).exists()


def test_a_stopped_batch_names_what_each_game_in_flight_kept_and_counts_the_rest():
    from highlights.batch.runner import kept_words

    kept = {"g4": (10.0, 0), "g5": (30.0, 3), "g6": (None, 0), "g7": (None, 1)}
    assert kept_words(kept, ["g3", "g7", "g4", "g5", "g6"]) == (
        "kept for going on: 1 clip of g7's page; the people found in the first 0:10 of g4's video; the people "
        "found in the first 0:30 of g5's video and 3 clips of its page; nothing of g6 (it starts over); ")
    many = {f"a{i}": (12.0 if i in (1, 5) else None, 0) for i in range(7)}
    assert kept_words(many, [f"a{i}" for i in range(7)]).endswith(
        "; 3 other games in flight, 1 of them keeping what it found; ")
    assert kept_words({}, ["g3"]) == ""


def test_a_batch_run_again_reads_equal_sized_uploads_once_and_a_changed_one_again(tmp_path, monkeypatch):
    """The duplicate check hashes videos of equal size; their hashes are kept in the cache folder, so
    a batch resumed or run again does not read them again, until one is written again."""
    from highlights.batch.duplicate_uploads import same_video_as
    from highlights.batch.inputs import GameInput
    from tests.hash_reads import hash_reads

    hashed = hash_reads(monkeypatch, tmp_path / "cache")
    data = os.urandom(50_000)
    (tmp_path / "a.mp4").write_bytes(data)
    (tmp_path / "b.mp4").write_bytes(data)
    games = [GameInput(name, tmp_path / f"{name}.mp4") for name in ("a", "b")]
    for _ in range(2):
        assert {k: v.game_id for k, v in same_video_as(games).items()} == {"b": "a"}
    assert sorted(hashed) == [str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4")]
    (tmp_path / "b.mp4").write_bytes(os.urandom(50_000))  # the same size, other bytes
    assert same_video_as(games) == {}
    assert sorted(hashed) == [str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"), str(tmp_path / "b.mp4")]


def test_a_game_with_annotations_has_its_recall_and_shown_recall_in_the_index(season, local_out):
    """As `detect --annotations` prints them for one game: each annotated game's recall and shown
    recall, counted from the highlights it wrote, in index.json, .csv and .html, and pooled in the
    batch's summary; a game without annotations has none."""
    from highlights.batch.game_scores import pooled_line
    from highlights.events import load_annotation
    from highlights.pipeline.evaluation import evaluate_highlights, shown_in_reel
    from highlights.pipeline.highlight import Highlight

    index = _index(local_out)
    rows = {r["game_id"]: r for r in index["games"]}
    assert "scores" not in rows["corrupt"]
    found = shown = events = 0
    for name in EVENTS:
        annotation = load_annotation(next(season.glob(f"week*/{name}.json")))
        data = json.loads((local_out / name / "highlights.json").read_text())
        highlights = [Highlight.from_dict(h) for h in data["highlights"]]
        at = evaluate_highlights(highlights, annotation, tolerances=[2.0]).at(2.0)
        expected = shown_in_reel(highlights, annotation.events, data["config"]["merge"]["max_length_s"],
                                 at.found_events, 2.0)
        scores = rows[name]["scores"]
        assert (scores["events"], scores["found"], scores["tolerance_s"]) == (len(EVENTS[name]), at.matched, 2.0)
        assert scores["shown_in_reel"]["shown"] == len(expected.shown_events)
        assert scores["shown_in_reel"]["shown_recall_interval"] == expected.shown_recall.stored_interval()
        found, shown, events = found + at.matched, shown + len(expected.shown_events), events + at.events
    pooled = index["summary"]["against_annotations"]
    assert (pooled["games"], pooled["events"], pooled["found"], pooled["shown"]) == (
        3, events, found, shown) == (3, 4, 4, 4)
    with open(local_out / "index.csv", newline="") as f:
        table = {r["game_id"]: r for r in csv.DictReader(f)}
    assert (table["charlie"]["events"], table["charlie"]["found"], table["charlie"]["recall"],
            table["charlie"]["shown"], table["charlie"]["shown_recall"]) == ("2", "2", "1.000", "2", "1.000")
    assert table["corrupt"]["recall"] == table["corrupt"]["shown_recall"] == ""
    page = (local_out / "index.html").read_text()
    assert ">shown recall [95%]</th>" in page and page.count(f">{Rate(2, 2).reported()}</td>") == 2
    assert f"<span>shown recall {Rate(4, 4).reported()}</span>" in page
    line = pooled_line(pooled)
    assert line.startswith(f"against the annotations of 3 games of this run (key moments within "
                           f"2 s, pooled; 95% Wilson "
                           f"intervals): recall {Rate(4, 4).reported()}; shown recall {Rate(4, 4).reported()}: ")


def test_a_game_reused_from_a_folder_written_without_scores_gets_them_in_the_index(
        season, local_out, tmp_path, restore_threads):
    """A season's folders written by a version whose index kept no scores: run again, each complete
    game is reused, not run, and its recall and shown recall are counted from the highlights.json
    it wrote, as when it ran."""
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    ran = {r["game_id"]: r for r in _index(local_out)["games"]}
    for name in EVENTS:
        record_path = out / name / "game.json"
        record = json.loads(record_path.read_text())
        del record["scores"]
        record_path.write_text(json.dumps(record))
    run_batch(collect_games([season / "games.csv"]), out, FAST, workers=1, progress=False, log=lambda m: None)
    index = _index(out)
    games = {r["game_id"]: r for r in index["games"]}
    for name in EVENTS:
        assert games[name]["reused"] and games[name]["scores"] == ran[name]["scores"]
    assert index["summary"]["against_annotations"] == _index(local_out)["summary"]["against_annotations"]


def test_a_reused_game_whose_highlights_json_cannot_be_read_is_listed_without_scores(
        season, local_out, tmp_path, restore_threads):
    """A folder written before the index kept scores, whose highlights.json was since cut short:
    the game is listed as it was, without scores, and the batch goes on to count the others."""
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    for name in EVENTS:
        record_path = out / name / "game.json"
        record = json.loads(record_path.read_text())
        del record["scores"]
        record_path.write_text(json.dumps(record))
    damaged = out / "alpha" / "highlights.json"
    damaged.write_text(damaged.read_text()[:40])
    run_batch(collect_games([season / "games.csv"]), out, FAST, workers=1, progress=False, log=lambda m: None)
    games = {r["game_id"]: r for r in _index(out)["games"]}
    assert games["alpha"]["reused"] and "scores" not in games["alpha"]
    assert all(games[name]["scores"]["events"] == len(EVENTS[name]) for name in ("bravo", "charlie"))
    assert _index(out)["summary"]["against_annotations"]["games"] == 2


def test_a_batch_of_one_game_says_one_game_not_one_games(tmp_path):
    from highlights.batch.inputs import GameInput
    from highlights.batch.runner import _interrupted_line, _Plan, _say_skipped_and_rerun

    said: list[str] = []
    _say_skipped_and_rerun(_Plan(records={"g1": {"reused": True}}), 1, said.append)
    assert said == ["1 of 1 game is complete from an earlier run with the same config and model: skipped"]
    game = GameInput("g1", tmp_path / "g1.mp4")
    line = _interrupted_line({"g1": {"status": "done"}}, [game], tmp_path / "out")
    assert line.startswith(f"interrupted: 1 of 1 game done ({tmp_path / 'out' / 'index.json'} lists them); ")
