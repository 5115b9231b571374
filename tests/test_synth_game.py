"""An untrimmed game: events inside the video and apart, one truth line per frame, shots."""

from __future__ import annotations

import json

import numpy as np
import pytest

from highlights.events import load_annotation
from highlights.synth import GameConfig, generate_game, plan_game
from highlights.video import probe


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    out = tmp_path_factory.mktemp("game")
    cfg = GameConfig(minutes=0.3, sport="mixed", width=256, height=144, fps=10.0,
                     events_per_minute=8.0, seed=4, name="g")
    frames = []
    paths = generate_game(out, cfg, on_progress=lambda done, total: frames.append((done, total)))
    return cfg, paths, frames


def test_events_lie_inside_the_video_apart_and_inside_their_shot(game):
    cfg, paths, _ = game
    ann = load_annotation(paths["annotation"])
    assert ann.video == "g.mp4" and ann.fps == 10.0 and (ann.width, ann.height) == (256, 144)
    assert ann.duration_s == pytest.approx(18.0)
    assert len(ann.events) >= 2
    sports = {"baseball_swing": "baseball", "basketball_layup": "basketball", "soccer_shooting": "soccer"}
    prev_end = -1.0
    for e in ann.events:
        assert 0 <= e.start_s < e.key_s < e.end_s <= ann.duration_s
        assert e.start_s > prev_end                     # sorted, not overlapping
        prev_end = e.end_s
        assert sports[e.label] == e.sport
        assert any(s.start_s <= e.start_s and e.end_s <= s.end_s for s in ann.shots)
    # Shots tile the video.
    assert ann.shots[0].start_s == 0 and ann.shots[-1].end_s == pytest.approx(ann.duration_s)
    for a, b in zip(ann.shots, ann.shots[1:]):
        assert a.end_s == pytest.approx(b.start_s)


def test_annotation_states_licence_provenance_and_the_settings_that_drew_it(game):
    # A game copied out of its folder keeps where it came from, as a synthetic clip's truth does.
    cfg, paths, _ = game
    data = json.loads(paths["annotation"].read_text())
    assert data["licence"] == "synthetic, CC0"
    assert data["provenance"].startswith("highlights synth v") and "seed=4" in data["provenance"]
    assert GameConfig(**data["generator_settings"]) == cfg
    # The annotation still loads as one (the extra keys are not events).
    assert load_annotation(paths["annotation"]).video == "g.mp4"


def test_truth_has_one_line_per_encoded_frame(game):
    cfg, paths, progress = game
    info = probe(paths["video"])
    lines = paths["truth"].read_text().splitlines()
    assert len(lines) == info.num_frames == 180
    assert progress[-1] == (180, 180)
    ann = load_annotation(paths["annotation"])
    for i, line in enumerate(lines):
        rec = json.loads(line)
        assert rec["frame"] == i and rec["t"] == pytest.approx(i / cfg.fps)
        for p in rec["persons"]:
            assert len(p["keypoints"]) == 17 and len(p["box"]) == 4
        # During an event the player who performs it is in view.
        if any(e.start_s <= rec["t"] <= e.end_s for e in ann.events):
            assert any(p["actor"] for p in rec["persons"])


def test_person_ids_are_not_reused_across_cuts(game):
    _, paths, _ = game
    ids_by_shot: dict[int, set] = {}
    for line in paths["truth"].read_text().splitlines():
        rec = json.loads(line)
        ids_by_shot.setdefault(rec["shot"], set()).update(p["id"] for p in rec["persons"])
    shots = list(ids_by_shot.values())
    for i in range(len(shots)):
        for j in range(i + 1, len(shots)):
            assert not shots[i] & shots[j]


def test_actor_jumps_during_layups():
    cfg = GameConfig(minutes=0.5, sport="basketball", width=256, height=144, fps=10.0,
                     events_per_minute=6.0, seed=7)
    shots, events, n = plan_game(cfg)
    assert n == 300 and events
    jumps = 0
    for e in events:
        shot = [s for s in shots if s.start <= e.start_s < s.end][0]
        tl = shot.focus.timeline
        if tl.segments[tl.index_at(e.key_s)].motion.name == "free_throw":
            continue  # a set shot from the line: the feet barely leave the floor
        hips = [tl.at(t)[0].points[23][1] for t in np.arange(e.start_s - 0.5, e.end_s, 0.05)]
        assert max(hips) - min(hips) > 0.3        # metres: the jump towards the rim
        jumps += 1
    assert jumps


def test_same_seed_same_game_plan():
    cfg = GameConfig(minutes=2.0, sport="mixed", seed=9)
    _, a, _ = plan_game(cfg)
    _, b, _ = plan_game(cfg)
    assert a == b and len(a) >= 3


