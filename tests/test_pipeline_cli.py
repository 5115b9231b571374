"""`highlights detect` and `highlights pipeline evaluate|ablate|config` through the command line layer."""

from __future__ import annotations

import json
import re

import pytest

from highlights.pipeline.evaluation import Rate
from highlights.pipeline.highlight import Highlight
from tests.picture_checks import check_linked_picture
from tests.pipeline_fixtures import DEFAULT_EVENTS, late_clock_copy, make_game

GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("cli-game"), duration_s=14.0,
                     events=DEFAULT_EVENTS[:2])


def test_detect_writes_highlights_json(cli, video, tmp_path):
    res = cli("detect", video, "--out", tmp_path, *GT, "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "highlights.json").read_text())
    hl = [Highlight.from_dict(h) for h in data["highlights"]]
    assert [h.label for h in hl] == ["baseball_swing", "basketball_layup"]
    assert data["config"]["classifier"]["enabled"] is False and data["stages"]["classifier"] == "off"
    # The speed printed is the analysis's, which highlights.json records, and the line says so; the
    # length and seconds printed beside it divide to it.
    said = " ".join(res.output.split())
    speed = data["stats"]["speed_x_realtime"]
    printed = re.search(r"in ([\d.]+) s of video \(found in ([\d.]+) s, ([\d.]+)x real time, before the outputs "
                        r"were written", said)
    assert printed, said
    length, seconds = (float(printed.group(i)) for i in (1, 2))
    assert float(printed.group(3)) == speed == round(length / seconds, 2)
    assert length == pytest.approx(data["video"]["duration_s"], abs=0.5)
    assert seconds == pytest.approx(data["stats"]["seconds"], abs=0.05)
    # and what to do next, as a command that runs
    assert said.endswith(f"next: review them in the browser, accept, reject or relabel each: "
                         f"highlights review {tmp_path}")


def test_detect_needs_no_checkpoint(cli, video, tmp_path):
    res = cli("detect", video, "--out", tmp_path, *GT, "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "highlights.json").read_text())
    assert data["config"]["classifier"]["backend"] == "pose" and data["stages"]["classifier"] == "pose"


def test_detect_errors_are_one_line(cli, video, tmp_path):
    # With no checkpoint the packaged pose classifier runs; the R(2+1)D backend needs one.
    res = cli("detect", video, "--out", tmp_path, *GT, "--set", "classifier.backend=checkpoint", "--no-progress")
    assert res.exit_code == 1 and "needs a checkpoint" in res.output
    res = cli("detect", tmp_path / "missing.mp4", "--out", tmp_path, "--set", "classifier.enabled=false")
    assert res.exit_code == 1 and "missing.mp4" in res.output
    res = cli("detect", video, "--out", tmp_path, "--set", "pose.video_mode=perhaps")
    assert res.exit_code == 1 and "pose.video_mode='perhaps': expected bool" in res.output
    res = cli("detect", video, "--out", tmp_path, "--set", "detection.backend=mediapipe",
              "--set", "pose.mediapipe_model_complexity=2",
              "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 1 and "download" in res.output


def test_a_checkpoint_folder_without_best_pt_is_named_as_such(cli, video, tmp_path):
    """A run folder is read as its best.pt; a folder without one says so, as `evaluate` does."""
    empty = tmp_path / "runs" / "v2"
    empty.mkdir(parents=True)
    for args in (["detect", video, "--out", tmp_path / "out", "--checkpoint", empty],
                 ["detect", video, "--out", tmp_path / "out", "--set", f"classifier.pose_model={empty}"]):
        res = cli(*args, *GT, "--no-progress")
        assert res.exit_code == 1, res.output
        lines = [line for line in res.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"error: {empty}: a folder without best.pt"), res.output


def test_detect_against_annotations_says_how_many_got_the_right_class(cli, video, tmp_path):
    """Recall counts a highlight near an event whatever its label: the line says how many of the
    events were also given their class, so a run that finds every shot but names each one wrong
    does not read as perfect."""
    res = cli("detect", video, "--annotations", video.with_suffix(".json"), "--out", tmp_path / "d", *GT,
              "--set", "classifier.backend=oracle", "--set", "classifier.oracle_accuracy=0.0", "--no-progress")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "recall 1.000 [0.342, 1.000] (2/2)" in text and "right class 0.000 [0.000, 0.658] (0/2)" in text, res.output


def test_detect_against_annotations_prints_the_shown_recall_beside_the_recall(cli, video, tmp_path):
    """As `pipeline evaluate` does: the events whose key moment lies inside a highlight, matched to
    it or not, counted from the highlights the run wrote."""
    from highlights.events import load_annotation
    from highlights.pipeline.evaluation import evaluate_highlights, shown_in_reel

    ann = video.with_suffix(".json")
    res = cli("detect", video, "--annotations", ann, "--out", tmp_path / "d", *GT,
              "--set", "classifier.backend=oracle", "--set", "merge.max_length_s=6", "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "d" / "highlights.json").read_text())
    highlights, events = [Highlight.from_dict(h) for h in data["highlights"]], load_annotation(ann).events
    at = evaluate_highlights(highlights, load_annotation(ann), tolerances=[2.0]).at(2.0)
    shown = shown_in_reel(highlights, events, 6.0, at.found_events, 2.0)
    assert shown.shown_recall == Rate(2, 2) and shown.max_length_s == data["config"]["merge"]["max_length_s"]
    text = " ".join(res.output.split())
    assert ("shown recall 1.000 [0.342, 1.000] (2/2): events whose key moment lies inside a highlight no longer "
            "than 6 s (merge.max_length_s), any label; 0 of them matched to no highlight "
            "within 2 s") in text, res.output


def test_detect_says_how_many_of_the_reels_highlights_name_the_events_class(cli, video, tmp_path):
    """A reel's highlight at an event counts as right whatever its label, as precision counts it:
    beside that share the line says how many of them also name the event's class, so a reel of
    highlights all at events and all of the wrong class does not read as all right."""
    res = cli("detect", video, "--annotations", video.with_suffix(".json"), "--out", tmp_path / "d", *GT,
              "--set", "classifier.backend=oracle", "--set", "classifier.oracle_accuracy=0.0",
              "--set", "merge.reel_min_seconds=0", "--set", "merge.reel_share=0.3", "--no-progress")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "95% Wilson intervals" in text
    reel = json.loads((tmp_path / "d" / "highlights.json").read_text())["stats"]["reel"]
    k = reel["highlights"]
    assert 0 < k < reel["of"]
    assert f"({k}/{k}) are right, 0/{k} with the event's class" in text, res.output


def test_evaluate_and_ablate(cli, video, tmp_path):
    ann = video.with_suffix(".json")
    res = cli("pipeline", "evaluate", "--video", video, "--annotations", ann, "--out", tmp_path / "eval",
              *GT, "--set", "classifier.backend=oracle", "--set", "pose.gt_dropout=1.0", "--no-progress")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "eval" / "pipeline_eval.json").read_text())
    assert report["attribution"]["by_cause"]["pose"]["count"] == 2
    # beside the recall, the events the highlights show (none: no pose, no highlight), in all three
    shown = report["shown_in_reel"]
    assert (shown["shown"], shown["events"], shown["max_length_s"]) == (0, 2, 12.0)
    assert shown["shown_recall_interval"] == [round(x, 4) for x in Rate(0, 2).interval]
    assert "shown recall 0.000" in " ".join(res.output.split())
    assert "Shown recall 0.000" in (tmp_path / "eval" / "pipeline_eval.md").read_text()
    # The terminal counts misses as the Markdown does: at class level, out of the events.
    assert "2 of 2 events missed (tolerance 2 s, class level)" in " ".join(res.output.split())
    # ... and each miss with the stage that lost it and why, as in the Markdown
    for miss in report["attribution"]["misses"]:
        row = next(line for line in res.output.splitlines() if f" {miss['event_id']} " in line)
        assert " pose " in row and "no usable pose during the event" in row, row
    check_linked_picture(tmp_path / "eval", "pipeline_eval_timeline.png", "pipeline_eval.md", res.output)
    res = cli("pipeline", "ablate", "--video", video, "--annotations", ann, "--out", tmp_path / "abl",
              *GT, "--set", "classifier.backend=oracle", "--change", "pose.gt_dropout=1.0",
              "--change", "merge.nms_iou=0.5", "--no-progress")
    assert res.exit_code == 0, res.output
    assert "Changes that cost recall (alone, or inside the batch): pose.gt_dropout." in " ".join(res.output.split())
    saved = json.loads((tmp_path / "abl" / "ablation.json").read_text())
    assert saved["culprits"] == saved["class_culprits"] == ["pose.gt_dropout"]
    assert [r["kind"] for r in saved["rows"]] == ["baseline", "alone", "alone", "all", "all_but", "all_but"]
    # no pose at all loses every event the baseline found, and the change says which moved
    dropout = saved["rows"][1]
    assert dropout["events_vs_baseline"] == {"gained": 0, "lost": saved["rows"][0]["matched"]}
    assert dropout["delta_recall"] == -saved["rows"][0]["recall"]
    # with its paired interval: every event the baseline found lost, none gained (found by neither else)
    from highlights.rate_interval import paired_difference_interval

    base = saved["rows"][0]
    expected = paired_difference_interval(0, 0, base["matched"], base["events"] - base["matched"])
    assert dropout["delta_recall_interval"] == pytest.approx(expected, abs=1e-4)
    assert "Newcombe" in saved["intervals"]["changes_of_recall"]
    # each run's shown recall beside its recall, in its own table (no pose: none shown)
    assert saved["rows"][1]["shown_in_reel"]["shown"] == 0 and saved["rows"][1]["shown_in_reel"]["events"] == 2
    said = " ".join(res.output.split())
    assert "Shown recall: events whose key moment lies inside a highlight no longer than 12 s" in said
    assert "Shown recall: events whose key moment" in (tmp_path / "abl" / "ablation.md").read_text()
    check_linked_picture(tmp_path / "abl", "ablation.png", "ablation.md", res.output)


def test_config_prints_editable_json(cli, tmp_path):
    res = cli("pipeline", "config", "--set", "pose.video_mode=false")
    assert res.exit_code == 0
    path = tmp_path / "pipeline.json"
    path.write_text(res.output)
    res = cli("pipeline", "config", "--config", path)
    assert json.loads(res.output)["pose"]["video_mode"] is False


def test_another_videos_annotation_is_refused_before_the_run(cli, video, tmp_path):
    """A 14 s video scored against the annotation of a 24 s game whose last shot is at 19 s."""
    longer = make_game(tmp_path / "longer", duration_s=24.0)
    res = cli("pipeline", "evaluate", "--video", video, "--annotations", longer.with_suffix(".json"),
              "--out", tmp_path / "eval", *GT, "--no-progress")
    assert res.exit_code == 1, res.output
    said = " ".join(res.output.split())
    assert said.startswith(f"error: {longer.with_suffix('.json')}: 1 of 3 key moments are after the end of "
                           f"{video.name} (14.0 s; the last at 19.0 s)"), said
    assert not (tmp_path / "eval").exists()
    res = cli("detect", video, "--annotations", longer.with_suffix(".json"), "--out", tmp_path / "d", *GT,
              "--no-progress")
    assert res.exit_code == 1 and "after the end of" in res.output and not (tmp_path / "d").exists()
    # Its own annotation, and one whose events all lie inside, are taken.
    res = cli("pipeline", "evaluate", "--video", longer, "--annotations", video.with_suffix(".json"),
              "--out", tmp_path / "eval", *GT, "--set", "classifier.backend=oracle", "--no-progress")
    assert res.exit_code == 0, res.output


def test_ctrl_c_during_detect_says_nothing_was_written_and_that_it_starts_over(cli, video, tmp_path, monkeypatch):
    import highlights.pipeline.detect as detect

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(detect, "run_pipeline", interrupted)
    out = tmp_path / "out"
    res = cli("detect", video, "--out", out, *GT, "--no-progress")
    said = " ".join(res.output.split())
    assert res.exit_code == 130, res.output
    assert f"interrupted: nothing was written to {out}" in said and "run the command again to start it over" in said
    assert not out.exists()


def test_a_reel_that_replays_much_of_the_game_names_the_caps(cli, video, tmp_path, monkeypatch):
    # A whole game of active play gives hundreds of highlights and, with every highlight in the
    # reel (merge.reel_share=0), a reel of most of the game; the 14 s test game's reel stands in
    # for one (the length floor set to 0).
    import highlights.pipeline.reel_length as reel_length

    monkeypatch.setattr(reel_length, "LONG_REEL_MIN_S", 0.0, raising=False)
    res = cli("detect", video, "--out", tmp_path / "a", *GT, "--set", "classifier.enabled=false",
              "--set", "merge.reel_share=0", "--no-progress")
    said = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert "the reel is " in said and "--max-highlights N or --reel-seconds S keeps the best-scored" in said
    capped = cli("detect", video, "--out", tmp_path / "b", *GT, "--set", "classifier.enabled=false",
                 "--max-highlights", "1", "--no-progress")
    assert capped.exit_code == 0 and "the reel is " not in capped.output


def test_the_reel_holds_the_best_ranked_highlights_that_fit_its_share_and_the_lists_hold_all(cli, video, tmp_path):
    # A share of the 14 s game small enough that only the best highlight fits (the minute floor
    # off): the reel is that highlight's footage, the clips, the CSV and highlights.json every one.
    import csv

    from highlights.video import probe

    out = tmp_path / "d"
    res = cli("detect", video, "--out", out, *GT, "--set", "classifier.enabled=false", "--annotations",
              video.with_suffix(".json"), "--set", "merge.reel_min_seconds=0", "--set", "merge.reel_share=0.3",
              "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((out / "highlights.json").read_text())
    hl = [Highlight.from_dict(h) for h in data["highlights"]]
    assert len(hl) == 2
    best = min(hl, key=lambda h: h.rank)
    reel = data["stats"]["reel"]
    assert reel["ranks"] == [1] and reel["of"] == 2 and reel["budget_s"] == pytest.approx(0.3 * 14.0, abs=0.1)
    assert reel["seconds"] == pytest.approx(best.end_s - best.start_s, abs=1e-3)
    said = " ".join(res.output.split())
    assert ("reel: the best-ranked one of 2 highlights" in said
            and "merge.reel_share=0 puts every highlight in it" in said)
    assert "recall 1.00" in said and "of the reel's highlights, 1.00" in said and "(1/1) are right" in said
    assert probe(out / "reel.mp4").duration_s == pytest.approx(best.end_s - best.start_s, abs=0.15)
    assert len(list((out / "clips").glob("*.mp4"))) == 2
    page = (out / "highlights.html").read_text()
    assert "the reel holds the 1 best-ranked" in page and "(those that fit in 4 s: 30% of the game)" in page
    assert "<dt>rank</dt><dd>1, in the reel</dd>" in page and "<dt>rank</dt><dd>2, not in the reel</dd>" in page
    with open(out / "highlights.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    # a spreadsheet sorts by rank and sees what the reel holds, as the page says it
    assert sorted((int(r["rank"]), r["in_reel"]) for r in rows) == [(1, "yes"), (2, "no")]
    assert {int(r["rank"]): float(r["start_s"]) for r in rows}[1] == pytest.approx(best.start_s, abs=1e-3)
    # The minute floor keeps every highlight of a short clip in its reel, and says nothing of it.
    whole = cli("detect", video, "--out", tmp_path / "e", *GT, "--set", "classifier.enabled=false", "--no-progress")
    reel = json.loads((tmp_path / "e" / "highlights.json").read_text())["stats"]["reel"]
    assert reel["ranks"] == [1, 2] and reel["budget_s"] == 60.0 and "best-ranked of" not in whole.output
    assert probe(tmp_path / "e" / "reel.mp4").duration_s == pytest.approx(reel["seconds"], abs=0.15)


def test_detect_with_no_highlights_says_the_classifier_turned_every_window_down(cli, video, tmp_path):
    """A freshly trained model that passes nothing gives 0 highlights: the line says where they went
    (every window turned down) and by how much the nearest one missed."""
    res = cli("detect", video, "--out", tmp_path / "d", *GT, "--set", "classifier.backend=untrained",
              "--set", "classifier.min_score=0.99", "--no-progress")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "0 highlights in" in text
    assert "no highlights: the classifier turned down every window, the most action-like of 2 windows said" in text
    # with nothing to accept or reject, what the review offers is the windows turned down
    assert text.endswith("next: review the windows the classifier turned down in the browser, mark each action it "
                         f"missed: highlights review {tmp_path / 'd'}")


def test_detect_with_no_trigger_says_no_window_reached_the_classifier(cli, video, tmp_path):
    """Players who move but never fast enough give 0 highlights before the classifier: the line
    says so and names the kinematics settings, rather than leaving it to look like the model's no."""
    res = cli("detect", video, "--out", tmp_path / "d", *GT, "--set", "kinematics.wrist_speed_threshold=1000",
              "--set", "kinematics.ankle_speed_threshold=1000", "--set", "kinematics.hip_rise_threshold=100",
              "--no-progress")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "0 highlights in" in text and "turned down every window" not in text
    assert "no wrist or ankle moved fast enough and no player jumped with an arm raised, so no window reached " \
           "the classifier" in text and "--set kinematics.enabled=false" in text
    # A run whose triggers fire says nothing of the kind.
    fired = cli("detect", video, "--out", tmp_path / "e", *GT, "--no-progress")
    assert fired.exit_code == 0 and "no window reached the classifier" not in " ".join(fired.output.split())


def test_pipeline_evaluate_records_each_model_file_it_loaded_by_sha256(cli, video, tmp_path):
    import hashlib

    from highlights.pose_classifier.default import DEFAULT_MODEL

    res = cli("pipeline", "evaluate", "--video", video, "--annotations", video.with_suffix(".json"),
              "--out", tmp_path / "eval", *GT, "--no-progress")
    assert res.exit_code == 0, res.output
    models = json.loads((tmp_path / "eval" / "pipeline_eval.json").read_text())["models"]
    pose = next(m for m in models if m["role"] == "packaged pose classifier")
    assert pose["sha256"] == hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()
    assert "under `models`" in (tmp_path / "eval" / "pipeline_eval.md").read_text()


def test_detect_on_a_still_picture_says_nothing_moved(cli, tmp_path):
    """A camera left on a still scene (a lens cap, a picture) opens no window: the line says that
    nothing moved and names the motion gate, rather than leaving "0 highlights" unexplained."""
    import numpy as np

    from highlights.video import write_video

    still = write_video(tmp_path / "still.mp4",
                        (np.full((90, 160, 3), (40, 120, 50), np.uint8) for _ in range(60)), 10.0)
    res = cli("detect", still, "--out", tmp_path / "d", "--no-progress")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    # the length takes the places at which it divides to the speed printed: "6 s" or "6.0 s"
    assert re.search(r"0 highlights in 6(\.0+)? s of video", text), text
    assert "no highlights: nothing in the video moved enough to be looked at for people (the motion gate: " \
           "candidates.motion_threshold=0.3" in text


def test_detect_times_its_speed_by_the_pictures_length_where_the_clock_starts_an_hour_in(cli, video, tmp_path):
    """A camera's clock kept by a stream copy: the pictures lie from 3600 s to 3614 s on it, from
    0 to 14 s on the file's timeline. The run analysed 14 s of video, and its speed is of those; it
    said 3614 s and a speed 250 times too high."""
    late = late_clock_copy(video, tmp_path / "late.mkv")
    res = cli("detect", late, "--out", tmp_path / "out", *GT, "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "out" / "highlights.json").read_text())
    assert data["video"]["start_s"] == pytest.approx(0.0, abs=0.01)
    assert data["video"]["duration_s"] == pytest.approx(14.0, abs=0.1)
    stats = data["stats"]
    assert stats["speed_x_realtime"] == pytest.approx(14.0 / stats["seconds"], rel=0.02)
    length_s = data["video"]["duration_s"] - data["video"]["start_s"]
    assert stats["speed_x_realtime"] == round(length_s / stats["seconds"], 2)  # the stored figures
    assert re.search(r"in 14(\.0+)? s of video", " ".join(res.output.split()))
    # the page's game length and the reel's budget are of the same 14 s, not of the clock's end
    assert "from a 0:14 game" in (tmp_path / "out" / "highlights.html").read_text()
    # a minute at least; a tenth of 3614 s was 361 s
    assert stats["reel"]["budget_s"] == pytest.approx(60.0)
    from highlights.pipeline.eval_report import _what_was_scored

    opening = _what_was_scored({"video": data["video"], "stages": data["stages"]})[0]
    assert f"Video: `{late}` (14.0 s)" in opening


def test_detect_says_when_the_video_has_fewer_pictures_a_second_than_it_analyses(cli, video, tmp_path):
    from tests.pipeline_fixtures import make_game

    slow = make_game(tmp_path / "slow", duration_s=14.0, fps=2.0, events=DEFAULT_EVENTS[:2])
    said = {}
    for name, path in (("slow", slow), ("usual", video)):
        res = cli("detect", path, "--out", tmp_path / f"{name}-out", *GT, "--set", "classifier.enabled=false",
                  "--no-progress")
        assert res.exit_code == 0, res.output
        said[name] = " ".join(res.output.split())
    assert "note: the video has 2 pictures a second, fewer than the 10 the analysis looks at" in said["slow"]
    assert "pictures a second, fewer than" not in said["usual"]


def test_progress_counts_the_video_analysed_from_its_first_picture_where_the_clock_starts_an_hour_in(video, tmp_path):
    """The progress a caller (a batch's bar and ETA) is told is seconds analysed of the pictures'
    length: it was told 3600 of 3614 s done at the first picture."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.run import run_pipeline

    told = []
    config = PipelineConfig().with_overrides(["detection.backend=gt", "pose.backend=gt", "classifier.enabled=false"])
    run_pipeline(late_clock_copy(video, tmp_path / "late.mkv"), config,
                 progress=lambda stage, done, total: told.append((done, total)))
    assert told and all(total == pytest.approx(14.0, abs=0.1) for _, total in told)
    assert told[0][0] < 2.0 and told[-1][0] == pytest.approx(14.0, abs=0.1)

