"""The pictures of `pipeline evaluate|score` and `pipeline ablate`, drawn from small hand-made
scores: what each mark, point and bar says."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from matplotlib.colors import to_hex

from highlights.pipeline.ablation import AblationResult, AblationRow
from highlights.pipeline.ablation_chart import CULPRIT_COLOUR, ablation_figure
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.eval_timeline import eval_timeline_figure
from highlights.pipeline.evaluation import STORED_DIGITS, ToleranceScore, score_at
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.timeline import AFTER_END_LEGEND, AFTER_HALF_LEGEND, SHADE_LEGEND


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


WRONG = "wrong class: paired, labels aside, with an event of another class (within 2 s)"


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
    wrong = WRONG
    assert sorted(marks[right]) == [10.0]
    # false at the class level either way, the swing called at the pitch at 30 s is told apart
    # from the one at 65 s, near no event
    assert sorted(marks[wrong]) == [30.0] and sorted(marks[false]) == [65.0]
    ax = fig.axes[0]
    assert sorted((t.get_position()[0], t.get_text()) for t in ax.texts) == [
        (30.0, "classifier"), (50.0, "pose/kinematics"), (80.0, "candidates")]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["baseball", right, wrong, false, found, missed, SHADE_LEGEND]
    assert "1 of 4 events found, 1 of 3 highlights right" in ax.get_title()


def test_a_miss_shown_inside_another_highlight_says_so_beneath_it_and_in_the_legend():
    """Two shots 1.6 s apart in one highlight keyed at the first: the second is missed by the
    matching, and its mark says that the highlight shows it rather than naming a stage."""
    from highlights.pipeline.evaluation import attribute_misses
    from highlights.pipeline.trace import StageTrace

    events = [_event(0, "baseball_swing", 10.0), _event(1, "baseball_swing", 11.6)]
    highlights = [Highlight(8.0, 12.5, "baseball_swing", "baseball", 0.9, key_s=10.0)]
    misses = attribute_misses(highlights, SimpleNamespace(events=events), StageTrace(), PipelineConfig(), [],
                              tolerance_s=2.0)["misses"]
    fig = eval_timeline_figure(highlights, events, score_at(highlights, events, 2.0), misses=misses,
                               duration_s=30.0)
    assert [(t.get_position()[0], t.get_text()) for t in fig.axes[0].texts] == [
        (11.6, "shown inside another highlight")]
    shown = ("event missed, beneath it the stage that lost it, or that a highlight keyed at another moment "
             "shows it")
    assert _marks(fig)[shown] == [11.6] and shown in [t.get_text() for t in fig.legends[0].get_texts()]


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


def _row(name: str, kind: str, changes: dict, matched: int, events: int, highlights: int,
         class_matched: int | None = None) -> AblationRow:
    class_matched = matched if class_matched is None else class_matched
    score = ToleranceScore(2.0, events, highlights, matched, class_matched, {}, {})
    # the figures as `run_ablation` stores them, from the exact counts
    rates = (score.recall, score.precision, score.class_recall, score.class_precision)
    figures = [rate.rounded(STORED_DIGITS) for rate in rates]
    return AblationRow(name, kind, changes, *figures, score=score)


def test_the_ablation_chart_draws_each_rate_its_interval_and_count_from_the_json():
    """Recall, class recall and precision, each point, bar and count as `ablation.json` holds them:
    a change that costs class recall alone (an event still found, now named wrong) was drawn as
    harmless when the picture showed recall and precision only."""
    rows = [_row("baseline", "baseline", {}, 12, 20, 30),
            _row("only pose.video_mode=false", "alone", {"pose.video_mode": False}, 10, 20, 25),
            _row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, 13, 20, 40,
                 class_matched=9),
            _row("all changes", "all", {"pose.video_mode": False, "merge.nms_iou": 0.5}, 0, 20, 0)]
    result = AblationResult(PipelineConfig(), {"pose.video_mode": False, "merge.nms_iou": 0.5}, 2.0, rows,
                            culprits=["pose.video_mode"], class_culprits=["merge.nms_iou"])
    record = json.loads(json.dumps(result.to_dict()))  # as `ablation.json` holds it
    recall_ax, class_ax, precision_ax = ablation_figure(result).axes
    assert recall_ax.get_xlabel() == "share of the game's events found (any label)"
    assert class_ax.get_xlabel() == "share of the game's events found with their label"
    assert precision_ax.get_xlabel() == "share of the run's highlights right (any label)"
    # the table's order from the top, the baseline's name in bold
    ticks = sorted(recall_ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in ticks] == [r.name for r in rows]
    assert ticks[0].get_fontweight() == "bold" and ticks[1].get_fontweight() != "bold"
    # both culprits' names in orange: one costs recall, the other class recall
    orange = [to_hex(t.get_color()) == CULPRIT_COLOUR.lower() for t in ticks]
    assert orange == [False, True, True, False]
    counts = {("recall", "events"): "matched", ("class_recall", "events"): "class_matched",
              ("precision", "highlights"): "matched"}
    for ax, (key, total) in zip((recall_ax, class_ax, precision_ax), counts):
        drawn = {c.lines[0].get_gid(): c for c in ax.containers}
        assert len(drawn) == sum(row[key] is not None for row in record["rows"]) >= 3
        written = {t.get_gid(): t.get_text() for t in ax.texts}
        for row in record["rows"]:
            if row[key] is None:
                assert f"{key} {row['name']}" not in drawn
                continue
            container = drawn[f"{key} {row['name']}"]
            assert float(container.lines[0].get_xdata()[0]) == pytest.approx(row[key])
            segment = container.lines[2][0].get_segments()[0]  # the interval's bar
            assert sorted(float(x) for x in segment[:, 0]) == pytest.approx(row[f"{key}_interval"])
            count = f"{row[counts[key, total]]}/{row[total]}"
            assert written[f"count {key} {row['name']}"] == count
        baseline = [line for line in ax.lines if line.get_gid() == f"baseline {key}"]
        assert float(baseline[0].get_xdata()[0]) == pytest.approx(record["rows"][0][key])
        # the baseline's row shaded: a band around its y and no other's
        (band,) = [p for p in ax.patches if p.get_gid() == "baseline row"]
        low, high = band.get_y(), band.get_y() + band.get_height()
        top, second = (t.get_position()[1] for t in ticks[:2])
        assert low < top < high and not low < second < high
    assert "9/20" in [t.get_text() for t in class_ax.texts]
    assert [t.get_text() for t in precision_ax.texts if t.get_text().startswith("no ")] == ["no highlights"]


def _lane_labels(ax) -> list[str]:
    """An axis's lane labels, top first."""
    return [t.get_text() for t in sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])]


