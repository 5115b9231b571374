"""Reading video with PyAV: probe, stream frames in order, sample a clip by timestamps.

Every failure surfaces as ``VideoError("<path>: <cause>")``. Decoding always walks forward
through the demuxer until end of file, so it terminates on any input; a stream that keeps
feeding packets without producing a picture is cut off by ``MAX_PACKETS_WITHOUT_FRAME``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from highlights.video.colour import Colour, to_rgb
from highlights.video.decode_damage import DecodeDamage
from highlights.video.errors import VideoError, error_cause, missing_file_cause
from highlights.video.file_names import name_is_utf8, name_not_utf8_cause, printable_name
from highlights.video.mp4boxes import is_iso_media, iter_file_boxes
from highlights.video.opening import open_input
from highlights.video.rotation import UprightFrames, clockwise_rotation_of
from highlights.video.shown_frames import edit_list_hides_samples, shown_frames
from highlights.video.start_seek import StartSeek
from highlights.video.types import Frame, VideoInfo

log = logging.getLogger(__name__)

# A healthy decoder emits a picture every packet once its pipeline is full (a few dozen
# packets at most with frame threading); this many in a row without one means a broken stream.
MAX_PACKETS_WITHOUT_FRAME = 2000
# When a seek lands past the wanted time, the retry seeks this much earlier.
SEEK_BACKOFF_S = 5.0
_AVFMT_NOTIMESTAMPS = 0x0080  # libavformat: the format stores no timestamps (raw streams)
# Containers whose per-frame timestamps are frame counters that B-frame reordering scrambles.
_INDEX_TIMED_FORMATS = {"avi"}
_ATTACHED_PIC = av.stream.Disposition.attached_pic
_STILL_IMAGE = av.stream.Disposition.still_image
_FALLBACK_FPS = 25.0  # FFmpeg's own default when a raw stream states no rate
_EPS = 1e-6
# Containers whose timestamps are one presentation timeline that starts at 0: MP4/MOV's movie
# time (after its edit lists) and Matroska/WebM's. A track that starts after the file's other
# tracks (a stream-copied trim whose pictures begin after its sound) is shown late there. A file
# whose every track starts late (a camera's clock kept by a stream copy, an hour in) is counted
# from its start, as elsewhere (MPEG-TS/PS, FLV, ...), where timestamps run on from an arbitrary
# clock and players, editors, `ffmpeg -ss` and chapters count from the file's first timestamp.
_TIMELINE_FROM_ZERO = {"mov", "mp4", "matroska", "webm"}
# FFmpeg's demuxers of still pictures (png_pipe, jpeg_pipe, ..., and image2 for numbered image
# files): such a file opens as a one-picture "video" of no length, which a run would analyse as
# 0 s of footage and call a success. An animated GIF or APNG has demuxers of its own and plays.
_STILL_PICTURE_FORMATS = ("image2", "image2pipe")


def _is_still_picture_format(name: str) -> bool:
    return name in _STILL_PICTURE_FORMATS or name.endswith("_pipe")


def still_picture_kind(container: av.container.InputContainer) -> str:
    """The picture format a user knows (PNG, JPEG) of a file FFmpeg opened as a still picture."""
    name = container.format.name
    if name.endswith("_pipe"):
        return name.removesuffix("_pipe").upper()
    return container.streams.video[0].codec_context.name.upper() if container.streams.video else "image"


@dataclass
class _Opened:
    """An open input and what we know about its video stream."""

    path: str
    container: av.container.InputContainer
    stream: av.video.stream.VideoStream
    fps: float
    time_by_index: bool  # no usable timestamps: frame i is at i / fps
    colour: Colour = Colour()  # how its pictures become RGB (HDR transfers are tone-mapped)
    origin_s: float = 0.0  # the moment, on the stream's clock, that players show as 0:00
    pixel_aspect: Fraction = Fraction(1)  # a stored pixel's width over its height, as shown
    shown_count: int | None = None  # the frames an edit list shows, where it hides some

    @property
    def start_s(self) -> float:
        """Where the video stream's first timestamp lies on the player's timeline."""
        if self.time_by_index or self.stream.start_time is None or not self.stream.time_base:
            return 0.0
        return max(0.0, float(self.stream.start_time * self.stream.time_base) - self.origin_s)

    @property
    def raw(self) -> bool:
        return bool(self.container.format.flags & _AVFMT_NOTIMESTAMPS)


def _open(path: str | Path, threads: int = 0) -> _Opened:
    path_str = str(path)
    p = Path(path)
    if not name_is_utf8(path_str):
        raise VideoError(printable_name(path_str), name_not_utf8_cause(path_str))
    cause = missing_file_cause(p)
    if cause is not None:
        raise VideoError(path_str, cause)
    if p.stat().st_size == 0:
        raise VideoError(path_str, "empty file (0 bytes)")
    try:
        container = open_input(path_str)
    except (av.error.FFmpegError, OSError, ValueError) as err:
        raise VideoError(path_str, _open_failure_cause(p, err)) from err
    try:
        if _is_still_picture_format(container.format.name):
            raise VideoError(path_str, f"a single image ({still_picture_kind(container)}), not a video")
        stream = main_video_stream(container)
        if stream is None:
            kinds = sorted({s.type for s in container.streams})
            found = ", ".join(f"{sum(s.type == k for s in container.streams)} {k}" for k in kinds)
            if container.streams.video:
                found += "; the video streams are still images (cover art)"
            raise VideoError(path_str, f"no video stream (streams found: {found or 'none'})")
        if stream.codec_context is None:
            raise VideoError(path_str, f"no decoder for its video codec ({_codec_name(stream)})")
        _refuse_too_small(path_str, stream)
        if threads > 0:
            stream.codec_context.thread_count = threads
        else:
            stream.thread_type = "AUTO"
        raw = bool(container.format.flags & _AVFMT_NOTIMESTAMPS)
        fps = _stream_fps(stream, raw)
        # FFmpeg's average counts the samples an edit list hides; the shown ones give the rate.
        hides = not raw and edit_list_hides_samples(stream, fps)
        shown = shown_frames(path_str, stream) if hides else None
        by_index = raw or container.format.name in _INDEX_TIMED_FORMATS
        return _Opened(path_str, container, stream, shown.fps if shown else fps, by_index,
                       Colour.of_stream(stream), timeline_origin_s(container, stream),
                       _pixel_aspect(stream), shown.count if shown else None)
    except BaseException:
        container.close()
        raise


def main_video_stream(container) -> "av.video.stream.VideoStream | None":
    """The video stream a player shows: the largest moving picture (the first of equals).

    Cover art in an audio file shows up as a one-picture "video" stream: not a video. A phone or
    camera .mov may carry a small preview or depth track beside the main one, in either order.
    """
    moving = [s for s in container.streams.video if not s.disposition & (_ATTACHED_PIC | _STILL_IMAGE)]
    return max(moving, key=_picture_area, default=None)


def timeline_origin_s(container, stream) -> float:
    """The time on `stream`'s clock (seconds) that players (mpv, VLC, ffplay), editors and
    `ffmpeg -ss` count as 0:00: the file's start, its first timestamp of any stream.

    Every time this project reports or cuts at is on that timeline, so that highlights.json, the
    EDL, the chapters and a seek in a player all land on the same picture, whatever clock the
    camera stamped. In MP4/MOV and Matroska/WebM a file that starts before 0 still counts from 0.
    It is never after the stream's own start (a track that starts before 0, by its decoder delay,
    counts from its first frame, which players show at 0:00).
    """
    tb = stream.time_base
    start = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
    origin = start if container.start_time is None else container.start_time / av.time_base
    if set(container.format.name.split(",")) & _TIMELINE_FROM_ZERO:
        origin = max(0.0, origin)
    return min(origin, start)


def _pixel_aspect(stream) -> Fraction:
    """The sample aspect ratio players stretch the stored picture by (HDV's 1440x1080 is shown at
    1920x1080); 1 where none is stated, or one no camera writes (a damaged header)."""
    ratio = stream.sample_aspect_ratio or (stream.codec_context.sample_aspect_ratio
                                           if stream.codec_context is not None else None)
    if not ratio or not Fraction(1, 4) <= Fraction(ratio) <= 4:
        return Fraction(1)
    return Fraction(ratio)


def shown_dimensions(width: int, height: int, clockwise: int, pixel_aspect: Fraction) -> tuple[int, int]:
    """The size a player shows an upright picture of `width` x `height` stored pixels at: their
    stored width, along the picture's height once it is turned a quarter, stretched by
    `pixel_aspect`."""
    if pixel_aspect == 1:
        return width, height
    if clockwise in (90, 270):
        return width, max(2, round(height * pixel_aspect))
    return max(2, round(width * pixel_aspect)), height


# The fewest pixels a side of a video's picture may have. A picture of a pixel or two is no
# footage (a damaged header, a placeholder an app wrote) and breaks what resizes it: the phone
# augmentation's downscale makes a side of 0 pixels of it. The synthetic footage's least side.
MIN_PICTURE_SIDE_PX = 16


def _refuse_too_small(path: str, stream) -> None:
    """Raise ``VideoError`` for a picture whose stored size has a side under MIN_PICTURE_SIDE_PX
    (a size the container does not state, 0, is left to decoding)."""
    width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
    if width > 0 and height > 0 and min(width, height) < MIN_PICTURE_SIDE_PX:
        raise VideoError(path, f"its pictures are {width}x{height} pixels: too small to be footage "
                               f"(each side at least {MIN_PICTURE_SIDE_PX} pixels)")


def _picture_area(stream) -> int:
    ctx = stream.codec_context
    return (ctx.width or 0) * (ctx.height or 0) if ctx is not None else 0


def codec_name(codec_context) -> str:
    """The codec a stream is coded in (`h264`, `av1`): FFmpeg's canonical name, where the context's
    own name is its decoder's (`libdav1d` for AV1)."""
    return codec_context.codec.canonical_name


