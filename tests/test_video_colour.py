"""Colours as a player shows them: tagged matrices and full range.

Each clip is a few 64x64 frames of flat colour patches made here with PyAV, so the colour a
player would show is known exactly.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from highlights.video import iter_frames, read_clip

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
        stream = out.add_stream(encoder, rate=25, options=options or {})
        stream.width, stream.height, stream.pix_fmt = 64, 64, pix_fmt
        for key, value in tags.items():
            setattr(stream.codec_context, key, value)
        for i, frame in enumerate(frames):
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


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


def test_a_bt709_clip_reads_with_the_bt709_matrix(tmp_path):
    rgb = _patch_image()
    path = tmp_path / "bt709.mp4"
    _encode(path, [_yuv(rgb, 1, full=False) for _ in range(3)], encoder="libx264", pix_fmt="yuv420p",
            tags={"colorspace": 1, "color_primaries": 1, "color_trc": 1, "color_range": 1},
            options=_lossless("libx264"))
    got = _band_means(next(iter_frames(path)).rgb)
    # read with BT.601 (swscale's default) the red patch loses 16 of its 200 and green gains 19
    np.testing.assert_allclose(got, PATCHES, atol=3)


@pytest.mark.skipif("libx265" not in av.codecs_available, reason="no HEVC encoder in this FFmpeg")
def test_a_full_range_hevc_clip_keeps_its_blacks_and_whites(tmp_path):
    rgb = _patch_image()
    path = tmp_path / "full.mp4"
    _encode(path, [_yuv(rgb, 1, full=True) for _ in range(3)], encoder="libx265", pix_fmt="yuv420p",
            tags={"colorspace": 1, "color_primaries": 1, "color_trc": 1, "color_range": 2},
            options=_lossless("libx265"))
    frames, _ = read_clip(path, 1)
    # read as limited range, 16 would become 0 and 235 would become 255
    np.testing.assert_allclose(_band_means(frames[0]), PATCHES, atol=3)
