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
