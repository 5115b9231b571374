"""The first frames of a run that goes on after a stop: replayed from what the earlier run kept
(`pipeline.kept_frames`) rather than decoded, then the rest decoded from a seek just before the
last of them, where that seek finds the very frame the earlier run kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.roles import CandidateSource, FrameStage, Stage

# A run going on decodes from this long before its last kept frame: the sampling grid's choice of
# the frames after it looks one frame back, and the first frame after a seek has none.
SEEK_LEAD_S = 1.0


@dataclass
class Replayed:
    """An analysis frame an earlier, stopped run analysed, replayed from what it kept: no pixels."""

    time_s: float
    values: dict[str, float]
    rgb: None = None


def can_replay(config: PipelineConfig, stages: dict[str, Stage], frame_stages: list[FrameStage],
               keep_side: int | None, cache: dict | None) -> bool:
    """Whether the frames whose people are kept need no pixels in a run going on: only the
    candidate source and MoveNet read them (no classifier cuts clips from the stream), MoveNet's
    every pass is kept (none drawn between neighbours, which are started ahead from pixels) and
    the source can replay a frame from what it made of it."""
    from highlights.pipeline.movenet_people import SharedMoveNetHooks

    if cache is not None or keep_side is not None or config.detection.movenet_interpolate_below > 0:
        return False
    if not frame_stages or not all(isinstance(stage, SharedMoveNetHooks) for stage in frame_stages):
        return False
    return type(stages["candidates"]).kept_values is not CandidateSource.kept_values


def decoded_after(video_path: Path, config: PipelineConfig, last_s: float, end: dict, damage=None):
    """The analysis frames after `last_s` (the last kept frame's time), decoded from a seek a
    little before it on the grid a reader from the start samples, and None; or None and why not,
    unless the frame decoded at `last_s` is the one the earlier run kept (its pixels' digest and
    size): a seek into another picture (a stream whose pictures after a keyframe need earlier
    ones) decodes from the start."""
    from highlights.pipeline.kept_frames import pixels_digest
    from highlights.video import iter_frames

    start_s = last_s - max(SEEK_LEAD_S, 2.0 / config.analysis.fps)
    frames = iter_frames(video_path, target_fps=config.analysis.fps, max_short_side=config.analysis.short_side,
                         interpolation=config.analysis.interpolation, threads=config.analysis.decode_threads,
                         start_s=start_s if start_s > 0 else None, grid_from_s=0.0, damage=damage)
    matched, held, why_not = False, None, "no frame decodes at that time after a seek"
    try:
        for frame in frames:
            if frame.time_s < last_s:
                continue
            if frame.time_s == last_s and not matched:
                size = (int(frame.rgb.shape[1]), int(frame.rgb.shape[0]))
                matched = size == tuple(end["size"]) and pixels_digest(frame.rgb) == end["digest"]
                if matched:
                    continue
                why_not = "after a seek, that frame decodes to another picture than the one kept"
            held = frame
            break
    except Exception as e:  # noqa: BLE001 - a reader from the start meets the same trouble and says it
        matched, why_not = False, f"decoding after a seek failed ({e})"
    if not matched:
        frames.close()
        return None, why_not
    return _then(held, frames), None


def not_replayed_line(video_path: Path, folder: Path, kept_s: float, last_s: float, why_not: str) -> str:
    """One line: what was kept (up to `kept_s`), why its frames cannot be replayed (the one at
    `last_s`, the last whole chunk's last, from which decoding would go on), and that decoding
    starts over."""
    from highlights.pipeline.outputs.timecode import short_clock

    return (f"{video_path}: the frames analysed up to {short_clock(kept_s)} were kept (in {folder}), but the one at "
            f"{short_clock(last_s)}, from which this run would decode on, cannot be found again: {why_not}; so the "
            f"video is decoded again from its start (the people found in those frames are still read back, not "
            f"found again)")


def _then(first, rest):
    try:
        if first is not None:
            yield first
            yield from rest
    finally:
        rest.close()
