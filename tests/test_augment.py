"""Phone-footage augmentation: one parameter set per clip, the default ranges, determinism, preview."""

from __future__ import annotations

import albumentations as A
import numpy as np
import pytest
from typer.testing import CliRunner

from tests.dataset_fixtures import tiny_frames, write_clip
from highlights.augment import PhoneAugment, PhoneAugmentConfig, build_clip_transform
from highlights.cli.app import app
from highlights.errors import ConfigError

ALWAYS = dict(motion_blur_p=1.0, downscale_p=1.0, jpeg_p=1.0, affine_p=1.0, brightness_contrast_p=1.0)


def _textured_clip(frames: int = 6, seed: int = 0) -> np.ndarray:
    """Identical frames with enough texture that blur, downscale and JPEG all change them."""
    still = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return np.repeat(still[None], frames, axis=0)


def test_keeps_shape_and_dtype_and_changes_the_clip() -> None:
    clip = tiny_frames(1, frames=8, width=96, height=64)
    before = clip.copy()
    out = PhoneAugment(PhoneAugmentConfig(**ALWAYS, shake_jitter_px=2))(clip, seed=0)
    assert out.shape == clip.shape and out.dtype == np.uint8
    assert np.array_equal(clip, before)  # the input is left alone
    assert np.abs(out.astype(int) - clip).mean() > 1.0


def test_one_parameter_set_for_every_frame_of_a_clip() -> None:
    clip = _textured_clip(frames=6)
    augment = PhoneAugment(PhoneAugmentConfig(**ALWAYS))
    for seed in range(5):
        out = augment(clip, seed=seed)
        assert all(np.array_equal(out[0], out[i]) for i in range(1, len(out))), seed

    # the check can fail: the same transforms sampled per frame give different frames
    per_frame = build_clip_transform(PhoneAugmentConfig(**ALWAYS))
    per_frame.set_random_seed(0)
    frames = [per_frame(image=f)["image"] for f in clip]
    assert not all(np.array_equal(frames[0], f) for f in frames[1:])


def test_shake_jitter_moves_each_frame_by_a_few_pixels_only() -> None:
    config = PhoneAugmentConfig(shake_jitter_px=3, motion_blur_p=0, downscale_p=0, jpeg_p=0, affine_p=0,
                                brightness_contrast_p=0)
    result = PhoneAugment(config).apply(_textured_clip(frames=10), seed=4)
    assert len(result.jitter_px) == 10
    assert all(abs(dx) <= 3 and abs(dy) <= 3 for dx, dy in result.jitter_px)
    assert len(set(result.jitter_px)) > 1
    assert not all(np.array_equal(result.frames[0], f) for f in result.frames[1:])
    # a frame shifted by (dx, dy) matches the original away from the reflected border
    still = _textured_clip(frames=1)[0]
    for frame, (dx, dy) in zip(result.frames, result.jitter_px):
        dx, dy = int(dx), int(dy)
        moved = np.roll(still, (dy, dx), axis=(0, 1))
        assert np.array_equal(frame[4:-4, 4:-4], moved[4:-4, 4:-4])


def test_sampled_parameters_stay_in_the_seed_ranges() -> None:
    augment = PhoneAugment(PhoneAugmentConfig(**ALWAYS))
    clip = _textured_clip(frames=2)
    kernels, scales, qualities = set(), [], []
    for seed in range(150):
        params = augment.apply(clip, seed=seed).params
        assert set(params) == {"MotionBlur", "Downscale", "ImageCompression", "Affine", "RandomBrightnessContrast"}
        k = params["MotionBlur"]["kernel_size"]
        assert 3 <= k <= 21 and k % 2 == 1
        kernels.add(k)
        scales.append(params["Downscale"]["scale"])
        qualities.append(params["ImageCompression"]["quality"])
        assert abs(params["Affine"]["rotate"]) <= 5.0
        assert 0.9 <= params["Affine"]["scale"] <= 1.1
        assert all(abs(s) <= 0.05 * 64 + 1 for s in params["Affine"]["shift_px"])
    assert 0.35 <= min(scales) and max(scales) <= 0.7
    assert 40 <= min(qualities) and max(qualities) <= 100
    # the ranges are really explored, not stuck at one end
    assert max(kernels) >= 17 and min(kernels) <= 7
    assert min(scales) < 0.42 and max(scales) > 0.63
    assert min(qualities) < 50 and max(qualities) > 90


