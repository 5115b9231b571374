"""Every rate `pipeline evaluate`, `score` and `ablate` print or store comes with its 95% interval
and the counts it is made of; the intervals are recomputed here from Wilson's formula."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.spotting import Spot, write_results_spotting
from highlights.pipeline.ablation import AblationResult, AblationRow, render_markdown, table_rows
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.evaluation import Rate, attribute_misses, score_at
from highlights.pipeline.highlight import Highlight
from tests.wilson_reference import wilson


@pytest.mark.parametrize("k,n", [(13, 15), (0, 5), (5, 5), (28, 254), (1, 1)])
def test_rate_interval_is_wilsons(k, n):
    lo, hi = Rate(k, n).interval
    assert (lo, hi) == pytest.approx(wilson(k, n), abs=1e-9)
    # all found is not read as certain, nothing found is not read as impossible
    assert hi > k / n or k == n
    assert lo < k / n or k == 0
    assert Rate(k, 0).interval is None and Rate(0, 0).reported() == "- (0/0)"


def test_reported_text_rounds_the_figure_and_its_interval():
    lo, hi = wilson(13, 15)
    assert Rate(13, 15).reported() == f"0.867 [{lo:.3f}, {hi:.3f}] (13/15)"


def _match() -> GameAnnotation:
    e = lambda i, label, t: Event(str(i), "soccer", label, t - 1, t + 1, t, half=1)  # noqa: E731
    return GameAnnotation("match", None, None, None, None, "soccer",
                          [e(0, "Goal", 100.0), e(1, "Goal", 300.0), e(2, "Foul", 500.0), e(3, "Foul", 700.0),
                           e(4, "Corner", 900.0)])


def test_score_stores_and_prints_every_rate_with_its_interval(cli, tmp_path):
    ann = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    spots = [Spot("Goal", 100.5, 0.9, 1), Spot("Foul", 300.0, 0.8, 1),   # found; found but wrong class
             Spot("Foul", 500.2, 0.7, 1), Spot("Goal", 1000.0, 0.9, 1)]  # found; a false highlight
    pred = write_results_spotting(spots, tmp_path / "results_spotting.json", game="match")
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", ann, "--out", tmp_path / "s",
              "--tolerance", "2")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "s" / "pipeline_eval.json").read_text())
    assert "Wilson" in report["intervals"]["method"] and report["intervals"]["confidence"] == 0.95
    at2 = report["by_tolerance"][0]
    counts = {"recall": (3, 5), "precision": (3, 4), "class_recall": (2, 5), "class_precision": (2, 4)}
    for name, (k, n) in counts.items():
        assert at2[name] == round(k / n, 4)
        assert at2[f"{name}_interval"] == pytest.approx(wilson(k, n), abs=1e-4), name
    soccer = at2["per_sport"]["soccer"]
    assert (soccer["matched"], soccer["events"]) == (3, 5)
    assert soccer["class_recall_interval"] == pytest.approx(wilson(2, 5), abs=1e-4)
    corner = at2["per_class"]["Corner"]
    assert (corner["matched"], corner["events"], corner["recall_interval"]) == (0, 1, pytest.approx(wilson(0, 1),
                                                                                                    abs=1e-4))
    # per class as per sport: recall finds the event with any label, class recall with its own;
    # the Goal at 300 s was found by a Foul spot
    goal = at2["per_class"]["Goal"]
    assert (goal["events"], goal["matched"], goal["class_matched"]) == (2, 2, 1)
    assert (goal["recall"], goal["class_recall"]) == (1.0, 0.5)
    assert goal["class_recall_interval"] == pytest.approx(wilson(1, 2), abs=1e-4)
    text = " ".join(res.output.split())
    md = (tmp_path / "s" / "pipeline_eval.md").read_text()
    for k, n in counts.values():
        lo, hi = wilson(k, n)
        shown = f"{k / n:.3f} [{lo:.3f}, {hi:.3f}] ({k}/{n})"
        assert shown in md, shown
    # the terminal table may fold a cell over lines; its interval and counts are there
    lo, hi = wilson(3, 5)
    assert f"[{lo:.3f}," in text and "(3/5)" in text and "Wilson" in text


def _hl(key: float, label: str) -> Highlight:
    return Highlight(start_s=key - 1, end_s=key + 1, label=label, sport="baseball", score=0.9, key_s=key)


def _events(*keys: float):
    return [SimpleNamespace(id=f"e{i}", sport="baseball", label="baseball_swing", start_s=k - 0.5,
                            end_s=k + 0.5, key_s=k) for i, k in enumerate(keys)]


def test_ablation_rows_carry_intervals_and_counts():
    events = _events(10.0, 20.0, 30.0, 40.0)
    base = score_at([_hl(10.0, "baseball_swing"), _hl(20.5, "baseball_swing"), _hl(70.0, "baseball_swing")],
                    events, 2.0)
    alone = score_at([_hl(10.0, "baseball_swing")], events, 2.0)

    def row(name, kind, changes, score):
        return AblationRow(name, kind, changes, None, None, None, None, score=score)

    result = AblationResult(PipelineConfig(), {"merge.nms_iou": 0.5}, 2.0,
                            rows=[row("baseline", "baseline", {}, base),
                                  row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, alone),
                                  row("all changes", "all", {"merge.nms_iou": 0.5}, alone)])
    printed = table_rows(result)
    lo, hi = wilson(2, 4)
    assert printed[0][1] == f"0.500 [{lo:.3f}, {hi:.3f}] (2/4)"
    lo, hi = wilson(2, 3)
    assert printed[0][2] == f"0.667 [{lo:.3f}, {hi:.3f}] (2/3)"
    stored = result.to_dict()
    assert stored["rows"][1]["recall_interval"] == pytest.approx(wilson(1, 4), abs=1e-4)
    assert (stored["rows"][1]["matched"], stored["rows"][1]["events"]) == (1, 4)
    assert "Wilson" in stored["intervals"]["method"] and "Wilson" in render_markdown(result)


def test_attribution_shares_carry_intervals():
    events = _events(10.0, 20.0, 30.0)
    trace = SimpleNamespace(windows=[], triggers=[], classifications=[], classifier_gate=None, unanalysed_s=[],
                            frames_between=lambda a, b: {})
    att = attribute_misses([], SimpleNamespace(events=events), trace, PipelineConfig(), [])
    row = att["by_stage"]["candidates"]
    assert (row["count"], att["missed"]) == (3, 3)
    assert row["share_interval"] == pytest.approx(wilson(3, 3), abs=1e-4)
    assert att["by_stage"]["detection"]["share_interval"] == pytest.approx(wilson(0, 3), abs=1e-4)


def test_one_event_missed_of_one_is_one_event_not_one_events():
    from highlights.pipeline.eval_report import _misses_markdown, misses_counted

    trace = SimpleNamespace(windows=[], triggers=[], classifications=[], classifier_gate=None, unanalysed_s=[],
                            frames_between=lambda a, b: {})
    att = attribute_misses([], SimpleNamespace(events=_events(10.0)), trace, PipelineConfig(), [])
    assert misses_counted(att) == "1 of 1 event missed"  # the terminal's table title says it too
    assert "## Where the misses were lost (1 of 1 event missed, tolerance 2 s, class level)" in _misses_markdown(att)


def test_the_evaluation_markdown_gives_each_stages_share_of_the_misses_and_the_shown_events_not_matched():
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown as render_evaluation
    from highlights.pipeline.evaluation import ShownScore, evaluate_highlights

    events = _events(10.0, 20.0, 30.0)
    from highlights.pipeline.trace import StageTrace

    found = [Highlight(start_s=9.0, end_s=11.0, label="baseball_swing", sport="baseball", score=0.9, key_s=10.0)]
    trace = StageTrace()  # no candidate window: every miss is the candidates'
    annotation = SimpleNamespace(events=events)
    att = attribute_misses(found, annotation, trace, PipelineConfig(), [])
    shown = ShownScore(12.0, 2.0, 3, frozenset({0, 1, 2}), 1)
    md = render_evaluation(PipelineEvaluation(scores=evaluate_highlights(found, annotation), attribution=att,
                                              shown=shown))
    lo, hi = wilson(2, 2)
    assert "## Where the misses were lost (2 of 3 events missed" in md
    assert f"| candidates | 2 | 1.000 [{lo:.3f}, {hi:.3f}] |" in md  # 2 of the 2 misses, not of the 3 events
    assert "(a longer one counts for none). 1 of them was matched to no highlight within 2 s" in md


def test_the_evaluation_markdown_gives_each_score_bins_share_right_of_its_own_highlights():
    from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown as render_evaluation
    from highlights.pipeline.evaluation import evaluate_highlights
    from highlights.pipeline.ranking import reliability

    rel = {**reliability([0.9, 0.85, 0.3, 0.95], [True, False, True, True]), "tolerance_s": 2.0}
    from highlights.pipeline.trace import StageTrace

    annotation = SimpleNamespace(events=_events(10.0))
    att = attribute_misses([], annotation, StageTrace(), PipelineConfig(), [])
    md = render_evaluation(PipelineEvaluation(scores=evaluate_highlights([], annotation), attribution=att,
                                              about={"score_reliability": rel}))
    lo, hi = wilson(2, 3)
    assert f"| 0.8-1.0 | 3 | 0.900 | 0.67 [{lo:.2f}, {hi:.2f}] (2/3) |" in md


def test_ablation_changes_of_recall_name_the_events_gained_and_lost():
    """Two runs with the same recall can find different events: the change says which moved."""
    from highlights.pipeline.ablation import _moved

    events = _events(10.0, 20.0, 30.0, 40.0)
    base = score_at([_hl(10.0, "baseball_swing"), _hl(20.0, "baseball_swing")], events, 2.0)
    swapped = score_at([_hl(30.0, "baseball_swing"), _hl(40.0, "baseball_swing"), _hl(10.0, "baseball_swing")],
                       events, 2.0)

    def row(name, kind, changes, score):
        return AblationRow(name, kind, changes, None, None, None, None, score=score)

    result = AblationResult(PipelineConfig(), {"merge.nms_iou": 0.5}, 2.0,
                            rows=[row("baseline", "baseline", {}, base),
                                  row("only merge.nms_iou=0.5", "alone", {"merge.nms_iou": 0.5}, swapped),
                                  row("all changes", "all", {"merge.nms_iou": 0.5}, swapped)])
    printed = table_rows(result)
    # recall 2/4 -> 3/4: events 30 and 40 gained, 20 lost; 10 found by both, none by neither
    lo, hi = _paired_reference(1, 2, 1, 0)
    assert printed[1][4] == f"+0.250 [{lo:.3f}, {hi:.3f}] (+2 / -1 events)"
    # the baseline against itself has no change to measure, so no interval around a 0 it cannot miss
    assert printed[0][4] == "-"
    assert _moved(result.rows[1], result.rows[0]) == {"gained": 2, "lost": 1}


def _paired_reference(both: int, first: int, second: int, neither: int) -> tuple[float, float]:
    """Newcombe's (1998) method 10 for a difference of paired rates, written out from the paper
    with the independent Wilson reference."""
    import math

    n = both + first + second + neither
    p1, p2 = (both + first) / n, (both + second) / n
    (l1, u1), (l2, u2) = wilson(both + first, n), wilson(both + second, n)
    denominator = math.sqrt((both + first) * (second + neither) * (both + second) * (first + neither))
    b = both * neither - first * second
    phi = 0.0 if denominator == 0 else (b - n / 2 if b > n / 2 else min(b, 0)) / denominator
    return (p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2),
            p1 - p2 + math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))


@pytest.mark.parametrize("table", [(59, 6, 16, 80), (1, 2, 1, 0), (2, 0, 0, 2), (12, 0, 3, 0), (0, 0, 0, 5)])
def test_paired_change_interval_is_newcombes(table):
    from highlights.rate_interval import paired_difference_interval

    assert paired_difference_interval(*table) == pytest.approx(_paired_reference(*table), abs=1e-9)


def test_paired_change_interval_matches_the_published_example():
    """Fagerland, Lydersen and Laake's worked paired table (59, 6 / 16, 80): Newcombe's
    square-and-add interval of the difference is -0.0621 (-0.1186 to -0.0046)."""
    from highlights.rate_interval import paired_difference_interval

    lo, hi = paired_difference_interval(59, 6, 16, 80)
    assert (round(lo, 4), round(hi, 4)) == (-0.1186, -0.0046)
    assert paired_difference_interval(0, 0, 0, 0) is None


def test_paired_change_interval_treats_a_weak_positive_association_as_none():
    """Newcombe's correction on phi: an ad - bc of 0 up to n/2 counts as no association, so the
    interval is the unpaired square-and-add of the two Wilson intervals. Fagerland, Lydersen and
    Laake's other worked paired table (1, 1 / 7, 12: ad - bc = 5, n/2 = 10.5), (1, 2 / 0, 2) with
    ad - bc = 2 just under n/2 = 2.5, and (2, 1 / 1, 2), whose ad - bc is exactly n/2."""
    import math

    from highlights.rate_interval import paired_difference_interval

    for table in [(1, 1, 7, 12), (1, 2, 0, 2), (2, 1, 1, 2)]:
        both, first, second, neither = table
        n = sum(table)
        p1, p2 = (both + first) / n, (both + second) / n
        (l1, u1), (l2, u2) = wilson(both + first, n), wilson(both + second, n)
        unpaired = (p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(p2 - l2, u1 - p1))
        assert paired_difference_interval(*table) == pytest.approx(unpaired, abs=1e-9), table
    lo, hi = paired_difference_interval(1, 1, 7, 12)
    assert (round(lo, 4), round(hi, 4)) == (-0.5069, -0.0256)


@pytest.mark.parametrize("table", [(0, 1, 1, 0), (0, 3, 2, 0)])
def test_paired_change_interval_of_runs_that_never_agree_spans_both_intervals(table):
    """Two runs that never hit the same trial (phi = -1): the change's interval runs from the
    first's low end minus the second's high end to the first's high end minus the second's low."""
    from highlights.rate_interval import paired_difference_interval

    _, first, second, _ = table
    n = first + second
    (l1, u1), (l2, u2) = wilson(first, n), wilson(second, n)
    assert paired_difference_interval(*table) == pytest.approx((l1 - u2, u1 - l2), abs=1e-9)


def test_paired_change_interval_of_one_trial():
    """One trial is enough for an interval: both runs hit it, so the change is 0 within the
    Wilson interval of 1/1 either way."""
    from highlights.rate_interval import paired_difference_interval

    low_of_one = wilson(1, 1)[0]
    assert paired_difference_interval(1, 0, 0, 0) == pytest.approx((low_of_one - 1, 1 - low_of_one), abs=1e-9)


def test_average_map_says_why_it_has_no_interval_and_shows_its_events(cli, tmp_path):
    from highlights.pipeline.spotting import WHY_NO_INTERVAL

    ann = save_annotation(_match(), tmp_path / "Labels-v2.json", fmt="soccernet")
    pred = write_results_spotting([Spot("Goal", 100.5, 0.9, 1), Spot("Foul", 500.2, 0.7, 1)],
                                  tmp_path / "results_spotting.json", game="match")
    res = cli("pipeline", "score", "--predictions", pred, "--annotations", ann, "--out", tmp_path / "s")
    assert res.exit_code == 0, res.output
    amap = json.loads((tmp_path / "s" / "pipeline_eval.json").read_text())["average_map"]
    assert amap["interval"] is None and amap["why_no_interval"] == WHY_NO_INTERVAL
    assert "Average-mAP is given without an interval" in (tmp_path / "s" / "pipeline_eval.md").read_text()
    text = " ".join(res.output.split())
    assert "Average-mAP is given without an interval" in text
    # the terminal table has its n: the events of each class (Corner 1, Foul 2, Goal 2)
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in res.output.splitlines() if "│" in line]
    assert ["events", "", "1", "2", "2"] in rows, res.output
