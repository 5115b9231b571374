"""MoveNet MultiPose with tracking, shared by the `movenet` detection and pose backends.

One network pass per analysis frame finds every person (up to 6 a pass; `detection.movenet_tiles`
> 1 adds overlapping strips so far, small players are seen at more pixels) with a box and the 17
COCO keypoints. `IouTracker` gives each a `track_id` that stays the same while the person stays in
view; a scene cut ends every track. Keypoints are in source-video pixels of the upright frame;
visibility is MoveNet's keypoint score.

Small players (`detection.movenet_zoom` > 1): where the people seen a few frames earlier are
small for the network (under `movenet_zoom_target_px` tall in its input), the pass runs over a
region of the frame that holds them all (`people.zoom`), seen up to `movenet_zoom` times larger
at no more cost; every `movenet_whole_every`-th frame the whole frame is searched as well, so
people outside the region are found. The region of frame n is placed from the people of a frame
at least `ZOOM_LAG` frames earlier, never from frames still running on the workers: what a frame
sees does not depend on how many frames run ahead, so every path gives the same people.
"""

from __future__ import annotations

import time

import numpy as np

from highlights.pipeline.records import FrameRecord, Person

SHARED_KEY = "movenet"
# Frames between the one whose people place a zoom region and the frame zoomed; the workers are
# never given more frames ahead than this less one (at 10 analysis frames a second, 0.4 s: the
# region's margins cover a sprinter's run meanwhile).
ZOOM_LAG = 4
# A region is placed only from people seen at most this many frames before the lag (else the
# whole frame is searched): after a pause in the motion, the people may be anywhere.
ZOOM_STALE = 3