def _codec_name(stream) -> str:
    # Without a codec context, PyAV's attribute lookup falls through to None and raises
    # AttributeError (a damaged codec header); say so rather than fail here.
    try:
        return repr(stream.codec.name)
    except AttributeError:
        return "unknown or damaged codec header"


def _stream_fps(stream, raw: bool) -> float:
    # A raw stream's average_rate is FFmpeg's 25 fps guess; the rate parsed from the
    # bitstream headers (guessed_rate) is the real one there.
    rates = (stream.guessed_rate, stream.average_rate) if raw else (
        stream.average_rate, stream.guessed_rate, stream.base_rate)
    for rate in rates:
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    return _FALLBACK_FPS


def frame_rate_of(stream, average_fps: float) -> float:
    """The rate `stream`'s frames are laid on (FFmpeg's r_frame_rate: the rate that fits its
    timestamps), when it is above the average: a variable-rate recording's, whose average is
    lower (a phone's 30 fps with 15 fps stretches in low light averages 25). 0 when it is not
    (constant rate), or when it is implausible: more than twice the average and above 60
    (a timescale, such as 90000, taken for a rate)."""
    rate = stream.base_rate or stream.guessed_rate
    if not rate or not average_fps:
        return 0.0
    rate = float(rate)
    if rate <= average_fps * 1.001 or rate > max(2 * average_fps, 60.0):
        return 0.0
    return rate


