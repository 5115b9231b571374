"""Write tiny videos with PyAV, read them back, and check what comes out frame by frame."""

from __future__ import annotations

import gc
import inspect
import os
import weakref

import av
import numpy as np
import pytest

import highlights.video.reader as reader
from highlights.video import Frame, VideoInfo, iter_frames, probe, read_clip, write_video
from highlights.video.errors import VideoError
from tests.video_fixtures import (
    HEIGHT,
    WIDTH,
    frame_index,
    indexed_frame,
    indexed_frames,
    orientation_of,
    upright_marker_image,
    write_indexed,
)

CONTAINERS_AND_CODECS = [
    ("mp4", "h264"), ("mp4", "hevc"), ("mp4", "mpeg4"), ("mov", "h264"), ("mov", "hevc"),
    ("mkv", "h264"), ("mkv", "vp9"), ("mkv", "hevc"), ("webm", "vp9"), ("avi", "mpeg4"),
    ("avi", "h264"), ("m4v", "mpeg4"),
]


@pytest.mark.parametrize(("suffix", "codec"), CONTAINERS_AND_CODECS)
def test_every_container_and_codec_round_trips(tmp_path, suffix, codec):
    n = 24
    path = write_indexed(tmp_path / f"clip.{suffix}", n, fps=30, codec=codec)

    info = probe(path)
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height, info.rotation) == (WIDTH, HEIGHT, 0)
    assert info.codec == codec
    assert info.fps == pytest.approx(30, rel=1e-3)
    assert info.num_frames == n
    assert info.duration_s == pytest.approx(n / 30, abs=0.02)

    frames = list(iter_frames(path))
    assert [f.index for f in frames] == list(range(n))
    assert [frame_index(f.rgb) for f in frames] == list(range(n))
    times = np.array([f.time_s for f in frames])
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(times, np.arange(n) / 30, atol=2e-3)
    assert all(f.rgb.shape == (HEIGHT, WIDTH, 3) and f.rgb.dtype == np.uint8 for f in frames)


@pytest.mark.parametrize("fps", [24000 / 1001, 60000 / 1001, 12.0, 25.0])
def test_odd_frame_rates_keep_their_timing(tmp_path, fps):
    n = 15
    path = write_indexed(tmp_path / "rate.mp4", n, fps=fps)
    info = probe(path)
    assert info.fps == pytest.approx(fps, rel=1e-3)
    assert info.duration_s == pytest.approx(n / fps, rel=0.02)
    times = np.array([f.time_s for f in iter_frames(path)])
    np.testing.assert_allclose(times, np.arange(n) / fps, atol=1e-3)


def _trimmed_by_edit_list(source, trimmed, cut_s: float):
    """`source` stream-copied with its first `cut_s` seconds before 0: PyAV's MP4 muxer writes an
    edit list that tells players to skip them, as a phone's trim or `ffmpeg -ss -c copy` does."""
    with av.open(str(source)) as src, av.open(str(trimmed), "w") as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        shift = int(round(cut_s / stream.time_base))
        for packet in src.demux(stream):
            if packet.dts is None:
                continue
            packet.pts -= shift
            packet.dts -= shift
            packet.stream = copy
            out.mux(packet)
    return trimmed


def test_a_clip_trimmed_by_an_edit_list_counts_the_frames_it_plays(tmp_path):
    # Copying a cut without re-encoding (a phone's trim, `ffmpeg -ss -c copy`) keeps the samples
    # before the cut and an edit list telling players to skip them.
    source = write_indexed(tmp_path / "whole.mp4", 45, fps=30)
    cut = 15
    trimmed = _trimmed_by_edit_list(source, tmp_path / "trimmed.mp4", cut / 30)
    with av.open(str(trimmed)) as check:
        assert check.streams.video[0].frames == 45  # the index still lists the skipped samples
    played = [frame_index(f.rgb) for f in iter_frames(trimmed)]
    assert played == list(range(cut, 45))
    info = probe(trimmed)
    assert info.num_frames == len(played) == 30
    assert info.duration_s == pytest.approx(1.0, abs=0.02)


