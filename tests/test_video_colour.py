"""Colours as a player shows them: tagged matrices, full range, HDR (HLG/PQ) and what the writer states.

Each clip is a few 64x64 frames of flat colour patches made here with PyAV, so the colour a
player would show is known exactly.
"""

from __future__ import annotations


import av
import numpy as np
import pytest

from highlights.video import colour, iter_frames, read_clip, write_video
from tests.video_fixtures import mux_frames, video_stream

PATCHES = np.array([[200, 30, 60], [20, 180, 40], [40, 60, 210], [235, 235, 235],
                    [128, 128, 128], [16, 16, 16], [230, 190, 150], [90, 200, 220]], np.uint8)


def _patch_image(size: int = 64) -> np.ndarray:
    """Eight vertical bands of colour, each 8 px wide (4:2:0 chroma stays inside a band)."""
    band = size // len(PATCHES)
    img = np.zeros((size, size, 3), np.uint8)
    for i, c in enumerate(PATCHES):
        img[:, i * band:(i + 1) * band] = c
    return img


def _band_means(rgb: np.ndarray) -> np.ndarray:
    band = rgb.shape[1] // len(PATCHES)
    # the middle of each band: away from where 4:2:0 chroma and the codec blur the edges
    return np.array([rgb[8:-8, i * band + 2:(i + 1) * band - 2].reshape(-1, 3).mean(0)
                     for i in range(len(PATCHES))])


def _encode(path, frames, *, encoder: str, pix_fmt: str, tags: dict, options: dict | None = None) -> None:
    with av.open(str(path), "w") as out:
        mux_frames(out, video_stream(out, 64, 64, encoder=encoder, pix_fmt=pix_fmt, options=options or {}, tags=tags),
                   frames)


def _yuv(rgb: np.ndarray, matrix: int, full: bool) -> av.VideoFrame:
    src = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    # swscale needs the two matrices to differ before it applies them (the source one is
    # unused for RGB input)
    yuv = src.reformat(format="yuv420p", src_colorspace=5 if matrix == 1 else 1, dst_colorspace=matrix,
                       src_color_range=2, dst_color_range=2 if full else 1)
    yuv.colorspace, yuv.color_range = matrix, 2 if full else 1
    return yuv


def _lossless(encoder: str) -> dict:
    return {"qp": "0", "preset": "ultrafast"} if encoder == "libx264" else {
        "x265-params": "lossless=1:log-level=error", "preset": "ultrafast"}


@pytest.mark.parametrize("encoder, full, reader", [
    # read with BT.601 (swscale's default) the red patch loses 16 of its 200 and green gains 19
    pytest.param("libx264", False, "iter_frames", id="bt709"),
    # read as limited range, 16 would become 0 and 235 would become 255
    pytest.param("libx265", True, "read_clip", id="full-range-hevc", marks=pytest.mark.skipif(
        "libx265" not in av.codecs_available, reason="no HEVC encoder in this FFmpeg")),
])
def test_a_bt709_clip_reads_in_its_matrix_and_range(tmp_path, encoder, full, reader):
    path = tmp_path / f"{encoder}.mp4"
    _encode(path, [_yuv(_patch_image(), 1, full=full) for _ in range(3)], encoder=encoder, pix_fmt="yuv420p",
            tags={"colorspace": 1, "color_primaries": 1, "color_trc": 1, "color_range": 2 if full else 1},
            options=_lossless(encoder))
    got = next(iter_frames(path)).rgb if reader == "iter_frames" else read_clip(path, 1)[0][0]
    np.testing.assert_allclose(_band_means(got), PATCHES, atol=3)


# --- HDR: the clip a phone records from the same scene, BT.2020 primaries, 10 bits ---

_BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]])


def _hdr_signal(rgb: np.ndarray, transfer: str) -> np.ndarray:
    """SDR sRGB -> BT.2020 R'G'B' with SDR white at the HDR reference white (BT.2408)."""
    x = rgb.astype(np.float64) / 255.0
    linear = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4) @ _BT709_TO_BT2020.T
    if transfer == "pq":
        m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
        lm = np.power(np.clip(linear * 203 / 10000, 0, 1), m1)
        return np.power((c1 + c2 * lm) / (1 + c3 * lm), m2)
    # HLG: 203 cd/m2 on the 1000 cd/m2 reference display (OOTF gamma 1.2) is scene light 0.2649
    scene = np.power(linear * 203 / 1000, 1 / 1.2)
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    return np.where(scene <= 1 / 12, np.sqrt(3 * scene), a * np.log(np.maximum(12 * scene - b, 1e-9)) + c)