def _open_failure_cause(path: Path, err: Exception) -> str:
    detail = error_cause(err)
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as read_err:
        return f"cannot read the file ({error_cause(read_err)})"
    if is_iso_media(head):
        if not _has_top_level_box(path, b"moov"):
            return ("truncated MP4/MOV: its index ('moov' box) is missing - it is written at the "
                    "end of the file, so a cut-off recording, or one still being written, cannot be read")
        return f"corrupt MP4/MOV container ({detail})"
    return f"not a video file, or an unknown or corrupt format ({detail})"


def _has_top_level_box(path: Path, kind: bytes) -> bool:
    with path.open("rb") as fh:
        return any(k == kind for k, _, _ in iter_file_boxes(fh, path.stat().st_size))


@dataclass
class _DecodeTally:
    """What `_decoded` has met so far in a stream, for its errors and its log line."""

    packets: int = 0  # packets holding data
    errors: int = 0  # packets that failed to decode
    first_error: str | None = None
    decoded_after_error: int = 0  # packets that decoded after the first damaged one
    produced: int = 0  # pictures
    since_frame: int = 0  # packets holding data since the last picture

    def decode(self, stream, packet) -> tuple[list, str | None]:
        """The packet's pictures, and the cause where it failed to decode (no picture then)."""
        self.packets += packet.size > 0
        try:
            frames = stream.decode(packet)
        except av.error.FFmpegError as err:
            # A damaged packet: skip it like a player would, and keep going.
            self.errors += 1
            error = error_cause(err)
            self.first_error = self.first_error or error
            return [], error
        self.decoded_after_error += self.errors > 0 and packet.size > 0
        return frames, None

    def count(self, path: Path, packet, frames: list) -> None:
        """Counts the packet's pictures; raises VideoError once too many packets made none."""
        if frames:
            self.since_frame = 0
        elif packet.size:
            self.since_frame += 1
            if self.since_frame > MAX_PACKETS_WITHOUT_FRAME:
                cause = f"{self.since_frame} packets decoded to no picture; the stream is corrupt"
                if self.first_error:
                    cause += f" ({self.errors} decode errors, first: {self.first_error})"
                raise VideoError(path, cause)
        self.produced += len(frames)

    def no_frames_cause(self) -> str:
        cause = "no decodable video frames"
        if self.errors:
            cause += (f" ({self.errors} of {self.packets} packets failed to decode;"
                      f" first error: {self.first_error})")
        elif self.packets == 0:
            cause += " (the video stream holds no data)"
        return cause


def _decoded(opened: _Opened, *, from_start: bool = True, damage: DecodeDamage | None = None,
             warn: bool | None = None) -> Iterator[av.VideoFrame]:
    """Decode the video stream forward from the current position, tolerating damaged packets
    (counted into `damage` when given). ``warn``: log the damage as a warning (default: when no
    `damage` is given, so no caller records it).

    Decoding from the start and getting no picture at all raises VideoError with the cause.
    """
    path, stream = opened.path, opened.stream
    tally = _DecodeTally()
    if damage is not None:
        damage.reading_from_here()
    packets = opened.container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError as err:
            yield from _frames_left_after_read_failure(path, stream, err,
                                                       none_yet=from_start and tally.produced == 0)
            return
        frames, error = tally.decode(stream, packet)
        if damage is not None:
            damage.packet(_packet_time_s(packet, stream), error, decode_time=packet.dts is not None)
        tally.count(path, packet, frames)
        yield from frames
    if from_start and tally.produced == 0:
        raise VideoError(path, tally.no_frames_cause())
    _log_skipped_packets(path, tally, warn=damage is None if warn is None else warn)


