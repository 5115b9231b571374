"""Decoded pictures to RGB as a player shows them: the matrix, range and transfer the stream states.

swscale converts YUV to RGB with the BT.601 matrix and limited range unless told otherwise, and
PyAV tells it nothing: a phone's BT.709 clip comes out with greens and reds shifted, a full-range
HEVC clip (common on Android) with its blacks and whites clipped, and an HDR clip (iPhone's
default: 10-bit BT.2020 with the HLG transfer, or PQ) flat and washed out, because its signal
values are read as if they were SDR ones. Here the frame's own tags choose the matrix and range,
and HDR pictures are tone-mapped to SDR BT.709: linear light relative to the HDR reference white
(203 cd/m2, ITU-R BT.2408), BT.2020 to BT.709 primaries, a soft knee for highlights above SDR
white, then the sRGB curve. Untagged video is read as players read it (mpv, VLC, browsers): HD
(`untagged_matrix`) as BT.709, SD as BT.601 (FFmpeg's own default for all sizes), limited range.
The tone mapping is written here because FFmpeg's `tonemap` filter needs linear light from its
`zscale` filter (libzimg), which the FFmpeg inside PyAV's wheels is built without.
Writing (`writer`) tags what it stores, so the reel plays with the colours it was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import av
import numpy as np

# What a file's pictures decode to, as a number that changes whenever that changes (the colour
# conversion, tone mapping or scaling of `to_rgb` and the readers). Everything kept on disk that was
# computed from decoded pixels (poses of labelled clips, decoded training clips, tracks of rendered
# games) carries it in its key, so an upgrade that reads pictures differently never serves figures
# computed from the old pictures. 1: BT.601 limited range for every stream (swscale's default);
# 2: the stream's stated matrix and range, HDR tone-mapped; 3: untagged HD read as BT.709;
# 4: a sideways-stored picture turned upright before it is scaled (`rotation.UprightFrames`);
# 5: pixels that are not square stretched to the shape a player shows, and a picture whose size
# changes part way fitted into the first's (`reader._to_rgb`): poses, tracks and clips cached from
# such video were of the squashed or stored picture; 6: a read sampled at a rate (`target_fps`)
# keeps one frame per grid time where a grid time lies halfway between two frames (25 or 15 fps
# at 10), where float rounding kept both now and then: poses of such clips had extra frames.
# A change within rounding keeps the number: `tone_map` done in slices moved HDR (HLG, PQ) pictures
# only, by at most 1 level on a few values in a million (bench/bench_tone_map.py), far less than a
# lossy re-encode of the same clip moves them; a new number would have every cache, SDR ones too,
# computed again.
PICTURES_VERSION = 6

# AVColorSpace values with swscale coefficients (its table is indexed by the same numbers).
_MATRICES = {1, 4, 5, 6, 7, 9, 10}
_BT601 = 5
_BT709 = 1
# Untagged video this wide or taller than SD is HD, stored BT.709 (mpv's rule; VLC and browsers agree).
_HD_MIN_WIDTH, _SD_MAX_HEIGHT = 1280, 576
_RANGE_LIMITED, _RANGE_FULL = 1, 2  # AVColorRange: MPEG (limited), JPEG (full)
# AVColorTransferCharacteristic values of HDR video.
TRC_PQ, TRC_HLG = 16, 18
HDR_TRANSFERS = {TRC_PQ: "PQ", TRC_HLG: "HLG"}

REFERENCE_WHITE_NITS = 203.0  # ITU-R BT.2408: HDR reference (graphics) white = SDR white
_HLG_PEAK_NITS = 1000.0  # the nominal HLG display of ITU-R BT.2100 (system gamma 1.2)
_KNEE = 0.8  # linear SDR level above which HDR highlights are compressed towards white
_LUT_MAX = 16.0  # linear level (x SDR white) mapped to white at the top of the output table
_LUT_SIZE = 8192
# Linear-light BT.2020 RGB -> BT.709 RGB (ITU-R BT.2087).
_BT2020_TO_BT709 = np.array([[1.6605, -0.5876, -0.0728],
                             [-0.1246, 1.1329, -0.0083],
                             [-0.0182, -0.1006, 1.1187]], dtype=np.float32)


@dataclass(frozen=True)
class Colour:
    """How one stream's pictures become RGB: its transfer (`color_trc`), read once from the stream."""

    transfer: int = 0

    @property
    def hdr(self) -> str | None:
        return HDR_TRANSFERS.get(self.transfer)

    @classmethod
    def of_stream(cls, stream) -> "Colour":
        try:
            return cls(int(stream.codec_context.color_trc or 0))
        except (AttributeError, TypeError, ValueError):
            return cls()


