"""Every bad file raises VideoError, one line, naming the file and the cause."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import pytest

import highlights.video.reader as reader
from highlights.video import VideoError, iter_frames, probe, read_clip
from tests.bad_inputs import one_pixel_mp4, png_named_mp4
from tests.video_fixtures import frame_index, indexed_frames, write_indexed

READERS = {
    "probe": probe,
    "iter_frames": lambda p: list(iter_frames(p)),
    "read_clip": lambda p: read_clip(p, 4),
}


def _write_audio(container, stream, seconds: float = 0.5) -> None:
    rate = stream.rate
    for i in range(int(seconds * rate / 1024)):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate, frame.pts = rate, i * 1024
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def make_missing(tmp: Path) -> Path:
    return tmp / "never_recorded.mp4"


def make_directory(tmp: Path) -> Path:
    (tmp / "folder.mp4").mkdir()
    return tmp / "folder.mp4"


def make_empty(tmp: Path) -> Path:
    (tmp / "empty.mp4").write_bytes(b"")
    return tmp / "empty.mp4"


def make_text(tmp: Path) -> Path:
    (tmp / "notes.mp4").write_text("this is a shopping list, not a video\n" * 20)
    return tmp / "notes.mp4"


def make_random_bytes(tmp: Path) -> Path:
    path = tmp / "noise.mkv"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    return path


def make_audio_only(tmp: Path) -> Path:
    path = tmp / "voice_memo.mp4"
    with av.open(str(path), "w") as container:
        _write_audio(container, container.add_stream("aac", rate=16000))
    return path


def make_audio_with_cover_art(tmp: Path) -> Path:
    # A song file: its only "video" stream is one still picture marked as attached cover art.
    path = tmp / "song.mp4"
    with av.open(str(path), "w") as container:
        audio = container.add_stream("aac", rate=16000)
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 32, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic.value
        picture = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        picture.pts = 0
        for packet in [*cover.encode(picture), *cover.encode()]:
            container.mux(packet)
        _write_audio(container, audio)
    return path


def make_picture_named_mp4(tmp: Path) -> Path:
    # A photo uploaded where a game was expected, its name ending in .mp4.
    return png_named_mp4(tmp / "team_photo.mp4")


def make_empty_video_stream(tmp: Path) -> Path:
    # A video track is declared but only audio was ever recorded into the file.
    path = tmp / "no_pictures.mkv"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        _write_audio(container, container.add_stream("aac", rate=16000))
    return path


def make_truncated_mp4(tmp: Path) -> Path:
    # A phone that died mid-recording: the index (moov) would have come at the end.
    whole = write_indexed(tmp / "whole.mp4", 30).read_bytes()
    path = tmp / "cut_off.mp4"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def make_corrupt_keyframe(tmp: Path) -> Path:
    # The container is intact but the picture data is garbage: nothing can be decoded.
    path = write_indexed(tmp / "scrambled.mp4", 30)
    data = bytearray(path.read_bytes())
    start = data.find(b"mdat") + 4
    end = data.find(b"moov")
    noise = np.random.default_rng(1).integers(0, 256, end - start, dtype=np.uint8)
    data[start:end] = noise.tobytes()
    path.write_bytes(bytes(data))
    return path


def make_one_pixel(tmp: Path) -> Path:
    # The phone augmentation's downscale made a 0-pixel picture of it: a traceback in preview.
    return one_pixel_mp4(tmp / "dot.mp4")


BAD_FILES = {
    "missing": (make_missing, "file not found"),
    "directory": (make_directory, "directory"),
    "empty": (make_empty, "empty file"),
    "text named .mp4": (make_text, "not a video file"),
    "random bytes": (make_random_bytes, "not a video file"),
    "audio only": (make_audio_only, "no video stream"),
    "audio with cover art": (make_audio_with_cover_art, "still images"),
    "picture named .mp4": (make_picture_named_mp4, "a single image (PNG), not a video"),
    "no frames in the video stream": (make_empty_video_stream, "no decodable video frames"),
    "truncated mp4": (make_truncated_mp4, "truncated"),
    "corrupt picture data": (make_corrupt_keyframe, "no decodable video frames"),
    "1x1 pictures": (make_one_pixel, "its pictures are 1x1 pixels: too small to be footage"),
}


@pytest.mark.parametrize("reader_name", sorted(READERS))
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_raises_one_clear_error(tmp_path, case, reader_name):
    make, cause = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(VideoError) as caught:
        READERS[reader_name](path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert cause in message
    assert "\n" not in message
    assert caught.value.path == str(path)


def test_truncated_mp4_says_why_it_is_unreadable(tmp_path):
    with pytest.raises(VideoError, match="'moov'.* end of the file"):
        probe(make_truncated_mp4(tmp_path))


def test_truncated_streamable_file_yields_what_was_recorded(tmp_path):
    # Matroska (and MP4 with its index up front) can be read up to the cut.
    whole = write_indexed(tmp_path / "whole.mkv", 30, textured=True).read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole[: len(whole) // 2])
    frames = list(iter_frames(cut))
    assert 0 < len(frames) < 30
    assert [frame_index(f.rgb) for f in frames] == list(range(len(frames)))


def _write_h264(path: Path, *, container_options: dict | None = None, codec_options: dict | None = None) -> Path:
    """30 numbered 64x48 frames at 30 fps in H.264 (`frame_index` reads each one's number)."""
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream("libx264", rate=30, options={"crf": "12", **(codec_options or {})})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for rgb in indexed_frames(30, textured=True):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_truncated_faststart_mp4_yields_what_was_recorded(tmp_path, caplog):
    path = _write_h264(tmp_path / "faststart.mp4", container_options={"movflags": "faststart"})
    whole = path.read_bytes()
    assert whole.find(b"moov") < whole.find(b"mdat")
    cut = tmp_path / "faststart_cut.mp4"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with caplog.at_level(logging.WARNING, logger="highlights.video.reader"):
        frames = list(iter_frames(cut))
    assert 0 < len(frames) < 30
    assert [frame_index(f.rgb) for f in frames] == list(range(len(frames)))
    # The packet cut in two is the end of what was recorded, not damage to skip past: no warning
    # here; a reader of the whole video says it is cut off, once (`check_frames_reach_end`).
    assert not caplog.records, [r.getMessage() for r in caplog.records]


def test_a_damaged_packet_inside_a_video_is_skipped_and_said(tmp_path, caplog):
    path = _write_h264(tmp_path / "every_frame_a_keyframe.mp4", codec_options={"g": "1"})
    with av.open(str(path)) as container:
        at, size = [(p.pos, p.size) for p in container.demux(video=0) if p.size][15]
    data = bytearray(path.read_bytes())
    data[at:at + size] = bytes(size)  # frame 15's picture zeroed
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="highlights.video.reader"):
        frames = list(iter_frames(path))
    assert [frame_index(f.rgb) for f in frames] == [i for i in range(30) if i != 15]
    said = [r.getMessage() for r in caplog.records]
    assert said == [f"{path}: 1 damaged packets skipped (first: Invalid data found when processing input)"]


def test_a_stream_that_never_yields_a_picture_is_cut_off(tmp_path, monkeypatch):
    # The guard against spinning on a broken stream: with a small limit, a video whose packets
    # keep coming but never decode is given up on mid-stream, not read to the end.
    path = make_corrupt_keyframe(tmp_path)
    monkeypatch.setattr(reader, "MAX_PACKETS_WITHOUT_FRAME", 5)
    with pytest.raises(VideoError, match="decoded to no picture"):
        list(iter_frames(path))


def test_time_span_past_the_end_is_an_error_naming_the_file(tmp_path):
    path = write_indexed(tmp_path / "short.mp4", 10)
    with pytest.raises(VideoError, match=r"short\.mp4: no frames in"):
        read_clip(path, 4, start_s=5.0, end_s=6.0)
    assert list(iter_frames(path, start_s=5.0)) == []
