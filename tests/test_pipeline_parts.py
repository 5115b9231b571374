"""Pipeline parts on hand-made inputs: config, stage registry, merge, matching, kinematics, detectors."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import numpy as np
import pytest

from highlights.errors import ConfigError, MissingFileError
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.evaluation import Rate, evaluate_highlights, match_key_moments, score_at
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.kinematics import find_triggers, prominent, suppress
from highlights.pipeline.merge import (fit_length, merge_candidates, shown_core, suppress_shown,
                                       temporal_iou, temporal_nms)
from highlights.pipeline.records import Candidate
from highlights.pipeline.registry import registered, registered_backends, stage_class
from highlights.pipeline.roles import ROLE_OF_STAGE, FrameStage
from tests.keypoint_fixtures import still_body


# -- config ----------------------------------------------------------------------------------

def test_config_overrides_are_dotted_typed_and_checked():
    cfg = PipelineConfig().with_overrides(["pose.video_mode=false", "merge.nms_iou=0.5",
                                           "classifier.checkpoint=none", "classifier.batch=4"])
    assert cfg.pose.video_mode is False and cfg.merge.nms_iou == 0.5 and cfg.classifier.checkpoint is None
    assert cfg.classifier.batch == 4 and cfg.get("classifier.batch") == 4
    assert cfg.merge.pad_before_s == PipelineConfig().merge.pad_before_s  # the rest of the section kept
    assert PipelineConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown pipeline setting 'no_such'"):
        PipelineConfig().with_overrides(["no_such=1"])
    with pytest.raises(ConfigError, match="the merge section has: enabled, backend, nms_iou"):
        PipelineConfig().with_overrides(["merge.iou=0.5"])
    with pytest.raises(ConfigError, match="pose.video_mode='maybe': expected bool"):
        PipelineConfig().with_overrides(["pose.video_mode=maybe"])
    with pytest.raises(ConfigError, match="pose.backend='openpose'"):
        PipelineConfig().with_overrides({"pose.backend": "openpose"})
    with pytest.raises(ConfigError, match="buffer_s"):
        PipelineConfig().with_overrides({"analysis.buffer_s": 3.0})


def test_a_checkpoint_the_pose_classifier_would_not_read_is_refused():
    """The pose classifier (the default backend) reads classifier.pose_model: a checkpoint given
    alone would be silently unused, so it is refused in one line saying which setting reads it."""
    with pytest.raises(ConfigError, match="classifier.checkpoint=run/best.pt: the pose classifier .* does not "
                                          "read it; set classifier.backend=checkpoint"):
        PipelineConfig().with_overrides(["classifier.checkpoint=run/best.pt"])
    # With a backend that reads it, given together or already chosen, it is taken.
    both = PipelineConfig().with_overrides({"classifier.backend": "checkpoint", "classifier.checkpoint": "run/best.pt"})
    assert both.classifier.checkpoint == "run/best.pt"
    later = both.with_overrides(["classifier.checkpoint=run/last.pt"])
    assert (later.classifier.backend, later.classifier.checkpoint) == ("checkpoint", "run/last.pt")
    # An ablation may switch a checkpoint's config to the pose backend: that keeps the checkpoint.
    assert both.with_overrides(["classifier.backend=pose"]).classifier.backend == "pose"


def test_sections_are_frozen_and_building_a_config_loads_no_model_library():
    import subprocess
    import sys

    with pytest.raises(AttributeError):
        PipelineConfig().merge.nms_iou = 0.9  # type: ignore[misc]
    code = ("import sys; from highlights.pipeline.config import PipelineConfig; PipelineConfig(); "
            "print(sorted(m for m in ('cv2', 'mediapipe', 'torch', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_outputs_package_loads_matplotlib_only_to_draw_a_timeline():
    """detect imports the outputs before it reads the video: a wrong path's one error line came
    after matplotlib's import (and, with a read-only home, its two lines of warning)."""
    import subprocess
    import sys

    code = "import sys, highlights.pipeline.outputs; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_old_flat_keys_still_load_with_a_deprecation_line(tmp_path, caplog):
    path = tmp_path / "highlights.json"
    path.write_text('{"config": {"merge": false, "pad_before_s": 0.5, "classifier_min_score": 0.3, '
                    '"gt_seed": 7}, "highlights": []}')
    with caplog.at_level(logging.WARNING, logger="highlights.pipeline.config"):
        cfg = PipelineConfig.load(path)
    assert cfg.merge.enabled is False and cfg.merge.pad_before_s == 0.5 and cfg.classifier.min_score == 0.3
    assert cfg.detection.gt_seed == cfg.pose.gt_seed == cfg.classifier.oracle_seed == 7
    lines = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(lines) == 1 and "pad_before_s -> merge.pad_before_s" in lines[0]


def test_the_deprecation_line_is_logged_not_printed_and_still_shows_without_logging_set_up():
    """A service that routes logging gets the line there; a program that sets up no logging (the
    `highlights` command) still sees it, alone, on stderr, and nothing on stdout."""
    import subprocess
    import sys

    code = "from highlights.pipeline.config import PipelineConfig; PipelineConfig().with_overrides({'nms_iou': 0.4})"
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert plain.stdout == ""
    assert plain.stderr.strip() == ("deprecated: flat pipeline config keys; use the dotted names "
                                    "(nms_iou -> merge.nms_iou)")
    routed = subprocess.run([sys.executable, "-c", "import logging, io; stream = io.StringIO(); "
                             "logging.basicConfig(stream=stream, format='%(name)s|%(message)s'); " + code
                             + "; print(stream.getvalue(), end='')"], capture_output=True, text=True, check=True)
    assert routed.stderr == ""
    assert routed.stdout.startswith("highlights.pipeline.config|deprecated: flat pipeline config keys")


def test_config_loads_from_a_result_file(tmp_path):
    path = tmp_path / "highlights.json"
    written = PipelineConfig().with_overrides({"merge.enabled": False, "merge.pad_before_s": 0.5})
    path.write_text(json.dumps({"config": written.to_dict(), "highlights": []}))
    cfg = PipelineConfig.load(path)
    assert cfg == written and cfg.merge.enabled is False and cfg.merge.pad_before_s == 0.5
    with pytest.raises(MissingFileError, match="missing.json: config file not found"):
        PipelineConfig.load(tmp_path / "missing.json")


def test_a_result_holding_no_settings_is_refused_as_such_not_as_an_unknown_setting(tmp_path):
    """results_spotting.json, `pipeline score`'s pipeline_eval.json or an annotation given as
    --config: the line says the file holds no settings, rather than "unknown pipeline setting
    'UrlLocal'"; an empty object is still the defaults, and a file of old flat keys still loads."""
    spotting = tmp_path / "results_spotting.json"
    spotting.write_text(json.dumps({"UrlLocal": "game", "predictions": []}))
    with pytest.raises(ConfigError) as refused:
        PipelineConfig.load(spotting)
    assert str(refused.value) == (
        f"{spotting}: holds no pipeline settings (its keys: UrlLocal, predictions); give a file "
        "`highlights pipeline config` wrote, or a result with a `config` inside (highlights.json)")
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    assert PipelineConfig.load(empty) == PipelineConfig()
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"merge.nms_iou": 0.3, "gt_seed": 2}))
    assert PipelineConfig.load(flat).merge.nms_iou == 0.3
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"merge": {"nms_iou": 0.3}, "colour": "red"}))
    with pytest.raises(ConfigError, match="unknown pipeline setting 'colour'"):
        PipelineConfig.load(wrong)


def test_a_result_whose_config_is_not_an_object_is_refused_as_such(tmp_path):
    """A `config` edited by hand into a list or a text: the line says it is no object of settings,
    rather than a traceback (a list's first item has no name) or a text's letters as its keys."""
    for config in ([1], "fast", [{"merge": {}}]):
        edited = tmp_path / "highlights.json"
        edited.write_text(json.dumps({"config": config}))
        with pytest.raises(ConfigError) as refused:
            PipelineConfig.load(edited)
        assert str(refused.value) == f"{edited}: expected a JSON object of pipeline settings"


# -- the stage registry: one interface, swappable backends ----------------------------------

