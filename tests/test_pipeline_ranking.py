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
    cal = fit_calibration([cand(i, 0.5 + 0.04 * i, strength=1 + i / 5) for i in range(12)],
                          [i % 3 > 0 for i in range(12)])
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

    named = PipelineConfig().with_overrides({"merge.score_calibration": "default"})
    packaged = ranking.resolve_calibration(named)
    assert not packaged.is_identity and packaged.name == "default"
    assert packaged == Calibration.load(ranking.DEFAULT_CALIBRATION, name="default")
    assert ranking.resolve_calibration(PipelineConfig()).is_identity  # none unless named
    for overrides in ({"merge.score_calibration": "none"}, {"merge.score_calibration": None},
                      {"classifier.backend": "oracle"}, {"classifier.pose_model": str(tmp_path / "mine.pt")},
                      {"classifier.enabled": False}):
        assert ranking.resolve_calibration(named.with_overrides(overrides)).is_identity, overrides
    own = fit_calibration([cand(i, 0.3 + 0.05 * i) for i in range(10)], [i % 2 == 0 for i in range(10)])
    path = tmp_path / "own.json"
    path.write_text(json.dumps(own.to_dict()))
    assert ranking.resolve_calibration(PipelineConfig().with_overrides({"merge.score_calibration": str(path)})) == own
    monkeypatch.setattr(ranking, "DEFAULT_CALIBRATION", tmp_path / "gone" / "score_calibration.json")
    with pytest.raises(HighlightsError, match="score_calibration.json: the default score calibration is missing"):
        ranking.resolve_calibration(named)


