"""clip_to_tensor: resize short side, crop, normalise, lay out as (3,T,H,W)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from highlights.clips.spec import ClipSpec
from highlights.video import clip_to_tensor, read_clip
from tests.video_fixtures import write_indexed

SPEC = ClipSpec()


def coordinate_clip(t: int = 4, height: int = 96, width: int = 160) -> np.ndarray:
    """Red grows with x, green with y, blue with the frame number: every pixel says where it is."""
    ys, xs = np.mgrid[0:height, 0:width]
    clip = np.empty((t, height, width, 3), np.uint8)
    clip[..., 0] = (xs * 255 // (width - 1))[None]
    clip[..., 1] = (ys * 255 // (height - 1))[None]
    clip[..., 2] = (np.arange(t) * 50)[:, None, None]
    return clip


def unnormalise(x: torch.Tensor, spec: ClipSpec = SPEC) -> np.ndarray:
    mean = torch.tensor(spec.mean).view(3, 1, 1, 1)
    std = torch.tensor(spec.std).view(3, 1, 1, 1)
    return ((x * std + mean) * 255).numpy()


def test_shape_dtype_and_normalisation():
    clip = np.zeros((5, 72, 90, 3), np.uint8)
    clip[..., 0], clip[..., 1], clip[..., 2] = 200, 100, 30
    x = clip_to_tensor(clip, SPEC, train=False)
    assert x.shape == (3, 5, SPEC.crop_size, SPEC.crop_size)
    assert x.dtype == torch.float32
    for c, value in enumerate((200, 100, 30)):
        expected = (value / 255 - SPEC.mean[c]) / SPEC.std[c]
        assert torch.allclose(x[c], torch.full_like(x[c], expected), atol=1e-5)


def test_centre_crop_is_deterministic_and_centred():
    clip = coordinate_clip()
    a = clip_to_tensor(clip, SPEC, train=False)
    b = clip_to_tensor(clip, SPEC, train=False, rng=np.random.default_rng(5))
    assert torch.equal(a, b)
    # 96x160 -> short side 128 -> 128x213; the centre crop's middle is the picture's middle.
    pixels = unnormalise(a)
    mid = SPEC.crop_size // 2
    assert pixels[0, 0, mid, mid] == pytest.approx(127.5, abs=3)  # x at the centre
    assert pixels[1, 0, mid, mid] == pytest.approx(127.5, abs=3)  # y at the centre
    assert pixels[1, 0, 0, mid] == pytest.approx(255 * 8 / 127, abs=3)  # crop starts 8 rows down
    # Frame order and content survive: blue counts the frames.
    np.testing.assert_allclose(pixels[2, :, mid, mid], [0, 50, 100, 150], atol=1)


def test_random_crop_moves_with_rng_and_repeats_with_seed():
    clip = coordinate_clip()
    crops = [clip_to_tensor(clip, SPEC, train=True, rng=np.random.default_rng(seed))
             for seed in range(6)]
    again = clip_to_tensor(clip, SPEC, train=True, rng=np.random.default_rng(0))
    assert torch.equal(crops[0], again)
    corners = {(round(float(unnormalise(c)[0, 0, 0, 0])), round(float(unnormalise(c)[1, 0, 0, 0])))
               for c in crops}
    assert len(corners) > 1  # different seeds, different places
    for crop in crops:
        pixels = unnormalise(crop)
        # One crop for the whole clip: every frame has the same top-left pixel position.
        assert np.allclose(pixels[0, :, 0, 0], pixels[0, 0, 0, 0], atol=1)
        assert np.allclose(pixels[1, :, 0, 0], pixels[1, 0, 0, 0], atol=1)


def test_portrait_and_small_clips_are_resized_up_to_the_crop():
    portrait = coordinate_clip(t=2, height=160, width=90)
    assert clip_to_tensor(portrait, SPEC, train=False).shape == (3, 2, 112, 112)
    tiny = coordinate_clip(t=3, height=48, width=64)
    assert clip_to_tensor(tiny, SPEC, train=True).shape == (3, 3, 112, 112)


def test_rejects_wrong_input():
    with pytest.raises(ValueError, match="uint8"):
        clip_to_tensor(np.zeros((2, 64, 64, 3), np.float32), SPEC, train=False)
    with pytest.raises(ValueError, match=r"\(T,H,W,3\)"):
        clip_to_tensor(np.zeros((64, 64, 3), np.uint8), SPEC, train=False)


def test_read_clip_feeds_clip_to_tensor(tmp_path):
    path = write_indexed(tmp_path / "clip.mp4", 20)
    frames, _ = read_clip(path, SPEC.num_frames)
    x = clip_to_tensor(frames, SPEC, train=False)
    assert x.shape == (3, SPEC.num_frames, SPEC.crop_size, SPEC.crop_size)
    assert torch.isfinite(x).all()


def test_the_default_clip_spec_and_its_round_trip_through_json():
    import json

    spec = ClipSpec()
    # 16 frames, a 112 px crop of a 128 px short side, Kinetics-400's mean and standard deviation
    assert spec.to_dict() == {"num_frames": 16, "crop_size": 112, "resize_short_side": 128,
                              "mean": (0.43216, 0.394666, 0.37645), "std": (0.22803, 0.22145, 0.216989)}
    other = ClipSpec(num_frames=8, crop_size=64, resize_short_side=72, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    assert ClipSpec.from_dict(json.loads(json.dumps(other.to_dict()))) == other


def test_the_long_side_is_scaled_to_the_nearest_pixel_and_a_shrunk_clip_averages_its_pixels():
    from highlights.video.transforms import resize_short_side

    assert resize_short_side(np.zeros((1, 100, 171, 3), np.uint8), 128).shape == (1, 128, 219, 3)   # 218.88
    stripes = np.zeros((1, 96, 96, 3), np.uint8)
    stripes[:, :, 1::2] = 255                                      # one-pixel stripes
    small = resize_short_side(stripes, 32)                         # each pixel the mean of three columns
    assert small.min() >= 80 and small.max() <= 175


def test_a_crop_wider_than_the_picture_is_refused_and_a_random_crop_reaches_every_offset():
    from highlights.video.transforms import crop_offsets

    with pytest.raises(ValueError, match="cannot crop 112x112 from 100x200"):
        crop_offsets(200, 100, 112, train=False, rng=None)
    rng = np.random.default_rng(0)
    offsets = {crop_offsets(114, 113, 112, train=True, rng=rng) for _ in range(200)}
    assert offsets == {(top, left) for top in range(3) for left in range(2)}
