"""Clip classification of candidate windows: 16 frames spread over a window, at the classifier's size.

Backends:
- `checkpoint`: the trained `highlights.model.ClipClassifier` (the real one).
- `untrained`: a tiny randomly initialised R(2+1)D, for mechanics tests without a checkpoint.
- `oracle`: reads the annotation's events and answers what a perfect classifier would
  (`oracle_accuracy` < 1 makes it wrong on a fixed share of events); for attribution tests.

A keyed candidate (from kinematics) is classified on one window centred on its key moment; an
unkeyed one on windows every `classifier_stride_s` across it, each positive window becoming a
candidate of its own (merge's NMS then keeps the best). Probabilities are cached per window in
the run's cache, so an ablation that does not change the classifier or its frames reuses them.

With `classifier_overlap` (the default) a network backend runs its batches on one background
thread while the main thread goes on decoding: PyTorch releases the interpreter lock inside
its kernels (and ONNX Runtime runs outside it), so inference partly hides behind decoding
instead of adding to it. At most one batch is in flight and one waits; a full waiting batch
blocks until the one in flight is done, so the clips held stay bounded by two batches however
slow the network.
"""

from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from copy import deepcopy

import numpy as np

from highlights.clips.spec import DEFAULT_CLASSES, ClipSpec
from highlights.pipeline.labels import NONE_LABEL, sport_of
from highlights.pipeline.ring import window_times
from highlights.pipeline.stage import Candidate, Stage, register
from highlights.errors import ConfigError


