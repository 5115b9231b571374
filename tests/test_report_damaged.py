"""A test report edited by hand or damaged in a copy is refused by `report show` and `report
compare` in one line naming the file and the field, not with a traceback from the Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.report import load_report


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A report as `highlights report from-confusion` writes it (the same format as `evaluate`'s)."""
    tmp = tmp_path_factory.mktemp("damaged-report")
    matrix = tmp / "cm.json"
    matrix.write_text(json.dumps({"labels": ["soccer_shooting", "none"], "matrix": [[5, 2], [1, 6]]}))
    result = CliRunner().invoke(app, ["report", "from-confusion", str(matrix), "--out", str(tmp / "report")])
    assert result.exit_code == 0, result.output
    return tmp / "report" / "video_scorer_testreport.json"


DAMAGES = {
    "score as text": (lambda r: r.update(macro_f1="0.9"), "field 'macro_f1' must be a number from 0 to 1, got '0.9'"),
    "score null": (lambda r: r.update(accuracy=None), "field 'accuracy' must be a number from 0 to 1, got None"),
    "labels gone": (lambda r: r.pop("labels"), "field 'labels'"),
    "classes as a list": (lambda r: r.update(per_class=[1]), "field 'per_class' must be an object"),
    "class score above 1": (lambda r: r["per_class"]["none"].update(f1=1.5), "field 'per_class.none.f1'"),
    "matrix cut short": (lambda r: r["confusion_matrix"].update(matrix=[[5]]),
                         "confusion matrix has 1 row, expected 2"),
    "meta as text": (lambda r: r.update(meta="x"), "field 'meta' must be an object"),
    "negative count": (lambda r: r.update(num_clips=-3), "field 'num_clips' must be a whole count, got -3"),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
@pytest.mark.parametrize("command", ["show", "compare"])
def test_a_damaged_report_is_one_line_naming_the_field(report, tmp_path, damage, command):
    edit, says = DAMAGES[damage]
    data = json.loads(report.read_text())
    edit(data)
    damaged = tmp_path / "edited.json"
    damaged.write_text(json.dumps(data))
    argv = ["report", "show", str(damaged)] if command == "show" else ["report", "compare", str(report), str(damaged)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: {damaged}: a damaged test report: ") and says in errors[0], errors[0]


def test_a_whole_report_still_loads(report):
    assert load_report(report)["labels"] == ["soccer_shooting", "none"]
