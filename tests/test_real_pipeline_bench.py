"""The real-footage bench's leave-one-video-out choice between the packaged score calibration
and none (`--calibration-choice`): each fold picks on the other videos, a tie keeps the default,
and the figure is the held-out videos' within-video AUC under their own fold's pick."""

from __future__ import annotations

from tests.bench_modules import bench_module


def _rows(order: dict[str, bool]) -> list[tuple[float, bool, str]]:
    """One right and one false highlight per video; True: the right one scores higher."""
    return [row for video, right_first in order.items()
            for row in ((0.8 if right_first else 0.2, True, video),
                        (0.2 if right_first else 0.8, False, video))]


def _choice(default: dict[str, bool], none: dict[str, bool]):
    with bench_module("bench_real_pipeline") as bench:
        folds, cv = bench.calibration_choice_cv({"default": _rows(default), "none": _rows(none)},
                                                keep="default")
    return folds, {video: pick for video, (pick, _) in folds.items()}, cv


def test_a_setting_that_ranks_every_other_video_right_is_picked_in_every_fold():
    folds, picks, cv = _choice({"a": False, "b": False, "c": False},
                               {"a": True, "b": True, "c": True})
    assert picks == {"a": "none", "b": "none", "c": "none"}
    assert folds["a"][1] == {"default": 0.0, "none": 1.0}
    assert (cv.value, cv.pairs, cv.groups) == (1.0, 3, 3)


def test_a_tie_keeps_the_default_and_each_video_is_scored_by_its_own_fold():
    _, picks, cv = _choice({"a": True, "b": False, "c": False}, {"a": False, "b": True, "c": True})
    # held out a: none wins 1.0 to 0.0 on b and c, and ranks a wrong; b and c: 0.5 each, a tie
    assert picks == {"a": "none", "b": "default", "c": "default"}
    assert cv.value == 0.0  # though none ranks 2 of the 3 videos right over all of them


def test_a_video_without_a_pair_in_training_keeps_the_default():
    with bench_module("bench_real_pipeline") as bench:
        rows = {"default": _rows({"a": False}) + [(0.5, True, "b")],
                "none": _rows({"a": True}) + [(0.5, True, "b")]}
        folds, cv = bench.calibration_choice_cv(rows, keep="default")
    assert folds["a"] == ("default", {"default": None, "none": None})
    assert folds["b"][0] == "none"
    assert cv.value == 0.0