def test_every_stage_has_its_backends_registered():
    # (subset checks: other tests register test backends of their own)
    assert {"dense", "motion"} <= set(registered_backends("candidates"))
    assert {"gt", "local", "mediapipe"} <= set(registered_backends("detection"))
    assert {"gt", "mediapipe"} <= set(registered_backends("pose"))
    assert {"checkpoint", "oracle", "untrained"} <= set(registered_backends("classifier"))
    for stage in ("candidates", "detection", "pose", "kinematics", "classifier", "merge"):
        for backend in registered_backends(stage):
            assert issubclass(stage_class(stage, backend), ROLE_OF_STAGE[stage])
    with pytest.raises(ConfigError, match="no pose backend named 'nope'"):
        stage_class("pose", "nope")


def test_a_new_backend_plugs_in_by_name_and_is_checked_for_its_role():
    class EveryoneIsThere(FrameStage):
        name = "detection"
        backend = "test-everyone"

        def on_frame(self, frame):
            frame.persons = []

    with registered(EveryoneIsThere):
        assert stage_class("detection", "test-everyone") is EveryoneIsThere
        cfg = PipelineConfig().with_overrides({"detection.backend": "test-everyone"})
        assert cfg.detection.backend == "test-everyone"
    assert "test-everyone" not in registered_backends("detection")

    class NotAFrameStage(ROLE_OF_STAGE["merge"]):
        name = "detection"
        backend = "test-wrong-role"

    with pytest.raises(TypeError, match="must be a FrameStage"):
        with registered(NotAFrameStage):
            pass


# -- merge --------------------------------------------------------------------------------

def test_temporal_nms_keeps_the_best_of_overlaps():
    segments = [(0.0, 2.0), (0.5, 2.5), (5.0, 7.0), (1.8, 3.8)]
    kept, suppressed = temporal_nms(segments, [0.6, 0.9, 0.5, 0.4], iou_threshold=0.3)
    # (0.5, 2.5) wins over (0, 2) (IoU 0.6); (1.8, 3.8) overlaps it by IoU 0.7/3.3 = 0.21, kept.
    assert kept == [1, 2, 3]
    assert suppressed == {1: [0], 2: [], 3: []}
    assert temporal_iou((0, 2), (1, 3)) == pytest.approx(1 / 3)
    # an overlap exactly at the threshold is not above it: both kept
    assert temporal_nms([(0.0, 4.0), (1.0, 3.0)], [0.9, 0.8], iou_threshold=0.5)[0] == [0, 1]
    # equal scores: the earlier start wins, even when it ends later
    assert temporal_nms([(1.0, 2.0), (0.0, 10.0)], [0.7, 0.7], iou_threshold=0.05) == ([1], {1: [0]})


def test_fit_length_pads_grows_and_trims_around_the_key():
    # padding only
    assert fit_length(10, 12, 11, pad_before=1, pad_after=1.5, min_len=3, max_len=12, duration=100) == (9, 13.5)
    # grown to the minimum, symmetrically
    assert fit_length(10, 10.5, 10.2, pad_before=0, pad_after=0, min_len=3, max_len=12, duration=100) == (8.75, 11.75)
    # trimmed to the maximum around the key
    assert fit_length(0.0, 30.0, 20.0, pad_before=0, pad_after=0, min_len=1, max_len=10, duration=100) == (15.0, 25.0)
    # shifted inside the video instead of shortened
    assert fit_length(0.2, 1.0, 0.5, pad_before=1, pad_after=0, min_len=3, max_len=12, duration=100) == (0.0, 3.0)
    assert fit_length(98.0, 99.5, 99, pad_before=0, pad_after=1.5, min_len=3, max_len=12, duration=100) == (97.0, 100.0)
    # a segment already inside the video is not moved, however near its start
    assert fit_length(0.5, 3.0, 1.0, pad_before=0, pad_after=0, min_len=1, max_len=12, duration=100) == (0.5, 3.0)
    # a video shorter than the segment: it is cut to the whole video, from 0
    assert fit_length(1.5, 4.0, 3.0, pad_before=0, pad_after=1, min_len=3, max_len=12, duration=3.2) == (0.0, 3.2)
    # pictures that start after the sound: shifted inside from the first picture, not from 0
    assert fit_length(-0.3, 1.7, 0.7, pad_before=1, pad_after=1.5, min_len=3, max_len=12, duration=100,
                      first_picture_s=0.5) == (0.5, 5.0)
    assert fit_length(1.5, 4.0, 3.0, pad_before=0, pad_after=1, min_len=3, max_len=12, duration=3.2,
                      first_picture_s=0.5) == (0.5, 3.2)


def test_temporal_iou_of_touching_or_empty_segments_is_zero():
    assert temporal_iou((0, 2), (2, 4)) == 0.0
    assert temporal_iou((5, 5), (5, 5)) == 0.0  # nothing to divide by
    assert temporal_iou((1, 3), (0, 4)) == pytest.approx(0.5)
    assert temporal_iou((0, 0.5), (0.25, 0.75)) == pytest.approx(1 / 3)  # short segments too


def test_the_shown_core_takes_off_each_sides_own_padding_and_keeps_a_highlight_no_longer_than_it_whole():
    # 1 s before and 1.5 s after: a window 6.8-8.8 fitted to 5.8-10.3 shows 6.8-8.8 again
    assert shown_core(5.8, 10.3, pad_before=1.0, pad_after=1.5) == pytest.approx((6.8, 8.8))
    # exactly as long as its padding: compared whole, not as the single instant left
    assert shown_core(4.0, 6.5, pad_before=1.0, pad_after=1.5) == (4.0, 6.5)
    assert shown_core(4.0, 6.0, pad_before=1.0, pad_after=1.5) == (4.0, 6.0)


def test_the_second_pass_folds_a_highlight_whose_moment_lies_on_either_end_of_the_survivors_span():
    merge = SimpleNamespace(pad_before_s=0.0, pad_after_s=0.0, nms_iou=0.3)
    # 4-8 s keyed at 5 s and 6-10 s keyed at 9 s both overlap the better 5-9 s by IoU 0.6, and
    # their moments lie on its ends: it shows them, so it takes them
    kept, folded = suppress_shown([(5.0, 9.0), (4.0, 8.0), (6.0, 10.0)], [0.9, 0.8, 0.7], [7.0, 5.0, 9.0], merge)
    assert (kept, folded) == ([0], {0: [1, 2]})
    # a moment just outside its span is not shown by it: that highlight stays
    kept, folded = suppress_shown([(5.0, 9.0), (4.0, 8.0)], [0.9, 0.8], [7.0, 4.99], merge)
    assert (kept, folded) == ([0, 1], {0: [], 1: []})


def test_merge_candidates_applies_nms_then_lengths():
    cfg = PipelineConfig().with_overrides({"merge.nms_iou": 0.3, "merge.pad_before_s": 1.0, "merge.pad_after_s": 1.0,
                                           "merge.min_length_s": 3.0, "merge.max_length_s": 5.0}).merge
    cands = [Candidate(4.0, 6.0, "motion", key_s=5.0, label="baseball_swing", score=0.9),
             Candidate(4.2, 6.2, "motion", key_s=5.2, label="basketball_layup", score=0.7),
             Candidate(20.0, 30.0, "motion", key_s=29.0, label="soccer_shooting", score=0.8)]
    out = merge_candidates(cands, cfg, duration_s=40.0)
    # The long one is padded to (19, 31) and cut to 5 s around its key 29 without leaving (19, 31).
    assert [(c.label, c.start_s, c.end_s) for c in out] == [
        ("baseball_swing", 3.0, 7.0), ("soccer_shooting", 26.0, 31.0)]
    assert out[0].evidence["merge"]["suppressed"] == 1


