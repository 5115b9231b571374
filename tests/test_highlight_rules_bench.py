"""bench/bench_highlight_rules.py: its rules over a game's highlights, their counts, and the
setting it chooses on held-out games."""

from __future__ import annotations

import pytest

from tests.bench_modules import bench_module


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_highlight_rules") as module:
        yield module


def row(key, p, track="1", label="soccer_shooting", trigger="ankle_speed", right=False):
    return {"key": key, "p": p, "score": p, "track": track, "label": label, "trigger": trigger,
            "right": right}


def test_only_the_best_of_a_track_within_the_reach_stays(bench):
    rows = [row(10.0, 0.3), row(12.0, 0.6), row(12.5, 0.9, track="2"), row(20.0, 0.2)]
    assert bench.best_within(rows, 3.0, own_track=True) == [False, True, True, True]
    assert bench.best_within(rows, 3.0, own_track=False) == [False, False, True, True]
    # Out of reach of each other, every one stays.
    assert bench.best_within(rows, 0.4, own_track=False) == [True, True, True, True]
    # Of two equal ones the earlier stays.
    assert bench.best_within([row(1.0, 0.5), row(2.0, 0.5)], 3.0, True) == [True, False]


def test_a_trigger_fits_a_class_its_sport_makes(bench):
    assert bench.fits_class(row(0, 0.5))
    assert not bench.fits_class(row(0, 0.5, trigger="wrist_speed"))
    assert bench.fits_class(row(0, 0.5, label="baseball_swing", trigger="wrist_speed"))
    assert bench.fits_class(row(0, 0.5, label="basketball_layup", trigger="hip_rise"))
    assert bench.fits_class(row(0, 0.5, trigger=None))


def test_counts_match_kept_highlights_to_events_one_to_one(bench):
    game = {"events": [10.0, 40.0],
            "highlights": [row(10.5, 0.9), row(11.0, 0.8), row(25.0, 0.4), row(41.9, 0.3)]}
    assert bench.counts([game], lambda rows: [True] * len(rows)) == (2, 2, 4)
    # Dropping the one near the second event loses it; the run-up's twin stays false.
    assert bench.counts([game], lambda rows: [h["p"] >= 0.35 for h in rows]) == (1, 2, 3)


def test_the_setting_chosen_is_the_most_precise_that_keeps_the_recall(bench):
    games = [{"events": [10.0 * i for i in range(1, 11)],
              "highlights": [row(10.0 * i, 0.5 + 0.01 * i) for i in range(1, 11)]
              + [row(10.0 * i + 5, 0.2 + 0.05 * i) for i in range(1, 11)]}]
    floor = lambda value: lambda rows: [h["p"] >= value for h in rows]   # noqa: E731
    value, (found, events, kept) = bench.choose(games, [0.0, 0.5, 0.52, 0.6], floor)
    # 0.52 keeps 9 of the 10 events (0.90) at 9/13, above 0.5's 10/15; 0.6 keeps 1 event.
    assert (value, found, events, kept) == (0.52, 9, 10, 13)
    assert bench.choose(games, [0.99], floor) is None