def test_each_lane_label_counts_its_marks_and_the_four_marks_differ_in_shape():
    score = score_at(HIGHLIGHTS, EVENTS, 2.0)
    fig = eval_timeline_figure(HIGHLIGHTS, EVENTS, score, misses=MISSES, duration_s=100.0)
    ax = fig.axes[0]
    assert _lane_labels(ax) == ["highlights\n1 right, 1 wrong class, 1 false", "events\n1 found, 3 missed"]
    handles = [h for h in fig.legends[0].legend_handles if hasattr(h, "get_marker")]
    assert len(handles) == 5
    # each meaning its own shape: a circle in the highlights' lane no longer reads as an event found
    assert len({h.get_marker() for h in handles}) == 5


def test_a_second_highlight_of_the_events_own_class_is_a_repeat_not_a_wrong_class():
    """Paired label-blind with a swing while another swing highlight is the class-level match: a
    repeat of the right label, so false, not 'wrong class'."""
    events = [_event(0, "baseball_swing", 10.0)]
    highlights = [Highlight(9.0, 11.0, "baseball_swing", "baseball", 0.9),
                  Highlight(10.0, 12.0, "baseball_swing", "baseball", 0.5)]
    score = ToleranceScore(2.0, 1, 2, 1, 1, {}, {}, pairs=((1, 0),), class_pairs=((0, 0),))
    marks = _marks(eval_timeline_figure(highlights, events, score, duration_s=60.0))
    assert marks["highlight right: paired with an event of its class"] == [10.0]
    assert marks["false highlight: paired with no event of its class"] == [11.0]
    assert WRONG not in marks


