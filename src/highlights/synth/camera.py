"""A phone camera operator: follows the player with some lag, zooms a little, shakes.

Each frame's camera is an affine map from (relative) panorama pixels to frame pixels:
frame = zoom * R(roll) * (pano - centre) + frame_centre + shake.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CameraStyle:
    zoom: float = 1.0              # panorama -> frame scale at rest
    follow_lag: float = 0.3        # seconds for the operator to catch up with the player
    shake: float = 0.004           # handheld shake amplitude, fraction of frame height
    shake_rotation: float = 0.3    # degrees
    zoom_wobble: float = 0.04      # slow relative zoom drift
    framing: tuple[float, float] = (0.0, 0.0)   # where the player sits, fraction of W, H from centre


class Camera:
    """Call `affine(t, target)` with increasing t; `target` is the panorama point to follow."""

    def __init__(self, style: CameraStyle, frame_size: tuple[int, int], rng: np.random.Generator):
        self.style = style
        self.width, self.height = frame_size
        self.centre: np.ndarray | None = None
        self.last_t: float | None = None
        amp = style.shake * self.height
        # Handheld shake: a few incommensurate sinusoids per axis (smooth, deterministic in t).
        self._shake = [(float(rng.uniform(0.6, 7.0)), float(rng.uniform(0, 2 * np.pi)),
                        float(amp * rng.uniform(0.2, 0.6)), axis)
                       for axis in (0, 1, 0, 1, 0, 1)]
        self._roll = [(float(rng.uniform(0.3, 2.0)), float(rng.uniform(0, 2 * np.pi)),
                       float(np.deg2rad(style.shake_rotation) * rng.uniform(0.3, 0.7))) for _ in range(2)]
        self._zoom_f = float(rng.uniform(0.05, 0.25))
        self._zoom_p = float(rng.uniform(0, 2 * np.pi))

    def zoom_at(self, t: float) -> float:
        return self.style.zoom * (1.0 + self.style.zoom_wobble * np.sin(2 * np.pi * self._zoom_f * t + self._zoom_p))

    def affine(self, t: float, target: np.ndarray) -> np.ndarray:
        target = np.asarray(target, dtype=float)
        if self.centre is None or self.last_t is None:
            self.centre = target.copy()
        else:
            dt = max(0.0, t - self.last_t)
            a = 1.0 - np.exp(-dt / max(self.style.follow_lag, 1e-3))
            self.centre = self.centre + (target - self.centre) * a
        self.last_t = t
        z = self.zoom_at(t)
        roll = sum(a * np.sin(2 * np.pi * fr * t + ph) for fr, ph, a in self._roll)
        shake = np.zeros(2)
        for fr, ph, a, axis in self._shake:
            shake[axis] += a * np.sin(2 * np.pi * fr * t + ph)
        c, s = np.cos(roll) * z, np.sin(roll) * z
        m = np.array([[c, -s], [s, c]])
        fx, fy = self.style.framing
        frame_centre = np.array([self.width * (0.5 + fx), self.height * (0.5 + fy)]) + shake
        return np.hstack([m, (frame_centre - m @ self.centre)[:, None]])


def frame_corners_in_pano(affine: np.ndarray, width: int, height: int) -> np.ndarray:
    """Where the frame's four corners fall in panorama coordinates."""
    m, b = affine[:, :2], affine[:, 2]
    inv = np.linalg.inv(m)
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=float)
    return (corners - b) @ inv.T
