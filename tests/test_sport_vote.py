"""The `--sport auto` vote over a game's windows (`pipeline.sport_vote`)."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.pipeline.sport_vote import MIN_SHARE, read_sport, reading_line

CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")


def test_the_sport_is_the_one_the_action_windows_weigh_for_most_not_the_most_labels():
    # Two windows labelled soccer by a hair, one sure basketball window: by labels soccer would win
    # 2 to 1, by weight basketball holds 0.45 + 0.45 + 0.9 = 1.8 of 2.8.
    probs = [np.array([0.0, 0.45, 0.5, 0.05]), np.array([0.0, 0.45, 0.5, 0.05]),
             np.array([0.0, 0.9, 0.0, 0.1])]
    reading = read_sport(CLASSES, probs, [True, True, True])
    assert reading.outcome == "read" and reading.sport == "basketball" and reading.windows == 3
    assert reading.share == pytest.approx(1.8 / 2.8)
    assert reading.weights == pytest.approx({"baseball": 0.0, "basketball": 1.8, "soccer": 1.0})


def test_windows_that_are_not_actions_do_not_vote():
    action = np.array([0.1, 0.7, 0.0, 0.2])
    idle = np.array([0.0, 0.0, 0.3, 0.7])  # a window of no action, leaning soccer
    alone = read_sport(CLASSES, [action], [True])
    with_idle = read_sport(CLASSES, [action, idle, idle, idle], [True, False, False, False])
    assert with_idle.share == pytest.approx(alone.share) and with_idle.windows == 1
    assert with_idle.sport == "basketball"
    # Had the idle windows voted, soccer (0.9) would have outweighed basketball (0.7).
    assert read_sport(CLASSES, [action, idle, idle, idle], [True] * 4).sport != "basketball"


def test_a_leader_under_the_margin_reads_no_sport():
    # Basketball just under the margin: 0.59 of the weight.
    probs = [np.array([0.0, MIN_SHARE - 0.01, 1 - MIN_SHARE + 0.01, 0.0])]
    reading = read_sport(CLASSES, probs, [True])
    assert reading.outcome == "unclear" and reading.sport is None and reading.leader == "basketball"
    line = reading_line(reading.to_dict())
    assert "not read" in line and "basketball" in line and "59%" in line and "60%" in line and "\n" not in line
    just_over = read_sport(CLASSES, [np.array([0.0, MIN_SHARE, 1 - MIN_SHARE, 0.0])], [True])
    assert just_over.sport == "basketball"
    assert reading_line(just_over.to_dict()) == \
        "sport: basketball, 60% of the action weight over 1 action window (--sport auto)"


def test_no_action_window_and_a_model_without_sports_read_nothing():
    none_at_all = read_sport(CLASSES, [np.array([0.0, 0.1, 0.0, 0.9])], [False])
    assert none_at_all.outcome == "no_action_window" and none_at_all.sport is None
    assert "no window was an action" in reading_line(none_at_all.to_dict())
    club = ("swing", "rest")  # a club's classes: neither names a sport
    sportless = read_sport(club, [np.array([0.9, 0.1])], [True])
    assert sportless.outcome == "no_sport_classes" and sportless.sport is None
    assert "name no sport" in reading_line(sportless.to_dict())
    # A club's `rest` beside a sport: its action windows of `rest` only hold no sport's weight.
    mixed_club = ("volleyball_spike", "rest", "none")
    rest_only = read_sport(mixed_club, [np.array([0.0, 0.8, 0.2])], [True])
    assert rest_only.outcome == "no_sport_action" and rest_only.sport is None


@pytest.mark.parametrize("sport, auto", [("auto", True), ("Auto", True), (" AUTO ", True), ("soccer", False),
                                         ("", False), (None, False), ("autos", False)])
def test_auto_is_asked_for_in_any_case_and_with_spaces_around_it(sport, auto):
    from highlights.pipeline.sport_vote import is_auto

    assert is_auto(sport) is auto


def test_a_sport_of_several_classes_gets_its_classes_weight_together():
    # One window that splits 0.35/0.35 between two soccer classes and gives basketball 0.3: soccer
    # holds 0.7 of the weight. Its best class alone (0.35) would not be a clear majority.
    classes = ("basketball_layup", "soccer_shooting", "soccer_pass", "none")
    reading = read_sport(classes, [np.array([0.3, 0.35, 0.35, 0.0])], [True])
    assert reading.outcome == "read" and reading.sport == "soccer"
    assert reading.weights == pytest.approx({"basketball": 0.3, "soccer": 0.7})


def test_the_record_keeps_the_share_and_weights_to_four_digits():
    probs = [np.array([0.0, 0.45, 0.5, 0.05]), np.array([0.0, 0.45, 0.5, 0.05]), np.array([0.0, 0.9, 0.0, 0.1])]
    record = read_sport(CLASSES, probs, [True, True, True]).to_dict()
    assert record == {"rule": "auto", "sport": "basketball", "outcome": "read", "leader": "basketball",
                      "share": 0.6429, "windows": 3, "min_share": MIN_SHARE,
                      "weights": {"baseball": 0.0, "basketball": 1.8, "soccer": 1.0}}
    thirds = read_sport(CLASSES, [np.array([0.0, 2 / 3, 1 / 3, 0.0])], [True]).to_dict()
    assert (thirds["share"], thirds["weights"]) == (0.6667, {"baseball": 0.0, "basketball": 0.6667, "soccer": 0.3333})
