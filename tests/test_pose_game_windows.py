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
    assert "--synth-games -1: 0 or more" in result.output and "Traceback" not in result.output


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


def test_the_seconds_around_a_key_moment_are_inclusive_at_both_bounds():
    spec = GameWindowSpec(action_within_s=0.5, none_beyond_s=1.5)
    keys = [(10.0, "soccer_shooting")]
    assert window_label(10.5, keys, True, spec) == ("soccer_shooting", "game:soccer_shooting")  # 0.5 s off
    assert window_label(9.5, keys, True, spec) == ("soccer_shooting", "game:soccer_shooting")
    assert window_label(11.5, keys, True, spec) == ("none", "game_none:followed")  # 1.5 s off
    assert window_label(8.5, keys, True, spec) == ("none", "game_none:followed")


def test_a_spec_is_checked_and_fixed_once_made():
    from dataclasses import FrozenInstanceError

    with pytest.raises(ConfigError):
        GameWindowSpec(minutes=0)
    with pytest.raises(ConfigError):
        GameWindowSpec(action_within_s=0.0)
    GameWindowSpec(games=0, action_within_s=1.0, none_beyond_s=1.0)  # no game, and no gap between: fine
    with pytest.raises(FrozenInstanceError):
        GameWindowSpec().games = 3
    assert GameWindowSpec(games=2, difficulty=(0.1, 0.2)).to_dict() == {**GameWindowSpec().__dict__, "games": 2,
                                                                          "difficulty": (0.1, 0.2)}


def test_game_seeds_are_one_thousand_a_range_from_ten_thousand_and_the_measured_games_are_held_out():
    # The bench's test games (202-204) and fit game (101), the demo's game (3).
    assert HELD_OUT_GAME_SEEDS == {3, 101, 202, 203, 204}
    assert game_seed(GameWindowSpec(), 0) == 10_000
    assert game_seed(GameWindowSpec(seed=2), 5) == 12_005
    # Ranges meet, never overlap.
    assert game_seed(GameWindowSpec(seed=1), 0) == game_seed(GameWindowSpec(seed=0), 999) + 1


def test_the_spec_cuts_the_classifiers_windows_from_games_like_the_benchs():
    from highlights.pose_classifier.model import PoseWindowSpec

    spec, model = GameWindowSpec(), PoseWindowSpec()
    assert (spec.fps, spec.window_frames) == (model.fps, model.window_frames)
    # bench/bench_synthetic_game.py's games: 5 minutes at 640x360, the generator's 30 fps.
    assert (spec.minutes, spec.width, spec.height, spec.video_fps) == (5.0, 640, 360, GameConfig(minutes=1).fps)
    assert (spec.games, spec.seed) == (0, 0)
    assert (spec.action_within_s, spec.none_beyond_s, spec.random_every_s, spec.min_height) == (0.5, 1.5, 5.0, 0.06)


def test_game_tracks_take_the_video_frames_nearest_the_rate_asked_for():
    cfg = GameConfig(minutes=0.1, width=256, height=144, fps=30.0, events_per_minute=8.0, seed=7, name="g")
    _, _, times, _ = next(iter(game_tracks(cfg, fps=10.0)))
    np.testing.assert_allclose(np.diff(times), 0.1)  # every third frame
    _, _, times, _ = next(iter(game_tracks(cfg, fps=60.0)))
    np.testing.assert_allclose(np.diff(times), 1 / 30)  # faster than the video: every frame


