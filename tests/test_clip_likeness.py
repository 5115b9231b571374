"""A clip's pictures in brief (`Likeness`), by which a re-encoded copy of a clip is found: what
counts as the same pictures, which moments of a long clip are kept, and which stored ones are
trusted. Pictures are made here as arrays: the video reading is `check_video`'s tests' business."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.datasets import checks
from highlights.datasets.checks import (LIKENESS_MOMENTS, LIKENESS_SIZE, Likeness, load_likenesses,
                                        save_likenesses)
from highlights.video import PICTURES_VERSION


def _likeness(pictures: np.ndarray, duration_s: float = 10.0) -> Likeness:
    return Likeness(pictures, duration_s, pictures.reshape(-1, 3).mean(axis=0), 80)


@pytest.fixture
def pictures() -> np.ndarray:
    return np.random.default_rng(0).integers(40, 200, size=(LIKENESS_MOMENTS, LIKENESS_SIZE, LIKENESS_SIZE, 3),
                                             dtype=np.uint8)


def test_a_copy_a_level_brighter_or_a_little_longer_shows_the_same_pictures(pictures):
    original = _likeness(pictures)
    assert original.same_pictures(_likeness(pictures + 1))  # every value one level up: a re-encode
    assert original.same_pictures(_likeness(pictures, 11.0))  # within a tenth and 0.1 s of the longer
    assert original.same_pictures(_likeness(pictures, 0.0))  # a duration not stated: the pictures decide
    assert not original.same_pictures(_likeness(pictures, 12.0))
    assert original.same_pictures(_likeness(pictures + 7))
    assert not original.same_pictures(_likeness(pictures + 9))  # its average colour is off by 9 levels


def test_pictures_whose_values_differ_in_a_hundredth_of_places_are_another_clip(pictures):
    flat = pictures.reshape(-1)
    places = np.random.default_rng(1).permutation(flat.size)

    def changed(share: float) -> np.ndarray:
        out = flat.copy()
        picked = places[:int(share * flat.size)]
        out[picked] = (out[picked].astype(np.int16) + 128) % 256  # 128 levels off, the average barely moved
        return out.reshape(pictures.shape)

    original = _likeness(pictures)
    assert original.same_pictures(_likeness(changed(0.004)))
    assert not original.same_pictures(_likeness(changed(0.01)))


def test_the_moments_kept_of_a_long_clip_are_spread_evenly_over_it(monkeypatch):
    # Each decoded picture is its frame number / 4 in every value: the moments kept say which frames.
    monkeypatch.setattr(checks, "to_rgb", lambda frame, width, height: np.full((height, width, 3), frame // 4,
                                                                                 np.uint8))
    builder = checks._LikenessBuilder()
    for frame in range(1000):
        builder.add(frame)
    likeness = builder.build(40.0, 1000)
    moments = likeness.pictures[:, 0, 0, 0].astype(int) * 4
    assert likeness.pictures.shape == (LIKENESS_MOMENTS, LIKENESS_SIZE, LIKENESS_SIZE, 3)
    assert moments[0] == 0 and moments[-1] >= 980
    assert np.abs(np.diff(moments) - 1000 / (LIKENESS_MOMENTS - 1)).max() < 12
    assert likeness.frames == 1000 and likeness.duration_s == 40.0


def test_stored_likenesses_are_read_back_unless_another_reader_or_size_made_them(tmp_path, pictures):
    path = tmp_path / "likeness.npz"
    save_likenesses(path, {"c2": _likeness(pictures, 3.5), "c1": _likeness(pictures + 1, 2.0)})
    back = load_likenesses(path)
    assert sorted(back) == ["c1", "c2"] and back["c2"].duration_s == 3.5
    assert np.array_equal(back["c1"].pictures, pictures + 1) and back["c1"].same_pictures(back["c2"]) is False

    def stored(version: int, size: int) -> dict:
        np.savez(path, pictures_version=np.array(version), clip_ids=np.array(["c1"]),
                 pictures=np.zeros((1, LIKENESS_MOMENTS, size, size, 3), np.uint8),
                 duration_s=np.array([2.0]), frames=np.array([16]))
        return load_likenesses(path)

    assert list(stored(PICTURES_VERSION, LIKENESS_SIZE)) == ["c1"]
    assert stored(PICTURES_VERSION + 1, LIKENESS_SIZE) == {}  # a newer reader's colours: not comparable
    assert stored(PICTURES_VERSION - 1, LIKENESS_SIZE) == {}
    assert stored(PICTURES_VERSION, LIKENESS_SIZE // 2) == {}
    assert load_likenesses(tmp_path / "none.npz") == {}
