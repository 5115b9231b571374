"""Clip classification of candidate windows: what every classifier backend shares.

The backends (`highlights.pipeline.stages`) supply `classes` and `predict`:
- `checkpoint`: the trained `highlights.model.ClipClassifier` (the real one).
- `untrained`: a tiny randomly initialised R(2+1)D, for mechanics tests without a checkpoint.
- `oracle`: reads the annotation's events and answers what a perfect classifier would
  (`classifier.oracle_accuracy` < 1 makes it wrong on a fixed share of events); for attribution tests.

Frames: `spec.num_frames` spread over a window, at the classifier's size. A keyed candidate (from
kinematics) is classified on one window centred on its key moment; a backend that reads one
person's pose (`per_track`) classifies that window on the track whose motion triggered it, not
on whoever else moves in the frame (a window is keyed by its times and that track); an unkeyed one on windows every
`classifier.stride_s` across it, each positive window becoming a candidate of its own (merge
then keeps the best). Probabilities are cached per window in the run's cache, so an ablation that
changes neither what the probabilities depend on in the classifier's section nor the analysis
stream reuses them.

With `classifier.overlap` (the default) a network backend runs its batches on one background
thread while the main thread goes on decoding: PyTorch releases the interpreter lock inside
its kernels (and ONNX Runtime runs outside it), so inference partly hides behind decoding
instead of adding to it. At most one batch is in flight and one waits; a full waiting batch
blocks until the one in flight is done, so the clips held stay bounded by two batches however
slow the network.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from copy import deepcopy
from dataclasses import replace

import numpy as np

from highlights.clips.spec import DEFAULT_CLASSES, ClipSpec
from highlights.vocabulary import NONE_LABEL, sport_of
from highlights.events.interval import key_moment
from highlights.pipeline.records import Candidate
from highlights.pipeline.ring import window_times
from highlights.pipeline.roles import WindowStage


class ClassifierStage(WindowStage):
    """Shared windowing, batching, caching and decisions; backends supply `classes` and `predict`."""

    name = "classifier"
    reads = ("analysis",)  # the frames a window is cut from
    classes: tuple[str, ...] = DEFAULT_CLASSES
    spec: ClipSpec = ClipSpec()
    needs_pixels = True
    # Backends whose predictions cost real compute; the cheap ones (the oracle) run inline.
    runs_in_background = True
    inference_backend = "none"
    # Backends that classify one person's keypoints: a kinematic candidate's window is classified
    # on the track that triggered it.
    per_track = False

    # -- what the backend provides
    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        """(N, C) probabilities for N uint8 (T,H,W,3) clips."""
        raise NotImplementedError

    def predict_windows(self, windows: list[tuple], clips: list[np.ndarray | None]) -> np.ndarray:
        """(N, C) probabilities for N windows `(start_s, end_s, track)` (track None: whoever is
        there); `clips` holds what `window_input` took of each."""
        return self.predict(clips)

    # -- windows
    def windows_for(self, cand: Candidate) -> list[tuple[float, float]]:
        w = self.settings.window_s
        duration = float(self.context.info.duration_s)
        if cand.key_s is not None:
            starts = [cand.key_s - w / 2]
        else:
            # Windows at most `stride_s` apart, the first at the start, the last at the end.
            span = max(cand.end_s - cand.start_s - w, 0.0)
            n = int(np.ceil(span / self.settings.stride_s - 1e-9)) + 1
            starts = list(np.linspace(cand.start_s, cand.start_s + span, n)) if n > 1 else [cand.start_s]
        out = []
        for s in starts:
            s = min(max(0.0, s), max(0.0, duration - w))  # keep the whole window inside the video
            out.append((round(s, 3), round(min(s + w, duration), 3)))
        return out

    def window_keys(self, cand: Candidate) -> list[tuple]:
        """`(start_s, end_s, track)` per window: the triggering track for a per-track backend, else None."""
        track = None
        if self.per_track:
            track = (cand.evidence.get("kinematics") or {}).get("track")
        return [(s, e, track) for s, e in self.windows_for(cand)]

    def window_input(self, key: tuple):
        """What the backend reads of a window `(start_s, end_s, track)`, taken when the window is
        queued: a window waits for a full batch (or the end of the video) while the stream, and
        the run's buffers of frames and records with it, move on, so anything read later may be
        gone. Default: its frames when the backend needs pixels, else nothing."""
        return self.frames_for(key[0], key[1]) if self.needs_pixels else None

    def prominence(self, key: tuple) -> dict | None:
        """How much the window's track is the one the camera films: `centrality` (1 at the frame's
        horizontal middle, 0 at its edge) and `relative_size` (its box height over the tallest
        person's in the same frame), averaged over the window's frames. A camera operator keeps
        the player they follow central and near; bystanders' passes and sprints happen at the
        edges and behind. Read from the frame records while they still hold the window."""
        width = float(self.context.info.width or 0)
        if width <= 0:
            return None
        central, size, boxes = [], [], []
        middle = 0.5 * (key[0] + key[1])
        for rec in self.context.records_between(key[0], key[1]):
            people = [p for p in rec.persons or [] if p.box is not None]
            mine = [p for p in people if str(p.track_id) == str(key[2])]
            if not mine:
                continue
            x1, y1, x2, y2 = mine[0].box
            tallest = max(p.box[3] - p.box[1] for p in people)
            central.append(max(0.0, 1.0 - abs(0.5 * (x1 + x2) - 0.5 * width) / (0.5 * width)))
            size.append((y2 - y1) / tallest if tallest > 0 else 1.0)
            boxes.append((abs(rec.time_s - middle), rec.time_s, mine[0].box))
        if not central:
            return None
        # The track's box nearest the window's middle: where a reviewer (or an evaluation against
        # per-frame truth) finds the person who acted.
        _, box_t, box = min(boxes, key=lambda b: b[0])
        return {"centrality": round(float(np.mean(central)), 3), "relative_size": round(float(np.mean(size)), 3),
                "box": [round(float(v), 1) for v in box], "box_s": round(float(box_t), 3)}

    def needs_frames_until(self, candidate: Candidate) -> float:
        return max(e for _, e in self.windows_for(candidate))

    def frames_for(self, start_s: float, end_s: float) -> np.ndarray:
        n = self.spec.num_frames
        if self.settings.frames == "seek":
            from highlights.video import read_clip
            from highlights.video.reader import DecodeDamage

            # The run's analysis read records the video's damage: this read stays quiet about it.
            return read_clip(self.context.video_path, n, start_s=start_s, end_s=end_s, damage=DecodeDamage())[0]
        ring = self.context.frames
        oldest = ring.oldest_s
        if oldest is not None and start_s < oldest - 1.5 / self.config.analysis.fps:
            # The config check on analysis.buffer_s makes this unreachable; fail loudly rather
            # than classify the wrong frames if it ever is not.
            raise RuntimeError(f"classifier window [{start_s:.2f}, {end_s:.2f}] s is older than the "
                               f"frame buffer (oldest {oldest:.2f} s); raise analysis.buffer_s")
        return np.stack(ring.nearest(window_times(start_s, end_s, n)))

    # -- the stage
    def _cache_key(self, window: tuple) -> tuple:
        return ("classifier-window", str(self.context.video_path), self.cache_key(), self.backend_identity(),
                window)

    def cache_key(self) -> tuple:
        # A window's probabilities do not depend on how they are batched or scheduled, nor on the
        # score a decision needs or the sport it is limited to; an ablation of those reuses them.
        settings = replace(self.settings, enabled=True, min_score=0.0, action_threshold=None, sport=None,
                           batch=1, overlap=False)
        return (self.name, self.backend, settings) + tuple(self.config.section(s) for s in self.reads)

    def pixels_short_side(self) -> int | None:
        if not self.needs_pixels or self.settings.frames != "stream":
            return None
        return self.spec.resize_short_side

    def report(self) -> dict:
        out = {"inference_backend": self.inference_backend, "max_waiting_clips": self.max_waiting_clips}
        if self.sport_reading is not None:
            out["sport_read"] = self.sport_reading.to_dict()
        return out

    def backend_identity(self) -> tuple:
        return (self.backend,)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        # Windows waiting for a full batch (a batch costs less per clip than one at a time): their
        # frames are copied out of the ring buffer now, so the wait costs at most `classifier.batch`
        # clips of memory, never a longer buffer.
        self._waiting_windows: dict[tuple, np.ndarray | None] = {}
        self._waiting_candidates: list[tuple[Candidate, list[tuple]]] = []
        self.max_waiting_clips = 0
        # The batch on the background thread: its windows and its (N, C) probabilities to come.
        self._in_flight: tuple[list[tuple], Future] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._prominence: dict[tuple, dict] = {}
        self._sport_allowed: tuple[int, ...] | None = None
        self.sport_reading = None  # `classifier.sport=auto`: the `sport_vote.SportReading`, once read

    @property
    def _overlap(self) -> bool:
        return bool(self.settings.overlap) and self.runs_in_background

    def _cache(self) -> dict:
        if self.context.cache is None:
            self.context.cache = {}
        return self.context.cache

    def on_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        cache = self._cache()
        for cand in candidates:
            windows = self.window_keys(cand)
            in_flight = self._in_flight[0] if self._in_flight is not None else ()
            for w in windows:
                if self._cache_key(w) not in cache and w not in self._waiting_windows and w not in in_flight:
                    self._waiting_windows[w] = self.window_input(w)
            if self.per_track:
                for w in windows:
                    if w[2] is not None and w not in self._prominence:
                        self._prominence[w] = self.prominence(w)
            self._waiting_candidates.append((cand, windows))
        self.max_waiting_clips = max(self.max_waiting_clips, len(self._waiting_windows))
        full = len(self._waiting_windows) >= max(1, self.settings.batch)
        if self._overlap:
            self._collect(block=full)
            if self._in_flight is None and self._waiting_windows:
                self._submit()  # the background thread is free: keep it busy, full batch or not
        elif full:
            self._run_batches()
        return self._decided()

    def finish(self) -> list[Candidate]:
        if self._overlap:
            self._collect(block=True)
            while self._waiting_windows:
                self._submit()
                self._collect(block=True)
        else:
            self._run_batches()
        return self._decided(final=True)

    def _run_batches(self) -> None:
        """Classify every waiting window now, on this thread, `classifier.batch` at a time."""
        cache = self._cache()
        todo = sorted(self._waiting_windows, key=_order)
        batch = max(1, self.settings.batch)
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            probs = self.predict_windows(chunk, [self._waiting_windows[w] for w in chunk])
            for w, p in zip(chunk, probs):
                cache[self._cache_key(w)] = np.asarray(p, dtype=np.float32)
        self._waiting_windows.clear()

    def _submit(self) -> None:
        """Hand the waiting windows (up to one batch) to the background thread."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="highlights-classify")
        todo = sorted(self._waiting_windows, key=_order)[:max(1, self.settings.batch)]
        clips = [self._waiting_windows.pop(w) for w in todo]
        self._in_flight = (todo, self._pool.submit(self.predict_windows, todo, clips))

    def _collect(self, *, block: bool) -> None:
        """Store the in-flight batch's probabilities once it is done (waiting for it if `block`)."""
        if self._in_flight is None:
            return
        windows, future = self._in_flight
        if not block and not future.done():
            return
        self._in_flight = None
        probs = future.result()  # re-raises a failure of the background thread here
        cache = self._cache()
        for w, p in zip(windows, probs):
            cache[self._cache_key(w)] = np.asarray(p, dtype=np.float32)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._in_flight = None

    def _decided(self, final: bool = False) -> list[Candidate]:
        """Candidates whose every window has probabilities, in arrival order; the rest keep waiting.
        With `classifier.sport=auto` every candidate waits for the end (`final`), where the game's
        sport is read from all its windows before any is decided."""
        if self.auto_sport:
            if not final:
                return []
            if self.sport_reading is None:
                self._read_sport()
        cache = self._cache()
        out: list[Candidate] = []
        still: list[tuple[Candidate, list[tuple]]] = []
        for cand, windows in self._waiting_candidates:
            if any(self._cache_key(w) not in cache for w in windows):
                still.append((cand, windows))
                continue
            for w in windows:
                kept = self._decide(cand, w, cache[self._cache_key(w)])
                if kept is not None:
                    out.append(kept)
        self._waiting_candidates = still
        return out

    def action_threshold(self) -> float | None:
        """The action-vs-`none` gate's threshold: `classifier.action_threshold` when set, else
        the backend's own (the pose model's, chosen on real clips); None: the argmax rule."""
        if self.settings.action_threshold is not None:
            return float(self.settings.action_threshold)
        return self.model_action_threshold

    # A backend whose model carries a chosen gate sets this (see `action_threshold`).
    model_action_threshold: float | None = None

    @property
    def auto_sport(self) -> bool:
        """`classifier.sport=auto`: the sport is read from the game's windows (`sport_vote`)."""
        from highlights.pipeline.sport_vote import is_auto

        return is_auto(self.settings.sport)

    def _read_sport(self) -> None:
        """The `auto` vote over every distinct window's unrestricted probabilities (all of them
        classified by now); a sport read limits the windows as a sport given would."""
        from highlights.pipeline.sport_filter import sport_classes
        from highlights.pipeline.sport_vote import read_sport

        cache = self._cache()
        windows = list(dict.fromkeys(w for _, ws in self._waiting_candidates for w in ws))
        probs = [np.asarray(cache[self._cache_key(w)], np.float64) for w in windows]
        # `_sport_allowed` is still None here, so `decision` is the unrestricted one.
        self.sport_reading = read_sport(self.classes, probs, [self.decision(p)[2] for p in probs])
        if self.sport_reading.sport is not None:
            self._sport_allowed = sport_classes(self.classes, self.sport_reading.sport)

    def check_sport(self) -> tuple[int, ...] | None:
        """The class indices `classifier.sport` allows (None: every class); a one-line error when
        the model has no class of that sport. Called once the backend knows its classes. With
        `auto`: the read sport's once it is read, else None."""
        if not self.settings.sport or self.auto_sport:
            return self._sport_allowed
        if self._sport_allowed is None:
            from highlights.pipeline.sport_filter import sport_classes

            self._sport_allowed = sport_classes(self.classes, self.settings.sport)
        return self._sport_allowed

    def check_settings(self) -> None:
        """Settings the model's classes cannot honour, refused in one line before any frame is
        decoded: a sport it has no class of (`check_sport`), and an action threshold on a model
        without `none` (a club's classes with `rest` for background play), which would otherwise
        be passed over for the argmax rule unsaid."""
        self.check_sport()
        if self.settings.action_threshold is not None and NONE_LABEL not in self.classes:
            from highlights.errors import ConfigError

            raise ConfigError(
                f"classifier.action_threshold={float(self.settings.action_threshold):g}: the model's classes "
                f"({', '.join(self.classes)}) have no `{NONE_LABEL}`, so a window has no action probability "
                f"(1 - P({NONE_LABEL})) to hold against it; its most probable class must reach classifier.min_score "
                "instead")

    def window_probs(self, probs: np.ndarray) -> np.ndarray:
        """A window's probabilities as decided and recorded: limited to `classifier.sport`."""
        allowed = self.check_sport()
        if allowed is None:
            return probs
        from highlights.pipeline.sport_filter import restrict_to_sport, sportless_classes

        none_index = self.classes.index(NONE_LABEL) if NONE_LABEL in self.classes else None
        return restrict_to_sport(probs, allowed, none_index, sportless_classes(self.classes))

    def gate(self) -> dict:
        """The rule `decision` applies, as the trace records it."""
        threshold = self.action_threshold()
        if threshold is not None and NONE_LABEL in self.classes:
            return {"rule": "action_threshold", "threshold": threshold}
        return {"rule": "argmax", "min_score": float(self.settings.min_score)}

    def decision(self, probs: np.ndarray) -> tuple[str, float, bool]:
        """(label, score, accepted) of one window. With an action threshold and a `none` class:
        an action when 1 - P(none) reaches the threshold, labelled by its best action class,
        scored by that action probability (`pose_classifier.action_gate`); `classifier.min_score`
        is not used. Otherwise the argmax class, accepted when it is not `none` and its
        probability reaches `classifier.min_score`."""
        threshold = self.action_threshold()
        if threshold is not None and NONE_LABEL in self.classes:
            from highlights.pose_classifier.action_gate import decide

            i, score = decide(probs, self.classes.index(NONE_LABEL), threshold)
            label = self.classes[i]
            return label, score, label != NONE_LABEL
        i = int(np.argmax(probs))
        label, score = self.classes[i], float(probs[i])
        # A score of 0 is a window no class has any evidence for (nobody in it, for a pose model
        # without `none`): not an action even where classifier.min_score is 0.
        return label, score, label != NONE_LABEL and score >= self.settings.min_score and score > 0.0

    def _decide(self, cand: Candidate, key: tuple, probs: np.ndarray) -> Candidate | None:
        window, track = key[:2], key[2]
        probs = self.window_probs(probs)
        label, score, accepted = self.decision(probs)
        if self.context.trace.classifier_gate is None:
            self.context.trace.classifier_gate = self.gate()
        self.context.trace.classifications.append({
            "window": list(window), "track": track, "label": label, "score": round(score, 4), "accepted": accepted,
            "hint": cand.label, "key_s": None if cand.key_s is None else round(cand.key_s, 3),
            # the track's box at the window's middle: whose window it was, where track ids are a
            # detector's (`event_person`)
            "box": (self._prominence.get(key) or {}).get("box"),
            # every class's probability: SoccerNet's results_spotting.json and average-mAP use them all
            "probs": {c: round(float(p), 4) for c, p in zip(self.classes, probs)}})
        if not accepted:
            return None
        ev = deepcopy(cand.evidence)
        ev["classifier"] = {"backend": self.backend, "inference": self.inference_backend,
                            "window": list(window), "track": track,
                            "prominence": self._prominence.get(key),
                            "probs": {c: round(float(p), 4) for c, p in zip(self.classes, probs)}}
        return Candidate(start_s=window[0], end_s=window[1], source=cand.source,
                         key_s=key_moment(window[0], window[1], cand.key_s),
                         label=label, sport=sport_of(label), score=score, evidence=ev, track_id=cand.track_id)


def _order(key: tuple) -> tuple:
    """Windows in time order (a track id may be a number, a string or None)."""
    return key[0], key[1], str(key[2])


def batch_tensor(clips: list[np.ndarray], spec: ClipSpec):
    import torch

    from highlights.video import clip_to_tensor

    return torch.stack([clip_to_tensor(c, spec, train=False) for c in clips])
