"""Times on the player's timeline: a file whose pictures start after its sound (a stream-copied
trim, a capture that began with sound) shows its first picture late, and every time the project
reports or cuts at must be where a player shows that picture. Files made here with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_reel
from highlights.video import iter_frames, probe, read_clip
from tests.video_fixtures import mux_tone, video_stream

FPS, FRAMES, RATE, SECONDS = 24, 48, 16000, 3.0
LATE_S = 0.5  # the pictures start this long after the sound


def _grey_with_tone(path: Path, fmt: str | None, frames: int, first_pts: int, level, seconds: float,
                    options: dict) -> Path:
    """A 64x48 H.264 video of `frames` grey pictures (picture i of level `level(i)`, the first at
    `first_pts` frames) over a tone of `seconds` from 0 s (`mux_tone`)."""
    with av.open(str(path), "w", format=fmt) as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", **options})
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono")
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), level(i), np.uint8), format="rgb24")
            frame.pts, frame.time_base = first_pts + i, Fraction(1, FPS)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        mux_tone(out, sound, seconds)
    return path


def _late_pictures(path: Path, fmt: str | None = None) -> Path:
    """Sound from 0 s (a 440 Hz tone whose loudness says the time: 0.05 + 0.05 t), pictures from
    0.5 s: picture i is grey level 5 i."""
    return _grey_with_tone(path, fmt, FRAMES, round(LATE_S * FPS), lambda i: 5 * i, SECONDS, {"bf": "0"})


def _picture(rgb: np.ndarray) -> int:
    return round(float(rgb.mean()) / 5)


def _pictures_start_s(path: Path) -> float:
    """Where a player shows the first picture: MP4 and Matroska count from 0, a transport
    stream from its first timestamp of any stream (its muxer moves the pictures a little)."""
    with av.open(str(path)) as c:
        video = c.streams.video[0]
        if c.format.name == "mpegts":
            return float(video.start_time * video.time_base) - c.start_time / av.time_base
        return LATE_S


@pytest.mark.parametrize("name, fmt", [("late.mp4", None), ("late.mkv", None), ("late.ts", "mpegts")])
def test_frame_times_are_where_a_player_shows_each_picture(tmp_path, name, fmt):
    path = _late_pictures(tmp_path / name, fmt)
    first = _pictures_start_s(path)
    frames = list(iter_frames(path))
    assert [_picture(f.rgb) for f in frames] == list(range(FRAMES))
    np.testing.assert_allclose([f.time_s for f in frames], first + np.arange(FRAMES) / FPS, atol=2e-3)
    # a seek to 1.5 s starts at the picture shown at 1.5 s
    later = list(iter_frames(path, start_s=1.5, end_s=1.6))
    assert _picture(later[0].rgb) == int(np.ceil((1.5 - first) * FPS - 1e-3))
    info = probe(path)
    assert info.start_s == pytest.approx(first, abs=2e-3)
    # a whole-clip sample spreads over the pictures, not over the silence before them
    _, times = read_clip(path, 4)
    assert times[0] >= first - 1e-3


def test_the_reel_shows_and_sounds_the_moments_a_player_shows_at_the_highlights_times(tmp_path):
    """The reel's cut points are the highlight's times on the player's timeline: a highlight at
    1.0-2.0 s holds pictures 12-35 (shown from 0.5 s on), with the sound of 1.0-2.0 s."""
    source = _late_pictures(tmp_path / "late.mp4")
    result = write_reel([Highlight(1.0, 2.0, "basketball_layup", "classifier", 0.9)], source,
                        tmp_path / "reel.mp4", caption=False, progress=False)
    shown = [_picture(f.rgb) for f in iter_frames(result.reel_path)]
    assert shown == list(range(12, 36))
    with av.open(str(result.reel_path)) as reel:
        rate = reel.streams.audio[0].rate
        sound = np.concatenate([f.to_ndarray()[0] for f in reel.decode(audio=0)])
    for reel_s in (0.25, 0.75):
        window = sound[int((reel_s - 0.1) * rate):int((reel_s + 0.1) * rate)]
        rms = float(np.sqrt(np.mean(window ** 2)))
        assert rms == pytest.approx((0.05 + 0.05 * (1.0 + reel_s)) / np.sqrt(2), rel=0.1)


@pytest.mark.parametrize("name, pictures, sound", [("long-sound.mkv", "libx264", "aac"),
                                                   ("long-sound.webm", "libvpx-vp9", "libopus")])
def test_a_matroska_file_whose_sound_runs_on_ends_where_its_pictures_end(tmp_path, name, pictures, sound):
    """Matroska states no duration per track in its headers, and its file duration runs to the end of
    the sound: 2 s of pictures with 4 s of sound is a 2 s video, not a 4 s one that looks cut off."""
    from highlights.video import check_frames_reach_end
    from highlights.video.verify import verify_video
    from tests.video_fixtures import indexed_frames, mux_frames, video_stream

    path = tmp_path / name
    with av.open(str(path), "w") as out:
        video = video_stream(out, 64, 48, rate=25, encoder=pictures, options={} if pictures != "libx264" else None)
        tone = out.add_stream(sound, rate=48000, layout="mono")
        mux_frames(out, video, indexed_frames(50))
        mux_tone(out, tone, 4.0)
    with av.open(str(path)) as c:
        assert c.duration / av.time_base == pytest.approx(4.0, abs=0.1)  # the file runs to the sound's end
    info = probe(path)
    assert info.duration_s == pytest.approx(2.0, abs=1e-3) and info.num_frames == 50
    frames = list(iter_frames(path))
    # what detect and dataset checks do with it: the pictures reach the end, nothing is cut off
    check_frames_reach_end(path, info.duration_s, frames[-1].time_s, slack_s=1 / 25)
    verified = verify_video(path)
    assert verified.decoded_frames == 50 and verified.duration_s == pytest.approx(2.0, abs=1e-3)


def _recording(path: Path, seconds: float, level: int) -> Path:
    """A transport stream of `seconds` of grey `level` pictures with a tone: each starts its clock anew."""
    return _grey_with_tone(path, "mpegts", round(seconds * FPS), 0, lambda i: level, seconds, {})


def test_two_transport_streams_joined_are_refused_with_the_remux_that_fixes_them(tmp_path):
    from highlights.cli.app import app
    from highlights.errors import HighlightsError
    from highlights.video.timeline_check import check_one_timeline
    from typer.testing import CliRunner

    first, second = _recording(tmp_path / "a.ts", 3.0, 40), _recording(tmp_path / "b.ts", 2.0, 200)
    joined = tmp_path / "saturday game.ts"
    joined.write_bytes(first.read_bytes() + second.read_bytes())  # `cat a.ts b.ts`: each part's clock from 0
    assert probe(joined).duration_s < 4.5  # FFmpeg takes its length from the parts' mixed timestamps: 5 s is not it
    with pytest.raises(HighlightsError) as refused:
        check_one_timeline(joined)
    message = str(refused.value)
    assert message.startswith(f"{joined}: its timestamps start over after 3.0 s of video")
    assert message.endswith("ffmpeg -i 'saturday game.ts' -c copy 'saturday game.mp4'")
    check_one_timeline(first)  # one recording: one timeline

    result = CliRunner().invoke(app, ["detect", str(joined), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "start over" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_two_transport_streams_joined_read_every_picture_of_both_in_order(tmp_path):
    """The reader (a library caller's `iter_frames`; the commands refuse such a file, above) keeps
    the second recording's pictures, timed on from the first's: a clock that starts over in an
    undamaged stream is not a picture a damaged stretch held back."""
    first, second = _recording(tmp_path / "a.ts", 3.0, 40), _recording(tmp_path / "b.ts", 2.0, 200)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    frames = list(iter_frames(joined))
    levels = [int(round(f.rgb.mean())) for f in frames]
    assert len(frames) == round(3.0 * FPS) + round(2.0 * FPS)
    assert all(abs(v - 40) < 8 for v in levels[:round(3.0 * FPS)])
    assert all(abs(v - 200) < 8 for v in levels[round(3.0 * FPS):])
    times = [f.time_s for f in frames]
    assert times == sorted(times) and len(set(times)) == len(times)


WRAP_S = 2**33 / 90_000  # a transport stream's 33-bit 90 kHz clock starts over after 26.5 h


def _transport_stream_from(path: Path, clock_s: float, seconds: int, *, step: int) -> Path:
    """A transport stream whose every stream's clock reads `clock_s` at its start (as `ffmpeg
    -output_ts_offset` writes it): `seconds` of grey pictures (picture i of level `step` i, a
    keyframe a second) over a tone."""
    with av.open(str(path), "w", format="mpegts", options={"output_ts_offset": f"{clock_s:.6f}"}) as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "g": str(FPS), "bf": "0"})
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono")
        for i in range(seconds * FPS):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), step * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        mux_tone(out, sound, float(seconds))
    return path


def test_a_transport_stream_whose_clock_wraps_part_way_reads_as_one_timeline(tmp_path):
    """A recorder's clock that passes 2^33 ticks part way (26.5 h after its 0) starts over at 0 in
    the file: that is a wrap, not a restart, so the file reads as one timeline (FFmpeg's demuxer
    unwraps it), is not refused as two recordings joined, and a seek after the wrap finds its time."""
    from highlights.video.timeline_check import check_one_timeline

    # Every stream's clock 1.5 s short of the wrap at the start.
    path = _transport_stream_from(tmp_path / "overnight.ts", WRAP_S - 1.5, 4, step=2)
    with av.open(str(path), options={"correct_ts_overflow": "0"}) as raw:  # the clock as the file holds it
        stamps = [p.pts for p in raw.demux(raw.streams.video[0]) if p.pts is not None]
    assert max(stamps) > 2**33 - 2 * 90_000 and min(stamps) < 2 * 90_000  # it does wrap
    check_one_timeline(path)
    assert probe(path).duration_s == pytest.approx(4.0, abs=0.1)
    frames = list(iter_frames(path))
    assert [round(float(f.rgb.mean()) / 2) for f in frames] == pytest.approx(list(range(4 * FPS)), abs=1)
    assert np.allclose(np.diff([f.time_s for f in frames]), 1 / FPS)
    first = frames[0].time_s
    pictures, times = read_clip(path, 4, start_s=3.0, end_s=3.5)  # 1.5 s after the wrap
    assert times[0] == pytest.approx(3.0, abs=0.1)
    assert [round(float(p.mean()) / 2) for p in pictures] == pytest.approx([round((t - first) * FPS) for t in times],
                                                                           abs=1)


def test_a_clip_from_the_first_second_of_a_transport_stream_with_b_frames_holds_its_own_pictures(tmp_path):
    """A transport stream's timestamp search goes by decode times, which run ahead of the pictures'
    own with B-frames: a seek back to the first picture's time landed past the first keyframe, and
    a clip from the first second came back holding the pictures of the next keyframe's time."""
    path = _grey_with_tone(tmp_path / "camcorder.ts", "mpegts", 3 * FPS, 0, lambda i: 3 * i, 3.0,
                           {"g": str(FPS), "bf": "2"})
    first = _pictures_start_s(path)
    pictures, times = read_clip(path, 4, start_s=0.2, end_s=0.6)
    assert 0.2 <= times[0] < times[-1] < 0.6
    assert [round(float(p.mean()) / 3) for p in pictures] == pytest.approx([round((t - first) * FPS) for t in times],
                                                                           abs=1)


def test_a_matroska_video_whose_clock_starts_an_hour_in_reads_from_its_first_picture(tmp_path):
    """A camera's clock kept by a stream copy into Matroska: the pictures start at 3600 s on its
    clock. Players, editors and `ffmpeg -ss` count from the file's start, so it reads as a 2 s
    video from 0 s; its clock's hour read as a start put every time an hour late. The Segment's
    duration FFmpeg writes is where the pictures end on the clock (3602 s), not their length;
    read as a length it promised 7202 s, and the check for a cut-off file refused it."""
    from highlights.video.tail_check import check_end_present
    from highlights.video.verify import verify_video

    path = tmp_path / "camera clock.mkv"
    with av.open(str(path), "w") as out:
        stream = video_stream(out, 64, 48, rate=FPS)
        stream.time_base = Fraction(1, 1000)
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 5 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = 3600 * FPS + i, Fraction(1, FPS)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    info = probe(path)
    assert info.start_s == pytest.approx(0.0, abs=2e-3)
    assert info.duration_s == pytest.approx(FRAMES / FPS, abs=2e-3)
    check_end_present(path, info.duration_s, 1.0 / FPS)
    verify_video(path)
    frames = list(iter_frames(path, start_s=1.0))
    assert [_picture(f.rgb) for f in frames] == list(range(FPS, FRAMES))
    assert frames[0].time_s == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("name, fmt", [("sound first.mkv", None), ("sound first.ts", "mpegts")])
def test_a_file_whose_first_ten_seconds_of_packets_are_sound_reads_its_pictures_rate_and_start(
        tmp_path, name, fmt):
    """A recorder that writes its sound ahead of its pictures: every packet of the file's first
    10 s is sound, and the pictures (30 fps, from 3 s) come after them. Probed no further than
    FFmpeg's default 5 s, the video stream had no packet yet: its rate read as 25 and the
    Matroska pictures' start as 0."""
    rate, late_s, frames = 30, 3.0, 60
    path = tmp_path / name
    # no interleaving by time: packets are written in the order they are muxed, sound first
    with av.open(str(path), "w", format=fmt, options={"max_interleave_delta": "1"}) as out:
        video = video_stream(out, 64, 48, rate=rate)
        mux_tone(out, out.add_stream("aac", rate=RATE, layout="mono"), 10.0)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 4 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = round(late_s * rate) + i, Fraction(1, rate)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    with av.open(str(path)) as c:  # the file is as described: 10 s of sound before any picture
        first_video = next(k for k, p in enumerate(c.demux()) if p.stream.type == "video")
    assert first_video * 1024 / RATE >= 9.9
    info = probe(path)
    assert info.fps == pytest.approx(rate) and info.num_frames == frames
    # a transport stream's muxer moves the pictures a little; players count from its first sound
    assert info.start_s == pytest.approx(late_s, abs=0.07)
    assert info.duration_s == pytest.approx(late_s + frames / rate, abs=0.07)
    times = [f.time_s for f in iter_frames(path)]
    assert len(times) == frames and times[0] == pytest.approx(info.start_s, abs=1e-3)


def test_a_transport_stream_whose_clock_starts_late_reads_from_its_first_timestamp(tmp_path):
    """A camcorder's transport stream whose clock reads 10 s at its start: players show that
    moment as 0:00, so frame times, the probed start and length, and a seek all count from it,
    not from the clock's own zero."""
    path = _transport_stream_from(tmp_path / "camcorder.ts", 10.0, 3, step=3)
    with av.open(str(path)) as c:
        assert c.start_time / av.time_base > 9.9  # the file's clock does start 10 s in
    first = _pictures_start_s(path)
    assert 0 <= first < 0.5
    frames = list(iter_frames(path))
    assert [round(float(f.rgb.mean()) / 3) for f in frames] == list(range(3 * FPS))
    np.testing.assert_allclose([f.time_s for f in frames], first + np.arange(3 * FPS) / FPS, atol=2e-3)
    info = probe(path)
    assert info.start_s == pytest.approx(first, abs=2e-3)
    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    pictures, times = read_clip(path, 4, start_s=2.0, end_s=2.5)
    assert 2.0 - 1e-3 <= times[0] < times[-1] < 2.5
    assert [round(float(p.mean()) / 3) for p in pictures] == pytest.approx([round((t - first) * FPS) for t in times],
                                                                           abs=1)