def test_merge_candidates_suppresses_again_where_fitting_moves_highlights_together():
    # The last shot of a 30.5 s video: its window ends with the video and is shifted back by its
    # padding onto the one before, which NMS kept (IoU 0.3/3.7): 25.8-30.3 and 26.0-30.5 would
    # show the same seconds twice.
    cfg = PipelineConfig().with_overrides({"merge.nms_iou": 0.3, "merge.pad_before_s": 1.0, "merge.pad_after_s": 1.5,
                                           "merge.min_length_s": 3.0, "merge.max_length_s": 12.0}).merge
    cands = [Candidate(26.8, 28.8, "motion", key_s=27.8, label="basketball_layup", score=0.97),
             Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.99),
             Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.99)]
    out = merge_candidates(cands, cfg, duration_s=30.5)
    # class-agnostic; the better-scored survives and counts both detections it stands for
    assert [(c.label, c.start_s, c.end_s) for c in out] == [("soccer_shooting", 26.0, 30.5)]
    assert out[0].evidence["merge"]["suppressed"] == 2
    # A folded highlight brings the detections the first pass folded into it: the survivor counts
    # the other window, its double and its own double, and keeps its own window as its segment.
    doubled = [Candidate(26.8, 28.8, "motion", key_s=27.8, label="basketball_layup", score=0.97),
               Candidate(26.8, 28.8, "motion", key_s=27.8, label="basketball_layup", score=0.96),
               Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.99),
               Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.98)]
    out = merge_candidates(doubled, cfg, duration_s=30.5)
    assert [(c.label, c.start_s, c.end_s) for c in out] == [("soccer_shooting", 26.0, 30.5)]
    assert out[0].evidence["merge"] == {"suppressed": 3, "segment": [28.5, 30.5]}
    # The same two windows mid-video keep apart, as do two shots 2 s apart whose padded
    # highlights overlap by IoU 2.5/6.5, more than nms_iou: the padding alone joins nothing.
    mid = [Candidate(6.8, 8.8, "motion", key_s=7.8, score=0.97), Candidate(8.5, 10.5, "motion", key_s=9.5, score=0.99),
           Candidate(20.0, 22.0, "motion", key_s=21.0, score=0.9),
           Candidate(22.0, 24.0, "motion", key_s=23.0, score=0.8)]
    assert [(c.start_s, c.end_s) for c in merge_candidates(mid, cfg, duration_s=60.0)] == [
        (5.8, 10.3), (7.5, 12.0), (19.0, 23.5), (21.0, 25.5)]



def test_the_actions_merge_also_suppresses_where_fitting_moves_highlights_together():
    # The same end of a 30.5 s video: key moments 2.3 s apart (more than action_gap_s) and windows
    # overlapping by IoU 0.3/3.7 make two actions, whose fitted highlights 25.8-30.3 and 26.0-30.5
    # show the same seconds.
    from pathlib import Path

    from highlights.pipeline.context import RunContext

    cfg = PipelineConfig().with_overrides({"merge.backend": "actions", "merge.score_calibration": "none",
                                           "merge.nms_iou": 0.3, "merge.action_gap_s": 1.5,
                                           "merge.pad_before_s": 1.0, "merge.pad_after_s": 1.5,
                                           "merge.min_length_s": 3.0, "merge.max_length_s": 12.0})

    def merge(cands, duration_s):
        context = RunContext(video_path=Path("game.mp4"), info=SimpleNamespace(duration_s=duration_s, start_s=0.0))
        return stage_class("merge", "actions")(cfg, context).merge(cands), context.shared["merge_summary"]

    cands = [Candidate(26.8, 28.8, "motion", key_s=27.8, label="basketball_layup", score=0.97),
             Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.99),
             Candidate(28.5, 30.5, "motion", key_s=30.1, label="soccer_shooting", score=0.99)]
    out, summary = merge(cands, 30.5)
    # class-agnostic; the better-scored survives and counts every detection it stands for
    assert [(c.label, c.start_s, c.end_s, c.score) for c in out] == [("soccer_shooting", 26.0, 30.5, 0.99)]
    assert out[0].evidence["merge"]["support"] == 3
    assert out[0].evidence["merge"]["labels_seen"] == ["basketball_layup", "soccer_shooting"]
    assert out[0].evidence["neighbourhood"]["others"] == 0  # scored as one action, not beside its double
    assert (summary["actions"], summary["kept"]) == (1, 1)
    # Mid-video they stay two, as do two shots 2 s apart whose padded highlights overlap.
    mid = [Candidate(6.8, 8.8, "motion", key_s=7.8, score=0.97), Candidate(8.5, 10.5, "motion", key_s=10.1, score=0.99),
           Candidate(20.0, 22.0, "motion", key_s=21.0, score=0.9),
           Candidate(22.0, 24.0, "motion", key_s=23.0, score=0.8)]
    assert [(c.start_s, c.end_s) for c in merge(mid, 60.0)[0]] == [(5.8, 10.3), (7.5, 12.0), (19.0, 23.5), (21.0, 25.5)]


def test_the_second_pass_keeps_an_action_whose_moment_the_survivor_does_not_show():
    # The end of a 10.7 s drill: a shot keyed 6.3 s (window 5.3-7.3) and the last one keyed 8.9 s,
    # its detections reaching 11.3 s. Fitted, the last is shifted back to 4.8-10.7 and its shown
    # core (5.8-9.2) overlaps the first's (5.3-7.3) by IoU 0.38; but the first's highlight, 4.3-8.8 s,
    # ends before the 8.9 s moment, so absorbing the last action would hide its shot: both stay.
    from pathlib import Path

    from highlights.pipeline.context import RunContext

    cfg = PipelineConfig().with_overrides({"merge.backend": "actions", "merge.score_calibration": "none",
                                           "merge.nms_iou": 0.3, "merge.action_gap_s": 1.5,
                                           "merge.pad_before_s": 1.0, "merge.pad_after_s": 1.5,
                                           "merge.min_length_s": 3.0, "merge.max_length_s": 12.0})
    cands = [Candidate(5.3, 7.3, "motion", key_s=6.3, label="basketball_layup", score=0.9),
             Candidate(7.9, 9.9, "motion", key_s=8.9, label="basketball_layup", score=0.8),
             Candidate(9.3, 11.3, "motion", key_s=10.3, label="basketball_layup", score=0.7)]
    context = RunContext(video_path=Path("drill.mp4"), info=SimpleNamespace(duration_s=10.7, start_s=0.0))
    out = stage_class("merge", "actions")(cfg, context).merge(cands)
    assert [(c.key_s, round(c.start_s, 6), c.end_s) for c in out] == [(6.3, 4.3, 8.8), (8.9, 4.8, 10.7)]
    assert [c.evidence["merge"]["support"] for c in out] == [1, 2]


# -- matching and scores -------------------------------------------------------------------

def _events(*rows):
    return [SimpleNamespace(id=f"e{i}", sport=s, label=lab, start_s=k - 0.5, end_s=k + 0.5, key_s=k)
            for i, (s, lab, k) in enumerate(rows)]


def _hl(key, label="baseball_swing"):
    return Highlight(start_s=key - 1, end_s=key + 1, label=label, sport=label.split("_")[0], score=0.9, key_s=key)


def test_matching_is_one_to_one_and_maximal():
    # Greedy nearest-first would pair 10.9 with 11.0 (0.1 s) and leave 11.8 and 10.0 unmatched.
    pairs = match_key_moments([10.9, 11.8], [10.0, 11.0], 1.0)
    assert sorted(pairs) == [(0, 0), (1, 1)]
    assert match_key_moments([5.0], [5.0, 5.1], 1.0) == [(0, 0)]
    assert match_key_moments([5.0], [5.0], 1.0, pred_labels=["a"], true_labels=["b"]) == []


def test_recall_precision_at_each_tolerance_exactly():
    events = _events(("baseball", "baseball_swing", 10.0), ("basketball", "basketball_layup", 20.0),
                     ("soccer", "soccer_shooting", 30.0), ("soccer", "soccer_shooting", 40.0))
    preds = [_hl(10.5), _hl(21.5, "basketball_layup"), _hl(33.0, "baseball_swing"), _hl(60.0), _hl(10.8)]
    result = evaluate_highlights(preds, SimpleNamespace(events=events), tolerances=(1, 2, 5))
    by_tol = {r["tolerance_s"]: r for r in result.to_dict()["by_tolerance"]}
    assert (by_tol[1]["recall"], by_tol[1]["precision"]) == (0.25, 0.2)
    assert (by_tol[2]["recall"], by_tol[2]["precision"]) == (0.5, 0.4)
    assert (by_tol[5]["recall"], by_tol[5]["precision"]) == (0.75, 0.6)
    assert by_tol[5]["class_recall"] == 0.5  # the 33.0 "swing" matches a shot only by time
    soccer = by_tol[5]["per_sport"]["soccer"]
    assert (soccer["events"], soccer["matched"], soccer["recall"], soccer["class_recall"]) == (2, 1, 0.5, 0.0)
    assert by_tol[5]["per_sport"]["basketball"]["class_recall"] == 1.0
    at5 = result.at(5)
    assert (at5.matched, at5.events, at5.highlights) == (3, 4, 5) and at5.recall.text() == "0.750"
    with pytest.raises(KeyError, match="no score at tolerance 3 s"):
        result.at(3)
    assert score_at([], events, 2.0).precision.value is None and score_at([], events, 2.0).precision.text() == "-"


