"""Phone and camera files whose layout differs from one plain video track: made here with PyAV."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from highlights.video import iter_frames, probe
from tests.video_fixtures import mux_frames, video_stream

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


def _cut_at_the_start(path, dropped: int = 4):
    """48 frames at 24 fps, a keyframe every 12, with the first `dropped` packets gone: what is
    left of a recording or copy that lost its start. Each frame's grey level is its index * 5."""
    whole = path.with_name("whole.mp4")
    with av.open(str(whole), "w") as out:
        stream = video_stream(out, 64, 48, rate=24, options={"preset": "ultrafast", "bf": "0"}, gop=12)
        mux_frames(out, stream, (np.full((48, 64, 3), i * 5, np.uint8) for i in range(48)))
    with av.open(str(whole)) as src, av.open(str(path), "w") as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for n, packet in enumerate(p for p in src.demux(video=0) if p.dts is not None):
            if n >= dropped:
                packet.stream = copy
                out.mux(packet)
    return path


def test_a_clip_cut_at_the_start_reads_from_a_time_before_its_first_keyframe(tmp_path):
    path = _cut_at_the_start(tmp_path / "cut.mp4")
    whole = list(iter_frames(path))
    assert [round(f.rgb.mean() / 5) for f in whole] == list(range(12, 48))  # from the first keyframe on
    # Times are on the player's timeline (the MP4's movie time), where the first packet left lies
    # at 4/24 s and the first picture that decodes, frame 12, at 12/24 s.
    assert whole[0].time_s == pytest.approx(12 / 24, abs=1e-3)
    # (A highlight starting there.) The seek fails (no keyframe at or before the time), and the
    # failed seek had moved the demuxer on: the read began at the second keyframe, 12 frames late.
    later = list(iter_frames(path, start_s=0.1))
    assert [round(f.rgb.mean() / 5) for f in later] == list(range(12, 48))
    assert [f.time_s for f in later] == [f.time_s for f in whole]
