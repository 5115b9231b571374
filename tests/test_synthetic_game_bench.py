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


@pytest.fixture(scope="module")
def small_game(tmp_path_factory):
    from highlights.events import load_annotation
    from highlights.synth.game import generate_game

    cfg = GameConfig(minutes=0.5, width=320, height=180, seed=3, events_per_minute=8.0, name="game")
    video = generate_game(tmp_path_factory.mktemp("sweep-game"), cfg)["video"]
    return video, load_annotation(video.with_suffix(".json"))


# The demo's stage flags for synthetic games, with the packaged pose classifier.
GT_NOISY = {"detection.backend": "gt", "pose.backend": "gt", "pose.gt_noise_px": 2.0, "classifier.backend": "pose"}


def test_a_threshold_read_from_the_lowest_threshold_run_is_what_a_run_at_it_gives(bench, small_game):
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.run import run_pipeline

    video, annotation = small_game
    thresholds = (0.05, 0.3, 0.6)
    swept = bench.threshold_sweep(video, annotation, GT_NOISY, {}, thresholds)
    assert sorted(swept) == list(thresholds)
    for t in thresholds:
        direct = run_pipeline(video, PipelineConfig().with_overrides({**GT_NOISY, "classifier.action_threshold": t}),
                              annotation=annotation, progress=False)
        assert [h.to_dict() for h in swept[t]] == [h.to_dict() for h in direct.highlights], t
    # the thresholds do keep different highlights here, so the comparison above tells them apart
    assert len(swept[0.05]) > len(swept[0.6])


def test_the_operating_threshold_is_the_highest_that_keeps_pooled_recall(bench):
    events = [SimpleNamespace(key_s=k, label="baseball_swing", sport="baseball")
              for k in (10.0, 30.0, 50.0, 70.0, 90.0)]
    hl = lambda k: SimpleNamespace(moment_s=k, key_s=k, label="baseball_swing")  # noqa: E731
    # game 1: 5 events, all found at 0.1 and 0.2, 4 at 0.3; game 2: 5 events, all found up to 0.3
    game1 = ({0.1: [hl(k) for k in (10, 30, 50, 70, 90, 20)], 0.2: [hl(k) for k in (10, 30, 50, 70, 90)],
              0.3: [hl(k) for k in (10, 30, 50, 70)]}, events)
    game2 = ({t: [hl(k) for k in (10, 30, 50, 70, 90)] for t in (0.1, 0.2, 0.3)}, events)
    chosen, table = bench.choose_operating_threshold([game1, game2])
    assert chosen == 0.3   # 9/10 pooled
    assert table == [(0.1, 10, 10, 11), (0.2, 10, 10, 10), (0.3, 9, 10, 9)]
    game1[0][0.3] = [hl(k) for k in (10, 30, 50)]   # 8/10 pooled at 0.3
    assert bench.choose_operating_threshold([game1, game2])[0] == 0.2
    nothing = ({0.1: []}, events)
    assert bench.choose_operating_threshold([nothing])[0] is None


def test_the_score_floor_is_the_highest_that_keeps_recall_pooled_over_the_fit_games(bench):
    events = [SimpleNamespace(key_s=k, label="baseball_swing", sport="baseball")
              for k in (10.0, 30.0, 50.0, 70.0, 90.0)]
    hl = lambda k, s: SimpleNamespace(moment_s=k, key_s=k, label="baseball_swing", score=s)  # noqa: E731
    # game 1 finds its 5 events at scores 0.9, 0.8, 0.7, 0.3, 0.2 and has a false highlight at 0.25;
    # game 2 finds its 5 at 0.9, 0.8, 0.7, 0.6, 0.5
    game1 = ([hl(10, 0.9), hl(30, 0.8), hl(50, 0.7), hl(70, 0.3), hl(90, 0.2), hl(20, 0.25)], events)
    game2 = ([hl(k, s) for k, s in zip((10, 30, 50, 70, 90), (0.9, 0.8, 0.7, 0.6, 0.5))], events)
    # alone each must keep 5/5: 0.2 and 0.5; pooled, 9/10 may lose one event: 0.3 (0.5 keeps 8/10)
    assert bench.choose_floor([game1]) == 0.2
    assert bench.choose_floor([game2]) == 0.5
    assert bench.choose_floor([game1, game2]) == 0.3
    assert bench.choose_floor([([], events)]) == 0.0


