"""Video in and out with PyAV: probe, stream frames, sample clips by time, write MP4.

``VideoError`` is the one error every unreadable video raises.
"""

from highlights.video.colour import PICTURES_VERSION
from highlights.video.errors import VideoError
from highlights.video.file_names import VIDEO_SUFFIXES
from highlights.video.opening import open_input
from highlights.video.reader import codec_name, iter_frames, main_video_stream, probe, read_clip, timeline_origin_s
from highlights.video.types import Frame, VideoInfo
from highlights.video.verify import check_frames_reach_end
from highlights.video.writer import write_video



def __getattr__(name: str):
    # clip_to_tensor needs OpenCV; loaded on first use, so reading video (and building a
    # pipeline config, which checks the scaling filter's name) does not import cv2.
    if name == "clip_to_tensor":
        from highlights.video.transforms import clip_to_tensor

        return clip_to_tensor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PICTURES_VERSION",
    "VIDEO_SUFFIXES",
    "Frame",
    "VideoError",
    "VideoInfo",
    "check_frames_reach_end",
    "clip_to_tensor",
    "codec_name",
    "iter_frames",
    "main_video_stream",
    "open_input",
    "probe",
    "read_clip",
    "timeline_origin_s",
    "write_video",
]