def test_figures_round_once_from_the_exact_fraction():
    assert Rate(4, 19).text() == "0.211"  # 0.2105263...; rounding 0.2105 again would print 0.210
    assert Rate(4, 19).rounded(4) == 0.2105
    assert Rate(1, 8).text() == "0.125" and Rate(0, 0).text() == "-"
    # an exact tie goes to the even digit every time; 1/40 and 3/40 as floats lie a hair above and
    # below their ties, and would round one up and the other down
    assert (Rate(1, 40).text(2), Rate(3, 40).text(2), Rate(1, 80).text()) == ("0.02", "0.08", "0.012")


def test_a_moment_exactly_at_the_tolerance_matches_despite_float_error():
    # |10.1 - 12.1| is 2.0000000000000018 in floating point: still "within 2 s"
    assert match_key_moments([10.1], [12.1], 2.0) == [(0, 0)]
    assert match_key_moments([10.1], [12.2], 2.0) == []


def test_a_rate_prints_and_stores_its_counts_interval_and_four_places():
    rate = Rate(3, 4)
    assert rate.value == 0.75 and Rate(0, 0).value is None
    assert rate.counted() == "0.750 (3/4)"
    lo, hi = rate.interval
    assert rate.with_interval() == f"0.750 [{lo:.3f}, {hi:.3f}]"
    assert rate.reported() == f"0.750 [{lo:.3f}, {hi:.3f}] (3/4)"
    score = score_at([_hl(10.0)], _events(("baseball", "baseball_swing", 10.0), ("baseball", "baseball_swing", 20.0),
                                          ("baseball", "baseball_swing", 30.0)), 2.0).to_dict()
    assert score["recall"] == 0.3333 and score["precision"] == 1.0  # 1/3 stored to four places


def test_an_action_the_merge_folded_into_its_neighbours_highlight_is_shown_not_lost():
    """Two shots 1.6 s apart near the end of the video: fitting shifts the second's highlight back
    onto the first's, and the merge folds it into the first, whose span holds both moments. The
    recall pairs that highlight with one shot only; the shown recall counts both, and the
    attribution says where the second is rather than blaming a stage."""
    from highlights.pipeline.evaluation import attribute_misses, shown_in_reel
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig()
    windows = [Candidate(9.0, 11.0, "t", key_s=10.0, label="soccer_shooting", sport="soccer", score=0.9),
               Candidate(10.6, 12.6, "t", key_s=11.6, label="soccer_shooting", sport="soccer", score=0.8)]
    merged = merge_candidates(windows, config.merge, duration_s=13.0)
    highlights = [Highlight.from_candidate(c) for c in merged]
    assert [(h.start_s, h.end_s, h.key_s) for h in highlights] == [(8.0, 12.5, 10.0)]
    events = _events(("soccer", "soccer_shooting", 10.0), ("soccer", "soccer_shooting", 11.6),
                     ("soccer", "soccer_shooting", 4.0))  # e2: nothing near it
    score = score_at(highlights, events, 2.0)
    assert score.recall.hits == 1  # one spot per event: the second shot's is not there
    shown = shown_in_reel(highlights, events, config.merge.max_length_s, score.found_events, 2.0)
    assert shown.shown_events == {0, 1} and shown.unmatched == 1
    stored = shown.to_dict()
    assert (stored["shown"], stored["events"], stored["shown_recall"]) == (2, 3, 0.6667)
    assert stored["shown_recall_interval"] == [round(x, 4) for x in Rate(2, 3).interval]
    assert "shown recall 0.667" in shown.summary() and "1 of them matched to no highlight" in shown.summary()
    found = attribute_misses(highlights, SimpleNamespace(events=events), StageTrace(), config, [], tolerance_s=2.0)
    assert [(m["event_id"], m["cause"], m["stage"]) for m in found["misses"]] == [
        ("e1", "shown", "shown inside another highlight"), ("e2", "candidates", "candidates")]
    # with what the stages made of it: here no window was traced at all
    assert found["misses"][0]["detail"] == ("inside the soccer_shooting highlight 8.00-12.50 s, keyed at 10.00 s; "
                                            "of its own: no candidate window (no candidate window overlaps the event)")
    assert found["by_stage"]["shown inside another highlight"]["count"] == 1


def test_the_report_does_not_say_a_shown_miss_was_lost_at_a_stage():
    """The misses table of pipeline_eval.md heads its stage column for both kinds of miss."""
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown
    from highlights.pipeline.evaluation import attribute_misses, evaluate_highlights
    from highlights.pipeline.trace import StageTrace

    highlights = [Highlight(start_s=8.0, end_s=12.5, label="soccer_shooting", sport="soccer", score=0.9, key_s=10.0)]
    annotation = SimpleNamespace(events=_events(("soccer", "soccer_shooting", 10.0),
                                                ("soccer", "soccer_shooting", 11.6)))
    found = attribute_misses(highlights, annotation, StageTrace(), PipelineConfig(), [], tolerance_s=2.0)
    assert [m["cause"] for m in found["misses"]] == ["shown"]
    markdown = render_markdown(PipelineEvaluation(scores=evaluate_highlights(highlights, annotation, tolerances=[2.0]),
                                                  attribution=found))
    assert "| event | label | key (s) | lost at, or shown | detail |" in markdown
    assert "| lost at |" not in markdown


def test_the_reports_table_of_misses_says_where_each_was_lost_in_the_words_of_the_table_of_causes():
    """A miss's row read "classifier_none", a name of the code's, where the causes' table above it
    says "classifier turned it down"."""
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown
    from highlights.pipeline.evaluation import CAUSE_TEXT, attribute_misses, evaluate_highlights
    from highlights.pipeline.trace import StageTrace

    highlights = [Highlight(start_s=8.0, end_s=12.5, label="soccer_shooting", sport="soccer", score=0.9, key_s=10.0)]
    annotation = SimpleNamespace(events=_events(("soccer", "soccer_shooting", 10.0),
                                                ("soccer", "soccer_shooting", 11.6),
                                                ("soccer", "soccer_shooting", 40.0)))
    found = attribute_misses(highlights, annotation, StageTrace(), PipelineConfig(), [], tolerance_s=2.0)
    assert [m["cause"] for m in found["misses"]] == ["shown", "candidates"]
    markdown = render_markdown(PipelineEvaluation(scores=evaluate_highlights(highlights, annotation, tolerances=[2.0]),
                                                  attribution=found))
    rows = [line.split(" | ") for line in markdown.splitlines() if line.startswith("| e") and "| label |" not in line]
    assert [row[3] for row in rows] == [CAUSE_TEXT["shown"], CAUSE_TEXT["candidates"]]


def test_a_highlight_longer_than_the_merge_allows_shows_nothing():
    """A highlight over the whole game would show every event: one longer than
    merge.max_length_s counts for none, and its events are put down to a stage as before."""
    from highlights.pipeline.evaluation import attribute_misses, shown_in_reel
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig()
    longest = config.merge.max_length_s
    events = _events(("soccer", "soccer_shooting", 10.0), ("soccer", "soccer_shooting", 11.6))
    at_most = Highlight(start_s=8.0, end_s=8.0 + longest, label="soccer_shooting", sport="soccer", score=0.9,
                        key_s=10.0)
    too_long = Highlight(start_s=0.0, end_s=longest + 0.1, label="soccer_shooting", sport="soccer", score=0.9,
                         key_s=10.0)
    assert shown_in_reel([at_most], events, longest, {0}, 2.0).shown_events == {0, 1}
    assert shown_in_reel([too_long], events, longest, {0}, 2.0).shown_events == frozenset()
    found = attribute_misses([too_long], SimpleNamespace(events=events), StageTrace(), config, [], tolerance_s=2.0)
    assert [m["cause"] for m in found["misses"]] == ["candidates"]


