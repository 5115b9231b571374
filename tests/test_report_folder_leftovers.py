"""A report written into a folder where another run of its command, or of another command writing
the same record, wrote before: every picture, Markdown or CSV left in the folder is one the new
record was written with. A file of the earlier run that the new one has no place for (the score
reliability picture of a `pipeline evaluate`, under a `pipeline score`'s JSON) is removed, and
the record names it with null, so one put back later reads as not its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.file_hash import file_sha256
from highlights.file_set import WRITTEN_WITH, mixed_set_line
from highlights.pipeline.score_reliability_png import SCORE_RELIABILITY_PNG
from highlights.report import build_report, report_from_confusion, write_report_files
from highlights.report.markdown import RELIABILITY_PICTURE
from highlights.report.metrics import REPORT_FILENAME
from tests.pipeline_fixtures import make_game

GROUND_TRUTH_PEOPLE = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"]


def _run(*args) -> object:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _unrecorded(folder: Path, record_name: str, inputs: set[str] = frozenset()) -> list[str]:
    """The files in ``folder`` (besides the record and ``inputs``) that the record does not name
    with their contents as they are."""
    record = json.loads((folder / record_name).read_text(encoding="utf-8"))
    recorded = record[WRITTEN_WITH]
    return [p.name for p in sorted(folder.iterdir())
            if p.name not in {record_name, *inputs} and recorded.get(p.name) != file_sha256(p)]


def test_pipeline_score_after_pipeline_evaluate_leaves_no_picture_of_the_evaluation(tmp_path):
    game = make_game(tmp_path)
    annotation, out = game.with_suffix(".json"), tmp_path / "scores"
    _run("pipeline", "evaluate", "--video", game, "--annotations", annotation, "--out", out,
         *GROUND_TRUTH_PEOPLE)
    assert (out / SCORE_RELIABILITY_PNG).is_file()  # the evaluation had highlights to bin
    assert _unrecorded(out, "pipeline_eval.json") == []

    # its own highlights scored again, into the same folder: the JSON is the score's now
    _run("pipeline", "score", "--predictions", out / "highlights.json", "--annotations", annotation,
         "--out", out)
    assert not (out / SCORE_RELIABILITY_PNG).exists()
    assert (out / "highlights.json").is_file()  # the file scored, kept
    assert _unrecorded(out, "pipeline_eval.json", inputs={"highlights.json"}) == []
    record = json.loads((out / "pipeline_eval.json").read_text(encoding="utf-8"))
    assert record[WRITTEN_WITH][SCORE_RELIABILITY_PNG] is None
    assert "score_reliability" not in record

    # an earlier picture copied back is not taken for the score's
    (out / SCORE_RELIABILITY_PNG).write_bytes(b"\x89PNG\r\n\x1a\n")
    line = mixed_set_line(out / "pipeline_eval.json", record, again="run it again")
    assert line is not None and SCORE_RELIABILITY_PNG in line


def test_a_test_report_without_probabilities_leaves_no_earlier_reliability_diagram(tmp_path):
    labels = ["a", "b", "none"]
    truth = ["a", "b", "none", "a", "b", "none"]
    proba = np.eye(3)[[0, 1, 2, 0, 0, 2]] * 0.8 + 0.2 / 3
    write_report_files(build_report(truth, ["a", "b", "none", "a", "a", "none"], labels,
                                    proba=proba, n_bootstrap=20), tmp_path)
    assert (tmp_path / RELIABILITY_PICTURE).is_file()

    write_report_files(report_from_confusion(labels, [[2, 0, 0], [1, 1, 0], [0, 0, 2]]), tmp_path)
    assert not (tmp_path / RELIABILITY_PICTURE).exists()
    assert _unrecorded(tmp_path, REPORT_FILENAME) == []
