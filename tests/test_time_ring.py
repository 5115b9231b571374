"""The bounded buffer of the recent past that classifier windows are cut from, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.pipeline.ring import TimeRing, window_times


def test_items_are_kept_while_no_older_than_the_span_and_at_most_the_capacity():
    ring: TimeRing[str] = TimeRing(span_s=1.0, capacity=4)
    for t in (0.0, 0.5, 1.0):
        ring.push(t, f"f{t}")
    assert (len(ring), ring.oldest_s) == (3, 0.0)       # 0.0 is exactly the span old: kept
    ring.push(1.25, "f1.25")
    assert (len(ring), ring.oldest_s) == (3, 0.5)
    for t in (1.3, 1.35, 1.4):
        ring.push(t, f"f{t}")
    assert (len(ring), ring.oldest_s, ring.max_len_seen) == (4, 1.25, 4)
    assert [x for _, x in ring.between(1.3, 1.35)] == ["f1.3", "f1.35"]   # both ends included
    ring.push(9.0, "f9")                                 # everything else is too old now
    assert (len(ring), ring.oldest_s, ring.max_len_seen) == (1, 9.0, 4)
    with pytest.raises(ValueError):
        TimeRing(span_s=1.0, capacity=0)


def test_the_nearest_item_to_each_time_and_a_tie_to_the_earlier():
    ring: TimeRing[str] = TimeRing(span_s=10.0, capacity=10)
    with pytest.raises(LookupError):
        ring.nearest(np.array([0.0]))
    ring.push(1.0, "a")
    assert ring.nearest(np.array([0.0, 1.0, 5.0])) == ["a", "a", "a"]
    ring.push(2.0, "b")
    ring.push(4.0, "c")
    assert ring.nearest(np.array([0.0, 1.4, 1.5, 1.6, 3.0, 3.5, 9.0])) == ["a", "a", "a", "b", "b", "c", "c"]


def test_window_times_are_the_centres_of_equal_bins():
    np.testing.assert_allclose(window_times(2.0, 4.0, 4), [2.25, 2.75, 3.25, 3.75])



def test_items_of_one_timestamp_give_the_earlier_whichever_side_the_time_lies():
    ring: TimeRing[str] = TimeRing(span_s=10.0, capacity=10)
    ring.push(1.0, "a")
    ring.push(1.0, "b")  # a duplicated timestamp: equally near every time, so the earlier
    assert ring.nearest(np.array([0.0, 1.0, 3.0])) == ["a", "a", "a"]
