"""Ground-truth events as the timelines draw them, the timeline's right edge and the rows of
overlapping bars, by hand."""

from __future__ import annotations

from itertools import permutations
from types import SimpleNamespace

import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.segments import Segment, ground_truth_segments, stacked_rows, timeline_end


def test_events_as_objects_or_dicts_come_back_in_time_order_with_their_fields():
    annotation = SimpleNamespace(events=[
        {"start_s": 5, "end_s": 9, "label": "goal", "sport": "soccer", "key_s": "7"},
        SimpleNamespace(start_s=5.0, end_s=7.0, label=None, sport=None, key_s=None),
        {"start_s": 1.5, "end_s": 2, "label": "save", "sport": "soccer"},
    ])
    assert ground_truth_segments(annotation) == [
        Segment(1.5, 2.0, "save", "soccer", None), Segment(5.0, 7.0, "", "", None),
        Segment(5.0, 9.0, "goal", "soccer", 7.0)]
    assert ground_truth_segments(None) == []
    with pytest.raises(ValueError, match="without start_s/end_s"):
        ground_truth_segments([{"start_s": 1.0, "label": "goal"}])


def test_the_timeline_ends_at_the_video_or_the_last_bar_and_never_at_nothing():
    assert timeline_end(60.0, [Highlight(50.0, 70.0, "goal", "soccer", 0.5)], [Segment(1.0, 2.0, "a", "b")]) == 70.0
    assert timeline_end(None, [], []) == 1.0
    assert timeline_end(0.0, [], []) == 1.0
    assert timeline_end(-5.0, [], []) == 1.0


def test_the_rows_a_bar_gets_do_not_depend_on_the_order_the_bars_are_listed():
    spans = [(0.0, 10.0), (0.0, 2.0), (2.0, 4.0)]
    expected = {(0.0, 2.0): 0, (2.0, 4.0): 0, (0.0, 10.0): 1}      # the shorter of two starting together first
    for order in permutations(spans):
        rows, count = stacked_rows(list(order))
        assert dict(zip(order, rows)) == expected and count == 2
