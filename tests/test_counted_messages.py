"""Messages that count something read "1 clip", "1 item", "1 entry" for a count of one, and the
verb after a count agrees with it ("1 of the 3 clips shows", "1 item was")."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


def test_a_report_input_of_one_clip_says_one_clip_and_its_entries_in_the_right_number():
    from highlights.report.metrics import ReportInputError, build_report

    with pytest.raises(ReportInputError) as one:
        build_report(["a"], ["a"], ["a", "b"], clip_ids=["c1", "c2"])
    assert str(one.value) == "clip_ids has 2 entries but there is 1 clip"
    with pytest.raises(ReportInputError) as two:
        build_report(["a", "b"], ["a", "b"], ["a", "b"], clip_notes=["n1"])
    assert str(two.value) == "clip_notes has 1 entry but there are 2 clips"
    with pytest.raises(ReportInputError) as lengths:
        build_report(["a"], ["a", "b"], ["a", "b"])
    assert str(lengths.value) == "y_true has 1 entry but y_pred has 2"


def test_one_clip_with_nobody_of_three_is_said_in_the_singular_and_one_of_one_is_refused():
    from highlights.datasets.errors import DatasetError
    from highlights.pose_classifier.evaluation import _nobody_left_out

    said: list[str] = []
    left_out = _nobody_left_out(["background/empty.mp4"], 3, {}, said.append)
    assert left_out["note"] == ("1 of the 3 clips shows nobody the pose model finds "
                                "(background/empty.mp4); the model's classes have no `none` to "
                                "call it, so it is not scored")
    assert said == [f"left out: {left_out['note']}"]
    two = _nobody_left_out(["a.mp4", "b.mp4"], 3, {}, said.append)["note"]
    assert two.startswith("2 of the 3 clips show nobody")
    assert "call them, so they are not scored" in two
    with pytest.raises(DatasetError) as refused:
        _nobody_left_out(["a.mp4"], 1, {"clips_root": "/clips"}, said.append)
    assert "/clips: no person found in its one clip, so there is nothing to score" in \
        str(refused.value)


def test_the_pose_models_val_line_counts_one_clip_with_nobody_in_the_singular():
    from highlights.pose_classifier.own_classes import val_clips_said

    scores = {"clips": 3, "correct": 2, "macro_f1": 0.5, "left_out": ["b/empty.mp4"]}
    line = val_clips_said(scores, 4, "v1")
    assert "; 1 of the 4 shows nobody the pose model finds (b/empty.mp4) and is not scored" in line
    none_scored = {"clips": 0, "correct": 0, "macro_f1": None, "left_out": ["b/e.mp4"]}
    assert val_clips_said(none_scored, 1, "v1") == (
        "no validation: the one val clip of v1 shows nobody the pose model finds (b/e.mp4)")


def test_an_export_of_one_pending_and_one_changed_item_says_one_item_was(tmp_path):
    from highlights.cli.review import _export_message
    from highlights.review.export import ExportResult

    version = SimpleNamespace(path=tmp_path / "v2")
    result = ExportResult(version=version, clips={"action": 1}, pending=1, changed=["game/h0"],
                          repeated=["game/h1 (as game/h2)"])
    message = _export_message(result)
    assert "1 item not reviewed yet was left out" in message
    assert "1 item was exported before with another decision" in message
    assert "1 item left out, the same clip as another item's" in message
    several = _export_message(ExportResult(version=version, clips={"action": 1}, pending=2))
    assert "2 items not reviewed yet were left out" in several


def test_a_reel_of_one_highlight_of_several_is_the_best_ranked_one():
    from highlights.pipeline.reel_length import reel_line

    reel = {"highlights": 1, "of": 3, "seconds": 12.0, "budget_s": 60.0}
    assert reel_line(reel).startswith(
        "reel: the best-ranked one of 3 highlights (12 s, what fits in 60 s); ")
    assert reel_line(dict(reel, highlights=2)).startswith("reel: the 2 best-ranked of 3 highlights")


def test_a_timeline_of_one_highlight_is_named_so_to_a_screen_reader():
    from highlights.pipeline.highlight import Highlight
    from highlights.pipeline.outputs.timeline_svg import timeline_svg

    one = Highlight(1.5, 3.0, "baseball_swing", "baseball", 0.9, 2.0, {})
    assert 'aria-label="timeline of 1 highlight"' in timeline_svg([one], 10.0)
    assert 'aria-label="timeline of 0 highlights"' in timeline_svg([], 10.0)
