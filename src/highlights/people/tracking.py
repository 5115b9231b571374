"""Track ids for the people found in each analysis frame.

Hand-written on purpose, but small: the assignment itself is scipy's `linear_sum_assignment`;
what is ours is the similarity between a track and a detection. Full trackers (ByteTrack in
`supervision`, `norfair`) bring dependency trees and Kalman filters tuned for 25-30 fps video;
the pipeline analyses about 10 frames a second, where a running player's box can move more than
its own width between frames and IoU alone loses him. So the similarity is the larger of the
box IoU and a closeness of box centres measured in the person's own heights (which holds for far,
small players and for fast ones), after moving each track by its last velocity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from highlights.people.boxes import box_centres, iou_matrix


@dataclass
class _Track:
    track_id: int
    box: np.ndarray  # x1, y1, x2, y2
    time_s: float
    velocity: np.ndarray  # box centre, pixels per second
    hits: int = 1


def similarity(track_boxes: np.ndarray, det_boxes: np.ndarray, reach: float) -> np.ndarray:
    """(T, D) in 0..1: max(IoU, 1 - centre distance / (reach x mean box height))."""
    iou = iou_matrix(track_boxes, det_boxes)
    dist = np.linalg.norm(box_centres(track_boxes)[:, None] - box_centres(det_boxes)[None], axis=2)
    th = (track_boxes[:, 3] - track_boxes[:, 1])[:, None]
    dh = (det_boxes[:, 3] - det_boxes[:, 1])[None]
    near = 1.0 - dist / np.maximum(reach * 0.5 * (th + dh), 1e-9)
    # Boxes of very different height are not one person, however close.
    near = np.where(np.minimum(th, dh) >= 0.5 * np.maximum(th, dh), near, 0.0)
    return np.clip(np.maximum(iou, near), 0.0, 1.0)


class IouTracker:
    """`update(time_s, boxes) -> ids`: one id per box, stable while the person stays in view.

    A track unmatched for more than `max_age_s` is dropped; its id is never reused. `reset()`
    (at a scene cut) ends every track."""

    def __init__(self, *, max_age_s: float = 1.0, min_similarity: float = 0.2, reach: float = 1.0) -> None:
        self.max_age_s = float(max_age_s)
        self.min_similarity = float(min_similarity)
        self.reach = float(reach)
        self._tracks: list[_Track] = []
        self._next_id = 0

    def reset(self) -> None:
        self._tracks = []

    def update(self, time_s: float, boxes) -> list[int]:
        from scipy.optimize import linear_sum_assignment

        self._tracks = [t for t in self._tracks if time_s - t.time_s <= self.max_age_s]
        dets = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        ids = [-1] * len(dets)
        matched: set[int] = set()
        if len(dets) and self._tracks:
            predicted = np.stack([t.box + np.tile(t.velocity * (time_s - t.time_s), 2) for t in self._tracks])
            sim = similarity(predicted, dets, self.reach)
            rows, cols = linear_sum_assignment(-sim)
            for r, c in zip(rows, cols):
                if sim[r, c] < self.min_similarity:
                    continue
                track = self._tracks[r]
                dt = time_s - track.time_s
                if dt > 0:
                    step = (box_centres(dets[c:c + 1])[0] - box_centres(track.box[None])[0]) / dt
                    # Smoothed, so one jittery box does not fling the prediction.
                    track.velocity = 0.5 * track.velocity + 0.5 * step if track.hits > 1 else step
                track.box, track.time_s = dets[c].copy(), time_s
                track.hits += 1
                ids[c] = track.track_id
                matched.add(c)
        for c in range(len(dets)):
            if c not in matched:
                track = _Track(self._next_id, dets[c].copy(), time_s, np.zeros(2))
                self._next_id += 1
                self._tracks.append(track)
                ids[c] = track.track_id
        return ids
