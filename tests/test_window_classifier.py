"""What every classifier backend shares, on hand-checkable cases: the windows a candidate is
classified on, how prominent a window's track is, and the decision a window's probabilities give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.records import Candidate
from highlights.pipeline.window_classifier import ClassifierStage


class _Stage(ClassifierStage):
    backend = "test"
    classes = ("soccer_shooting", "tennis_serve", "none")


def _stage(duration_s: float = 10.0, width: float = 100.0, records=(), cls=_Stage, **settings) -> _Stage:
    config = PipelineConfig().with_overrides({f"classifier.{k}": v for k, v in settings.items()})
    context = SimpleNamespace(info=SimpleNamespace(duration_s=duration_s, width=width),
                              records_between=lambda start, end: [r for r in records if start <= r.time_s <= end])
    return cls(config, context)


def _cand(start: float, end: float, key: float | None = None) -> Candidate:
    return Candidate(start_s=start, end_s=end, source="test", key_s=key)


def test_a_keyed_candidate_is_one_window_centred_on_its_key_moment_inside_the_video():
    stage = _stage(duration_s=10.0)  # 2 s windows
    assert stage.windows_for(_cand(4.0, 7.0, key=5.0)) == [(4.0, 6.0)]
    assert stage.windows_for(_cand(0.0, 1.0, key=0.3)) == [(0.0, 2.0)]  # moved in from the start
    assert stage.windows_for(_cand(9.0, 10.0, key=9.5)) == [(8.0, 10.0)]  # and from the end
    assert _stage(duration_s=1.5).windows_for(_cand(0.0, 1.5, key=0.7)) == [(0.0, 1.5)]  # a shorter video


def test_an_unkeyed_candidate_has_windows_at_most_a_stride_apart_from_its_start_to_its_end():
    stage = _stage(duration_s=10.0)  # 2 s windows, 1 s stride
    assert stage.windows_for(_cand(1.0, 4.0)) == [(1.0, 3.0), (2.0, 4.0)]
    assert stage.windows_for(_cand(1.0, 5.0)) == [(1.0, 3.0), (2.0, 4.0), (3.0, 5.0)]
    assert stage.windows_for(_cand(1.0, 4.5)) == [(1.0, 3.0), (1.75, 3.75), (2.5, 4.5)]
    assert stage.windows_for(_cand(1.0, 2.0)) == [(1.0, 3.0)]  # shorter than a window: one from its start
    assert stage.needs_frames_until(_cand(1.0, 4.5)) == 4.5
    assert _stage(duration_s=10.0, stride_s=2.0).windows_for(_cand(0.0, 7.0)) == [
        (0.0, 2.0), (1.667, 3.667), (3.333, 5.333), (5.0, 7.0)]


def _person(track, box):
    return SimpleNamespace(track_id=track, box=box)


def test_prominence_is_the_tracks_centrality_and_size_over_the_window_and_its_box_nearest_the_middle():
    records = [
        SimpleNamespace(time_s=0.5, persons=[_person(7, (40.0, 10.0, 60.0, 60.0)),
                                             _person(3, (0.0, 20.0, 10.0, 120.0))]),
        SimpleNamespace(time_s=0.8, persons=[_person(3, (0.0, 0.0, 10.0, 100.0))]),  # the track not there
        SimpleNamespace(time_s=1.0, persons=None),
        SimpleNamespace(time_s=1.2346, persons=[_person(7, (70.25, 5.0, 90.0, 105.0)), _person(3, None)]),
        SimpleNamespace(time_s=1.9, persons=[_person(7, (-30.0, 40.0, -10.0, 65.0))]),  # its centre off the frame
    ]
    stage = _stage(width=100.0, records=records)
    # centrality 1, 0.3975 and 0 (never below); size 50/100, 100/100 and 25/25
    assert stage.prominence((0.0, 2.0, "7")) == {"centrality": 0.466, "relative_size": 0.833,
                                                 "box": [70.2, 5.0, 90.0, 105.0], "box_s": 1.235}
    assert stage.prominence((0.0, 2.0, "5")) is None  # a track in no record
    assert _stage(width=0.0, records=records).prominence((0.0, 2.0, "7")) is None  # no frame width known
    # Nobody with a height in the frame: the track's size is taken as the tallest's.
    flat = [SimpleNamespace(time_s=1.0, persons=[_person(7, (45.0, 30.0, 55.0, 30.0))])]
    assert _stage(width=100.0, records=flat).prominence((0.0, 2.0, "7"))["relative_size"] == 1.0
    # Any height is a scale, however small: half the tallest's height is 0.5.
    tiny = [SimpleNamespace(time_s=1.0, persons=[_person(7, (45.0, 30.0, 55.0, 30.25)),
                                                 _person(3, (0.0, 30.0, 5.0, 30.5))])]
    assert _stage(width=100.0, records=tiny).prominence((0.0, 2.0, "7"))["relative_size"] == 0.5


def test_a_window_on_the_argmax_rule_is_an_action_when_its_class_reaches_min_score():
    stage = _stage(min_score=0.5)
    assert stage.action_threshold() is None
    assert stage.gate() == {"rule": "argmax", "min_score": 0.5}
    assert stage.decision(np.array([0.5, 0.3, 0.2])) == ("soccer_shooting", 0.5, True)
    assert stage.decision(np.array([0.3, 0.49, 0.21])) == ("tennis_serve", 0.49, False)
    assert stage.decision(np.array([0.2, 0.2, 0.6])) == ("none", 0.6, False)
    assert _stage(min_score=0.0).decision(np.zeros(3))[2] is False


def test_a_window_under_the_action_gate_is_an_action_when_one_minus_none_reaches_the_threshold():
    stage = _stage(action_threshold=0.6, min_score=0.9)
    assert stage.action_threshold() == 0.6
    assert stage.gate() == {"rule": "action_threshold", "threshold": 0.6}
    label, score, accepted = stage.decision(np.array([0.1, 0.5, 0.4]))
    assert (label, accepted) == ("tennis_serve", True) and score == pytest.approx(0.6)
    assert stage.decision(np.array([0.3, 0.2, 0.5])) == ("none", 0.5, False)


def test_a_models_own_action_threshold_is_the_gate_unless_classifier_action_threshold_names_another():
    class Gated(_Stage):
        model_action_threshold = 0.7

    stage = _stage(cls=Gated)
    assert stage.action_threshold() == 0.7 and stage.gate() == {"rule": "action_threshold", "threshold": 0.7}
    assert stage.decision(np.array([0.25, 0.05, 0.7]))[2] is False  # 0.3 of action: under 0.7
    assert _stage(cls=Gated, action_threshold=0.2).gate() == {"rule": "action_threshold", "threshold": 0.2}
