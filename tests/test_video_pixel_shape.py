"""Pixels that are not square (a sample aspect ratio, as HDV and DV cameras and some editors'
exports store a picture narrower than it is shown): frames are read at the shape a player shows,
so a person is not squashed for the pose model and the reel keeps the picture's shape."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from highlights.video import iter_frames, probe, read_clip
from tests.video_fixtures import mux_frames, video_stream


def _square_stored_half_wide(path, sar: Fraction) -> None:
    """48x48 pictures of pixels `sar` wide: a white block 24 stored pixels wide and 48 tall in the
    middle of black, a square on screen when `sar` is 2."""
    rgb = np.zeros((48, 48, 3), np.uint8)
    rgb[:, 12:36] = 255
    with av.open(str(path), "w") as out:
        stream = video_stream(out, 48, 48, rate=10)
        stream.codec_context.sample_aspect_ratio = sar
        mux_frames(out, stream, [rgb] * 5)


def _white_box(rgb: np.ndarray) -> tuple[int, int]:
    """(width, height) of the white part."""
    white = rgb.mean(axis=2) > 128
    return int(white.any(axis=0).sum()), int(white.any(axis=1).sum())


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_wide_pixels_are_read_at_the_shape_a_player_shows(tmp_path, suffix):
    path = tmp_path / f"wide pixels{suffix}"
    _square_stored_half_wide(path, Fraction(2, 1))
    info = probe(path)
    assert (info.width, info.height) == (96, 48)
    frames = list(iter_frames(path))
    assert {f.rgb.shape for f in frames} == {(48, 96, 3)}
    width, height = _white_box(frames[0].rgb)
    assert abs(width - height) <= 2
    small = list(iter_frames(path, max_short_side=24))
    assert {f.rgb.shape for f in small} == {(24, 48, 3)}
    clip, _ = read_clip(path, 2)
    assert clip.shape == (2, 48, 96, 3)


def test_a_training_clip_the_reader_decoded_squashed_is_decoded_again(tmp_path, monkeypatch):
    """The decoded-clip cache is keyed by the reader's `PICTURES_VERSION`. Version 4 read the
    stored picture of wide pixels, half the width a player shows here: a clip it cached must not be
    what training reads now, or the fix would reach only clips never decoded before."""
    import highlights.train.cache as cache_module
    from highlights.clips.spec import ClipSpec
    from highlights.datasets.records import ClipRecord
    from highlights.file_hash import file_sha256

    path = tmp_path / "wide pixels.mp4"
    _square_stored_half_wide(path, Fraction(2, 1))
    record = ClipRecord(clip_id="c0", path=path, label="none", split="train", group="g", sha256=file_sha256(path),
                        derived_from=None, licence="CC0-1.0", provenance="{}")
    cache = cache_module.DecodedClipCache(tmp_path / "cache", ClipSpec(num_frames=2, resize_short_side=48))
    with monkeypatch.context() as earlier:
        earlier.setattr(cache_module, "PICTURES_VERSION", 4)
        stale = cache.path_for(record)
    stale.parent.mkdir(parents=True)
    np.save(stale, np.zeros((2, 48, 48, 3), np.uint8))  # the stored picture's shape, as version 4 read it
    cache.ensure([record])
    assert cache.decoded == 1 and cache.load(record).shape == (2, 48, 96, 3)


@pytest.mark.parametrize("sar", [Fraction(5, 1), Fraction(1, 5)])
def test_a_pixel_shape_no_camera_writes_is_taken_for_a_damaged_header_and_read_square(tmp_path, sar):
    path = tmp_path / "odd pixels.mkv"
    _square_stored_half_wide(path, sar)
    assert (probe(path).width, probe(path).height) == (48, 48)
    assert {f.rgb.shape for f in iter_frames(path)} == {(48, 48, 3)}


def test_a_picture_turned_a_quarter_stretches_its_stored_width_along_its_height():
    from highlights.video.reader import shown_dimensions

    # Stored 64 wide and 48 tall, pixels twice as wide as tall: upright (turned a quarter) the
    # picture is 48 wide and its height runs along the stored width, 64 stored pixels twice as wide.
    assert shown_dimensions(48, 64, 90, Fraction(2)) == (48, 128)
    assert shown_dimensions(48, 64, 270, Fraction(2)) == (48, 128)
    assert shown_dimensions(64, 48, 0, Fraction(2)) == (128, 48)
    assert shown_dimensions(64, 48, 180, Fraction(1, 2)) == (32, 48)
    assert shown_dimensions(64, 48, 90, Fraction(1)) == (64, 48)
