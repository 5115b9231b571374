"""Pose windows cut from whole synthetic games as the pipeline cuts them: the same keypoints the
rendered game's truth holds, labels that follow the game's events, held-out games never used, and
training that takes them in."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.errors import ConfigError
from highlights.pose_classifier.game_data import (
    HELD_OUT_GAME_SEEDS, GameWindowSpec, game_config, game_seed, game_tracks, game_windows, window_label,
)
from highlights.pose_classifier.model import file_sha256
from highlights.pose_classifier.train import PoseTrainConfig, train_pose_classifier
from highlights.synth import GameConfig, generate_game, plan_game
from highlights.synth.clip import LABELS


def test_game_tracks_are_the_rendered_games_keypoints(tmp_path):
    cfg = GameConfig(minutes=0.25, width=256, height=144, fps=10.0, events_per_minute=8.0, seed=7, name="g")
    paths = generate_game(tmp_path, cfg)
    truth = {}
    for line in paths["truth"].read_text().splitlines():
        row = json.loads(line)
        for p in row["persons"]:
            truth[(row["frame"], p["id"])] = np.asarray(p["keypoints"], np.float64)
    compared = 0
    for _shot, person, times, kp in game_tracks(cfg, fps=cfg.fps):
        for t, points in zip(times, kp):
            gt = truth.get((int(round(t * cfg.fps)), person.pid))
            if gt is None:
                continue
            both = (gt[:, 2] > 0) & (points[:, 2] > 0)
            # The renderer snaps the camera's shift to whole pixels; nothing else may differ.
            assert np.abs(points[both, :2] - gt[both, :2]).max() <= 1.0
            # A joint the truth sees is inside the frame here too (the truth also hides occluded
            # ones), but for one within the snapping's pixel of the frame's edge.
            missed = points[(gt[:, 2] > 0) & (points[:, 2] == 0), :2]
            edge = np.minimum(np.minimum(missed[:, 0], cfg.width - missed[:, 0]),
                              np.minimum(missed[:, 1], cfg.height - missed[:, 1]))
            assert (np.abs(edge) <= 1.0).all()
            compared += int(both.sum())
    assert compared > 500


@pytest.fixture(scope="module")
def cut():
    spec = GameWindowSpec(games=2, minutes=1.0)
    return spec, game_windows(spec)


def test_game_windows_label_every_event_and_both_kinds_of_none(cut):
    spec, (windows, labels, names) = cut
    assert windows.shape[1:] == (spec.window_frames, 17, 3) and len(windows) == len(labels) == len(names)
    assert set(np.unique(windows[:, :, :, 2])) <= {0.0, 1.0}
    counts = Counter(names)
    assert counts["game_none:followed"] > 0 and counts["game_none:background"] > 0
    none = LABELS.index("none")
    for name, label in zip(names, labels):
        assert (label == none) == name.startswith("game_none")
    # Every event of the planned games gives at least one action window of its own class.
    events = Counter(ev.label for g in range(spec.games) for ev in plan_game(game_config(spec, g))[1])
    for label, n in events.items():
        assert counts[f"game:{label}"] >= n


def test_a_window_is_the_action_only_around_its_key_moment_and_none_well_away_from_it():
    spec = GameWindowSpec(action_within_s=0.5, none_beyond_s=1.5)
    keys = [(10.0, "soccer_shooting"), (30.0, "baseball_swing")]
    assert window_label(10.4, keys, True, spec) == ("soccer_shooting", "game:soccer_shooting")
    assert window_label(29.6, keys, True, spec) == ("baseball_swing", "game:baseball_swing")
    assert window_label(11.0, keys, True, spec) is None          # off by 1 s: neither
    assert window_label(8.0, keys, True, spec) == ("none", "game_none:followed")   # 2 s before the shot
    assert window_label(20.0, keys, True, spec) == ("none", "game_none:followed")
    assert window_label(10.0, [], False, spec) == ("none", "game_none:background")


def test_the_games_the_project_measures_on_are_never_training_games():
    for seed in range(0, 60):
        spec = GameWindowSpec(games=1, seed=seed)
        assert not {game_seed(spec, i) for i in range(200)} & HELD_OUT_GAME_SEEDS
    with pytest.raises(ConfigError):
        GameWindowSpec(games=-1)
    with pytest.raises(ConfigError):
        GameWindowSpec(action_within_s=2.0, none_beyond_s=1.0)


def test_training_takes_game_windows_and_validates_on_other_games(tmp_path):
    cfg = PoseTrainConfig(out_dir=str(tmp_path), family="features_linear", synth_windows=200, val_windows=80,
                          epochs=3, copies=1, game=GameWindowSpec(games=1, minutes=0.5), val_games=1)
    train_pose_classifier(cfg, show_progress=False)
    provenance = json.loads((tmp_path / "best.json").read_text())
    games = provenance["training_data"]["synthetic_games"]
    assert games["games"] == 1 and games["windows"] > 0
    assert games["per_class"]["none"] > 0 and sum(games["per_class"].values()) == games["windows"]
    assert provenance["training_data"]["windows"] == 200 + games["windows"]
    assert "whole games" in provenance["training_data"]["source"]
    assert provenance["training_data"]["source"].startswith("synthetic")
    val = provenance["validation"]["games"]
    assert val["windows"] > 0 and 0.0 <= val["action_auc"] <= 1.0
    assert val["game_seed_range"] != games["spec"]["seed"]


def test_train_cli_passes_the_number_of_games_on(tmp_path):
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--synth-windows", "100", "--synth-games", "-1",
                                      "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code != 0
    assert "games must be >= 0" in result.output and "Traceback" not in result.output


def test_a_run_stopped_before_its_summary_leaves_no_summary_of_another_model(tmp_path, monkeypatch):
    # best.json names best.pt's sha256; a run that stopped while writing the two must leave the
    # earlier pair whole, never the new best.pt beside the earlier run's best.json.
    import highlights.pose_classifier.train as pose_train

    cfg = PoseTrainConfig(out_dir=str(tmp_path), family="features_linear", synth_windows=120, val_windows=40,
                          epochs=1, copies=1)
    train_pose_classifier(cfg, show_progress=False)
    first = json.loads((tmp_path / "best.json").read_text())["sha256"]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pose_train, "atomic_write_json", stopped)
    with pytest.raises(KeyboardInterrupt):
        train_pose_classifier(replace(cfg, seed=cfg.seed + 1), show_progress=False)
    assert file_sha256(tmp_path / "best.pt") == first
    assert json.loads((tmp_path / "best.json").read_text())["sha256"] == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left
