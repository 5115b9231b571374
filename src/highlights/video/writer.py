"""Writing video with PyAV: streamed, atomic, in any of the containers and codecs we read."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from highlights.atomic import (DiskFullError, check_file_target, is_disk_full, no_space_left,
                               put_in_place, temp_file_beside)
from highlights.video.colour import untagged_matrix
from highlights.video.rotation import ROTATIONS, write_mp4_rotation

# suffix -> (FFmpeg muxer, codecs it may carry)
_CONTAINERS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".mp4": ("mp4", ("h264", "hevc", "mpeg4", "vp9")),
    ".mov": ("mov", ("h264", "hevc", "mpeg4")),
    ".mkv": ("matroska", ("h264", "hevc", "mpeg4", "vp9")),
    ".avi": ("avi", ("h264", "hevc", "mpeg4")),
    ".webm": ("webm", ("vp9",)),
    # A raw MPEG-4 Part 2 elementary stream: no container, no timestamps.
    ".m4v": ("m4v", ("mpeg4",)),
}
_ROTATABLE = {".mp4", ".mov"}  # where phones (and we) put a display matrix
_CODEC_ALIASES = {"h264": "h264", "avc": "h264", "hevc": "hevc", "h265": "hevc",
                  "mpeg4": "mpeg4", "vp9": "vp9"}
_ENCODERS = {"h264": ("libx264", "libopenh264"), "hevc": ("libx265",), "mpeg4": ("mpeg4",),
             "vp9": ("libvpx-vp9",)}
# x264/x265 speed presets, fastest first; slower ones compress better at the same crf.
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
           "veryslow", "placebo")
_DEFAULT_PRESET = {"libx264": "veryfast", "libx265": "ultrafast"}
# Added to the default libx264 preset only (an explicit preset is x264's own); see `_encoder_options`.
_DEFAULT_X264_PARAMS = "subme=1"
# On a CPU with AVX-512, the x264 that PyAV bundles can encode the same frames into different
# bytes from one call to the next in one process, even on one thread; held to its AVX2 code
# (which every AVX-512 CPU has), or to its C code, it gives the same bytes every time, about as
# fast. Otherwise the same reviewed clip exported twice, or a generator clip rendered twice, gets
# another hash (so another clip id) and slightly other pixels. tests/test_video_io.py encodes the
# same frames between other encodes to check it.
_X264_ASM_WITHOUT_AVX512 = "asm=AVX2"
_CPUINFO = Path("/proc/cpuinfo")


@functools.cache
def _has_avx512() -> bool:
    """Whether this (Linux x86) CPU has AVX-512; elsewhere (no /proc/cpuinfo, or another
    architecture) x264 keeps its own choice of code."""
    try:
        text = _CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return "avx512f" in line.partition(":")[2].split()
    return False


# x264's own veryfast, for clips written as training data (the generator's clips, a dataset's
# augmented variants, reviewed clips exported into a dataset): what they were always encoded with.
# The quicker default is for what people watch (the reel, the page's clips); training data keeps
# its encoding, so that a generator version's clips and a model trained on them stay the same.
DATA_PRESET = "veryfast"
# Fine time base used when explicit presentation times are given (variable frame rate).
_VFR_TIME_BASE = Fraction(1, 90000)


def _encoder_for(codec: str) -> str:
    for name in _ENCODERS[codec]:
        if name in av.codecs_available:
            return name
    raise ValueError(f"no encoder for {codec} in this FFmpeg build (tried {_ENCODERS[codec]})")


def _encoder_options(encoder: str, crf: int, preset: str | None = None) -> dict[str, str]:
    if encoder == "libx264":
        params = [_DEFAULT_X264_PARAMS] if preset is None else []
        if _has_avx512():
            params.append(_X264_ASM_WITHOUT_AVX512)
        # veryfast spends much of its time on subpixel refinement (subme=2); subme=1 trades a
        # few percent more bytes at the same crf and PSNR for a clearly quicker encode
        # (bench/bench_outputs.py prints the cut's parts before and after), and the reel and
        # the page's clips are most of what `detect` spends writing its outputs.
        return {"crf": str(crf), "preset": preset or _DEFAULT_PRESET[encoder],
                **({"x264-params": ":".join(params)} if params else {})}
    if encoder == "libx265":
        return {"crf": str(crf), "preset": preset or _DEFAULT_PRESET[encoder],
                "x265-params": "log-level=error"}
    if encoder == "libvpx-vp9":
        # b=0 with crf is libvpx's constant-quality mode; realtime/cpu-used keep it fast.
        return {"crf": str(min(crf + 8, 63)), "b": "0", "deadline": "realtime", "cpu-used": "8",
                "row-mt": "1"}
    if encoder == "mpeg4":
        # FF_QP2LAMBDA = 118: ffmpeg's -q:v sets global_quality to q * FF_QP2LAMBDA.
        return {"global_quality": str(_mpeg4_qscale(crf) * 118)}
    return {}


def _mpeg4_qscale(crf: int) -> int:
    # mpeg4 has no crf; map x264's 18..51 onto its fixed quantiser 2..31.
    return int(np.clip(round(2 + (crf - 18) * 29 / 33), 2, 31))


def _even(rgb: np.ndarray) -> np.ndarray:
    # 4:2:0 chroma needs even sizes; drop the odd last row/column (as ffmpeg's trunc(iw/2)*2 does).
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    codec: str = "h264",
    crf: int = 23,
    rotation: int = 0,
    times_s: Sequence[float] | None = None,
    preset: str | None = None,
) -> Path:
    """Encode HxWx3 uint8 RGB frames to ``path`` (atomically) and return the path.

    ``frames`` may be any iterable (a generator streams: nothing is held but the current
    frame). The container follows the suffix: .mp4 .mov .mkv .avi .webm, or .m4v for a raw
    MPEG-4 elementary stream. ``codec`` is h264, hevc, mpeg4 or vp9. Frames are stored yuv420p,
    converted with the BT.709 matrix and tagged BT.709 (an MPEG-4 Part 2 stream in .avi or .m4v,
    which has nowhere to say so, with what readers assume there: BT.709 for HD, BT.601 for SD,
    ``colour.untagged_matrix``); an odd width or height
    loses its last column/row. ``rotation`` (0/90/180/270, .mp4/.mov
    only) stores a phone-style display matrix: readers turn the stored frames that many degrees
    clockwise, so to make a portrait clip pass landscape frames and ``rotation=90`` (see
    ``highlights.video.rotation``). ``times_s`` gives each frame's presentation time for
    variable-frame-rate video; without it frame i is at ``i / fps``. ``preset`` is the
    libx264/libx265 speed preset (one of ``PRESETS``): faster presets encode quicker and give
    bigger files at the same ``crf``; None keeps the default (veryfast with subme=1 for h264,
    ultrafast for hevc). Only h264 and hevc have presets.
    """
    path = Path(path)
    muxer, encoder = _muxer_and_encoder(path, codec, rotation=rotation, fps=fps, preset=preset)
    rate = Fraction(fps).limit_denominator(1001)

    check_file_target(path)  # a folder in its place is named, not the temp file renamed onto it
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp file sits beside the target so os.replace is an atomic rename; it carries this
    # process's pid, so that a later write into the folder removes it if a kill -9 leaves it. (The
    # muxer is named, so its `.tmp` ending does not matter to the encoder.)
    tmp = temp_file_beside(path)
    _chmod_like_new_file(tmp)
    waits_for_others = False
    try:
        count = _encode(tmp, muxer, encoder, frames, rate, crf, times_s, preset)
        if count == 0:
            raise ValueError(f"{path}: no frames to write")
        if rotation:
            write_mp4_rotation(tmp, rotation)
        # inside `written_together`, renamed with the files it goes with (a clip's ground truth)
        waits_for_others = put_in_place(tmp, path)
    except Exception as e:
        if not isinstance(e, DiskFullError) and (is_disk_full(e) or no_space_left(path.parent)):
            raise DiskFullError(path) from e
        raise
    finally:
        if not waits_for_others:
            tmp.unlink(missing_ok=True)
    return path


def _muxer_and_encoder(path: Path, codec: str, *, rotation: int, fps: float, preset: str | None) -> tuple[str, str]:
    """The muxer of `path`'s container and the encoder of `codec`; ValueError naming `path` for a
    codec, rotation, rate or preset that cannot be written there."""
    suffix = path.suffix.lower()
    if suffix not in _CONTAINERS:
        raise ValueError(f"{path}: unsupported container {suffix!r}; "
                         f"use one of {sorted(_CONTAINERS)}")
    muxer, allowed = _CONTAINERS[suffix]
    codec_key = _CODEC_ALIASES.get(codec.lower())
    if codec_key is None or codec_key not in allowed:
        raise ValueError(f"{path}: codec {codec!r} cannot go in {suffix} (allowed: {allowed})")
    if rotation not in ROTATIONS:
        raise ValueError(f"{path}: rotation must be one of {ROTATIONS}, got {rotation}")
    if rotation and suffix not in _ROTATABLE:
        raise ValueError(f"{path}: rotation metadata is only written to .mp4/.mov, not {suffix}")
    if not fps or fps <= 0:
        raise ValueError(f"{path}: fps must be positive, got {fps}")
    encoder = _encoder_for(codec_key)
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"{path}: unknown preset {preset!r}; use one of {PRESETS}")
        if encoder not in _DEFAULT_PRESET:
            raise ValueError(f"{path}: preset applies to libx264/libx265, not {encoder}")
    return muxer, encoder


def _chmod_like_new_file(path: Path) -> None:
    # mkstemp creates 0600; a finished video is an ordinary readable file. (Reading the umask
    # means setting it, which is not thread-safe, so use the common default directly.)
    os.chmod(path, 0o644)


def _encode(tmp: Path, muxer: str, encoder: str, frames: Iterable[np.ndarray], rate: Fraction,
            crf: int, times_s: Sequence[float] | None, preset: str | None) -> int:
    count = 0
    tagged = _states_colour(muxer, encoder)
    matrix = _BT709
    with av.open(str(tmp), mode="w", format=muxer) as container:
        stream = None
        last_pts = -1
        for rgb in frames:
            rgb = np.asarray(rgb)
            if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
                raise ValueError(f"frames must be HxWx3 uint8, got {rgb.shape} {rgb.dtype}")
            rgb = _even(rgb)
            if stream is None:
                stream = _open_stream(container, encoder, rate, crf, rgb.shape[1], rgb.shape[0],
                                      vfr=times_s is not None, preset=preset, tagged=tagged)
                size = rgb.shape[:2]
                if not tagged:  # convert as readers will read it: by its size
                    matrix = untagged_matrix(rgb.shape[1], rgb.shape[0])
            elif rgb.shape[:2] != size:
                raise ValueError(f"frame {count} is {rgb.shape[1]}x{rgb.shape[0]}, "
                                 f"the first was {size[1]}x{size[0]}")
            frame = _to_yuv(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24"), matrix)
            if times_s is not None:
                if count >= len(times_s):
                    raise ValueError(f"more frames than times_s ({len(times_s)})")
                pts = int(round(float(times_s[count]) / _VFR_TIME_BASE))
                if pts <= last_pts:
                    raise ValueError(f"times_s must increase (frame {count} at {times_s[count]})")
                frame.pts, frame.time_base = pts, _VFR_TIME_BASE
                last_pts = pts
            else:
                frame.pts, frame.time_base = count, 1 / rate
            for packet in stream.encode(frame):
                container.mux(packet)
            count += 1
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    return count


# AVColorSpace/Primaries/Transfer BT.709 and AVColorRange MPEG (limited), as HD video is stored.
_BT709, _LIMITED, _FULL, _BT601 = 1, 1, 2, 5
# Where the colour tags go when the codec's own headers have no room for them (MPEG-4 Part 2's,
# as FFmpeg writes them): without it readers take the matrix from the picture's size.
_COLOUR_BOX_MUXERS = {"mp4", "mov", "matroska", "webm"}


def _states_colour(muxer: str, encoder: str) -> bool:
    return encoder != "mpeg4" or muxer in _COLOUR_BOX_MUXERS


def _to_yuv(frame: av.VideoFrame, matrix: int) -> av.VideoFrame:
    # PyAV converts with swscale's default (BT.601) unless told otherwise, while players show
    # untagged HD video as BT.709: convert with the matrix the stream states (`_open_stream`).
    # The source matrix is unused for RGB input, but it must differ for PyAV to pass them on.
    yuv = frame.reformat(format="yuv420p", src_colorspace=_BT709 if matrix != _BT709 else _BT601,
                         dst_colorspace=matrix, src_color_range=_FULL, dst_color_range=_LIMITED)
    yuv.colorspace, yuv.color_range = matrix, _LIMITED
    return yuv


def _open_stream(container, encoder: str, rate: Fraction, crf: int, width: int, height: int,
                 *, vfr: bool, preset: str | None, tagged: bool):
    # AVI stores one timestamp per chunk in decode order, so B-frames leave it with
    # presentation times off by the reorder delay: write AVI without them.
    no_b_frames = vfr or container.format.name == "avi"
    stream = container.add_stream(encoder, rate=rate, options=_encoder_options(encoder, crf, preset))
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.thread_type = "AUTO"
    if tagged:
        cc = stream.codec_context
        cc.colorspace = cc.color_primaries = cc.color_trc = _BT709
        cc.color_range = _LIMITED
    # A keyframe every 2 s, as phones record: seeking to a clip then decodes at most 2 s.
    stream.codec_context.gop_size = max(1, round(2 * float(rate)))
    stream.codec_context.time_base = _VFR_TIME_BASE if vfr else 1 / rate
    if no_b_frames:
        # (For VFR: with reordering, MP4 takes the track duration from decode timestamps,
        # which for irregular times stop short of the last presentation time.)
        stream.codec_context.max_b_frames = 0
    if encoder == "mpeg4":
        stream.codec_context.qscale = True
    return stream