def _frames_left_after_read_failure(path: Path, stream, err: av.error.FFmpegError, *, none_yet: bool) -> list:
    """The demuxer hit damaged or missing data (a truncated file): the pictures the decoder still
    holds. Raises VideoError where there are none and `none_yet` (no picture came before)."""
    log.warning("%s: stopped reading early: %s", path, err)
    frames = _flush(stream)
    if none_yet and not frames:
        cause = f"no decodable video frames (reading failed: {error_cause(err)})"
        raise VideoError(path, cause) from err
    return frames


def _log_skipped_packets(path: Path, tally: _DecodeTally, *, warn: bool) -> None:
    """Says the damaged packets skipped in a stream read to its end."""
    if tally.errors and tally.decoded_after_error:
        # A reader given `damage` hands the count to its caller, which says it in its own record
        # and summary: a warning here too would say it twice.
        (log.warning if warn else log.debug)(
            "%s: %d damaged packets skipped (first: %s)", path, tally.errors, tally.first_error)
    elif tally.errors:
        # Damage only at the end, nothing decoding after it: a file cut off part way (its index at
        # the front). A reader of the whole file says how much is missing (`check_frames_reach_end`)
        # in one line; a warning before it would tell the same thing twice, less clearly.
        log.debug("%s: ends in %d damaged packets (first: %s)", path, tally.errors, tally.first_error)


def _packet_time_s(packet, stream) -> float | None:
    """Where a packet lies in its file, for `DecodeDamage` to count it once: its decode time, or
    its presentation time where it has none, in seconds of the stream's clock."""
    ticks = packet.dts if packet.dts is not None else packet.pts
    if ticks is None:
        return None
    return float(ticks * stream.time_base) if stream.time_base else float(ticks)


def _flush(stream) -> list:
    try:
        return stream.decode(None)
    except av.error.FFmpegError:
        return []


@dataclass
class _Timed:
    index: int
    time_s: float
    frame: av.VideoFrame


def _timed_frames(opened: _Opened, start_s: float | None, end_s: float | None,
                  damage: DecodeDamage | None = None) -> Iterator[_Timed]:
    """Frames with presentation times in [start_s, end_s), seeking to start_s first.

    A keyframe seek that lands after ``start_s`` (some indexes are imprecise) is retried from
    ``SEEK_BACKOFF_S`` earlier, then from the start: at most three passes, never a loop.
    """
    # Damage is counted here even for a caller that does not record it: a picture that goes back
    # in time is dropped only after damaged packets (below).
    seen = damage if damage is not None else DecodeDamage()
    seeks = _start_seek(opened, start_s)
    decoder, frame, index = _first_frame(opened, seeks, start_s, seen, warn=damage is None)
    step = 1.0 / opened.fps
    last_t: float | None = None
    # `next` by hand rather than a loop over the first frame chained to the rest: the chain would
    # hold the first frame for as long as the read goes on.
    while frame is not None:
        t = _frame_time(frame, index, opened, seeks.tb, seeks.origin)
        if (last_t is not None and t < last_t - step and seen.packets and not opened.time_by_index
                and frame.pts is not None):
            # A picture from before a damaged stretch that the decoder held back to reorder and let
            # out only after it: its moment is past. Timed after the last one, it would push every
            # later frame one frame late. In an undamaged stream a step back is a clock that
            # started over (recordings joined): its pictures are kept, timed on from the last.
            frame = next(decoder, None)
            continue
        if last_t is not None and t <= last_t:
            t = last_t + step  # damaged or duplicate timestamps: keep time moving forward
        last_t = t
        if end_s is not None and t >= end_s - _EPS:
            decoder.close()
            return
        if start_s is None or t >= start_s - _EPS:
            yield _Timed(index, t, frame)
        index += 1
        frame = next(decoder, None)


def _start_seek(opened: _Opened, start_s: float | None) -> StartSeek:
    """The seeks a read from `start_s` tries: none from the beginning, or where the stream cannot
    be sought by time (raw, or without a time base)."""
    stream = opened.stream
    tb = float(stream.time_base) if stream.time_base else None
    # `origin`: the timestamp of time 0 (the player's 0:00); `first`: the stream's own first one,
    # where a seek back to the beginning goes.
    seeks = StartSeek(opened, tb, origin=round(opened.origin_s / tb) if tb else 0,
                      first_pts=stream.start_time or 0, targets=[])
    if start_s and start_s > 0 and not opened.raw and tb:
        seeks.targets = [start_s, start_s - SEEK_BACKOFF_S]
        if opened.time_by_index:
            # Frame counters (AVI) may start at 1, not at the stream's start time: take the
            # first frame's own counter as frame 0 so a landing after the seek is placed right.
            first = next(_decoded(opened, from_start=True), None)
            seeks.moved = True
            if first is not None and first.pts is not None:
                seeks.origin = seeks.first_pts = first.pts
    return seeks