def _trace_of_a_bunt_at_10_s():
    """A run's trace in which every stage saw the action at 10 s and the classifier called it a
    bunt: an event there of another class was found, and named wrong."""
    from highlights.pipeline.trace import StageTrace

    trace = StageTrace()
    for t in np.arange(0.0, 20.0, 0.5):
        trace.add_frame(float(t), 1.0, active=True, persons=1, pose_ok=True)
    trace.windows.append({"start_s": 0.0, "end_s": 20.0})
    trace.triggers.append({"trigger": True, "key_s": 10.0})
    trace.classifications.append({"window": [9.0, 11.0], "key_s": 10.0, "label": "baseball_bunt", "score": 0.8,
                                  "accepted": True})
    return trace


def test_an_event_its_own_highlight_names_wrong_is_the_classifiers_miss_not_shown():
    """An event paired, labels aside, with the highlight that holds it was found and named wrong:
    the attribution keeps the stage that named it, though the highlight shows it."""
    from highlights.pipeline.evaluation import attribute_misses

    config = PipelineConfig()
    events = _events(("baseball", "baseball_swing", 10.0))
    trace = _trace_of_a_bunt_at_10_s()
    found = attribute_misses([_hl(10.0, "baseball_bunt")], SimpleNamespace(events=events), trace, config, [],
                             tolerance_s=2.0)
    assert [m["cause"] for m in found["misses"]] == ["classifier_wrong_class"]


def test_an_event_missed_at_the_event_level_is_put_down_as_the_benches_count_it():
    """A window that named the event another class found it: the merge lost it where a highlight
    stood near it before the merge, else the matching; one inside a highlight is shown there."""
    from highlights.pipeline.evaluation import event_level_miss

    config = PipelineConfig()
    (event,) = _events(("baseball", "baseball_swing", 10.0))
    trace = _trace_of_a_bunt_at_10_s()
    assert event_level_miss(event, [], trace, config, [_hl(10.0, "baseball_bunt")], 2.0) == (
        "merge", "found before merge (as another class)")
    assert event_level_miss(event, [], trace, config, [], 2.0)[0] == "matching"
    no_merge = config.with_overrides({"merge.enabled": False})
    assert event_level_miss(event, [], trace, no_merge, [_hl(10.0, "baseball_bunt")], 2.0) == (
        "matching", "found before merge (as another class)")
    keyed_before = Highlight(start_s=7.0, end_s=11.0, label="baseball_swing", sport="baseball", score=0.9, key_s=7.5)
    cause, detail = event_level_miss(event, [keyed_before], trace, config, [], 2.0)
    assert cause == "shown" and detail.startswith("inside the baseball_swing highlight 7.00-11.00 s, keyed at 7.50 s")


def test_each_missed_event_is_put_down_to_the_first_stage_that_lost_it():
    from highlights.pipeline.evaluation import attribute_misses
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig()
    events = _events(("baseball", "baseball_swing", 55.0),  # e0: no candidate window reaches it
                     ("baseball", "baseball_swing", 5.0),  # e1: no moving frame
                     ("baseball", "baseball_swing", 10.0),  # e2: nobody detected
                     ("baseball", "baseball_swing", 15.0),  # e3: no pose
                     ("baseball", "baseball_swing", 20.0),  # e4: no trigger
                     ("baseball", "baseball_swing", 25.0),  # e5: classified as a bunt
                     ("baseball", "baseball_swing", 30.0),  # e6: found, then removed at merge
                     ("baseball", "baseball_swing", 35.0),  # e7: found
                     # e8: its highlight went to e7, nearer, and ends before e8's moment
                     ("baseball", "baseball_swing", 36.6),
                     ("baseball", "baseball_swing", 45.0044))  # e9: no classifier window near it
    trace = StageTrace()
    for t in np.arange(0.0, 60.0, 0.5):
        trace.add_frame(float(t), 1.0, active=not 4.5 <= t <= 5.5, persons=0 if 9.5 <= t <= 10.5 else 1,
                        pose_ok=not 14.5 <= t <= 15.5)
    trace.windows.append({"start_s": 0.0, "end_s": 50.0})
    trace.triggers += [{"trigger": True, "key_s": k} for k in (25.0, 30.0, 35.0, 36.0, 45.0)]
    trace.triggers.append({"trigger": False, "key_s": 20.0})  # looked at, did not fire
    trace.classifications.append({"window": [24.0, 26.0], "key_s": 25.0, "label": "baseball_bunt", "score": 0.8,
                                  "accepted": True})
    trace.classifications.append({"window": [24.5, 26.5], "key_s": 25.5, "label": "soccer_shooting", "score": 0.6,
                                  "accepted": True})  # the less sure of the two wrong classes
    for k in (30.0, 35.0, 36.0):
        trace.classifications.append({"window": [k - 1, k + 1], "key_s": k, "label": "baseball_swing", "score": 0.9,
                                      "accepted": True})
    before_merge = [_hl(30.0), _hl(36.0, "baseball_bunt")]  # the bunt near e8 is not a detection of it
    found = attribute_misses([_hl(35.4)], SimpleNamespace(events=events), trace, config, before_merge, tolerance_s=2.0)
    assert [(m["event_id"], m["cause"], m["stage"]) for m in found["misses"]] == [
        ("e0", "candidates", "candidates"), ("e1", "candidates", "candidates"), ("e2", "detection", "detection"),
        ("e3", "pose", "pose/kinematics"), ("e4", "kinematics", "pose/kinematics"),
        ("e5", "classifier_wrong_class", "classifier"), ("e6", "merge", "merge"), ("e8", "matching", "merge"),
        ("e9", "classifier_none", "classifier")]
    assert found["misses"][2]["detail"] == "no person in 3 analysis frames of the event"
    assert found["misses"][5]["detail"] == "said baseball_bunt (0.80)"
    assert found["misses"][8]["detail"] == "no classifier window near the key moment"
    assert found["misses"][8]["key_s"] == 45.004  # stored to the millisecond
    assert (found["events"], found["missed"]) == (10, 9)
    assert found["by_cause"]["candidates"]["count"] == 2 and found["by_cause"]["candidates"]["share"] == 0.2222
    assert found["by_stage"]["pose/kinematics"]["count"] == 2 and found["by_stage"]["merge"]["share"] == 0.2222
    assert found["by_cause"]["classifier_none"]["count"] == 1 and found["by_stage"]["classifier"]["count"] == 2
    assert found["by_cause"]["merge"]["share"] == 0.1111 and found["by_cause"]["matching"]["count"] == 1
    # each share's interval is of the misses, not of the events
    assert found["by_stage"]["merge"]["share_interval"] == Rate(2, 9).stored_interval()
    assert found["by_cause"]["candidates"]["share_interval"] == Rate(2, 9).stored_interval()
    # with merge off, a detection that existed before it was lost to the matching
    no_merge = config.with_overrides({"merge.enabled": False})
    again = attribute_misses(
        [_hl(35.4)], SimpleNamespace(events=events), trace, no_merge, before_merge, tolerance_s=2.0)
    assert again["misses"][6]["cause"] == "matching"


# -- kinematics ------------------------------------------------------------------------------

def test_kinematics_names_the_joint_that_moved():
    cfg = PipelineConfig().kinematics
    times = np.arange(20) / 10.0
    still = still_body(20)
    assert find_triggers(times, still, scale=100.0, config=cfg) == []
    swing = still.copy()
    swing[10, 10, :2] += [40, -20]  # right wrist jumps 45 px in 0.1 s: 4.5 body heights/s
    [trig] = find_triggers(times, swing, scale=100.0, config=cfg)
    assert (trig.kind, trig.key_s) == ("wrist_speed", 1.0)
    kick = still.copy()
    kick[12:, 16, :2] += [35, -10]
    assert [t.kind for t in find_triggers(times, kick, scale=100.0, config=cfg)] == ["ankle_speed"]
    jump = still.copy()
    jump[8:12, :, 1] -= 20  # the whole body 0.2 heights up ...
    assert all(t.kind != "hip_rise" for t in find_triggers(times, jump, scale=100.0, config=cfg))  # arms down
    jump[8:12, [9, 10], 1] -= 50  # ... with the wrists 0.22 heights above the shoulders
    kinds = [t.kind for t in find_triggers(times, jump, scale=100.0, config=cfg)]
    assert "hip_rise" in kinds
    # NMS across kinds keeps the strongest near one moment
    assert len(suppress(find_triggers(times, jump, scale=100.0, config=cfg), 1.5)) == 1


