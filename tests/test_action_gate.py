"""The action-vs-`none` gate: the rule, how its threshold is chosen, and the pipeline using it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from highlights.pose_classifier import action_gate
from highlights.pose_classifier import default as default_model
from highlights.pose_classifier.model import PoseClassifier

CLASSES = ["baseball_swing", "basketball_layup", "soccer_shooting", "none"]
NONE = 3


def test_an_action_is_decided_by_its_action_probability_not_by_beating_none():
    # A real shot as the synthetic-trained model sees it: none is the single most probable class.
    p = np.array([0.05, 0.15, 0.35, 0.45])
    assert int(np.argmax(p)) == NONE
    label, score = action_gate.decide(p, NONE, 0.5)
    assert (label, score) == (2, pytest.approx(0.55))
    label, score = action_gate.decide(p, NONE, 0.6)
    assert (label, score) == (NONE, pytest.approx(0.45))


def test_a_clip_is_decided_by_its_most_action_like_window():
    windows = np.array([[0.30, 0.10, 0.10, 0.50],     # action 0.50, baseball
                        [0.05, 0.05, 0.70, 0.20]])    # action 0.80, soccer
    assert action_gate.clip_decision(windows, NONE, 0.6) == 2
    assert action_gate.clip_decision(windows, NONE, 0.9) == NONE
    assert action_gate.clip_decision(np.zeros((0, 4)), NONE, 0.05) == NONE


def _clips(rng, n_per_class: int):
    """Separable labelled clips of one window each: an action clip's P(none) in [0.1, 0.2] with
    most of the rest on its own class; a none clip's in [0.71, 0.74] (its action probability just
    under 0.3), the rest spread."""
    windows, y = [], []
    for c in range(4):
        for _ in range(n_per_class):
            none_p = rng.uniform(0.71, 0.74) if c == NONE else rng.uniform(0.1, 0.2)
            p = np.full(4, (1 - none_p) / 6)
            p[NONE] = none_p
            p[c if c != NONE else rng.integers(0, 3)] += (1 - none_p) / 2
            windows.append(p[None])
            y.append(c)
    return windows, np.array(y)


def test_the_threshold_is_the_lowest_the_clips_cannot_tell_from_the_best():
    rng = np.random.default_rng(1)
    # Every threshold from 0.3 to 0.8 scores macro-F1 1 with no spread: the rule takes 0.3.
    windows, y = _clips(rng, 10)
    choice = action_gate.choose_threshold(windows, y, NONE, 4)
    assert choice.scores[choice.best] == 1.0 and choice.standard_error == 0.0
    perfect = [t for t, s in choice.scores.items() if s == 1.0]
    assert choice.threshold == min(perfect) == 0.3
    assert choice.scores[0.05] < 1.0  # below it, none clips turn into actions
    again = action_gate.choose_threshold(windows, y, NONE, 4)
    assert again == choice  # deterministic


def test_a_noisy_curve_gives_the_lowest_threshold_within_one_standard_error():
    rng = np.random.default_rng(2)
    windows, y = [], []
    for i in range(40):   # overlapping: P(none) of actions and of none clips drawn from wide ranges
        c = i % 4
        none_p = rng.uniform(0.0, 0.8) if c != NONE else rng.uniform(0.3, 1.0)
        p = np.full(4, (1 - none_p) * 0.2)
        p[NONE] = none_p
        p[c if c != NONE else rng.integers(0, 3)] += (1 - none_p) * 0.4
        windows.append(p[None])
        y.append(c)
    y = np.array(y)
    choice = action_gate.choose_threshold(windows, y, NONE, 4)
    best = choice.scores[choice.best]
    assert choice.standard_error > 0
    assert choice.scores[choice.threshold] >= best - choice.standard_error - 1e-9
    lower = [t for t in choice.scores if t < choice.threshold]
    assert all(choice.scores[t] < best - choice.standard_error for t in lower)


def test_the_threshold_grid_is_0_05_to_0_95_in_steps_of_0_05():
    assert action_gate.THRESHOLDS == (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                                      0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def test_an_action_probability_at_the_threshold_is_an_action():
    p = np.array([0.3, 0.1, 0.1, 0.5])   # action probability exactly 0.5
    assert action_gate.decide(p, NONE, 0.5) == (0, 0.5)
    assert action_gate.clip_decision(p[None], NONE, 0.5) == 0


def test_three_clips_choose_a_threshold_by_hand():
    """Two action clips (action probability 0.82 and 0.42) and a none clip (0.32), two classes. Up to
    0.3 all three are actions: F1 0.8 and 0, macro 0.4; at 0.35-0.4 all right: 1; at 0.45-0.8 the
    weaker action is lost: 2/3 and 2/3; from 0.85 all are none: 0 and 1/2, macro 0.25. The best is
    0.35 and nothing else is within one standard error of it. The bootstrap's standard error (500
    resamples, seed 0) is 0.2317, near the exact 0.2357 (macro-F1 1 or, on the 9 in 27 resamples
    missing a class, 0.5)."""
    windows = [np.array([[0.82, 0.18]]), np.array([[0.42, 0.58]]), np.array([[0.32, 0.68]])]
    choice = action_gate.choose_threshold(windows, np.array([0, 0, 1]), 1, 2)
    expected = {t: 0.4 for t in action_gate.THRESHOLDS[:6]}
    expected |= {0.35: 1.0, 0.4: 1.0} | {t: 0.6667 for t in action_gate.THRESHOLDS[8:16]}
    expected |= {0.85: 0.25, 0.9: 0.25, 0.95: 0.25}
    assert choice.scores == expected
    assert (choice.threshold, choice.best, choice.standard_error) == (0.35, 0.35, 0.2317)
    assert action_gate.choose_threshold(windows[:1], np.array([0]), 1, 2).threshold == 0.05  # one clip is enough
    with pytest.raises(ValueError, match="at least one clip"):
        action_gate.choose_threshold([], np.array([], int), 1, 2)


def test_macro_f1_counts_a_class_absent_from_truth_and_predictions_as_0():
    assert action_gate.macro_f1(np.array([0, 0]), np.array([0, 0]), 3) == pytest.approx(1 / 3)


def test_macro_f1_matches_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(3)
    y, pred = rng.integers(0, 4, 50), rng.integers(0, 3, 50)   # one class never predicted
    assert action_gate.macro_f1(y, pred, 4) == pytest.approx(
        f1_score(y, pred, average="macro", labels=range(4), zero_division=0))


def test_leave_one_out_decides_each_clip_without_it():
    rng = np.random.default_rng(4)
    windows, y = _clips(rng, 6)
    pred, chosen = action_gate.leave_one_out(windows, y, NONE, 4)
    assert (pred == y).all() and len(chosen) == len(y)
    # A clip that contradicts all the others is wrong when held out, whatever it would fit.
    odd = np.array([[0.02, 0.02, 0.02, 0.94]])            # an action clip that looks like none
    pred, _ = action_gate.leave_one_out(windows + [odd], np.append(y, 0), NONE, 4)
    assert pred[-1] == NONE


def test_leave_one_out_holds_out_each_clip_in_turn_and_decides_it_by_the_one_standard_error_choice():
    """Two classes (action 0, none 1), one window per clip: each clip's threshold is the one
    `choose_threshold` picks on the seven others, and the clip is decided by it, not by the
    fold's best threshold."""
    actions, nones = [0.51, 0.95, 0.14, 0.95], [0.31, 0.42, 0.83, 0.41]
    windows = [np.array([[a, 1 - a]]) for a in actions + nones]
    y = np.array([0] * 4 + [1] * 4)
    grid = (0.2, 0.4, 0.6, 0.8)
    pred, chosen = action_gate.leave_one_out(windows, y, 1, 2, grid, n_bootstrap=200)
    folds = [action_gate.choose_threshold(windows[:i] + windows[i + 1:], np.delete(y, i), 1, 2, grid,
                                          n_bootstrap=200) for i in range(len(y))]
    assert chosen == [f.threshold for f in folds] and len(set(chosen)) > 1
    assert pred.tolist() == [action_gate.clip_decision(w, 1, t) for w, t in zip(windows, chosen)]
    # The none clip at 0.42: its fold's best is 0.6, where it would be none; within one standard
    # error the lower 0.4 is chosen, and it is held out as an action.
    assert (folds[5].best, chosen[5], pred[5]) == (0.6, 0.4, 0)