def _first_frame(opened: _Opened, seeks: StartSeek, start_s: float | None, seen: DecodeDamage,
                 *, warn: bool) -> tuple[Generator[av.VideoFrame, None, None], av.VideoFrame | None, int]:
    """(the decoder, its first frame or None when there is none, that frame's index): seeking
    through `seeks` until one lands at or before `start_s`, else decoding from the beginning."""
    seeked = seeks.next() if seeks.targets else False
    while True:
        decoder = _decoded(opened, from_start=not seeked, damage=seen, warn=warn)
        frame = next(decoder, None)
        if frame is None:
            if seeked:
                # The seek landed past every frame (a transport stream's timestamp search can
                # end at the end of the file): try earlier, as for an overshoot.
                seeked = seeks.next()
                continue
            return decoder, None, 0
        if not seeked:
            return decoder, frame, 0
        # Where did the seek land? The keyframe's own timestamp says, even in containers
        # whose later timestamps we do not trust.
        landed = None if frame.pts is None else (frame.pts - seeks.origin) * seeks.tb
        if landed is None or landed > start_s + _EPS:
            decoder.close()  # overshot or unplaceable: try earlier
            seeked = seeks.next()
            continue
        return decoder, frame, max(0, int(round((landed - opened.start_s) * opened.fps)))  # estimated


def _frame_time(frame, index: int, opened: _Opened, tb: float | None, origin: int) -> float:
    if opened.time_by_index or frame.pts is None or tb is None:
        return index / opened.fps
    return (frame.pts - origin) * tb


# swscale filters `iter_frames(interpolation=...)` accepts (PyAV's names).
SCALE_FILTERS = ("FAST_BILINEAR", "BILINEAR", "BICUBIC", "AREA", "POINT")


def _shown_size(opened: _Opened, upright: UprightFrames, first_read: av.VideoFrame,
                from_start: bool) -> tuple[int, int]:
    """The video's size as shown, what `probe` gives: its first picture's, turned upright. A read
    from part way decodes that picture apart (the stream's size may have changed since)."""
    w, h = first_read.width, first_read.height
    if not from_start:
        stat = Path(opened.path).stat()
        first = _first_picture_size(opened.path, opened.stream.index, stat.st_size, stat.st_mtime_ns)
        w, h = first or (w, h)
    w, h = (h, w) if upright.clockwise in (90, 270) else (w, h)
    return shown_dimensions(w, h, upright.clockwise, opened.pixel_aspect)


@lru_cache(maxsize=64)
def _first_picture_size(path: str, stream_index: int, size: int, mtime_ns: int) -> tuple[int, int] | None:
    """The stored size of a stream's first picture, kept per file as it is while its size and time
    are unchanged: the pipeline reads a game part way once per window it classifies."""
    with open_input(path) as again:
        stream = next(s for s in again.streams if s.index == stream_index)
        try:
            first = next(again.decode(stream), None)
        except av.error.FFmpegError:
            return None  # the reader being used says what is damaged
        return (first.width, first.height) if first is not None else None


def _to_rgb(frame: av.VideoFrame, upright: UprightFrames, max_short_side: int | None,
            interpolation: str | None = None, colour: Colour = Colour(),
            video_size: tuple[int, int] | None = None, pixel_aspect: Fraction = Fraction(1)) -> np.ndarray:
    # Turned first, then scaled: the same pixels as the same pictures stored upright.
    stored_size = (frame.width, frame.height)  # untagged video's matrix goes by it, as players'
    frame = upright(frame)
    w, h = shown_dimensions(frame.width, frame.height, upright.clockwise, pixel_aspect)
    if video_size is not None and (w, h) != video_size:
        return _fitted(frame, (w, h), video_size, max_short_side, interpolation, colour, stored_size)
    short = min(w, h)
    if max_short_side and short > max_short_side:
        scale = max_short_side / short
        # Scaling and the YUV->RGB conversion happen in one swscale pass.
        return to_rgb(frame, colour, width=max(2, round(w * scale)), height=max(2, round(h * scale)),
                      interpolation=interpolation, stored_size=stored_size)
    if (w, h) != (frame.width, frame.height):  # pixels not square: stretched as players show them
        return to_rgb(frame, colour, width=w, height=h, interpolation=interpolation, stored_size=stored_size)
    return to_rgb(frame, colour, stored_size=stored_size)


