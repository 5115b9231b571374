"""Broken inputs a hostile or unlucky user hands the project, made from tiny generated clips."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import cv2
import numpy as np

from tests.dataset_fixtures import tiny_frames, write_clip
from highlights.video.mp4boxes import iter_boxes

FPS = 30


def find_box(data: bytes, path: list[bytes], start: int = 0, end: int | None = None) -> tuple[int, int]:
    """(payload start, end) of the box at ``path`` (e.g. moov/trak/mdia/mdhd) in an MP4."""
    end = len(data) if end is None else end
    for kind, payload, box_end in iter_boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return payload, box_end
            return find_box(data, path[1:], payload, box_end)
    raise LookupError(f"no {path[0]!r} box")


def png_named_mp4(path: Path, seed: int = 0) -> Path:
    """A PNG picture saved under a video's name."""
    ok, png = cv2.imencode(".png", tiny_frames(seed)[0])
    assert ok
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png.tobytes())
    return path


def apng_named_mp4(path: Path, seed: int = 0, frames: int = 10) -> Path:
    """An animated PNG (a few pictures that play, as a phone's "live" sticker) under a video's name."""
    return _animated_picture(path, "apng", "rgb24", seed, frames)


def gif_named_mp4(path: Path, seed: int = 0, frames: int = 10) -> Path:
    """An animated GIF (a few pictures that play, as a messaging app's saved clip) under a video's name."""
    return _animated_picture(path, "gif", "rgb8", seed, frames)


def _animated_picture(path: Path, fmt: str, pix_fmt: str, seed: int, frames: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(fmt, rate=10)
        pictures = tiny_frames(seed, frames=frames)
        stream.height, stream.width = pictures.shape[1:3]
        stream.pix_fmt = pix_fmt
        for picture in pictures:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode())
    return path


def faststart_mp4(path: Path, seed: int = 0, frames: int = 90) -> Path:
    """An MP4 with its index at the front (as streaming services and phones' share sheets write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("h264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        rng = np.random.default_rng(seed)
        for rgb in tiny_frames(seed, frames=frames):
            rgb[:8] = rng.integers(0, 256, rgb[:8].shape, dtype=np.uint8)  # every frame costs bytes
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def half_truncated_faststart(path: Path, seed: int = 0) -> Path:
    """A faststart MP4 cut off half way: the index opens, but half the frames it lists are gone."""
    full = faststart_mp4(path.with_name(f"full-{path.name}"), seed)
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def truncated_faststart_copy(source: Path, path: Path, keep: float = 0.5) -> Path:
    """``source`` remuxed with its index at the front, then cut off after ``keep`` of its bytes: an
    upload that stopped part way, which still opens and decodes its first part."""
    full = path.with_name(f"full-{path.name}")
    with av.open(str(source)) as src, av.open(str(full), "w", options={"movflags": "faststart"}) as out:
        video = src.streams.video[0]
        stream = out.add_stream_from_template(video)
        for packet in src.demux(video):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    data = full.read_bytes()
    full.unlink()
    assert data.find(b"moov") < data.find(b"mdat")
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def zero_timescale_mp4(path: Path, seed: int = 0) -> Path:
    """An MP4 whose video track header (mdhd) says its timescale is 0."""
    data = bytearray(write_clip(path, seed, frames=24).read_bytes())
    payload, _ = find_box(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    version = data[payload]
    struct.pack_into(">I", data, payload + 4 + (16 if version == 1 else 8), 0)
    path.write_bytes(bytes(data))
    return path


def zero_delta_mp4(path: Path, seed: int = 0) -> Path:
    """An MP4 whose sample table gives every frame a duration of 0."""
    data = bytearray(write_clip(path, seed, frames=24).read_bytes())
    payload, _ = find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"])
    entries = struct.unpack_from(">I", data, payload + 4)[0]
    for i in range(entries):
        struct.pack_into(">I", data, payload + 8 + 8 * i + 4, 0)
    path.write_bytes(bytes(data))
    return path


def unknown_codec_mp4(path: Path, seed: int = 0) -> Path:
    """An MP4 whose sample description names no codec anyone knows (fourcc zeroed)."""
    data = bytearray(write_clip(path, seed, frames=8).read_bytes())
    payload, _ = find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    data[payload + 12:payload + 16] = b"\0\0\0\0"  # version/flags, entry count, entry size, FOURCC
    path.write_bytes(bytes(data))
    return path


def one_frame_left_faststart(path: Path, seed: int = 0) -> Path:
    """A faststart MP4 cut off just after its first frame's data: an upload that stopped almost at
    once, whose index still promises all 90 frames, and of which one picture decodes."""
    full = faststart_mp4(path.with_name(f"full-{path.name}"), seed)
    data = full.read_bytes()
    full.unlink()
    sizes, _ = find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"])
    first = struct.unpack_from(">I", data, sizes + 12)[0]  # after version/flags, common size 0, count
    mdat, _ = find_box(data, [b"mdat"])
    path.write_bytes(data[: mdat + first])
    return path


def one_pixel_mp4(path: Path, frames: int = 6) -> Path:
    """A video whose pictures are 1x1 pixels (a damaged header's size, an app's placeholder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("h264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1, 1, "yuv444p"  # 4:2:0 needs even sides
        for k in range(frames):
            picture = np.full((1, 1, 3), 40 * k, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode())
    return path