def test_a_pan_or_a_run_is_not_a_swing():
    """The whole body moving fast in the image (camera pan, player running across) moves every
    joint alike: limb speeds are measured against the body's centre, so nothing triggers."""
    cfg = PipelineConfig().kinematics
    times = np.arange(20) / 10.0
    pan = still_body(20)
    pan[:, :, 0] += 60.0 * np.arange(20)[:, None]  # 6 body heights/s sideways
    assert find_triggers(times, pan, scale=100.0, config=cfg) == []
    pan[10, 10, :2] += [40, -20]  # ... and a real swing during the pan still shows
    assert [(t.kind, t.key_s) for t in find_triggers(times, pan, scale=100.0, config=cfg)] == [("wrist_speed", 1.0)]


def test_every_peak_in_a_window_triggers_not_only_the_largest():
    cfg = PipelineConfig().kinematics
    times = np.arange(60) / 10.0
    kp = still_body(60)
    kp[10, 10, :2] += [60, 0]  # a hard swing at 1.0 s ...
    kp[45, 9, :2] += [30, 0]  # ... and a softer one at 4.5 s, by the same player
    trigs = find_triggers(times, kp, scale=100.0, config=cfg)
    assert [(t.kind, t.key_s) for t in trigs] == [("wrist_speed", 1.0), ("wrist_speed", 4.5)]
    assert trigs[0].value > trigs[1].value


def test_prominent_keeps_the_largest_tracks():
    tracks = {"near": (None, None, 300.0), "far": (None, None, 80.0), "mid": (None, None, 150.0)}
    assert list(prominent(tracks, 2)) == ["near", "mid"]
    assert prominent(tracks, 0) == tracks


def test_missing_keypoints_do_not_trigger():
    cfg = PipelineConfig().kinematics
    times = np.arange(10) / 10.0
    kp = still_body(10)
    kp[:, :, :2] = np.nan
    assert find_triggers(times, kp, scale=100.0, config=cfg) == []


# -- local-file detector ---------------------------------------------------------------------

def test_local_detector_needs_an_existing_file(tmp_path):
    from highlights.pipeline.stages.local_detection import LocalDetector

    with pytest.raises(MissingFileError, match="detector file not found"):
        LocalDetector(tmp_path / "rfdetr.onnx")
    with pytest.raises(ConfigError, match="needs detection.detector_path"):
        LocalDetector(None)


def test_local_torchscript_detector_finds_people(tmp_path):
    import torch

    from highlights.pipeline.stages.local_detection import LocalDetector, parse_detections

    class Fixed(torch.nn.Module):
        def forward(self, x):
            h, w = x.shape[2], x.shape[3]
            return torch.tensor([[0.0, 0.0, w / 2, h / 2, 0.9, 0.0],  # a person
                                 [1.0, 1.0, 5.0, 5.0, 0.9, 3.0],  # not a person
                                 [2.0, 2.0, 9.0, 9.0, 0.2, 0.0]])  # too unsure

    path = tmp_path / "det.pt"
    torch.jit.script(Fixed()).save(str(path))
    rows = parse_detections(LocalDetector(path)(np.zeros((40, 60, 3), np.uint8)), person_class=0, min_score=0.5)
    np.testing.assert_allclose(rows, [[0, 0, 30, 20, 0.9]], rtol=1e-6)
    (tmp_path / "bad.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a TorchScript module"):
        LocalDetector(tmp_path / "bad.pt")


class _HalfFramePerson:
    """A detector of one person in the image's top-left quarter, plus a non-person and an unsure one."""

    @staticmethod
    def module():
        import torch

        class HalfFramePerson(torch.nn.Module):
            def forward(self, x):
                h, w = x.shape[2], x.shape[3]
                zero = x.new_zeros(())
                row = torch.stack([zero, zero, zero + w / 2, zero + h / 2, zero + 0.9, zero])
                return torch.stack([row, torch.tensor([1.0, 1.0, 5.0, 5.0, 0.9, 3.0]),
                                    torch.tensor([2.0, 2.0, 9.0, 9.0, 0.2, 0.0])])

        return HalfFramePerson()


def test_local_exported_program_detector_finds_people_at_its_size_and_names_another(tmp_path):
    """A `.pt2` (torch.export, what PyTorch now saves models as) loads and runs; exported for one
    input size, another size is one error naming the file and the input, not torch's guard."""
    import torch

    from highlights.pipeline.stages.local_detection import LocalDetector, parse_detections

    path = tmp_path / "det.pt2"
    torch.export.save(torch.export.export(_HalfFramePerson.module(), (torch.zeros(1, 3, 40, 60),)), str(path))
    detector = LocalDetector(path)
    rows = parse_detections(detector(np.zeros((40, 60, 3), np.uint8)), person_class=0, min_score=0.5)
    np.testing.assert_allclose(rows, [[0, 0, 30, 20, 0.9]], rtol=1e-6)
    with pytest.raises(ConfigError, match=r"det\.pt2: the detector failed on a \(1, 3, 20, 30\) float32 input"):
        detector(np.zeros((20, 30, 3), np.uint8))


def test_a_local_detector_file_that_is_not_its_kind_is_one_line(tmp_path, caplog):
    from highlights.pipeline.stages.local_detection import LocalDetector

    for name, kind in (("bad.pt2", "not a torch.export program"), ("bad.onnx", "not an ONNX model")):
        (tmp_path / name).write_bytes(b"not a model")
        with pytest.raises(ConfigError, match=kind) as raised:
            LocalDetector(tmp_path / name)
        assert str(tmp_path / name) in str(raised.value) and "\n" not in str(raised.value)
    # torch.export.load logs a traceback before raising on a file that is not its archive
    assert "Traceback" not in caplog.text


def test_detect_runs_a_local_exported_detector_and_refuses_a_wrong_output_in_one_line(tmp_path, cli):
    """End to end: `detection.backend=local` with a `.pt2` finds the person it returns, and a
    detector whose output has the wrong layout stops `detect` with one line naming its file."""
    import torch

    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=6.0, events=[])
    good = tmp_path / "det.pt2"
    torch.export.save(torch.export.export(_HalfFramePerson.module(), (torch.zeros(1, 3, 180, 320),)), str(good))
    local = ["--set", "detection.backend=local", "--set", "pose.backend=gt", "--set", "classifier.enabled=false",
             "--set", "kinematics.enabled=false", "--no-progress"]
    result = cli("detect", video, "--out", tmp_path / "out", "--set", f"detection.detector_path={good}", *local)
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "out" / "highlights.json").read_text())
    assert run["config"]["detection"]["backend"] == "local" and run["stats"]["no_person_found"] is False
    # its only person scores 0.9: above a higher floor nobody is left
    result = cli("detect", video, "--out", tmp_path / "out-unsure", "--set", f"detection.detector_path={good}",
                 "--set", "detection.min_score=0.95", *local)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out-unsure" / "highlights.json").read_text())["stats"]["no_person_found"] is True

    class FourColumns(torch.nn.Module):
        def forward(self, x):
            return x.new_zeros((2, 4))

    wrong = tmp_path / "wrong.pt2"
    torch.export.save(torch.export.export(FourColumns(), (torch.zeros(1, 3, 180, 320),)), str(wrong))
    result = cli("detect", video, "--out", tmp_path / "out2", "--set", f"detection.detector_path={wrong}", *local)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(wrong) in lines[0] and "rows of 4 values" in lines[0], result.output