def test_the_transform_is_configured_with_the_default_ranges() -> None:
    config = PhoneAugmentConfig()
    assert config.motion_blur_kernel == (3, 21)
    assert config.downscale_range == (0.35, 0.7)
    assert config.jpeg_quality_range == (40, 100)
    assert config.shake_jitter_px == 0
    by_type = {type(t): t for t in build_clip_transform(config).transforms}
    assert tuple(by_type[A.MotionBlur].blur_limit) == (3, 21)
    assert tuple(by_type[A.Downscale].scale_range) == (0.35, 0.7)
    assert tuple(by_type[A.ImageCompression].quality_range) == (40, 100)
    assert A.Affine in by_type and A.ShiftScaleRotate not in by_type
    assert all(0 < t.p <= 1 for t in by_type.values())


def test_the_same_seed_gives_the_same_clip() -> None:
    clip = tiny_frames(2, frames=6)
    a = PhoneAugment(PhoneAugmentConfig(shake_jitter_px=2))
    b = PhoneAugment(PhoneAugmentConfig(shake_jitter_px=2))
    assert np.array_equal(a(clip, seed=11), b(clip, seed=11))
    outputs = [a.apply(clip, seed=s) for s in range(6)]
    assert len({repr(o.params) for o in outputs}) > 1
    # without per-call seeds, an augmenter seeded once replays the same sequence of clips
    first, second = PhoneAugment(seed=5), PhoneAugment(seed=5)
    sequence = [first.apply(clip) for _ in range(3)]
    assert len({r.seed for r in sequence}) == 3
    for expected in sequence:
        again = second.apply(clip)
        assert again.seed == expected.seed and np.array_equal(again.frames, expected.frames)


