"""The plain data the video layer hands out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    """What ``probe`` finds out about a video without decoding it all."""

    path: str
    width: int  # displayed size, after the rotation metadata is applied
    height: int
    rotation: int  # degrees clockwise applied to the stored frame to display it (0/90/180/270)
    fps: float  # average frame rate of the frames shown (not those an MP4 edit list hides)
    duration_s: float  # where the video ends on the player's timeline (its length when start_s is 0)
    num_frames: int  # an estimate where the stream carries no frame count or an edit list skips samples
    codec: str
    start_s: float = 0.0  # where its first frame lies on the player's timeline (after 0:00 when
    # its pictures start after its sound)
    frame_rate: float = 0.0  # the rate its frames are laid on (`reader.frame_rate_of`): above `fps`
    # for variable-rate video (a phone's 30 fps with slower stretches in low light); 0: `fps`
    sound_channels: int = 0  # channels of its sound (its first audio stream); 0: it has none
    timecode: str = ""  # the start timecode its camera wrote (`01:00:00:00`; `;` before the frames:
    # drop-frame), "" when it has none

    @property
    def steady_fps(self) -> float:
        """The rate that shows every frame of it without dropping any: `frame_rate`, else `fps`."""
        return self.frame_rate or self.fps


@dataclass(frozen=True)
class Frame:
    """One decoded frame, upright."""

    index: int  # decode-order index in the stream, 0-based (estimated after a seek)
    time_s: float  # presentation time in seconds on the player's timeline (`reader.timeline_origin_s`)
    rgb: np.ndarray  # HxWx3 uint8, rotation applied
