"""Far, small players: their action must still open a candidate window, and keyed candidates
name the person who moved."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from highlights.pipeline.stages.motion_candidates import cell_motion_energy, motion_energy
from tests.pipeline_fixtures import FixtureEvent, make_game

CANDIDATES_ONLY = {"detection.enabled": False, "pose.enabled": False, "kinematics.enabled": False,
                   "classifier.enabled": False, "merge.enabled": False}
EVENTS = (FixtureEvent("baseball_swing", 2.5, "baseball"), FixtureEvent("basketball_layup", 6.5, "basketball"))


@pytest.fixture(scope="module")
def far_game(tmp_path_factory):
    """A textured pitch with sensor noise; the actor is a sixth of the frame's height."""
    folder = tmp_path_factory.mktemp("far")
    video = make_game(folder, "far", duration_s=9.0, events=EVENTS, width=640, height=360,
                      textured=True, crf=28, actor_scale=0.4)
    still = make_game(folder, "still", duration_s=4.0, events=(), width=640, height=360,
                      textured=True, crf=28, actor_scale=0.4)
    return video, load_annotation(video.with_suffix(".json")), still


def test_a_small_change_is_a_large_share_of_its_cell():
    prev = np.full((90, 160), 100, np.uint8)
    now = prev.copy()
    now[40:46, 120:124] = 200  # a far player's arm: 24 pixels of 14,400
    cfg = PipelineConfig().candidates
    assert motion_energy(prev, now) < cfg.motion_threshold  # the frame-wide share misses it
    assert cell_motion_energy(prev, now) >= cfg.motion_cell_threshold  # his own cell does not
    assert cell_motion_energy(prev, prev) == 0.0


def _windows(video, changes):
    result = run_pipeline(video, PipelineConfig().with_overrides({**CANDIDATES_ONLY, **changes}), progress=False)
    return [(w["start_s"], w["end_s"]) for w in result.trace.windows]


def test_a_far_players_action_opens_a_candidate_window(far_game):
    video, annotation, _ = far_game
    with_cells = _windows(video, {})
    without = _windows(video, {"candidates.motion_cell_threshold": 0.0})
    for event in annotation.events:
        assert any(s <= event.key_s <= e for s, e in with_cells), f"{event.label} at {event.key_s} s: no window"
    # The frame-wide share alone does not see him: that is what the cells are for.
    assert not any(any(s <= ev.key_s <= e for s, e in without) for ev in annotation.events)


def test_still_footage_with_sensor_noise_opens_no_window(far_game):
    _, _, still = far_game
    assert _windows(still, {}) == []


def test_the_cell_threshold_is_range_checked():
    from highlights.errors import ConfigError

    with pytest.raises(ConfigError, match="candidates.motion_cell_threshold"):
        PipelineConfig().with_overrides({"candidates.motion_cell_threshold": -1})


def test_keyed_candidates_carry_the_track_of_the_person_who_moved(far_game):
    """The far actor (track 0, the smaller of two people) swings and jumps; the candidates keyed
    on those actions name him, not the bystander."""
    from highlights.pipeline.registry import registered
    from highlights.pipeline.roles import Merger

    seen = []

    class RecordingMerge(Merger):
        name = "merge"
        backend = "test-recording-merge"

        def merge(self, candidates):
            seen.extend(candidates)
            return candidates

    video, annotation, _ = far_game
    with registered(RecordingMerge):
        cfg = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                               "classifier.enabled": False, "merge.backend": "test-recording-merge"})
        run_pipeline(video, cfg, annotation=annotation, progress=False)
    for event in annotation.events:
        near = [c for c in seen if abs(c.key_s - event.key_s) <= 1.0]
        assert near, f"no keyed candidate near the {event.label} at {event.key_s} s"
        assert {c.track_id for c in near} == {0}
        assert all(c.evidence["kinematics"]["track"] == "0" for c in near)