def test_bad_config_and_bad_input_are_refused() -> None:
    with pytest.raises(ConfigError):
        PhoneAugmentConfig(downscale_range=(0.8, 0.3))
    with pytest.raises(ConfigError):
        PhoneAugmentConfig(motion_blur_kernel=(3, 20))
    with pytest.raises(ConfigError):
        PhoneAugmentConfig(jpeg_p=1.5)
    config = PhoneAugmentConfig(shake_jitter_px=2)
    assert PhoneAugmentConfig.from_dict(config.to_dict()) == config
    assert PhoneAugmentConfig.from_dict({**config.to_dict(), "variants_per_clip": 2}) == config  # older files
    with pytest.raises(ConfigError, match="unknown augmentation settings: blur"):
        PhoneAugmentConfig.from_dict({"blur": 1})
    augment = PhoneAugment()
    with pytest.raises(ValueError, match="T, H, W, 3"):
        augment(np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        augment(np.zeros((2, 48, 64, 3), np.float32))


def test_preview_writes_a_png_grid(tmp_path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    out = tmp_path / "grid.png"
    result = CliRunner().invoke(app, ["augment", "preview", str(clip), "--out", str(out), "--variants", "3",
                                      "--frames", "2", "--seed", "1"])
    assert result.exit_code == 0, result.output
    import matplotlib.image

    image = matplotlib.image.imread(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.shape[1] > image.shape[0] > 100  # 4 columns by 2 rows: wider than tall
    # what made the picture, in its own text: the clip by content, the seed, the whole config
    import hashlib
    import json

    from PIL import Image

    from highlights import __version__
    from highlights.augment.config import PhoneAugmentConfig

    made_by = json.loads(Image.open(out).text["Description"])
    assert made_by["clip_sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert (made_by["seed"], made_by["variants"], made_by["frames"]) == (1, 3, 2)
    assert made_by["config"] == PhoneAugmentConfig().to_dict() and made_by["highlights_version"] == __version__

    missing = CliRunner().invoke(app, ["augment", "preview", str(tmp_path / "nope.mp4"), "--out", str(out)])
    assert missing.exit_code == 1 and "nope.mp4" in missing.output


def test_the_preview_of_a_cut_off_clip_is_refused_not_drawn_from_its_first_part(tmp_path) -> None:
    from tests.bad_inputs import half_truncated_faststart

    # Its index is at the front, so it opens and its first half decodes: the grid would repeat
    # that half's frames as if they were the whole clip's.
    clip = half_truncated_faststart(tmp_path / "cut.mp4")
    out = tmp_path / "grid.png"
    result = CliRunner().invoke(app, ["augment", "preview", str(clip), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"error: {clip}: truncated or damaged: its frames end at")
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("name, cause", [("clips", "is a directory, not a video file"),
                                         ("gone.mp4", "file not found")])
def test_the_preview_of_a_folder_or_a_missing_clip_is_one_line_naming_it(tmp_path, name, cause) -> None:
    (tmp_path / "clips").mkdir()
    out = tmp_path / "grid.png"
    result = CliRunner().invoke(app, ["augment", "preview", str(tmp_path / name), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output == f"error: {tmp_path / name}: {cause}\n" and not out.exists()


def test_derived_seeds_are_stable_31_bit_numbers() -> None:
    from highlights.augment import derive_seed

    # A dataset grown later draws its next variants from the same seeds: the numbers may not move.
    # The first one's hash has its top bit set (2561722189): it is cleared, not carried.
    assert [derive_seed(7, "clip", k) for k in range(2)] == [414238541, 577440785]


def test_jitter_is_off_at_zero_on_from_one_pixel_and_a_one_frame_clip_is_a_clip() -> None:
    from dataclasses import FrozenInstanceError

    clip = _textured_clip(frames=3)
    off = PhoneAugment(PhoneAugmentConfig()).apply(clip, seed=1)
    assert off.jitter_px == [] and "jitter" not in off.describe()
    on = PhoneAugment(PhoneAugmentConfig(shake_jitter_px=1)).apply(clip, seed=1)
    assert len(on.jitter_px) == 3 and on.describe().endswith("shake jitter")
    with pytest.raises(FrozenInstanceError):
        on.seed = 2
    assert PhoneAugment().apply(clip[:1], seed=1).frames.shape == (1, 48, 64, 3)
    with pytest.raises(ValueError, match="at least one frame, got 0 frames"):
        PhoneAugment().apply(clip[:0], seed=1)


def test_an_augmenter_seeded_once_draws_the_same_clip_seeds_in_every_version() -> None:
    augment = PhoneAugment(seed=5)
    clip = np.zeros((1, 48, 64, 3), np.uint8)
    assert [augment.apply(clip).seed for _ in range(3)] == [1440510675, 1728730614, 48647418]


def test_the_shake_zooms_without_stretching() -> None:
    affine = next(t for t in build_clip_transform(PhoneAugmentConfig()).transforms if isinstance(t, A.Affine))
    assert affine.keep_ratio


def test_the_shake_turns_and_shifts_both_ways_and_the_summary_keeps_what_it_says() -> None:
    augment = PhoneAugment(PhoneAugmentConfig(**ALWAYS))
    clip = _textured_clip(frames=1)
    params = [augment.apply(clip, seed=seed).params for seed in range(40)]
    rotations = [p["Affine"]["rotate"] for p in params]
    shifts = [p["Affine"]["shift_px"][0] for p in params]
    assert min(rotations) < 0 < max(rotations)
    # Shifted both ways by pixels, not by the fraction of a pixel a turn about the centre moves it.
    rises = [p["Affine"]["shift_px"][1] for p in params]
    assert min(shifts) < -1 and max(shifts) > 1 and min(rises) < -1 and max(rises) > 1
    scales = [p["Downscale"]["scale"] for p in params]
    assert all(round(s, 4) == s for s in scales) and any(round(s, 3) != s for s in scales)  # four places
    assert all(set(p["RandomBrightnessContrast"]) == {"alpha", "beta"} for p in params)
    # Stored to the places a reader needs: shifts to 2, the contrast factor to 4, the brightness to 3.
    for figures, places in ((shifts, 2), (rises, 2), ([p["RandomBrightnessContrast"]["alpha"] for p in params], 4),
                            ([p["RandomBrightnessContrast"]["beta"] for p in params], 3)):
        assert all(round(v, places) == v for v in figures) and any(round(v, places - 1) != v for v in figures)


def test_a_clip_description_names_each_applied_transform() -> None:
    from highlights.augment import AugmentResult

    params = {"MotionBlur": {"kernel_size": 7}, "Downscale": {"scale": 0.5}, "ImageCompression": {"quality": 55},
              "Affine": {"rotate": -2.5, "scale": 1.05, "shift_px": [3.4, -1.6]},
              "RandomBrightnessContrast": {"alpha": 1.1, "beta": 12.0}, "Sharpen": {}}
    described = AugmentResult(frames=np.zeros((1, 2, 2, 3), np.uint8), seed=0, params=params).describe()
    # in words: "bc 1.10/+12" and "x1.05" were names only the code used
    assert described == ("motion blur 7 px, resolution x0.50, JPEG quality 55, turned -2.5°, zoom x1.05, "
                         "moved +3,-2 px, contrast x1.10, brightness +12, Sharpen")
    assert AugmentResult(frames=np.zeros((1, 2, 2, 3), np.uint8), seed=0, params={}).describe() == "unchanged"


def test_a_turn_or_zoom_without_translation_reads_as_no_shift_and_its_figures_keep_their_places() -> None:
    config = PhoneAugmentConfig(affine_p=1.0, affine_translate=0.0, motion_blur_p=0, downscale_p=0, jpeg_p=0,
                                brightness_contrast_p=0)
    augment = PhoneAugment(config)
    clip = _textured_clip(frames=1)
    shakes = [augment.apply(clip, seed=seed).params["Affine"] for seed in range(20)]
    # Turned and zoomed about the frame's centre, which stays where it was (to albumentations'
    # half-pixel convention), however far it turned.
    assert max(abs(v) for p in shakes for v in p["shift_px"]) < 0.2
    assert max(abs(p["rotate"]) for p in shakes) > 3.0 and max(abs(p["scale"] - 1) for p in shakes) > 0.05
    rotations, scales = [p["rotate"] for p in shakes], [p["scale"] for p in shakes]
    assert all(round(r, 3) == r for r in rotations) and any(round(r, 2) != r for r in rotations)
    assert all(round(s, 4) == s for s in scales) and any(round(s, 3) != s for s in scales)


def test_a_transform_added_later_keeps_its_plain_scalar_parameters() -> None:
    from highlights.augment.phone import summarise_params

    applied = [("Sharpen", {"alpha": 0.3, "lightness": 1, "mode": "kernel", "matrix": [[0, 1], [1, 0]]})]
    assert summarise_params(applied) == {"Sharpen": {"alpha": 0.3, "lightness": 1, "mode": "kernel"}}


@pytest.mark.parametrize("name, ok, refused", [
    ("motion_blur_p", (0.0, 1.0), (-0.01, 1.01)),
    ("downscale_p", (0.0, 1.0), (-0.01, 1.01)),
    ("jpeg_p", (0.0, 1.0), (-0.01, 1.01)),
    ("affine_p", (0.0, 1.0), (-0.01, 1.01)),
    ("affine_translate", (0.0, 0.5), (-0.01, 0.51)),
    ("affine_rotate_deg", (0.0, 45.0), (-0.1, 45.1)),
    ("brightness_contrast_p", (0.0, 1.0), (-0.01, 1.01)),
    ("brightness_limit", (0.0, 1.0), (-0.01, 1.01)),
    ("contrast_limit", (0.0, 1.0), (-0.01, 1.01)),
    ("shake_jitter_px", (0, 32), (-1, 33)),
    ("motion_blur_kernel", ((3, 3), (5, 21)), ((1, 3), (4, 5), (3, 4), (5, 3), (3,))),
    ("downscale_range", ((0.01, 0.01), (0.5, 0.99)), ((0.0, 0.5), (0.5, 1.0), (0.6, 0.5))),
    ("jpeg_quality_range", ((1, 1), (100, 100)), ((0, 50), (50, 101), (60, 50))),
    ("affine_scale_range", ((0.5, 0.5), (1.0, 3.0)), ((0.0, 1.0), (1.1, 1.0), (0.9, 1.0, 1.1))),
])
def test_each_setting_is_accepted_up_to_its_limits_and_refused_past_them(name, ok, refused) -> None:
    for value in ok:
        assert getattr(PhoneAugmentConfig(**{name: value}), name) == value
    for value in refused:
        with pytest.raises(ConfigError, match=name):
            PhoneAugmentConfig(**{name: value})


def test_the_default_settings_and_their_dict() -> None:
    config = PhoneAugmentConfig.from_dict({"motion_blur_kernel": [3, 21], "variants_per_clip": 4})  # retired: ignored
    assert config == PhoneAugmentConfig() and config.motion_blur_kernel == (3, 21)
    assert config.to_dict() == {
        "motion_blur_p": 0.5, "motion_blur_kernel": [3, 21], "downscale_p": 0.5, "downscale_range": [0.35, 0.7],
        "jpeg_p": 0.5, "jpeg_quality_range": [40, 100], "affine_p": 0.5, "affine_translate": 0.05,
        "affine_scale_range": [0.9, 1.1], "affine_rotate_deg": 5.0, "brightness_contrast_p": 0.3,
        "brightness_limit": 0.2, "contrast_limit": 0.2, "shake_jitter_px": 0}
    with pytest.raises(ConfigError, match="unknown augmentation settings: a, b$"):
        PhoneAugmentConfig.from_dict({"b": 1, "a": 2, "jpeg_p": 0.1})


def test_the_preview_of_a_clip_with_a_long_name_keeps_the_name_inside_the_picture(tmp_path) -> None:
    """One variant, one frame: a narrow grid, where a 170-character name ran past both edges."""
    import matplotlib.pyplot as plt

    from highlights.augment.preview import preview_figure
    from tests.picture_checks import texts_outside

    name = "partie_été_Müller_" + "x" * 150 + ".mp4"
    clip = write_clip(tmp_path / name, 3, frames=4, width=96, height=64)
    fig = preview_figure(clip, variants=1, frames=1)
    try:
        assert texts_outside(fig) == []
        assert "".join(fig.get_suptitle().split()) == f"{name}:phoneaugmentation,seed0"
    finally:
        plt.close(fig)


def test_the_preview_says_when_each_row_is_and_keeps_each_applied_change_whole_on_a_line(tmp_path) -> None:
    """The rows did not say which moments of the clip they show, and a column's title broke its
    changes anywhere ("motion blur 17" over "px")."""
    import matplotlib.pyplot as plt

    from highlights.augment.preview import preview_figure, preview_variants
    from tests.picture_checks import texts_cover_each_other, texts_outside

    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    config = PhoneAugmentConfig(motion_blur_p=1.0, downscale_p=1.0, jpeg_p=1.0, affine_p=1.0,
                                brightness_contrast_p=1.0)
    _, times, results = preview_variants(clip, variants=3, frames=2, config=config)
    fig = preview_figure(clip, variants=3, frames=2, config=config)
    try:
        assert texts_outside(fig) == []
        renderer = fig.canvas.get_renderer()
        first_row, first_column = fig.axes[:4], fig.axes[::4]
        assert [ax.get_ylabel() for ax in first_column] == [f"at {t:.2f} s" for t in times]
        assert times[0] < times[1]
        assert texts_cover_each_other([ax.title for ax in first_row], renderer) == []
        for ax, result in zip(first_row[1:], results):
            lines = ax.get_title().split("\n")[1:]
            assert len(lines) > 1
            assert [item for line in lines for item in line.rstrip(",").split(", ")] == result.describe().split(", ")
    finally:
        plt.close(fig)


def test_importing_the_augmentation_asks_no_server_for_anything():
    """albumentations asks PyPI for a newer release when imported unless told not to; nothing in
    highlights may reach the network at run time."""
    import os
    import subprocess
    import sys

    code = ("import urllib.request\n"
            "asked = []\n"
            "real = urllib.request.build_opener\n"
            "urllib.request.build_opener = lambda *a, **k: asked.append(a) or real(*a, **k)\n"
            "urllib.request.urlopen = lambda *a, **k: asked.append(a) or (_ for _ in ()).throw(OSError())\n"
            "import highlights.augment.phone\n"
            "print(len(asked))\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_ALBUMENTATIONS_UPDATE"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