def _fitted(frame: av.VideoFrame, shown: tuple[int, int], video_size: tuple[int, int], max_short_side: int | None,
            interpolation: str | None, colour: Colour, stored_size: tuple[int, int]) -> np.ndarray:
    """A picture whose size changed part way through the stream (recordings of other shapes
    joined, a stream that switched resolution), fitted in proportion inside the video's own
    size, with black bars. Every frame then has one size, and a point found in any frame is in
    the video's pixels, which boxes, poses and the outputs are measured in; stretched to that
    size instead, a person in a picture of another shape would be squashed."""
    width, height = video_size
    short = min(width, height)
    if max_short_side and short > max_short_side:
        scale = max_short_side / short
        width, height = max(2, round(width * scale)), max(2, round(height * scale))
    fit = min(width / shown[0], height / shown[1])
    w, h = min(width, max(2, round(shown[0] * fit))), min(height, max(2, round(shown[1] * fit)))
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - h) // 2, (width - w) // 2
    canvas[top:top + h, left:left + w] = to_rgb(frame, colour, width=w, height=h, interpolation=interpolation,
                                                stored_size=stored_size)
    return canvas


@contextmanager
def _wrap_decode_errors(path: str):
    """Turn any PyAV error escaping a decode loop into a VideoError naming the file."""
    try:
        yield
    except (av.error.FFmpegError, OSError) as err:
        raise VideoError(path, f"decoding failed: {error_cause(err)}") from err


def _duration_s(opened: _Opened) -> tuple[float, int | None]:
    """(the video's length in seconds, exact frame count if known) without decoding pictures."""
    stream, container = opened.stream, opened.container
    frames = stream.frames or None
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base), frames
    if container.duration and not opened.raw:
        # The container's duration runs from its first timestamp of any stream to its last: past
        # the last picture where the sound runs on (a Matroska file states no duration per track
        # in its headers), so the pictures' own end is used where it can be found.
        end = _pictures_end_s(opened)
        if end is None:
            begin = container.start_time / av.time_base if container.start_time is not None else opened.origin_s
            end = begin + container.duration / av.time_base
        return max(0.0, end - opened.origin_s - opened.start_s), frames
    # A raw stream: count its packets (one per picture) in a separate pass; demuxing is cheap.
    count = 0
    with open_input(opened.path) as counter:
        try:
            for packet in counter.demux(counter.streams.video[0]):
                count += packet.size > 0
        except av.error.FFmpegError:
            pass
    return count / opened.fps, count


def _pictures_end_s(opened: _Opened) -> float | None:
    """Where the video stream's last picture ends, on its own clock: its `DURATION` tag (what
    FFmpeg and mkvmerge write per Matroska track), else the end of its last packets, demuxed from
    a seek near the file's end. None when it is the only stream of a container whose duration
    counts from its first timestamp (its end is then the pictures' own), or nothing is found.

    A Matroska Segment's duration is not such a length: FFmpeg writes where its last block ends
    on the Segment's timeline from 0, so a lone track whose clock starts an hour in (a camera's,
    kept by a stream copy) would be read to end an hour past its pictures."""
    stream, container = opened.stream, opened.container
    segment_timeline = bool({"matroska", "webm"} & set(container.format.name.split(",")))
    if len(container.streams) < 2 and not segment_timeline:
        return None
    tagged = _clock_s(stream.metadata.get("DURATION") or stream.metadata.get("duration") or "")
    if tagged is not None:
        return tagged
    tb = stream.time_base
    if not tb or container.duration is None:
        return None
    begin = container.start_time / av.time_base if container.start_time is not None else 0.0
    near_end = begin + container.duration / av.time_base - SEEK_BACKOFF_S
    end = None
    try:
        with open_input(opened.path) as tail:
            video = next(s for s in tail.streams if s.index == stream.index)
            if near_end > begin:
                tail.seek(int(near_end / tb), stream=video, backward=True)
            for packet in tail.demux(video):
                if packet.pts is not None:
                    packet_end = float((packet.pts + (packet.duration or 0)) * tb)
                    end = packet_end if end is None else max(end, packet_end)
    except av.error.FFmpegError:
        return end
    return end


def _clock_s(text: str) -> float | None:
    """Seconds of an `HH:MM:SS.fraction` time, or None."""
    parts = str(text).strip().split(":")
    if len(parts) != 3:
        return None
    try:
        hours, minutes, seconds = int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        return None
    return hours * 3600 + minutes * 60 + seconds


