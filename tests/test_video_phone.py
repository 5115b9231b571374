"""Phone and camera files whose layout differs from one plain video track: made here with PyAV."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from highlights.video import iter_frames, probe

RED, BLUE = (220, 20, 20), (20, 20, 220)


def test_the_main_picture_is_read_when_a_small_preview_track_comes_first(tmp_path):
    path = tmp_path / "two_tracks.mov"
    with av.open(str(path), "w", format="mov") as out:
        tracks = []
        for width, height in ((64, 36), (128, 72)):  # preview first, then the main picture
            stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            tracks.append(stream)
        for i in range(5):
            for stream, colour in zip(tracks, (RED, BLUE)):
                rgb = np.full((stream.height, stream.width, 3), colour, np.uint8)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, 25)
                for packet in stream.encode(frame):
                    out.mux(packet)
        for stream in tracks:
            for packet in stream.encode():
                out.mux(packet)
    info = probe(path)
    assert (info.width, info.height) == (128, 72)
    frames = list(iter_frames(path))
    assert len(frames) == 5
    np.testing.assert_allclose(frames[0].rgb.reshape(-1, 3).mean(0), BLUE, atol=8)