def test_a_highlight_of_another_class_beside_an_event_found_is_false_and_the_legend_says_paired():
    """A pitch highlight 0.5 s from a swing that a swing highlight found: within the tolerance of an
    event of another class, but the label-blind matching paired the swing highlight (the nearer),
    so the pitch is a repeat, drawn false; the wrong-class legend says it means paired, not near,
    or a reader counting the highlights near another class's event finds more than the tally."""
    events = [_event(0, "baseball_swing", 10.0)]
    highlights = [Highlight(9.0, 11.0, "baseball_swing", "baseball", 0.9, 10.0),
                  Highlight(9.5, 11.5, "baseball_pitch", "baseball", 0.5, 10.5),
                  Highlight(29.0, 31.0, "baseball_pitch", "baseball", 0.5, 30.0)]
    score = score_at(highlights, events + [_event(1, "baseball_swing", 30.5)], 2.0)
    fig = eval_timeline_figure(highlights, events + [_event(1, "baseball_swing", 30.5)], score, duration_s=60.0)
    marks = _marks(fig)
    assert marks["false highlight: paired with no event of its class"] == [10.5]
    assert marks[WRONG] == [30.0]
    assert WRONG in [t.get_text() for t in fig.legends[0].get_texts()]


def _hour_long_game():
    """An hour of play: an event every 5 minutes from 2:30, the first 10 found by a highlight at
    them and the last 2 missed, and 20 false highlights a minute apart from 0:10."""
    events = [_event(i, "baseball_swing", 150.0 + 300.0 * i) for i in range(12)]
    highlights = [Highlight(e.key_s - 1.0, e.key_s + 1.0, "baseball_swing", "baseball", 0.9, e.key_s)
                  for e in events[:10]]
    highlights += [Highlight(10.0 + 60.0 * i, 12.0 + 60.0 * i, "baseball_swing", "baseball", 0.4, 11.0 + 60.0 * i)
                   for i in range(20)]
    return highlights, events


def test_a_long_game_wraps_into_rows_of_ten_minutes_each_counting_its_own_marks():
    highlights, events = _hour_long_game()
    score = score_at(highlights, events, 2.0)
    fig = eval_timeline_figure(highlights, events, score, duration_s=3600.0)
    assert [ax.get_xlim() for ax in fig.axes] == [(600.0 * k, 600.0 * (k + 1)) for k in range(6)]
    # two events a row; the false highlights, a minute apart, fill the first two rows
    assert [_lane_labels(ax) for ax in fig.axes] == [
        ["highlights\n2 right, 10 false", "events\n2 found, 0 missed"],
        ["highlights\n2 right, 10 false", "events\n2 found, 0 missed"],
        ["highlights\n2 right, 0 false", "events\n2 found, 0 missed"],
        ["highlights\n2 right, 0 false", "events\n2 found, 0 missed"],
        ["highlights\n2 right, 0 false", "events\n2 found, 0 missed"],
        ["highlights\n0 right, 0 false", "events\n0 found, 2 missed"]]
    # every mark once, in the row its moment is in
    for k, ax in enumerate(fig.axes):
        for line in ax.lines:
            assert all(600.0 * k <= x < 600.0 * (k + 1) for x in line.get_xdata())
    marks = _marks(fig)
    assert sum(len(xs) for xs in marks.values()) == len(highlights) + len(events)
    assert "10 of 12 events found, 10 of 30 highlights right" in fig.axes[0].get_title()
    assert [bool(ax.get_title()) for ax in fig.axes] == [True] + [False] * 5


def test_a_common_mark_is_drawn_smaller_than_a_rare_one():
    """Hundreds of false highlights' crosses would bury the few right ones: in a row with many
    of one meaning, those marks shrink; a row's few keep their size."""
    events = [_event(0, "baseball_swing", 100.0)]
    highlights = [Highlight(99.0, 101.0, "baseball_swing", "baseball", 0.9, 100.0)]
    highlights += [Highlight(t, t + 2.0, "baseball_pitch", "baseball", 0.4, t + 1.0) for t in range(150, 550, 5)]
    fig = eval_timeline_figure(highlights, events, score_at(highlights, events, 2.0), duration_s=600.0)
    size = {line.get_gid(): line.get_markersize() for line in fig.axes[0].lines}
    assert size["false highlight: paired with no event of its class"] < size[
        "highlight right: paired with an event of its class"] == size[
        "event found: paired with a highlight of its class within 2 s"]


