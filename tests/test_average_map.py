"""The project's average-mAP equals SoccerNet's official evaluation on the same files.

The official code (`SoccerNet.Evaluation.ActionSpotting.evaluate`, PyPI `SoccerNet`) reads a
folder of games, each with `Labels-v2.json` and `results_spotting.json`; the files here are written
with the project's own writers, so the test also checks that the official reader reads them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.average_map import (
    LOOSE_DELTAS_S, TIGHT_DELTAS_S, average_map, greedy_match, interpolated_ap, spotting_classes, to_frames)
from highlights.events.spotting import (
    Spot, read_results_spotting, strongest_per_position, write_results_spotting)


def _official(root: Path, classes: list[str], metric: str) -> dict:
    from SoccerNet.Evaluation.ActionSpotting import evaluate  # a test dependency (requirements-dev)

    res = evaluate(SoccerNet_path=str(root / "labels"), Predictions_path=str(root / "preds"),
                   dataset=None, EVENT_DICTIONARY={c: i for i, c in enumerate(classes)},
                   version=2, framerate=2, metric=metric)
    return {"a_mAP": float(res["a_mAP"]), "per_class": [float(x) for x in res["a_mAP_per_class"]]}


def _write_games(root: Path, games: dict[str, tuple[list[Event], list[dict]]]) -> None:
    """Per game: its events (with halves) and its raw prediction dicts (file order kept)."""
    for game, (events, preds) in games.items():
        ann = GameAnnotation(game, None, None, None, None, "soccer", events, [])
        save_annotation(ann, root / "labels" / game / "Labels-v2.json", fmt="soccernet")
        (root / "preds" / game).mkdir(parents=True)
        (root / "preds" / game / "results_spotting.json").write_text(
            json.dumps({"UrlLocal": game, "predictions": preds}))


def _ours(games, classes, deltas):
    tt, tl, tg, pt, pl, ps, pg = [], [], [], [], [], [], []
    for game, (events, preds) in games.items():
        for e in events:
            tt.append(e.key_s), tl.append(e.label), tg.append((game, e.half))
        for p in preds:
            pt.append(int(p["position"]) / 1000), pl.append(p["label"]), ps.append(float(p["confidence"]))
            pg.append((game, int(p["half"])))
    return average_map(tt, tl, pt, pl, ps, classes=classes, deltas_s=deltas, true_groups=tg, pred_groups=pg)


def _assert_same(tmp_path, games, classes):
    _write_games(tmp_path, games)
    for metric, deltas in (("tight", TIGHT_DELTAS_S), ("loose", LOOSE_DELTAS_S)):
        ref = _official(tmp_path, classes, metric)
        ours = _ours(games, classes, deltas)
        assert ours.average_map == pytest.approx(ref["a_mAP"], abs=1e-6), metric
        assert [ours.per_class[c] for c in classes] == pytest.approx(ref["per_class"], abs=1e-6), metric
    return ours


def _pred(label, t, conf, half):
    return Spot(label, t, conf, half).to_soccernet()


def _random_games(rng, classes, n_games=2):
    games = {}
    for g in range(n_games):
        events, preds = [], []
        for half in (1, 2):
            for c in classes:
                for t in rng.uniform(0, 600, rng.integers(0, 6)):
                    t = round(float(t), 3)
                    events.append(Event(str(len(events)), "soccer", c, max(0, t - 2), t + 2, t, half=half))
                    if rng.random() < 0.8:  # a detection near it, sometimes of the wrong class
                        label = c if rng.random() < 0.8 else classes[rng.integers(len(classes))]
                        preds.append(_pred(label, max(0.0, t + rng.normal(0, 3)), rng.random(), half))
            for _ in range(10):  # false alarms
                preds.append(_pred(classes[rng.integers(len(classes))], rng.uniform(0, 600), rng.random(), half))
        games[f"league/season/game{g}"] = (events, preds)
    return games


@pytest.mark.parametrize("seed", [7, 8])
def test_random_games_match_the_official_evaluation(tmp_path, seed):
    classes = ["baseball_swing", "basketball_layup", "soccer_shooting"]
    ours = _assert_same(tmp_path, _random_games(np.random.default_rng(seed), classes), classes)
    assert 0.05 < ours.average_map < 0.95  # a fixture that exercises both hits and misses


def test_ties_duplicates_and_competing_events_match(tmp_path):
    e = lambda i, t, half=1: Event(str(i), "soccer", "goal", max(0, t - 1), t + 1, t, half=half)  # noqa: E731
    events = [e(0, 10.0), e(1, 11.0), e(2, 30.0), e(3, 30.2), e(4, 100.0, 2)]
    preds = [
        _pred("goal", 10.5, 0.5, 1), _pred("goal", 10.5, 0.5, 1),   # the same spot twice
        _pred("goal", 11.5, 0.5, 1),                                 # tie in confidence, later frame
        _pred("goal", 30.1, 0.9, 1), _pred("goal", 30.4, 0.3, 1),    # one frame: the later one wins
        _pred("goal", 100.0, 0.7, 2), _pred("goal", 100.0, 0.7, 1),  # right time, wrong half
        _pred("goal", 55.0, 0.0, 1), _pred("goal", 56.0, 1.0, 1),    # the extreme confidences
        _pred("goal", 57.0, 0.2, 1) | {"confidence": "-0.5"},        # below 0: dropped
    ]
    _assert_same(tmp_path, {"g/s/tie": (events, preds)}, ["goal"])


def test_an_empty_class_and_an_unpredicted_class_match(tmp_path):
    classes = ["Goal", "Penalty", "Yellow card"]  # custom names, read with dataset=None
    events = [Event("0", "soccer", "Goal", 0, 14, 12.0, half=1),
              Event("1", "soccer", "Penalty", 200, 204, 202.0, half=2)]
    preds = [_pred("Goal", 12.2, 0.8, 1), _pred("Yellow card", 40.0, 0.6, 1),  # Yellow card: no events
             _pred("Goal", 300.0, 0.9, 2)]                                        # Penalty: no predictions
    ours = _assert_same(tmp_path, {"g/s/empty": (events, preds)}, classes)
    assert ours.per_class["Yellow card"] == 0.0 and ours.per_class["Penalty"] == 0.0
    assert ours.per_class["Goal"] > 0


def test_the_project_writer_is_read_by_the_official_evaluation(tmp_path):
    classes = ["soccer_shooting"]
    events = [Event("0", "soccer", "soccer_shooting", 4, 8, 6.0, half=1)]
    spots = [Spot("soccer_shooting", 6.3, 0.8, 1), Spot("soccer_shooting", 6.3, 0.4, 1),
             Spot("soccer_shooting", 90.0, 0.6, 1)]
    save_annotation(GameAnnotation("g", None, None, None, None, "soccer", events, []),
                    tmp_path / "labels" / "g" / "Labels-v2.json", fmt="soccernet")
    path = write_results_spotting(spots, tmp_path / "preds" / "g" / "results_spotting.json", game="g")
    back = read_results_spotting(path)
    assert back == [spots[0], spots[2]]  # the most confident spot per position, read back exactly
    ref = _official(tmp_path, classes, "tight")
    ours = average_map([6.0], classes, [s.time_s for s in back], [s.label for s in back],
                       [s.confidence for s in back], classes=classes)
    assert ours.average_map == pytest.approx(ref["a_mAP"], abs=1e-6) and ref["a_mAP"] == 1.0


def test_conventions_on_small_cases():
    # 2 frames per second, from the millisecond: 0.4994 s rounds to 499 ms (frame 0), 0.4995 to 500 (frame 1)
    assert to_frames([0.0, 0.4994, 0.4996, 1.0, 7200.0, 9000.0]).tolist() == [0, 0, 1, 2, 14399, 14399]
    # greedy: the first event takes the most confident prediction in reach, so the second goes without
    matched = greedy_match(np.array([10, 12]), np.array([11, 14]), np.array([0.9, 0.5]), delta_frames=2)
    assert matched.tolist() == [True, False]
    # 11-point AP: precision 1 up to recall 0.3 fills the levels 0, 0.1, 0.2 and 0.3
    ap = interpolated_ap(np.array([0.9, 0.8, 0.7]), np.array([True, True, True]), n_true=10)
    assert ap == pytest.approx(4 / 11)
    # a false alarm more confident than every hit: the best precision at any recall level is 3/4
    ap = interpolated_ap(np.array([0.95, 0.9, 0.8, 0.7]), np.array([False, True, True, True]), n_true=3)
    assert ap == pytest.approx(0.75)
    with pytest.raises(ValueError, match="not negative"):
        to_frames([-1.0])


def test_the_metric_does_not_import_soccernet():
    code = ("import sys, highlights.events.average_map, highlights.events.spotting; "
            "sys.exit(any(m.split('.')[0] == 'SoccerNet' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_one_event_scored_by_hand_at_each_tolerance(tmp_path):
    """An event at 10.0 s (frame 20), a weaker hit at 10.4 s (frame 20) and a stronger spot at
    12.0 s (frame 24). δ reaches ±δ/2, ends included: at 1-3 s only the weaker spot is in reach
    (AP 0.5: precision 1/2 at full recall), at 4 s (±4 frames) and 5 s the stronger one is too and
    the event takes it (AP 1: precision 1 at full recall from threshold 0.6 up)."""
    events = [Event("0", "soccer", "goal", 9.0, 11.0, 10.0, half=1)]
    preds = [_pred("goal", 10.4, 0.6, 1), _pred("goal", 12.0, 0.9, 1)]
    _assert_same(tmp_path, {"g/s/hand": (events, preds)}, ["goal"])
    one = lambda deltas: average_map([10.0], ["goal"], [10.4, 12.0], ["goal", "goal"], [0.6, 0.9],  # noqa: E731
                                     classes=["goal"], deltas_s=deltas)
    tight = one(TIGHT_DELTAS_S)
    assert tight.map_by_delta == (0.5, 0.5, 0.5, 1.0, 1.0)
    # the trapezoid rule over the five tolerances: (0.5 + 0.5 + 0.75 + 1) / 4
    assert tight.average_map == tight.per_class["goal"] == 0.6875
    assert tight.to_dict() == {"average_map": 0.6875, "deltas_s": [1.0, 2.0, 3.0, 4.0, 5.0],
                               "map_by_delta": [0.5, 0.5, 0.5, 1.0, 1.0], "per_class": {"goal": 0.6875},
                               "events": {"goal": 1}, "predictions": {"goal": 2}}
    assert one((3,)).average_map == 0.5 and one((4,)).average_map == 1.0  # one tolerance: its own AP
    assert one((3, 4)).average_map == 0.75                                # two: their mean


def test_precision_is_read_only_at_the_200_thresholds():
    """SoccerNet's thresholds are k/199: 0.5 and then 0.50251..., so a hit at 0.503 over a false alarm
    at 0.5 is seen alone (AP 1), one at 0.502 never is (AP 0.5), though both outrank it."""
    is_tp = np.array([True, False])
    assert interpolated_ap(np.array([0.503, 0.5]), is_tp, n_true=1) == 1.0
    assert interpolated_ap(np.array([0.502, 0.5]), is_tp, n_true=1) == 0.5


def test_the_classes_averaged_over_are_the_annotated_ones_sorted_without_none():
    assert spotting_classes(["goal", "none", "corner", "goal"]) == ["corner", "goal"]
    assert spotting_classes(["goal", "none", "corner"], exclude=("goal",)) == ["corner", "none"]


def test_an_event_takes_the_earliest_of_equally_confident_predictions():
    # frames 9 and 11 tie at 0.5, both in reach of the event at 10: it takes 9, which leaves 11 to
    # the event at 12 (taking 11 would leave that one unmatched)
    matched = greedy_match(np.array([10, 12]), np.array([9, 11]), np.array([0.5, 0.5]), delta_frames=4)
    assert matched.tolist() == [True, True]
    matched = greedy_match(np.array([10]), np.array([9, 11]), np.array([0.5, 0.5]), delta_frames=4)
    assert matched.tolist() == [True, False]


def test_a_spot_in_soccernet_s_words():
    assert Spot("Goal", 1.0, 0.5).half == 1
    assert Spot("Goal", 312.2004, 0.87, 2).to_soccernet() == {
        "gameTime": "2 - 05:12", "label": "Goal", "position": "312200", "half": "2", "confidence": "0.87"}
    assert Spot("Goal", 0.0, -0.5).position_ms == 0   # time 0 and a negative confidence are a spot
    for t in (-0.001, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite and not negative"):
            Spot("Goal", t, 0.5)
    with pytest.raises(ValueError, match="confidence must be finite"):
        Spot("Goal", 1.0, float("nan"))


def test_of_equally_confident_spots_at_one_millisecond_the_first_is_written(tmp_path):
    first, second = Spot("Goal", 6.3001, 0.5), Spot("Goal", 6.3002, 0.5)
    path = write_results_spotting([first, second], tmp_path / "results_spotting.json", game="g")
    assert read_results_spotting(path) == [Spot("Goal", 6.3, 0.5)]
    assert strongest_per_position([first, second]) == [first]
    assert path.read_text().startswith('{\n "UrlLocal": "g",\n "predictions": [\n  {\n   "gameTime"')


def test_results_without_a_half_take_it_from_the_game_time():
    from highlights.events.formats import AnnotationError
    from highlights.events.spotting import spots_from_results

    spots = spots_from_results({"predictions": [
        {"gameTime": "2 - 05:12", "label": "Goal", "position": 312000, "confidence": 0.9},
        {"gameTime": "1 - 00:01", "label": "Goal", "position": " 1500 ", "half": " 2 ", "confidence": "0.1"}]})
    assert spots == [Spot("Goal", 312.0, 0.9, 2), Spot("Goal", 1.5, 0.1, 2)]   # a "half" wins over gameTime
    with pytest.raises(AnnotationError) as err:
        spots_from_results({"annotations": []}, "x.json")
    assert str(err.value) == 'x.json: not a SoccerNet results file (no "predictions" list)'


def test_a_prediction_of_confidence_0_is_kept(tmp_path):
    events = [Event("0", "soccer", "goal", 9.0, 11.0, 10.0, half=1)]
    _assert_same(tmp_path, {"g/s/zero": (events, [_pred("goal", 10.0, 0.0, 1)])}, ["goal"])
    score = average_map([10.0], ["goal"], [10.0], ["goal"], [0.0], classes=["goal"])
    assert score.average_map == 1.0 and score.predictions == {"goal": 1}   # found at the threshold 0


def test_times_labels_and_groups_of_other_lengths_are_refused():
    # Paired by position, a label too few would silently drop an event (or score it on another's time).
    with pytest.raises(ValueError, match="same length"):
        average_map([1.0, 2.0], ["goal"], [1.0], ["goal"], [0.9], classes=["goal"])
    with pytest.raises(ValueError, match="same length"):
        average_map([1.0], ["goal"], [1.0], ["goal"], [0.9], classes=["goal"], pred_groups=[1, 2])


def test_a_class_named_twice_counts_once_in_the_mean():
    # goal found (AP 1), corner missed (AP 0): the mean is 0.5 however often goal is named.
    args = ([10.0, 30.0], ["goal", "corner"], [10.0], ["goal"], [0.9])
    once = average_map(*args, classes=["goal", "corner"])
    twice = average_map(*args, classes=["goal", "goal", "corner"])
    assert once.average_map == pytest.approx(0.5)
    assert twice.average_map == once.average_map and twice.per_class == once.per_class


def test_no_class_or_no_tolerance_to_average_over_is_refused():
    with pytest.raises(ValueError, match="at least one class"):
        average_map([1.0], ["goal"], [1.0], ["goal"], [0.9], classes=[])
    with pytest.raises(ValueError, match="at least one tolerance"):
        average_map([1.0], ["goal"], [1.0], ["goal"], [0.9], classes=["goal"], deltas_s=())


def test_a_spot_is_in_the_first_or_second_half():
    for half in (0, 3):
        with pytest.raises(ValueError, match="half must be 1 or 2"):
            Spot("Goal", 1.0, 0.5, half)


def test_a_spot_s_position_is_its_time_to_the_nearest_millisecond():
    # 1.001 s is 1000.9999... ms in floating point; 2.0006 s is nearer 2001 ms than 2000.
    assert [Spot("Goal", t, 0.5).position_ms for t in (1.001, 2.0006, 2.0004)] == [1001, 2001, 2000]


def test_spots_of_two_labels_at_one_millisecond_are_both_written_half_by_half_in_time_order():
    goal, corner, again = Spot("Goal", 5.0, 0.9), Spot("Corner", 5.0, 0.4), Spot("Goal", 5.0, 0.3, half=2)
    early_second = Spot("Goal", 1.0, 0.5, half=2)
    assert strongest_per_position([goal, early_second, corner, again]) == [corner, goal, early_second, again]


def test_a_results_file_whose_predictions_are_not_a_list_of_objects_is_one_line_of_error():
    from highlights.events.formats import AnnotationError
    from highlights.events.spotting import spots_from_results

    with pytest.raises(AnnotationError) as err:
        spots_from_results({"predictions": {"gameTime": "1 - 00:01"}}, "x.json")
    assert str(err.value) == 'x.json: not a SoccerNet results file (no "predictions" list)'
    with pytest.raises(AnnotationError, match=r"^x.json: prediction 1 is malformed \(TypeError"):
        spots_from_results({"predictions": [{"label": "Goal", "position": 1, "confidence": 1, "half": 1}, None]},
                           "x.json")
