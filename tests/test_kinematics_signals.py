"""The kinematic signals, peaks and tracks on small hand-made arrays, each number worked out by hand."""

from __future__ import annotations

import numpy as np

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.kinematics import find_triggers, smooth

from tests.test_pipeline_parts import _still_body


def test_a_track_shorter_than_the_smoothing_window_is_smoothed_over_what_it_has():
    # Five frames centred on each of three: all three in every window.
    np.testing.assert_array_equal(smooth(np.array([0.0, 2.0, 4.0]), 5), [2.0, 2.0, 2.0])
    cfg = PipelineConfig().with_overrides({"kinematics.smooth_frames": 5}).kinematics
    assert find_triggers(np.arange(4) / 10.0, _still_body(4), scale=100.0, config=cfg) == []
