"""Finding a transport stream whose timestamps start over part way, before reading it.

MPEG-TS (and PS, FLV) carry no index: a player and FFmpeg take a file's length from its first and
last timestamps. Two recordings joined into one file (`cat a.ts b.ts`, a recorder that appends)
or a camera whose clock restarted leave timestamps that run back to the start part way, so the
length reads as the last part's alone (15 s for a 35 s file) and every time after the restart
is ambiguous: seeks, the reel's cuts and its sound land in the wrong part. Such a file is refused
with the remux that gives it one timeline (FFmpeg's command line joins the parts end to end).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import av

from highlights.video.errors import VideoError
from highlights.video.reader import _TIMELINE_FROM_ZERO, _open

# A step back of more than this is a restart: B-frame reordering never moves decode timestamps
# back, and a damaged packet or two is off by a frame, not by a second.
RESTART_STEP_S = 1.0


def check_one_timeline(path: str | Path) -> None:
    """Raise ``VideoError`` when the video's timestamps start over part way, naming where and
    the command that fixes the file. Containers with one timeline from 0 (MP4/MOV, Matroska/WebM)
    and files without timestamps are not read; others are demuxed once, without decoding."""
    opened = _open(path)
    try:
        stream, container = opened.stream, opened.container
        if (opened.time_by_index or opened.raw or not stream.time_base
                or set(container.format.name.split(",")) & _TIMELINE_FROM_ZERO):
            return
        tb = float(stream.time_base)
        first_s = latest_s = None
        try:
            for packet in container.demux(stream):
                stamp = packet.dts if packet.dts is not None else packet.pts
                if stamp is None:
                    continue
                time_s = stamp * tb
                if latest_s is not None and time_s < latest_s - RESTART_STEP_S:
                    name = Path(path).name
                    raise VideoError(str(path), (
                        f"its timestamps start over after {latest_s - first_s:.1f} s of video (two recordings "
                        "joined into one file, or a camera clock that restarted), so its length and the times "
                        "in it after that point would be wrong; remux it into one timeline first: "
                        f"ffmpeg -i {shlex.quote(name)} -c copy {shlex.quote(Path(name).stem + '.mp4')}"))
                first_s = time_s if first_s is None else first_s
                latest_s = time_s if latest_s is None else max(latest_s, time_s)
        except av.error.FFmpegError:
            return  # damage inside the file is the full read's to report, with what it cost
    finally:
        opened.container.close()
