"""The tracker's similarity and its bookkeeping, on boxes whose figures are checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.people import IouTracker
from highlights.people.tracking import similarity

TALL = (0.0, 0.0, 40.0, 100.0)   # a standing player: 40 x 100 px


def _sim(a, b, reach=1.0) -> float:
    return float(similarity(np.array([a]), np.array([b]), reach)[0, 0])


def test_similarity_is_the_larger_of_the_iou_and_the_closeness_of_centres_in_heights():
    # centres 50 px apart, no overlap: 1 - 50 / (reach x the mean height 100)
    assert _sim(TALL, (50, 0, 90, 100)) == pytest.approx(0.5)
    assert _sim(TALL, (50, 0, 90, 100), reach=2.0) == pytest.approx(0.75)
    assert _sim(TALL, (20, 0, 60, 120)) == pytest.approx(1 - np.hypot(20, 10) / 110)
    # a wide, flat box 10 px along: IoU 190 / 210 beats closeness 1 - 10 / 20
    assert _sim((0, 0, 200, 20), (10, 0, 210, 20)) == pytest.approx(190 / 210)
    assert _sim(TALL, (300, 0, 340, 100)) == 0.0          # far apart: held at 0, not below
    assert _sim(TALL, TALL) == 1.0


def test_boxes_under_half_the_other_s_height_are_only_as_similar_as_their_iou():
    assert _sim(TALL, (0, 25, 40, 75)) == pytest.approx(1.0)      # half the height, same centre
    assert _sim(TALL, (0, 25.5, 40, 74.5)) == pytest.approx(0.49)   # under half: its IoU 40 x 49 / 4000
    assert _sim((0, 25.5, 40, 74.5), TALL) == pytest.approx(0.49)


def test_a_box_exactly_at_the_minimum_similarity_keeps_its_id():
    tracker = IouTracker(min_similarity=0.5)
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(0.25, [(50, 0, 90, 100)]) == [first]        # similarity 0.5
    tracker = IouTracker(min_similarity=0.5)
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(0.25, [(51, 0, 91, 100)]) == [first + 1]    # 0.49: someone new


def test_a_track_unseen_for_exactly_max_age_is_kept():
    tracker = IouTracker(max_age_s=0.5)
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(0.5, [TALL]) == [first]
    assert tracker.update(1.25, [TALL]) == [first + 1]               # 0.75 s unseen: a new id


def test_a_track_moves_by_its_last_step_then_by_the_mean_of_its_last_two():
    tracker = IouTracker(max_age_s=1.0)
    tracker.update(0.0, [TALL])
    tracker.update(0.5, [(50, 0, 90, 100)])           # 50 px in 0.5 s
    assert tracker._tracks[0].velocity.tolist() == [100.0, 0.0]
    tracker.update(1.0, [(160, 0, 200, 100)])         # 60 px from where it was predicted, 110 from where it was
    assert tracker._tracks[0].velocity.tolist() == [160.0, 0.0]   # (100 + 220) / 2
    assert tracker._tracks[0].hits == 3 and len(tracker._tracks) == 1
    assert tracker.update(1.5, [(240, 0, 280, 100)]) == [0]       # where it is predicted next


def test_ids_are_new_for_each_unmatched_box_and_never_reused():
    tracker = IouTracker(max_age_s=0.5)
    assert tracker.update(0.0, [TALL, (500, 0, 540, 100)]) == [0, 1]
    assert tracker.update(0.1, [(500, 0, 540, 100), (1000, 0, 1040, 100)]) == [1, 2]
    assert tracker.update(2.0, [TALL]) == [3]


def test_a_track_is_kept_one_second_unseen_by_default():
    tracker = IouTracker()
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(1.0, [TALL]) == [first]
    assert tracker.update(2.5, [TALL]) == [first + 1]


def test_three_people_listed_in_another_order_keep_their_ids():
    tracker = IouTracker()
    boxes = [(x, 0, x + 40, 100) for x in (0, 500, 1000)]
    assert tracker.update(0.0, boxes) == [0, 1, 2]
    moved = [(x + 5, 0, x + 45, 100) for x in (1000, 0, 500)]
    assert tracker.update(0.1, moved) == [2, 0, 1]


def test_a_box_seen_twice_at_one_time_gives_its_track_no_speed():
    tracker = IouTracker()
    tracker.update(0.0, [TALL])
    tracker.update(0.0, [(10, 0, 50, 100)])
    assert tracker._tracks[0].velocity.tolist() == [0.0, 0.0]
    assert tracker.update(0.5, [(10, 0, 50, 100)]) == [0]


def test_a_box_a_quarter_similar_keeps_its_id_by_default_and_one_under_a_fifth_does_not():
    tracker = IouTracker()
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(0.1, [(75, 0, 115, 100)]) == [first]        # 1 - 75 / 100 = 0.25
    tracker = IouTracker()
    first = tracker.update(0.0, [TALL])[0]
    assert tracker.update(0.1, [(85, 0, 125, 100)]) == [first + 1]    # 0.15: someone new


def test_after_a_reset_the_same_box_is_someone_new():
    tracker = IouTracker()
    first = tracker.update(0.0, [TALL])[0]
    tracker.reset()                                                    # a scene cut
    assert tracker.update(0.1, [TALL]) == [first + 1]
    assert tracker.update(0.2, [TALL]) == [first + 1]                 # tracked again from there