class MoveNetPeople:
    """One MoveNet estimator and one tracker per run; the people of a frame computed once."""

    def __init__(self, settings, context=None, analysis_short_side: int | None = None) -> None:
        from highlights.people import IouTracker
        from highlights.people.movenet_paths import MoveNetPath

        self.clock = context.clock if context is not None else None
        make = lambda path, model_bytes=None: movenet_estimator(settings, path, model_bytes)  # noqa: E731
        if settings.movenet_threads > 0:  # the user's own setting: nothing to measure
            self.estimator = make(MoveNetPath(threads=settings.movenet_threads,
                                              workers=max(1, settings.movenet_workers)))
            self.path_report = {"path": self.estimator.path.label,
                                "source": "detection.movenet_threads, detection.movenet_workers"}
        else:
            first = make(MoveNetPath(threads=1))  # checks the model file before anything is timed
            size = analysis_size(context.source_size, analysis_short_side) if context is not None else (320, 180)
            path, report = choose_movenet_path(first, size, settings.movenet_tiles,
                                               remeasure=settings.movenet_remeasure)
            first.close()
            self.estimator = make(path, first.model_bytes)
            self.path_report = {"path": path.label, **{k: v for k, v in report.items()
                                                       if k in ("source", "cache", "others_busy_cores", "stored",
                                                                "cache_unwritable")}}
        # Detections an earlier, stopped run of this video found (`pipeline.kept_frames`), read back
        # in place of the network's pass; what this run finds is kept for a later one.
        self.kept = getattr(context, "kept_frames", None)
        self.tracker = IouTracker(max_age_s=settings.track_max_age_s, min_similarity=settings.track_min_similarity)
        self.frames_per_worker = int(settings.movenet_frames_per_worker)
        self.interpolate_below = float(settings.movenet_interpolate_below)
        self.interpolated_frames = 0
        self.zoom = float(settings.movenet_zoom) if self.estimator.tiles == 1 else 1.0
        self.zoom_target_px = float(settings.movenet_zoom_target_px)
        self.whole_every = max(1, int(settings.movenet_whole_every))
        self.zoomed_frames = 0
        self.whole_passes = 0
        self._placed: dict[int, list] = {}  # frame index -> boxes found (analysis pixels), recent frames
        self._last_cut = -1
        self._measured: tuple[int, float, list] | None = None  # the last frame the network ran on
        self._last: tuple[int, list[Person]] | None = None
        self._ahead: dict[int, object] = {}  # frame index -> Future of its detections
        self._ahead_plan: dict[int, tuple] = {}  # frame index -> the plan it was started with

    def lookahead(self) -> int:
        """Frames to start ahead of this one on MoveNet's workers: `frames_per_worker` queued on each.
        With one frame a worker, a worker sits idle while the main thread tracks, buffers and
        classifies the frame it just finished; a second one queued keeps it busy meanwhile. With
        strips (tiles > 1) the workers share the passes of one frame instead."""
        if self.estimator.tiles > 1:
            return 0
        ahead = max(0, self.frames_per_worker * len(self.estimator._interpreters) - 1)
        return min(ahead, ZOOM_LAG - 1) if self.zoom > 1 else ahead

    def lookahead_done(self) -> int:
        """Frames to have started once this one's people are known: one more than `lookahead`.
        The worker this frame held is free, and the zoom region of the frame `ZOOM_LAG` after it
        is placed from its people, now known. Started before the runner buffers this frame and
        runs kinematics and the classifier, it keeps the workers' queues full meanwhile."""
        ahead = self.lookahead()
        return ahead + 1 if ahead else 0

    def plan(self, index: int, size: tuple[int, int]) -> tuple[tuple[int, int, int, int] | None, bool]:
        """(zoom region or None, whether the whole frame is searched) for frame `index` of `size`
        (width, height), from the people of the last frame measured at least `ZOOM_LAG` before it."""
        if self.zoom <= 1:
            return None, True
        ref = max((i for i in self._placed if i <= index - ZOOM_LAG), default=None)
        if ref is None or index - ref > ZOOM_LAG + ZOOM_STALE or ref <= self._last_cut:
            return None, True
        from highlights.people.zoom import zoom_region

        region = zoom_region(size, self._placed[ref], input_long_side=self.estimator.input_long_side,
                             target_px=self.zoom_target_px, max_zoom=self.zoom)
        return region, region is None or index % self.whole_every == 0

    def prefetch(self, index: int, rgb) -> None:
        if self.interpolate_below > 0 and index % 2:
            return  # may be drawn from its neighbours: started only once they say it must be measured
        if self.lookahead() and index not in self._ahead and (self._last is None or index > self._last[0]):
            plan = self.plan(index, (rgb.shape[1], rgb.shape[0]))
            kept = self.kept.future(index, plan) if self.kept is not None else None
            self._ahead[index] = kept if kept is not None else self.estimator.submit(rgb, *plan)
            self._ahead_plan[index] = plan

    def people(self, frame: FrameRecord, source_size: tuple[int, int]) -> list[Person]:
        if self._last is not None and self._last[0] == frame.index:
            return self._last[1]
        if frame.cut:
            self.tracker.reset()
            self._last_cut = frame.index
        w, h = frame.frame_size()
        sx, sy = source_size[0] / w, source_size[1] / h
        started = time.perf_counter()
        # Work started ahead for frames that then turned out inactive is dropped.
        for index in [i for i in self._ahead if i < frame.index]:
            self._ahead.pop(index).cancel()
            self._ahead_plan.pop(index, None)
        future = self._ahead.pop(frame.index, None)
        plan = self.plan(frame.index, (w, h))
        if future is not None and self._ahead_plan.pop(frame.index, None) != plan:
            future.cancel()  # started before a scene cut it did not know of
            future = None
        found = None if frame.cut else self._interpolated(frame)
        if found is not None:
            if future is not None:
                future.cancel()
            self.interpolated_frames += 1
        else:
            if future is None and self.kept is not None:
                future = self.kept.future(frame.index, plan)
            if future is None and frame.rgb is None:
                from highlights.pipeline.kept_frames import NotKept

                raise NotKept(frame.index)
            if future is None:
                # Once frames run on the workers, this one must too: a worker's interpreters are its own.
                future = self.estimator.submit(frame.rgb, *plan) if self.lookahead() else None
            found = future.result() if future is not None else self.estimator(frame.rgb, *plan)
            self._measured = (frame.index, frame.time_s, found)
            if self.kept is not None:
                self.kept.put(frame.index, plan, found)
            self.zoomed_frames += plan[0] is not None
            self.whole_passes += plan[1]
        self._placed[frame.index] = [d.box for d in found]
        for index in [i for i in self._placed if i < frame.index - ZOOM_LAG - ZOOM_STALE]:
            del self._placed[index]
        network_done = time.perf_counter()
        ids = self.tracker.update(frame.time_s, [d.box for d in found])
        if self.clock is not None:
            self.clock.add("movenet.network", network_done - started)
            self.clock.add("movenet.tracking", time.perf_counter() - network_done)
        persons = []
        for d, track in zip(found, ids):
            kp = d.keypoints.copy()
            kp[:, 0] *= sx
            kp[:, 1] *= sy
            x1, y1, x2, y2 = d.box
            persons.append(Person(box=(x1 * sx, y1 * sy, x2 * sx, y2 * sy), score=d.score, keypoints=kp,
                                  track_id=int(track)))
        self._last = (frame.index, persons)
        return persons

    def _interpolated(self, frame: FrameRecord):
        """This frame's detections drawn between the last measured frame (just before it) and the
        next frame (already started on a worker), or None: see `people.interpolation`. Only
        odd-numbered frames are drawn, so each drawn one sits between two measured ones; they
        are not started ahead (that would spend the pass this saves)."""
        if (self.interpolate_below <= 0 or frame.index % 2 == 0 or self._measured is None
                or self._measured[0] != frame.index - 1):
            return None
        following = self._ahead.get(frame.index + 1)
        size = frame.frame_size()
        if following is None or self._ahead_plan.get(frame.index + 1) != self.plan(frame.index + 1, size):
            return None  # not started, or started before a scene cut it did not know of
        from highlights.people.interpolation import between

        # Analysis frames lie on a regular grid: the next one is as far ahead as the last was behind.
        step = frame.time_s - self._measured[1]
        return between(self._measured[2], following.result(), 0.5, dt_s=2 * step,
                       slow_below=self.interpolate_below)

    def close(self) -> None:
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()
        self._ahead_plan.clear()
        self.estimator.close()


