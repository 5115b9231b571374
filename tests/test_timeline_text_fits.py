"""The timelines' words inside their picture: a title with a long file name, and the counts after
it, on as many lines as the name takes; a legend of many long-named sports in as many columns as fit."""

from __future__ import annotations

import re
from types import SimpleNamespace

from highlights.pipeline.eval_timeline import eval_timeline_figure
from highlights.pipeline.evaluation import score_at
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.timeline import SHADE_LEGEND, timeline_figure
from tests.picture_checks import texts_outside

LONG_NAME = "partie_été_Müller_" + "x" * 150 + ".mp4"
HIGHLIGHTS = [Highlight(0.5, 1.5, "baseball_swing", "baseball", 0.9),
              Highlight(2.0, 3.5, "soccer_shooting", "soccer", 0.5)]


def _unwrapped(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_a_games_timeline_titled_with_a_long_file_name_keeps_it_and_its_count_inside_the_picture():
    fig = timeline_figure(HIGHLIGHTS, duration_s=5.0, title=f"Highlights of {LONG_NAME}")
    assert texts_outside(fig) == []
    assert _unwrapped(fig.axes[0].get_title()) == _unwrapped(f"Highlights of {LONG_NAME} (2 predicted)")


def test_an_evaluations_timeline_titled_with_a_long_file_name_keeps_it_and_its_figures_inside_the_picture():
    events = [SimpleNamespace(id="0", label="baseball_swing", sport="baseball", start_s=0.5, end_s=1.5, key_s=1.0,
                              half=None)]
    fig = eval_timeline_figure(HIGHLIGHTS, events, score_at(HIGHLIGHTS, events, 2.0), duration_s=5.0,
                               title=f"Evaluation of {LONG_NAME}")
    assert texts_outside(fig) == []
    title = fig.axes[0].get_title()
    assert _unwrapped(title).startswith(_unwrapped(f"Evaluation of {LONG_NAME}"))
    assert title.endswith("\n1 of 1 event found, 1 of 2 highlights right (class level, one-to-one within 2 s)")


def test_a_timeline_of_two_halves_keeps_its_long_title_inside_the_picture():
    events = [SimpleNamespace(id=str(h), label="Goal", sport="soccer", start_s=99.0, end_s=101.0, key_s=100.0, half=h)
              for h in (1, 2)]
    goals = [Highlight(99.0, 101.0, "Goal", "soccer", 0.9)] * 2
    fig = eval_timeline_figure(goals, events, score_at(goals, events, 2.0), highlight_halves=[1, 2],
                               title=f"Evaluation of {LONG_NAME}")
    assert texts_outside(fig) == []
    assert _unwrapped(fig.get_suptitle()).startswith(_unwrapped(f"Evaluation of {LONG_NAME}"))


def test_a_timeline_of_twelve_sports_with_long_names_shows_every_one_in_its_legend_inside_the_picture():
    """Six columns of 40-character names ran past both edges: four of the sports were out of the picture."""
    sports = [f"sport_number_{i:02d}_with_a_rather_long_name" for i in range(12)]
    highlights = [Highlight(5 + 7 * i, 9 + 7 * i, f"{s}_action", s, 0.9) for i, s in enumerate(sports)]
    fig = timeline_figure(highlights, duration_s=90.0)
    assert texts_outside(fig) == []
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [*sports, SHADE_LEGEND]


def test_an_evaluations_legend_of_every_mark_lies_inside_the_picture():
    events = [SimpleNamespace(id=str(i), label=label, sport="baseball", start_s=k - 1, end_s=k + 1, key_s=k, half=None)
              for i, (label, k) in enumerate([("baseball_swing", 10.0), ("baseball_pitch", 30.0),
                                              ("baseball_swing", 50.0)])]
    highlights = [Highlight(9.0, 11.0, "baseball_swing", "baseball", 0.9),
                  Highlight(29.0, 31.0, "baseball_swing", "baseball", 0.6),
                  Highlight(64.0, 66.0, "baseball_swing", "baseball", 0.3)]
    fig = eval_timeline_figure(highlights, events, score_at(highlights, events, 2.0),
                               misses=[{"event_id": "1", "stage": "classifier"},
                                       {"event_id": "2", "stage": "candidates"}],
                               duration_s=100.0)
    assert len(fig.legends[0].get_texts()) == 7  # the sport, the five marks and the bars' shade
    assert texts_outside(fig) == []