def test_a_highlight_across_two_rows_has_its_bar_in_both_and_its_mark_once():
    events = [_event(0, "baseball_swing", 601.0)]
    highlights = [Highlight(598.0, 604.0, "baseball_swing", "baseball", 0.9, 601.0)]
    fig = eval_timeline_figure(highlights, events, score_at(highlights, events, 2.0), duration_s=1200.0)
    first, second = fig.axes
    def bars(ax):
        return sorted((b.x0, b.x1) for b in (c.get_paths()[0].get_extents() for c in ax.collections))

    assert bars(first) == [(598.0, 604.0)]
    assert bars(second) == [(598.0, 604.0), (600.0, 602.0)]  # and the event's, at 600-602 s
    assert not first.lines and sorted(line.get_gid() for line in second.lines) == [
        "event found: paired with a highlight of its class within 2 s",
        "highlight right: paired with an event of its class"]


def test_rows_stay_few_on_a_very_long_game_and_equal_in_length():
    from highlights.pipeline.outputs.timeline import MAX_ROWS, row_spans

    assert row_spans(900.0) == [(0.0, 900.0)]  # a quarter of an hour is one row
    assert row_spans(901.0) == [(0.0, 600.0), (600.0, 1200.0)]
    three_hours = row_spans(3 * 3600.0)
    assert len(three_hours) == MAX_ROWS and {b - a for a, b in three_hours} == {900.0}
    assert three_hours[-1][1] == 3 * 3600.0


def test_the_detect_timeline_of_a_long_game_wraps_too_with_its_lanes_named_as_before():
    from highlights.pipeline.outputs.timeline import timeline_figure

    highlights, events = _hour_long_game()
    highlights = [h for h in highlights if h.end_s < 1500.0]
    events = [e for e in events if e.end_s < 1500.0]
    fig = timeline_figure(highlights, duration_s=1500.0, annotation=events)
    assert len(fig.axes) == 3
    assert [_lane_labels(ax) for ax in fig.axes] == [["predicted", "ground truth"]] * 3
    assert not any(ax.lines for ax in fig.axes)  # no marks on the detect page's timeline
    # the last row runs on past the game's end at the same scale, that part shaded
    assert fig.axes[-1].get_xlim() == (1200.0, 1800.0)
    after = [p for ax in fig.axes for p in ax.patches if p.get_gid() == "after the end"]
    assert [(p.get_x(), p.get_x() + p.get_width()) for p in after] == [(1500.0, 1800.0)]


def test_the_legend_lies_beneath_the_axes_in_the_figures_width_leaving_the_time_axis_its_width():
    score = score_at(HIGHLIGHTS, EVENTS, 2.0)
    fig = eval_timeline_figure(HIGHLIGHTS, EVENTS, score, misses=MISSES, duration_s=100.0)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    axes = fig.axes[0].get_window_extent(renderer)
    assert fig.get_size_inches()[0] == 12
    assert legend.y1 < axes.y0                           # beneath, not beside
    assert 0 <= legend.x0 and legend.x1 <= fig.bbox.width  # no line cut at the picture's edges
    assert axes.width > 0.75 * fig.bbox.width


def test_an_empty_lane_says_so_in_its_own_lane():
    """Scored against an annotation without events: the events lane was blank, beside a highlights
    lane that said it had none."""
    highlights = [Highlight(1.0, 2.0, "baseball_swing", "baseball", 0.9)]
    for shown, events, words in (([], [], {"highlights": "no highlights found", "events": "no events annotated"}),
                                 (highlights, [], {"events": "no events annotated"})):
        ax = eval_timeline_figure(shown, events, score_at(shown, events, 2.0), duration_s=5.0).axes[0]
        lanes = {t.get_text().split("\n")[0]: t.get_position()[1] for t in ax.get_yticklabels()}  # name, tally
        assert {t.get_text(): t.get_position()[1] for t in ax.texts} == {
            note: lanes[lane] for lane, note in words.items()}