def test_thresholds_given_in_any_order_are_chosen_from_as_if_sorted():
    windows, y = _clips(np.random.default_rng(1), 10)
    ascending = action_gate.choose_threshold(windows, y, NONE, 4)
    shuffled = list(action_gate.THRESHOLDS)
    np.random.default_rng(2).shuffle(shuffled)
    for order in (action_gate.THRESHOLDS[::-1], tuple(shuffled)):
        assert action_gate.choose_threshold(windows, y, NONE, 4, order) == ascending
    assert ascending.threshold == 0.3

def test_the_packaged_model_carries_its_chosen_threshold_and_how_it_was_chosen():
    provenance = json.loads(default_model.DEFAULT_PROVENANCE.read_text())
    record = provenance["action_threshold"]
    clf = default_model.load_default_pose_model()
    assert clf.action_threshold == record["value"] == clf.meta["action_threshold_choice"]["value"]
    assert record["command"] == "python scripts/choose_action_threshold.py"
    assert record["cross_validated"]["scheme"].startswith("leave-one-out")
    assert record["cross_validated"]["n"] == record["chosen_on"]["clips"] > 0
    lo, hi = record["cross_validated"]["macro_f1_95ci"]
    assert lo <= record["cross_validated"]["macro_f1"] <= hi
    assert record["value"] in record["choice"]["grid"]
    from highlights.pose_classifier.model import file_sha256

    assert provenance["sha256"] == file_sha256(default_model.DEFAULT_MODEL)


