"""The streaming run: read the video once, in order, and pass it through the stages.

One `iter_frames` pass at `analysis.fps` and `analysis.short_side` feeds the candidate source and
the frame stages (detection and pose, on active frames); the same frames, shrunk to the
classifier's size, go into a ring buffer of `analysis.buffer_s` seconds from which classifier
windows are cut around candidates. Finished candidates wait in small queues until the stream has passed the last
frame each window stage needs. Nothing grows with the length of the game except the compact trace
and the list of highlights.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from highlights import __version__
from highlights.pipeline.config import STAGES, PipelineConfig
from highlights.pipeline.damage import StreamGaps, damage_record
from highlights.pipeline.context import RunContext, default_gt_path
from highlights.pipeline.highlight import Highlight, ranked
from highlights.pipeline.kept_frames import NotKept
from highlights.pipeline.made_from import loaded_models, video_identity
from highlights.pipeline.output_version import RESULT_FORMAT
from highlights.pipeline.records import Candidate, FrameRecord
from highlights.pipeline.registry import stage_class
from highlights.pipeline.replay_kept import Replayed, can_replay, decoded_after, not_replayed_line
from highlights.pipeline.ring import TimeRing
from highlights.pipeline.roles import CandidateSource, FrameStage, Merger, Stage, WindowStage
from highlights.pipeline.trace import StageTrace
from highlights.progress_callback import ProgressCallback, ProgressSetting, bars_and_callback
from highlights.video.read_ahead import ReadAhead

log = logging.getLogger(__name__)

FRAME_STAGES = ("detection", "pose")
WINDOW_STAGES = ("kinematics", "classifier")
FOLLOW_THROUGH_S = 0.5  # seconds of pose after the last moving frame


@dataclass
class PipelineResult:
    """What `run_pipeline` and `detect.detect_highlights` give for one game.

    `highlights`: the `Highlight`s in time order, each with its `rank` by score (1 the best);
    `config`: the settings the run used; `video`: the probed video (`video.VideoInfo`'s fields);
    `backends`: the backend each stage ran; `stats`: counts, seconds per stage and the inference
    paths; `sport_read`: with `classifier.sport=auto`, the sport read from the game's windows
    (`sport_vote.SportReading.to_dict()`), None without `auto`; `damage`: the damaged packets
    skipped and the stretches left unanalysed, None when the video had none. `to_dict()` holds
    all of it in plain JSON values: highlights.json without its `candidates`. `trace` and
    `before_merge` are what the evaluation reads.
    """

    highlights: list[Highlight]
    config: PipelineConfig
    video: dict[str, Any]
    backends: dict[str, str]  # stage -> backend in use, or "off"
    inference_backend: str
    trace: StageTrace
    stats: dict[str, Any] = field(default_factory=dict)
    before_merge: list[Highlight] = field(default_factory=list)
    # The damaged packets skipped and the stretches left unanalysed (`pipeline.damage`); None: none
    damage: dict[str, Any] | None = None
    # A result of the run like its highlights, not of how it ran: beside `stats`, not in it.
    sport_read: dict[str, Any] | None = None
    # Every model file the run loaded, by content (`made_from.loaded_models`)
    models: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result in plain JSON values (`json.dumps` needs no helper), as highlights.json
        writes it less its `candidates`; its fields: docs/detect.md#reading-highlightsjson-from-a-program."""
        return {
            "format": RESULT_FORMAT,
            "highlights_version": __version__,
            "video": self.video,
            "config": self.config.to_dict(),
            "stages": self.backends,
            "inference_backend": self.inference_backend,
            "sport_read": self.sport_read,
            "models": self.models,
            "stats": self.stats,
            "damage": self.damage,
            "highlights": [h.to_dict() for h in self.highlights],
        }


def build_stages(config: PipelineConfig, context: RunContext) -> dict[str, Stage]:
    """The stage objects of a run. Candidates off = dense windows (everything is a candidate)."""
    stages: dict[str, Stage] = {}
    try:
        backend = config.candidates.backend if config.candidates.enabled else "dense"
        stages["candidates"] = stage_class("candidates", backend)(config, context)
        for name in STAGES[1:]:
            if config.enabled(name):
                stages[name] = stage_class(name, config.section(name).backend)(config, context)
        if "classifier" in stages:
            stages["classifier"].check_settings()  # e.g. a sport the model has no class of: refused before decoding
    except BaseException:
        for stage in stages.values():
            stage.close()
        raise
    return stages


def _signatures(config: PipelineConfig, stages: dict[str, Stage], video_path: Path) -> dict[str, tuple]:
    """Cache keys of the frame stages: their own settings plus everything upstream of them."""
    analysis = config.analysis
    sig: tuple = ("stream", str(video_path), analysis.fps, analysis.short_side, analysis.interpolation)
    if config.candidates.active_frames_only:
        sig += stages["candidates"].cache_key() + (("candidates", config.candidates.enabled),)
    out = {}
    for name in FRAME_STAGES:
        if name in stages:
            sig = sig + stages[name].cache_key()
            out[name] = sig
    return out


def _run_frame_stage(stage: FrameStage, rec: FrameRecord, cache: dict | None, signature: tuple) -> None:
    if cache is None or not stage.frame_fields:
        stage.on_frame(rec)
        return
    key = ("frame", signature, rec.index)
    hit = cache.get(key)
    if hit is not None:
        for name, value in hit.items():
            setattr(rec, name, deepcopy(value))
        return
    stage.on_frame(rec)
    cache[key] = {name: deepcopy(getattr(rec, name)) for name in stage.frame_fields}


def frame_outputs(cache: dict) -> dict:
    """The per-frame stage outputs (detection, pose) of a run's cache: what may be kept on disk and
    given to a later run. Their keys name the video and every setting they depend on; the
    classifier's window probabilities also depend on the model file's content, which their key
    does not name, so a kept copy of them would be read back after the model changed."""
    return {key: value for key, value in cache.items() if key[0] == "frame"}


def _shrink(rgb: np.ndarray, short_side: int) -> np.ndarray:
    """The frame as kept for classifier windows. The classifier resizes each clip to its short
    side itself, so a frame is shrunk here only to bound the ring's memory when the analysis
    stream is much larger than the clips: resizing every analysis frame (10 a second) costs more
    than resizing the few that end up in a window, and one resize instead of two keeps the
    pixels exactly those of a clip read from the file at the analysis size."""
    h, w = rgb.shape[:2]
    if min(h, w) <= 1.5 * short_side:
        return rgb
    import cv2

    scale = short_side / min(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def run_pipeline(video_path: str | Path, config: PipelineConfig | None = None, *,
                 annotation=None, gt_path: str | Path | None = None, cache: dict | None = None,
                 progress: ProgressSetting = True, on_video_s: Callable[[float], None] | None = None,
                 kept_frames=None, say: Callable[[str], None] | None = None) -> PipelineResult:
    """Find the highlights of one game. `annotation` (a GameAnnotation) is only read by the oracle
    classifier; `cache` (a dict) lets consecutive runs with different configs share stage outputs.
    `progress`: the terminal's bar (True), nothing (False), or `progress("analysis", seconds of
    video analysed, the video's seconds)` each time the bar would move (`highlights.progress_callback`);
    `on_video_s` is called with the seconds of video analysed so far at the same moments.
    `kept_frames` (a `pipeline.kept_frames.KeptFrames`) reads back the detections an earlier,
    stopped run of the video kept and keeps this run's as it goes; `say` is told, in one line,
    when the run goes on from an earlier one."""
    from highlights.video import probe
    from highlights.video.tail_check import check_end_present
    from highlights.video.timeline_check import check_one_timeline
    from highlights.video.unchanged_check import file_state

    config = config or PipelineConfig()
    bars, report = bars_and_callback(progress)
    video_path = Path(video_path)
    before = file_state(video_path)
    info = probe(video_path)
    check_one_timeline(video_path)  # joined .ts recordings: a length and times that would be wrong
    # A cut-off upload is refused before its first part is read, not after (minutes of a long game).
    check_end_present(video_path, float(info.duration_s), _end_slack_s(config, info))
    if gt_path is None:
        gt_path = config.analysis.gt_path or default_gt_path(video_path)
    context = RunContext(video_path=video_path, info=info, annotation=annotation,
                         gt_path=Path(gt_path), cache=cache, progress=bars, kept_frames=kept_frames,
                         file_state=before)
    if kept_frames is not None and say is not None:
        going_on = kept_frames.going_on_line(float(info.duration_s), float(info.start_s))
        if going_on:
            say(going_on)
    try:
        try:
            return _run(video_path, config, context, bars, report, on_video_s, replay=True, say=say)
        except NotKept as missing:
            # Kept chunks that say less than they should (never written so): decoding every frame
            # from the start gives the result an uninterrupted run gives, at the old cost.
            log.warning("%s: %s; the video is decoded again from its start", kept_frames.folder, missing)
            kept_frames.forget_pending()
            context = RunContext(video_path=video_path, info=info, annotation=annotation,
                                 gt_path=Path(gt_path), cache=cache, progress=bars, kept_frames=kept_frames,
                                 file_state=before)
            return _run(video_path, config, context, bars, report, on_video_s, replay=False)
    except KeyboardInterrupt:
        if kept_frames is not None:
            kept_frames.keep_tail()  # the frames after the last whole chunk, not found again next time
        raise


def _run(video_path: Path, config: PipelineConfig, context: RunContext, bars: bool,
         report: ProgressCallback | None, on_video_s: Callable[[float], None] | None, *,
         replay: bool, say: Callable[[str], None] | None = None) -> PipelineResult:
    """`run_pipeline`'s stream through the stages; with `replay`, the frames whose work an
    earlier, stopped run kept are replayed from its chunks rather than decoded, where they can be
    (`say` is told in one line why not, when the video no longer gives the last kept frame)."""
    kept_frames = context.kept_frames
    started = time.perf_counter()
    with context.clock.time("setup"):
        stages = build_stages(config, context)
    try:
        run = _StreamingRun(video_path, config, context, stages)
        frames = run.open_frames(replay, say)
        with _Progress(enabled=bars, total_s=_pictures_length_s(context.info), label=video_path.name,
                       report=report, on_video_s=on_video_s, first_s=float(context.info.start_s),
                       read_back_until_s=kept_frames.went_on_from_s if kept_frames is not None else None) as bar, \
                _closing(frames):
            run.analyse(chain(run.replayed, frames), bar)
            run.end_of_stream()
        return run.result(started, frames)
    finally:
        for stage in stages.values():
            stage.close()


class _StreamingRun:
    """`_run`'s stages by role, the buffers between them and what the stream has found so far."""

    def __init__(self, video_path: Path, config: PipelineConfig, context: RunContext, stages: dict[str, Stage]):
        self.video_path, self.config, self.context, self.stages = video_path, config, context, stages
        self.clock = context.clock
        self.source: CandidateSource = stages["candidates"]
        self.frame_stages: list[FrameStage] = [stages[n] for n in FRAME_STAGES if n in stages]
        self.window_stages: list[WindowStage] = [stages[n] for n in WINDOW_STAGES if n in stages]
        self.merger: Merger | None = stages.get("merge")
        buffer_s = config.analysis.buffer_s
        capacity = int(math.ceil(buffer_s * config.analysis.fps)) + 2
        context.records = TimeRing(buffer_s, capacity)
        # The smallest short side any window stage cuts clips at: frames are kept at that size.
        pixel_sides = [s for s in (stage.pixels_short_side() for stage in self.window_stages) if s is not None]
        self.keep_side = min(pixel_sides) if pixel_sides else None
        if self.keep_side is not None:
            context.frames = TimeRing(buffer_s, capacity)
        self.signatures = _signatures(config, stages, video_path)
        self.queues: list[list[Candidate]] = [[] for _ in self.window_stages]
        self.before_merge: list[Candidate] = []
        self.counts = {"analysis_frames": 0, "frames_through_detection_or_pose": 0}
        self.last_active_s = -math.inf

    def open_frames(self, replay: bool, say: Callable[[str], None] | None):
        """The decoded frames (to close), after `self.replayed`: the first frames, replayed from
        what an earlier, stopped run kept, where they can be."""
        from highlights.video import iter_frames
        from highlights.video.reader import DecodeDamage

        config, info, kept_frames = self.config, self.context.info, self.context.kept_frames
        # Whether this run keeps what the candidate source made of each frame, so that a run going
        # on after a stop can replay the kept frames without decoding them (`pipeline.kept_frames`).
        self.replayable = kept_frames is not None and can_replay(config, self.stages, self.frame_stages,
                                                                  self.keep_side, self.context.cache)
        kept_stream = kept_frames.stream if replay and self.replayable else None
        decoded = None
        self.skipped = DecodeDamage()
        self.gaps = StreamGaps(1.0 / config.analysis.fps, 1.0 / info.fps if info.fps else 0.0, float(info.start_s))
        if kept_stream:
            decoded = self._decoded_after_kept(say)
            if decoded is None:
                kept_stream = None
                self.skipped = DecodeDamage()  # the video is read from its start: all its damage is counted
        if decoded is None:
            decoded = iter_frames(self.video_path, target_fps=config.analysis.fps,
                                  max_short_side=config.analysis.short_side,
                                  interpolation=config.analysis.interpolation, threads=config.analysis.decode_threads,
                                  damage=self.skipped)
        self.replaying = len(kept_stream) if kept_stream else 0  # the first frames, replayed undecoded
        self.replayed = (Replayed(t, values) for t, values in kept_stream.frames()) if self.replaying else iter(())
        self.replayed_size = kept_frames.stream_end["size"] if self.replaying else None
        if kept_frames is not None:
            kept_frames.replayed_frames = self.replaying
        ahead = config.analysis.decode_ahead
        return ReadAhead(decoded, depth=ahead, name="decode") if ahead > 0 else decoded

    def _decoded_after_kept(self, say: Callable[[str], None] | None):
        """The frames after the last kept one, decoded from a seek; None (and said why) if it is not found again."""
        from highlights.video.reader import DecodeDamage

        kept_frames = self.context.kept_frames
        last_s = float(kept_frames.stream.times[-1])
        # The damage the earlier run's reader had counted when it kept the last chunk: this reader
        # counts only the packets after those it had read, which the seek reads again.
        self.skipped = DecodeDamage.going_on_from(kept_frames.stream_end["damage"])
        decoded, why_not = decoded_after(self.video_path, self.config, last_s, kept_frames.stream_end, self.skipped)
        if decoded is None:
            # Without it the run costs what decoding the kept part costs again (most of going on's
            # saving): said, so that a run as slow as a fresh one is not a mystery.
            line = not_replayed_line(self.video_path, kept_frames.folder, kept_frames.went_on_from_s or last_s,
                                      last_s, why_not)
            (say or log.info)(line)
        return decoded

    def analyse(self, stream, bar: "_Progress") -> None:
        """Every frame through the candidate source and, where wanted, the frame stages, into the
        buffers; each window stage takes a candidate once the stream has passed its last frame."""
        # Frame stages that run models on a pool of workers see the next few decoded frames
        # while the current one is active (the next ones most likely are too) and start on them
        # (not when a cache already holds this frame's results: the next ones are likely cached too).
        depth = max((stage.lookahead() for stage in self.frame_stages), default=0)
        depth_done = max((stage.lookahead_done() for stage in self.frame_stages), default=0)
        upcoming: deque = deque()
        while True:
            frame = upcoming.popleft() if upcoming else next(stream, None)
            if frame is None:
                break
            rec, new = self._candidates(frame)
            self._frame_stages(rec, stream, upcoming, (depth, depth_done))
            self._keep_and_buffer(rec, frame)
            self._queue(new)
            self._advance(rec.time_s)
            bar.update(rec.time_s)

    def _candidates(self, frame) -> tuple[FrameRecord, list[Candidate]]:
        """The frame's record, and the candidates the source finished on it."""
        rec = FrameRecord(index=self.counts["analysis_frames"], time_s=float(frame.time_s), rgb=frame.rgb,
                          size=self.replayed_size if frame.rgb is None else None)
        self.counts["analysis_frames"] += 1
        self.gaps.add(rec.time_s)
        self.context.stream_time_s = rec.time_s
        with self.clock.time("candidates"):
            if frame.rgb is None:
                new = self.source.replay(rec, frame.values)
                if rec.index == self.replaying - 1:
                    self.source.restore(self.context.kept_frames.stream_end["state"])  # the next frame is decoded
            else:
                new = self.source.on_frame(rec)
        if rec.active:
            self.last_active_s = rec.time_s
        return rec, new

    def _frame_stages(self, rec: FrameRecord, stream, upcoming: deque,
                      depths: tuple[int, int]) -> None:
        """The frame stages on `rec`; `depths`: the frames they start ahead while it runs
        (`lookahead`) and once it has run (`lookahead_done`), taken from `stream` into
        `upcoming`."""
        # Pose also runs for a moment after motion stops: a brief action (a far player's
        # swing is active for a frame or two) needs its follow-through measured for
        # kinematics to see a speed peak.
        after_motion = rec.time_s - self.last_active_s <= FOLLOW_THROUGH_S
        if not (self.frame_stages and (rec.active or after_motion or not self.config.candidates.active_frames_only)):
            return
        cache = self.context.cache
        ahead = depths[0] and (cache is None or any(
            ("frame", self.signatures[stage.name], rec.index) not in cache
            for stage in self.frame_stages if stage.frame_fields))
        if ahead:
            self._prefetch(rec, stream, upcoming, depths[0])
        for stage in self.frame_stages:
            with self.clock.time(stage.name):
                _run_frame_stage(stage, rec, cache, self.signatures[stage.name])
        if ahead:
            self._prefetch(rec, stream, upcoming, depths[1])
        self.counts["frames_through_detection_or_pose"] += 1

    def _prefetch(self, rec: FrameRecord, stream, upcoming: deque, depth: int) -> None:
        """The next `depth` frames taken from `stream` into `upcoming` and offered to the frame
        stages' `prefetch` (a stage ignores a frame it has already started)."""
        while len(upcoming) < depth and (ahead := next(stream, None)) is not None:
            upcoming.append(ahead)  # waiting for it counts as decode_wait
        for k, ahead in enumerate(upcoming):
            if ahead.rgb is None:
                continue  # replayed: its people are read back when it comes
            for stage in self.frame_stages:
                stage.prefetch(rec.index + 1 + k, ahead.rgb)

    def _keep_and_buffer(self, rec: FrameRecord, frame) -> None:
        context, kept_frames = self.context, self.context.kept_frames
        if kept_frames is not None:
            kept_frames.note_frame(rec.index, rec.time_s, self.source.kept_values(rec) if self.replayable else None,
                                   frame.rgb, self.source.kept_state, self.skipped)
            kept_frames.frame_done(rec.index, rec.time_s)
        with self.clock.time("buffers"):
            if context.frames is not None:
                context.frames.push(rec.time_s, _shrink(frame.rgb, self.keep_side))
            rec.rgb = None  # pixels live on only in the classifier's ring
            context.records.push(rec.time_s, rec)
            context.trace.add_frame(rec.time_s, rec.motion, rec.active,
                                    None if rec.persons is None else len(rec.persons), rec.pose_ok,
                                    cut=rec.cut)

    def _queue(self, candidates: list[Candidate]) -> None:
        if self.window_stages:
            self.queues[0].extend(candidates)
        else:
            self.before_merge.extend(candidates)

    def _advance(self, now_s: float, final: bool = False) -> None:
        carry: list[Candidate] = []
        for i, stage in enumerate(self.window_stages):
            queue = self.queues[i] + carry
            ready = [c for c in queue if final or stage.needs_frames_until(c) <= now_s + 1e-6]
            self.queues[i] = [c for c in queue if not (final or stage.needs_frames_until(c) <= now_s + 1e-6)]
            with self.clock.time(stage.name):
                carry = stage.on_candidates(ready) if ready else []
                if final:
                    carry += stage.finish()  # e.g. the classifier's last, partial batch
        self.before_merge.extend(carry)

    def end_of_stream(self) -> None:
        """Checks the video was read whole, then finishes the source's and the window stages' last candidates."""
        from highlights.video import check_frames_reach_end
        from highlights.video.unchanged_check import check_unchanged

        context, info, kept_frames = self.context, self.context.info, self.context.kept_frames
        if kept_frames is not None:
            kept_frames.keep_tail()  # the last, partial chunk: a stop while writing the outputs loses none
        # A file still being written was read up to where it then ended; one cut off after its
        # index decodes only its first part: highlights of that part reported as the whole
        # game's would be wrong about the rest of it.
        check_unchanged(self.video_path, context.file_state)
        check_frames_reach_end(self.video_path, float(info.duration_s),
                               context.stream_time_s if self.counts["analysis_frames"] else None,
                               _end_slack_s(self.config, info))
        if self.counts["analysis_frames"] == 1 and not self.replaying:
            # A picture saved as a one-frame video (a phone's "export as video" of a photo): no
            # motion to look at, so it would read as a game with nothing in it, exit status 0.
            from highlights.video import VideoError

            what = ("a still picture, not a video of play" if info.num_frames <= 1 else
                    f"too short to hold play (analysed at {self.config.analysis.fps:g} fps)")
            seconds = float(info.duration_s)
            raise VideoError(self.video_path,
                             f"only 1 frame to look at in {seconds:.2f} s of video: {what}")
        with self.clock.time("candidates"):
            tail = self.source.finish()
        self._queue(tail)
        self._advance(context.stream_time_s, final=True)

    def result(self, started: float, frames) -> PipelineResult:
        """The merged, ranked highlights, with the trace and the run's figures."""
        context, stages = self.context, self.stages
        context.trace.before_merge = [_brief(c) for c in self.before_merge]
        if self.skipped.packets:
            context.trace.unanalysed_s = list(self.gaps.gaps)
        with self.clock.time("merge"):
            final = self.merger.merge(self.before_merge) if self.merger is not None else self.before_merge
        highlights = ranked([Highlight.from_candidate(c) for c in final])
        looked = self.counts["frames_through_detection_or_pose"] > 0
        no_person = looked and not any(n > 0 for n in context.trace.frame_persons)
        if no_person:
            # Whatever motion or a pixel classifier saw, a highlight is a person's action.
            highlights = []
        reports = {name: stage.report() for name, stage in stages.items()}
        elapsed = time.perf_counter() - started
        stats = self._stats(reports, elapsed, no_person, _stage_seconds(self.clock, frames, elapsed))
        backends = {n: (stages[n].backend if n in stages else "off") for n in STAGES}
        if not self.config.candidates.enabled:
            backends["candidates"] = "off (dense)"
        return PipelineResult(
            highlights=highlights, config=self.config, backends=backends,
            video={**asdict(context.info), **video_identity(self.video_path)}, models=loaded_models(self.config),
            inference_backend=reports.get("classifier", {}).get("inference_backend", "none"),
            trace=context.trace, stats=stats,
            before_merge=[Highlight.from_candidate(c) for c in self.before_merge],
            damage=damage_record(self.skipped, self.gaps), sport_read=reports.get("classifier", {}).get("sport_read"))

    def _stats(self, reports: dict[str, dict], elapsed: float, no_person: bool,
               stage_seconds: dict[str, float]) -> dict[str, Any]:
        context = self.context
        classifier_report = reports.get("classifier", {})
        return {
            **self.counts,
            "classifier_windows": len(context.trace.classifications),
            "frame_buffer_capacity": context.frames.capacity if context.frames else 0,
            "frame_buffer_max_frames": context.frames.max_len_seen if context.frames else 0,
            "classifier_max_waiting_clips": classifier_report.get("max_waiting_clips", 0),
            **({"inference_path": classifier_report["inference_path"]}
               if "inference_path" in classifier_report else {}),
            "record_buffer_max": context.records.max_len_seen,
            "seconds": round(elapsed, 3),
            # of the pictures' length: a file whose clock starts an hour in ends an hour past its
            # length; and of the seconds as stored, so that the stored figures divide to it
            "speed_x_realtime": (round(_pictures_length_s(context.info) / round(elapsed, 3), 2)
                                 if round(elapsed, 3) > 0 else None),
            "no_person_found": no_person,
            # pose.refine: frames estimated again, those it found no one in, windows it dropped
            **({"pose_refine": reports["kinematics"]["refine"]} if "refine" in reports.get("kinematics", {}) else {}),
            "stage_seconds": stage_seconds,
            **{"movenet_path": reports[name]["movenet_path"] for name in reversed(FRAME_STAGES)
               if "movenet_path" in reports.get(name, {})},
        }


def _pictures_length_s(info) -> float:
    """Seconds from the video's first picture to its end: what a run analyses."""
    return max(0.0, float(info.duration_s) - float(info.start_s))


def _end_slack_s(config: PipelineConfig, info) -> float:
    """How far before the promised end the last analysed frame may lie: a sampling step and a frame."""
    return 1.0 / config.analysis.fps + (1.0 / info.fps if info.fps else 0.0)


@contextmanager
def _closing(frames):
    try:
        yield frames
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def _stage_seconds(clock, frames, elapsed: float) -> dict[str, float]:
    """Seconds of the run per stage on the main thread (they add up to the run's time, `other`
    being what no stage claims), then the decoder's own thread, which overlaps them, and parts
    of a stage (`movenet.network` inside detection or pose) as dotted names."""
    if isinstance(frames, ReadAhead):
        clock.add("decode_wait", frames.waited_s)
        clock.add("decode_thread", frames.busy_s)
    main = sum(s for name, s in clock.seconds.items() if "." not in name and name != "decode_thread")
    clock.add("other", max(0.0, elapsed - main))
    return clock.rounded()


def _brief(c: Candidate) -> dict[str, Any]:
    return {"start_s": round(c.start_s, 3), "end_s": round(c.end_s, 3), "key_s": round(c.moment_s, 3),
            "label": c.label, "score": round(float(c.score), 4)}


class _Progress:
    """Progress over video time: a rich bar with an ETA, the caller's functions, or nothing; all
    told at the same moments, once per second of video and when the video is done.

    A run that goes on reads the video up to `read_back_until_s` back from what an earlier run
    kept, several times faster than it analyses the rest: until it gets there the bar shows no
    ETA (from the speed of the part read back it would be several times too short), and from
    there on one from the speed of the rest alone. With every frame read back the ETA is rich's.

    Video time counts from the first picture (`first_s` on the player's timeline): a file whose
    clock starts an hour in has analysed none of it at its first picture, not an hour."""

    STAGE = "analysis"

    def __init__(self, *, enabled: bool, total_s: float, label: str, report: ProgressCallback | None = None,
                 on_video_s: Callable[[float], None] | None = None, read_back_until_s: float | None = None,
                 first_s: float = 0.0) -> None:
        self.enabled, self.total_s, self.label = enabled, max(total_s, 1e-6), label
        self.report, self.on_video_s = report, on_video_s
        self.first_s = first_s
        if read_back_until_s is not None:
            read_back_until_s -= first_s
        # Every frame read back (a run stopped while it wrote its outputs): that speed is the run's.
        everything = read_back_until_s is not None and read_back_until_s + 1.0 >= total_s
        self.read_back_until_s = None if not read_back_until_s or everything else read_back_until_s
        self._progress = self._task = None
        self._last = 0.0

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.progress import TextColumn

            from highlights.progress import progress_bar

            self._progress = progress_bar(amount=TextColumn("{task.completed:.0f}/{task.total:.0f} s of video"))
            self._progress.__enter__()
            from highlights.progress import LATER

            self._task = self._progress.add_task(self.label, total=self.total_s,
                                                 rate_from=LATER if self.read_back_until_s is not None else None)
        return self

    def update(self, time_s: float) -> None:
        done_s = time_s - self.first_s
        if done_s - self._last >= 1.0:
            self._tell(min(done_s, self.total_s))
            self._last = done_s

    def _tell(self, done_s: float) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done_s)
            if self.read_back_until_s is not None and done_s >= self.read_back_until_s:
                self.read_back_until_s = None  # the rest starts here: its speed alone gives the ETA
                self._progress.update(self._task, rate_from=(self._progress.get_time(), done_s))
        if self.report is not None:
            self.report(self.STAGE, done_s, self.total_s)
        if self.on_video_s is not None:
            self.on_video_s(done_s)

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                self._tell(self.total_s)
        finally:
            if self._progress is not None:
                self._progress.__exit__(*exc)