def test_crowded_misses_print_no_word_over_another_and_count_those_left_out():
    """A miss every 5 s: a word a line lower every fortieth of the row printed the stages over each other."""
    from tests.picture_checks import texts_cover_each_other, texts_outside

    stages = ["candidates", "pose/kinematics", "classifier", "merge"]
    events = [_event(i, "baseball_swing", 10.0 + 5 * i) for i in range(100)]
    misses = [{"event_id": str(i), "stage": stages[i % 4]} for i in range(100)]
    fig = eval_timeline_figure([], events, score_at([], events, 2.0), misses=misses, duration_s=520.0)
    ax = fig.axes[0]
    assert texts_outside(fig) == []  # draws it
    words = [t for t in ax.texts if t.get_text() in stages]
    assert texts_cover_each_other(words, fig.canvas.get_renderer()) == []
    note = [t.get_text() for t in ax.texts if t.get_gid() == "words left out"]
    left_out = 100 - len(words)
    assert left_out > 0 and note == [f"words beneath {left_out} of this row's marks left out: too close to others"]
    # each word beneath its own miss
    assert all(t.get_text() == stages[round((t.get_position()[0] - 10.0) / 5) % 4] for t in words)


def test_the_ablation_charts_counts_lie_inside_their_panel_clear_of_the_baselines_line():
    """Every run at 0 of 1 (the tiny demo's): the counts straddled the panel's left edge and the
    baseline's dashed line at 0 ran through each of them."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rows = [_row("baseline", "baseline", {}, 0, 1, 0), _row("only merge.min_length_s=5", "alone", {"x": 5}, 0, 1, 0)]
    result = AblationResult(PipelineConfig(), {"x": 5}, 2.0, rows)
    fig = ablation_figure(result)
    recall_ax = fig.axes[0]
    (baseline,) = [line for line in recall_ax.lines if line.get_gid() == "baseline recall"]
    baseline.set_color("#ff0000")  # a colour nothing else in the picture has, to find its pixels
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    pixels = np.asarray(canvas.buffer_rgba())[::-1, :, :3].astype(int)  # rows from the bottom
    panel = recall_ax.get_window_extent(renderer)
    counts = [t for t in recall_ax.texts if t.get_text() == "0/1"]
    assert len(counts) == 2
    for count in counts:
        box = count.get_window_extent(renderer)
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1
        inside = pixels[int(box.y0):int(box.y1) + 1, int(box.x0):int(box.x1) + 1]
        assert ((inside[..., 0] > 150) & (inside[..., 1] < 100) & (inside[..., 2] < 100)).sum() == 0


def test_a_long_run_name_keeps_to_its_lines_leaving_both_panels_their_width_and_every_word_inside():
    """A change to a model's path named a row in one line of 80 characters: the panels were pressed
    into the right third and the last panel's title ran past the picture's right edge."""
    from tests.picture_checks import texts_cover_each_other, texts_outside

    path = "/home/coach/models/club_2026_autumn/run_with_more_data_from_the_spring_league/best.pt"
    rows = [_row("baseline", "baseline", {}, 12, 20, 30),
            _row(f"only classifier.checkpoint={path}", "alone", {"classifier.checkpoint": path}, 15, 20, 20),
            _row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, 13, 20, 40)]
    result = AblationResult(PipelineConfig(), {"classifier.checkpoint": path, "merge.nms_iou": 0.5}, 2.0, rows)
    fig = ablation_figure(result)
    assert texts_outside(fig) == []  # draws the figure
    renderer = fig.canvas.get_renderer()
    width = fig.canvas.get_width_height()[0]
    recall_ax = fig.axes[0]
    for ax in fig.axes:  # three panels, each over a fifth of the picture
        assert ax.get_window_extent(renderer).width >= 0.2 * width
    names = recall_ax.get_yticklabels()
    assert sorted(t.get_text().replace("\n", "") for t in names) == sorted(r.name for r in rows)
    assert texts_cover_each_other(names, renderer) == []


def test_a_change_that_costs_recall_is_told_by_its_marks_shape_as_well_as_its_colour():
    """In orange alone, a culprit's row read like every other in a greyscale print."""
    rows = [_row("baseline", "baseline", {}, 12, 20, 30),
            _row("only pose.video_mode=false", "alone", {"pose.video_mode": False}, 10, 20, 25),
            _row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, 13, 20, 40)]
    result = AblationResult(PipelineConfig(), {"pose.video_mode": False, "merge.nms_iou": 0.5}, 2.0, rows,
                            culprits=["pose.video_mode"])
    fig = ablation_figure(result)
    for ax, what in zip(fig.axes, ("recall", "class_recall", "precision")):
        shapes = {c.lines[0].get_gid(): c.lines[0].get_marker() for c in ax.containers}
        culprit = shapes.pop(f"{what} only pose.video_mode=false")
        assert set(shapes.values())
        # it costs recall, not class recall: a square in the recall and precision panels only
        assert (culprit in set(shapes.values())) == (what == "class_recall")
    assert "square" in fig.get_suptitle()


