"""MoveNet MultiPose Lightning run by LiteRT (`ai-edge-litert`): up to 6 people a pass, each with
a box and the 17 COCO keypoints.

The network takes any input whose sides are multiples of 32, so a frame is resized to keep its
aspect ratio (long side `input_long_side`) and padded only up to the next multiple of 32, rather
than letterboxed into a square: a 16:9 frame costs 256x160 instead of 256x256. One interpreter is
kept per input shape (a resize re-plans the graph).

Far players are small: with `tiles` > 1 the frame is also cut into that many overlapping
vertical strips side by side, each run at the same input size (so a player is seen at up to
`tiles` times the pixels), and the people found in strips are merged with those of the full
frame by box overlap. Measure the gain against the cost with `bench/bench_people.py`.

With a `region` (see `people.zoom`), the pass runs over that part of the frame instead, seen
larger at the same input size; `whole` adds the whole-frame pass, and `merge_zoomed` keeps one
detection per person.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from highlights.people.boxes import box_containment, box_iou
from highlights.people.model_file import ModelFileError, movenet_model_bytes

STRIDE = 32
_TILE_OVERLAP = 0.25  # share of a strip's width shared with its neighbour, so nobody is cut in two


@dataclass
class PoseDetection:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the input frame's pixels
    keypoints: np.ndarray  # (17, 3): x, y in the input frame's pixels, score 0..1
    score: float  # the network's person score


def input_shape(width: int, height: int, long_side: int) -> tuple[int, int, float]:
    """(input width, input height, scale): aspect kept, sides rounded up to multiples of 32."""
    scale = long_side / max(width, height)
    w = max(STRIDE, int(np.ceil(width * scale / STRIDE)) * STRIDE)
    h = max(STRIDE, int(np.ceil(height * scale / STRIDE)) * STRIDE)
    return w, h, scale


def decode_rows(raw: np.ndarray, *, in_w: int, in_h: int, scale: float, offset: tuple[float, float],
                min_score: float) -> list[PoseDetection]:
    """The network's (6, 56) rows -> detections in frame pixels. A row is 17 x (y, x, score)
    normalised to the padded input, then the box (ymin, xmin, ymax, xmax) and the person score."""
    out = []
    ox, oy = offset
    for row in np.asarray(raw, dtype=np.float32).reshape(-1, 56):
        score = float(row[55])
        if score < min_score:
            continue
        yxs = row[:51].reshape(17, 3)
        kp = np.empty((17, 3), dtype=np.float32)
        kp[:, 0] = yxs[:, 1] * in_w / scale + ox
        kp[:, 1] = yxs[:, 0] * in_h / scale + oy
        kp[:, 2] = yxs[:, 2]
        y1, x1, y2, x2 = (float(v) for v in row[51:55])
        box = (x1 * in_w / scale + ox, y1 * in_h / scale + oy, x2 * in_w / scale + ox, y2 * in_h / scale + oy)
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        out.append(PoseDetection(box=box, keypoints=kp, score=score))
    return out


def merge_detections(groups: list[list[PoseDetection]], overlap: float = 0.5) -> list[PoseDetection]:
    """One detection per person across passes: best score first, a later one dropped when its box
    overlaps a kept one (IoU, or mostly inside it: a strip may see only part of a person)."""
    flat = sorted((d for g in groups for d in g), key=lambda d: -d.score)
    kept: list[PoseDetection] = []
    for d in flat:
        if all(box_iou(d.box, k.box) < overlap and box_containment(d.box, k.box) < 0.8 for k in kept):
            kept.append(d)
    return kept


def merge_zoomed(zoomed: list[PoseDetection], whole: list[PoseDetection],
                 region: tuple[float, float, float, float]) -> list[PoseDetection]:
    """The people of a zoomed pass and of a whole-frame pass of the same frame, one each: the
    zoomed detection where both saw a person (it saw him larger), the whole-frame one where he
    reaches out of the region (the zoomed pass saw only the part inside), and everyone seen by
    one pass only. Highest score first."""
    kept = list(zoomed)
    for d in whole:
        same = [k for k in kept if box_iou(d.box, k.box) >= 0.5 or box_containment(d.box, k.box) >= 0.8]
        if not same:
            kept.append(d)
        elif box_containment(d.box, region) < 0.9:
            kept = [k for k in kept if all(k is not s for s in same)] + [d]
    return sorted(kept, key=lambda d: -d.score)


def tile_boxes(width: int, height: int, tiles: int) -> list[tuple[int, int, int, int]]:
    """`tiles` overlapping strips across the frame's long side (x1, y1, x2, y2)."""
    if tiles <= 1:
        return []
    horizontal = width >= height
    length = width if horizontal else height
    size = length / (tiles - (tiles - 1) * _TILE_OVERLAP)
    step = size * (1 - _TILE_OVERLAP)
    out = []
    for i in range(tiles):
        a, b = int(round(i * step)), int(round(min(length, i * step + size)))
        out.append((a, 0, b, height) if horizontal else (0, a, width, b))
    return out


