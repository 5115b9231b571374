"""Checking that a file is a whole, playable video clip, by decoding all of it once.

Used before a clip enters a dataset. Opening a file and decoding its first frame accepts too
much: a PNG renamed ``.mp4`` opens as a one-frame "video", a cut-off recording whose index is at
the front decodes only its first half (and ``read_clip`` would silently repeat its last frame),
and an index with a zero timescale or zero frame durations decodes only part of the frames
it lists. A full decode counted against what the container states catches all of these; clips
are short, so it costs little beside hashing the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from highlights.video.errors import VideoError, frames_end_early
from highlights.video.reader import _decoded, _duration_s, _open, _wrap_decode_errors

# FFmpeg's demuxers of animated pictures, by the name a user knows them by.
_ANIMATED_PICTURES = {"apng": "APNG", "gif": "GIF"}
# What decodes may fall short of the index's duration by a frame or two (B-frame delay,
# rounding); more than this share missing is damage.
MISSING_SHARE = 0.05
MIN_FRAMES = 2
MIN_FPS = 1.0


@dataclass(frozen=True)
class VerifiedVideo:
    path: str
    decoded_frames: int
    listed_frames: int | None  # the container's frame count, when it states one
    duration_s: float
    fps: float
    format: str


def verify_video(path: str | Path, on_frame: Callable[[av.VideoFrame], None] | None = None) -> VerifiedVideo:
    """Decode every frame of ``path``; raise ``VideoError`` naming what is wrong with it.
    ``on_frame`` sees each decoded frame (for what else one pass over the pictures can gather)."""
    opened = _open(path)
    try:
        # The reader refuses still-picture formats itself; an animated PNG or GIF plays there, but
        # a dataset clip must be a video. It holds several pictures: "a single image" would be untrue.
        animated = _ANIMATED_PICTURES.get(opened.container.format.name)
        if animated is not None:
            raise VideoError(opened.path, f"an animated picture ({animated}), not a video")
        stream = opened.stream
        if not stream.time_base or float(stream.time_base) <= 0:
            raise VideoError(opened.path, "damaged index: the video track's timescale is 0")
        with _wrap_decode_errors(opened.path):
            duration, listed = _duration_s(opened)
            decoded, stuck = 0, 0
            first_pts = last_pts = None
            for frame in _decoded(opened):
                decoded += 1
                if on_frame is not None:
                    on_frame(frame)
                if frame.pts is not None:
                    if last_pts is not None and frame.pts <= last_pts:
                        stuck += 1
                    first_pts = frame.pts if first_pts is None else min(first_pts, frame.pts)
                    last_pts = frame.pts if last_pts is None else max(last_pts, frame.pts)
        if not MIN_FPS <= opened.fps:
            raise VideoError(opened.path, f"implausible frame rate {opened.fps:.4g} fps "
                                          "(damaged timing in the index)")
        # The index's duration, not its sample count: an edit list (a clip trimmed in an editor
        # or on the phone) keeps samples it tells players to skip, so fewer frames decode than
        # the index lists, while the duration is what plays.
        expected = duration * opened.fps if duration > 0 else float(listed or 0)
        truncated = (decoded < expected * (1 - MISSING_SHARE) - 1 and not _pictures_reach_end(
            first_pts, last_pts, stream, opened.fps, duration, listed))
        # A recording cut off after its first frame is a truncated video, not a still image.
        if decoded < MIN_FRAMES and not truncated:
            raise VideoError(opened.path, f"only {decoded} frame decodes: a still image, not a video clip")
        if stuck > max(1, decoded * MISSING_SHARE):
            raise VideoError(opened.path, f"damaged timing: {stuck} of {decoded} frames do not advance in time "
                                          "(zero frame durations in the index)")
        if truncated:
            promised = (f"promises {duration:.2f} s at {opened.fps:.3g} fps (about {round(expected)} frames)"
                        if duration > 0 else f"lists {listed} frames")
            decode = "frame decodes" if decoded == 1 else "frames decode"
            raise VideoError(opened.path, f"truncated or damaged: only {decoded} {decode} where its index "
                                          + promised)
        return VerifiedVideo(opened.path, decoded, listed, duration, opened.fps, opened.container.format.name)
    finally:
        opened.container.close()


def _pictures_reach_end(first_pts: int | None, last_pts: int | None, stream, fps: float,
                        duration_s: float, listed: int | None) -> bool:
    """Whether the decoded pictures span the duration the index states, a frame step short at most.

    Where the index lists no frames, fewer of them than duration x rate is not by itself a
    cut-off file: Matroska and WebM state at most a default frame duration, else the rate read is
    FFmpeg's guess, the fastest their timestamps reach, and a variable-rate recording (a phone's
    30 fps with 15 fps stretches in low light, remuxed) holds fewer frames than that over its
    length. A cut-off file's pictures stop short in time."""
    if listed or first_pts is None or last_pts is None or duration_s <= 0:
        return False  # an index that lists its frames (MP4, MOV) gives the average rate they lie at
    span = float((last_pts - first_pts) * stream.time_base)
    return span + 1.0 / fps >= duration_s * (1 - MISSING_SHARE)


def check_frames_reach_end(path: str | Path, duration_s: float, last_frame_s: float | None,
                           slack_s: float) -> None:
    """Raise ``VideoError`` when a whole-file read stopped well before the duration the index states.

    The reader yields what a cut-off file still holds (a recording or an upload that stopped
    part way, its index at the front), so a consumer that read to the end checks here that it got
    the whole video rather than report on its first part as if it were all of it. ``slack_s``
    is how far before the end the last frame it kept may lie (a frame step, a sampling step).
    """
    if not duration_s or duration_s <= 0 or last_frame_s is None:
        return
    reached = last_frame_s + slack_s
    if reached < duration_s * (1 - MISSING_SHARE):
        raise frames_end_early(path, f"{last_frame_s:.2f} s", duration_s)