class ClassifierStage(Stage):
    """Shared windowing, batching, caching and decisions; backends supply `classes` and `predict`."""

    name = "classifier"
    config_fields = ("classifier_window_s", "classifier_stride_s", "classifier_min_score",
                     "classifier_frames", "analysis_fps", "analysis_short_side",
                     "analysis_interpolation")
    classes: tuple[str, ...] = DEFAULT_CLASSES
    spec: ClipSpec = ClipSpec()
    needs_pixels = True
    # Backends whose predictions cost real compute; the cheap ones (the oracle) run inline.
    runs_in_background = True
    inference_backend = "none"

    # -- what the backend provides
    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        """(N, C) probabilities for N uint8 (T,H,W,3) clips."""
        raise NotImplementedError

    def predict_windows(self, windows: list[tuple[float, float]], clips: list[np.ndarray | None]) -> np.ndarray:
        """(N, C) probabilities for N windows; `clips` holds their frames (None when not needed)."""
        return self.predict(clips)

    # -- windows
    def windows_for(self, cand: Candidate) -> list[tuple[float, float]]:
        w = self.config.classifier_window_s
        duration = float(self.context.info.duration_s)
        if cand.key_s is not None:
            starts = [cand.key_s - w / 2]
        else:
            # Windows at most `classifier_stride_s` apart, the first at the start, the last at the end.
            span = max(cand.end_s - cand.start_s - w, 0.0)
            n = int(np.ceil(span / self.config.classifier_stride_s - 1e-9)) + 1
            starts = list(np.linspace(cand.start_s, cand.start_s + span, n)) if n > 1 else [cand.start_s]
        out = []
        for s in starts:
            s = min(max(0.0, s), max(0.0, duration - w))  # keep the whole window inside the video
            out.append((round(s, 3), round(min(s + w, duration), 3)))
        return out

    def needs_frames_until(self, candidate: Candidate) -> float:
        return max(e for _, e in self.windows_for(candidate))

    def frames_for(self, start_s: float, end_s: float) -> np.ndarray:
        n = self.spec.num_frames
        if self.config.classifier_frames == "seek":
            from highlights.video import read_clip

            return read_clip(self.context.video_path, n, start_s=start_s, end_s=end_s)[0]
        ring = self.context.frames
        oldest = ring.oldest_s
        if oldest is not None and start_s < oldest - 1.5 / self.config.analysis_fps:
            # The config check on buffer_s makes this unreachable; fail loudly rather than
            # classify the wrong frames if it ever is not.
            raise RuntimeError(f"classifier window [{start_s:.2f}, {end_s:.2f}] s is older than the "
                               f"frame buffer (oldest {oldest:.2f} s); raise buffer_s")
        return np.stack(ring.nearest(window_times(start_s, end_s, n)))

    # -- the stage
    def _cache_key(self, window: tuple[float, float]) -> tuple:
        return ("classifier-window", str(self.context.video_path), self.cache_key(), self.backend_identity(),
                window)

    def backend_identity(self) -> tuple:
        return (self.backend,)

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        # Windows waiting for a full batch (a batch of 8 runs ~2x faster per clip than one at a
        # time on this CPU): their frames are copied out of the ring buffer now, so the wait
        # costs at most `classifier_batch` clips of memory, never a longer buffer.
        self._waiting_windows: dict[tuple[float, float], np.ndarray | None] = {}
        self._waiting_candidates: list[tuple[Candidate, list[tuple[float, float]]]] = []
        self.max_waiting_clips = 0
        # The batch on the background thread: its windows and its (N, C) probabilities to come.
        self._in_flight: tuple[list[tuple[float, float]], Future] | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def _overlap(self) -> bool:
        return bool(self.config.classifier_overlap) and self.runs_in_background

    def _cache(self) -> dict:
        if self.context.cache is None:
            self.context.cache = {}
        return self.context.cache

    def on_candidates(self, candidates: list[Candidate]) -> list[Candidate]:
        cache = self._cache()
        for cand in candidates:
            windows = self.windows_for(cand)
            in_flight = self._in_flight[0] if self._in_flight is not None else ()
            for w in windows:
                if self._cache_key(w) not in cache and w not in self._waiting_windows and w not in in_flight:
                    self._waiting_windows[w] = self.frames_for(*w) if self.needs_pixels else None
            self._waiting_candidates.append((cand, windows))
        self.max_waiting_clips = max(self.max_waiting_clips, len(self._waiting_windows))
        full = len(self._waiting_windows) >= max(1, self.config.classifier_batch)
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
        return self._decided()

    def _run_batches(self) -> None:
        """Classify every waiting window now, on this thread, `classifier_batch` at a time."""
        cache = self._cache()
        todo = sorted(self._waiting_windows)
        batch = max(1, self.config.classifier_batch)
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
        todo = sorted(self._waiting_windows)[:max(1, self.config.classifier_batch)]
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

    def _decided(self) -> list[Candidate]:
        """Candidates whose every window has probabilities, in arrival order; the rest keep waiting."""
        cache = self._cache()
        out: list[Candidate] = []
        still: list[tuple[Candidate, list[tuple[float, float]]]] = []
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

    def _decide(self, cand: Candidate, window: tuple[float, float], probs: np.ndarray) -> Candidate | None:
        i = int(np.argmax(probs))
        label, score = self.classes[i], float(probs[i])
        accepted = label != NONE_LABEL and score >= self.config.classifier_min_score
        self.context.trace.classifications.append({
            "window": list(window), "label": label, "score": round(score, 4), "accepted": accepted,
            "hint": cand.label, "key_s": None if cand.key_s is None else round(cand.key_s, 3),
            # every class's probability: SoccerNet's results_spotting.json and average-mAP use them all
            "probs": {c: round(float(p), 4) for c, p in zip(self.classes, probs)}})
        if not accepted:
            return None
        ev = deepcopy(cand.evidence)
        ev["classifier"] = {"backend": self.backend, "inference": self.inference_backend,
                            "window": list(window),
                            "probs": {c: round(float(p), 4) for c, p in zip(self.classes, probs)}}
        return Candidate(start_s=window[0], end_s=window[1], source=cand.source,
                         key_s=cand.key_s if cand.key_s is not None else 0.5 * (window[0] + window[1]),
                         label=label, sport=sport_of(label), score=score, evidence=ev)


