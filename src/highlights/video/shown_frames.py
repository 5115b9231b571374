"""The frames an MP4/MOV edit list shows: their count and rate, read from the packets' timestamps.

A phone (iPhone, many Android cameras) or a stream-copied trim keeps samples before or after
what plays and an edit list telling players to skip them. FFmpeg's average rate counts those
hidden samples too, over a length that includes them, and they are often spaced unevenly (a
camera's pre-roll at a lower rate): a clip shown at 29.97 fps reads as 27.9, the frame count
is off, and the clip passes for variable-rate. FFmpeg's MP4 reader flags each hidden sample's
packet as one to discard after decoding (AV_PKT_FLAG_DISCARD, PyAV's `Packet.is_discard`), so a
demux-only pass (no decoding) over the packets' timestamps finds the frames that are shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import av

from highlights.video.opening import open_input

# The largest rate taken as a frame rate: above it the timestamps are damaged, not a video's.
_MAX_FPS = 1000.0


@dataclass(frozen=True)
class ShownFrames:
    """The frames an edit list shows."""

    count: int
    fps: float  # their average rate: frame steps over the time from the first shown to the last


def edit_list_hides_samples(stream, fps: float) -> bool:
    """Whether `stream`'s index lists more samples than its duration plays at `fps`: an edit list
    hides some (a truncated index, which lists fewer, is the verify step's to find)."""
    if not stream.frames or not stream.duration or not stream.time_base or fps <= 0:
        return False
    return stream.frames > float(stream.duration * stream.time_base) * fps + 1


def shown_frames(path: str, stream) -> ShownFrames | None:
    """The count and rate of the frames `stream` of the file at `path` shows, or None where its
    packets hide none (no edit list at work), or their timestamps give no rate (damaged)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _shown_frames(path, st.st_size, st.st_mtime_ns, stream.index)


# The reader opens a file more than once (probe, then each read or seek); the pass reads the whole
# file, so its answer is kept per file version (size and modification time in the key).
@lru_cache(maxsize=64)
def _shown_frames(path: str, _size: int, _mtime_ns: int, index: int) -> ShownFrames | None:
    return read_shown_frames(path, index)


def read_shown_frames(path: str, index: int) -> ShownFrames | None:
    """`shown_frames` of stream `index`, read again (one demux pass over the whole file)."""
    shown: list[int] = []
    hidden = 0
    try:
        with open_input(path) as container:
            stream = next(s for s in container.streams if s.index == index)
            time_base = stream.time_base
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                if packet.is_discard:
                    hidden += 1
                else:
                    shown.append(packet.pts)
    except (av.error.FFmpegError, OSError, StopIteration):
        return None
    if not hidden or len(shown) < 2 or not time_base:
        return None
    span_s = float((max(shown) - min(shown)) * time_base)
    if span_s <= 0 or not 0 < (len(shown) - 1) / span_s < _MAX_FPS:
        return None
    return ShownFrames(len(shown), (len(shown) - 1) / span_s)
