"""bench/bench_relative_probability.py: its relative scores, and its windows classified as the
pipeline classifies a keyed window of the same track."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bench_modules import bench_module
from tests.keypoint_fixtures import one_track_records, walker


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_relative_probability") as module:
        yield module


def test_a_window_that_stands_out_scores_above_one_that_does_not(bench):
    around = np.array([0.2, 0.2, 0.3, np.nan])   # unseen there: left out
    whole = np.array([0.1, 0.2, 0.2, 0.4, 0.9])
    out = bench.relative_scores(0.6, around, whole)
    assert out["raw"] == 0.6
    assert out["diff_neighbours"] == pytest.approx(0.4)
    assert out["ratio_neighbours"] == pytest.approx(3.0)
    assert out["rank_neighbours"] == 1.0
    assert out["diff_track"] == pytest.approx(0.4)
    # A walk the classifier reads the same on every window stands out from nothing.
    flat = bench.relative_scores(0.19, np.full(10, 0.19), np.full(30, 0.19))
    assert flat["diff_neighbours"] == pytest.approx(0.0)
    assert flat["rank_neighbours"] == 0.5
    assert flat["diff_track"] == pytest.approx(0.0)


def test_a_track_unseen_around_the_window_leaves_its_relative_scores_undefined(bench):
    out = bench.relative_scores(0.6, np.full(4, np.nan), np.zeros(0))
    assert out["raw"] == 0.6
    assert all(np.isnan(out[s]) for s in bench.RELATIVE)


def test_a_window_is_classified_as_the_pipeline_classifies_the_track(bench):
    from highlights.pipeline.kinematics import tracks_of
    from highlights.pipeline.stages.pose_classifier import _PoseWindows

    times, kp = walker(120)
    kp[40:60, 9:11, 1] -= np.linspace(0, 60, 20)[:, None]   # the wrists thrown up over 2 s
    probabilities = bench.TrackProbabilities(2.0)
    records = one_track_records(times, kp)
    (track_times, track_kp, height), = tracks_of(records, 0.3).values()
    for centre in (3.0, 5.0, 9.0):
        window = [r for r in records if centre - 1.0 <= r.time_s <= centre + 1.0]
        expected = _PoseWindows(None, probabilities.windows.model).proba_of(tracks_of(window, 0.3))
        got = probabilities.at(track_times, track_kp, height, centre)
        assert got == pytest.approx(1.0 - float(expected[probabilities.none_index]), abs=1e-6)
    assert probabilities.calls["key"] == 3
    probabilities.at(track_times, track_kp, height, 5.0)          # known: not classified again
    assert probabilities.calls["key"] == 3
    assert np.isnan(probabilities.at(track_times, track_kp, height, 30.0))   # the track is gone by then
