"""The pictures of `pipeline evaluate|score` and `pipeline ablate`, drawn from small hand-made
scores: what each mark, point and bar says."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from matplotlib.colors import to_hex

from highlights.pipeline.ablation import AblationResult, AblationRow
from highlights.pipeline.ablation_chart import CULPRIT_COLOUR, ablation_figure
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.eval_timeline import eval_timeline_figure
from highlights.pipeline.evaluation import Rate, ToleranceScore, score_at
from highlights.pipeline.highlight import Highlight


def _event(i: int, label: str, key: float, half: int | None = None):
    return SimpleNamespace(id=str(i), label=label, sport="baseball", start_s=key - 1, end_s=key + 1, key_s=key,
                           half=half)


EVENTS = [_event(0, "baseball_swing", 10.0), _event(1, "baseball_pitch", 30.0), _event(2, "baseball_swing", 50.0),
          _event(3, "baseball_swing", 80.0)]
# right at 10 s; at 30 s the wrong class; at 65 s nothing near
HIGHLIGHTS = [Highlight(9.0, 11.0, "baseball_swing", "baseball", 0.9), Highlight(29.0, 31.0, "baseball_swing",
                                                                                 "baseball", 0.6),
              Highlight(64.0, 66.0, "baseball_swing", "baseball", 0.3)]
MISSES = [{"event_id": "1", "stage": "classifier"}, {"event_id": "2", "stage": "pose/kinematics"},
          {"event_id": "3", "stage": "candidates"}]


def _marks(fig) -> dict[str, list[float]]:
    """Each kind of mark drawn (by its legend), with the times it is drawn at, over every axis."""
    out: dict[str, list[float]] = {}
    for ax in fig.axes:
        for line in ax.lines:
            out.setdefault(line.get_gid(), []).extend(float(x) for x in line.get_xdata())
    return out


def test_each_event_is_marked_found_or_missed_with_its_stage_and_each_highlight_right_or_false():
    score = score_at(HIGHLIGHTS, EVENTS, 2.0)
    fig = eval_timeline_figure(HIGHLIGHTS, EVENTS, score, misses=MISSES, duration_s=100.0, title="Evaluation")
    marks = _marks(fig)
    found = "event found: paired with a highlight of its class within 2 s"
    missed = "event missed, beneath it the stage that lost it"
    right = "highlight right: paired with an event of its class"
    false = "false highlight: paired with no event of its class"
    assert sorted(marks[found]) == [10.0]
    assert sorted(marks[missed]) == [30.0, 50.0, 80.0] and len(marks[missed]) == len(MISSES)
    assert sorted(marks[right]) == [10.0]
    assert sorted(marks[false]) == [30.0, 65.0]  # the wrong class at 30 s is false at class level
    ax = fig.axes[0]
    assert sorted((t.get_position()[0], t.get_text()) for t in ax.texts) == [
        (30.0, "classifier"), (50.0, "pose/kinematics"), (80.0, "candidates")]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["baseball", right, false, found, missed]
    assert "1 of 4 events found, 1 of 3 highlights right" in ax.get_title()


def test_the_marks_are_the_evaluations_pairs_not_a_matching_of_their_own():
    """Given a pairing, the picture draws that one: here the highlight at 10 s is said to be paired
    with the event at 50 s, which no matching within 2 s would do."""
    score = ToleranceScore(2.0, len(EVENTS), len(HIGHLIGHTS), 1, 1, {}, {}, pairs=((0, 2),), class_pairs=((0, 2),))
    marks = _marks(eval_timeline_figure(HIGHLIGHTS, EVENTS, score, duration_s=100.0))
    assert marks["event found: paired with a highlight of its class within 2 s"] == [50.0]
    # scored without a run: no stage, no words beneath the misses
    assert sorted(marks["event missed"]) == [10.0, 30.0, 80.0]


def test_two_halves_are_two_axes_each_with_its_own_items():
    events = [_event(0, "Goal", 100.0, 1), _event(1, "Goal", 100.0, 2), _event(2, "Foul", 700.0, 2)]
    highlights = [Highlight(99.0, 101.0, "Goal", "soccer", 0.9), Highlight(400.0, 400.0, "Goal", "soccer", 0.5)]
    score = ToleranceScore(2.0, 3, 2, 1, 1, {}, {}, pairs=((0, 0),), class_pairs=((0, 0),))
    fig = eval_timeline_figure(highlights, events, score, highlight_halves=[1, 2])
    first, second = fig.axes[:2]
    assert first.get_title() == "half 1 (1 predicted, 1 annotated)"
    assert second.get_title() == "half 2 (1 predicted, 2 annotated)"
    assert sorted(float(x) for line in second.lines for x in line.get_xdata()) == [100.0, 400.0, 700.0]


def _row(name: str, kind: str, changes: dict, matched: int, events: int, highlights: int) -> AblationRow:
    score = ToleranceScore(2.0, events, highlights, matched, matched, {}, {})
    return AblationRow(name, kind, changes, None, None, None, None, score=score)


def test_the_ablation_chart_has_a_row_per_run_with_its_rates_and_intervals():
    rows = [_row("baseline", "baseline", {}, 12, 20, 30),
            _row("only pose.video_mode=false", "alone", {"pose.video_mode": False}, 10, 20, 25),
            _row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, 13, 20, 40),
            _row("all changes", "all", {"pose.video_mode": False, "merge.nms_iou": 0.5}, 0, 20, 0)]
    result = AblationResult(PipelineConfig(), {"pose.video_mode": False, "merge.nms_iou": 0.5}, 2.0, rows,
                            ["pose.video_mode"])
    recall_ax, precision_ax = ablation_figure(result).axes
    # the table's order from the top
    ticks = sorted(recall_ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in ticks] == [r.name for r in rows]
    assert to_hex(ticks[1].get_color()) == CULPRIT_COLOUR.lower() and to_hex(ticks[2].get_color()) != CULPRIT_COLOUR.lower()
    for ax, what in ((recall_ax, "recall"), (precision_ax, "precision")):
        drawn = {c.lines[0].get_gid(): c for c in ax.containers}
        for row in rows:
            rate: Rate = getattr(row.score, what)
            if rate.total == 0:
                assert f"{what} {row.name}" not in drawn
                continue
            container = drawn[f"{what} {row.name}"]
            assert float(container.lines[0].get_xdata()[0]) == pytest.approx(rate.value)
            segment = container.lines[2][0].get_segments()[0]  # the interval's bar
            assert sorted(float(x) for x in segment[:, 0]) == pytest.approx(list(rate.interval))
        baseline = [line for line in ax.lines if line.get_gid() == f"baseline {what}"]
        assert float(baseline[0].get_xdata()[0]) == pytest.approx(getattr(rows[0].score, what).value)
    assert [t.get_text() for t in precision_ax.texts if t.get_text().startswith("no ")] == ["no highlights"]
