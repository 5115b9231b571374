"""The highlight reel MP4, the per-highlight clips and the thumbnails, from ONE pass over the
source.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rich.progress import Progress, TextColumn

from highlights.counted_noun import counted
from highlights.events.interval import covered_seconds
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.kept_clips import KeptClips
from highlights.pipeline.outputs.cut_settings import CutSettings
from highlights.pipeline.outputs.naming import clip_filename, in_time_order, key_time
from highlights.pipeline.outputs.reel_sound import add_source_sound
from highlights.pipeline.outputs.stream_writer import BackgroundVideoWriter
from highlights.pipeline.outputs.timecode import clock_timecode
from highlights.progress import progress_bar
from highlights.progress_callback import ProgressSetting, bars_and_callback
from highlights.video import Frame, VideoError, VideoInfo, iter_frames, probe
from highlights.video.reader import DecodeDamage

log = logging.getLogger(__name__)

_FONT = cv2.FONT_HERSHEY_SIMPLEX
CAPTION_LEAST_SCALE = 0.3  # about 7 px tall letters: the smallest a caption still reads at
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
    """Draws `text` top-left on a dark band, in place; the size follows the frame height, and is
    made smaller where the text would run past the right edge (an upright phone video: by its height
    alone, a long class name ran off a 1080x1920 frame); where it fits no line at the least size,
    the label goes on a line above its score and time. At the top, not the bottom: a browser
    draws its player's controls over a video's bottom edge while it is paused or hovered, and
    bottom-left they covered the caption just when a reviewer stopped to read it."""
    height, width = rgb.shape[:2]
    scale = min(1.0, max(0.3, 0.9 * height / 720))
    thickness = 1 if height < 540 else 2
    pad = max(2, round(6 * scale))
    room = width - 2 * pad - 2  # the band ends before the frame's right edge

    def too_wide(line: str) -> bool:
        return cv2.getTextSize(line, _FONT, scale, thickness)[0][0] > room

    while too_wide(text) and scale > CAPTION_LEAST_SCALE:
        scale = max(CAPTION_LEAST_SCALE, scale * 0.9)
        thickness = 1 if scale < 0.6 else thickness
    lines = [text]
    if too_wide(text) and " " in text:
        label, rest = text.split(" ", 1)
        lines = [label, rest]
    sizes = [cv2.getTextSize(line, _FONT, scale, thickness) for line in lines]
    line_h = max(h + baseline for (_, h), baseline in sizes) + pad
    band_w = max(w for (w, _), _ in sizes) + 2 * pad
    bottom = min(height, line_h * len(lines) + pad)
    cv2.rectangle(rgb, (0, 0), (min(width - 1, band_w), bottom - 1), (0, 0, 0), cv2.FILLED)
    for i, (line, ((_, _), baseline)) in enumerate(zip(lines, sizes)):
        origin = (pad, line_h * (i + 1) - baseline)
        cv2.putText(rgb, line, origin, _FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)
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
        rgb = cv2.resize(rgb, (width, max(1, round(height * width / src_w))),
                         interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality])
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
    """The (start, end) stretches of the source to decode: `spans` joined where less than `gap_s`
    apart."""
    joined: list[list[float]] = []
    for start, end in sorted(spans):
        if joined and start - joined[-1][1] <= gap_s:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [(start, end) for start, end in joined]


def _progress(enabled: bool) -> Progress:
    # The bar counts source frames decoded, which a bare "3273/8937" does not say.
    return progress_bar(enabled=enabled,
                        amount=TextColumn("{task.completed:.0f}/{task.total:.0f} frames"))


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
    in time order (overlapping highlights are not repeated), at the rate the source's frames are
    laid on (`VideoInfo.steady_fps`), each frame shown as long as the source shows it
    (`_ConstantRateFeed`), so the reel and clips last as long as their highlights even on
    variable-frame-rate footage. `reel_short_side` (0: the source's size) scales the reel down,
    never up, to that short side; the source is decoded at that size, so a 4K game is neither
    converted nor encoded at 4K. `reel_max_fps` (0: the source's rate) caps the reel's rate: each
    frame still shows for as long as the source shows it, so the reel keeps its length and its
    sound, with fewer frames. With `sound`, the reel also carries the source's sound of the same
    moments (`reel_sound`; the clips stay silent). With `clips_dir`, also writes one small clip per
    highlight there (`hl_001_<label>.mp4`); with `thumbnails`, returns a JPEG per highlight taken at
    its key moment (`key_s`, else its midpoint). A frame at time t belongs to a highlight when
    start_s <= t < end_s. `in_reel` (None: every highlight) says which highlights the reel holds;
    the clips and thumbnails are every highlight's. `kept` (a `pipeline.kept_clips.KeptClips`) gives
    the clips and thumbnails an earlier, stopped cut of the same highlights finished, which are put
    in place rather than cut again, and keeps this cut's as each is finished. `progress`: the
    terminal's bar (True), nothing (False), or `progress("cutting", frames decoded, frames
    expected)` once per second of source video read and at the end, when the expected count becomes
    the count decoded (`highlights.progress_callback`). Raises `VideoError` for an unreadable
    source.
    """
    ordered = in_time_order(highlights)
    bars, report = bars_and_callback(progress)
    info = probe(video_path)
    result = _empty_result(ordered, _output_rate(video_path, info), in_reel)
    if not ordered or (reel_path is None and clips_dir is None and not thumbnails):
        return result
    clips_dir = None if clips_dir is None else Path(clips_dir)
    if clips_dir is not None:
        clips_dir.mkdir(parents=True, exist_ok=True)

    cut = CutSettings(caption=caption, clip_short_side=clip_short_side,
                      reel_short_side=reel_short_side, reel_max_fps=reel_max_fps,
                      thumbnail_width=thumbnail_width, crf=crf, clip_crf=clip_crf)
    if kept is not None:
        kept.plan(_cut_plan(ordered, result, cut, reel=reel_path is not None,
                            clips=clips_dir is not None, thumbnails=thumbnails))
        _place_kept(kept, ordered, result, clips_dir, thumbnails)
    one_pass = _ForwardPass(video_path, ordered, result, info, cut, reel_path=reel_path,
                            clips_dir=clips_dir, thumbnails=thumbnails, kept=kept)
    one_pass.run(bars, report, sound=sound)
    _warn_of_missing_outputs(video_path, ordered, result, reel_path, clips_dir)
    return result


