"""Few and right highlights through the pipeline: per-track classification, ranks, the fitted
score calibration and its reliability in `pipeline evaluate`."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.records import FrameRecord, Person
from highlights.pipeline.run import run_pipeline
from tests.picture_checks import check_linked_picture
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game
from tests.wilson_reference import wilson

GT = {"detection.backend": "gt", "pose.backend": "gt"}
GT_FLAGS = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("precision-game"), duration_s=16.0, events=DEFAULT_EVENTS[:2])
    return video, load_annotation(video.with_suffix(".json"))


def _records(gt_path) -> list[FrameRecord]:
    out = []
    for i, line in enumerate(gt_path.read_text().splitlines()):
        row = json.loads(line)
        persons = [Person(box=tuple(p["box"]), keypoints=np.asarray(p["keypoints"], np.float32), track_id=p["id"])
                   for p in row["persons"]]
        out.append(FrameRecord(index=i, time_s=float(row["t"]), persons=persons))
    return out


def test_a_triggered_window_is_classified_on_the_track_that_moved(game):
    from highlights.pipeline.stages.pose_classifier import _PoseWindows, _load_pose_model

    video, annotation = game
    result = run_pipeline(video, PipelineConfig().with_overrides(GT), annotation=annotation, progress=False)
    keyed = [r for r in result.trace.classifications if r["key_s"] is not None]
    # The actor (id 0) makes every trigger; the bystander (id 1) stands still.
    assert keyed and all(r["track"] == "0" for r in keyed)
    for h in result.highlights:
        assert h.evidence["classifier"]["track"] == h.evidence["kinematics"]["track"] == "0"

    records = _records(video.with_suffix(".gt.jsonl"))
    # The box of the person the classifier read is kept (the synthetic-game bench finds who acted
    # by it): the actor's own box at the time it was taken, inside the window.
    assert result.highlights
    for h in result.highlights:
        prominence = h.evidence["classifier"]["prominence"]
        s, e = h.evidence["classifier"]["window"]
        assert s <= prominence["box_s"] <= e
        at = min(records, key=lambda r: abs(r.time_s - prominence["box_s"]))
        actor = next(p for p in at.persons if p.track_id == 0)
        assert np.allclose(prominence["box"], actor.box, atol=0.1)
    stage = SimpleNamespace(config=PipelineConfig(), context=SimpleNamespace(
        records_between=lambda s, e: [r for r in records if s <= r.time_s <= e]))
    model = _load_pose_model(None)
    windows = _PoseWindows(stage, model)
    none = model.classes.index("none")
    for event in annotation.events:
        s, e = event.key_s - 1.0, event.key_s + 1.0
        actor, bystander, anyone = (windows.proba((s, e, t)) for t in ("0", "1", None))
        # The same seconds read on the one who acted and on the one who stood differ; with no
        # track named, the more action-like of the two speaks for the window.
        assert not np.allclose(actor, bystander)
        assert np.allclose(anyone, actor if actor[none] <= bystander[none] else bystander)
    # A track that is not in the window: nobody with a pose, so `none`.
    assert windows.proba((1.0, 3.0, "no-such-track"))[none] == 1.0


def test_highlights_carry_a_rank_by_score(game, tmp_path):
    from highlights.pipeline.detect import detect_highlights

    video, annotation = game
    cfg = PipelineConfig().with_overrides({**GT, "classifier.backend": "oracle", "merge.backend": "actions"})
    result, written = detect_highlights(video, cfg, tmp_path / "d", annotation=annotation, progress=False)
    assert len(result.highlights) == len(annotation.events)
    ranks = sorted(h.rank for h in result.highlights)
    assert ranks == list(range(1, len(ranks) + 1))
    by_rank = sorted(result.highlights, key=lambda h: h.rank)
    assert all(a.score >= b.score for a, b in zip(by_rank, by_rank[1:]))
    saved = json.loads(written["json"].read_text())["highlights"]
    assert [h["rank"] for h in saved] == [h.rank for h in result.highlights]


@pytest.mark.parametrize("merge", ["temporal_nms", "actions"])
def test_default_scores_are_calibrated_and_change_ranks_not_highlights(game, merge):
    from highlights.pipeline.ranking import DEFAULT_CALIBRATION, Calibration

    video, annotation = game
    cache: dict = {}
    runs = {}
    for calibration in ("default", "none"):
        cfg = PipelineConfig().with_overrides({**GT, "merge.backend": merge, "merge.score_calibration": calibration})
        runs[calibration] = run_pipeline(video, cfg, annotation=annotation, cache=cache, progress=False).highlights
    calibrated, raw = runs["default"], runs["none"]
    assert calibrated and [(h.start_s, h.end_s, h.label) for h in calibrated] == \
        [(h.start_s, h.end_s, h.label) for h in raw]
    packaged = Calibration.load(DEFAULT_CALIBRATION)
    for h, r in zip(calibrated, raw):
        assert h.evidence["score"]["calibration"] == "default" and r.evidence["score"]["calibration"] == "identity"
        assert h.evidence["score"]["raw"] == pytest.approx(r.score, abs=1e-4)
        assert h.score == pytest.approx(packaged.score(h), abs=2e-3)
    by_rank = sorted(calibrated, key=lambda h: h.rank)
    assert all(a.score >= b.score for a, b in zip(by_rank, by_rank[1:]))


def test_calibrating_on_a_game_where_nothing_is_found_is_one_line(game, cli, tmp_path):
    video, _ = game
    cal = tmp_path / "cal.json"
    res = cli("pipeline", "calibrate", "--video", video, "--annotations", video.with_suffix(".json"), "--out", cal,
              *GT_FLAGS, "--set", "detection.gt_dropout=1.0", "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception  # no traceback
    assert " ".join(res.output.split()) == (
        f"error: {video}: the pipeline found no highlight in it, so there is nothing to fit the score to; "
        "calibrate on an annotated game where it finds some")
    assert not cal.exists()


def test_calibrate_then_evaluate_reports_reliability(game, cli, tmp_path):
    video, annotation = game
    ann = video.with_suffix(".json")
    cal = tmp_path / "cal.json"
    res = cli("pipeline", "calibrate", "--video", video, "--annotations", ann, "--out", cal, *GT_FLAGS,
              "--set", "classifier.backend=oracle", "--no-progress")
    assert res.exit_code == 0, res.output
    # Both calibration errors printed at one rounding, whatever their stored places, each with its interval.
    ece = r"(\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\]"
    said = re.search(rf"calibration error {ece} raw, {ece} fitted \(measured on the game it was fitted on; 95% "
                     r"intervals: bootstrap over highlights\)", " ".join(res.output.split()))
    assert said, res.output
    for at in (0, 3):
        value, low, high = (float(v) for v in said.groups()[at:at + 3])
        assert low <= value <= high
    # The oracle is never wrong: one outcome, so the fit is one score for every highlight, and it says so.
    assert ("every highlight was right: nothing to tell right from wrong, so the calibration gives every "
            "highlight the same score (0.98)") in " ".join(res.output.split()), res.output
    saved = json.loads(cal.read_text())
    assert saved["format"] == "highlights.score-calibration/1"
    fitted_on = saved["fitted_on"]
    assert fitted_on["video"] == video.name and len(fitted_on["video_sha256"]) == 64
    # Fitted on the merge the config runs (the default), with the classifier's own probability.
    assert fitted_on["samples"] == len(annotation.events)
    assert fitted_on["stages"]["merge"] == PipelineConfig().merge.backend
    res = cli("pipeline", "evaluate", "--video", video, "--annotations", ann, "--out", tmp_path / "eval", *GT_FLAGS,
              "--set", "classifier.backend=oracle", "--set", "merge.backend=actions",
              "--set", f"merge.score_calibration={cal}", "--no-progress")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "eval" / "pipeline_eval.json").read_text())
    rel = report["score_reliability"]
    # The printed ECE is the stored one, with its stored 95% bootstrap interval.
    low, high = rel["ece_interval"]
    assert low <= rel["ece"] <= high and rel["ece_bootstrap"]["n_resamples"] == 1000
    # ... over the bins it names: another count of bins gives another ECE of the same scores
    assert rel["bins_used"] == 5 and all(b["bin"][1] - b["bin"][0] == pytest.approx(0.2) for b in rel["bins"])
    assert (f"expected calibration error {rel['ece']:.3f} [{low:.3f}, {high:.3f}] over n={rel['n']} highlights "
            "and 5 equal-width score bins (95% interval: bootstrap over highlights); scores are"
            ) in " ".join(res.output.split()), res.output
    markdown = " ".join((tmp_path / "eval" / "pipeline_eval.md").read_text().split())
    assert (f"Expected calibration error {rel['ece']:.3f} [{low:.3f}, {high:.3f}] over 5 "
            f"equal-width score bins;") in markdown
    assert (f"The interval is a 95% percentile bootstrap over highlights (resampled with replacement, ECE "
            f"recomputed with the same bins), 1000 resamples of the {rel['n']} highlights; ECE is biased upward at "
            "small n") in markdown
    at2 = next(s for s in report["by_tolerance"] if s["tolerance_s"] == 2.0)
    assert rel["n"] == at2["highlights"] and sum(b["n"] for b in rel["bins"]) == rel["n"]
    # Every oracle highlight is right, and a calibration fitted on all-right highlights says so.
    assert all(b["correct_rate"] == 1.0 for b in rel["bins"]) and rel["ece"] < 0.05
    assert "Score reliability" in (tmp_path / "eval" / "pipeline_eval.md").read_text()
    # ... drawn too, beside it and linked from that section
    check_linked_picture(tmp_path / "eval", "pipeline_eval_reliability.png", "pipeline_eval.md", res.output)
    # each bin's share right with its interval and counts (every one right here: Wilson's of n/n)
    for b in rel["bins"]:
        assert b["right"] == b["n"]
        lo = wilson(b["n"], b["n"])[0]
        assert f"1.00 [{lo:.2f}, 1.00] ({b['n']}/{b['n']})" in (tmp_path / "eval" / "pipeline_eval.md").read_text()
    highlights = json.loads((tmp_path / "eval" / "highlights.json").read_text())["highlights"]
    assert highlights and all(h["evidence"]["score"]["calibration"] == "fitted" for h in highlights)
    res = cli("detect", video, "--out", tmp_path / "ok", *GT_FLAGS, "--set", "classifier.backend=oracle",
              "--annotations", ann, "--no-progress")
    assert res.exit_code == 0, res.output
    n = len(annotation.events)
    assert re.search(rf"recall 1\.000 \[0\.\d{{3}}, 1\.000\] \({n}/{n}\), "
                     rf"precision 1\.000 \[0\.\d{{3}}, 1\.000\] \({n}/{n}\)", " ".join(res.output.split()))
    res = cli("detect", video, "--out", tmp_path / "d", *GT_FLAGS, "--set", "merge.backend=actions",
              "--set", f"merge.score_calibration={tmp_path / 'no.json'}", "--no-progress")
    assert res.exit_code == 1 and "no.json: score calibration file not found" in res.output
