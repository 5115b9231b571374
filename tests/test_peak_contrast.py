"""A kinematic peak must stand out from the same track's motion around it (`kinematics.peak_contrast`)."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.errors import ConfigError
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.kinematics import L_ANKLE, R_ANKLE, contrast, find_triggers, peaks_above

from tests.keypoint_fixtures import still_body

TIMES = np.arange(60) / 10.0


def test_contrast_is_the_peak_over_the_median_around_it_outside_its_own_frames():
    signal = np.full(60, 0.5)
    signal[30] = 4.0
    assert contrast(TIMES, signal, 30) == pytest.approx(8.0)
    signal[[28, 29, 31, 32]] = 3.0  # the kick's own fast frames, within 0.3 s: not its surroundings
    assert contrast(TIMES, signal, 30) == pytest.approx(8.0)
    signal[:20] = np.nan  # unseen frames are not counted as still ones
    signal[10:20] = 9.0
    assert contrast(TIMES, signal, 30) == pytest.approx(8.0)
    assert contrast(TIMES, np.where(np.arange(60) == 30, 4.0, 0.0), 30) == np.inf  # still around


def _spikes_every_few_frames() -> np.ndarray:
    """A speed that jumps to 4 at two frames of every three: a walk whose sides the pose model swaps."""
    signal = np.where(np.arange(60) % 3 == 0, 0.3, 4.0)
    signal[30] = 4.4  # the highest of them, by a little
    return signal


def test_a_lone_peak_is_kept_and_a_peak_among_equal_ones_is_dropped():
    calm = np.random.default_rng(0).uniform(0.2, 0.6, 60)
    calm[30] = 4.0
    assert peaks_above(TIMES, calm, 3.0, 1.0, min_contrast=2.5) == [30]
    busy = _spikes_every_few_frames()
    assert peaks_above(TIMES, busy, 3.0, 1.0, min_contrast=2.5) == []
    # Off (0), every maximum above the threshold counts, as it always did.
    assert peaks_above(TIMES, busy, 3.0, 1.0, min_contrast=0.0) == peaks_above(TIMES, busy, 3.0, 1.0)
    assert peaks_above(TIMES, busy, 3.0, 1.0)[0] == 30


def _walk_with_swapped_ankles(n: int) -> np.ndarray:
    """A player standing with his feet 0.4 body heights apart, whose ankles the pose model swaps at
    the frames where k % 3 == 1 and back at the next: each swap moves both by 4 body heights/s."""
    kp = still_body(n)
    kp[:, L_ANKLE, 0] -= 14
    kp[:, R_ANKLE, 0] += 14
    swapped = np.arange(n) % 3 == 1
    kp[swapped, L_ANKLE], kp[swapped, R_ANKLE] = kp[swapped, R_ANKLE].copy(), kp[swapped, L_ANKLE].copy()
    return kp


def test_swapped_ankles_trigger_only_without_the_contrast_and_a_kick_triggers_with_it():
    off = PipelineConfig().kinematics
    on = PipelineConfig().with_overrides({"kinematics.peak_contrast": 2.5}).kinematics
    walk = _walk_with_swapped_ankles(60)
    assert any(t.kind == "ankle_speed" for t in find_triggers(TIMES, walk, scale=100.0, config=off))
    assert find_triggers(TIMES, walk, scale=100.0, config=on) == []
    kick = still_body(60)
    kick[:, :, :2] += np.random.default_rng(1).normal(0.0, 0.5, (60, 17, 2))  # a pose model's jitter
    kick[30:, R_ANKLE, :2] += [35, -10]
    assert [(t.kind, t.key_s) for t in find_triggers(TIMES, kick, scale=100.0, config=on)] == [("ankle_speed", 3.0)]


def test_peak_contrast_is_a_checked_setting():
    assert PipelineConfig().kinematics.peak_contrast == 0.0
    with pytest.raises(ConfigError, match="kinematics.peak_contrast"):
        PipelineConfig().with_overrides({"kinematics.peak_contrast": -1})


def test_every_trigger_carries_its_peaks_contrast_whether_or_not_it_filters():
    off = PipelineConfig().kinematics
    kick = still_body(60)
    kick[:, :, :2] += np.random.default_rng(1).normal(0.0, 0.5, (60, 17, 2))
    kick[30:, R_ANKLE, :2] += [35, -10]
    (trigger,) = [t for t in find_triggers(TIMES, kick, scale=100.0, config=off) if t.kind == "ankle_speed"]
    walk = [t for t in find_triggers(TIMES, _walk_with_swapped_ankles(60), scale=100.0, config=off)
            if t.kind == "ankle_speed"]
    assert walk and trigger.contrast > 2.5 > max(t.contrast for t in walk)


def test_the_contrast_is_evidence_for_the_score_capped_where_infinite_and_neutral_where_unrecorded():
    from highlights.pipeline.ranking import CONTRAST_CAP, evidence_values

    def logged(kinematics: dict) -> float:
        return evidence_values(0.5, {"kinematics": kinematics})["log_peak_contrast"]

    assert logged({"trigger": "ankle_speed", "value": 4.0, "threshold": 3.0,
                   "contrast": 6.0}) == pytest.approx(np.log(6))
    assert logged({"trigger": "ankle_speed", "contrast": None}) == pytest.approx(np.log(CONTRAST_CAP))  # still around
    assert logged({"trigger": "ankle_speed", "contrast": 500.0}) == pytest.approx(np.log(CONTRAST_CAP))
    assert logged({"trigger": "ankle_speed"}) == 0.0  # a run from before contrast was recorded
    assert evidence_values(0.5, {})["log_peak_contrast"] == 0.0  # kinematics off
