"""A keyed window's track estimated again on crops of the video (`pose.refine`)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from highlights.errors import ConfigError
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.pose_refine import check_refine_available, square_crop
from highlights.pipeline.track_settings import frame_settings


def test_a_crop_maps_back_to_the_frame_pixels_it_shows():
    rgb = np.zeros((90, 160, 3), np.uint8)
    rgb[40, 100] = (255, 255, 255)
    box = (90.0, 20.0, 110.0, 80.0)  # 20 wide, 60 tall: the crop is 60 * 1.5 = 90 pixels square
    crop, x0, y0, per = square_crop(rgb, box, margin=0.5, side_px=180)
    assert crop.shape == (180, 180, 3)
    assert per == pytest.approx(0.5)
    y, x = np.unravel_index(np.argmax(crop.sum(axis=2)), crop.shape[:2])
    # The brightest crop pixel lies where the white frame pixel maps (within the resize's blur).
    assert abs(x * per + x0 - 100) <= 1 and abs(y * per + y0 - 40) <= 1


def test_a_crop_leaving_the_frame_is_padded_black():
    rgb = np.full((90, 160, 3), 200, np.uint8)
    crop, x0, y0, per = square_crop(rgb, (0.0, 0.0, 40.0, 40.0), margin=1.0, side_px=80)
    assert (x0, y0) == (-20, -20) and per == pytest.approx(1.0)
    assert crop[:15, :15].max() == 0 and crop[30:, 30:].min() == 200


def test_refine_is_off_by_default_checked_and_out_of_the_frame_cache_key():
    off = PipelineConfig()
    on = off.with_overrides({"pose.refine": "blazepose", "pose.refine_margin": 0.4})
    assert off.pose.refine == "off" and on.pose.refine == "blazepose"
    # Frames kept on disk stay valid: the setting acts where keyed windows are read.
    assert frame_settings(on.pose) == frame_settings(off.pose)
    with pytest.raises(ConfigError, match="pose.refine='movenet': choose one of off, blazepose"):
        off.with_overrides({"pose.refine": "movenet"})
    with pytest.raises(ConfigError, match="pose.refine_margin"):
        off.with_overrides({"pose.refine_margin": -1})


def test_refine_without_mediapipe_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # import mediapipe now raises ImportError
    with pytest.raises(ConfigError, match=r"pose.refine=blazepose needs the mediapipe package"):
        check_refine_available("blazepose")
    check_refine_available("off")


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    from highlights.synth import GameConfig, generate_game

    out = tmp_path_factory.mktemp("refine-game")
    # Players about 120 pixels tall, as on the synthetic test games.
    return generate_game(out, GameConfig(minutes=0.1, sport="soccer", width=640, height=360, fps=10.0,
                                         events_per_minute=10.0, seed=3, name="g"))


@pytest.mark.mediapipe
def test_blazepose_on_crops_finds_the_drawn_player_where_the_truth_has_him(game):
    pytest.importorskip("mediapipe")
    from highlights.pipeline.kinematics import body_height
    from highlights.pipeline.pose_refine import TrackRefiner
    from highlights.pipeline.records import FrameRecord, Person

    rows = [json.loads(line) for line in game["truth"].read_text().splitlines()]
    records, truth = [], []
    for i, row in enumerate(rows[:20]):
        actor = next((p for p in row["persons"] if p["actor"]), None)
        if actor is None:
            continue
        records.append(FrameRecord(
            index=i, time_s=float(row["t"]), persons=[Person(box=tuple(actor["box"]), track_id=7)]))
        truth.append(np.asarray(actor["keypoints"], dtype=np.float64).reshape(17, 3))
    assert len(records) >= 10
    refiner = TrackRefiner(game["video"], (640, 360), margin=0.3, short_side=720)
    assert refiner.refine(records, 7) == len(records)
    assert refiner.refine(records, 7) == 0  # each frame once
    errors, found = [], 0
    for rec, kp_true in zip(records, truth):
        kp = rec.persons[0].keypoints
        if kp is None:
            continue
        found += 1
        height = body_height(kp_true, None)
        seen = kp_true[:, 2] > 0
        errors += list(np.linalg.norm(kp[seen, :2] - kp_true[seen, :2], axis=1) / height)
    assert found >= 0.8 * len(records)
    # On the whole body, a tenth of the player's height off at most (the median joint).
    assert np.median(errors) < 0.1


@pytest.mark.mediapipe
def test_a_run_with_refine_estimates_the_keyed_windows_again(game):
    pytest.importorskip("mediapipe")
    from highlights.events import load_annotation
    from highlights.pipeline.run import run_pipeline

    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "pose.refine": "blazepose", "classifier.backend": "oracle"})
    result = run_pipeline(game["video"], config, annotation=load_annotation(game["annotation"]), progress=False)
    refine = result.stats["pose_refine"]
    assert refine["frames"] > 0
    keyed = [c for c in result.trace.triggers if c.get("trigger")]
    dropped = [c for c in result.trace.triggers if c.get("refined_away")]
    assert keyed or dropped
    assert refine["windows_dropped"] == len(dropped)
    for h in result.before_merge:
        kin = h.evidence.get("kinematics") or {}
        if kin.get("trigger"):
            assert "refined" in kin  # every keyed window that reached the classifier was measured again


def test_every_setting_read_with_whole_tracks_is_left_out_of_a_frames_settings_and_no_other():
    """Side continuity and every refine setting act where tracks are read: frames kept under one
    value of each serve another. A setting the pose stage itself reads still tells frames apart."""
    from highlights.pipeline.config import KinematicsConfig, PoseConfig

    track_read = PoseConfig(side_continuity=True, refine="blazepose", refine_margin=0.4, refine_short_side=480)
    assert frame_settings(track_read) == frame_settings(PoseConfig()) == PoseConfig()
    for frame_read in (PoseConfig(min_keypoints=5), PoseConfig(min_visibility=0.5), PoseConfig(backend="gt")):
        assert frame_settings(frame_read) == frame_read != PoseConfig()
    assert frame_settings(KinematicsConfig(smooth_frames=3)) == KinematicsConfig(smooth_frames=3)
