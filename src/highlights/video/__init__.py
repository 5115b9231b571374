"""Video in and out with PyAV: probe, stream frames, sample clips by time, write MP4.

``VideoError`` is the one error every unreadable video raises.
"""

from highlights.video.errors import VideoError
from highlights.video.reader import iter_frames, probe, read_clip
from highlights.video.transforms import clip_to_tensor
from highlights.video.types import Frame, VideoInfo
from highlights.video.writer import write_video

__all__ = [
    "Frame",
    "VideoError",
    "VideoInfo",
    "clip_to_tensor",
    "iter_frames",
    "probe",
    "read_clip",
    "write_video",
]
