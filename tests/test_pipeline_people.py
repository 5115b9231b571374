"""Every player through the pipeline: the MoveNet backends with tracks, the no-person rule and
the missing-model line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from tests.movenet_marks import NEEDS_MOVENET
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

FAST = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                        "classifier.backend": "oracle"})
GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("people-game"), duration_s=14.0, events=DEFAULT_EVENTS[:2])
    return video, load_annotation(video.with_suffix(".json"))


def test_movenet_is_the_default_for_every_player():
    cfg = PipelineConfig()
    assert cfg.detection.backend == "movenet" and cfg.pose.backend == "movenet"


def test_no_person_anywhere_gives_zero_highlights_and_one_line(game, cli, tmp_path):
    video, annotation = game
    nobody = FAST.with_overrides({"detection.gt_dropout": 1.0})
    result = run_pipeline(video, nobody, annotation=annotation, progress=False)
    assert result.highlights == [] and result.stats["no_person_found"] is True
    res = cli("detect", video, "--out", tmp_path, *GT, "--set", "detection.gt_dropout=1.0",
              "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "no person was found" in ln]
    assert len(lines) == 1 and video.name in lines[0]
    assert json.loads((tmp_path / "highlights.json").read_text())["highlights"] == []
    # With people, the rule stays out of the way.
    with_people = run_pipeline(video, FAST, annotation=annotation, progress=False)
    assert with_people.stats["no_person_found"] is False and with_people.highlights


def test_missing_model_file_is_one_line_naming_it(game, cli, tmp_path):
    video, _ = game
    res = cli("detect", video, "--out", tmp_path, "--set", f"detection.movenet_model_path={tmp_path / 'gone.tflite'}",
              "--set", "classifier.enabled=false", "--no-progress")
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0 and "gone.tflite: MoveNet model file not found" in res.output


@NEEDS_MOVENET
def test_movenet_backends_give_tracked_people(tmp_path):
    video = make_game(tmp_path, duration_s=7.0, events=DEFAULT_EVENTS[:1])
    annotation = load_annotation(video.with_suffix(".json"))
    cfg = PipelineConfig().with_overrides({"classifier.backend": "oracle", "candidates.active_frames_only": False,
                                           "detection.movenet_threads": 1})
    result = run_pipeline(video, cfg, annotation=annotation, progress=False)
    assert result.backends["detection"] == "movenet" and result.backends["pose"] == "movenet"
    persons = np.asarray(result.trace.frame_persons)
    assert (persons >= 0).all() and persons.max() <= 6
    # Stick figures are not people to every detector: either some are found, or none anywhere,
    # and then the run says so and keeps no highlight.
    if persons.max() == 0:
        assert result.stats["no_person_found"] and result.highlights == []
    else:
        assert result.stats["no_person_found"] is False


def test_actions_merge_gives_one_ranked_highlight_per_action_and_caps(game, cli, tmp_path):
    video, annotation = game
    # Windows every 0.5 s around every event, as an unkeyed candidate gives.
    base = FAST.with_overrides({"kinematics.enabled": False, "classifier.stride_s": 0.5, "merge.backend": "actions"})
    full = run_pipeline(video, base, annotation=annotation, progress=False)
    assert len(full.before_merge) > 2  # several windows per event before merge
    assert len(full.highlights) == 2  # one highlight per action after
    assert sorted(h.evidence["rank"]["rank"] for h in full.highlights) == [1, 2]
    assert all(h.evidence["merge"]["support"] >= 1 for h in full.highlights)
    one = run_pipeline(video, base.with_overrides({"merge.max_highlights": 1}), annotation=annotation,
                       progress=False)
    assert len(one.highlights) == 1 and one.highlights[0].evidence["rank"]["rank"] == 1
    res = cli("detect", video, "--out", tmp_path / "a", *GT, "--set", "classifier.enabled=false",
              "--max-highlights", "1", "--no-progress")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "a" / "highlights.json").read_text())
    # The caps apply in the default merge too (they no longer switch the merge).
    assert len(data["highlights"]) == 1 and data["config"]["merge"]["backend"] == PipelineConfig().merge.backend
    assert data["highlights"][0]["evidence"]["rank"] == {"rank": 1, "of": 1}
    res = cli("detect", video, "--out", tmp_path / "b", *GT, "--reel-seconds", "-1", "--no-progress")
    assert res.exit_code == 1 and "--reel-seconds" in res.output


@pytest.mark.parametrize("flag", ["--max-highlights", "--reel-seconds"])
def test_a_cap_of_zero_is_refused_not_read_as_no_cap(flag, cli, tmp_path):
    """`--max-highlights 0` asks for no highlight; keeping them all instead would be a surprise."""
    res = cli("detect", tmp_path / "game.mp4", "--out", tmp_path / "out", flag, "0", "--no-progress")
    assert res.exit_code == 1, res.output
    errors = [line for line in res.output.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"error: {flag} 0: ") and "leave it out" in errors[0], res.output


def test_decoding_ahead_or_on_one_thread_changes_no_result_and_every_stage_is_timed(game):
    video, annotation = game
    ahead = run_pipeline(video, FAST, annotation=annotation, progress=False)
    inline = run_pipeline(video, FAST.with_overrides({"analysis.decode_ahead": 0, "analysis.decode_threads": 1}),
                          annotation=annotation, progress=False)
    assert [h.to_dict() for h in ahead.highlights] == [h.to_dict() for h in inline.highlights]
    assert ahead.trace.frame_persons == inline.trace.frame_persons
    seconds = ahead.stats["stage_seconds"]
    for stage in ("setup", "candidates", "detection", "pose", "kinematics", "classifier", "decode_wait",
                  "decode_thread", "other"):
        assert seconds[stage] >= 0.0, stage
    main_thread = sum(s for name, s in seconds.items() if "." not in name and name != "decode_thread")
    assert main_thread == pytest.approx(ahead.stats["seconds"], rel=0.05, abs=0.05)
    assert "decode_thread" not in inline.stats["stage_seconds"]


@NEEDS_MOVENET
def test_movenet_path_is_measured_once_and_named_in_the_stats(tmp_path, monkeypatch):
    import highlights.people.movenet_paths as movenet_paths

    # The system's CPU counters say nothing here, so the choice is stored however busy the machine,
    # and no choice measured on a busy machine by an earlier test of this process stands in for it.
    monkeypatch.setattr(movenet_paths, "cpu_seconds", lambda: None)
    monkeypatch.setattr(movenet_paths, "_UNSTORED", {})
    video = make_game(tmp_path, duration_s=3.0, events=DEFAULT_EVENTS[:1])
    cfg = PipelineConfig().with_overrides({"classifier.enabled": False, "candidates.active_frames_only": False})
    first = run_pipeline(video, cfg, progress=False)
    path = first.stats["movenet_path"]
    assert path["path"].startswith("litert xnnpack") and path["source"] in ("measured", "cache")
    assert first.stats["stage_seconds"]["movenet.network"] > 0
    if path["source"] == "measured":
        assert path["stored"] is True and path.pop("others_busy_cores") is None and path.pop("stored")
    again = run_pipeline(video, cfg, progress=False)
    assert again.stats["movenet_path"] == {**path, "source": "cache"}
    assert [h.to_dict() for h in again.highlights] == [h.to_dict() for h in first.highlights]


@NEEDS_MOVENET
def test_frames_side_by_side_give_the_same_run(tmp_path, monkeypatch):
    """With frames queued on MoveNet's workers (one or two workers, one or more frames each),
    MoveNet starts on the next frames while the current one is processed; a guess that turns out
    wrong (an inactive frame) is thrown away, and nothing else changes."""
    import highlights.pipeline.movenet_people as movenet_people
    from highlights.people.movenet_paths import MoveNetPath

    video = make_game(tmp_path, duration_s=6.0, events=DEFAULT_EVENTS[:1])
    cfg = PipelineConfig().with_overrides({"classifier.backend": "oracle"})
    annotation = load_annotation(video.with_suffix(".json"))
    runs = {}
    for workers, per_worker in ((1, 1), (2, 1), (1, 2), (2, 3)):
        path = MoveNetPath("xnnpack", 1, workers)
        monkeypatch.setattr(movenet_people, "choose_movenet_path",
                            lambda *args, path=path, **kwargs: (path, {"source": "test", "cache": "-"}))
        result = run_pipeline(video, cfg.with_overrides({"detection.movenet_frames_per_worker": per_worker}),
                              annotation=annotation, progress=False)
        assert result.stats["movenet_path"]["path"] == path.label
        assert result.stats["analysis_frames"] > result.stats["frames_through_detection_or_pose"] > 0
        runs[workers, per_worker] = ([h.to_dict() for h in result.highlights], result.trace.frame_persons,
                                     result.trace.frame_pose_ok, result.trace.triggers)
    assert runs[1, 1] == runs[2, 1] == runs[1, 2] == runs[2, 3]


@NEEDS_MOVENET
def test_interpolated_frames_do_not_depend_on_the_layout(tmp_path, monkeypatch):
    """With `detection.movenet_interpolate_below`, which frames are drawn between their
    neighbours depends on the poses only, never on how many workers ran or how far ahead: every
    layout that queues frames gives the same run; with nothing queued, every frame is measured."""
    import highlights.pipeline.movenet_people as movenet_people
    from highlights.people.movenet_paths import MoveNetPath

    video = make_game(tmp_path, duration_s=6.0, events=DEFAULT_EVENTS[:1])
    annotation = load_annotation(video.with_suffix(".json"))
    cfg = PipelineConfig().with_overrides({"classifier.backend": "oracle", "candidates.active_frames_only": False,
                                           "detection.movenet_interpolate_below": 1.1})
    runs = {}
    for workers, per_worker in ((1, 1), (1, 2), (2, 2)):
        path = MoveNetPath("xnnpack", 1, workers)
        monkeypatch.setattr(movenet_people, "choose_movenet_path",
                            lambda *args, path=path, **kwargs: (path, {"source": "test", "cache": "-"}))
        result = run_pipeline(video, cfg.with_overrides({"detection.movenet_frames_per_worker": per_worker}),
                              annotation=annotation, progress=False)
        runs[workers, per_worker] = (result.stats["movenet_path"]["interpolated_frames"],
                                     [h.to_dict() for h in result.highlights], result.trace.frame_persons)
    assert runs[1, 1][0] == 0  # nothing queued ahead: no next frame to draw from
    drawn = runs[1, 2][0]
    assert 0 < drawn <= len(runs[1, 2][2]) // 2  # odd frames only, each between two measured ones
    assert runs[1, 2] == runs[2, 2]


def _far_player_video(folder, shrink: float = 0.5):
    """A generator clip (a layup, 3 s) filmed from afar: each frame shrunk to `shrink` and set
    low on a blurred copy of the scene, so the player is small in a frame of the usual size."""
    import cv2

    from highlights.synth.clip import ClipRequest, render_clip
    from highlights.video import write_video

    frames, _ = render_clip(ClipRequest(label="basketball_layup", seed=3, scene_seed=3, group="g",
                                        sport="basketball", seconds=3.0, fps=10))
    out = []
    for rgb in frames:
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (round(w * shrink), round(h * shrink)), interpolation=cv2.INTER_AREA)
        canvas = cv2.GaussianBlur(rgb, (31, 31), 0)
        ox, oy = (w - small.shape[1]) // 2, h - small.shape[0]
        canvas[oy:oy + small.shape[0], ox:ox + small.shape[1]] = small
        out.append(canvas)
    return write_video(folder / "far.mp4", out, 10.0, crf=18)


@NEEDS_MOVENET
def test_zooming_on_far_players_sees_more_pose_and_does_not_depend_on_the_layout(tmp_path, monkeypatch):
    """A far, small player: with `detection.movenet_zoom` the frames after the first few are read
    zoomed in on him (the whole frame too every `movenet_whole_every`-th one), his pose is usable
    on more frames than with the whole frame alone, and every MoveNet layout gives the same run
    (a region is placed from frames no worker is still running)."""
    import highlights.pipeline.movenet_people as movenet_people
    from highlights.people.movenet_paths import MoveNetPath

    video = _far_player_video(tmp_path)
    base = PipelineConfig().with_overrides({"classifier.enabled": False, "candidates.active_frames_only": False})
    runs = {}
    for zoom, workers, per_worker in ((1.0, 1, 1), (2.0, 1, 1), (2.0, 2, 1), (2.0, 2, 3), (2.0, 1, 2)):
        path = MoveNetPath("xnnpack", 1, workers)
        monkeypatch.setattr(movenet_people, "choose_movenet_path",
                            lambda *args, path=path, **kwargs: (path, {"source": "test", "cache": "-"}))
        cfg = base.with_overrides({"detection.movenet_zoom": zoom, "detection.movenet_frames_per_worker": per_worker})
        result = run_pipeline(video, cfg, progress=False)
        runs[zoom, workers, per_worker] = (result.stats["movenet_path"], list(result.trace.frame_persons),
                                           list(result.trace.frame_pose_ok), result.trace.triggers)
    stats = runs[2.0, 1, 1][0]
    frames = len(runs[2.0, 1, 1][1])
    assert stats["zoomed_frames"] >= frames // 2
    # The whole frame: the first frames (no people placed yet) and every fifth frame zoomed.
    assert stats["whole_frame_passes"] <= frames - stats["zoomed_frames"] + stats["zoomed_frames"] // 5 + 1
    assert "zoomed_frames" not in runs[1.0, 1, 1][0]
    assert sum(runs[2.0, 1, 1][2]) > sum(runs[1.0, 1, 1][2])  # usable pose on more frames
    same = [value[1:] for key, value in runs.items() if key[0] == 2.0]
    assert all(run == same[0] for run in same[1:])
    assert all(value[0]["zoomed_frames"] == stats["zoomed_frames"] for key, value in runs.items() if key[0] == 2.0)