def _output_rate(video_path: str | Path, info: VideoInfo) -> float:
    """The rate the reel and clips are written at."""
    # A variable-rate recording's reel at its average rate would drop frames where it ran faster
    # (a sixth of them in a phone's 30 fps stretches averaging 25): write at the rate its frames
    # are laid on, where each frame is shown at least once (and slower stretches repeat frames).
    fps = float(info.steady_fps)
    if not (math.isfinite(fps) and fps > 0):
        raise VideoError(video_path, f"no usable frame rate ({info.fps!r})")
    return fps


def _cut_plan(ordered: list[Highlight], result: ReelResult, cut: CutSettings, *, reel: bool,
              clips: bool, thumbnails: bool) -> dict:
    """What this cut makes and how, as `KeptClips.plan` compares it with an earlier, stopped
    cut's."""
    return {"highlights": [(h.start_s, h.end_s, key_time(h), h.label, h.score) for h in ordered],
            "in_reel": result.in_reel, "reel": reel, "clips": clips, "thumbnails": thumbnails,
            **asdict(cut)}


def _empty_result(ordered: list[Highlight], fps: float,
                  in_reel: Callable[[Highlight], bool] | None) -> ReelResult:
    """The result before the pass: no file yet, and which highlights the reel is to hold."""
    result = ReelResult(
        fps=fps, clip_paths=[None] * len(ordered), thumbnails_jpeg=[None] * len(ordered)
    )
    if in_reel is not None:
        result.in_reel = [bool(in_reel(h)) for h in ordered]
        result.reel_seconds = covered_seconds((h.start_s, h.end_s)
                                              for h, held in zip(ordered, result.in_reel) if held)
    return result


