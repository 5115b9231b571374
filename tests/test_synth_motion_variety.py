"""The generator's motion is as varied as real play: stances, one-handed follow-through, the
balancing arm in kicks, jump shots and free throws, and active background play."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.synth import actions, active_play, jump_shots
from highlights.synth.body import (
    L_ANKLE, L_SHOULDER, L_WRIST, NOSE, R_ANKLE, R_SHOULDER, R_WRIST, HIP_CENTRE, sample_body,
)
from highlights.synth.clip import ClipRequest, plan_clip


def _points(motion, fps: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(0.0, motion.duration, 1.0 / fps)
    return t, np.stack([motion.skeleton(float(x)).points for x in t])


def _motion(builder, seed: int, **kw):
    rng = np.random.default_rng(seed)
    return builder(sample_body(rng), rng, 0.0, 1, pre=0.3, post=0.3, **kw)


@pytest.mark.parametrize("free_throw", [False, True])
def test_jump_shot_and_free_throw_release_with_the_arm_above_the_head(free_throw):
    for seed in range(4):
        m = _motion(jump_shots.jump_shot, seed, free_throw=free_throw)
        assert m.action is not None and m.fixtures["hoop"]["x"] != 0.0
        release = m.action[1]
        p = m.skeleton(release).points
        assert max(p[L_WRIST, 1], p[R_WRIST, 1]) > p[NOSE, 1]
        t, pts = _points(m)
        hip_rise = pts[:, HIP_CENTRE, 1].max() - pts[0, HIP_CENTRE, 1]
        if free_throw:
            assert hip_rise < 0.1            # no jump: at most up on the toes
        else:
            assert hip_rise > 0.05           # a jump


def test_basketball_clips_are_layups_jump_shots_and_free_throws():
    kinds = {plan_clip(ClipRequest(label="basketball_layup", seed=s, scene_seed=s, group="g",
                                   sport="basketball")).motion_name for s in range(24)}
    assert {"basketball_layup", "basketball_layup:jump_shot", "basketball_layup:free_throw"} <= kinds


def test_batting_stance_holds_the_hands_near_the_shoulders_and_some_follow_throughs_are_one_handed():
    gaps, stance = [], []
    for seed in range(12):
        m = _motion(actions.baseball_swing, seed)
        start, contact, end = m.action
        p = m.skeleton(start).points
        shoulders = 0.5 * (p[L_SHOULDER, 1] + p[R_SHOULDER, 1])
        stance.append(0.5 * (p[L_WRIST, 1] + p[R_WRIST, 1]) - shoulders)
        q = m.skeleton(end).points
        gaps.append(np.hypot(*(q[L_WRIST] - q[R_WRIST])))
    assert np.median(np.abs(stance)) < 0.15            # metres from shoulder height
    assert max(gaps) > 0.3 and min(gaps) < 0.15        # one hand off the bat in some, both on in others


def test_kicks_swing_the_balancing_arm_up():
    highest = []
    for seed in range(10):
        m = _motion(actions.soccer_shooting, seed)
        p = m.skeleton(m.action[1]).points
        shoulders = 0.5 * (p[L_SHOULDER, 1] + p[R_SHOULDER, 1])
        highest.append(max(p[L_WRIST, 1], p[R_WRIST, 1]) - shoulders)
    assert max(highest) > 0.0                          # above the shoulder in some kicks
    assert np.median(highest) > -0.25


@pytest.mark.parametrize("name", sorted(active_play.ACTIVE_BUILDERS))
def test_active_background_play_moves_and_is_not_an_action(name):
    m = _motion(active_play.ACTIVE_BUILDERS[name], 3)
    assert m.action is None
    t, pts = _points(m)
    limbs = pts[:, [L_WRIST, R_WRIST, L_ANKLE, R_ANKLE]] - pts[:, [HIP_CENTRE]]
    speed = np.linalg.norm(np.diff(limbs, axis=0), axis=2).max() * 30.0
    assert speed > 2.0                                 # metres per second: far from standing still
    assert np.isfinite(pts).all()


def test_keeper_dive_ends_on_the_ground():
    m = _motion(active_play.keeper_dive, 5)
    t, pts = _points(m)
    assert pts[:, HIP_CENTRE, 1].min() < 0.5 * pts[0, HIP_CENTRE, 1]
