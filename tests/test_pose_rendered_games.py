"""Pose windows from rendered synthetic games with the pipeline's own MoveNet poses: tracks matched
to the generator's people, labels that follow the game's events and who acts, the estimate kept
and reused, and training that takes the windows in."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from highlights.pose_classifier import rendered_games
from highlights.pose_classifier.game_data import HELD_OUT_GAME_SEEDS, GameWindowSpec
from highlights.pose_classifier.rendered_games import game_tracks, identify, track_windows
from highlights.pose_classifier.train import PoseTrainConfig, train_pose_classifier
from highlights.synth.clip import LABELS

CLASSES = tuple(LABELS)


def _person(height: float = 100.0) -> np.ndarray:
    """A standing body, COCO-17, with every joint seen."""
    kp = np.zeros((17, 3), np.float32)
    kp[:, 0] = 100.0 + np.linspace(-10, 10, 17)
    kp[:, 1] = np.linspace(0, height, 17)
    kp[:, 2] = 0.9
    return kp


def _rows(tracks: dict) -> dict:
    """Rows as `estimate_tracks` + `identify` give them, for tracks {id: (times, pid, actor)}."""
    t, track, kp, box, pid, actor = [], [], [], [], [], []
    for tid, (times, who, acts) in tracks.items():
        for s in times:
            t.append(s)
            track.append(tid)
            kp.append(_person() + np.float32([tid, 0, 0]))
            box.append([90.0, 0.0, 110.0, 100.0])
            pid.append(who)
            actor.append(acts)
    return {"t": np.asarray(t), "track": np.asarray(track), "kp": np.asarray(kp), "box": np.asarray(box),
            "pid": np.asarray(pid), "actor": np.asarray(actor, bool),
            "trigger_t": np.asarray([5.0, 12.0, 5.1]), "trigger_track": np.asarray([1, 1, 2])}


def test_windows_of_the_followed_player_near_an_event_are_its_class_and_everyone_else_none():
    times = np.arange(0.0, 20.0, 0.1)
    rows = _rows({1: (times, 0, True), 2: (times, 3, False), 3: (times, -1, False)})
    spec = GameWindowSpec(random_every_s=4.0)
    windows, labels, names = track_windows(rows, [(5.0, "soccer_shooting")], spec, CLASSES,
                                           np.random.default_rng(0))
    assert len(windows) == len(labels) == len(names) > 6
    shot, none = CLASSES.index("soccer_shooting"), CLASSES.index("none")
    counts = Counter(names)
    # The trigger at 5.0 s and the event's own window on the followed player: the shot; his trigger
    # at 12 s is 7 s away from it: none; the background player's trigger beside the shot: none.
    assert counts["rendered:soccer_shooting"] >= 2
    assert counts["rendered_none:followed"] >= 1 and counts["rendered_none:background"] >= 2
    for w, label, name in zip(windows, labels, names):
        assert w.shape == (spec.window_frames, 17, 3)
        track = int(round(w[w[:, 0, 2] > 0][0, 0, 0] - _person()[0, 0]))   # each track's points are offset by its id
        assert (label == shot) == (name == "rendered:soccer_shooting")
        if track != 1:
            assert label == none and name == "rendered_none:background"


def test_a_joint_the_pipeline_does_not_see_reaches_the_window_at_zero():
    times = np.arange(0.0, 4.0, 0.1)
    rows = _rows({1: (times, 0, True)})
    rows["kp"][:, 9, 2] = 0.1   # the left wrist below the pipeline's visibility floor
    windows, _, _ = track_windows(rows, [], GameWindowSpec(random_every_s=1.0), CLASSES, np.random.default_rng(1))
    windows = np.asarray(windows)
    assert len(windows)
    seen = windows[:, :, :, 2] > 0
    assert (windows[:, :, 9, :2] == 0).all() and (windows[seen.any(axis=2)][:, 0, 0] != 0).all()


def test_identify_finds_the_truth_person_by_box_and_no_one_for_a_false_detection():
    frame = [{"id": 4, "actor": False, "box": [0, 0, 10, 20]}, {"id": 7, "actor": True, "box": [50, 0, 60, 20]}]
    truth = {0.0: frame, 0.1: frame}.__getitem__  # persons_at(t)
    rows = {"t": np.array([0.0, 0.1, 0.1]),
            "box": np.array([[1, 0, 11, 21], [49, 1, 60, 20], [200, 0, 210, 20]], float)}
    pid, actor = identify(rows, truth)
    assert pid.tolist() == [4, 7, -1] and actor.tolist() == [False, True, False]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_rendered_game_is_estimated_once_and_its_tracks_are_its_people(tmp_path, monkeypatch):
    spec = GameWindowSpec(minutes=0.25, video_fps=10.0)
    cfg, rows = game_tracks(spec, 0, tmp_path)
    assert cfg.seed not in HELD_OUT_GAME_SEEDS and cfg.fps == 10.0
    assert len(rows["t"]) > 50 and rows["kp"].shape[1:] == (17, 3)
    # MoveNet's boxes of drawn players land on the generator's people, the followed one among them.
    assert (rows["pid"] >= 0).mean() > 0.8 and rows["actor"].any()

    def not_again(*args, **kwargs):
        raise AssertionError("estimated again")

    monkeypatch.setattr(rendered_games, "estimate_tracks", not_again)
    _, again = game_tracks(spec, 0, tmp_path)
    assert np.array_equal(again["kp"], rows["kp"]) and np.array_equal(again["pid"], rows["pid"])
    # tracks an earlier pipeline (another output number) estimated are estimated again
    from highlights.pipeline import output_version

    monkeypatch.setattr(output_version, "OUTPUT_VERSION", output_version.OUTPUT_VERSION + 1)
    with pytest.raises(AssertionError, match="estimated again"):
        game_tracks(spec, 0, tmp_path)


def test_training_takes_rendered_windows_and_says_so(tmp_path, monkeypatch):
    made = np.zeros((30, 20, 17, 3), np.float32)
    made[:] = _person()
    labels = np.array([CLASSES.index("none")] * 20 + [CLASSES.index("baseball_swing")] * 10)
    asked = {}

    def fake(spec, folder, **kwargs):
        asked.update(games=spec.games, folder=str(folder), video_fps=spec.video_fps)
        return made, labels, ["rendered_none:followed"] * 20 + ["rendered:baseball_swing"] * 10

    monkeypatch.setattr(rendered_games, "rendered_windows", fake)
    cfg = PoseTrainConfig(out_dir=str(tmp_path), family="features_linear", synth_windows=100, val_windows=40,
                          epochs=2, copies=1, rendered=GameWindowSpec(games=2, video_fps=10.0), rendered_copies=2)
    train_pose_classifier(cfg, show_progress=False)
    assert asked == {"games": 2, "folder": str(tmp_path / "rendered_games"), "video_fps": 10.0}
    data = json.loads((tmp_path / "best.json").read_text())["training_data"]
    assert data["rendered_games"]["windows"] == 30 and data["rendered_games"]["copies"] == 2
    assert data["windows"] == 100 + 2 * 30
    assert "MoveNet poses of 2 rendered synthetic games" in data["source"]


def test_train_cli_passes_the_number_of_rendered_games_on(tmp_path):
    from typer.testing import CliRunner

    from highlights.cli.app import app

    result = CliRunner().invoke(app, ["train", "--model", "pose", "--synth-windows", "100", "--rendered-games", "-2",
                                      "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code == 1
    assert "--rendered-games -2: 0 or more" in result.output and "Traceback" not in result.output