def test_a_wrong_class_miss_gives_the_class_probability_beside_the_action_score():
    """Under the action gate a window's score is its action probability, 1 - P(none): the miss
    table must not print it as if it were the wrong class's probability."""
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig().with_overrides({"candidates.enabled": False, "detection.enabled": False,
                                              "pose.enabled": False, "kinematics.enabled": False})
    event = SimpleNamespace(start_s=41.5, end_s=42.9, key_s=42.3, label="basketball_layup")
    probs = {"baseball_swing": 0.0046, "basketball_layup": 0.336, "soccer_shooting": 0.593, "none": 0.0669}
    trace = StageTrace()
    trace.classifications.append({"window": [41.2, 43.2], "key_s": 42.2, "track": 7, "label": "soccer_shooting",
                                  "score": 0.9331, "accepted": True, "probs": probs})
    cause, detail = first_lost_stage(event, trace, config, [], tolerance_s=2.0)
    assert cause == "classifier_wrong_class"
    assert detail == "said soccer_shooting (action 0.93; soccer_shooting 0.59)"
    trace.classifications[0]["score"] = 0.593  # the argmax rule: the score is the class's probability
    assert first_lost_stage(event, trace, config, [], tolerance_s=2.0)[1] == "said soccer_shooting (0.59)"


def test_a_miss_tells_apart_an_action_score_and_a_class_probability_that_round_alike():
    """0.452 and 0.447 were both printed "0.45": "action 0.45; soccer_shooting 0.45" read as one
    figure said twice. Each pair is printed to the places that tell it apart."""
    from highlights.pipeline.evaluation import first_lost_stage, turned_down_text
    from highlights.pipeline.outputs.html_page import why_line
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig().with_overrides({"candidates.enabled": False, "detection.enabled": False,
                                              "pose.enabled": False, "kinematics.enabled": False})
    event = SimpleNamespace(start_s=41.5, end_s=42.9, key_s=42.3, label="basketball_layup")
    probs = {"basketball_layup": 0.0, "soccer_shooting": 0.447, "baseball_swing": 0.005, "none": 0.548}
    trace = StageTrace()
    trace.classifications.append({"window": [41.2, 43.2], "key_s": 42.2, "track": 7,
                                  "label": "soccer_shooting", "score": 0.452, "accepted": True,
                                  "probs": probs})
    detail = first_lost_stage(event, trace, config, [], tolerance_s=2.0)[1]
    assert detail == "said soccer_shooting (action 0.452; soccer_shooting 0.447)"
    window = {"window": [4.0, 6.0], "label": "none", "score": 0.548, "probs": probs}
    gate = {"rule": "action_threshold", "threshold": 0.5}
    assert turned_down_text([window], gate) == ("most action-like of 1 window: action probability "
                                                "0.452 (soccer_shooting 0.447), under the action "
                                                "threshold 0.5")
    assert why_line({"classifier": {"probs": probs}}) == "action 0.452 (most likely soccer_shooting 0.447)"
    # Figures that read apart at two places keep two; equal ones are not stretched.
    two = {"soccer_shooting": 0.40, "baseball_swing": 0.05, "none": 0.55}
    assert why_line({"classifier": {"probs": two}}) == "action 0.45 (most likely soccer_shooting 0.40)"
    alone = {"soccer_shooting": 0.45, "none": 0.55}
    assert why_line({"classifier": {"probs": alone}}) == "action 0.45 (most likely soccer_shooting 0.45)"


def test_a_config_file_with_a_wrong_setting_is_named_in_the_error(tmp_path):
    """`--config game.json` given the annotation by mistake: the line names the file and says it
    holds no settings, not only the first key it could not place."""
    wrong = tmp_path / "game.json"
    wrong.write_text(json.dumps({"video": "game.mp4", "fps": 30.0, "events": []}))
    with pytest.raises(ConfigError) as info:
        PipelineConfig.load(wrong)
    assert str(info.value).startswith(
        f"{wrong}: holds no pipeline settings (its keys: video, fps, events)")
    typo = tmp_path / "pipeline.json"
    typo.write_text(json.dumps({"pose": {"video_mode": "perhaps"}}))
    with pytest.raises(ConfigError, match=f"^{typo}: pose.video_mode='perhaps': expected bool"):
        PipelineConfig.load(typo)


def test_a_miss_the_classifier_turned_down_names_its_most_action_like_window_and_the_bar():
    """Under the action gate a window turned down is scored by its P(none): the miss must be
    explained by the window nearest to passing and the threshold it did not reach, not by the
    most `none` one."""
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig().with_overrides({"candidates.enabled": False, "detection.enabled": False,
                                              "pose.enabled": False, "kinematics.enabled": False})
    event = SimpleNamespace(start_s=41.5, end_s=42.9, key_s=42.3, label="basketball_layup")
    trace = StageTrace()
    for none_p, layup_p in ((0.99, 0.005), (0.97, 0.02)):
        probs = {"baseball_swing": 0.005, "basketball_layup": layup_p, "soccer_shooting": 0.0, "none": none_p}
        trace.classifications.append({"window": [41.2, 43.2], "key_s": 42.2, "track": 7, "label": "none",
                                      "score": none_p, "accepted": False, "probs": probs})
    trace.classifier_gate = {"rule": "action_threshold", "threshold": 0.05}
    cause, detail = first_lost_stage(event, trace, config, [], tolerance_s=2.0)
    assert cause == "classifier_none"
    assert detail == ("most action-like of 2 windows: action probability 0.03 (basketball_layup 0.02), "
                      "under the action threshold 0.05")

    # The argmax rule: a window whose class won but stayed under classifier.min_score says so.
    trace.classifications[1].update(label="basketball_layup", score=0.34,
                                     probs={"baseball_swing": 0.3, "basketball_layup": 0.34,
                                            "soccer_shooting": 0.1, "none": 0.26})
    trace.classifier_gate = {"rule": "argmax", "min_score": 0.5}
    cause, detail = first_lost_stage(event, trace, config, [], tolerance_s=2.0)
    assert detail == "most action-like of 2 windows said basketball_layup 0.34, under classifier.min_score 0.5"
    # Its cause reads as what happened in the report's cause table, beside that detail: the window
    # named the event's own class and was turned down, it did not say none.
    from highlights.pipeline.evaluation import CAUSE_TEXT

    assert cause == "classifier_none" and CAUSE_TEXT[cause] == "classifier turned it down"


def test_evidence_at_exactly_the_tolerance_counts_for_attribution_as_it_does_for_matching():
    """4.4 - 2.4 is 2.0000000000000004 in floats: a highlight there matches the event at 2 s, so
    a trigger, a window or a detection there must count as within 2 s when a miss is explained."""
    from highlights.pipeline.evaluation import first_lost_stage, match_key_moments
    from highlights.pipeline.trace import StageTrace

    assert abs(4.4 - 2.4) > 2.0 and match_key_moments([4.4], [2.4], 2.0) == [(0, 0)]
    config = PipelineConfig().with_overrides({"candidates.enabled": False, "detection.enabled": False,
                                              "pose.enabled": True, "kinematics.enabled": True})
    event = SimpleNamespace(start_s=1.9, end_s=2.9, key_s=2.4, label="soccer_shooting")
    trace = StageTrace()
    for time_s in (2.0, 2.5):
        trace.add_frame(time_s, motion=1.0, active=True, persons=1, pose_ok=True)
    trace.triggers.append({"key_s": 4.4, "trigger": "ankle", "track": 1})
    cause, _ = first_lost_stage(event, trace, config, [], tolerance_s=2.0)
    assert cause != "kinematics"
    trace.classifications.append({"window": [3.4, 5.4], "key_s": 4.4, "track": 1, "label": "soccer_shooting",
                                  "score": 0.9, "accepted": True, "probs": {"soccer_shooting": 0.9, "none": 0.1}})
    cause, _ = first_lost_stage(event, trace, config, [], tolerance_s=2.0)
    assert cause not in ("classifier_none", "classifier_wrong_class")


