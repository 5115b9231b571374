"""YouTube chapter lines by hand, at the edges of YouTube's 10 s shortest chapter."""

from __future__ import annotations

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import format_chapters


def _lines(starts, duration_s=None):
    return format_chapters([Highlight(s, s + 2.0, label, "soccer", 0.5) for s, label in starts],
                           duration_s).splitlines()


def test_times_are_rounded_down_so_a_chapter_never_begins_after_its_action():
    assert _lines([(9.9, "goal"), (75.9, "save")]) == ["00:00:00 goal", "00:01:15 save"]


def test_a_first_highlight_exactly_ten_seconds_in_gets_a_start_chapter_before_it():
    assert _lines([(10.0, "goal")]) == ["00:00:00 start", "00:00:10 goal"]


def test_a_highlight_exactly_ten_seconds_after_a_chapter_opens_its_own():
    assert _lines([(0.5, "goal"), (10.2, "save")]) == ["00:00:00 goal", "00:00:10 save"]
    assert _lines([(0.5, "goal"), (9.8, "save")]) == ["00:00:00 goal, save"]


def test_a_last_chapter_exactly_ten_seconds_before_the_end_stays_and_one_closer_joins_the_one_before():
    assert _lines([(0.5, "goal"), (20.0, "save")], duration_s=30.0) == ["00:00:00 goal", "00:00:20 save"]
    assert _lines([(0.5, "goal"), (20.0, "goal")], duration_s=29.0) == ["00:00:00 goal"]   # its label once
    assert _lines([(0.5, "goal")], duration_s=5.0) == ["00:00:00 goal"]                     # the only one stays
