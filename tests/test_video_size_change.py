"""A video whose picture size changes part way (two recordings of other shapes joined, a
stream that switched resolution): every frame comes at the size of its first picture, as
`probe` gives it, a picture of another shape fitted inside in proportion with black bars, so
what the pipeline finds in a frame lands where it is in the video's own pixels."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from highlights.video import iter_frames, probe, read_clip

FPS, EACH = 10, 6


def _wide_then_square(path) -> None:
    """One H.264 stream in MPEG-TS: 6 pictures of 64x32, then 6 of 32x32 (its parameter sets
    are repeated in the stream, so the decoder follows the change). Every picture is white."""
    white = lambda w, h: np.full((h, w, 3), 255, np.uint8)  # noqa: E731
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        second = None
        for i in range(2 * EACH):
            if i < EACH:
                encoder, rgb = stream.codec_context, white(64, 32)
            else:
                if second is None:
                    for packet in stream.encode():
                        out.mux(packet)
                    second = av.CodecContext.create("libx264", "w")
                    second.width, second.height, second.pix_fmt = 32, 32, "yuv420p"
                    second.time_base, second.framerate = Fraction(1, FPS), Fraction(FPS)
                    second.options = {"preset": "ultrafast"}
                    second.open()
                encoder, rgb = second, white(32, 32)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            for packet in (stream.encode(frame) if encoder is stream.codec_context else second.encode(frame)):
                packet.stream = stream
                out.mux(packet)
        for packet in second.encode(None):
            packet.stream = stream
            out.mux(packet)


def _is_square_between_bars(rgb: np.ndarray) -> bool:
    """A white square in the middle of a black 2:1 frame."""
    h, w = rgb.shape[:2]
    left, middle, right = rgb[:, : w // 4 - 2], rgb[:, w // 4 + 2 : 3 * w // 4 - 2], rgb[:, 3 * w // 4 + 2 :]
    return left.max() < 40 and right.max() < 40 and middle.min() > 200


def test_pictures_of_another_shape_come_at_the_first_pictures_size_fitted_in_proportion(tmp_path):
    path = tmp_path / "joined.ts"
    _wide_then_square(path)
    info = probe(path)
    assert (info.width, info.height) == (64, 32)
    frames = list(iter_frames(path))
    assert len(frames) == 2 * EACH
    assert {f.rgb.shape for f in frames} == {(32, 64, 3)}
    assert all(f.rgb.min() > 200 for f in frames[:EACH])
    assert all(_is_square_between_bars(f.rgb) for f in frames[EACH:])
    # scaled, and read from part way (where the first picture read is of the other shape)
    later = list(iter_frames(path, start_s=EACH / FPS + 0.05, max_short_side=16))
    assert later and {f.rgb.shape for f in later} == {(16, 32, 3)}
    assert all(_is_square_between_bars(f.rgb) for f in later)
    clip, _ = read_clip(path, 4, start_s=EACH / FPS, end_s=2 * EACH / FPS)
    assert clip.shape == (4, 32, 64, 3)
    assert all(_is_square_between_bars(rgb) for rgb in clip)
