"""bench/bench_synthetic_game.py: what the followed or a background player was doing when a false
highlight fired, read from the game's plan made again from its config."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from highlights.synth.game import GameConfig, plan_game
from tests.bench_modules import bench_module


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_synthetic_game") as module:
        yield module


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    cfg = GameConfig(minutes=1.0, width=320, height=180, seed=7, name="g")
    stamp = tmp_path_factory.mktemp("game") / "g.config.json"
    stamp.write_text(json.dumps({**cfg.to_dict(), "version": "0"}))
    shots, events, _ = plan_game(cfg)
    return stamp, shots, events


def test_the_plan_made_again_from_the_config_is_the_games(bench, game):
    stamp, shots, events = game
    plan = bench.game_plan(stamp)
    assert [(s.start, s.end, s.sport) for s in plan] == [(s.start, s.end, s.sport) for s in shots]
    assert [[p.pid for p in s.people] for s in plan] == [[p.pid for p in s.people] for s in shots]


def test_motion_at_an_event_is_the_event_motion_and_between_events_another(bench, game):
    _, shots, events = game
    assert events
    for event in events:
        shot = next(s for s in shots if s.start <= event.key_s < s.end)
        seg = shot.focus.timeline.segments[shot.focus.timeline.index_at(event.key_s)]
        assert seg.motion.action is not None
        assert bench.motion_at(shots, shot.focus.pid, event.key_s) == seg.motion.name
    first = shots[0]
    calm = first.focus.timeline.segments[0]
    assert calm.motion.action is None
    assert bench.motion_at(shots, first.focus.pid, calm.start + 0.01) == calm.motion.name
    assert bench.motion_at(shots, "no such person", calm.start + 0.01) is None
    assert bench.motion_at(shots, first.focus.pid, shots[-1].end + 5.0) is None


def test_a_false_highlight_on_the_followed_player_names_what_he_was_doing(bench, game):
    _, shots, events = game
    shot = shots[0]
    t = shot.focus.timeline.segments[0].start + 0.5
    box = [10.0, 10.0, 50.0, 90.0]
    truth = (np.array([t]), [[(shot.focus.pid, True, box)]])
    far_from_events = [SimpleNamespace(key_s=t + 60.0)]
    highlight = SimpleNamespace(moment_s=t, evidence={"classifier": {"track": "1", "prominence": {
        "box": box, "box_s": t}}})
    right, causes, motions = bench.classify_highlights([highlight], far_from_events, truth, shots)
    assert right == [False]
    assert causes == ["followed player"]
    assert motions == [bench.motion_at(shots, shot.focus.pid, t)] and motions[0] is not None
    _, _, without_plan = bench.classify_highlights([highlight], far_from_events, truth)
    assert without_plan == [None]
