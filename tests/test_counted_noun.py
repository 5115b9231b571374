"""Counts read in the right number where the terminal and the batch index say them."""

from __future__ import annotations

from highlights.batch.index import render_html, summarise
from highlights.counted_noun import counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "highlight") == "1 highlight"
    assert counted(0, "highlight") == "0 highlights"
    assert counted(2, "game") == "2 games"
    assert counted(3, "match", "matches") == "3 matches"


def test_the_batch_index_of_one_game_with_one_highlight_says_both_in_the_singular():
    record = {"game_id": "match", "status": "done", "highlights": 1, "duration_s": 60.0,
              "by_label": {"soccer_shooting": 1}}
    page = render_html([record], summarise([record], wall_s=10.0), {"engine": "local", "workers": 1})
    assert "<h1>Highlights of 1 game</h1>" in page
    assert "<span>1 highlight</span>" in page
    two = dict(record, game_id="other", highlights=2)
    page = render_html([record, two], summarise([record, two], wall_s=10.0), {"engine": "local", "workers": 1})
    assert "<h1>Highlights of 2 games</h1>" in page and "<span>3 highlights</span>" in page