class MoveNetMultiPose:
    """Every person of an RGB frame: `estimator(rgb) -> list[PoseDetection]` in frame pixels.

    `path` says how LiteRT runs it (``movenet_paths.MoveNetPath``: runtime options, threads per
    interpreter, interpreters at once for the passes of one frame); every path gives the same
    numbers. Without one, one interpreter with `threads` threads (default min(2, cores))."""

    def __init__(self, *, input_long_side: int = 256, tiles: int = 1, min_score: float = 0.2,
                 threads: int | None = None, model_path: str | None = None, path=None,
                 model_bytes: bytes | None = None, whole_long_side: int | None = None) -> None:
        from highlights.errors import ConfigError
        from highlights.people.movenet_paths import MoveNetPath

        if input_long_side % STRIDE or input_long_side < STRIDE:
            raise ConfigError(f"movenet input_long_side={input_long_side}: must be a positive multiple of {STRIDE}")
        if tiles < 1:
            raise ConfigError(f"movenet tiles={tiles}: must be >= 1")
        if whole_long_side and (whole_long_side % STRIDE or whole_long_side < STRIDE):
            raise ConfigError(f"movenet whole_long_side={whole_long_side}: must be a positive multiple of {STRIDE}")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ModelFileError("ai_edge_litert: the MoveNet backend needs the ai-edge-litert package "
                                 "(pip install 'ai-edge-litert>=2.3'; bash scripts/setup.sh in a checkout)") from None
        self._model = model_bytes if model_bytes is not None else movenet_model_bytes(
            model_path, check_sha256=model_path is None)
        self._interpreter_class = Interpreter
        self.input_long_side = int(input_long_side)
        # The input long side of the whole-frame pass added to a zoomed one (see `_detect`).
        self.whole_long_side = int(whole_long_side or input_long_side)
        self.tiles = int(tiles)
        self.min_score = float(min_score)
        self.path = path or MoveNetPath(threads=int(threads or min(2, os.cpu_count() or 1)))
        self.threads = self.path.threads
        # One set of interpreters per worker (an interpreter is not thread-safe), one per input
        # shape in each (a resize re-plans the graph).
        self._interpreters: list[dict[tuple[int, int], object]] = [{} for _ in range(max(1, self.path.workers))]
        self._pools = None
        self._next_lane = 0
        self._queued = [0] * len(self._interpreters)  # frames submitted and not finished, per worker
        self._queued_lock = threading.Lock()  # workers count down, the caller counts up
        self._interpreter(self.input_long_side, self.input_long_side)  # a corrupt model fails here, not mid-run

    @property
    def model_bytes(self) -> bytes:
        return self._model

    def _interpreter(self, w: int, h: int, lane: int = 0):
        it = self._interpreters[lane].get((w, h))
        if it is None:
            from highlights.people.native_log import native_noise_filtered

            try:
                with native_noise_filtered():
                    it = self._interpreter_class(model_content=self._model, **self.path.interpreter_options())
                    it.resize_tensor_input(it.get_input_details()[0]["index"], (1, h, w, 3))
                    it.allocate_tensors()
            except (ValueError, RuntimeError) as e:
                raise ModelFileError(f"MoveNet model: LiteRT cannot load it ({e})".splitlines()[0]) from None
            self._interpreters[lane][(w, h)] = it
        return it

    def _raw_once(self, rgb: np.ndarray, lane: int = 0,
                  long_side: int | None = None) -> tuple[np.ndarray, int, int, float]:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"MoveNet expects an HxWx3 uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        h, w = rgb.shape[:2]
        in_w, in_h, scale = input_shape(w, h, long_side or self.input_long_side)
        rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.zeros((in_h, in_w, 3), dtype=np.uint8)
        canvas[:rh, :rw] = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        it = self._interpreter(in_w, in_h, lane)
        it.set_tensor(it.get_input_details()[0]["index"], canvas[None])
        it.invoke()
        raw = it.get_tensor(it.get_output_details()[0]["index"])[0].copy()
        return raw, in_w, in_h, scale

    def run_once(self, rgb: np.ndarray, offset: tuple[float, float] = (0.0, 0.0), lane: int = 0,
                 long_side: int | None = None) -> list[PoseDetection]:
        """One pass of the network over `rgb` (a whole frame or a crop placed at `offset`), at
        input long side `long_side` (default `input_long_side`)."""
        raw, in_w, in_h, scale = self._raw_once(rgb, lane, long_side)
        # Coordinates are normalised to the padded input; scale maps input pixels back to `rgb`.
        return decode_rows(raw, in_w=in_w, in_h=in_h, scale=scale, offset=offset, min_score=self.min_score)

    def _passes(self, rgb: np.ndarray) -> list[tuple[np.ndarray, tuple[float, float]]]:
        h, w = rgb.shape[:2]
        out = [(rgb, (0.0, 0.0))]
        for x1, y1, x2, y2 in tile_boxes(w, h, self.tiles):
            out.append((np.ascontiguousarray(rgb[y1:y2, x1:x2]), (float(x1), float(y1))))
        return out

    def _lane_pool(self, lane: int):
        """One thread per lane, so a lane's interpreters (not thread-safe) are used by one thread."""
        if self._pools is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pools = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"movenet-{i}")
                           for i in range(len(self._interpreters))]
        return self._pools[lane]

    def _map_passes(self, passes, run, lane: int | None = None):
        """`run(image, offset, lane)` for every pass, in order. On one frame's lane (`lane` given,
        frames side by side) or with one worker, one after the other; else the passes are dealt
        out to the workers and run side by side."""
        lanes = len(self._interpreters)
        if lane is not None or lanes == 1 or len(passes) == 1:
            return [run(image, offset, lane or 0) for image, offset in passes]
        dealt = [idx for idx in (list(range(k, len(passes), lanes)) for k in range(lanes)) if idx]
        futures = [self._lane_pool(k).submit(lambda idx, k: [run(*passes[i], k) for i in idx], idx, k)
                   for k, idx in enumerate(dealt)]
        results: list = [None] * len(passes)
        for idx, future in zip(dealt, futures):
            for i, value in zip(idx, future.result()):
                results[i] = value
        return results

    @property
    def frames_side_by_side(self) -> bool:
        """Whether this path runs whole frames on its workers at once (one pass a frame)."""
        return len(self._interpreters) > 1 and self.tiles == 1

    def submit(self, rgb: np.ndarray, region=None, whole: bool = True):
        """`estimator(rgb, region, whole)` started on the next worker; a Future of its detections.
        Only worth it when `frames_side_by_side`; with one worker it runs on that worker's thread
        all the same."""
        # The worker with the fewest frames waiting (the next in turn among equals): a frame
        # submitted late, after others were queued ahead of it, goes where it waits least.
        lanes = len(self._interpreters)
        order = [(self._next_lane + k) % lanes for k in range(lanes)]
        with self._queued_lock:
            lane = min(order, key=lambda k: self._queued[k])
            self._queued[lane] += 1
        self._next_lane = (lane + 1) % lanes
        future = self._lane_pool(lane).submit(self._detect, rgb, lane, region, whole)
        future.add_done_callback(lambda _, lane=lane: self._finished(lane))
        return future

    def _finished(self, lane: int) -> None:
        with self._queued_lock:
            self._queued[lane] -= 1

    def detect_many(self, frames) -> list[list[PoseDetection]]:
        """Every frame's detections, in order: side by side on the workers when the path says so."""
        if self.frames_side_by_side:
            return [future.result() for future in [self.submit(rgb) for rgb in frames]]
        return [self(rgb) for rgb in frames]

    def raw(self, rgb: np.ndarray) -> np.ndarray:
        """The network's raw output rows of every pass over `rgb`, stacked (what paths must agree
        on), from every worker when frames run side by side."""
        raw_on = lambda lane: np.stack(self._map_passes(  # noqa: E731
            self._passes(rgb), lambda image, offset, k: self._raw_once(image, k)[0], lane))
        if not self.frames_side_by_side:
            return raw_on(None)
        outputs = [self._lane_pool(lane).submit(raw_on, lane).result() for lane in range(len(self._interpreters))]
        if any(not np.array_equal(out, outputs[0]) for out in outputs[1:]):
            return np.full_like(outputs[0], np.nan)  # workers that disagree: never the same as the reference
        return outputs[0]

    def _detect(self, rgb: np.ndarray, lane: int | None = None, region=None,
                whole: bool = True) -> list[PoseDetection]:
        if region is not None:
            if self.tiles > 1:
                raise ValueError("a zoomed pass is for one pass a frame (tiles 1)")
            x1, y1, x2, y2 = (int(v) for v in region)
            zoomed = self.run_once(np.ascontiguousarray(rgb[y1:y2, x1:x2]), (float(x1), float(y1)), lane or 0)
            if not whole:
                return zoomed
            # This pass looks for people outside the region; it may run at a smaller input.
            return merge_zoomed(zoomed, self.run_once(rgb, (0.0, 0.0), lane or 0, self.whole_long_side), region)
        groups = self._map_passes(self._passes(rgb), self.run_once, lane)
        return merge_detections(groups) if len(groups) > 1 else groups[0]

    def __call__(self, rgb: np.ndarray, region=None, whole: bool = True) -> list[PoseDetection]:
        """Every person of `rgb`: over the whole frame, or over `region` (x1, y1, x2, y2) seen
        at the network's input size, with (`whole`) or without the whole-frame pass too."""
        if self.frames_side_by_side:
            return self.submit(rgb, region, whole).result()  # lanes belong to their threads
        return self._detect(rgb, None, region, whole)

    def close(self) -> None:
        if self._pools is not None:
            for pool in self._pools:
                pool.shutdown(wait=True)
            self._pools = None
        for lane in self._interpreters:
            lane.clear()
