"""The highlight reel MP4, the per-highlight clips and the thumbnails, from ONE pass over the source.

Reading a game in order is far cheaper than seeking window by window (see the measured decoding
figures in the docs), so the source is decoded once, front to back: every frame whose timestamp
falls inside a highlight goes to the reel (with a small caption) and, downscaled, to that
highlight's clip; the frame nearest each highlight's key moment becomes its thumbnail. Only the
current frame and the previous one are held, plus a few queued frames per open encoder, so
memory does not grow with the video's length. The pass stops after the last frame it needs, and
it seeks over a stretch of more than `SEEK_PAST_S` with no highlight in it rather than decode it
at full size (a whole game's few capped highlights lie minutes apart).
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rich.progress import Progress, TextColumn

from highlights.counted_noun import counted
from highlights.events.interval import covered_seconds
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.kept_clips import KeptClips
from highlights.pipeline.outputs.naming import clip_filename, in_time_order, key_time
from highlights.pipeline.outputs.reel_sound import add_source_sound
from highlights.pipeline.outputs.stream_writer import BackgroundVideoWriter
from highlights.pipeline.outputs.timecode import clock_timecode
from highlights.progress import progress_bar
from highlights.progress_callback import ProgressSetting, bars_and_callback
from highlights.video import VideoError, iter_frames, probe
from highlights.video.reader import DecodeDamage

log = logging.getLogger(__name__)

_FONT = cv2.FONT_HERSHEY_SIMPLEX
# A stretch between highlights longer than this is skipped by a seek (which decodes from the
# keyframe before the next highlight, a few seconds at most on phone and camera video) rather
# than decoded whole; shorter ones cost less to decode than a seek.
SEEK_PAST_S = 30.0


@dataclass
class ReelResult:
    """What the pass produced. Lists are indexed like the highlights in time order."""

    fps: float
    reel_path: Path | None = None
    reel_frames: int = 0
    clip_paths: list[Path | None] = field(default_factory=list)  # None: no frame fell inside
    thumbnails_jpeg: list[bytes | None] = field(default_factory=list)
    # Highlights (time order) the reel holds, and their footage's seconds; None: every one.
    in_reel: list[bool] | None = None
    reel_seconds: float | None = None


def caption_text(h: Highlight, time_s: float) -> str:
    """`baseball_swing 0.87 @ 00:01:23.400`: label, score and the frame's source time."""
    return f"{h.label} {h.score:.2f} @ {clock_timecode(time_s)}"


