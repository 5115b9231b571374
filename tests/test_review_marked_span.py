"""A missed event marked in the review spans what a highlight the detect run found at that moment
spans (its classifier window, padded and fitted by the run's merge settings), inside the video."""

from __future__ import annotations

import json

import pytest

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.merge import merge_candidates
from highlights.pipeline.records import Candidate
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import detect_folder_fixtures

made_detect_folder, detect_folder = detect_folder_fixtures("marked-span")


def _session(folder, tmp_path, config=None):
    """A review of ``folder`` (a test's own copy), its run's config made ``config`` if given."""
    if config is not None:
        data = json.loads((folder / "highlights.json").read_text())
        data["config"] = config
        (folder / "highlights.json").write_text(json.dumps(data))
    return ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))


def _detected_span(at_s: float, duration_s: float, config: PipelineConfig) -> tuple[float, float]:
    """The segment the pipeline's merge gives a classifier window keyed at `at_s`."""
    half = config.classifier.window_s / 2
    window = Candidate(start_s=at_s - half, end_s=at_s + half, source="motion", key_s=at_s,
                       label="soccer_shooting", score=0.9)
    (highlight,) = merge_candidates([window], config.merge, duration_s)
    return highlight.start_s, highlight.end_s


def test_a_marked_event_spans_what_a_detected_highlight_spans_inside_the_video(
        detect_folder, tmp_path):
    session = _session(detect_folder, tmp_path)
    game = session.games[0]
    duration, defaults = game.duration_s, PipelineConfig()
    for at in (duration / 2, 0.3, duration - 0.2):
        state = session.mark_missed(game.id, at_s=at, label="soccer_shooting",
                                    reviewer="Ada")["state"]
        start, end = _detected_span(at, duration, defaults)
        assert (state["start_s"], state["end_s"]) == (pytest.approx(start, abs=1e-3),
                                                     pytest.approx(end, abs=1e-3)), at
        assert state["end_s"] - state["start_s"] == pytest.approx(4.5, abs=1e-3)
        assert 0.0 <= state["start_s"] <= at <= state["end_s"] <= duration
        assert state["key_s"] == pytest.approx(at)
    # a span the request gives is kept as given
    given = session.mark_missed(game.id, at_s=5.0, label="soccer_shooting", reviewer="Ada",
                                start_s=4.0, end_s=6.5)["state"]
    assert (given["start_s"], given["end_s"]) == (4.0, 6.5)
    session.store.close()


def test_a_marked_event_follows_the_settings_the_detect_run_recorded(detect_folder, tmp_path):
    config = {"classifier": {"backend": "checkpoint", "window_s": 3.0},
              "merge": {"pad_before_s": 0.5, "pad_after_s": 2.0}}
    session = _session(detect_folder, tmp_path, config)
    game = session.games[0]
    at = game.duration_s / 2
    state = session.mark_missed(game.id, at_s=at, label="soccer_shooting", reviewer="Ada")["state"]
    run = PipelineConfig().with_overrides({"classifier.window_s": 3.0, "merge.pad_before_s": 0.5,
                                           "merge.pad_after_s": 2.0})
    assert (state["start_s"], state["end_s"]) == tuple(
        pytest.approx(t, abs=1e-3) for t in _detected_span(at, game.duration_s, run))
    assert state["end_s"] - state["start_s"] == pytest.approx(5.5, abs=1e-3)
    session.store.close()