def test_the_grey_past_a_long_halfs_end_is_named_as_the_halfs_end():
    """Halves of 25 minutes run in rows to 30:00: the grey past each is after its half, not after the video."""
    events = [_event(0, "Goal", 1500.0, 1), _event(1, "Goal", 1500.0, 2)]
    highlights = [Highlight(1499.0, 1501.0, "Goal", "soccer", 0.9)] * 2
    fig = eval_timeline_figure(highlights, events, score_at(highlights, events, 2.0), highlight_halves=[1, 2])
    assert [p.get_gid() for ax in fig.axes for p in ax.patches].count("after the end") == 2
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert AFTER_HALF_LEGEND in legend and AFTER_END_LEGEND not in legend


def test_a_missed_events_mark_reads_in_grey_on_every_sports_bar():
    """A missed event's vermillion triangle was 1.7:1 on basketball's orange and 1.3:1 on
    baseball's blue: in a grey print the mark was a speck of its bar."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from highlights.contrast import contrast_ratio, relative_luminance
    from highlights.pipeline.outputs.sport_colors import _FALLBACK, _MORE, SPORT_COLORS
    from highlights.pipeline.outputs.timeline import MARK_EDGE, MARK_HALO

    def grey(colour) -> tuple[float, float, float]:
        level = relative_luminance(colour) ** (1 / 2.2)  # the grey of the same luminance
        return level, level, level

    events = [SimpleNamespace(id=str(i), label=f"{sport}_action", sport=sport, start_s=20.0 * i + 8,
                              end_s=20.0 * i + 12, key_s=20.0 * i + 10, half=None)
              for i, sport in enumerate(SPORT_COLORS)]
    fig = eval_timeline_figure([], events, score_at([], events, 2.0), duration_s=70.0)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[:, :, :3] / 255
    ax = fig.axes[0]
    (missed,) = [line for line in ax.lines if line.get_gid() == "event missed"]
    for (x, y), event in zip(ax.transData.transform(missed.get_xydata()), events):
        centre = pixels[int(round(pixels.shape[0] - y)), int(round(x))]
        assert contrast_ratio(grey(centre), grey(SPORT_COLORS[event.sport])) >= 3, event.sport
    # on a club's sport's colour too: the mark's black edge or its white rim stands out from the bar
    for colour in [*_FALLBACK, *_MORE]:
        assert max(contrast_ratio(grey(MARK_EDGE), grey(colour)), contrast_ratio(grey(MARK_HALO), grey(colour))) >= 4.5


def test_each_lane_counts_both_of_its_sides_when_the_picture_has_marks_of_one():
    """With every event missed the events' lane read "1 missed", no word of found; a reader
    comparing lanes and pictures should find the same counts in each."""
    events = EVENTS[:1]
    far = [Highlight(60.0, 62.0, "baseball_swing", "baseball", 0.5)]
    fig = eval_timeline_figure(far, events, score_at(far, events, 2.0), duration_s=100.0)
    assert _lane_labels(fig.axes[0]) == ["highlights\n0 right, 1 false", "events\n0 found, 1 missed"]
    # one found and nothing false: the false highlights are counted, none
    near = [Highlight(9.0, 11.0, "baseball_swing", "baseball", 0.9)]
    fig = eval_timeline_figure(near, events, score_at(near, events, 2.0), duration_s=100.0)
    assert _lane_labels(fig.axes[0]) == ["highlights\n1 right, 0 false", "events\n1 found, 0 missed"]
