"""Files another version of highlights wrote in another format are refused in one line that names
the file, says it is another version's and what to do; each is written here by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.errors import ConfigError
from highlights.pipeline.ranking import CALIBRATION_FORMAT, Calibration
from highlights.report.files import ReportFileError, load_report
from highlights.report.metrics import REPORT_FORMAT
from highlights.review.errors import ReviewError
from highlights.review.games import load_games


def _one_error_line(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


def test_a_test_report_of_another_format_says_it_is_another_versions(tmp_path):
    assert REPORT_FORMAT == "highlights.testreport/1"
    report = tmp_path / "video_scorer_testreport.json"
    report.write_text(json.dumps({"format": "highlights.testreport/2", "metrics": {}}))
    with pytest.raises(ReportFileError, match="a test report of format 'highlights.testreport/2', written by "
                                              "another version of highlights.*highlights evaluate"):
        load_report(report)
    result = CliRunner().invoke(app, ["report", "show", str(report)])
    assert result.exit_code == 1 and str(report) in _one_error_line(result.output)
    (tmp_path / "other.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ReportFileError, match="not a test report"):
        load_report(tmp_path / "other.json")


def test_a_score_calibration_of_another_format_says_it_is_another_versions(tmp_path):
    assert CALIBRATION_FORMAT == "highlights.score-calibration/1"
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"format": "highlights.score-calibration/2", "features": ["logit_probability"],
                                "coef": [1.0], "intercept": 0.0}))
    with pytest.raises(ConfigError) as refused:
        Calibration.load(path)
    said = str(refused.value)
    assert said.startswith(f"{path}: a score calibration file of format 'highlights.score-calibration/2', written by "
                           "another version of highlights") and "pipeline calibrate" in said
    assert "not a score calibration file" not in said and "\n" not in said


def test_a_detect_folder_of_another_format_is_refused_by_the_review(tmp_path):
    folder = tmp_path / "game1-highlights"
    folder.mkdir()
    (folder / "highlights.json").write_text(json.dumps({"format": "highlights.pipeline/2", "highlights": [],
                                                        "video": {"path": str(tmp_path / "game1.mp4")}}))
    with pytest.raises(ReviewError, match="highlights.json: format 'highlights.pipeline/2', written by another "
                                          "version of highlights.*highlights detect"):
        load_games([folder])