def _hdr_frame(rgb: np.ndarray, transfer: str) -> av.VideoFrame:
    e = _hdr_signal(rgb, transfer)
    y = 0.2627 * e[..., 0] + 0.6780 * e[..., 1] + 0.0593 * e[..., 2]
    cb, cr = (e[..., 2] - y) / 1.8814, (e[..., 0] - y) / 1.4746
    h, w = y.shape

    def sub(c):
        return c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    planes = [np.round(64 + 876 * y), np.round(512 + 896 * sub(cb)), np.round(512 + 896 * sub(cr))]
    frame = av.VideoFrame(w, h, "yuv420p10le")
    for plane, values in zip(frame.planes, planes):
        rows = np.zeros((values.shape[0], plane.line_size // 2), np.uint16)
        rows[:, :values.shape[1]] = values
        plane.update(rows.tobytes())
    frame.colorspace, frame.color_range = 9, 1
    return frame


@pytest.mark.skipif("libx265" not in av.codecs_available, reason="no HEVC encoder in this FFmpeg")
@pytest.mark.parametrize("transfer, trc", [("hlg", 18), ("pq", 16)])
def test_an_hdr_clip_is_tone_mapped_to_the_colours_it_was_filmed_in(tmp_path, transfer, trc):
    rgb = _patch_image()
    path = tmp_path / f"{transfer}.mov"
    x265 = ("lossless=1:log-level=error:colorprim=bt2020:colormatrix=bt2020nc:transfer="
            + ("smpte2084" if transfer == "pq" else "arib-std-b67"))
    _encode(path, [_hdr_frame(rgb, transfer) for _ in range(3)], encoder="libx265", pix_fmt="yuv420p10le",
            tags={"colorspace": 9, "color_primaries": 9, "color_trc": trc, "color_range": 1},
            options={"x265-params": x265, "preset": "ultrafast"})
    got = _band_means(next(iter_frames(path)).rgb)
    # SDR white lands a little under 255 (highlights above it are rolled off), the rest where it was;
    # read as SDR signal values the HLG white is 191 and the PQ white 148, the colours washed out
    np.testing.assert_allclose(got, PATCHES.astype(float), atol=12)
    assert np.abs(got - PATCHES).mean() < 5
    small = next(iter_frames(path, max_short_side=32)).rgb  # the pipeline's downscaled path
    np.testing.assert_allclose(small[16, 2], PATCHES[0], atol=16)


def test_written_video_states_the_matrix_it_was_converted_with(tmp_path):
    """A player takes untagged HD video as BT.709: what we write says which matrix it used."""
    rgb = np.repeat(np.repeat(_patch_image(64), 12, axis=0), 20, axis=1)[:720, :1280]
    path = write_video(tmp_path / "reel.mp4", [rgb] * 2, 25)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        ctx = stream.codec_context
        stated = ctx.colorspace if ctx.colorspace in (1, 5, 6) else 1  # unstated HD: BT.709
        limited = ctx.color_range != 2
        y = np.frombuffer(frame.planes[0], np.uint8).reshape(720, -1)[:, :1280].astype(float)
        u = np.frombuffer(frame.planes[1], np.uint8).reshape(360, -1)[:, :640].astype(float)
        v = np.frombuffer(frame.planes[2], np.uint8).reshape(360, -1)[:, :640].astype(float)
    # what a player shows: the stated matrix, by hand
    kr, kb = (0.2126, 0.0722) if stated == 1 else (0.299, 0.114)
    ys, cs, yo = (219, 224, 16) if limited else (255, 255, 0)
    yy = (y[::2, ::2] - yo) / ys
    cb, cr = (u - 128) / cs, (v - 128) / cs
    r = yy + 2 * (1 - kr) * cr
    b = yy + 2 * (1 - kb) * cb
    g = (yy - kr * r - kb * b) / (1 - kr - kb)
    shown = np.clip(np.stack([r, g, b], -1) * 255, 0, 255)
    np.testing.assert_allclose(_band_means(shown[:, :]), _band_means(rgb[::2, ::2]), atol=4)


def _whole_frame_tone_map(signal: np.ndarray, transfer: int) -> np.ndarray:
    """tone_map as written first, in whole-frame numpy: the reference the sliced version keeps to."""
    linear = colour._signal_table(transfer)[signal]
    linear = linear @ colour._BT2020_TO_BT709.T
    np.clip(linear, 0.0, colour._LUT_MAX, out=linear)
    np.sqrt(linear * (1.0 / colour._LUT_MAX), out=linear)
    index = (linear * (colour._LUT_SIZE - 1) + 0.5).astype(np.int32)
    return colour._output_table()[index]


@pytest.mark.parametrize("transfer", [colour.TRC_HLG, colour.TRC_PQ], ids=["hlg", "pq"])
@pytest.mark.parametrize("width", [250, 20000], ids=["slices-of-rows", "row-wider-than-a-slice"])
def test_tone_map_keeps_to_the_whole_frame_version_within_one_level(transfer, width):
    rng = np.random.default_rng(transfer)
    ramp = np.arange(65536, dtype=np.uint16)
    # every grey code; each primary and secondary ramped with the other channels at black and at
    # mid level (saturated colours go negative in BT.709 and are clipped); noise of all codes
    rows = [np.repeat(ramp[:, None], 3, 1)]
    for mask in ([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1]):
        for floor in (0, 30000):
            on = np.array(mask, bool)
            rows.append(np.where(on, ramp[:, None], np.uint16(floor)).astype(np.uint16))
    rows.append(rng.integers(0, 65536, (65536, 3)).astype(np.uint16))
    pixels = np.concatenate(rows)
    # 250 wide: the last slice of rows is a part one; 20000 wide: a slice is one row
    signal = pixels[: pixels.shape[0] // width * width].reshape(-1, width, 3)
    got = colour.tone_map(signal, transfer)
    want = _whole_frame_tone_map(signal, transfer)
    assert got.shape == want.shape and got.dtype == np.uint8
    diff = np.abs(got.astype(int) - want)
    assert diff.max() <= 1
    assert (diff > 0).mean() < 1e-3  # only indices on the edge between two table entries
    assert np.ptp(want) == 255  # the inputs span black to white
