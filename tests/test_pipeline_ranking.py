"""Few and right highlights: one action -> one highlight, calibrated scores, ranking and caps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from highlights.errors import HighlightsError
from highlights.events.interval import covered_seconds
from highlights.pipeline.ranking import (Calibration, fit_calibration, group_actions, merge_action,
                                         rank_and_cap, raw_score, reliability)
from highlights.pipeline.records import Candidate


def cand(key, score, label="soccer_shooting", half=1.0, strength=None):
    ev = {}
    if strength is not None:
        ev["kinematics"] = {"value": strength * 3.0, "threshold": 3.0}
    return Candidate(start_s=key - half, end_s=key + half, source="motion", key_s=key, label=label,
                     sport=label.split("_")[0], score=score, evidence=ev)


def test_detections_of_one_action_become_one_highlight_and_two_actions_stay_two():
    # One kick seen by two tracks and two classifier windows (keys within 1.2 s), another 4 s later.
    cands = [cand(10.0, 0.7), cand(10.6, 0.9), cand(11.2, 0.6, label="baseball_swing"), cand(9.5, 0.55),
             cand(15.0, 0.8)]
    groups = group_actions(cands, gap_s=1.5)
    assert len(groups) == 2
    merged = [merge_action(best, members) for best, members in groups]
    first = min(merged, key=lambda c: c.key_s)
    assert first.key_s == 10.6 and first.label == "soccer_shooting" and first.score == 0.9
    assert (first.start_s, first.end_s) == (8.5, 12.2)  # the span of every member
    assert first.evidence["merge"]["support"] == 4
    assert first.evidence["merge"]["labels_seen"] == ["baseball_swing", "soccer_shooting"]


def test_actions_two_seconds_apart_are_not_merged_at_the_default_gap():
    # Real shooting drills put shots 2 s apart (real-dev py0922: 1, 3, 6, 9 s).
    groups = group_actions([cand(1.0, 0.8), cand(3.0, 0.8), cand(6.0, 0.8), cand(9.0, 0.8)], gap_s=1.5)
    assert len(groups) == 4


def test_a_window_pushed_back_inside_the_video_joins_the_window_it_overlaps():
    # A trigger 0.1 s before the end of a 5.6 s clip: its 2 s window is pushed back to end with the
    # video, so it shares most of its footage with the window keyed 1.7 s earlier.
    early = cand(3.8, 0.95)
    late = Candidate(start_s=3.6, end_s=5.6, source="motion", key_s=5.5, label="soccer_shooting",
                     sport="soccer", score=0.8, evidence={})
    assert len(group_actions([early, late], gap_s=1.5)) == 2  # key moments alone: two actions
    groups = group_actions([early, late], gap_s=1.5, overlap_iou=0.3)
    assert len(groups) == 1 and groups[0][0] is early and len(groups[0][1]) == 2
    # Two shots 2 s apart keep their own windows (overlap 0 s): still two actions.
    drill = [cand(1.0, 0.8), cand(3.0, 0.8), cand(6.0, 0.8), cand(9.0, 0.8)]
    assert len(group_actions(drill, gap_s=1.5, overlap_iou=0.3)) == 4


def test_rank_and_cap_orders_best_first_and_applies_each_cap():
    cands = [cand(5, 0.4), cand(20, 0.9, half=2.0), cand(40, 0.7, half=3.0), cand(60, 0.8, half=1.0)]
    kept, dropped = rank_and_cap(cands)
    assert [c.score for c in kept] == [0.9, 0.8, 0.7, 0.4]
    kept, dropped = rank_and_cap(cands, min_score=0.5)
    assert [c.score for c in kept] == [0.9, 0.8, 0.7] and dropped["below_min_score"] == 1
    kept, dropped = rank_and_cap(cands, max_highlights=2)
    assert [c.score for c in kept] == [0.9, 0.8] and dropped["over_max_highlights"] == 2
    # 4 s + 2 s fit in 7 s; the 6 s one does not, the 2 s one at 0.4 still does.
    kept, dropped = rank_and_cap(cands, reel_seconds=7.0)
    assert [c.score for c in kept] == [0.9, 0.8] and dropped["over_reel_seconds"] == 2
    kept, _ = rank_and_cap(cands, reel_seconds=8.0)
    assert [c.score for c in kept] == [0.9, 0.8, 0.4]


def test_identity_calibration_returns_the_classifier_probability():
    c = cand(3.0, 0.73, strength=2.0)
    cal = Calibration()
    assert cal.is_identity and cal.score(c) == pytest.approx(0.73)
    out = cal.apply(c)
    assert out.score == pytest.approx(0.73) and out.evidence["score"]["calibration"] == "identity"
    assert raw_score(out) == pytest.approx(0.73) and c.evidence.get("score") is None


def test_fitted_calibration_learns_that_strong_triggers_are_right_and_is_calibrated():
    rng = np.random.default_rng(0)
    cands, correct = [], []
    for i in range(400):
        strength = float(rng.uniform(1.0, 4.0))
        p = float(rng.uniform(0.5, 1.0))
        # The truth here: whether a detection is real depends on its trigger, not on p.
        is_real = rng.random() < 1 / (1 + np.exp(-4 * (np.log(strength) - np.log(2.0))))
        cands.append(cand(i * 10.0, p, strength=strength))
        correct.append(bool(is_real))
    cal = fit_calibration(cands, correct, fitted_on={"video": "synthetic"})
    assert cal.coef[1] > 1.0 and abs(cal.coef[0]) < cal.coef[1]
    scores = [cal.score(c) for c in cands]
    rel = reliability(scores, correct)
    assert rel["n"] == 400 and rel["ece"] < 0.08
    raw = reliability([c.score for c in cands], correct)
    assert raw["ece"] > 2 * rel["ece"]  # the raw probability was far from calibrated
    assert sum(b["n"] for b in rel["bins"]) == 400


def test_calibration_with_one_outcome_fits_the_rate_only(tmp_path):
    cal = fit_calibration([cand(1, 0.6), cand(5, 0.9)], [True, True])
    assert set(cal.coef) == {0.0} and cal.score(cand(9, 0.1)) == pytest.approx(0.98)


def test_calibration_round_trips_and_bad_files_are_named(tmp_path):
    cal = fit_calibration([cand(i, 0.5 + 0.04 * i, strength=1 + i / 5) for i in range(12)], [i % 3 > 0 for i in range(12)])
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal.to_dict()))
    again = Calibration.load(path)
    assert again == cal
    with pytest.raises(HighlightsError, match="missing.json: score calibration file not found"):
        Calibration.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\"format\": \"other\"}")
    with pytest.raises(HighlightsError, match="bad.json: not a score calibration file"):
        Calibration.load(bad)


def test_a_run_of_equally_scored_windows_is_one_action():
    # Windows every 0.5 s whose key moments span 2 s around one event, all scored alike.
    cands = [cand(10.0 + d, 1.0) for d in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    groups = group_actions(cands, gap_s=1.5)
    assert len(groups) == 1 and abs(groups[0][0].key_s - 10.0) <= 0.5 and len(groups[0][1]) == 5


def test_shot_sport_shares_split_at_cuts():
    from highlights.pipeline.ranking import shot_sport_shares

    def window(t, probs):
        return {"window": [t - 1, t + 1], "probs": probs}

    classified = [window(5, {"baseball_swing": 0.6, "soccer_shooting": 0.1, "none": 0.3}),
                  window(8, {"baseball_swing": 0.2, "soccer_shooting": 0.2, "none": 0.6}),
                  window(25, {"soccer_shooting": 0.9, "baseball_swing": 0.0, "none": 0.1})]
    first, second = shot_sport_shares(classified, cuts=[20.0], times_s=[6.0, 30.0])
    assert first["baseball"] == pytest.approx(0.8 / 1.1) and first["soccer"] == pytest.approx(0.3 / 1.1)
    assert second == {"soccer": pytest.approx(1.0), "baseball": 0.0}
    assert shot_sport_shares([], cuts=[], times_s=[3.0]) == [{}]


def test_covered_seconds_counts_shared_footage_once():
    assert covered_seconds([]) == 0.0
    assert covered_seconds([(0.0, 4.0), (2.0, 6.0), (10.0, 11.0)]) == pytest.approx(7.0)
    assert covered_seconds([(3.0, 5.0), (0.0, 10.0)]) == pytest.approx(10.0)  # one inside another
    assert covered_seconds([(0.0, 1.0), (1.0, 2.0)]) == pytest.approx(2.0)  # touching


def test_reel_cap_charges_only_new_footage():
    # Two overlapping 4 s highlights make a 6 s reel: both fit a 6 s cap; a third, apart, does not.
    cands = [cand(2.0, 0.9, half=2.0), cand(4.0, 0.8, half=2.0), cand(11.0, 0.7, half=1.0)]
    kept, dropped = rank_and_cap(cands, reel_seconds=6.0)
    assert [c.score for c in kept] == [0.9, 0.8] and dropped["over_reel_seconds"] == 1
    kept, _ = rank_and_cap(cands, reel_seconds=8.0)
    assert len(kept) == 3


def test_temporal_nms_survivors_count_what_they_suppressed_as_support():
    from highlights.pipeline.ranking import evidence_values

    one = cand(5.0, 0.6)
    one.evidence["merge"] = {"suppressed": 3, "segment": [4.0, 6.0]}
    assert evidence_values(0.6, one.evidence, one.label)["log_support"] == pytest.approx(np.log(4))
    one.evidence["merge"] = {"support": 2}
    assert evidence_values(0.6, one.evidence, one.label)["log_support"] == pytest.approx(np.log(2))


def test_a_calibration_may_use_the_label_and_trigger_kind(tmp_path):
    # The truth here: soccer highlights are mostly false, the others mostly right, whatever p says.
    rng = np.random.default_rng(1)
    cands, correct = [], []
    for i in range(300):
        label = ("soccer_shooting", "baseball_swing", "basketball_layup")[i % 3]
        c = cand(i * 10.0, float(rng.uniform(0.3, 0.9)), label=label)
        c.evidence["kinematics"] = {"trigger": "ankle_speed" if label == "soccer_shooting" else "wrist_speed",
                                    "value": 4.0, "threshold": 3.0}
        cands.append(c)
        correct.append(bool(rng.random() < (0.1 if label == "soccer_shooting" else 0.8)))
    features = ("logit_probability", "sport_baseball", "sport_basketball")
    cal = fit_calibration(cands, correct, features=features, fitted_on={"video": "synthetic"})
    assert cal.features == features and len(cal.coef) == 3
    assert cal.coef[1] > 1.0 and cal.coef[2] > 1.0  # against soccer, the base
    soccer = [cal.score(c) for c in cands if c.label == "soccer_shooting"]
    assert np.mean(soccer) < 0.2 < 0.7 < np.mean([cal.score(c) for c in cands if c.label != "soccer_shooting"])
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal.to_dict()))
    assert Calibration.load(path) == cal
    with pytest.raises(ValueError, match="unknown calibration features"):
        fit_calibration(cands, correct, features=("logit_probability", "shoe_size"))
    for bad, why in (({**cal.to_dict(), "features": ["shoe_size"], "coef": [1.0]}, "not among"),
                     ({**cal.to_dict(), "coef": [1.0]}, "1 coefficients for 3 features")):
        path.write_text(json.dumps(bad))
        with pytest.raises(HighlightsError, match=f"cal.json: not a score calibration file.*{why}"):
            Calibration.load(path)


def test_the_default_calibration_is_for_the_packaged_pose_model_only(monkeypatch, tmp_path):
    from highlights.pipeline import ranking
    from highlights.pipeline.config import PipelineConfig

    packaged = ranking.resolve_calibration(PipelineConfig())
    assert not packaged.is_identity and packaged.name == "default"
    assert packaged == Calibration.load(ranking.DEFAULT_CALIBRATION, name="default")
    for overrides in ({"merge.score_calibration": "none"}, {"merge.score_calibration": None},
                      {"classifier.backend": "oracle"}, {"classifier.pose_model": str(tmp_path / "mine.pt")},
                      {"classifier.enabled": False}):
        assert ranking.resolve_calibration(PipelineConfig().with_overrides(overrides)).is_identity, overrides
    own = fit_calibration([cand(i, 0.3 + 0.05 * i) for i in range(10)], [i % 2 == 0 for i in range(10)])
    path = tmp_path / "own.json"
    path.write_text(json.dumps(own.to_dict()))
    assert ranking.resolve_calibration(PipelineConfig().with_overrides({"merge.score_calibration": str(path)})) == own
    monkeypatch.setattr(ranking, "DEFAULT_CALIBRATION", tmp_path / "gone" / "score_calibration.json")
    with pytest.raises(HighlightsError, match="score_calibration.json: the default score calibration is missing"):
        ranking.resolve_calibration(PipelineConfig())


def test_the_resolver_the_report_and_the_batch_hash_read_score_calibration_alike(tmp_path):
    from highlights.batch.model_files import model_files
    from highlights.pipeline import ranking
    from highlights.pipeline.config import PipelineConfig

    own = tmp_path / "own.json"
    own.write_text(json.dumps(fit_calibration([cand(i, 0.3 + 0.05 * i) for i in range(10)],
                                              [i % 2 == 0 for i in range(10)]).to_dict()))
    cases = [({}, "default"), ({"merge.score_calibration": "NONE"}, "none"),
             ({"merge.score_calibration": None}, "none"), ({"classifier.backend": "oracle"}, "none"),
             ({"merge.score_calibration": str(own)}, "file"),
             ({"merge.score_calibration": str(own), "classifier.backend": "oracle"}, "file")]
    for overrides, kind in cases:
        config = PipelineConfig().with_overrides(overrides)
        assert ranking.calibration_source(config)[0] == kind, overrides
        assert ranking.resolve_calibration(config).is_identity == (kind == "none"), overrides
        described = ranking.describe_calibration(config)
        assert described.startswith("calibrated by") == (kind != "none"), (overrides, described)
        hashed = [path for role, path in model_files(config) if "calibration" in role]
        assert hashed == ([] if kind == "none" else [ranking.calibration_source(config)[1]]), overrides


def test_the_packaged_calibration_says_how_it_was_made_and_was_not_fitted_on_test_games():
    from highlights.pipeline.ranking import DEFAULT_CALIBRATION, KNOWN_FEATURES

    data = json.loads(DEFAULT_CALIBRATION.read_text())
    cal = Calibration.from_dict(data)
    made = cal.fitted_on
    assert made["command"].startswith("python scripts/make_default_calibration.py")
    repo = DEFAULT_CALIBRATION.parents[4]
    if (repo / "scripts").is_dir():  # a source checkout, not an installed wheel
        assert (repo / "scripts" / "make_default_calibration.py").is_file()
    seeds = made["games"]["seeds"]
    assert seeds and not set(seeds) & {202, 203, 204, 3}  # the bench's test games and the demo's game
    assert made["samples"] > made["positives"] > 0 and made["events"] >= 10 * len(seeds)
    cv = made["cross_validated_leave_one_game_out"]
    assert cv["highlights"] == made["samples"] and 0.0 <= cv["calibrated"]["auc"] <= 1.0
    assert set(cal.features) <= set(KNOWN_FEATURES) and len(made["pose_model_sha256"]) == 64


def test_the_calibration_script_refuses_the_games_it_is_judged_on():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "make_default_calibration.py"
    for seed, why in (("203", "the synthetic-game bench's test game"), ("3", "the demo's game")):
        res = subprocess.run([sys.executable, str(script), "--seeds", f"101,{seed}", "--dry-run"],
                             capture_output=True, text=True)
        assert res.returncode == 2 and f"seed {seed} ({why})" in res.stderr


def test_scoring_marks_who_is_best_in_its_neighbourhood_and_keeps_the_raw_score():
    from types import SimpleNamespace

    from highlights.pipeline.ranking import NEIGHBOURHOOD_S, evidence_values, score_highlights

    # A run-up 3 s before the shot it leads to, and a lone highlight far away.
    run_up, shot, lone = cand(10.0, 0.5), cand(13.0, 0.8), cand(13.0 + 2 * NEIGHBOURHOOD_S, 0.2)
    trace = SimpleNamespace(classifications=[], cuts=[])
    cal = Calibration(intercept=0.0, coef=(1.0, -2.0), features=("logit_probability", "local_best"),
                      fitted_on={"games": "synthetic"})
    out = score_highlights([run_up, shot, lone], cal, trace)
    assert [c.evidence["neighbourhood"]["best"] for c in out] == [False, True, True]
    assert [c.evidence["neighbourhood"]["others"] for c in out] == [1, 1, 0]
    values = [evidence_values(raw_score(c), c.evidence, c.label) for c in out]
    assert [v["local_best"] for v in values] == [0.0, 1.0, 1.0]
    assert values[0]["log_neighbours"] == pytest.approx(np.log(2)) and values[2]["log_neighbours"] == 0.0
    assert [raw_score(c) for c in out] == [0.5, 0.8, 0.2] and run_up.evidence == {}  # inputs untouched
    assert out[0].score == pytest.approx(0.5)  # sigmoid(logit 0.5 - 0)
    assert out[1].score == pytest.approx(1 / (1 + np.exp(-(np.log(4) - 2.0))))