def _is_yuv(frame: av.VideoFrame) -> bool:
    fmt = frame.format
    return not fmt.is_rgb and not fmt.name.startswith(("gray", "pal", "bayer", "ya", "mono"))


def untagged_matrix(width: int, height: int) -> int:
    """The AVColorSpace players assume for untagged YUV of this stored size: BT.709 for HD, BT.601 for SD."""
    return _BT709 if width >= _HD_MIN_WIDTH or height > _SD_MAX_HEIGHT else _BT601


def _conversion(frame: av.VideoFrame, stored_size: tuple[int, int] | None = None) -> dict:
    """swscale settings naming the frame's matrix and range. PyAV passes them on only when source
    and destination differ, and the destination matrix is unused for RGB output: so the
    destination is always given as another matrix, in full range (RGB). `stored_size` is the
    size the file stores its pictures at, where the frame was turned upright since."""
    if not _is_yuv(frame):
        return {}
    space = int(frame.colorspace)
    jpeg = frame.format.name.startswith("yuvj")  # (M)JPEG pictures are BT.601 whatever their size
    if space not in _MATRICES:
        space = _BT601 if jpeg else untagged_matrix(*(stored_size or (frame.width, frame.height)))
    full = int(frame.color_range) == _RANGE_FULL or jpeg
    return {"src_colorspace": space, "dst_colorspace": _BT709 if space != _BT709 else _BT601,
            "src_color_range": _RANGE_FULL if full else _RANGE_LIMITED, "dst_color_range": _RANGE_FULL}


def to_rgb(frame: av.VideoFrame, colour: Colour = Colour(), *, width: int | None = None,
           height: int | None = None, interpolation: str | None = None,
           stored_size: tuple[int, int] | None = None) -> np.ndarray:
    """The frame as HxWx3 uint8 RGB (scaled to width x height in the same swscale pass).
    `stored_size`: the (width, height) the file stores it at, for a frame turned upright since."""
    size = {"width": width, "height": height, "interpolation": interpolation}
    if colour.hdr is None or not _is_yuv(frame):
        return frame.to_ndarray(format="rgb24", **size, **_conversion(frame, stored_size))
    # (planar: swscale's packed 48-bit RGB output drops the chroma of 10-bit input when it is
    # given the matrix)
    signal = frame.to_ndarray(format="gbrp16le", **size, **_conversion(frame, stored_size))
    return tone_map(signal, colour.transfer)


def _pq_to_nits(e: np.ndarray) -> np.ndarray:
    m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
    p = np.power(e, 1.0 / m2)
    return 10000.0 * np.power(np.maximum(p - c1, 0.0) / (c2 - c3 * p), 1.0 / m1)


def _hlg_to_nits(e: np.ndarray) -> np.ndarray:
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    scene = np.where(e <= 0.5, e * e / 3.0, (np.exp((e - c) / a) + b) / 12.0)
    # The OOTF applied per channel (an approximation of BT.2100's luminance-based one).
    return _HLG_PEAK_NITS * np.power(scene, 1.2)


@lru_cache(maxsize=None)
def _signal_table(transfer: int) -> np.ndarray:
    """16-bit signal -> linear light relative to SDR white."""
    e = np.arange(65536, dtype=np.float64) / 65535.0
    nits = _pq_to_nits(e) if transfer == TRC_PQ else _hlg_to_nits(e)
    return (nits / REFERENCE_WHITE_NITS).astype(np.float32)


