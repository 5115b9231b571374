"""Display rotation: reading it from decoded frames, applying it, and writing it like a phone does.

Phones record the sensor's landscape image and store how to turn it upright as a display matrix
in the MP4/MOV track header (``tkhd``). FFmpeg exposes that matrix as DISPLAYMATRIX side data on
every decoded frame, which PyAV reads as ``VideoFrame.rotation`` (counter-clockwise degrees, so a
portrait phone clip reads -90).

Writing: PyAV 16 has no API to attach a display matrix to an output stream (the stream ``rotate``
metadata tag is ignored by FFmpeg 7+ muxers and the stream-level setter arrived only in a later
PyAV), so after PyAV has muxed the file we overwrite the 3x3 matrix inside the video track's
``tkhd`` box ourselves. The box layout is fixed by ISO/IEC 14496-12, so this is a few bytes in
place, no re-encode.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING


from highlights.video.mp4boxes import iter_boxes, iter_file_boxes

if TYPE_CHECKING:
    import av

ROTATIONS = (0, 90, 180, 270)

# tkhd matrices (a, b, u, c, d, v, x, y, w): a,b,c,d,x,y are 16.16 fixed point, u,v,w 2.30.
# Rotating the coded image clockwise by the given angle, as FFmpeg's own mov muxer writes them.
_ONE = 0x00010000
_MINUS_ONE = -0x00010000
_W = 0x40000000


def _tkhd_matrix(rotation: int, coded_width: int, coded_height: int) -> tuple[int, ...]:
    if rotation == 0:
        return (_ONE, 0, 0, 0, _ONE, 0, 0, 0, _W)
    if rotation == 90:
        return (0, _ONE, 0, _MINUS_ONE, 0, 0, coded_height * _ONE, 0, _W)
    if rotation == 180:
        return (_MINUS_ONE, 0, 0, 0, _MINUS_ONE, 0, coded_width * _ONE, coded_height * _ONE, _W)
    if rotation == 270:
        return (0, _MINUS_ONE, 0, _ONE, 0, 0, 0, coded_width * _ONE, _W)
    raise ValueError(f"rotation must be one of {ROTATIONS}, got {rotation}")


def normalise_rotation(degrees: float) -> int:
    """Any angle to the nearest of 0/90/180/270 (display matrices only carry right angles here)."""
    return int(round(float(degrees) / 90.0)) % 4 * 90


def clockwise_rotation_of(frame) -> int:
    """Degrees clockwise to turn a decoded PyAV frame upright (0/90/180/270)."""
    # PyAV's frame.rotation is av_display_rotation_get: counter-clockwise degrees. A degenerate
    # matrix (all zeros, written by some muxers) gives NaN, which PyAV cannot turn into an int.
    try:
        return normalise_rotation(-frame.rotation)
    except (ValueError, OverflowError):
        return 0


# FFmpeg filters that turn a picture clockwise by the key, plane by plane (any pixel format).
_TURN_FILTERS = {90: (("transpose", "clock"),), 270: (("transpose", "cclock"),),
                 180: (("hflip", ""), ("vflip", ""))}


class UprightFrames:
    """Turns decoded frames upright while they are still YUV, before they are scaled and converted.

    Scaling the stored (sideways) picture and turning the small RGB result differs from scaling
    the upright picture: swscale filters rows and columns differently, and 4:2:0 chroma is sited
    differently across and down. The difference is a few levels on average, enough to move the
    pipeline's decisions, so a portrait clip stored sideways with a display matrix (iPhone) would
    find other actions than the same pictures stored upright (many Androids). Turning the planes
    first is a lossless permutation of the samples: both files then give the same pixels.
    """

    def __init__(self, clockwise: int) -> None:
        if clockwise not in ROTATIONS:
            raise ValueError(f"rotation must be one of {ROTATIONS}, got {clockwise}")
        self.clockwise = clockwise
        self._graph = None
        self._layout: tuple | None = None

    def __call__(self, frame: "av.VideoFrame") -> "av.VideoFrame":
        if self.clockwise == 0:
            return frame
        layout = (frame.width, frame.height, frame.format.name)
        if layout != self._layout:  # the first frame, or the stream changed size or format
            self._graph, self._layout = self._build(frame), layout
        self._graph.push(frame)
        return self._graph.pull()

    def _build(self, frame: "av.VideoFrame"):
        import av

        graph = av.filter.Graph()
        node = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format,
                                time_base=frame.time_base or Fraction(1, 90000))
        for name, args in _TURN_FILTERS[self.clockwise]:
            turn = graph.add(name, args)
            node.link_to(turn)
            node = turn
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        return graph


def write_mp4_rotation(path: str | Path, rotation: int) -> None:
    """Set the display matrix of the first video track of an MP4/MOV file, in place.

    Only the ``moov`` box (the index, small) is read; 36 bytes are rewritten.
    """
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {ROTATIONS}, got {rotation}")
    path = Path(path)
    with path.open("r+b") as fh:
        for kind, payload, end in iter_file_boxes(fh, path.stat().st_size):
            if kind != b"moov":
                continue
            fh.seek(payload)
            moov = fh.read(end - payload)
            matrix_at = _video_tkhd_matrix_offset(moov)
            if matrix_at is None:
                break
            width, height = struct.unpack_from(">II", moov, matrix_at + 36)
            fh.seek(payload + matrix_at)
            fh.write(struct.pack(">9i", *_tkhd_matrix(rotation, width >> 16, height >> 16)))
            return
    raise ValueError(f"{path}: no video track header (tkhd) found to write rotation into")


def _video_tkhd_matrix_offset(moov: bytes) -> int | None:
    """Offset in the moov payload of the first video track's tkhd matrix."""
    for kind, payload, end in iter_boxes(moov, 0, len(moov)):
        if kind != b"trak" or not _is_video_trak(moov, payload, end):
            continue
        for tkind, tpayload, _ in iter_boxes(moov, payload, end):
            if tkind == b"tkhd":
                version = moov[tpayload]
                # version/flags, then times and duration: 32-bit in version 0, 64-bit in 1.
                fixed = 4 + (8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4)
                return tpayload + fixed + 8 + 2 + 2 + 2 + 2  # reserved, layer, group, volume
    return None


def _is_video_trak(data: bytes, start: int, end: int) -> bool:
    for kind, payload, box_end in iter_boxes(data, start, end):
        if kind == b"mdia":
            for hkind, hpayload, _ in iter_boxes(data, payload, box_end):
                if hkind == b"hdlr":
                    # version/flags (4), pre_defined (4), handler_type (4)
                    return bytes(data[hpayload + 8 : hpayload + 12]) == b"vide"
    return False