def probe(path: str | Path) -> VideoInfo:
    """Open a video, decode its first frame, and describe it (displayed size, rate, length)."""
    opened = _open(path)
    try:
        with _wrap_decode_errors(opened.path):
            first = next(_decoded(opened), None)
            if first is None:
                raise VideoError(opened.path, "no decodable video frames")
            rotation = clockwise_rotation_of(first)
            duration, frames = _duration_s(opened)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        width, height = shown_dimensions(width, height, rotation, opened.pixel_aspect)
        plays = duration * opened.fps
        # An edit list (a clip trimmed on the phone or copied from a cut without re-encoding)
        # keeps samples it tells players to skip: the index lists more frames than its duration
        # plays, and only the played ones decode.
        num_frames = frames if frames and (plays <= 0 or frames <= plays + 1) else max(1, int(round(plays)))
        num_frames = opened.shown_count or num_frames
        start = opened.start_s
        return VideoInfo(path=opened.path, width=width, height=height, rotation=rotation,
                         fps=opened.fps, duration_s=start + duration, num_frames=num_frames,
                         codec=codec_name(opened.stream.codec_context), start_s=start,
                         frame_rate=0.0 if opened.time_by_index else frame_rate_of(opened.stream, opened.fps),
                         timecode=start_timecode(opened.container, opened.stream),
                         sound_channels=sound_channels(opened.container))
    finally:
        opened.container.close()


def sound_channels(container) -> int:
    """Channels of the first audio stream (at least 1 when there is one: a stream that says none
    is described only once its first frame decodes), 0 when there is none."""
    if not container.streams.audio:
        return 0
    layout = container.streams.audio[0].layout
    return max(1, len(layout.channels) if layout is not None else 0)


def start_timecode(container, stream) -> str:
    """The start timecode a camera wrote: on the video stream, a timecode track (MP4/MOV `tmcd`)
    or the file (MXF); "" when there is none."""
    for metadata in (stream.metadata, *(s.metadata for s in container.streams), container.metadata):
        if metadata.get("timecode"):
            return str(metadata["timecode"])
    return ""


def iter_frames(path: str | Path, *, target_fps: float | None = None,
                max_short_side: int | None = None, start_s: float | None = None,
                end_s: float | None = None, interpolation: str | None = None,
                threads: int = 0,
                short_side_at: Callable[[float], int | None] | None = None,
                grid_from_s: float | None = None, damage: DecodeDamage | None = None) -> Iterator[Frame]:
    """Stream upright RGB frames in presentation order; memory does not depend on length.

    ``target_fps`` keeps, for each point of a regular grid (``start_s`` or 0, then every
    ``1/target_fps`` s), the frame whose timestamp is nearest - each frame at most once, so a
    target above the source rate yields every frame. ``max_short_side`` downscales while
    converting, with swscale's ``interpolation`` filter (one of ``SCALE_FILTERS``; None is
    PyAV's default): ``"AREA"`` averages the source pixels each output pixel covers, the right
    filter for a large reduction and about twice as fast as the default at 720p -> 180p.
    Frames are those with ``start_s <= time_s < end_s``. ``threads`` is the decoder's thread
    count (0: FFmpeg's frame threads, one per core and more; the frames are the same either way):
    a reader that already runs beside other busy threads spends less CPU a frame on one.
    ``short_side_at(time_s)``, when given, replaces ``max_short_side`` frame by frame: a reader
    that needs only some frames at full size (None) gets the others small straight from the
    decoder, without converting them at full size first. ``grid_from_s`` puts the grid's origin
    there instead of at ``start_s``: a reader that goes on part way through a stream another
    reader sampled from 0 keeps that reader's grid (the first frame after ``start_s`` is kept
    whatever the grid, so such a reader starts a little earlier and drops what it has).
    ``damage``, when given, counts the damaged packets skipped as the frames are read.
    """
    if target_fps is not None and target_fps <= 0:
        raise ValueError(f"target_fps must be positive, got {target_fps}")
    if max_short_side is not None and max_short_side < 2:
        raise ValueError(f"max_short_side must be at least 2, got {max_short_side}")
    if interpolation is not None and interpolation not in SCALE_FILTERS:
        raise ValueError(f"interpolation must be one of {SCALE_FILTERS} or None, got {interpolation!r}")
    if threads < 0:
        raise ValueError(f"threads must be 0 (automatic) or more, got {threads}")
    opened = _open(path, threads)
    try:
        with _wrap_decode_errors(opened.path):
            source = _timed_frames(opened, start_s, end_s, damage)
            if target_fps is not None:
                grid_origin = grid_from_s if grid_from_s is not None else (start_s if start_s else 0.0)
                source = _on_time_grid(source, grid_origin, 1.0 / target_fps, end_s,
                                       1.0 / opened.fps)
            upright: UprightFrames | None = None
            count = 0
            for item in source:
                if upright is None:
                    upright = UprightFrames(clockwise_rotation_of(item.frame))
                    video_size = _shown_size(opened, upright, item.frame, not (start_s and start_s > 0))
                side = max_short_side if short_side_at is None else short_side_at(item.time_s)
                if side is not None and side < 2:
                    raise ValueError(f"short_side_at({item.time_s}) must be None or at least 2, got {side}")
                yield Frame(item.index, item.time_s,
                            _to_rgb(item.frame, upright, side, interpolation, opened.colour, video_size,
                                    opened.pixel_aspect))
                count += 1
            if count == 0 and start_s is None and end_s is None:
                raise VideoError(opened.path, "no decodable video frames")
    finally:
        opened.container.close()


