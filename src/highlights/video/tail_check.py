"""Finding a cut-off upload before reading it: does the end of what the index promises decode?

A recording or upload that stopped part way, with its index at the front (as phones' share
sheets and streaming uploads write it), opens and decodes its first part; only a read to the end
finds the rest missing. A whole-game run would spend most of its time on that first part (half
an hour of a 90-minute game cut at 45) and then be refused, so the pipeline asks first, by a few
seeks: the data of a frame near the promised end is there, or the file is refused at once with where its
frames end. The full read still checks the end as well (`check_frames_reach_end`).
"""

from __future__ import annotations

from pathlib import Path

import av

from highlights.video.errors import frames_end_early
from highlights.video.reader import _TIMELINE_FROM_ZERO, _open
from highlights.video.verify import MISSING_SHARE

# How finely the end of a cut-off file's frames is found (bisection steps over its length).
_BISECTIONS = 12


def check_end_present(path: str | Path, duration_s: float, slack_s: float) -> None:
    """Raise ``VideoError`` when the file holds no frame near the end ``duration_s`` (seconds, on the
    player's timeline) that the file's index promises, naming about where its frames end.

    ``slack_s`` is how far before that end a last frame may lie and still count (a frame step, a
    sampling step), as in `check_frames_reach_end`. Only containers with a seekable index and
    one timeline from 0 (MP4/MOV, Matroska/WebM) are checked; others are read to the end.
    """
    if not duration_s or duration_s <= 0:
        return
    need_s = max(0.0, duration_s * (1 - MISSING_SHARE) - slack_s)
    if need_s <= 0 or _data_time_from(path, need_s) is not None:
        return
    lo, hi, end_s = 0.0, need_s, None
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2
        reached = _data_time_from(path, mid)
        if reached is None:
            hi = mid
        else:
            lo, end_s = max(mid, reached), max(end_s or 0.0, reached)
    where = f"about {end_s:.0f} s" if end_s is not None else "the start"
    raise frames_end_early(path, where, duration_s)


def _data_time_from(path: str | Path, time_s: float) -> float | None:
    """The time of the first video packet at or after ``time_s`` that the demuxer reads after a
    seek there, or None when there is none (the data is missing). Packets are not decoded: what a
    cut-off file lacks is the data, and damage inside it is the full read's to find. Files this
    check does not apply to count as holding the data."""
    opened = _open(path)
    try:
        stream, container = opened.stream, opened.container
        if (opened.time_by_index or opened.raw or not stream.time_base
                or not set(container.format.name.split(",")) & _TIMELINE_FROM_ZERO):
            return time_s
        tb = float(stream.time_base)
        step_s = 1.0 / opened.fps if opened.fps else 0.0
        try:
            container.seek(int((time_s + opened.origin_s) / tb), stream=stream, backward=True)
            for packet in container.demux(stream):
                if packet.pts is None or not packet.size:
                    continue
                packet_s = float(packet.pts * tb) - opened.origin_s
                if packet_s >= time_s - step_s:
                    return packet_s
        except av.error.FFmpegError:
            return None  # the demuxer found no data where the index points
        return None
    finally:
        opened.container.close()