def test_the_fit_games_are_pooled_into_one_calibration_and_one_floor(bench, small_game, tmp_path):
    from highlights.events import load_annotation
    from highlights.pipeline.calibrate import calibrate_on_game
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.evaluation import score_at
    from highlights.pipeline.run import run_pipeline
    from highlights.synth.game import generate_game

    # The floor checked below needs games on which some floor keeps 90% of the events: on seed 5's
    # game no floor does, the actions merge folding its last event into the end-of-video highlight.
    other = generate_game(tmp_path / "other", GameConfig(minutes=0.5, width=320, height=180, seed=6,
                                                         events_per_minute=8.0, name="other"))["video"]
    games = [(small_game[0], small_game[1], {}), (other, load_annotation(other.with_suffix(".json")), {})]
    overrides, floor, info = bench.fit_calibration_and_floor(games, GT_NOISY, tmp_path / "calibration.json")
    actions = PipelineConfig().with_overrides({**GT_NOISY, "merge.backend": "actions"})
    alone = [calibrate_on_game(video, ann, actions, tolerance_s=2.0, progress=False)[1] for video, ann, _ in games]
    assert all(a["highlights"] for a in alone)
    assert info["highlights"] == sum(a["highlights"] for a in alone)
    assert info["right"] == sum(a["right"] for a in alone)
    fitted = json.loads((tmp_path / "calibration.json").read_text())["fitted_on"]
    assert [g["video"] for g in fitted["games"]] == [games[0][0].name, other.name]
    assert fitted["samples"] == info["highlights"]
    assert overrides["merge.backend"] == "actions"
    setting = overrides["merge.highlight_min_score"]

    def pooled(min_score):
        matched = events = highlights = 0
        for video, ann, _ in games:
            result = run_pipeline(video, PipelineConfig().with_overrides(
                {**overrides, "merge.highlight_min_score": min_score}), annotation=ann, progress=False)
            sc = score_at(result.highlights, list(ann.events), 2.0)
            matched, events, highlights = matched + sc.matched, events + sc.events, highlights + sc.highlights
        return {"matched": matched, "events": events, "highlights": highlights}

    # the floor as merge applies it keeps pooled recall (what the bench says it keeps there), and
    # the next reported score up would not
    assert floor > 0.0 and setting <= floor
    kept = pooled(setting)
    assert kept == info["at_floor"] and kept["matched"] / kept["events"] >= 0.90
    higher = pooled(floor + bench.SCORE_STEP)
    assert higher["matched"] / higher["events"] < 0.90


def test_games_with_bursts_are_kept_beside_those_without_and_planned_again_as_made(bench, tmp_path):
    """--bursts makes games of their own names, so a workdir keeps both kinds; their stamp holds
    the burst share, so the plan made again (what a false highlight's player was doing) is the
    game's, bursts included."""
    from highlights.events import load_annotation

    plain, _ = bench.make_game(tmp_path, 0.25, "256x144", 4, "test4")
    video, annotation = bench.make_game(tmp_path, 0.25, "256x144", 4, "test4", bursts=1.0)
    assert (plain.name, video.name) == ("test4.mp4", "test4_bursts1.mp4") and plain.is_file()
    events = load_annotation(annotation).events
    assert len(events) > len(load_annotation(plain.with_suffix(".json")).events)
    plan = bench.game_plan(video.with_name(video.stem + ".config.json"))
    assert [(e.label, e.key_s) for s in plan for e in s.events] == [(e.label, e.key_s) for e in events]
    for event in events:
        shot = next(s for s in plan if s.start <= event.key_s < s.end)
        segment = shot.focus.timeline.segments[shot.focus.timeline.index_at(event.key_s)]
        assert segment.motion.action is not None
        assert bench.motion_at(plan, shot.focus.pid, event.key_s) == segment.motion.name
    with pytest.raises(SystemExit):
        bench.main(["--bursts", "1.5"])


