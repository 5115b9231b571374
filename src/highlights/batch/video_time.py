"""How much video a batch holds or has analysed, in a unit its reader takes in: hours with two
decimals for a season, minutes and seconds for a few phone clips, where "0.00 video-hours" said
nothing of the 40 s it had done."""

from __future__ import annotations

# From 6 minutes on, two decimals of an hour (0.10) tell amounts apart; below, the clock does.
HOURS_FROM_S = 360.0


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def video_time_text(seconds: float) -> str:
    """'1.53 video-hours', or '0:41 of video' below `HOURS_FROM_S`."""
    if seconds >= HOURS_FROM_S:
        return f"{seconds / 3600:.2f} video-hours"
    return f"{_clock(seconds)} of video"


def video_progress_text(done_s: float, total_s: float) -> str:
    """'0.50/2.00 video-hours', or '0:21/0:41 of video' for a batch below `HOURS_FROM_S` in all."""
    if total_s >= HOURS_FROM_S:
        return f"{done_s / 3600:.2f}/{total_s / 3600:.2f} video-hours"
    return f"{_clock(done_s)}/{_clock(total_s)} of video"
