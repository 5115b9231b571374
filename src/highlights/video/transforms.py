"""From sampled frames to the classifier's input tensor (torchvision's video presets, by hand).

torchvision is not installable beside the pinned torch, so its resize / crop / normalise
steps for video clips are re-done here with OpenCV and numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from highlights.clips.spec import ClipSpec


def resize_short_side(frames: np.ndarray, short_side: int) -> np.ndarray:
    """(T,H,W,3) uint8 -> the same clip with its shorter side equal to ``short_side``."""
    t, h, w = frames.shape[:3]
    scale = short_side / min(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    if (new_w, new_h) == (w, h):
        return frames
    # INTER_AREA averages when shrinking (no aliasing); bilinear when enlarging.
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.stack([cv2.resize(f, (new_w, new_h), interpolation=interp) for f in frames])


def crop_offsets(height: int, width: int, crop: int, *, train: bool,
                 rng: np.random.Generator | None) -> tuple[int, int]:
    """Top-left corner of the crop: centred at test, uniformly random at train."""
    if height < crop or width < crop:
        raise ValueError(f"cannot crop {crop}x{crop} from {width}x{height}")
    if not train:
        return (height - crop) // 2, (width - crop) // 2
    rng = rng if rng is not None else np.random.default_rng()
    return int(rng.integers(0, height - crop + 1)), int(rng.integers(0, width - crop + 1))


def clip_to_tensor(frames: np.ndarray | Sequence[np.ndarray], spec: ClipSpec, *, train: bool,
                   rng: np.random.Generator | None = None):
    """(T,H,W,3) uint8 RGB frames -> (3,T,crop,crop) float32 tensor, normalised per ``spec``.

    Short side resized to ``spec.resize_short_side``; one crop of ``spec.crop_size`` for the
    whole clip, centred (``train=False``) or at a random place drawn from ``rng`` (train).
    """
    import torch  # deferred: reading video should not pay torch's import time

    clip = np.asarray(frames)
    if clip.ndim != 4 or clip.shape[-1] != 3 or clip.dtype != np.uint8:
        raise ValueError(f"frames must be (T,H,W,3) uint8, got {clip.shape} {clip.dtype}")
    clip = resize_short_side(clip, spec.resize_short_side)
    top, left = crop_offsets(clip.shape[1], clip.shape[2], spec.crop_size, train=train, rng=rng)
    clip = clip[:, top : top + spec.crop_size, left : left + spec.crop_size]
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    normalised = (clip.astype(np.float32) / 255.0 - mean) / std  # (T,H,W,3)
    return torch.from_numpy(np.ascontiguousarray(normalised.transpose(3, 0, 1, 2)))