def shared_movenet(config, context) -> MoveNetPeople:
    """One model and tracker per run (settings in the `detection` section)."""
    model = context.shared.get(SHARED_KEY)
    if model is None:
        model = context.shared[SHARED_KEY] = MoveNetPeople(config.detection, context, config.analysis.short_side)
    return model


def movenet_estimator(settings, path=None, model_bytes: bytes | None = None):
    """A MoveNet estimator with the `detection` section's settings (one thread unless `path`)."""
    from highlights.people import MoveNetMultiPose
    from highlights.people.movenet_paths import MoveNetPath

    return MoveNetMultiPose(input_long_side=settings.movenet_input_long_side, tiles=settings.movenet_tiles,
                            min_score=settings.movenet_min_score, model_path=settings.movenet_model_path,
                            path=path or MoveNetPath(threads=1), model_bytes=model_bytes,
                            whole_long_side=settings.movenet_whole_long_side or None)


def analysis_size(source_size: tuple[int, int], short_side: int | None) -> tuple[int, int]:
    """The (width, height) of the analysis frames MoveNet will see (as `iter_frames` scales)."""
    w, h = source_size
    if short_side and min(w, h) > short_side:
        scale = short_side / min(w, h)
        w, h = max(2, round(w * scale)), max(2, round(h * scale))
    return int(w), int(h)


def timing_frame(size: tuple[int, int]) -> np.ndarray:
    """A fixed, textured RGB frame of `size`: what MoveNet finds does not change what a pass
    costs, and the same pixels let every path's output be compared number for number."""
    w, h = size
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (max(1, h // 8), max(1, w // 8), 3), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(coarse, 8, axis=0), 8, axis=1)[:h, :w]
                                if h >= 8 and w >= 8 else rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def choose_movenet_path(estimator, size: tuple[int, int], tiles: int, *, remeasure: bool = False,
                        rounds: int = 3, progress=None):
    """The MoveNet path for frames of `size` on this CPU: cached, or timed now (a few seconds)."""
    from highlights.people import MoveNetMultiPose
    from highlights.people.movenet import input_shape
    from highlights.people.movenet_paths import choose_path

    frame = timing_frame(size)
    in_w, in_h, _ = input_shape(size[0], size[1], estimator.input_long_side)

    def factory(path):
        return MoveNetMultiPose(input_long_side=estimator.input_long_side, tiles=tiles,
                                min_score=estimator.min_score, path=path, model_bytes=estimator.model_bytes)

    return choose_path(factory, frame, tiles=tiles, input_size=(in_w, in_h), remeasure=remeasure,
                       rounds=rounds, raw_of=lambda est: est.raw(frame), progress=progress)


def release_movenet(context) -> None:
    model = context.shared.pop(SHARED_KEY, None)
    if model is not None:
        model.close()


class SharedMoveNetHooks:
    """What the movenet detection and pose stages both answer the runner: they share one MoveNet
    pass a frame, so lookahead, prefetch, the path report and release all go to that one pass."""

    def lookahead(self) -> int:
        return shared_movenet(self.config, self.context).lookahead()

    def lookahead_done(self) -> int:
        return shared_movenet(self.config, self.context).lookahead_done()

    def prefetch(self, index: int, rgb) -> None:
        shared_movenet(self.config, self.context).prefetch(index, rgb)

    def report(self) -> dict:
        model = shared_movenet(self.config, self.context)
        extra = {"interpolated_frames": model.interpolated_frames} if model.interpolate_below > 0 else {}
        if model.zoom > 1:
            extra.update(zoomed_frames=model.zoomed_frames, whole_frame_passes=model.whole_passes)
        return {"movenet_path": {**model.path_report, **extra}}

    def close(self) -> None:
        release_movenet(self.context)