def test_skip_gt_makes_no_fit_game(bench, tmp_path, capsys):
    """The fit game is read only by the ground-truth runs' calibration row: with --skip-gt (and
    --skip-movenet, so nothing runs) only the test games are made."""
    assert bench.main(["--minutes", "0.25", "--size", "256x144", "--test-seeds", "4", "--fit-seed", "5",
                       "--workdir", str(tmp_path), "--skip-movenet", "--skip-gt"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["test4.mp4"]
    assert "fit game" not in capsys.readouterr().out


def test_skip_fit_game_leaves_the_fit_game_out_not_the_ground_truth_runs(bench, tmp_path, capsys):
    """--skip-fit-game leaves out the fit game and the run fitted on it, not the ground-truth runs:
    the test game is run with the generator's poses, and nothing is fitted on seed 5."""
    assert bench.main(["--minutes", "0.25", "--size", "256x144", "--test-seeds", "4",
                       "--fit-seed", "5", "--workdir", str(tmp_path), "--skip-movenet",
                       "--skip-fit-game"]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["test4.mp4"]
    said = capsys.readouterr().out
    assert "ground-truth detection and pose, seed 4: recall" in said
    assert "fit game" not in said and "fitted on seed" not in said


def test_the_misses_on_a_game_with_bursts_say_how_many_were_a_bursts_second_action(bench, tmp_path, capsys):
    """--bursts: the summary of the misses says how many of them, in all and at each stage, are a
    burst's second action, read from the game's plan (the annotation does not mark them)."""
    from highlights.events import load_annotation
    from highlights.synth.game import BURST_GAP_S

    video, annotation = bench.make_game(tmp_path, 0.25, "256x144", 4, "test4", bursts=1.0)
    ann = load_annotation(annotation)
    plan = bench.game_plan(video.with_name(video.stem + ".config.json"))
    seconds = bench.burst_second_actions(plan)
    events = list(ann.events)
    follow = {b.id for a, b in zip(events, events[1:]) if BURST_GAP_S[0] <= b.key_s - a.key_s <= BURST_GAP_S[1]}
    assert seconds and seconds == follow
    # No detection: every event is missed, at the detection stage.
    result, _, _ = bench.run(video, ann, {**bench.GT, "detection.gt_dropout": 1.0}, {})
    truth = bench.load_truth_boxes(video.with_name(video.stem + ".gt.jsonl"))
    capsys.readouterr()
    bench.print_breakdown("no detection", [(result, ann, truth, plan)])
    said = capsys.readouterr().out
    n, k = len(events), len(seconds)
    assert f"events missed (no highlight of any label within 2 s): {n} ({k} a burst's second action); " in said
    assert f"detection {n} ({k} a burst's second action)" in said
    # Without the plan nothing is said of bursts.
    bench.print_breakdown("no detection", [(result, ann, truth, None)])
    assert "burst" not in capsys.readouterr().out


def test_a_kept_value_is_read_back_and_not_made_again(bench, tmp_path):
    """What a bench reading the test games keeps (`--keep`): made once, then read from its pickle."""
    made = []

    def make():
        made.append(1)
        return {"highlights": [len(made)]}

    keep = tmp_path / "kept.pkl"
    assert bench.kept_or_made(keep, make) == {"highlights": [1]}
    assert bench.kept_or_made(keep, make) == {"highlights": [1]} and len(made) == 1
    assert bench.kept_or_made(None, make) == {"highlights": [2]}  # nothing kept: made each time
    assert [p.name for p in tmp_path.iterdir()] == ["kept.pkl"]


def test_frames_kept_beside_a_game_are_read_as_a_runs_cache_and_none_kept_read_as_empty(bench, tmp_path):
    import pickle

    video = tmp_path / "test7.mp4"
    assert bench.frames_kept_beside(video) == {}
    kept = {("frame", "detection", 0): [1.0, 2.0], ("window", 0): [0.5]}
    (tmp_path / "test7.frames.pkl").write_bytes(pickle.dumps(kept))
    # Only the per-frame outputs serve as a cache: a window's probability depends on the model file.
    assert bench.frames_kept_beside(video) == {("frame", "detection", 0): [1.0, 2.0]}


@pytest.mark.parametrize("argv", [
    ["--movenet-threshold"],                                          # no games to choose on
    ["--movenet-threshold", "--threshold-seeds", "9", "--skip-movenet"],  # no MoveNet run
    ["--threshold-seeds", "9", "--skip-gt"],                          # only the ground-truth row
])
def test_a_threshold_with_no_run_to_choose_it_for_is_refused(bench, tmp_path, argv):
    with pytest.raises(SystemExit):
        bench.main(["--test-seeds", "4", "--workdir", str(tmp_path), *argv])
    assert not list(tmp_path.glob("*.mp4"))


def test_the_movenet_threshold_is_chosen_on_the_held_out_games_movenet_poses_and_kept(
        bench, tmp_path, capsys, monkeypatch):
    """--movenet-threshold without the ground-truth runs: the threshold row is chosen with the
    default (MoveNet) stages on the held-out game, and that game's frames are kept beside it."""
    argv = ["--minutes", "0.25", "--size", "256x144", "--test-seeds", "4", "--workdir",
            str(tmp_path), "--skip-gt", "--threshold-seeds", "9", "--movenet-threshold",
            "--keep-frames"]
    assert bench.main(argv) == 0
    said = capsys.readouterr().out
    assert "synthetic operating threshold, MoveNet detection and pose, on seeds 9" in said
    assert "ground-truth detection and pose" not in said
    kept = tmp_path / "heldout9.frames.pkl"
    assert kept.is_file() and bench.frames_kept_beside(tmp_path / "heldout9.mp4")
    # The next run reads the held-out game's MoveNet outputs back, and chooses as before.
    read = {}
    real_read = bench.frames_kept_beside

    def reading(video):
        read[video.name] = real_read(video)
        return read[video.name]

    monkeypatch.setattr(bench, "frames_kept_beside", reading)
    assert bench.main(argv) == 0
    assert read["heldout9.mp4"]
    again = capsys.readouterr().out

    def choice(out):
        return [line for line in out.splitlines() if "<- chosen" in line or "no threshold" in line]

    assert choice(said) and choice(said) == choice(again)


def test_the_synthetic_games_are_scored_by_the_packaged_calibration_unless_set(bench):
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.ranking import calibration_source

    assert calibration_source(PipelineConfig())[0] == "none"  # detect's default
    packaged = PipelineConfig().with_overrides(bench.synthetic_overrides({}))
    assert calibration_source(packaged)[0] == "default"
    told = bench.synthetic_overrides({"merge.score_calibration": "none", "merge.nms_iou": 0.5})
    assert told == {"merge.score_calibration": "none", "merge.nms_iou": 0.5}
