"""The shown recall's parts (`pipeline.evaluation`): which highlight shows a moment, and what a
score of them stores and prints, on highlights and events placed by hand."""

from __future__ import annotations

from types import SimpleNamespace

from highlights.pipeline.evaluation import shown_by, shown_in_reel
from highlights.pipeline.highlight import Highlight


def _highlight(start_s: float, end_s: float, key_s: float) -> Highlight:
    return Highlight(start_s=start_s, end_s=end_s, label="soccer_shooting", sport="soccer", score=0.9, key_s=key_s)


def _events(*keys: float) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=f"e{i}", sport="soccer", label="soccer_shooting", key_s=k) for i, k in enumerate(keys)]


def test_a_moment_on_either_end_of_a_span_is_shown_and_one_just_outside_is_not():
    h = _highlight(8.0, 12.0, 10.0)
    assert shown_by(8.0, [h], 12.0) is h and shown_by(12.0, [h], 12.0) is h
    assert shown_by(7.99, [h], 12.0) is None and shown_by(12.01, [h], 12.0) is None


def test_of_the_highlights_holding_a_moment_the_one_keyed_nearest_shows_it():
    early, late = _highlight(5.0, 12.0, 6.0), _highlight(8.0, 14.0, 13.0)
    for order in ([early, late], [late, early]):
        assert shown_by(9.0, order, 12.0) is early
        assert shown_by(11.0, order, 12.0) is late


def test_a_shown_score_stores_and_says_its_longest_highlight_and_its_tolerance_each_as_itself():
    h = _highlight(8.0, 12.5, 10.0)
    shown = shown_in_reel([h], _events(10.0, 11.6, 30.0), 12.0, {0}, 2.0)
    stored = shown.to_dict()
    assert (stored["max_length_s"], stored["tolerance_s"]) == (12.0, 2.0)
    assert (stored["events"], stored["shown"], stored["shown_not_matched"]) == (3, 2, 1)
    line = shown.summary()
    assert "a highlight no longer than 12 s (merge.max_length_s)" in line
    assert "1 of them matched to no highlight within 2 s (shown inside another highlight)" in line
