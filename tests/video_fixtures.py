"""Tiny videos made by the tests themselves: each frame's colour encodes its index."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from highlights.video import write_video

# Index i is painted as green level i * LEVEL_STEP, so up to 32 frames are told apart after
# lossy coding (which moves a flat colour by a level or two).
LEVEL_STEP = 8
WIDTH, HEIGHT = 64, 48


def indexed_frame(i: int, width: int = WIDTH, height: int = HEIGHT, *,
                  textured: bool = False) -> np.ndarray:
    """A flat frame whose green level encodes ``i`` (mod 32), blue level i // 32 (mod 8).

    ``textured`` fills the top band with fresh noise each frame, so every frame costs real
    bytes (flat frames compress to almost nothing after the first, which makes "cut the file
    in half" cut only the first frame).
    """
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[..., 0] = 40
    rgb[..., 1] = (i % 32) * LEVEL_STEP
    rgb[..., 2] = (i // 32 % 8) * 4 * LEVEL_STEP
    if textured:
        band = height // 5
        rgb[:band] = np.random.default_rng(i).integers(0, 256, (band, width, 3), dtype=np.uint8)
    return rgb


def frame_index(rgb: np.ndarray) -> int:
    """Read back the index painted by ``indexed_frame`` (from the middle of the picture)."""
    h, w = rgb.shape[:2]
    centre = rgb[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].reshape(-1, 3)
    green, blue = np.median(centre[:, 1]), np.median(centre[:, 2])
    return int(round(blue / (4 * LEVEL_STEP))) * 32 + int(round(green / LEVEL_STEP))


def indexed_frames(n: int, width: int = WIDTH, height: int = HEIGHT, *, textured: bool = False):
    """A generator, so writing it also checks that write_video streams."""
    for i in range(n):
        yield indexed_frame(i, width, height, textured=textured)


def write_indexed(path: Path, n: int, fps: float = 30.0, *, textured: bool = False,
                  **kwargs) -> Path:
    kwargs.setdefault("crf", 12)
    return write_video(path, indexed_frames(n, textured=textured), fps, **kwargs)


def upright_marker_image(width: int, height: int) -> np.ndarray:
    """An image whose orientation is readable: a red bar along the top, a blue bar down the left."""
    rgb = np.full((height, width, 3), 128, np.uint8)
    rgb[: height // 6] = (255, 0, 0)
    rgb[:, : width // 6] = (0, 0, 255)
    rgb[: height // 6, : width // 6] = (255, 0, 255)
    return rgb


def orientation_of(rgb: np.ndarray) -> tuple[bool, bool]:
    """(red bar is at the top, blue bar is at the left) of a decoded image."""
    h, w = rgb.shape[:2]
    top = rgb[h // 24, w // 2].astype(int)
    left = rgb[h // 2, w // 24].astype(int)
    red_top = top[0] > 180 and top[2] < 80
    blue_left = left[2] > 180 and left[0] < 80
    return bool(red_top), bool(blue_left)


def video_stream(out: av.container.OutputContainer, width: int, height: int, *, rate: int = 25,
                 encoder: str = "libx264", pix_fmt: str = "yuv420p", options: dict | None = None,
                 gop: int | None = None, tags: dict | None = None) -> av.VideoStream:
    """A video track of ``out`` with the stream options a test needs (x264's fastest preset
    unless ``options`` say otherwise; ``tags`` set on the codec context, e.g. ``colorspace``)."""
    stream = out.add_stream(encoder, rate=rate, options={"preset": "ultrafast"} if options is None else options)
    stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
    if gop is not None:
        stream.codec_context.gop_size = gop
    for key, value in (tags or {}).items():
        setattr(stream.codec_context, key, value)
    return stream


def mux_frames(out: av.container.OutputContainer, stream: av.VideoStream,
               frames: Iterable[np.ndarray | av.VideoFrame]) -> None:
    """Encode ``frames`` (RGB arrays or ready ``av.VideoFrame``s) into ``stream``, frame i at
    i / rate, then flush the encoder."""
    rate = Fraction(stream.average_rate)
    for i, frame in enumerate(frames):
        if isinstance(frame, np.ndarray):
            frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
        frame.pts, frame.time_base = i, 1 / rate
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)



def mux_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float, *,
             slope: float = 0.05, base: float = 0.05) -> None:
    """A mono 440 Hz tone from 0 s for ``seconds`` into ``stream`` (``out``'s sound track), its
    loudness ``base + slope * t`` saying the time, then flush the encoder."""
    rate = stream.rate
    t = np.arange(int(seconds * rate)) / rate
    tone = ((base + slope * t) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    for start in range(0, len(tone), 1024):
        chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 1024].copy(), format="fltp", layout="mono")
        chunk.sample_rate, chunk.pts, chunk.time_base = rate, start, Fraction(1, rate)
        for packet in stream.encode(chunk):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def remuxed(src: Path, dst: Path, *, format: str | None = None, options: dict | None = None) -> Path:
    """The same video packets in another container: ``format="mpegts"`` as a camcorder writes its
    .MTS files and a recorder its .ts (no index promises a length, so a reader finds its end where
    the file ends); ``options={"movflags": "faststart"}`` an MP4 with its index up front."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=format, options=options or {}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return dst