def _on_time_grid(source: Iterator[_Timed], origin: float, step: float, end_s: float | None,
                  frame_step: float) -> Iterator[_Timed]:
    """Keep each frame that is the nearest one to at least one grid time.

    Frame i is nearest to the times in [midpoint to previous frame, midpoint to next frame),
    so one frame of look-ahead decides it while streaming. A grid time on a midpoint (25 fps
    frames 0.08 and 0.12 s about 0.1 s) goes to the later frame: both ends of each span are
    counted in grid steps the same way, so float rounding cannot give it to both.
    """

    def first_grid_index_from(t: float) -> int:
        return 0 if t <= origin else math.ceil((t - origin) / step - 1e-9)

    def grid_point_in(lo: float, hi: float) -> bool:
        k = first_grid_index_from(lo)
        g = origin + k * step
        return k < first_grid_index_from(hi) and (end_s is None or g < end_s)

    prev: _Timed | None = None
    lo = -math.inf
    for cur in source:
        if prev is not None:
            hi = (prev.time_s + cur.time_s) / 2
            if grid_point_in(lo, hi):
                yield prev
            lo = hi
            frame_step = cur.time_s - prev.time_s
        prev = cur
    if prev is not None and grid_point_in(lo, prev.time_s + frame_step / 2):
        yield prev


def read_clip(path: str | Path, num_frames: int = 16, *, start_s: float | None = None,
              end_s: float | None = None, damage: DecodeDamage | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``num_frames`` upright frames spread evenly over [start_s, end_s].

    The span (default: the whole video) is cut into ``num_frames`` equal parts and the frame
    whose timestamp is nearest each part's centre is taken, in one forward decoding pass over
    the span. A short span repeats frames. Returns ``(T,H,W,3)`` uint8 frames and their
    ``(T,)`` presentation times in seconds. ``damage``, when given, counts the damaged packets
    skipped (as `iter_frames`'), and the reader then does not warn of them.
    """
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    opened = _open(path)
    try:
        with _wrap_decode_errors(opened.path):
            # The whole video: from its first frame's time, which is past 0 in a file whose
            # pictures start after its sound.
            first_s = opened.start_s
            start = float(start_s) if start_s is not None else first_s
            end = float(end_s) if end_s is not None else first_s + _duration_s(opened)[0]
            if not end > start:
                raise VideoError(opened.path, f"empty time span [{start:.3f}, {end:.3f}] s")
            seg = (end - start) / num_frames
            targets = start + (np.arange(num_frames) + 0.5) * seg
            picks = _nearest_frames(opened, targets, start_s, damage)
            if not picks:
                if start_s is None and end_s is None:
                    raise VideoError(opened.path, "no decodable video frames")
                raise VideoError(opened.path, f"no frames in [{start:.3f}, {end:.3f}] s")
            frames = np.stack([rgb for _, rgb in picks])
            times = np.array([t for t, _ in picks], dtype=np.float64)
            return frames, times
    finally:
        opened.container.close()


def _nearest_frames(opened: _Opened, targets: np.ndarray, start_s: float | None,
                    damage: DecodeDamage | None = None) -> list[tuple[float, np.ndarray]]:
    """For each sorted target time, (time, upright RGB) of the nearest frame, in one pass.

    A frame is converted to RGB once, when first picked; repeated picks share the array.
    """
    picks: list[tuple[float, np.ndarray]] = []
    upright: UprightFrames | None = None
    video_size: tuple[int, int] | None = None
    converted: tuple[int, float, np.ndarray] | None = None

    def pick(item: _Timed) -> None:
        nonlocal upright, video_size, converted
        if converted is None or converted[0] != item.index:
            if upright is None:
                upright = UprightFrames(clockwise_rotation_of(item.frame))
                video_size = _shown_size(opened, upright, first_frame, not (start_s and start_s > 0))
            converted = (item.index, item.time_s,
                         _to_rgb(item.frame, upright, None, None, opened.colour, video_size, opened.pixel_aspect))
        picks.append(converted[1:])

    prev: _Timed | None = None
    first_frame: av.VideoFrame | None = None  # the first decoded, whether picked or not
    k = 0
    source = _timed_frames(opened, start_s, None, damage)
    for cur in source:
        if first_frame is None:
            first_frame = cur.frame
        while k < len(targets) and targets[k] <= cur.time_s:
            # A target exactly between two frames takes the earlier one, whatever the rounding.
            near_prev = (prev is not None
                         and targets[k] - prev.time_s <= cur.time_s - targets[k] + _EPS)
            pick(prev if near_prev else cur)
            k += 1
        if k == len(targets):
            source.close()
            break
        prev = cur
    if prev is not None and k < len(targets):
        for _ in range(len(targets) - k):  # targets past the last frame take the last frame
            pick(prev)
    return picks
