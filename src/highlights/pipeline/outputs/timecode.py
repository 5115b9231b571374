"""Seconds to the timecodes people read (HH:MM:SS.mmm) and editors read (HH:MM:SS:FF)."""

from __future__ import annotations

import math
import re

import opentimelineio as otio


def _round_half_up(x: float) -> int:
    # Python's round() rounds halves to even; timecodes must not depend on parity.
    return int(math.floor(x + 0.5))


def clock_timecode(seconds: float) -> str:
    """`HH:MM:SS.mmm`, rounded to the millisecond (93.5 -> "00:01:33.500")."""
    if not math.isfinite(seconds):
        raise ValueError(f"time is not finite: {seconds!r}")
    ms = _round_half_up(max(0.0, seconds) * 1000.0)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def short_clock(seconds: float) -> str:
    """Axis labels: `M:SS` under an hour, `H:MM:SS` above."""
    total = _round_half_up(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def timecode_base(fps: float) -> int:
    """Frames per timecode second: the rate rounded to an integer.

    Fractional NTSC rates count frames on the next integer base, non-drop: 29.97 -> 30,
    23.976 -> 24, 59.94 -> 60. Non-drop timecode then runs 0.1% slower than the wall clock (one
    hour of 29.97 video ends at 00:59:56:12), which is what editors expect of an
    `FCM: NON-DROP FRAME` list: each timecode names one source frame exactly.
    """
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"frame rate must be positive, got {fps!r}")
    return max(1, _round_half_up(fps))


def seconds_to_frame(seconds: float, fps: float) -> int:
    """Index of the frame shown at `seconds`, counted at the real rate (1.5 s at 29.97 -> 45)."""
    return max(0, _round_half_up(seconds * fps))


# Drop-frame timecode skips frame numbers at the start of each minute but every tenth, so that
# 29.97 (59.94) fps video's timecodes keep to the wall clock; only those two rates (timecode base
# 30 and 60) have it. Its counting is OpenTimelineIO's (`opentime.to_timecode`/`from_timecode`).
_DROP_FRAME_BASES = (30, 60)
_SMPTE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2})$")


def _ntsc_rate(base: int) -> float:
    return base * 1000 / 1001


def frame_to_smpte(frame: int, base: int, drop_frame: bool = False) -> str:
    """SMPTE timecode `HH:MM:SS:FF` of a frame index at an integer timecode base; `drop_frame`
    (29.97 and 59.94 fps: base 30 and 60) counts it as drop-frame `HH:MM:SS;FF` does."""
    if frame < 0:
        raise ValueError(f"frame index must be >= 0, got {frame}")
    if drop_frame:
        if base not in _DROP_FRAME_BASES:
            raise ValueError(f"drop-frame timecode has base 30 or 60, not {base}")
        rate = _ntsc_rate(base)
        return otio.opentime.to_timecode(otio.opentime.RationalTime(frame, rate), rate, True)
    total_seconds, frames = divmod(frame, base)
    hours, rest = divmod(total_seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}:{frames:02d}"


def timecode_start(timecode: str, fps: float) -> tuple[int, bool]:
    """The frame a video's first frame is numbered by the start timecode its camera wrote
    (`01:00:00:00`; `01:00:00;00` is drop-frame), counted on `timecode_base(fps)`, and whether its
    timecodes are drop-frame. (0, False) for no timecode, or one that is not `HH:MM:SS:FF` at this rate."""
    match = _SMPTE.match(timecode.strip()) if timecode else None
    base = timecode_base(fps)
    if match is None or int(match.group(5)) >= base:
        return 0, False
    hours, minutes, secs, separator, frames = match.groups()
    if separator != ":" and base in _DROP_FRAME_BASES and abs(fps - _ntsc_rate(base)) < 0.01:
        text = f"{hours}:{minutes}:{secs};{frames}"
        return int(otio.opentime.from_timecode(text, _ntsc_rate(base)).value), True
    return ((int(hours) * 60 + int(minutes)) * 60 + int(secs)) * base + int(frames), False