def _batch_tensor(clips: list[np.ndarray], spec: ClipSpec):
    import torch

    from highlights.video import clip_to_tensor

    return torch.stack([clip_to_tensor(c, spec, train=False) for c in clips])


@register
class CheckpointClassifier(ClassifierStage):
    backend = "checkpoint"
    config_fields = ClassifierStage.config_fields + ("checkpoint", "classifier_int8")

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if not config.checkpoint:
            raise ConfigError("classifier_backend=checkpoint needs a checkpoint (--checkpoint FILE), "
                              "or switch the stage off with --set classifier=false")
        from highlights.model.process_cache import classifier_for

        # A batch worker keeps one loaded classifier for all its games (process_cache).
        self._model, self._owns_model = classifier_for(config.checkpoint, int8=config.classifier_int8)
        self.classes = tuple(self._model.classes)
        self.spec = self._model.spec
        self.inference_backend = str(getattr(self._model, "backend", "unknown"))

    def backend_identity(self) -> tuple:
        return (self.backend, self.inference_backend)

    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self._model.predict_proba(_batch_tensor(clips, self.spec)))

    def close(self) -> None:
        super().close()
        if self._owns_model:
            self._model.close()


@register
class UntrainedClassifier(ClassifierStage):
    """A tiny R(2+1)D with fixed random weights: exercises every step of the real path, fast."""

    backend = "untrained"
    config_fields = ClassifierStage.config_fields + ("untrained_width", "untrained_depth")
    # channels_last_3d: the same arithmetic in a memory layout oneDNN runs ~1.5x faster on this CPU.
    inference_backend = "eager-fp32-channels_last_3d"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        import torch

        from highlights.model.r2plus1d import r2plus1d_18

        torch.manual_seed(0)
        depth = int(config.untrained_depth)
        self._model = r2plus1d_18(len(self.classes), width=config.untrained_width, layers=(depth,) * 4).eval()
        self._model = self._model.to(memory_format=torch.channels_last_3d)

    def predict(self, clips: list[np.ndarray]) -> np.ndarray:
        import torch

        x = _batch_tensor(clips, self.spec).contiguous(memory_format=torch.channels_last_3d)
        with torch.inference_mode():
            return torch.softmax(self._model(x), dim=1).numpy()


@register
class OracleClassifier(ClassifierStage):
    """Answers from the annotation: the event whose key moment lies in the window, else none."""

    backend = "oracle"
    config_fields = ClassifierStage.config_fields + ("oracle_accuracy", "gt_seed")
    needs_pixels = False
    runs_in_background = False
    inference_backend = "annotation"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        if context.annotation is None:
            raise ConfigError("classifier_backend=oracle needs the game's annotation")
        labels = sorted({e.label for e in context.annotation.events} - set(self.classes))
        self.classes = tuple(c for c in self.classes if c != NONE_LABEL) + tuple(labels) + (NONE_LABEL,)

    def predict_windows(self, windows: list[tuple[float, float]], clips) -> np.ndarray:
        events = self.context.annotation.events
        out = np.zeros((len(windows), len(self.classes)), dtype=np.float32)
        for row, (s, e) in enumerate(windows):
            inside = [ev for ev in events if s <= ev.key_s <= e]
            if not inside:
                out[row, self.classes.index(NONE_LABEL)] = 1.0
                continue
            event = min(inside, key=lambda ev: abs(ev.key_s - 0.5 * (s + e)))
            label = event.label
            if self._wrong(event):
                label = next(c for c in self.classes if c not in (label, NONE_LABEL))
            out[row, self.classes.index(label)] = 1.0
        return out

    def _wrong(self, event) -> bool:
        # Fixed per event (not per window), so the same event is always right or always wrong.
        u = zlib.crc32(f"{self.config.gt_seed}:{event.id}".encode()) / 2**32
        return u >= self.config.oracle_accuracy