def _phone_clip_with_hidden_preroll(tmp_path, shown_times_s: list[float]):
    # A phone's recording: a second of pre-roll at 15 fps that its edit list hides, then what it
    # shows. FFmpeg's average rate counts the pre-roll's frames over a length that includes it.
    preroll = [k / 15 for k in range(15)]
    times = preroll + [1.0 + t for t in shown_times_s]
    whole = write_video(tmp_path / "whole.mp4", indexed_frames(len(times)), 30, times_s=times,
                        crf=12)
    trimmed = _trimmed_by_edit_list(whole, tmp_path / "phone.mp4", 1.0)
    with av.open(str(trimmed)) as check:
        assert float(check.streams.video[0].average_rate) < 29  # what the reader must not take
    return trimmed


def test_a_phone_clip_whose_edit_list_hides_a_slower_preroll_reads_at_its_shown_rate(tmp_path):
    clip = _phone_clip_with_hidden_preroll(tmp_path, [k / 30 for k in range(30)])
    info = probe(clip)
    assert info.fps == pytest.approx(30.0, rel=1e-3)
    assert info.frame_rate == 0.0  # constant rate: not labelled variable-rate
    assert info.num_frames == len(list(iter_frames(clip))) == 30
    assert [frame_index(f.rgb) for f in iter_frames(clip)] == list(range(15, 45))


def test_a_phone_clip_with_an_edit_list_that_slows_to_15_fps_stays_variable_rate(tmp_path):
    shown = [k / 30 for k in range(30)] + [1.0 + k / 15 for k in range(15)]  # 1 s at 30, 1 s at 15
    clip = _phone_clip_with_hidden_preroll(tmp_path, shown)
    info = probe(clip)
    assert info.frame_rate == pytest.approx(30.0, rel=1e-3)
    assert 21 < info.fps < 24  # 45 frames over about 2 s
    assert info.num_frames == len(list(iter_frames(clip))) == 45


def test_odd_size_is_trimmed_to_even_and_reads_back(tmp_path):
    frames = [indexed_frame(i, width=63, height=47) for i in range(6)]
    path = write_video(tmp_path / "odd.mp4", frames, 30)
    info = probe(path)
    assert (info.width, info.height) == (62, 46)
    assert [frame_index(f.rgb) for f in iter_frames(path)] == list(range(6))


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "out.mp4"
    write_indexed(path, 5)
    before = path.read_bytes()

    def failing_frames():
        yield indexed_frame(0)
        yield indexed_frame(1)
        raise RuntimeError("camera unplugged")

    with pytest.raises(RuntimeError, match="camera unplugged"):
        write_video(path, failing_frames(), 30)
    assert path.read_bytes() == before  # the earlier video is intact
    assert sorted(os.listdir(tmp_path)) == ["out.mp4"]  # and no half-written temp file


def test_same_frames_encode_to_the_same_bytes(tmp_path):
    # 320x180 is one of the sizes at which two encodes of the same frames were seen to differ.
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 256, (180, 320, 3), dtype=np.uint8) for _ in range(8)]
    first = write_video(tmp_path / "a.mp4", frames, 25).read_bytes()
    second = write_video(tmp_path / "b.mp4", frames, 25).read_bytes()
    assert first == second


def test_the_same_clip_encodes_to_the_same_bytes_between_other_encodes(tmp_path):
    """A generator clip encoded again, with other clips encoded in between (as `synth clips`, a
    dataset's variants and `review export` do), gives the same bytes, with the default and the
    training-data preset: its hash is its clip id in a dataset."""
    from highlights.video.writer import DATA_PRESET
    from tests.synth_fixtures import rendered

    clip, _ = rendered("basketball_layup", 4, seconds=4.0)
    other, _ = rendered("soccer_shooting", 5, seconds=4.0)
    for preset in (None, DATA_PRESET):
        encoded = set()
        for n in range(6):
            encoded.add(write_video(tmp_path / f"clip{n}.mp4", clip, 20, preset=preset).read_bytes())
            write_video(tmp_path / f"other{n}.mp4", other, 20, preset=preset)
        assert len(encoded) == 1, preset


