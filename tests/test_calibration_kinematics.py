"""A score calibration fitted under other kinematics settings than the run's says so on loading."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

import pytest

from highlights.pipeline import calibration_kinematics, ranking
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.ranking import Calibration

PER_TRACK = "kinematics.trigger_nms_per_track"


@pytest.fixture(autouse=True)
def nothing_said_yet(monkeypatch):
    monkeypatch.setattr(calibration_kinematics, "_SAID", set())


def written(tmp_path, fitted_on: dict):
    path = tmp_path / "cal.json"
    cal = Calibration(intercept=-1.0, coef=(1.0,), features=("logit_probability",),
                      fitted_on=fitted_on)
    path.write_text(json.dumps(cal.to_dict()))
    return path


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_file_fitted_under_other_kinematics_warns_once_naming_file_and_setting(tmp_path, caplog):
    default = asdict(PipelineConfig().kinematics)
    path = written(tmp_path, {"kinematics": {**default, "trigger_nms_per_track": False}})
    config = PipelineConfig().with_overrides({"merge.score_calibration": str(path)})
    with caplog.at_level(logging.WARNING):
        first = ranking.resolve_calibration(config)
        ranking.resolve_calibration(config)
    said = warnings_of(caplog)
    assert len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith(f"warning: {path}: ")
    assert f"{PER_TRACK}=False (this run: True)" in said[0]
    assert not first.is_identity  # still applied: the settings may differ on purpose


def test_the_same_settings_a_file_without_them_and_pipeline_calibrates_config_are_read(
        tmp_path, caplog):
    default = asdict(PipelineConfig().kinematics)
    other = PipelineConfig().with_overrides({PER_TRACK: False})
    with caplog.at_level(logging.WARNING):
        for fitted_on, config, differ in (
                ({"kinematics": default}, PipelineConfig(), False),
                ({"games": 4}, other, False),  # records none: not checked
                # `pipeline calibrate` records the whole config it ran
                ({"config": PipelineConfig().to_dict()}, other, True),
                ({"kinematics": {"trigger_nms_s": default["trigger_nms_s"] + 1}}, other, True)):
            path = written(tmp_path, fitted_on)
            run = config.with_overrides({"merge.score_calibration": str(path)})
            line = calibration_kinematics.other_kinematics_line(path, fitted_on, run)
            assert (line is not None) == differ, fitted_on
    assert "trigger_nms_s=2.0 (this run: 1.0)" in line and PER_TRACK not in line


def test_a_hand_edited_fitted_on_whose_config_is_no_mapping_loads_unchecked(tmp_path, caplog):
    """`fitted_on` is provenance: a note written over its config (a file name, a list) leaves the
    calibration as usable as before, with nothing to compare."""
    for config in ("settings.toml", ["kinematics"], 3):
        path = written(tmp_path, {"games": 4, "config": config})
        run = PipelineConfig().with_overrides({"merge.score_calibration": str(path),
                                               PER_TRACK: False})
        with caplog.at_level(logging.WARNING):
            assert not ranking.resolve_calibration(run).is_identity
        assert warnings_of(caplog) == []


def test_the_packaged_calibration_was_fitted_under_the_default_kinematics(caplog):
    packaged = Calibration.load(ranking.DEFAULT_CALIBRATION)
    recorded = calibration_kinematics.kinematics_fitted_under(packaged.fitted_on)
    assert recorded is not None, "the packaged calibration records no kinematics settings"
    assert calibration_kinematics.kinematics_differences(packaged.fitted_on, PipelineConfig()) == []
    named = PipelineConfig().with_overrides({"merge.score_calibration": "default"})
    with caplog.at_level(logging.WARNING):
        ranking.resolve_calibration(named)
        assert warnings_of(caplog) == []
        ranking.resolve_calibration(named.with_overrides({PER_TRACK: False}))
    assert len(warnings_of(caplog)) == 1 and "score_calibration.json" in warnings_of(caplog)[0]