def draw_caption(rgb: np.ndarray, text: str) -> np.ndarray:
    """Draws `text` bottom-left on a dark band, in place; the size follows the frame height."""
    height, width = rgb.shape[:2]
    scale = min(1.0, max(0.3, 0.9 * height / 720))
    thickness = 1 if height < 540 else 2
    pad = max(2, round(6 * scale))
    (text_w, text_h), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    top = max(0, height - text_h - baseline - 2 * pad)
    cv2.rectangle(rgb, (0, top), (min(width - 1, text_w + 2 * pad), height - 1), (0, 0, 0), cv2.FILLED)
    origin = (pad, height - baseline - pad)
    cv2.putText(rgb, text, origin, _FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return rgb


def _even(n: int) -> int:
    return max(2, n - n % 2)


def _even_crop(rgb: np.ndarray) -> np.ndarray:
    # H.264 in yuv420p needs even dimensions; drop a last odd row/column rather than resample.
    height, width = rgb.shape[:2]
    return rgb[: _even(height), : _even(width)]


def clip_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """(width, height) of a clip: short side at most `short_side`, both even."""
    scale = min(1.0, short_side / min(width, height))
    return _even(round(width * scale)), _even(round(height * scale))


def thumbnail_jpeg(rgb: np.ndarray, width: int = 320, quality: int = 82) -> bytes:
    """A JPEG of the frame at `width` pixels wide (never upscaled)."""
    height, src_w = rgb.shape[:2]
    if src_w > width:
        rgb = cv2.resize(rgb, (width, max(1, round(height * width / src_w))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding of a thumbnail failed")
    return data.tobytes()


class _ConstantRateFeed:
    """Frames at their source times -> one MP4 at a constant `fps`, keeping the source's pace.

    Phone video often has a variable frame rate, and some files' indexes list more frames than
    decode: their frames lie closer together or further apart than 1/fps of the nominal rate, so
    one output frame per source frame would play a highlight faster or slower than it happened
    (a 4.5 s highlight lasting 4.8 s). Each frame is instead shown until the next one's time,
    rounded to whole output frames; on constant-rate footage that is exactly one each. The
    writer starts with the first output frame.
    """

    def __init__(self, path: Path, fps: float, crf: int):
        self.path, self.fps, self.crf = path, fps, crf
        self.writer: BackgroundVideoWriter | None = None
        self.frames_put = 0
        self.spans: list[tuple[float, float]] = []  # the source seconds shown, in order
        self._held: tuple[np.ndarray, float] | None = None
        self._shown_s = 0.0

    def put(self, rgb: np.ndarray, time_s: float) -> None:
        if self._held is not None:
            self._show_held(time_s)
        else:
            self.spans.append((time_s, time_s))
        self._held = (rgb, time_s)

    def cut(self, until_s: float) -> None:
        """The run of consecutive frames ends: the held frame is shown until `until_s`."""
        if self._held is not None:
            self._show_held(until_s)
            self._held = None
            self.spans[-1] = (self.spans[-1][0], max(self.spans[-1][0], until_s))

    def close(self, until_s: float) -> Path | None:
        self.cut(until_s)
        return self.writer.close() if self.writer is not None else None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()

    def _show_held(self, until_s: float) -> None:
        rgb, since_s = self._held
        self._shown_s += max(0.0, until_s - since_s)
        due = round(self._shown_s * self.fps) - self.frames_put
        if due > 0 and self.writer is None:
            self.writer = BackgroundVideoWriter(self.path, self.fps, crf=self.crf)
        for _ in range(due):
            self.writer.put(rgb)
        self.frames_put += max(0, due)


def _stretches(spans: Iterable[tuple[float, float]], gap_s: float) -> list[tuple[float, float]]:
    """The (start, end) stretches of the source to decode: `spans` joined where less than `gap_s` apart."""
    joined: list[list[float]] = []
    for start, end in sorted(spans):
        if joined and start - joined[-1][1] <= gap_s:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [(start, end) for start, end in joined]


def _progress(enabled: bool) -> Progress:
    # The bar counts source frames decoded, which a bare "3273/8937" does not say.
    return progress_bar(enabled=enabled, amount=TextColumn("{task.completed:.0f}/{task.total:.0f} frames"))


def write_reel(
    highlights: Iterable[Highlight],
    video_path: str | Path,
    reel_path: str | Path | None,
    *,
    clips_dir: str | Path | None = None,
    thumbnails: bool = False,
    caption: bool = True,
    clip_short_side: int = 180,
    reel_short_side: int = 0,
    reel_max_fps: float = 0.0,
    thumbnail_width: int = 320,
    crf: int = 23,
    clip_crf: int = 28,
    sound: bool = True,
    progress: ProgressSetting = True,
    in_reel: Callable[[Highlight], bool] | None = None,
    kept: KeptClips | None = None,
) -> ReelResult:
    """Cuts the highlights out of `video_path` in one forward pass.

    Writes the reel to `reel_path` (skipped when None): every source frame inside any highlight,
    in time order (overlapping highlights are not repeated), at the rate the source's frames are laid on (`VideoInfo.steady_fps`),
    each frame shown as long as the source shows it (`_ConstantRateFeed`), so the reel and clips
    last as long as their highlights even on variable-frame-rate footage. `reel_short_side` (0:
    the source's size) scales the reel down, never up, to that short side; the source is decoded
    at that size, so a 4K game is neither converted nor encoded at 4K. `reel_max_fps` (0: the
    source's rate) caps the reel's rate: each frame still shows for as long as the source shows
    it, so the reel keeps its length and its sound, with fewer frames. With `sound`, the reel
    also carries the source's sound of the same moments (`reel_sound`; the clips stay silent).
    With `clips_dir`, also writes one small clip per highlight there (`hl_001_<label>.mp4`);
    with `thumbnails`, returns a JPEG per highlight taken at its key moment (`key_s`, else its
    midpoint). A frame at time t belongs to a highlight when start_s <= t < end_s. `in_reel`
    (None: every highlight) says which highlights the reel holds; the clips and thumbnails are
    every highlight's. `kept` (a `pipeline.kept_clips.KeptClips`) gives the clips and thumbnails
    an earlier, stopped cut of the same highlights finished, which are put in place rather than
    cut again, and keeps this cut's as each is finished. `progress`: the terminal's bar (True), nothing (False), or
    `progress("cutting", frames decoded, frames expected)` once per second of source video read
    and at the end, when the expected count becomes the count decoded (`highlights.progress_callback`).
    Raises `VideoError` for an unreadable source.
    """
    ordered = in_time_order(highlights)
    bars, report = bars_and_callback(progress)
    info = probe(video_path)
    # A variable-rate recording's reel at its average rate would drop frames where it ran faster
    # (a sixth of them in a phone's 30 fps stretches averaging 25): write at the rate its frames
    # are laid on, where each frame is shown at least once (and slower stretches repeat frames).
    fps = float(info.steady_fps)
    if not (math.isfinite(fps) and fps > 0):
        raise VideoError(video_path, f"no usable frame rate ({info.fps!r})")
    result = ReelResult(
        fps=fps, clip_paths=[None] * len(ordered), thumbnails_jpeg=[None] * len(ordered)
    )
    if in_reel is not None:
        result.in_reel = [bool(in_reel(h)) for h in ordered]
        result.reel_seconds = covered_seconds((h.start_s, h.end_s) for h, kept in zip(ordered, result.in_reel) if kept)
    if not ordered or (reel_path is None and clips_dir is None and not thumbnails):
        return result
    clips_dir = None if clips_dir is None else Path(clips_dir)
    if clips_dir is not None:
        clips_dir.mkdir(parents=True, exist_ok=True)

    count = len(ordered)
    if kept is not None:
        kept.plan({"highlights": [(h.start_s, h.end_s, key_time(h), h.label, h.score) for h in ordered],
                   "in_reel": result.in_reel, "reel": reel_path is not None, "clips": clips_dir is not None,
                   "thumbnails": thumbnails, "caption": caption, "clip_short_side": clip_short_side,
                   "reel_short_side": reel_short_side, "reel_max_fps": reel_max_fps,
                   "thumbnail_width": thumbnail_width, "crf": crf, "clip_crf": clip_crf})
        for i, h in enumerate(ordered):
            if clips_dir is not None:
                result.clip_paths[i] = kept.place_clip(i, clips_dir / clip_filename(i + 1, h))
            if thumbnails:
                result.thumbnails_jpeg[i] = kept.thumbnail(i)
    # A clip or thumbnail an earlier cut kept is not cut again; its stretch is read only for the reel.
    clip_kept = [path is not None for path in result.clip_paths]
    thumbnail_kept = [jpeg is not None for jpeg in result.thumbnails_jpeg]
    # Frame timestamps carry rounding noise (1.4999999 for 1.5); a tolerance well under a
    # frame keeps the boundary frame on the side the highlight's times mean.
    eps = min(1e-3, 0.25 / fps)
    keys = [key_time(h) for h in ordered]
    needed = [not clip_kept[i] or (reel_path is not None and (result.in_reel is None or result.in_reel[i]))
              for i in range(count)]
    spans = ([(h.start_s, h.end_s) for i, h in enumerate(ordered) if needed[i]]
             + ([(k, k) for i, k in enumerate(keys) if not thumbnail_kept[i]] if thumbnails else []))
    stretches = _stretches(spans, SEEK_PAST_S)
    pending_thumbs = deque(sorted((i for i in range(count) if not thumbnail_kept[i]), key=keys.__getitem__)
                           if thumbnails else [])
    clip_w, clip_h = clip_size(info.width, info.height, clip_short_side)
    # Clips (180) and thumbnails (320 wide) are smaller than any sensible reel: decoding at the
    # reel's size serves them all. Frames come upright, so the short side is the same either way.
    decode_short_side = reel_short_side if 0 < reel_short_side < min(info.width, info.height) else None
    # Most frames a game's pass decodes go only to the page's small clips (the reel holds the
    # best-ranked few highlights): those come from the decoder at the clip's size, with no
    # conversion at full size to shrink after. The reel's frames and those beside a thumbnail's
    # key moment are decoded as before.
    small_short_side = min(clip_w, clip_h)
    full_size_spans = _stretches(
        [(h.start_s - eps, h.end_s - eps) for i, h in enumerate(ordered)
         if reel_path is not None and (result.in_reel is None or result.in_reel[i])]
        + [(k - 2.0 / fps, k + 2.0 / fps) for k in (keys if thumbnails else [])], 0.0)
    full_size_starts = [start for start, _ in full_size_spans]

    def short_side_at(t: float) -> int | None:
        n = bisect.bisect_right(full_size_starts, t) - 1
        if n >= 0 and t < full_size_spans[n][1]:
            return decode_short_side
        if decode_short_side is not None and decode_short_side <= small_short_side:
            return decode_short_side
        return small_short_side

    next_to_open = 0
    active: list[int] = []
    clip_writers: dict[int, _ConstantRateFeed] = {}
    reel_fps = min(fps, reel_max_fps) if reel_max_fps > 0 else fps
    reel_writer = _ConstantRateFeed(Path(reel_path), reel_fps, crf) if reel_path is not None else None
    previous = None
    step = 1.0 / fps  # the last gap between two source frames
    decoded = 0
    expected = max(1, round(sum(min(end, info.duration_s or end) - start for start, end in stretches) * fps))
    report_every = max(1, round(fps))  # frames: once per second of source video

    def finished(i: int, path: Path | None) -> Path | None:
        if kept is not None and path is not None:
            kept.keep_clip(i, path)
        return path

    def stretch_frames():
        """(stretch number, frame) of every stretch in turn, each from a seek to its start."""
        # The run's own read of the video records and says its damaged packets (highlights.json's
        # `damage`): counted here into a record no one reads, the reader does not warn a second time.
        already_recorded = DecodeDamage()
        for n, (start, end) in enumerate(stretches):
            for frame in iter_frames(video_path, start_s=max(0.0, start - 1.0 / fps), end_s=end + 1.0 / fps,
                                     short_side_at=short_side_at, interpolation="AREA", damage=already_recorded):
                yield n, frame

    try:
        with _progress(bars) as bar:
            task = bar.add_task(f"cutting {counted(count, 'highlight')}", total=expected)
            stretch = previous_stretch = 0
            for stretch, frame in stretch_frames():
                t = frame.time_s
                if previous is not None and stretch != previous_stretch:
                    # The stretch before has ended, every highlight in it too: its last frame lasted
                    # a frame's length, not until where this seek landed.
                    until = previous.time_s + step
                    for i in active:
                        if i in clip_writers:
                            result.clip_paths[i] = finished(i, clip_writers.pop(i).close(until))
                    active = []
                    if reel_writer is not None:
                        reel_writer.cut(until)
                elif previous is not None and t > previous.time_s:
                    step = t - previous.time_s
                previous_stretch = stretch
                while pending_thumbs and t >= keys[pending_thumbs[0]]:
                    i = pending_thumbs.popleft()
                    nearest = frame
                    if previous is not None and keys[i] - previous.time_s < t - keys[i]:
                        nearest = previous
                    result.thumbnails_jpeg[i] = thumbnail_jpeg(nearest.rgb, thumbnail_width)
                    if kept is not None:
                        kept.keep_thumbnail(i, result.thumbnails_jpeg[i])

                while next_to_open < count and t >= ordered[next_to_open].start_s - eps:
                    active.append(next_to_open)
                    next_to_open += 1
                still_active = []
                for i in active:
                    if t >= ordered[i].end_s - eps:
                        if i in clip_writers:
                            result.clip_paths[i] = finished(i, clip_writers.pop(i).close(t))
                    else:
                        still_active.append(i)
                active = still_active

                if reel_writer is not None:
                    in_the_reel = [i for i in active if result.in_reel is None or result.in_reel[i]]
                    if in_the_reel:
                        reel_frame = _even_crop(frame.rgb).copy()
                        if caption:
                            draw_caption(reel_frame, caption_text(ordered[in_the_reel[0]], t))
                        reel_writer.put(reel_frame, t)
                    else:
                        reel_writer.cut(t)  # between the reel's highlights: its last frame lasted until now
                if active:
                    if clips_dir is not None:
                        small = frame.rgb
                        if small.shape[:2] != (clip_h, clip_w):  # a frame decoded at full size
                            small = cv2.resize(small, (clip_w, clip_h), interpolation=cv2.INTER_AREA)
                        for i in active:
                            if clip_kept[i]:
                                continue
                            # (a frame decoded small is copied too: the caption must not mark it
                            # for a thumbnail taken from it as the previous frame)
                            clip_frame = small.copy() if len(active) > 1 or small is frame.rgb else small
                            if caption:
                                draw_caption(clip_frame, caption_text(ordered[i], t))
                            if i not in clip_writers:
                                clip_writers[i] = _ConstantRateFeed(
                                    clips_dir / clip_filename(i + 1, ordered[i]), fps, clip_crf
                                )
                            clip_writers[i].put(clip_frame, t)

                previous = frame
                decoded += 1
                bar.advance(task)
                if report is not None and decoded % report_every == 0:
                    report("cutting", decoded, max(expected, decoded))
                if next_to_open == count and not active and not pending_thumbs:
                    break  # nothing after this frame is needed
            bar.update(task, total=decoded)  # the estimate was approximate; show it done
            if report is not None:
                report("cutting", decoded, decoded)

        if previous is not None:
            for i in pending_thumbs:  # key moments past the last frame: take the last frame
                result.thumbnails_jpeg[i] = thumbnail_jpeg(previous.rgb, thumbnail_width)
        # Past the last frame read, its frame lasted as long as the ones before it.
        end_s = previous.time_s + step if previous is not None else 0.0
        for i in sorted(clip_writers):
            result.clip_paths[i] = finished(i, clip_writers.pop(i).close(end_s))
        if reel_writer is not None:
            result.reel_path = reel_writer.close(end_s)
            result.reel_frames = reel_writer.frames_put
            spans, reel_writer = reel_writer.spans, None
            if result.reel_path is not None and sound:
                add_source_sound(result.reel_path, Path(video_path), spans)
    except BaseException:
        for writer in [*clip_writers.values(), *([reel_writer] if reel_writer else [])]:
            writer.abort()
        raise

    if clips_dir is not None:
        for i, path in enumerate(result.clip_paths):
            if path is None:
                log.warning(
                    "%s: highlight %d (%s, %.3f-%.3f s) has no frame inside it; no clip written",
                    video_path, i + 1, ordered[i].label, ordered[i].start_s, ordered[i].end_s,
                )
    if reel_path is not None and result.reel_path is None:
        log.warning("%s: no frame falls inside any highlight; no reel written", video_path)
    return result