def test_a_joint_is_seen_where_it_falls_inside_the_frame():
    from types import SimpleNamespace

    from highlights.pose_classifier.game_data import _track_points

    # (x, y) in the frame (the projection and camera are the identity here) and whether it is inside 640x360.
    cases = [((0.0, 0.0), 1), ((-0.01, 10.0), 0), ((639.99, 10.0), 1), ((640.0, 10.0), 0), ((10.0, -0.01), 0),
             ((10.0, 359.99), 1), ((10.0, 360.0), 0), ((10.0, 500.0), 0), ((500.0, 10.0), 1)]
    points = np.full((17, 2), 100.0)
    points[:len(cases)] = [xy for xy, _ in cases]
    shot = SimpleNamespace(projector=SimpleNamespace(to_pano=lambda x, y, depth: (x, y)))
    skeleton = SimpleNamespace(points=points)
    person = SimpleNamespace(depth=1.0, timeline=SimpleNamespace(at=lambda t: (skeleton, None, None)))
    out = _track_points(shot, person, np.array([0.0]), np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (640, 360))
    np.testing.assert_array_equal(out[0, :, :2], points.astype(np.float32))
    assert out[0, :len(cases), 2].tolist() == [v for _, v in cases]
    assert (out[0, len(cases):, 2] == 1).all()


def _standing(frames: int, height: float = 50.0) -> np.ndarray:
    """(T, 17, 3) a person standing still, `height` px from head to ankles, every joint seen."""
    kp = np.zeros((frames, 17, 3), np.float32)
    kp[:, :, 0] = 300.0 + np.linspace(-8, 8, 17)
    kp[:, :, 1] = 100.0 + np.linspace(0.0, height, 17)
    kp[:, :, 2] = 1.0
    return kp


def test_random_windows_come_one_per_random_every_s_of_track_anywhere_on_it():
    from highlights.pipeline.config import KinematicsConfig
    from highlights.pose_classifier.game_data import _centres

    class Drawn:
        def __init__(self):
            self.rates, self.ranges = [], []

        def poisson(self, lam):
            self.rates.append(lam)
            return 3

        def uniform(self, low, high):
            self.ranges.append((low, high))
            return low

    rng, times = Drawn(), 2.0 + np.arange(201) / 10.0  # 20 s of a track from 2 s on
    centres = _centres(times, _standing(201), rng, GameWindowSpec(random_every_s=5.0), KinematicsConfig())
    assert centres == [(2.0, "random")] * 3  # nobody moving: no trigger
    assert rng.rates == [pytest.approx(4.0)] and rng.ranges == [(2.0, 22.0)] * 3


def test_joints_outside_the_frame_fire_no_trigger():
    """The ankles are out of the frame, where their projected places jump about: unseen, as the
    pipeline has them, so they fire no kick."""
    from highlights.pipeline.config import KinematicsConfig
    from highlights.pose_classifier.game_data import _centres

    kp = _standing(60)
    kp[:, 15:, 2] = 0.0
    kp[::2, 15:, 0] += 200.0
    centres = _centres(np.arange(60) / 10.0, kp, np.random.default_rng(0), GameWindowSpec(random_every_s=1e9),
                       KinematicsConfig())
    assert centres == []
    kp[:, 15:, 2] = 1.0  # the same places seen: a kick, over and over
    assert _centres(np.arange(60) / 10.0, kp, np.random.default_rng(0), GameWindowSpec(random_every_s=1e9),
                    KinematicsConfig())


