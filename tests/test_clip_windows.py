"""The classifier windows a pipeline run scores on a labelled clip (what the action gate is chosen
on), on synthetic clips with the packaged pose model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from highlights.pipeline.clip_windows import clip_window_proba, clips_window_proba
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

TRUTH_POSES = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt"})
CLASSES = ["none", "soccer_shooting", "basketball_layup", "baseball_swing"]   # not the model's order


def test_each_scored_window_is_a_row_of_its_probabilities_in_the_order_asked(tmp_path):
    two = make_game(tmp_path, "two", duration_s=15.0, events=DEFAULT_EVENTS[:2])
    rows = clip_window_proba(two, TRUTH_POSES, CLASSES)
    scored = run_pipeline(two, TRUTH_POSES, progress=False).trace.classifications
    assert rows.shape == (len(scored), 4) and len(scored) >= 2
    np.testing.assert_array_equal(rows, [[c["probs"][k] for k in CLASSES] for c in scored])


def test_a_clip_no_window_of_which_reached_the_classifier_has_no_row(tmp_path):
    still = make_game(tmp_path, "still", duration_s=4.0, events=())
    rows = clip_window_proba(still, TRUTH_POSES, CLASSES)
    assert rows.shape == (0, 4) and rows.dtype == np.float64


def test_the_clips_are_run_in_order_and_each_said_before_it_runs(tmp_path):
    clips = [SimpleNamespace(path=make_game(tmp_path, "still", duration_s=4.0, events=())),
             SimpleNamespace(path=make_game(tmp_path, "swing", duration_s=8.0, events=DEFAULT_EVENTS[:1]))]
    said = []
    out = clips_window_proba(clips, TRUTH_POSES, CLASSES, on_clip=lambda i, clip: said.append((i, clip.path.name)))
    assert said == [(0, "still.mp4"), (1, "swing.mp4")]
    assert [w.shape[0] for w in out] == [0, len(clip_window_proba(clips[1].path, TRUTH_POSES, CLASSES))]
