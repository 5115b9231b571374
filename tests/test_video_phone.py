"""Phone and camera files whose layout differs from one plain video track: made here with PyAV."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from highlights.video import iter_frames, probe, read_clip
from highlights.video.rotation import write_mp4_rotation
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
    # Times count from the file's start, its first packet left (4/24 s on the MP4's movie time, as
    # `ffmpeg -ss` and players count): the first picture that decodes, frame 12, lies at 8/24 s.
    assert whole[0].time_s == pytest.approx(8 / 24, abs=1e-3)
    # (A highlight starting there.) The seek fails (no keyframe at or before the time), and the
    # failed seek had moved the demuxer on: the read began at the second keyframe, 12 frames late.
    later = list(iter_frames(path, start_s=0.1))
    assert [round(f.rgb.mean() / 5) for f in later] == list(range(12, 48))
    assert [f.time_s for f in later] == [f.time_s for f in whole]


def _yuv_planes(rgb: np.ndarray) -> list[np.ndarray]:
    """The Y, U and V planes (4:2:0) an encoder would store for an RGB picture."""
    height, width = rgb.shape[:2]
    packed = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray()
    y, rest = packed[:height], packed[height:].ravel()
    half = rest.size // 2
    return [y, rest[:half].reshape(height // 2, width // 2), rest[half:].reshape(height // 2, width // 2)]


def _lossless_from_planes(path, frames_planes: list[list[np.ndarray]], rotation: int = 0):
    """An H.264 file holding exactly these YUV planes (x264 lossless), with a display matrix."""
    height, width = frames_planes[0][0].shape
    frames = []
    for planes in frames_planes:
        packed = np.concatenate([p.ravel() for p in planes]).reshape(-1, width)
        frames.append(av.VideoFrame.from_ndarray(packed, format="yuv420p"))
    with av.open(str(path), "w") as out:
        stream = video_stream(out, width, height, options={"preset": "ultrafast", "qp": "0"})
        mux_frames(out, stream, frames)
    if rotation:
        write_mp4_rotation(path, rotation)
    return path


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_portrait_clip_stored_sideways_reads_as_the_same_pixels_as_stored_upright(tmp_path, rotation):
    # An iPhone stores a portrait clip sideways with a display matrix; many Androids store the
    # same pictures upright. Scaled to the pipeline's analysis size, both must give the same
    # pixels, or the pipeline finds other actions in one than in the other.
    from tests.synth_fixtures import request

    from highlights.synth import render_clip

    upright, _ = render_clip(request("basketball_layup", 5, seconds=0.2, size=(180, 320)))
    planes = [_yuv_planes(rgb) for rgb in upright]
    # What the sensor stores: each plane turned back (counter-clockwise) by the display rotation.
    sideways = [[np.ascontiguousarray(np.rot90(p, k=rotation // 90)) for p in f] for f in planes]
    stored_upright = _lossless_from_planes(tmp_path / "upright.mp4", planes)
    stored_sideways = _lossless_from_planes(tmp_path / "sideways.mp4", sideways, rotation)
    assert probe(stored_sideways).rotation == rotation

    for short_side in (None, 96, 72):
        a = [f.rgb for f in iter_frames(stored_upright, max_short_side=short_side, interpolation="AREA")]
        b = [f.rgb for f in iter_frames(stored_sideways, max_short_side=short_side, interpolation="AREA")]
        assert len(a) == len(b) == len(upright)
        assert a[0].shape == b[0].shape
        for x, y in zip(a, b):
            assert np.array_equal(x, y), (short_side, np.abs(x.astype(int) - y).mean())
    clip_a, times_a = read_clip(stored_upright, 3)
    clip_b, times_b = read_clip(stored_sideways, 3)
    assert np.array_equal(clip_a, clip_b) and np.array_equal(times_a, times_b)