def test_a_saved_threshold_comes_back(tmp_path):
    clf = default_model.load_default_pose_model()
    clf.action_threshold = 0.35
    clf.save(tmp_path / "m.pt")
    assert PoseClassifier.load(tmp_path / "m.pt").action_threshold == 0.35


def test_choosing_the_threshold_of_a_missing_model_names_it_and_exits_1(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "choose_action_threshold.py"
    missing = tmp_path / "no-such-model.pt"
    done = subprocess.run([sys.executable, str(script), "--real-dev", str(tmp_path), "--model", str(missing)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout.strip().splitlines() == [f"{missing}: no such pose model"]
    assert "Traceback" not in done.stderr


FEW = "{n} val clips, {none} of them `none`, are too few to choose it on (at least 20, 5 `none` and 5 actions)"


@pytest.mark.parametrize("n_none, n_action, why", [
    (5, 15, None),    # at the floor: 20 clips, 5 of them none
    (5, 14, FEW),     # 19 clips
    (4, 16, FEW),     # 20 clips, 4 none
    (16, 4, FEW),     # 20 clips, 4 actions
    (0, 20, "its val split needs a `none` clip and an action clip to choose it on"),
    (20, 0, "its val split needs a `none` clip and an action clip to choose it on"),
])
def test_a_val_split_chooses_the_threshold_from_20_clips_5_none_and_5_actions(monkeypatch, n_none, n_action, why):
    """`train`'s choice on a version's val clips, at the edges of its configured floor. Each clip is
    one window: an action clip's action probability 0.8, a none clip's 0.12, so every threshold from
    0.15 to 0.8 tells them apart and the rule takes 0.15. The first none clip shows nobody (no
    window): `none` at every threshold."""
    from types import SimpleNamespace

    import highlights.pose_classifier.clips as clips_module
    from highlights.pose_classifier.train import PoseTrainConfig, choose_threshold_on_val

    clips = [SimpleNamespace(path=f"none{i}.mp4", label="none") for i in range(n_none)]
    clips += [SimpleNamespace(path=f"swing{i}.mp4", label="baseball_swing") for i in range(n_action)]
    monkeypatch.setattr(clips_module, "clip_poses", lambda path, *, fps, cache_dir=None: (
        np.array([-1.0 if path == "none0.mp4" else 0.88 if str(path).startswith("none") else 0.2]), np.zeros(1)))
    clf = SimpleNamespace(classes=["baseball_swing", "none"], none_index=1, action_threshold=0.5, aggregation="max",
                          spec=SimpleNamespace(fps=10.0), windows=lambda kp, times: [kp] if kp[0] >= 0 else [],
                          window_proba=lambda found: np.array([[1 - found[0][0], found[0][0]]]))
    said = []
    config = PoseTrainConfig(out_dir="-")   # the floor train passes
    result = choose_threshold_on_val(clf, clips, "v1", said.append, min_clips=config.threshold_min_val_clips,
                                     min_per_side=config.threshold_min_val_per_side)
    assert result["chosen"] is (why is None) and result["clips"] == n_none + n_action
    if why is None:
        assert result["threshold"] == clf.action_threshold == 0.15 and result["macro_f1"] == 1.0
        assert result["per_class"] == {"baseball_swing": n_action, "none": n_none}
    else:
        why = why.format(n=n_none + n_action, none=n_none)
        assert result["threshold"] == clf.action_threshold == 0.5 and result["why"] == why
        assert said == [f"action threshold 0.5 (not chosen on v1's val clips: {why})",
                        "the packaged model's action threshold, chosen on real clips, is 0.05: "
                        "a window of this model is an action only from 0.5; "
                        "`detect --set classifier.action_threshold=T` sets another"]