def test_game_windows_cut_each_window_on_its_centre_from_the_frames_a_person_is_there(monkeypatch):
    """Hand-made tracks at 10 fps stand in for a planned game's, their window centres given: which
    tracks and windows are kept, with which label, on which frames (a joint's x is its frame's number)."""
    from types import SimpleNamespace

    import highlights.pose_classifier.game_data as game_data

    def track(first_s: float, frames: int, height: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
        kp = _standing(frames, height)
        kp[:, :, 0] = np.arange(frames)[:, None]
        return first_s + np.arange(frames) / 10.0, kp

    shot = SimpleNamespace(events=[SimpleNamespace(key_s=12.03, label="soccer_shooting"),
                                   SimpleNamespace(key_s=14.0, label="not_a_class")])
    actor_times, actor = track(10.0, 60)  # 10.0-15.9 s
    actor[0:2, 5:, 2] = 0.0  # 5 joints seen: not there
    actor[2:8, 6:, 2] = 0.0  # 6 joints seen: there
    exact_times, exact = track(30.0, 20)  # exactly one window long: kept
    short_times, short = track(40.0, 19)  # shorter: left out
    gone_times, gone = track(50.0, 25)
    gone[:6, 5:, 2] = 0.0  # there in 19 frames: left out
    low_times, low = track(60.0, 30, height=89.0)  # shorter than a quarter of the 360 px frame: left out
    tall_times, tall = track(70.0, 30, height=90.0)  # exactly a quarter: kept
    people = [(shot, SimpleNamespace(actor=True), actor_times, actor)]
    people += [(SimpleNamespace(events=[]), SimpleNamespace(actor=False), t, kp)
               for t, kp in ((exact_times, exact), (short_times, short), (gone_times, gone), (low_times, low),
                             (tall_times, tall))]
    centres = {10.2: [12.35, 14.05, 13.05, 10.45, 15.45, 15.55], 30.0: [30.95], 70.0: [70.5 + 0.95]}
    seen = {}

    def given_centres(times, kp, rng, spec, kinematics):
        seen[float(times[0])] = len(times)
        return [(c, "trigger") for c in centres.get(float(times[0]), [])]

    monkeypatch.setattr(game_data, "game_tracks", lambda cfg, fps: iter(people))
    monkeypatch.setattr(game_data, "_centres", given_centres)
    # The event's own window is centred within 0.01 s of its key moment, so its frames are known.
    spec = GameWindowSpec(games=1, min_height=0.25, action_within_s=0.01, none_beyond_s=1.5)
    windows, labels, names = game_windows(spec)

    assert seen == {10.2: 58, 30.0: 20, 70.0: 30}  # the frames the person is there in, from the first
    cut = []
    for w, label, name in zip(windows, labels, names):
        there = w[:, :, 2].max(axis=1) > 0
        frames = w[there, 0, 0].astype(int).tolist()
        assert frames == list(range(frames[0], frames[0] + len(frames)))
        cut.append((name, LABELS[label], frames[0], len(frames)))
    assert cut == [
        # 12.35 s and 13.05 s: neither the action nor `none`
        ("game_none:followed", "none", 31, 20),  # 14.05 s: frames 31-50
        # 10.45 s: frames -5 to 14, of which 2-14 there: 13 of 20, under three quarters
        ("game_none:followed", "none", 45, 15),  # 15.45 s: frames 45-64, 60 on past the track: 15 of 20
        # 15.55 s: 14 of 20
        ("game:soccer_shooting", "soccer_shooting", 11, 20),  # the event at 12.03 s: frames 11-30
        ("game_none:background", "none", 0, 20),
        ("game_none:background", "none", 5, 20),
    ]
    np.testing.assert_array_equal(windows[1, 15:], 0.0)  # the frames past the track are empty


def test_an_events_own_window_is_centred_anywhere_within_action_within_s_of_it(monkeypatch):
    from types import SimpleNamespace

    import highlights.pose_classifier.game_data as game_data

    keys = 5.0 + 3.0 * np.arange(30)
    kp = _standing(1000)
    kp[:, :, 0] = np.arange(1000)[:, None]
    shot = SimpleNamespace(events=[SimpleNamespace(key_s=float(k), label="soccer_shooting") for k in keys])
    monkeypatch.setattr(game_data, "game_tracks",
                        lambda cfg, fps: iter([(shot, SimpleNamespace(actor=True), np.arange(1000) / 10.0, kp)]))
    monkeypatch.setattr(game_data, "_centres", lambda *args: [])
    windows, _, names = game_windows(GameWindowSpec(games=1, action_within_s=0.5, none_beyond_s=1.5))
    assert names == ["game:soccer_shooting"] * 30
    off = (windows[:, 0, 0, 0] + 9.5) / 10.0 - keys  # each window's centre less its key moment
    assert np.abs(off).max() <= 0.55 and off.min() < -0.25 and off.max() > 0.25  # both sides of it
