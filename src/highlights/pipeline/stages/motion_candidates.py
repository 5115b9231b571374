"""Candidate windows from motion energy and scene cuts (`candidates.backend=motion`).

Motion energy is the percentage of pixels whose grey level changed by more than `_CHANGE_LEVEL`
since the previous analysis frame, on a grey image 160 pixels wide. Frames at or above
`motion_threshold` are active. A far, small player's swing changes a few pixels of the whole frame
(below that threshold) but many of the patch he stands in, so a frame is also active when one cell
of a `_CELL_COLS` x `_CELL_ROWS` grid over the grey image has at least `motion_cell_threshold`
percent of its own pixels changed. Active frames closer than `gap_s` form a window, padded by
`pad_s`, split at `max_s` and never spanning a scene cut (histogram distance between consecutive
frames). OpenCV does the image work; the windowing is a few lines of state that no library offers
in streaming form.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from highlights.pipeline.records import Candidate, FrameRecord
from highlights.pipeline.registry import register
from highlights.pipeline.roles import CandidateSource

_MOTION_WIDTH = 160  # pixels: enough to see a limb move, cheap to difference
_CHANGE_LEVEL = 25  # grey levels: above compression noise
_SMOOTH_FRAMES = 3  # motion is averaged over this many analysis frames: coding flicker is one frame
_HIST_BINS = 32
# The local motion grid: a cell of the 160x90 grey image of 16:9 footage is 20x22 pixels, about
# the size of a player a quarter of the frame's height tall; a far player fills less of it.
_CELL_COLS, _CELL_ROWS = 8, 4


def motion_energy(prev_grey: np.ndarray, grey: np.ndarray) -> float:
    """Percentage (0..100) of pixels that changed by more than `_CHANGE_LEVEL` grey levels."""
    import cv2

    return 100.0 * float(np.count_nonzero(cv2.absdiff(prev_grey, grey) > _CHANGE_LEVEL)) / grey.size


def cell_motion_energy(prev_grey: np.ndarray, grey: np.ndarray, cols: int = _CELL_COLS,
                       rows: int = _CELL_ROWS) -> float:
    """The largest percentage (0..100) of changed pixels in any cell of a `cols` x `rows` grid."""
    import cv2

    changed = (cv2.absdiff(prev_grey, grey) > _CHANGE_LEVEL).astype(np.float32)
    h, w = changed.shape
    if h < rows or w < cols:
        return 100.0 * float(changed.mean())
    # INTER_AREA to exactly cols x rows averages each cell's pixels (cells of unequal size where
    # the image does not divide evenly, weighted by the share of each pixel they cover).
    cells = cv2.resize(changed, (cols, rows), interpolation=cv2.INTER_AREA)
    return 100.0 * float(cells.max())


def histogram_distance(prev_hist: np.ndarray, hist: np.ndarray) -> float:
    """Half the L1 distance of two normalised histograms: 0 (same) .. 1 (disjoint)."""
    return float(0.5 * np.abs(prev_hist - hist).sum())


def _small_grey(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    width = min(_MOTION_WIDTH, w)
    height = max(1, round(h * width / w))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)


@register
class MotionCandidates(CandidateSource):
    name = "candidates"
    backend = "motion"

    def __init__(self, config, context) -> None:
        super().__init__(config, context)
        self._prev_grey: np.ndarray | None = None
        self._prev_hist: np.ndarray | None = None
        self._first_active: float | None = None
        self._last_active: float | None = None
        self._peak_motion = 0.0
        self._recent: deque[float] = deque(maxlen=_SMOOTH_FRAMES)
        self._recent_cell: deque[float] = deque(maxlen=_SMOOTH_FRAMES)
        self._cell_motion = 0.0  # smoothed like frame.motion
        self._peak_cell_motion = 0.0

    def on_frame(self, frame: FrameRecord) -> list[Candidate]:
        if frame.rgb is not None:
            grey = _small_grey(frame.rgb)
            hist = np.bincount((grey >> 3).ravel(), minlength=_HIST_BINS).astype(np.float32)
            hist /= max(1.0, hist.sum())
            if self._prev_grey is not None and self._prev_grey.shape == grey.shape:
                frame.cut = histogram_distance(self._prev_hist, hist) > self.settings.scene_cut_threshold
                # A cut changes every pixel; that is not motion.
                raw = 0.0 if frame.cut else motion_energy(self._prev_grey, grey)
                cells_on = self.settings.motion_cell_threshold > 0
                cell = cell_motion_energy(self._prev_grey, grey) if cells_on and not frame.cut else 0.0
                if frame.cut:
                    self._recent.clear()
                    self._recent_cell.clear()
                self._recent.append(raw)
                self._recent_cell.append(cell)
                frame.motion = sum(self._recent) / len(self._recent)
                self._cell_motion = sum(self._recent_cell) / len(self._recent_cell)
            self._prev_grey, self._prev_hist = grey, hist
            cell_threshold = self.settings.motion_cell_threshold
            frame.active = frame.motion >= self.settings.motion_threshold or (
                cell_threshold > 0 and self._cell_motion >= cell_threshold)
        return self._advance(frame)

    def kept_values(self, frame: FrameRecord) -> dict[str, float]:
        return {"motion": frame.motion, "cut": float(frame.cut), "active": float(frame.active),
                "cell_motion": self._cell_motion}

    def replay(self, frame: FrameRecord, values: dict[str, float]) -> list[Candidate]:
        frame.motion, frame.cut, frame.active = float(values["motion"]), bool(values["cut"]), bool(values["active"])
        self._cell_motion = float(values["cell_motion"])
        return self._advance(frame)

    def kept_state(self) -> dict[str, np.ndarray]:
        if self._prev_grey is None:
            return {}
        return {"grey": self._prev_grey, "hist": self._prev_hist,
                "recent": np.array(self._recent, dtype=np.float64),
                "recent_cell": np.array(self._recent_cell, dtype=np.float64)}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        if not state:
            return
        self._prev_grey = np.asarray(state["grey"], dtype=np.uint8)
        self._prev_hist = np.asarray(state["hist"], dtype=np.float32)
        self._recent = deque(np.asarray(state["recent"], dtype=np.float64).tolist(), maxlen=_SMOOTH_FRAMES)
        self._recent_cell = deque(np.asarray(state["recent_cell"], dtype=np.float64).tolist(), maxlen=_SMOOTH_FRAMES)

    def _advance(self, frame: FrameRecord) -> list[Candidate]:
        """Window state machine, driven by the (possibly cached) motion/cut/active fields."""
        cfg, t = self.settings, frame.time_s
        out: list[Candidate] = []
        if self._first_active is not None:
            quiet = t - self._last_active >= cfg.gap_s and t - self._last_active >= cfg.pad_s
            too_long = t - self._first_active >= cfg.max_s
            if frame.cut or quiet or too_long:
                out.append(self._close(end_limit=t if (frame.cut or too_long) else None))
        if frame.active:
            if self._first_active is None:
                self._first_active = t
                self._peak_motion = self._peak_cell_motion = 0.0
            self._last_active = t
            self._peak_motion = max(self._peak_motion, frame.motion)
            self._peak_cell_motion = max(self._peak_cell_motion, self._cell_motion)
        return out

    def _close(self, end_limit: float | None) -> Candidate:
        cfg = self.settings
        start = max(0.0, self._first_active - cfg.pad_s)
        end = self._last_active + cfg.pad_s
        if end_limit is not None:
            end = min(end, end_limit)
        end = min(end, float(self.context.info.duration_s))
        cand = Candidate(start_s=start, end_s=max(end, start), source="motion",
                         evidence={"candidates": {"source": "motion", "start_s": round(start, 3),
                                                  "end_s": round(end, 3),
                                                  "motion_peak": round(self._peak_motion, 3),
                                                  "cell_motion_peak": round(self._peak_cell_motion, 3)}})
        self._first_active = self._last_active = None
        self.context.trace.windows.append({"start_s": round(start, 3), "end_s": round(end, 3),
                                           "source": "motion"})
        return cand

    def finish(self) -> list[Candidate]:
        return [self._close(end_limit=None)] if self._first_active is not None else []