@lru_cache(maxsize=1)
def _output_table() -> np.ndarray:
    """sqrt-spaced linear level in [0, _LUT_MAX] -> 8-bit sRGB, highlights rolled off above the knee."""
    x = (np.linspace(0.0, 1.0, _LUT_SIZE) ** 2) * _LUT_MAX
    over = np.maximum(x - _KNEE, 0.0)
    y = np.minimum(x, _KNEE) + (1.0 - _KNEE) * np.tanh(over / (1.0 - _KNEE))
    srgb = np.where(y <= 0.0031308, 12.92 * y, 1.055 * np.power(y, 1 / 2.4) - 0.055)
    return np.clip(np.round(srgb * 255.0), 0, 255).astype(np.uint8)


# The output table is read at twice its resolution so that truncating a float index (what the
# conversion to integers does) picks the nearest entry: entry m of the doubled table is entry
# (m + 1) // 2 of the output table, i.e. floor(2v) -> round(v). The factor (2 (_LUT_SIZE - 1))^2 / _LUT_MAX
# is folded into the colour matrix, so after the matrix a square root gives the index directly.
_INDEX_SCALE = (2.0 * (_LUT_SIZE - 1)) ** 2 / _LUT_MAX
_INDEX_MATRIX = (_BT2020_TO_BT709.astype(np.float64) * _INDEX_SCALE).astype(np.float32)
_INDEX_MAX = _LUT_MAX * _INDEX_SCALE
# Pixels per slice: a slice's intermediate arrays (signal, linear light, index) stay in the CPU's
# cache between the steps, where whole-frame arrays go to memory and back at every step.
_SLICE_PIXELS = 16384


@lru_cache(maxsize=1)
def _doubled_output_table() -> np.ndarray:
    table = _output_table()
    return table[(np.arange(2 * (_LUT_SIZE - 1) + 1) + 1) // 2]


def tone_map(signal: np.ndarray, transfer: int) -> np.ndarray:
    """HxWx3 uint16 BT.2020 R'G'B' (PQ or HLG) -> HxWx3 uint8 SDR BT.709 RGB.

    The steps are: 16-bit signal -> linear light (a 65536-entry table), BT.2020 -> BT.709 (3x3
    matrix), clip to [0, _LUT_MAX], square root, output table. Done on slices of rows with
    OpenCV's vectorised matrix, threshold and square root (numpy's matmul, clip and sqrt make
    temporaries and go through memory at each step) and np.take into preallocated arrays for
    the two tables (numpy's fancy indexing first copies the index to 64-bit integers): the
    output of the whole-frame numpy version to within float rounding (an index on the edge
    between two table entries may pick the other one: at most 1 level, on a few pixels in a
    million). bench/bench_tone_map.py compares the two.
    """
    import cv2  # here, not at the top: the config imports this module and must load no image library

    signal = np.ascontiguousarray(signal)
    height, width = signal.shape[:2]
    out = np.empty((height, width, 3), np.uint8)
    if out.size == 0:
        return out
    linear_table, output_table = _signal_table(transfer), _doubled_output_table()
    rows = max(1, _SLICE_PIXELS // max(width, 1))
    signal_linear = np.empty((rows, width, 3), np.float32)
    linear = np.empty((rows, width, 3), np.float32)
    index = np.empty((rows, width, 3), np.uint16)
    for top in range(0, height, rows):
        part = signal[top:top + rows]
        n = part.shape[0]
        lin, idx = linear[:n], index[:n]
        np.take(linear_table, part, out=signal_linear[:n], mode="clip")  # (clip: no bounds check, no buffer)
        cv2.transform(signal_linear[:n], _INDEX_MATRIX, dst=lin)
        cv2.threshold(lin, _INDEX_MAX, 0.0, cv2.THRESH_TRUNC, dst=lin)
        cv2.threshold(lin, 0.0, 0.0, cv2.THRESH_TOZERO, dst=lin)
        cv2.sqrt(lin, dst=lin)
        idx[...] = lin  # truncation: see _doubled_output_table
        np.take(output_table, idx, out=out[top:top + n], mode="clip")
    return out
