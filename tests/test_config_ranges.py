"""The allowed range of the numeric pipeline settings, checked as a config is built
(`pipeline.config_ranges`), without a run."""

from __future__ import annotations

import math

import pytest

from highlights.errors import ConfigError
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.config_ranges import RANGES, Range


def test_a_range_holds_its_ends_unless_the_low_end_is_open():
    closed, open_low = Range(0.0, 1.0), Range(0.0, 1.0, low_open=True)
    assert closed.holds(0.0) and closed.holds(1.0) and not closed.holds(-0.001) and not closed.holds(1.001)
    assert not open_low.holds(0.0) and open_low.holds(1e-9) and open_low.holds(1.0) and not open_low.holds(1.5)
    assert closed.describe() == "at least 0 and at most 1"
    assert open_low.describe() == "more than 0 and at most 1"


@pytest.mark.parametrize("section, key, value, allowed", [
    ("analysis", "fps", 0.0, "more than 0 and at most 1000"),
    ("classifier", "batch", 0, "at least 1 and at most 4096"),
    ("classifier", "stride_s", 0.0, "more than 0 and at most 600"),
    ("merge", "max_length_s", 0.0, "more than 0 and at most 3600"),
    ("detection", "min_score", 1.5, "at least 0 and at most 1"),
    ("merge", "reel_share", -0.1, "at least 0 and at most 1"),
])
def test_a_setting_out_of_its_range_is_refused_naming_it_and_its_range(section, key, value, allowed):
    with pytest.raises(ConfigError) as err:
        PipelineConfig.from_dict({section: {key: value}})
    assert str(err.value) == f"{section}.{key}={value!r}: out of range; allowed: {allowed}"


@pytest.mark.parametrize("section, key", [("analysis", "fps"), ("merge", "pad_after_s")])
def test_a_number_that_is_not_finite_is_refused_with_its_range(section, key):
    with pytest.raises(ConfigError) as err:
        PipelineConfig.from_dict({section: {key: math.inf}})
    assert str(err.value) == (f"{section}.{key}=inf: must be a finite number "
                              f"({RANGES[f'{section}.{key}'].describe()})")


def test_the_ends_of_a_range_are_settings_a_config_may_hold():
    config = PipelineConfig.from_dict({"classifier": {"batch": 4096, "min_score": 1.0},
                                       "merge": {"nms_iou": 0.0, "pad_before_s": 0.0, "max_length_s": 3600.0},
                                       "analysis": {"fps": 1000.0}})
    assert (config.classifier.batch, config.merge.nms_iou, config.analysis.fps) == (4096, 0.0, 1000.0)