def test_x264_is_held_to_its_avx2_code_on_an_avx512_cpu_only(monkeypatch):
    import highlights.video.writer as writer

    monkeypatch.setattr(writer, "_has_avx512", lambda: True)
    assert writer._encoder_options("libx264", 23)["x264-params"] == "subme=1:asm=AVX2"
    assert writer._encoder_options("libx264", 18, "veryfast")["x264-params"] == "asm=AVX2"
    monkeypatch.setattr(writer, "_has_avx512", lambda: False)
    assert writer._encoder_options("libx264", 23)["x264-params"] == "subme=1"
    assert "x264-params" not in writer._encoder_options("libx264", 18, "veryfast")


def _x264_settings(path) -> str:
    data = path.read_bytes()
    start = data.index(b"options: ")
    return data[start:data.index(b"\0", start)].decode()


def test_preset_trades_size_for_speed_and_is_checked(tmp_path):
    rng = np.random.default_rng(6)
    frames = [rng.integers(0, 256, (64, 96, 3), dtype=np.uint8) for _ in range(6)]
    default = write_video(tmp_path / "default.mp4", frames, 25)
    veryfast = write_video(tmp_path / "veryfast.mp4", frames, 25, preset="veryfast")
    ultrafast = write_video(tmp_path / "ultrafast.mp4", frames, 25, preset="ultrafast")
    # The h264 default is veryfast with cheaper subpixel refinement; an explicit preset is x264's own
    # (x264 writes its settings into the stream).
    assert b"subme=1 " in default.read_bytes() and b"subme=2 " in veryfast.read_bytes()
    assert _x264_settings(default).replace("subme=1 ", "subme=2 ") == _x264_settings(veryfast)
    assert ultrafast.stat().st_size > veryfast.stat().st_size  # no CABAC, weaker prediction
    assert [frame_index(f.rgb) for f in iter_frames(write_indexed(
        tmp_path / "fast.mp4", 4, preset="superfast"))] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="preset"):
        write_video(tmp_path / "x.mp4", frames, 25, preset="warp")
    with pytest.raises(ValueError, match="preset"):
        write_video(tmp_path / "x.avi", frames, 25, codec="mpeg4", preset="fast")
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "x.avi").exists()


