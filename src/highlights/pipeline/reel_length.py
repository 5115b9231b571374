"""Whether a run's reel is too long to be a summary of its video, and what to say then.

A whole game of active play gives hundreds of highlights (the classifier's precision on real
footage is low, README "How well it works"), and with no cap the reel replays much of the game:
cutting it then takes about as long as finding the highlights did. `detect` says so once, after
the run, and names the caps.
"""

from __future__ import annotations

# A reel at least this long and holding at least this share of its video is more the game than
# its highlights; a short clip's reel (a 30 s session with 10 s of shots) is not.
LONG_REEL_MIN_S = 300.0
LONG_REEL_SHARE = 0.25


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def long_reel_hint(reel_s: float, video_s: float, highlights: int) -> str | None:
    """One line naming `--max-highlights` and `--reel-seconds` when the reel is that long, else None."""
    if video_s <= 0 or reel_s < LONG_REEL_MIN_S or reel_s < LONG_REEL_SHARE * video_s:
        return None
    return (f"the reel is {_minutes(reel_s)} of the {_minutes(video_s)} video ({reel_s / video_s:.0%}, {highlights} "
            "highlights): --max-highlights N or --reel-seconds S keeps the best-scored ones, and cuts them sooner")
