"""`pipeline ablate` gives each run's recall per sport: a change that gains recall overall can owe
it to one sport and cost another, which the overall rate hides."""

from __future__ import annotations

from types import SimpleNamespace

from highlights.pipeline.ablation import AblationResult, AblationRow, render_markdown, sport_table
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.evaluation import score_at
from highlights.pipeline.highlight import Highlight
from tests.wilson_reference import wilson


def _event(i: int, sport: str, key: float) -> SimpleNamespace:
    label = {"baseball": "baseball_swing", "basketball": "basketball_layup"}[sport]
    return SimpleNamespace(id=f"e{i}", sport=sport, label=label, start_s=key - 0.5, end_s=key + 0.5, key_s=key)


def _hl(key: float, label: str) -> Highlight:
    return Highlight(start_s=key - 1.0, end_s=key + 1.0, label=label, score=0.9, sport=label.split("_")[0],
                     key_s=key)


EVENTS = [_event(0, "baseball", 10.0), _event(1, "baseball", 20.0), _event(2, "basketball", 30.0),
          _event(3, "basketball", 40.0), _event(4, "basketball", 50.0)]


def _result() -> AblationResult:
    # Baseline: both baseball events, one of three basketball ones (3/5). The change: no baseball
    # event, all three basketball ones (3/5 too): the same recall, made of other events.
    base = score_at([_hl(10.0, "baseball_swing"), _hl(20.0, "baseball_swing"), _hl(30.0, "basketball_layup")],
                    EVENTS, 2.0)
    changed = score_at([_hl(k, "basketball_layup") for k in (30.0, 40.0, 50.0)], EVENTS, 2.0)

    def row(name, kind, changes, score):
        return AblationRow(name, kind, changes, None, None, None, None, score=score)

    change = {"pose.video_mode": False}
    return AblationResult(PipelineConfig(), change, 2.0,
                          rows=[row("baseline", "baseline", {}, base),
                                row("only pose.video_mode=false", "alone", change, changed),
                                row("all changes", "all", change, changed)])


def test_each_runs_recall_is_given_per_sport_with_its_counts_and_interval():
    header, rows = sport_table(_result())
    assert header == ["run", "baseball (2 events)", "basketball (3 events)"]
    lo, hi = wilson(2, 2)
    assert rows[0][:2] == ["baseline", f"1.000 [{lo:.3f}, {hi:.3f}] (2/2)"]
    lo, hi = wilson(1, 3)
    assert rows[0][2] == f"0.333 [{lo:.3f}, {hi:.3f}] (1/3)"
    lo, hi = wilson(0, 2)
    assert rows[1][1] == f"0.000 [{lo:.3f}, {hi:.3f}] (0/2)"
    assert rows[1][2].endswith("(3/3)")


def test_the_markdown_and_json_hold_the_recall_per_sport():
    result = _result()
    text = render_markdown(result)
    assert "Recall per sport" in text and "| run | baseball (2 events) | basketball (3 events) |" in text
    assert "(0/2)" in text and "(3/3)" in text
    stored = result.to_dict()["rows"]
    assert stored[0]["per_sport"]["baseball"]["matched"] == 2
    assert stored[1]["per_sport"]["baseball"]["matched"] == 0
    assert stored[1]["per_sport"]["basketball"]["recall"] == 1.0


def test_a_game_of_one_sport_has_no_table_per_sport():
    events = EVENTS[:2]
    score = score_at([_hl(10.0, "baseball_swing")], events, 2.0)
    result = AblationResult(PipelineConfig(), {"pose.video_mode": False}, 2.0,
                            rows=[AblationRow("baseline", "baseline", {}, None, None, None, None, score=score),
                                  AblationRow("all changes", "all", {"pose.video_mode": False}, None, None, None,
                                              None, score=score)])
    assert sport_table(result) is None
    assert "Recall per sport" not in render_markdown(result)
