"""Decoded pictures to RGB as a player shows them: the matrix and range the stream states.

swscale converts YUV to RGB with the BT.601 matrix and limited range unless told otherwise, and
PyAV tells it nothing: a phone's BT.709 clip comes out with greens and reds shifted, and a
full-range HEVC clip (common on Android) with its blacks and whites clipped. Here the frame's own
tags choose the matrix and range. Untagged video keeps FFmpeg's own default (BT.601, limited range).
"""

from __future__ import annotations

import av
import numpy as np

# AVColorSpace values with swscale coefficients (its table is indexed by the same numbers).
_MATRICES = {1, 4, 5, 6, 7, 9, 10}
_BT601 = 5  # FFmpeg's assumption for untagged video
_BT709 = 1
_RANGE_LIMITED, _RANGE_FULL = 1, 2  # AVColorRange: MPEG (limited), JPEG (full)


def _is_yuv(frame: av.VideoFrame) -> bool:
    fmt = frame.format
    return not fmt.is_rgb and not fmt.name.startswith(("gray", "pal", "bayer", "ya", "mono"))


def _conversion(frame: av.VideoFrame) -> dict:
    """swscale settings naming the frame's matrix and range. PyAV passes them on only when source
    and destination differ, and the destination matrix is unused for RGB output: so the
    destination is always given as another matrix, in full range (RGB)."""
    if not _is_yuv(frame):
        return {}
    space = int(frame.colorspace)
    space = space if space in _MATRICES else _BT601
    full = int(frame.color_range) == _RANGE_FULL or frame.format.name.startswith("yuvj")
    return {"src_colorspace": space, "dst_colorspace": _BT709 if space != _BT709 else _BT601,
            "src_color_range": _RANGE_FULL if full else _RANGE_LIMITED, "dst_color_range": _RANGE_FULL}


def to_rgb(frame: av.VideoFrame, *, width: int | None = None, height: int | None = None,
           interpolation: str | None = None) -> np.ndarray:
    """The frame as HxWx3 uint8 RGB (scaled to width x height in the same swscale pass)."""
    return frame.to_ndarray(format="rgb24", width=width, height=height, interpolation=interpolation,
                            **_conversion(frame))