def test_write_rejects_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="rotation"):
        write_video(tmp_path / "a.mkv", indexed_frames(2), 30, rotation=90)
    with pytest.raises(ValueError, match="codec"):
        write_video(tmp_path / "a.webm", indexed_frames(2), 30, codec="h264")
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "a.mp4", [], 30)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("suffix", "codec", "rotation"), [
    ("mp4", "h264", 90), ("mp4", "h264", 180), ("mp4", "h264", 270), ("mov", "hevc", 90),
    ("mp4", "mpeg4", 270),
])
def test_rotation_metadata_reads_back_upright(tmp_path, suffix, codec, rotation):
    # The picture we mean, portrait for 90/270 like a phone held upright.
    portrait = rotation in (90, 270)
    upright = upright_marker_image(48, 64) if portrait else upright_marker_image(64, 48)
    # What the sensor stores: the upright picture turned back (counter-clockwise) by the rotation.
    stored = np.ascontiguousarray(np.rot90(upright, k=rotation // 90))
    path = write_video(tmp_path / f"phone.{suffix}", [stored] * 4, 30, codec=codec,
                       rotation=rotation, crf=12)

    # Another reader (PyAV itself) sees the display matrix: -rotation counter-clockwise.
    with av.open(str(path)) as container:
        raw = next(container.decode(video=0))
        assert (raw.width, raw.height) == (stored.shape[1], stored.shape[0])
        assert raw.rotation % 360 == (-rotation) % 360

    info = probe(path)
    assert info.rotation == rotation
    assert (info.width, info.height) == (upright.shape[1], upright.shape[0])
    frame = next(iter_frames(path))
    assert frame.rgb.shape == upright.shape
    assert orientation_of(frame.rgb) == (True, True)
    assert np.abs(frame.rgb.astype(int) - upright).mean() < 6
    clip, _ = read_clip(path, 2)
    assert clip.shape == (2, *upright.shape)
    assert orientation_of(clip[0]) == (True, True)
    small = next(iter_frames(path, max_short_side=24)).rgb
    assert min(small.shape[:2]) == 24
    assert (small.shape[0] > small.shape[1]) == portrait
    assert orientation_of(small) == (True, True)


def test_unrotated_marker_is_upright(tmp_path):
    # Guards the orientation check itself: without metadata the stored picture is shown as is.
    upright = upright_marker_image(64, 48)
    path = write_video(tmp_path / "plain.mp4", [np.rot90(upright, k=1)] * 2, 30)
    frame = next(iter_frames(path))
    assert frame.rgb.shape == (64, 48, 3)
    assert orientation_of(frame.rgb) != (True, True)


def test_read_clip_picks_frames_nearest_evenly_spaced_times(tmp_path):
    n, fps = 40, 20.0
    path = write_indexed(tmp_path / "cfr.mp4", n, fps=fps)
    clip, times = read_clip(path, 8)
    assert clip.shape == (8, HEIGHT, WIDTH, 3) and clip.dtype == np.uint8
    # The 2 s span in 8 parts: centres at 0.125, 0.375, ... -> nearest frames (ties go earlier).
    expected = [2, 7, 12, 17, 22, 27, 32, 37]
    assert [frame_index(f) for f in clip] == expected
    np.testing.assert_allclose(times, np.array(expected) / fps, atol=1e-3)

    clip, times = read_clip(path, 4, start_s=1.0, end_s=1.4)
    # Centres 1.05, 1.15, 1.25, 1.35 s fall on frames 21, 23, 25, 27.
    assert [frame_index(f) for f in clip] == [21, 23, 25, 27]
    assert np.all((times >= 1.0) & (times <= 1.4))


def test_read_clip_takes_sixteen_frames_by_default_and_at_least_one(tmp_path):
    path = write_indexed(tmp_path / "cfr.mp4", 40, fps=20.0)
    clip, _ = read_clip(path)
    # The 2 s span in 16 parts: centres at 0.0625, 0.1875, ... s, nearest frames every 0.05 s.
    assert [frame_index(f) for f in clip] == [1, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 29, 31, 34, 36, 39]
    clip, times = read_clip(path, 1)
    assert [frame_index(f) for f in clip] == [20]  # the span's centre, 1.0 s
    with pytest.raises(ValueError, match="num_frames must be at least 1, got 0"):
        read_clip(path, 0)
    with pytest.raises(VideoError, match=r"cfr\.mp4: empty time span \[1\.000, 1\.000\] s"):
        read_clip(path, 4, start_s=1.0, end_s=1.0)


def test_a_video_of_one_frame_reads_as_that_frame(tmp_path):
    path = write_indexed(tmp_path / "one.mp4", 1)
    assert [frame_index(f.rgb) for f in iter_frames(path)] == [0]
    assert [frame_index(f.rgb) for f in iter_frames(path, target_fps=5)] == [0]


def test_read_clip_of_a_short_video_repeats_frames(tmp_path):
    path = write_indexed(tmp_path / "short.mp4", 5, fps=10)
    clip, times = read_clip(path, 16)
    indices = [frame_index(f) for f in clip]
    assert len(indices) == 16
    assert indices == sorted(indices) and set(indices) == set(range(5))
    assert np.all(np.diff(times) >= 0)


def test_variable_frame_rate_is_sampled_by_time_not_index(tmp_path):
    # Bursts and gaps, as a phone under load records them.
    times_s = [0.0, 0.04, 0.08, 0.12, 0.16, 0.2, 1.0, 1.04, 1.9, 1.94, 1.98]
    path = write_video(tmp_path / "vfr.mp4", indexed_frames(len(times_s)), 30, times_s=times_s,
                       crf=12)
    frames = list(iter_frames(path))
    np.testing.assert_allclose([f.time_s for f in frames], times_s, atol=1e-3)
    assert [frame_index(f.rgb) for f in frames] == list(range(len(times_s)))

    clip, got_times = read_clip(path, 4, start_s=0.0, end_s=2.0)
    # Targets 0.25, 0.75, 1.25, 1.75 s. By time: 0.2 (idx 5), 1.0 (6), 1.04 (7), 1.9 (8);
    # spreading over the 11 frames by index would have picked 1, 4, 6, 9 instead.
    assert [frame_index(f) for f in clip] == [5, 6, 7, 8]
    np.testing.assert_allclose(got_times, [0.2, 1.0, 1.04, 1.9], atol=1e-3)

    kept = list(iter_frames(path, target_fps=2))  # grid 0, 0.5, 1.0, 1.5
    assert [frame_index(f.rgb) for f in kept] == [0, 5, 6, 8]


def test_iter_frames_refuses_a_rate_of_zero_or_less_a_side_under_two_pixels_and_negative_threads(tmp_path):
    path = write_indexed(tmp_path / "cfr.mp4", 4, fps=30)
    for kwargs, why in (({"target_fps": 0}, "target_fps must be positive, got 0"),
                        ({"target_fps": -1.0}, "target_fps must be positive"),
                        ({"max_short_side": 1}, "max_short_side must be at least 2, got 1"),
                        ({"threads": -1}, "threads must be 0")):
        with pytest.raises(ValueError, match=why):
            next(iter_frames(path, **kwargs))
    assert [f.index for f in iter_frames(path, target_fps=0.5)] == [0]  # one grid point in 0.13 s
    assert min(next(iter_frames(path, max_short_side=2)).rgb.shape[:2]) == 2


def test_iter_frames_scales_each_frame_to_the_short_side_asked_for_its_time(tmp_path):
    path = write_indexed(tmp_path / "cfr.mp4", 6, fps=30)
    asked: list[float] = []

    def side(time_s: float) -> int | None:
        asked.append(time_s)
        return None if time_s < 0.06 else 24  # frames 0 and 1 at full size, the rest small

    frames = list(iter_frames(path, short_side_at=side, max_short_side=12))
    full = next(iter_frames(path)).rgb.shape
    assert [f.rgb.shape == full for f in frames] == [True, True, False, False, False, False]
    assert {min(f.rgb.shape[:2]) for f in frames[2:]} == {24}
    assert [frame_index(f.rgb) for f in frames] == list(range(6))
    assert asked == [f.time_s for f in frames]
    with pytest.raises(ValueError, match="must be None or at least 2, got 1"):
        next(iter_frames(path, short_side_at=lambda t: 1))


def test_a_grid_time_halfway_between_two_frames_goes_to_the_later_one():
    # Frames at 0, 1 and 2 s; grid times 0.5, 1.5 and 2.5 s, each exactly between two frames.
    # Each frame is nearest the times from its midpoint with the previous frame (included) to
    # that with the next (excluded): 0.5 goes to frame 1, 1.5 to frame 2, 2.5 to none.
    frames = [reader._Timed(i, float(i), None) for i in range(3)]
    kept = reader._on_time_grid(iter(frames), 0.5, 1.0, None, 1.0)
    assert [f.index for f in kept] == [1, 2]
    # The last frame is nearest the times up to half a frame step after it: 2.4 s, not 2.6 s.
    assert [f.index for f in reader._on_time_grid(iter(frames), 0.0, 2.4, None, 1.0)] == [0, 2]
    assert [f.index for f in reader._on_time_grid(iter(frames), 0.0, 2.6, None, 1.0)] == [0]
    # A grid time at the end of the span is past it, as a frame there is.
    assert [f.index for f in reader._on_time_grid(iter(frames), 0.0, 1.0, 2.0, 1.0)] == [0, 1]


def test_iter_frames_subsamples_by_time_and_downscales(tmp_path):
    path = write_indexed(tmp_path / "cfr.mp4", 30, fps=30)
    kept = list(iter_frames(path, target_fps=10))
    assert [f.index for f in kept] == list(range(0, 30, 3))
    assert [frame_index(f.rgb) for f in kept] == list(range(0, 30, 3))

    every = list(iter_frames(path, target_fps=100))  # above the source rate: each frame once
    assert [f.index for f in every] == list(range(30))

    small = next(iter_frames(path, max_short_side=24))
    assert small.rgb.shape == (24, 32, 3)
    assert frame_index(small.rgb) == 0
    untouched = next(iter_frames(path, max_short_side=480))
    assert untouched.rgb.shape == (HEIGHT, WIDTH, 3)


@pytest.mark.parametrize(("suffix", "codec"), CONTAINERS_AND_CODECS)
def test_seeking_lands_on_the_right_frames_in_every_container(tmp_path, suffix, codec):
    # 70 frames, keyframes every 2 s (frames 0 and 60): 1.5 s is mid-GOP, 2.1 s just after one.
    path = write_indexed(tmp_path / f"long.{suffix}", 70, fps=30, codec=codec)
    for start, end, expected in [(1.5, 1.8, range(45, 54)), (2.1, 2.2, range(63, 66))]:
        window = list(iter_frames(path, start_s=start, end_s=end))
        assert [f.index for f in window] == list(expected)
        assert [frame_index(f.rgb) for f in window] == list(expected)
    clip, times = read_clip(path, 3, start_s=1.5, end_s=1.8)
    # Centres 1.55, 1.65, 1.75 s each fall exactly between two frames: the earlier is taken.
    assert [frame_index(f) for f in clip] == [46, 49, 52]
    np.testing.assert_allclose(times, np.array([46, 49, 52]) / 30, atol=2e-3)


def test_iter_frames_seeks_to_start_and_stops_at_end(tmp_path):
    path = write_indexed(tmp_path / "cfr.mp4", 30, fps=30)
    window = list(iter_frames(path, start_s=0.5, end_s=0.8))
    assert [f.index for f in window] == list(range(15, 24))
    assert [frame_index(f.rgb) for f in window] == list(range(15, 24))
    assert all(0.5 - 1e-6 <= f.time_s < 0.8 for f in window)
    gridded = list(iter_frames(path, start_s=0.5, end_s=0.8, target_fps=10))
    assert [f.index for f in gridded] == [15, 18, 21]


def test_one_decoder_thread_reads_the_same_frames(tmp_path):
    """`threads=1` (the pipeline's `analysis.decode_threads`) decodes on one thread, not FFmpeg's
    frame threads, and hands over the very same pixels at the same times."""
    path = write_indexed(tmp_path / "cfr.mp4", 30, fps=30, textured=True)
    one = reader._open(path, threads=1)
    auto = reader._open(path)
    try:
        assert one.stream.codec_context.thread_count == 1
        assert auto.stream.thread_type.name == "AUTO"
    finally:
        one.container.close()
        auto.container.close()
    for kwargs in ({}, {"target_fps": 10, "max_short_side": 24, "interpolation": "AREA"}):
        default = list(iter_frames(path, **kwargs))
        single = list(iter_frames(path, threads=1, **kwargs))
        assert [(f.index, f.time_s) for f in single] == [(f.index, f.time_s) for f in default]
        assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(single, default))
    with pytest.raises(ValueError, match="threads"):
        list(iter_frames(path, threads=-1))


class _TrackedFrame:
    """Stands in for a decoded PyAV frame so the test can see when the reader lets go of it."""

    def __init__(self, frame):
        self._frame = frame

    def __getattr__(self, name):
        return getattr(self._frame, name)


@pytest.mark.parametrize("target_fps", [None, 10.0])
def test_iter_frames_streams_without_holding_frames(tmp_path, monkeypatch, target_fps):
    path = write_indexed(tmp_path / "long.mkv", 300, fps=30, crf=30)
    decoded = []  # weak references to every decoded frame the reader was handed
    real_decoded = reader._decoded

    def tracked(*args, **kwargs):
        for frame in real_decoded(*args, **kwargs):
            proxy = _TrackedFrame(frame)
            decoded.append(weakref.ref(proxy))
            yield proxy

    monkeypatch.setattr(reader, "_decoded", tracked)
    stream = iter_frames(path, target_fps=target_fps)
    assert inspect.isgenerator(stream)
    handed_out = []
    peak_alive = 0
    for frame in stream:
        assert isinstance(frame, Frame)
        handed_out.append(weakref.ref(frame))
        del frame
        if len(handed_out) % 25 == 0:
            gc.collect()  # nothing here should need it (no cycles), but rule it out
        peak_alive = max(peak_alive, sum(ref() is not None for ref in decoded))
        # Frames already handed out are not kept by the reader either.
        assert sum(ref() is not None for ref in handed_out) == 0
    assert len(decoded) == 300
    assert len(handed_out) == (300 if target_fps is None else 100)
    # The current frame, plus one of look-ahead when keeping frames nearest a time grid.
    assert peak_alive <= 2


def test_training_data_keeps_x264s_own_veryfast_where_outputs_take_the_quicker_default(tmp_path):
    """The generator's clips and reviewed clips cut into a dataset are encoded as they always
    were (x264's veryfast), so a generator version's clips, and a model trained on them, stay the
    same; the quicker default (subme=1) is for the reel and the page's clips."""
    from highlights.review.export import cut_clip
    from highlights.synth.clip import ClipRequest, write_clip

    req = ClipRequest(label="baseball_swing", seed=3, scene_seed=3, group="g", sport="baseball",
                      seconds=1.0, width=96, height=64, fps=10.0, difficulty=0.1)
    write_clip(req, tmp_path / "clip.mp4")
    cut = cut_clip(tmp_path / "clip.mp4", 0.0, 0.5, tmp_path / "cut.mp4", 10.0)
    for path in (tmp_path / "clip.mp4", cut):
        assert b"subme=2 " in path.read_bytes(), path
    assert b"subme=1 " in write_video(tmp_path / "out.mp4", [np.zeros((64, 96, 3), np.uint8)] * 3, 10).read_bytes()


def test_a_reader_going_on_part_way_keeps_the_grid_of_a_reader_from_the_start(tmp_path):
    # 25 fps on a 10 fps grid: every other grid point lies half way between two frames, where
    # the choice is the grid's and the times' arithmetic; a reader from 1.35 s that puts its grid
    # there instead of at 0 picks other frames.
    path = write_indexed(tmp_path / "clip.mp4", 75, fps=25, codec="h264")
    whole = [(f.time_s, frame_index(f.rgb)) for f in iter_frames(path, target_fps=10)]
    part = [(f.time_s, frame_index(f.rgb)) for f in iter_frames(path, target_fps=10, start_s=1.35, grid_from_s=0.0)]
    # the first frame after the seek is kept whatever the grid (it has no frame before it to weigh)
    assert part[1:] == [(t, i) for t, i in whole if t > part[0][0]] and len(part) > 5
    own = [(f.time_s, frame_index(f.rgb)) for f in iter_frames(path, target_fps=10, start_s=1.35)]
    assert own[1:] != part[1:]


def test_a_video_write_killed_part_way_leaves_a_temp_file_the_next_write_removes(tmp_path):
    """kill -9 while a video is encoded leaves its temp file; named with the writer's pid, as
    `atomic_path` names its own, the next write into the folder from another process removes it
    (named `.clip.XXXX.tmp.mp4`, it stayed for good)."""
    import re
    import subprocess
    import sys

    code = ("import os, signal, sys\nimport numpy as np\nfrom highlights.video import write_video\n"
            "def frames():\n    for _ in range(3):\n        yield np.zeros((64, 64, 3), np.uint8)\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "write_video(sys.argv[1], frames(), 25.0)\n")
    killed = subprocess.run([sys.executable, "-c", code, str(tmp_path / "clip.mp4")], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert killed.returncode == -9, killed.stderr
    left = os.listdir(tmp_path)
    assert len(left) == 1 and re.fullmatch(r"\.clip\.mp4\.\d+-[^.]+\.tmp", left[0]), left
    write_video(tmp_path / "other.mp4", [np.zeros((64, 64, 3), np.uint8)] * 2, 25.0)
    assert os.listdir(tmp_path) == ["other.mp4"]