def test_the_resolver_the_report_and_the_batch_hash_read_score_calibration_alike(tmp_path):
    from highlights.batch.model_files import model_files
    from highlights.pipeline import ranking
    from highlights.pipeline.config import PipelineConfig

    own = tmp_path / "own.json"
    own.write_text(json.dumps(fit_calibration([cand(i, 0.3 + 0.05 * i) for i in range(10)],
                                              [i % 2 == 0 for i in range(10)]).to_dict()))
    packaged = {"merge.score_calibration": "default"}
    cases = [({}, "none"), (packaged, "default"), ({"merge.score_calibration": "NONE"}, "none"),
             ({"merge.score_calibration": None}, "none"),
             ({**packaged, "classifier.backend": "oracle"}, "none"),
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


def test_the_calibration_script_records_the_stages_only_where_every_game_ran_them():
    """The packaged calibration's record names the stages its games ran: those of every game,
    not of the last; games that ran different ones stop the script, naming each game's."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_default_calibration.py"
    spec = importlib.util.spec_from_file_location("make_default_calibration", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    movenet, mediapipe = {"pose": "movenet", "detection": "movenet"}, {"pose": "mediapipe", "detection": "movenet"}
    assert script.stages_of_every_game([101, 102], [movenet, dict(movenet)]) == movenet
    with pytest.raises(SystemExit, match="different stages.*seed 101: .*movenet.*; seed 102: .*'pose': 'mediapipe'"):
        script.stages_of_every_game([101, 102], [movenet, mediapipe])


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


def test_every_evidence_value_of_a_highlight_by_hand():
    from highlights.pipeline.ranking import evidence_values

    evidence = {"kinematics": {"trigger": "wrist_speed", "value": 6.0, "threshold": 3.0, "contrast": 4.0},
                "merge": {"support": 3},
                "classifier": {"prominence": {"centrality": 0.5, "relative_size": 2.0},
                               "probs": {"none": 0.2, "baseball_swing": 0.6, "soccer_shooting": 0.2}},
                "shot": {"sport_share": 0.25}, "neighbourhood": {"best": False, "others": 2}}
    assert evidence_values(0.8, evidence, "baseball_swing") == pytest.approx({
        "logit_probability": np.log(0.8 / 0.2), "log_trigger_strength": np.log(2.0), "log_support": np.log(3),
        "centrality": 0.5, "relative_size": 2.0, "shot_sport_share": 0.25, "sport_baseball": 1.0,
        "sport_basketball": 0.0, "trigger_wrist": 1.0, "trigger_ankle": 0.0, "trigger_hip_rise": 0.0,
        "label_share": 0.6 / 0.8, "trigger_fits_label": 1.0, "local_best": 0.0, "log_neighbours": np.log(3),
        "log_peak_contrast": np.log(4.0)})
    # Evidence a run did not produce is neutral.
    assert evidence_values(0.5, {}) == {
        "logit_probability": 0.0, "log_trigger_strength": 0.0, "log_support": 0.0, "centrality": 1.0,
        "relative_size": 1.0, "shot_sport_share": 1.0, "sport_baseball": 0.0, "sport_basketball": 0.0,
        "trigger_wrist": 0.0, "trigger_ankle": 0.0, "trigger_hip_rise": 0.0, "label_share": 1.0,
        "trigger_fits_label": 0.0, "local_best": 1.0, "log_neighbours": 0.0, "log_peak_contrast": 0.0}


def test_evidence_values_at_their_limits():
    from highlights.pipeline.ranking import evidence_values

    eps = 1e-4
    # A certain probability is held 1e-4 from 0 and 1; a zero trigger strength at 1e-4.
    assert evidence_values(1.0, {})["logit_probability"] == pytest.approx(np.log((1 - eps) / eps))
    assert evidence_values(0.0, {})["logit_probability"] == pytest.approx(-np.log((1 - eps) / eps))
    kin = evidence_values(0.5, {"kinematics": {"trigger": "hip_rise", "value": 0.0, "threshold": 0.12}},
                          "basketball_layup")
    assert kin["log_trigger_strength"] == pytest.approx(np.log(eps))
    assert (kin["trigger_hip_rise"], kin["sport_basketball"], kin["trigger_fits_label"]) == (1.0, 1.0, 1.0)
    # A trigger without a threshold has strength 1; an ankle trigger is not a baseball action.
    ankle = evidence_values(0.5, {"kinematics": {"trigger": "ankle_speed", "value": 5.0, "threshold": 0}},
                            "baseball_swing")
    assert (ankle["log_trigger_strength"], ankle["trigger_ankle"], ankle["trigger_fits_label"]) == (0.0, 1.0, 0.0)
    # No action probability at all: the label's share is neutral, not a division by zero.
    no_action = {"classifier": {"probs": {"none": 1.0, "baseball_swing": 0.0}}}
    assert evidence_values(0.5, no_action, "baseball_swing")["label_share"] == 1.0
    assert evidence_values(0.5, {"classifier": {"probs": {"none": 0.5, "soccer_shooting": 0.5}}},
                           "baseball_swing")["label_share"] == 1.0  # the label has no probability
    # The packaged calibration was fitted with contrasts capped at 30 (an infinite one is stored as null).
    capped = {"kinematics": {"trigger": "ankle_speed", "contrast": None}}
    assert evidence_values(0.5, capped)["log_peak_contrast"] == pytest.approx(np.log(30.0))
    low = {"kinematics": {"trigger": "ankle_speed", "contrast": 0.0}}
    assert evidence_values(0.5, low)["log_peak_contrast"] == pytest.approx(np.log(eps))


def test_a_calibration_left_at_its_defaults_is_the_identity_map_even_when_fitted_on_something():
    cal = Calibration(fitted_on={"games": "synthetic"})
    assert not cal.is_identity
    assert [cal.score(cand(1.0, p)) for p in (0.2, 0.73)] == pytest.approx([0.2, 0.73])
    assert Calibration.from_dict(cal.to_dict()) == cal  # one coefficient a feature


def test_a_fitted_calibration_is_scikit_learns_logistic_regression_of_the_standardised_features_folded_back():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from highlights.pipeline.ranking import FEATURES, evidence_features

    rng = np.random.default_rng(3)
    cands = [cand(i * 10.0, float(rng.uniform(0.2, 0.9)), strength=float(rng.uniform(0.5, 3.0))) for i in range(40)]
    correct = [bool(rng.random() < c.score) for c in cands]
    cal = fit_calibration(cands, correct)
    # Centrality, relative size and the shot's share are constant here (neutral evidence): the
    # scaler leaves them unscaled and their coefficients stay 0.
    X = np.array([evidence_features(c.score, c.evidence, c.label, FEATURES) for c in cands])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(X, correct)
    # The folded map scores every highlight as the standardised fit does, to rounding.
    assert [cal.score(c) for c in cands] == pytest.approx(list(model.predict_proba(X)[:, 1]), rel=1e-12, abs=1e-12)
    assert cal.coef[2:] == (0.0,) * (len(FEATURES) - 2)
    # It is not the fit on raw units: that one shrinks the trigger strength's coefficient harder.
    raw_units = LogisticRegression(C=1.0).fit(X, correct)
    assert abs(cal.coef[1] - raw_units.coef_[0][1]) > 1e-3
    assert cal.fitted_on == {"samples": 40, "positives": sum(correct), "l2_penalty_C": 1.0,
                             "penalised_on": "standardised features"}


def test_a_feature_in_other_units_changes_no_fitted_score():
    # Whether the player is central decides here, beside the probability; the same highlights
    # with their centrality a hundred times larger must fit to the same scores (the penalty does not
    # depend on a feature's units), its coefficient a hundred times smaller.
    rng = np.random.default_rng(7)
    probability, centrality = rng.uniform(0.1, 0.9, 200), rng.uniform(0.0, 1.0, 200)
    correct = [bool(rng.random() < 1 / (1 + np.exp(-(4 * c - 2 + (p - 0.5)))))
               for p, c in zip(probability, centrality)]

    def highlights(scale):
        out = []
        for i, (p, c) in enumerate(zip(probability, centrality)):
            h = cand(i * 10.0, float(p))
            h.evidence["classifier"] = {"prominence": {"centrality": float(c) * scale}}
            out.append(h)
        return out

    unit, hundred = highlights(1.0), highlights(100.0)
    cal_unit, cal_hundred = fit_calibration(unit, correct), fit_calibration(hundred, correct)
    assert [cal_hundred.score(h) for h in hundred] == pytest.approx([cal_unit.score(h) for h in unit],
                                                                    rel=1e-6, abs=1e-9)
    assert cal_hundred.coef[3] == pytest.approx(cal_unit.coef[3] / 100, rel=1e-6)
    assert cal_unit.coef[3] > 1.0


def test_the_calibration_is_described_for_each_setting(tmp_path):
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.ranking import describe_calibration

    def said(overrides):
        return describe_calibration(PipelineConfig().with_overrides(overrides))

    packaged = {"merge.score_calibration": "default"}
    assert said(packaged) == "calibrated by the packaged calibration (fitted on synthetic games)"
    assert said({}) == "the classifier's probability (no calibration)"
    assert said({"merge.score_calibration": None}) == "the classifier's probability (no calibration)"
    assert said({"merge.score_calibration": "none"}) == "the classifier's probability (no calibration)"
    assert said({**packaged, "classifier.backend": "oracle"}) == (
        "the classifier's probability (the packaged calibration is for the packaged pose model)")
    own = tmp_path / "own.json"
    assert said({"merge.score_calibration": str(own)}) == f"calibrated by {own}"


def test_keep_ranked_ranks_the_kept_best_first_and_returns_them_in_time_order():
    from types import SimpleNamespace

    from highlights.pipeline.ranking import keep_ranked

    scored = [cand(30.0, 0.6), cand(10.0, 0.9), cand(20.0, 0.3), cand(40.0, 0.8)]
    settings = SimpleNamespace(highlight_min_score=0.5, max_highlights=2, reel_seconds=0.0)
    kept, summary = keep_ranked(scored, settings, detections=7)
    assert [(c.key_s, c.evidence["rank"]) for c in kept] == [(10.0, {"rank": 1, "of": 2}), (40.0, {"rank": 2, "of": 2})]
    assert summary == {"detections": 7, "actions": 4, "kept": 2, "below_min_score": 1, "over_max_highlights": 1,
                       "over_reel_seconds": 0}


def test_scoring_counts_neighbours_up_to_five_seconds_and_adds_the_shot_share_only_where_the_shot_has_one():
    from types import SimpleNamespace

    from highlights.pipeline.ranking import score_highlights

    trace = SimpleNamespace(classifications=[{"window": [9.0, 11.0], "probs": {
        "soccer_shooting": 0.6, "baseball_swing": 0.3, "none": 0.1}}], cuts=[12.0])
    out = score_highlights([cand(10.0, 0.5), cand(15.0, 0.8), cand(20.5, 0.9)], Calibration(), trace)
    # 10 and 15 are exactly 5 s apart; 20.5 is 5.5 s from 15. Only the first shot has a classified window.
    assert [c.evidence["neighbourhood"] for c in out] == [
        {"within_s": 5.0, "others": 1, "best": False}, {"within_s": 5.0, "others": 1, "best": True},
        {"within_s": 5.0, "others": 0, "best": True}]
    assert out[0].evidence["shot"] == {"sport_share": 0.6667}  # 0.6 of 0.9, to four places
    assert "shot" not in out[1].evidence and "shot" not in out[2].evidence


def test_a_calibration_is_frozen_and_needs_a_highlight_to_fit():
    from dataclasses import FrozenInstanceError

    cal = fit_calibration([cand(1.0, 0.6)], [True])  # one highlight, right: the rate, held under 1
    assert cal.score(cand(2.0, 0.1)) == pytest.approx(0.98)
    never = fit_calibration([cand(1.0, 0.6), cand(5.0, 0.9)], [False, False])  # held over 0
    assert never.score(cand(2.0, 0.99)) == pytest.approx(0.02)
    with pytest.raises(FrozenInstanceError):
        cal.intercept = 0.0
    with pytest.raises(ValueError, match="no highlights to calibrate on"):
        fit_calibration([], [])


def test_a_score_exactly_at_the_floor_is_kept():
    kept, dropped = rank_and_cap([cand(1.0, 0.5), cand(5.0, 0.49)], min_score=0.5)
    assert [c.score for c in kept] == [0.5] and dropped["below_min_score"] == 1


def test_windows_overlapping_exactly_at_the_iou_limit_stay_two_actions():
    # [0, 3] and [1, 4] share 2 s of 4: IoU 0.5, not more than 0.5; their keys are 3 s apart.
    first = Candidate(start_s=0.0, end_s=3.0, source="motion", key_s=0.5, label="soccer_shooting",
                      sport="soccer", score=0.9, evidence={})
    second = Candidate(start_s=1.0, end_s=4.0, source="motion", key_s=3.5, label="soccer_shooting",
                       sport="soccer", score=0.8, evidence={})
    assert len(group_actions([first, second], gap_s=1.5, overlap_iou=0.5)) == 2
    assert len(group_actions([first, second], gap_s=1.5, overlap_iou=0.49)) == 1


def test_a_calibrated_highlight_keeps_its_raw_score_to_six_places_and_its_score_to_four():
    out = Calibration().apply(cand(1.0, 0.123456789))
    assert out.evidence["score"] == {"raw": 0.123457, "calibrated": 0.1235, "calibration": "identity"}


def test_a_merged_action_stores_at_most_twenty_member_segments_and_a_merge_without_counts_is_one():
    from highlights.pipeline.ranking import evidence_values

    members = [cand(10.0 + 0.1234 * i, 0.5) for i in range(25)]
    merged = merge_action(members[0], members)
    assert merged.evidence["merge"]["support"] == 25
    assert merged.evidence["merge"]["segments"][:3] == [[9.0, 11.0], [9.123, 11.123], [9.247, 11.247]]
    assert len(merged.evidence["merge"]["segments"]) == 20
    assert evidence_values(0.5, {"merge": {"segment": [9.0, 11.0]}})["log_support"] == 0.0


def test_a_shot_whose_windows_give_no_action_probability_has_no_sport_shares():
    from highlights.pipeline.ranking import shot_sport_shares

    still = [{"window": [1.0, 3.0], "probs": {"none": 1.0, "soccer_shooting": 0.0}}]
    assert shot_sport_shares(still, cuts=[], times_s=[2.0]) == [{}]


def test_equal_scores_go_middle_first_counting_neighbours_exactly_the_gap_away():
    # Keys 1.5 s apart at a 1.5 s gap: the middle one has both others as neighbours, takes them,
    # and the three are one action.
    groups = group_actions([cand(0.0, 0.8), cand(1.5, 0.8), cand(3.0, 0.8)], gap_s=1.5)
    assert [(best.key_s, len(members)) for best, members in groups] == [(1.5, 3)]
    # Scores are equal to four places (a classifier's float noise is no better action) ...
    groups = group_actions([cand(0.0, 0.8), cand(1.5, 0.8), cand(3.0, 0.80004)], gap_s=1.5)
    assert [(best.key_s, len(members)) for best, members in groups] == [(1.5, 3)]
    # ... and a better score in the fourth place goes first.
    groups = group_actions([cand(0.0, 0.8), cand(1.5, 0.8), cand(3.0, 0.8004)], gap_s=1.5)
    assert [(best.key_s, len(members)) for best, members in groups] == [(3.0, 2), (0.0, 1)]


def test_a_cap_of_one_highlight_keeps_the_best_one():
    kept, dropped = rank_and_cap([cand(1.0, 0.5), cand(5.0, 0.9), cand(9.0, 0.7)], max_highlights=1)
    assert [c.score for c in kept] == [0.9] and dropped["over_max_highlights"] == 2


def test_of_equally_scored_highlights_the_earlier_ranks_first_and_takes_the_last_place():
    kept, dropped = rank_and_cap([cand(30.0, 0.8), cand(10.0, 0.8), cand(20.0, 0.9)], max_highlights=2)
    assert [c.key_s for c in kept] == [20.0, 10.0] and dropped["over_max_highlights"] == 1


def test_a_sport_the_shot_gave_no_probability_has_a_share_of_zero_and_equal_neighbours_are_both_best():
    from types import SimpleNamespace

    from highlights.pipeline.ranking import score_highlights

    trace = SimpleNamespace(classifications=[{"window": [9.0, 11.0], "probs": {"soccer_shooting": 0.6, "none": 0.4}}],
                            cuts=[])
    out = score_highlights([cand(10.0, 0.7, label="basketball_layup"), cand(12.0, 0.7)], Calibration(), trace)
    assert out[0].evidence["shot"] == {"sport_share": 0.0}
    assert [c.evidence["neighbourhood"]["best"] for c in out] == [True, True]


def test_a_reel_cap_under_a_second_still_caps_and_a_calibration_names_at_least_one_feature(tmp_path):
    kept, dropped = rank_and_cap([cand(1.0, 0.9), cand(5.0, 0.8)], reel_seconds=0.5)  # 2 s highlights
    assert kept == [] and dropped["over_reel_seconds"] == 2
    with pytest.raises(ValueError, match="calibration features none"):
        Calibration.from_dict({**Calibration().to_dict(), "features": [], "coef": []})


def test_a_window_across_a_cut_counts_in_the_shot_holding_its_middle():
    from highlights.pipeline.ranking import shot_sport_shares

    windows = [{"window": [8.0, 14.0], "probs": {"soccer_shooting": 1.0}},  # middle 11: before the cut
               {"window": [10.0, 16.0], "probs": {"baseball_swing": 1.0}}]  # middle 13: after it
    assert shot_sport_shares(windows, cuts=[12.0], times_s=[5.0, 20.0]) == [{"soccer": 1.0}, {"baseball": 1.0}]
    # a middle or a time exactly on the cut is in the shot the cut opens
    on_cut = [{"window": [11.0, 13.0], "probs": {"baseball_swing": 1.0}},
              {"window": [4.0, 6.0], "probs": {"soccer_shooting": 1.0}}]
    assert shot_sport_shares(on_cut, cuts=[12.0], times_s=[12.0, 11.99]) == [{"baseball": 1.0}, {"soccer": 1.0}]


def test_a_feature_that_varies_only_by_rounding_takes_no_weight_on_another_game():
    """A share of float32 probabilities on a one-sport game is 1.0 or 0.99999994: standardised to
    sd 1, that noise took a coefficient of tens of millions, and another game's highlight with a
    share of 0.9 scored 1.0."""
    cands, right = [], []
    for i in range(10):
        c = cand(10.0 * i, 0.3 + 0.05 * i)
        c.evidence["shot"] = {"sport_share": 1.0 if i % 3 else float(np.float32(0.99999994))}
        cands.append(c)
        right.append(i % 3 == 0 or i == 7)
    cal = fit_calibration(cands, right)
    elsewhere = {share: cand(5.0, 0.8) for share in (1.0, 0.9)}
    for share, c in elsewhere.items():
        c.evidence["shot"] = {"sport_share": share}
    assert abs(cal.score(elsewhere[0.9]) - cal.score(elsewhere[1.0])) < 0.01
    assert 0.05 < cal.score(elsewhere[0.9]) < 0.95


def test_a_key_moment_at_the_first_instant_is_kept_not_taken_for_a_missing_one():
    from highlights.events.interval import key_moment

    assert key_moment(0.0, 4.0, 0.0) == 0.0  # a serve at 0:00, the video's first frame
    assert key_moment(0.0, 4.0, None) == 2.0
    assert key_moment(10.0, 14.0, 11.5) == 11.5