def test_background_play_is_active_and_basketball_shots_vary():
    """Between events, players pitch, pass, cross, juggle, dive and sprint, as in real games,
    so a pipeline that fires on any fast motion loses precision on a synthetic game too."""
    from highlights.synth.clip import ACTIVE_NONE_MOTIONS

    shots, events, _ = plan_game(GameConfig(minutes=4.0, sport="mixed", seed=5, events_per_minute=3.0))
    names = [seg.motion.name for s in shots for p in s.people for seg in p.timeline.segments]
    active = {n for motions in ACTIVE_NONE_MOTIONS.values() for n in motions}
    assert sum(n in active for n in names) >= 0.1 * len(names)
    assert len({n for n in names if n in active} - {"run"}) >= 3
    shot_kinds = {seg.motion.name for s in shots if s.sport == "basketball" for seg in s.focus.timeline.segments
                  if seg.motion.name in ("basketball_layup", "jump_shot", "free_throw")}
    assert len(shot_kinds) >= 2


def test_bursts_add_a_second_action_of_the_same_sport_by_the_same_player_1_to_3_s_later():
    """Two shots a second or two apart, as in a real drill: with `burst_share=1` every drawn event
    is followed by a second one, its key moment 1-3 s later, performed by the player who performed
    the first, with no jump in place between the two."""
    from highlights.synth.game import BURST_GAP_S

    cfg = GameConfig(minutes=3.0, sport="mixed", seed=11, events_per_minute=2.0, burst_share=1.0)
    shots, events, _ = plan_game(cfg)
    assert len(events) == 2 * round(cfg.minutes * cfg.events_per_minute)
    assert len({e.sport for e in events}) >= 2
    for first, second in zip(events[::2], events[1::2]):
        assert BURST_GAP_S[0] <= second.key_s - first.key_s <= BURST_GAP_S[1] + 1e-3
        assert first.end_s < second.start_s and first.sport == second.sport and first.label == second.label
        shot = next(s for s in shots if s.start <= first.start_s < s.end)
        assert shot.end > second.end_s  # both inside the shot: one camera follows one player
        timeline = shot.focus.timeline
        at_first, at_second = (timeline.segments[timeline.index_at(e.key_s)] for e in (first, second))
        assert at_first is not at_second and at_first.motion.action and at_second.motion.action
        handover = at_second.start
        before, after = (timeline.at(t)[0].points[23][0] for t in (handover - 1e-3, handover + 1e-3))
        assert abs(after - before) < 0.05  # metres: the same player goes on, not a cut to another place
    assert all(a.end_s < b.start_s for a, b in zip(events, events[1:]))


def test_a_game_with_bursts_shows_the_player_through_both_actions(tmp_path):
    cfg = GameConfig(minutes=0.3, sport="soccer", width=256, height=144, fps=10.0, events_per_minute=4.0,
                     seed=4, name="g", burst_share=1.0)
    paths = generate_game(tmp_path, cfg)
    events = load_annotation(paths["annotation"]).events
    assert len(events) == 2
    frames, performers = 0, []
    for line in paths["truth"].read_text().splitlines():
        rec = json.loads(line)
        if any(e.start_s <= rec["t"] <= e.end_s for e in events):
            frames += 1
            performers += [p["id"] for p in rec["persons"] if p["actor"]]
    assert frames and len(performers) == frames and len(set(performers)) == 1  # in view in each frame, one player


def test_a_game_without_bursts_keeps_its_settings_as_before():
    """The settings key caches of games already made: without bursts they name no burst setting,
    and with them they make the same game again."""
    plain = GameConfig(minutes=1.0, seed=3)
    assert "burst_share" not in plain.to_dict() and GameConfig(**plain.to_dict()) == plain
    bursts = GameConfig(minutes=1.0, seed=3, burst_share=0.5)
    assert bursts.to_dict()["burst_share"] == 0.5 and GameConfig(**bursts.to_dict()) == bursts
    assert plan_game(GameConfig(**bursts.to_dict()))[1] == plan_game(bursts)[1]
    from highlights.errors import ConfigError

    with pytest.raises(ConfigError, match="burst_share 1.5"):
        GameConfig(minutes=1.0, burst_share=1.5)


@pytest.mark.parametrize("settings, says", [
    ({"minutes": -1.0}, "minutes -1: must be above 0"),
    ({"minutes": float("nan")}, "minutes nan: must be above 0"),
    ({"minutes": 1.0, "fps": 0.0}, "fps 0: must be above 0"),
    ({"minutes": 1.0, "fps": float("nan")}, "fps nan: must be above 0"),
    ({"minutes": 1.0, "events_per_minute": -0.5}, "events_per_minute -0.5: must be 0 or more"),
    ({"minutes": 1.0, "difficulty": 1.5}, "difficulty 1.5: from 0 (easy) to 1 (hard)"),
    ({"minutes": 1.0, "difficulty": float("nan")}, "difficulty nan: from 0 (easy) to 1 (hard)"),
    ({"minutes": 1.0, "width": 0}, "size 0x720: each side at least 16 pixels"),
])
def test_a_setting_it_cannot_draw_is_named_with_its_value(settings, says):
    """From Python no option range refuses it first: NaN passed a `<= 0` check, and planning the
    game then failed with numpy's "cannot convert float NaN to integer"; a difficulty of 1.5
    failed with a ValueError once the first shot was drawn."""
    from highlights import HighlightsError

    with pytest.raises(HighlightsError) as refused:
        GameConfig(**settings)
    assert str(refused.value) == says
    assert GameConfig(minutes=0.5, events_per_minute=0.0).events_per_minute == 0.0
