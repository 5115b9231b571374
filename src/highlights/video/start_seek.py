"""Seeking a stream to where a read from a start time begins.

A keyframe seek may land after the wanted time (some indexes are imprecise) or past every frame
(a transport stream's timestamp search can end at the end of the file): the reader then seeks
again from a few seconds earlier, and last from the beginning: at most three passes, never a
loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

from highlights.video.errors import VideoError, error_cause

if TYPE_CHECKING:
    from highlights.video.reader import _Opened


@dataclass
class StartSeek:
    """The seeks left for one read, tried in order by `next`."""

    opened: _Opened
    tb: float | None  # the stream's time base, seconds a tick
    origin: int  # the timestamp of time 0 (the player's 0:00)
    first_pts: int  # the stream's own first timestamp, where a seek back to the beginning goes
    targets: list[float]  # the times (seconds) still to seek to
    moved: bool = False  # has the demuxer left the start of the file?

    def next(self) -> bool:
        """Seek to the next target; False once decoding must start from the beginning."""
        opened = self.opened
        while self.targets:
            target = self.targets.pop(0)
            if target <= 0:
                break
            try:
                self.moved = True  # a seek that fails may still have moved the demuxer (MP4 does)
                opened.container.seek(self.origin + int(target / self.tb), stream=opened.stream, backward=True)
                return True
            except av.error.FFmpegError:
                break  # not seekable: decode from the start and skip forward
        self.targets.clear()
        if self.moved:
            self._back_to_the_beginning()
        return False

    def _back_to_the_beginning(self) -> None:
        opened = self.opened
        # A second before the first picture's time: a transport stream's search goes by decode
        # timestamps, which run ahead of presentation ones when B-frames are reordered, so a
        # seek to the first picture's own time lands a packet or two past the first keyframe
        # and the first group of pictures would never be decoded (frame-counted AVI: as is).
        back = 0 if opened.time_by_index else round(1.0 / self.tb)
        try:
            try:
                opened.container.seek(self.first_pts - back, stream=opened.stream, backward=True)
            except av.error.FFmpegError:
                # A file cut at the start has no keyframe at or before its first packet, so
                # a seek for one fails: go to that packet (the decoder skips to the first
                # picture it can decode).
                opened.container.seek(self.first_pts, stream=opened.stream, backward=True, any_frame=True)
        except av.error.FFmpegError as err:
            cause = f"cannot seek back to the start: {error_cause(err)}"
            raise VideoError(opened.path, cause) from err
