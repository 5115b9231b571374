"""A game whose middle is damaged (packets that fail to decode) is analysed where it decodes, and
every output says what was not: highlights.json, the page, the terminal summary, `pipeline
evaluate` beside recall (the miss's cause is the video), and the batch index (done, with a warning)."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import av
import pytest
from typer.testing import CliRunner

from highlights.batch import run_batch
from highlights.batch.inputs import GameInput
from highlights.cli.app import app
from highlights.events import load_annotation
from highlights.pipeline.detect import detect_highlights
from highlights.pipeline.eval_report import evaluate_result
from highlights.pipeline.run import run_pipeline
from highlights.video import iter_frames
from tests.batch_fixtures import FAST
from tests.pipeline_fixtures import DEFAULT_EVENTS, damaged_copy, make_game

# The game's second event (key moment at 12 s) lies inside the damaged stretch.
DAMAGED_FROM_S, DAMAGED_TO_S = 10.0, 14.0
LOST = next(e for e in DEFAULT_EVENTS if DAMAGED_FROM_S < e.key_s < DAMAGED_TO_S)


@pytest.fixture(scope="module")
def games(tmp_path_factory):
    intact = make_game(tmp_path_factory.mktemp("damaged_game"))
    return intact, damaged_copy(intact, "damaged", DAMAGED_FROM_S, DAMAGED_TO_S)


def test_highlights_json_and_the_page_record_the_damaged_stretch(games, tmp_path):
    intact, damaged = games
    annotation = load_annotation(intact.with_suffix(".json"))
    whole = run_pipeline(intact, FAST, annotation=annotation, progress=False)
    result, files = detect_highlights(damaged, FAST, tmp_path / "out", annotation=annotation, progress=False)
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    damage = data["damage"]
    assert damage["packets_skipped"] == (DAMAGED_TO_S - DAMAGED_FROM_S) * 20  # every zeroed packet, 20 fps
    # What an intact copy analyses is what the damaged one was expected to.
    assert damage["analysis_frames_expected"] == whole.stats["analysis_frames"]
    assert damage["analysis_frames_analysed"] == result.stats["analysis_frames"] < whole.stats["analysis_frames"]
    [(start, end)] = damage["unanalysed_s"]
    assert DAMAGED_FROM_S - 0.2 <= start <= DAMAGED_FROM_S and DAMAGED_TO_S <= end <= DAMAGED_TO_S + 0.2
    assert whole.damage is None and whole.to_dict()["damage"] is None
    page = files["html"].read_text(encoding="utf-8")
    assert "The video is damaged: 80 damaged packets skipped: " in page
    assert f"{damage['analysis_frames_analysed']} of {damage['analysis_frames_expected']} analysis frames" in page


def test_detect_and_pipeline_evaluate_say_it_and_blame_the_video(games, tmp_path):
    intact, damaged = games
    fast = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "classifier.backend=oracle"]
    detect = CliRunner().invoke(app, ["detect", str(damaged), "--out", str(tmp_path / "d"), "--no-progress",
                                      "--annotations", str(damaged.with_suffix(".json")), *fast])
    assert detect.exit_code == 0, detect.output
    said = [line for line in detect.output.splitlines() if "damaged packets" in line]
    assert len(said) == 1 and said[0].startswith("the video is damaged: 80 damaged packets skipped: ")
    evaluate = CliRunner().invoke(app, ["pipeline", "evaluate", str(damaged), "--annotations",
                                        str(damaged.with_suffix(".json")), "--out", str(tmp_path / "e"),
                                        "--no-progress", *fast])
    assert evaluate.exit_code == 0, evaluate.output
    assert "The video is damaged: 80 damaged packets skipped: " in " ".join(evaluate.output.split())
    report = json.loads((tmp_path / "e" / "pipeline_eval.json").read_text(encoding="utf-8"))
    [miss] = report["attribution"]["misses"]
    assert (miss["key_s"], miss["cause"], miss["stage"]) == (LOST.key_s, "damaged_video", "damaged video")
    assert "The video is damaged" in (tmp_path / "e" / "pipeline_eval.md").read_text(encoding="utf-8")
    # Scored again from its highlights.json, it says the same; a highlights.json written before the
    # field existed scores as it did.
    written = tmp_path / "e" / "highlights.json"
    old = tmp_path / "old" / "highlights.json"
    old.parent.mkdir()
    old.write_text(json.dumps({k: v for k, v in json.loads(written.read_text()).items() if k != "damage"}))
    for predictions, damaged_line in ((written, True), (old, False)):
        score = CliRunner().invoke(app, ["pipeline", "score", "--predictions", str(predictions), "--annotations",
                                         str(damaged.with_suffix(".json")), "--out", str(predictions.parent / "s")])
        assert score.exit_code == 0, score.output
        assert ("The video is damaged: 80 damaged packets skipped: " in " ".join(score.output.split())) is damaged_line
    # The intact game loses no event to its video.
    annotation = load_annotation(intact.with_suffix(".json"))
    whole = evaluate_result(run_pipeline(intact, FAST, annotation=annotation, progress=False), annotation)
    assert whole.attribution["missed"] == 0 and whole.about["damage"] is None


def test_the_batch_index_marks_the_damaged_game_done_with_a_warning(games, tmp_path, restore_threads):
    intact, damaged = games
    inputs = [GameInput(game_id=v.stem, video=v, annotations=v.with_suffix(".json")) for v in (intact, damaged)]
    said: list[str] = []
    batch = run_batch(inputs, tmp_path / "batch", FAST, workers=1, progress=False, log=said.append)
    records = {r["game_id"]: r for r in batch.records}
    assert records["game"]["status"] == records["damaged"]["status"] == "done"
    assert records["game"]["warning"] is None and records["game"]["damage"] is None
    assert records["damaged"]["warning"].startswith("80 damaged packets skipped: ")
    assert records["damaged"]["damage"]["packets_skipped"] == 80
    assert batch.summary["with_warning"] == 1
    with (tmp_path / "batch" / "index.csv").open(encoding="utf-8") as fh:
        rows = {row["game_id"]: row for row in csv.DictReader(fh)}
    assert rows["game"]["warning"] == "" and rows["damaged"]["warning"].startswith("80 damaged packets skipped")
    page = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    assert "done, with a warning: the video is damaged: 80 damaged packets skipped" in page
    assert any(line.startswith("damaged: done, with a warning: ") for line in said)


def test_a_damaged_start_is_a_stretch_never_analysed(games):
    # Nothing decodes before the second keyframe (2 s): the first analysis frame comes late.
    intact, _ = games
    damaged = damaged_copy(intact, "damaged_start", 0.0, 2.0)
    annotation = load_annotation(damaged.with_suffix(".json"))
    whole = run_pipeline(intact, FAST, annotation=annotation, progress=False)
    result = run_pipeline(damaged, FAST, annotation=annotation, progress=False)
    assert result.damage["unanalysed_s"] == [[0.0, 2.0]]
    assert result.damage["analysis_frames_expected"] == whole.stats["analysis_frames"]
    assert result.damage["analysis_frames_analysed"] == result.stats["analysis_frames"] < whole.stats["analysis_frames"]


def test_the_run_says_the_damage_once_not_the_reader_too(games, caplog):
    _, damaged = games
    annotation = load_annotation(damaged.with_suffix(".json"))
    with caplog.at_level(logging.WARNING):
        result = run_pipeline(damaged, FAST, annotation=annotation, progress=False)
    assert result.damage["packets_skipped"] == 80
    assert [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()] == []


REAL_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev"
REAL_GAME = REAL_DEV / "untrimmed" / "arturchichorro__demo1.mp4"


@pytest.mark.skipif(not REAL_GAME.is_file(), reason="real footage not present")
def test_frames_after_a_damaged_stretch_keep_their_own_times(tmp_path):
    # In this phone recording, damaged from 10 s to 16 s, the decoder lets a picture from before the
    # damage out after the first one past it: timed after that one, it pushed every later frame
    # one frame late, and the analysis grid then kept more frames than the intact video gives.
    damaged = tmp_path / "damaged.mp4"
    with av.open(str(REAL_GAME)) as container:
        stream = container.streams.video[0]
        spans = [(p.pos, p.size) for p in container.demux(stream)
                 if p.size and p.pts is not None and 10.0 <= float(p.pts * stream.time_base) < 16.0]
    data = bytearray(REAL_GAME.read_bytes())
    for at, size in spans:
        data[at:at + size] = bytes(size)
    damaged.write_bytes(bytes(data))
    after = [[round(f.time_s, 4) for f in iter_frames(path, target_fps=10.0, max_short_side=32)
              if f.time_s > 16.6] for path in (REAL_GAME, damaged)]
    assert after[0] and after[1] == after[0]


def test_a_whole_detect_says_the_damage_once(tmp_path, caplog):
    # Damage inside the last highlight, which runs to the end of the video: cutting the reel and
    # clips reads the damaged stretch again, through to the end, and the run has recorded the
    # damage already, so that read says nothing of its own.
    intact = make_game(tmp_path, duration_s=20.5)
    damaged = damaged_copy(intact, "damaged_at_the_end", 19.6, 20.0)
    annotation = load_annotation(intact.with_suffix(".json"))
    with caplog.at_level(logging.WARNING):
        result, files = detect_highlights(damaged, FAST, tmp_path / "out", annotation=annotation, progress=False)
    assert result.damage["packets_skipped"] == 8
    assert any(h.start_s < 19.6 and h.end_s >= 20.5 for h in result.highlights) and files["reel"].is_file()
    assert [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()] == []