def test_an_event_another_class_found_before_merge_at_exactly_the_tolerance_was_lost_at_merge():
    """The benches' event-level count reads a highlight before the merge at 2 s as near, as the
    matching and the classifier's window at 2 s are (4.4 - 2.4 is 2.0000000000000004)."""
    from highlights.pipeline.evaluation import event_level_miss
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig().with_overrides({"candidates.enabled": False, "detection.enabled": False,
                                              "pose.enabled": False, "kinematics.enabled": False})
    event = SimpleNamespace(start_s=1.9, end_s=2.9, key_s=2.4, label="soccer_shooting")
    trace = StageTrace()
    trace.classifications.append({"window": [3.4, 5.4], "key_s": 4.4, "label": "soccer_passing",
                                  "score": 0.9, "accepted": True})
    bunt_before_merge = Highlight(start_s=3.4, end_s=5.4, label="soccer_passing", sport="soccer", score=0.9, key_s=4.4)
    assert event_level_miss(event, [], trace, config, [bunt_before_merge], 2.0) == (
        "merge", "found before merge (as another class)")


def test_a_candidate_window_reaching_any_part_of_an_event_covers_it():
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    config = PipelineConfig().with_overrides({"detection.enabled": False, "pose.enabled": False,
                                              "kinematics.enabled": False, "classifier.enabled": False})
    event = SimpleNamespace(start_s=4.5, end_s=5.5, key_s=5.0, label="baseball_swing")

    def cause_with_window(start_s, end_s):
        trace = StageTrace()
        for t in (4.5, 5.0, 5.5):
            trace.add_frame(t, 1.0, active=True, persons=1, pose_ok=True)
        trace.windows.append({"start_s": start_s, "end_s": end_s})
        return first_lost_stage(event, trace, config, [], tolerance_s=2.0)[0]

    # a window over the event's end, over its start, or touching either is a candidate for it
    for start_s, end_s in ((5.2, 7.2), (3.0, 4.8), (5.5, 7.5), (2.5, 4.5), (4.6, 5.4)):
        assert cause_with_window(start_s, end_s) == "matching", (start_s, end_s)
    assert cause_with_window(5.51, 7.5) == "candidates"
    assert cause_with_window(2.5, 4.49) == "candidates"


def test_a_still_event_is_lost_at_candidates_only_where_they_keep_moving_frames_alone():
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    event = SimpleNamespace(start_s=4.5, end_s=5.5, key_s=5.0, label="baseball_swing")
    trace = StageTrace()
    for t in (4.5, 5.0, 5.5):
        trace.add_frame(t, 0.0, active=False, persons=1, pose_ok=True)
    trace.windows.append({"start_s": 0.0, "end_s": 10.0})
    config = PipelineConfig().with_overrides({"detection.enabled": False, "pose.enabled": False,
                                              "kinematics.enabled": False, "classifier.enabled": False})
    assert first_lost_stage(event, trace, config, [], tolerance_s=2.0) == (
        "candidates", "no active (moving) frame during the event")
    every_frame = config.with_overrides({"candidates.active_frames_only": False})
    assert first_lost_stage(event, trace, every_frame, [], tolerance_s=2.0)[0] == "matching"


def test_one_frame_with_a_person_and_a_pose_is_enough_for_detection_and_pose_to_have_kept_an_event():
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    event = SimpleNamespace(start_s=4.5, end_s=5.5, key_s=5.0, label="baseball_swing")
    config = PipelineConfig().with_overrides({"candidates.enabled": False, "kinematics.enabled": False,
                                              "classifier.enabled": False})

    def cause(persons, poses):
        trace = StageTrace()
        for t, person, pose in zip((4.5, 5.0, 5.5), persons, poses):
            trace.add_frame(t, 1.0, active=True, persons=person, pose_ok=pose)
        return first_lost_stage(event, trace, config, [], tolerance_s=2.0)[0]

    assert cause((0, 1, 0), (False, True, False)) == "matching"
    assert cause((0, 0, 0), (False, True, False)) == "detection"
    assert cause((0, 2, 0), (False, False, False)) == "pose"


def test_a_miss_near_one_turned_down_window_says_one_window():
    from highlights.pipeline.evaluation import turned_down_text

    window = {"window": [4.0, 6.0], "label": "none", "score": 0.7, "probs": {"none": 0.7, "soccer_shooting": 0.3}}
    assert turned_down_text([window], None) == "most action-like of 1 window said none (0.70; soccer_shooting 0.30)"
    assert turned_down_text([window, dict(window, probs={"none": 0.9, "soccer_shooting": 0.1})], None).startswith(
        "most action-like of 2 windows said none (0.70; ")


def test_with_pose_off_kinematics_lets_windows_through_so_no_miss_is_put_down_to_a_missing_trigger():
    from highlights.pipeline.evaluation import first_lost_stage
    from highlights.pipeline.trace import StageTrace

    event = SimpleNamespace(start_s=4.5, end_s=5.5, key_s=5.0, label="baseball_swing")
    trace = StageTrace()
    trace.add_frame(5.0, 1.0, active=True, persons=1, pose_ok=False)
    config = PipelineConfig().with_overrides({"candidates.enabled": False, "classifier.enabled": False,
                                              "kinematics.enabled": True})
    assert first_lost_stage(event, trace, config, [], tolerance_s=2.0)[0] == "pose"
    pose_off = config.with_overrides({"pose.enabled": False})
    assert first_lost_stage(event, trace, pose_off, [], tolerance_s=2.0)[0] == "matching"


def test_the_evaluation_says_when_a_rerun_of_its_config_may_pick_another_precision():
    """With inference_path auto and a verified bf16 (or int8) path, each run picks its path by
    timing: the demo's evaluation ran on bf16 and a rerun of its stored config on fp32 moved the
    score's AUC from 0.5765 to 0.574. The report says so beside its config; where no reduced path
    is offered, the config fixes the path's precision and it says nothing."""
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown
    from highlights.pipeline.evaluation import evaluate_highlights

    scores = evaluate_highlights([], SimpleNamespace(events=[]))
    nothing_missed = {"tolerance_s": 2.0, "events": 0, "missed": 0, "by_stage": {}, "by_cause": {}, "misses": []}
    offered = {"requested": "auto", "picked": "bf16_autocast", "choice": "measured", "stored": False,
               "int8": {"offered": False, "reason": "not verified"}, "bf16": {"offered": True, "reason": None}}
    md = render_markdown(PipelineEvaluation(scores, attribution=nothing_missed, about={
        "inference_backend": "bf16_autocast", "stats": {"inference_path": offered}}))
    assert ("The classifier ran on the `bf16_autocast` path, which `classifier.inference_path=auto` picked by "
            "timing this CPU's paths, fp32 and the bf16 path verified for this checkpoint by `evaluate`") in md
    assert "`--set classifier.int8=false --set classifier.bf16=false` keeps runs on fp32." in md
    for stats in ({"inference_path": {**offered, "bf16": {"offered": False, "reason": "no native bf16"}}},
                  {"inference_path": {**offered, "requested": "torchscript"}}, {}):
        md = render_markdown(PipelineEvaluation(scores, attribution=nothing_missed,
                                                about={"inference_backend": "torchscript", "stats": stats}))
        assert "The config that made these numbers" in md and "picked by timing" not in md


def test_the_score_reliability_table_prints_each_bins_mean_score_as_the_json_stores_it():
    """The JSON keeps a bin's mean score to three places; printed to two from that, 0.8351 (stored
    0.835) read 0.83 where its own two places are 0.84. The table gives the stored three."""
    from highlights.calibration_error import reliability_bins
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown
    from highlights.pipeline.evaluation import evaluate_highlights

    bins = reliability_bins([0.8302, 0.84], [True, False])
    assert bins == [{"bin": [0.8, 1.0], "n": 2, "right": 1, "mean_score": 0.835, "correct_rate": 0.5}]
    nothing_missed = {"tolerance_s": 2.0, "events": 0, "missed": 0, "by_stage": {}, "by_cause": {}, "misses": []}
    reliability = {"tolerance_s": 2.0, "n": 2, "bins_used": 5, "ece": 0.3351, "ece_interval": None, "bins": bins}
    md = render_markdown(PipelineEvaluation(evaluate_highlights([], SimpleNamespace(events=[])),
                                            attribution=nothing_missed, about={"score_reliability": reliability}))
    assert "| 0.8-1.0 | 2 | 0.835 | 0.50 [0.09, 0.91] (1/2) |" in md