def _place_kept(kept: KeptClips, ordered: list[Highlight], result: ReelResult,
                clips_dir: Path | None, thumbnails: bool) -> None:
    """Puts the clips and thumbnails an earlier, stopped cut finished into `result`."""
    for i, h in enumerate(ordered):
        if clips_dir is not None:
            result.clip_paths[i] = kept.place_clip(i, clips_dir / clip_filename(i + 1, h))
        if thumbnails:
            result.thumbnails_jpeg[i] = kept.thumbnail(i)


def _warn_of_missing_outputs(video_path: str | Path, ordered: list[Highlight], result: ReelResult,
                             reel_path: str | Path | None, clips_dir: Path | None) -> None:
    if clips_dir is not None:
        for i, path in enumerate(result.clip_paths):
            if path is None:
                log.warning(
                    "%s: highlight %d (%s, %.3f-%.3f s) has no frame inside it; no clip written",
                    video_path, i + 1, ordered[i].label, ordered[i].start_s, ordered[i].end_s,
                )
    if reel_path is not None and result.reel_path is None:
        log.warning("%s: no frame falls inside any highlight; no reel written", video_path)


class _ForwardPass:
    """`write_reel`'s one pass over the source: what to decode and at which size, then each frame
    handed to the reel, the open highlights' clips and the thumbnails due, in turn."""

    def __init__(self, video_path: str | Path, ordered: list[Highlight], result: ReelResult,
                 info: VideoInfo, cut: CutSettings, *, reel_path: str | Path | None,
                 clips_dir: Path | None, thumbnails: bool, kept: KeptClips | None):
        self.video_path, self.ordered, self.result, self.kept = video_path, ordered, result, kept
        self.clips_dir, self.cut = clips_dir, cut
        self.fps = fps = result.fps
        self._plan_reads(reel_path, thumbnails)
        self._plan_decode_sizes(info, reel_path, thumbnails)

        self.next_to_open = 0
        self.active: list[int] = []
        self.clip_writers: dict[int, _ConstantRateFeed] = {}
        reel_fps = min(fps, cut.reel_max_fps) if cut.reel_max_fps > 0 else fps
        self.reel_writer = (_ConstantRateFeed(Path(reel_path), reel_fps, cut.crf)
                            if reel_path is not None else None)
        self.previous: Frame | None = None
        self.previous_stretch = 0
        self.step = 1.0 / fps  # the last gap between two source frames
        self.expected = max(1, round(sum(min(end, info.duration_s or end) - start
                                         for start, end in self.stretches) * fps))

    def _plan_reads(self, reel_path: str | Path | None, thumbnails: bool) -> None:
        """The stretches of the source to read, and the thumbnails to take, in key-moment order."""
        ordered, result, count = self.ordered, self.result, len(self.ordered)
        # A clip or thumbnail an earlier cut kept is not cut again; its stretch is read only for the
        # reel.
        self.clip_kept = [path is not None for path in result.clip_paths]
        thumbnail_kept = [jpeg is not None for jpeg in result.thumbnails_jpeg]
        # Frame timestamps carry rounding noise (1.4999999 for 1.5); a tolerance well under a
        # frame keeps the boundary frame on the side the highlight's times mean.
        self.eps = min(1e-3, 0.25 / self.fps)
        self.keys = keys = [key_time(h) for h in ordered]
        needed = [not self.clip_kept[i]
                  or (reel_path is not None and (result.in_reel is None or result.in_reel[i]))
                  for i in range(count)]
        spans = ([(h.start_s, h.end_s) for i, h in enumerate(ordered) if needed[i]]
                 + ([(k, k) for i, k in enumerate(keys) if not thumbnail_kept[i]] if thumbnails
                    else []))
        self.stretches = _stretches(spans, SEEK_PAST_S)
        self.pending_thumbs = deque(sorted((i for i in range(count)
                                            if not thumbnail_kept[i]), key=keys.__getitem__)
                                    if thumbnails else [])

    def _plan_decode_sizes(self, info: VideoInfo, reel_path: str | Path | None,
                           thumbnails: bool) -> None:
        """The clips' size, and the source times decoded at the reel's size rather than the
        clips'."""
        fps, eps, result = self.fps, self.eps, self.result
        self.clip_w, self.clip_h = clip_size(info.width, info.height, self.cut.clip_short_side)
        # Clips (180) and thumbnails (320 wide) are smaller than any sensible reel: decoding at the
        # reel's size serves them all. Frames come upright, so the short side is the same either
        # way.
        reel_short_side = self.cut.reel_short_side
        self.decode_short_side = reel_short_side if 0 < reel_short_side < min(info.width,
                                                                              info.height) else None
        # Most frames a game's pass decodes go only to the page's small clips (the reel holds the
        # best-ranked few highlights): those come from the decoder at the clip's size, with no
        # conversion at full size to shrink after. The reel's frames and those beside a thumbnail's
        # key moment are decoded as before.
        self.small_short_side = min(self.clip_w, self.clip_h)
        self.full_size_spans = _stretches(
            [(h.start_s - eps, h.end_s - eps) for i, h in enumerate(self.ordered)
             if reel_path is not None and (result.in_reel is None or result.in_reel[i])]
            + [(k - 2.0 / fps, k + 2.0 / fps) for k in (self.keys if thumbnails else [])], 0.0)
        self.full_size_starts = [start for start, _ in self.full_size_spans]

    def run(self, bars: bool, report, *, sound: bool) -> None:
        """Reads the stretches and writes every output, or aborts every encoder it opened."""
        count = len(self.ordered)
        decoded = 0
        report_every = max(1, round(self.fps))  # frames: once per second of source video
        try:
            with _progress(bars) as bar:
                task = bar.add_task(f"cutting {counted(count, 'highlight')}", total=self.expected)
                for stretch, frame in self._stretch_frames():
                    self._take(stretch, frame)
                    decoded += 1
                    bar.advance(task)
                    if report is not None and decoded % report_every == 0:
                        report("cutting", decoded, max(self.expected, decoded))
                    if self.next_to_open == count and not self.active and not self.pending_thumbs:
                        break  # nothing after this frame is needed
                bar.update(task, total=decoded)  # the estimate was approximate; show it done
                if report is not None:
                    report("cutting", decoded, decoded)
            self._finish(sound)
        except BaseException:
            for writer in [*self.clip_writers.values(),
                           *([self.reel_writer] if self.reel_writer else [])]:
                writer.abort()
            raise

    def _short_side_at(self, t: float) -> int | None:
        n = bisect.bisect_right(self.full_size_starts, t) - 1
        if n >= 0 and t < self.full_size_spans[n][1]:
            return self.decode_short_side
        if self.decode_short_side is not None and self.decode_short_side <= self.small_short_side:
            return self.decode_short_side
        return self.small_short_side

    def _stretch_frames(self):
        """(stretch number, frame) of every stretch in turn, each from a seek to its start."""
        # The run's own read of the video records and says its damaged packets (highlights.json's
        # `damage`): counted here into a record no one reads, the reader does not warn a second
        # time.
        already_recorded = DecodeDamage()
        for n, (start, end) in enumerate(self.stretches):
            for frame in iter_frames(self.video_path, start_s=max(0.0, start - 1.0 / self.fps),
                                     end_s=end + 1.0 / self.fps, short_side_at=self._short_side_at,
                                     interpolation="AREA", damage=already_recorded):
                yield n, frame

    def _take(self, stretch: int, frame: Frame) -> None:
        """One decoded frame, to every output that needs it."""
        t = frame.time_s
        if self.previous is not None and stretch != self.previous_stretch:
            self._end_stretch()
        elif self.previous is not None and t > self.previous.time_s:
            self.step = t - self.previous.time_s
        self.previous_stretch = stretch
        self._take_thumbnails(frame)
        self._open_and_close_highlights(t)
        if self.reel_writer is not None:
            self._feed_reel(frame)
        if self.active and self.clips_dir is not None:
            self._feed_clips(frame)
        self.previous = frame

    def _end_stretch(self) -> None:
        # The stretch before has ended, every highlight in it too: its last frame lasted
        # a frame's length, not until where this seek landed.
        until = self.previous.time_s + self.step
        for i in self.active:
            if i in self.clip_writers:
                self.result.clip_paths[i] = self._finished(i, self.clip_writers.pop(i).close(until))
        self.active = []
        if self.reel_writer is not None:
            self.reel_writer.cut(until)

    def _take_thumbnails(self, frame: Frame) -> None:
        """The thumbnails whose key moment this frame reaches, from it or the frame before, the
        nearer."""
        t = frame.time_s
        while self.pending_thumbs and t >= self.keys[self.pending_thumbs[0]]:
            i = self.pending_thumbs.popleft()
            nearest = frame
            if self.previous is not None and self.keys[i] - self.previous.time_s < t - self.keys[i]:
                nearest = self.previous
            self.result.thumbnails_jpeg[i] = thumbnail_jpeg(nearest.rgb, self.cut.thumbnail_width)
            if self.kept is not None:
                self.kept.keep_thumbnail(i, self.result.thumbnails_jpeg[i])

    def _open_and_close_highlights(self, t: float) -> None:
        """The highlights that start by `t` become active; those that ended before it close their
        clip."""
        while (self.next_to_open < len(self.ordered)
               and t >= self.ordered[self.next_to_open].start_s - self.eps):
            self.active.append(self.next_to_open)
            self.next_to_open += 1
        still_active = []
        for i in self.active:
            if t >= self.ordered[i].end_s - self.eps:
                if i in self.clip_writers:
                    self.result.clip_paths[i] = self._finished(i, self.clip_writers.pop(i).close(t))
            else:
                still_active.append(i)
        self.active = still_active

    def _feed_reel(self, frame: Frame) -> None:
        t = frame.time_s
        in_the_reel = [i for i in self.active if self.result.in_reel is None
                       or self.result.in_reel[i]]
        if in_the_reel:
            reel_frame = _even_crop(frame.rgb).copy()
            if self.cut.caption:
                draw_caption(reel_frame, caption_text(self.ordered[in_the_reel[0]], t))
            self.reel_writer.put(reel_frame, t)
        else:
            # between the reel's highlights: its last frame lasted until now
            self.reel_writer.cut(t)

    def _feed_clips(self, frame: Frame) -> None:
        t = frame.time_s
        small = frame.rgb
        if small.shape[:2] != (self.clip_h, self.clip_w):  # a frame decoded at full size
            small = cv2.resize(small, (self.clip_w, self.clip_h), interpolation=cv2.INTER_AREA)
        for i in self.active:
            if self.clip_kept[i]:
                continue
            # (a frame decoded small is copied too: the caption must not mark it
            # for a thumbnail taken from it as the previous frame)
            clip_frame = small.copy() if len(self.active) > 1 or small is frame.rgb else small
            if self.cut.caption:
                draw_caption(clip_frame, caption_text(self.ordered[i], t))
            if i not in self.clip_writers:
                self.clip_writers[i] = _ConstantRateFeed(
                    self.clips_dir / clip_filename(i + 1, self.ordered[i]), self.fps,
                    self.cut.clip_crf,
                )
            self.clip_writers[i].put(clip_frame, t)

    def _finished(self, i: int, path: Path | None) -> Path | None:
        if self.kept is not None and path is not None:
            self.kept.keep_clip(i, path)
        return path

    def _finish(self, sound: bool) -> None:
        """Past the last frame read: the thumbnails still due, then every encoder closed, then the
        reel's sound."""
        result, previous = self.result, self.previous
        if previous is not None:
            for i in self.pending_thumbs:  # key moments past the last frame: take the last frame
                result.thumbnails_jpeg[i] = thumbnail_jpeg(previous.rgb, self.cut.thumbnail_width)
        # Past the last frame read, its frame lasted as long as the ones before it.
        end_s = previous.time_s + self.step if previous is not None else 0.0
        for i in sorted(self.clip_writers):
            result.clip_paths[i] = self._finished(i, self.clip_writers.pop(i).close(end_s))
        if self.reel_writer is not None:
            result.reel_path = self.reel_writer.close(end_s)
            result.reel_frames = self.reel_writer.frames_put
            spans, self.reel_writer = self.reel_writer.spans, None
            if result.reel_path is not None and sound:
                add_source_sound(result.reel_path, Path(self.video_path), spans)
