"""Untagged video is read as players read it: HD as BT.709, SD as BT.601.

A camera or an editor that states no colour matrix stored its HD pictures with BT.709 (and SD
with BT.601); players (mpv, VLC, browsers) assume the same. Clips made here with PyAV: flat
colour bands converted with a known matrix, stored losslessly, no tag.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from highlights.video import iter_frames, write_video

BANDS = np.array([[200, 30, 60], [20, 180, 40], [40, 60, 210], [230, 190, 150]], np.uint8)
BT709, BT601 = 1, 5


def _bands(width: int, height: int) -> np.ndarray:
    img = np.zeros((height, width, 3), np.uint8)
    step = width // len(BANDS)
    for i, colour in enumerate(BANDS):
        img[:, i * step:(i + 1) * step] = colour
    return img


def _band_means(rgb: np.ndarray) -> np.ndarray:
    step = rgb.shape[1] // len(BANDS)
    return np.array([rgb[4:-4, i * step + 4:(i + 1) * step - 4].reshape(-1, 3).mean(0) for i in range(len(BANDS))])


def _untagged(path, width: int, height: int, matrix: int) -> None:
    """Three frames converted to limited-range YUV with `matrix`, stored losslessly with no tag."""
    rgb = av.VideoFrame.from_ndarray(_bands(width, height), format="rgb24")
    yuv = rgb.reformat(format="yuv420p", src_colorspace=BT601 if matrix == BT709 else BT709,
                       dst_colorspace=matrix, src_color_range=2, dst_color_range=1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"qp": "0", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(yuv.to_ndarray(), format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(path)) as check:
        assert int(check.streams.video[0].codec_context.colorspace) == 2  # unspecified


@pytest.mark.parametrize("width, height, matrix", [(1280, 720, BT709), (720, 1280, BT709), (640, 360, BT601)],
                         ids=["hd", "hd-portrait", "sd"])
def test_untagged_video_reads_with_the_matrix_players_assume_for_its_size(tmp_path, width, height, matrix):
    path = tmp_path / "untagged.mp4"
    _untagged(path, width, height, matrix)
    # (HD read as BT.601 shifts the red band's red by 16 and the green band's green by 19)
    np.testing.assert_allclose(_band_means(next(iter_frames(path)).rgb), BANDS, atol=3)
    small = next(iter_frames(path, max_short_side=180)).rgb  # the pipeline's downscaled read
    np.testing.assert_allclose(_band_means(small), BANDS, atol=4)


def test_an_untagged_hd_file_the_writer_makes_reads_back_in_its_colours(tmp_path):
    """MPEG-4 Part 2 in AVI has nowhere to state its matrix: the writer converts HD with the one
    readers assume for its size."""
    path = write_video(tmp_path / "hd.avi", [_bands(1280, 720)] * 2, 25, codec="mpeg4", crf=18)
    with av.open(str(path)) as check:
        assert int(check.streams.video[0].codec_context.colorspace) == 2  # unspecified
    np.testing.assert_allclose(_band_means(next(iter_frames(path)).rgb), BANDS, atol=6)
