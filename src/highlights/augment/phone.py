"""Phone-footage augmentation of whole clips, built on albumentations.

albumentations' ``Compose(...)(images=clip)`` samples one parameter set and applies it to every
frame of a ``(T, H, W, 3)`` array, which is exactly what a clip needs: a phone's blur, zoom and
compression do not change from frame to frame. The optional per-frame shake jitter is the one
deliberate exception and runs as a separate per-frame transform.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

# albumentations asks PyPI for a newer release of itself when imported, unless this is set: nothing
# in highlights may reach the network at run time (and offline, the ask costs a timeout).
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import albumentations as A  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from highlights.augment.config import PhoneAugmentConfig

# Reflecting the border keeps shifted frames free of black bars, which real shaky footage never has.
_BORDER = cv2.BORDER_REFLECT_101


def build_clip_transform(config: PhoneAugmentConfig) -> A.Compose:
    """The clip-level pipeline: geometry first, then optics, then what the phone's encoder does."""
    return A.Compose(
        [
            A.Affine(
                translate_percent=(-config.affine_translate, config.affine_translate),
                scale=config.affine_scale_range,
                keep_ratio=True,
                rotate=(-config.affine_rotate_deg, config.affine_rotate_deg),
                border_mode=_BORDER,
                p=config.affine_p,
            ),
            A.RandomBrightnessContrast(
                brightness_limit=config.brightness_limit,
                contrast_limit=config.contrast_limit,
                p=config.brightness_contrast_p,
            ),
            A.MotionBlur(blur_limit=config.motion_blur_kernel, p=config.motion_blur_p),
            A.Downscale(scale_range=config.downscale_range, p=config.downscale_p),
            A.ImageCompression(quality_range=config.jpeg_quality_range, p=config.jpeg_p),
        ],
        save_applied_params=True,
    )


def build_jitter_transform(config: PhoneAugmentConfig) -> A.Compose | None:
    """A small translation drawn anew for each frame (handheld shake); None when switched off."""
    if config.shake_jitter_px <= 0:
        return None
    j = config.shake_jitter_px
    return A.Compose([A.Affine(translate_px=(-j, j), border_mode=_BORDER, p=1.0)], save_applied_params=True)


def summarise_params(applied: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The parameters albumentations reports as applied, reduced to small JSON-safe values."""
    summary: dict[str, dict[str, Any]] = {}
    for name, params in applied:
        if name == "MotionBlur":
            summary[name] = {"kernel_size": int(np.asarray(params["kernel"]).shape[0])}
        elif name == "Downscale":
            summary[name] = {"scale": round(float(params["scale"]), 4)}
        elif name == "ImageCompression":
            summary[name] = {"quality": int(params["quality"])}
        elif name == "Affine":
            scale = params.get("scale", {})
            # The shake's translation: where the frame centre moves to (the matrix also holds the
            # rotation/scale about the centre, which moves nothing there).
            h, w = params["shape"][:2]
            centre = np.array([w / 2, h / 2, 1.0])
            dx, dy = (np.asarray(params["matrix"]) @ centre)[:2] - centre[:2]
            summary[name] = {
                "rotate": round(float(params.get("rotate", 0.0)), 3),
                "scale": round(float(scale.get("x", 1.0)) if isinstance(scale, dict) else float(scale), 4),
                "shift_px": [round(float(dx), 2), round(float(dy), 2)],
            }
        elif name == "RandomBrightnessContrast":
            summary[name] = {"alpha": round(float(params["alpha"]), 4), "beta": round(float(params["beta"]), 3)}
        else:  # any transform added later: keep its plain scalar parameters
            summary[name] = {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))}
    return summary


def derive_seed(*parts: object) -> int:
    """A stable 31-bit seed from any parts (dataset seed, clip hash, variant index, ...)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


@dataclass(frozen=True)
class AugmentResult:
    frames: np.ndarray  # (T, H, W, 3) uint8
    seed: int
    params: dict[str, dict[str, Any]]  # transform name -> sampled parameters; absent = not applied
    jitter_px: list[tuple[float, float]] = field(default_factory=list)  # per-frame (dx, dy), if on

    def describe(self) -> str:
        """One short line naming what was applied, in words, for titles and logs: "bc 0.98/+38" and
        "x0.94" above a preview's column were names only the code used."""
        bits = []
        for name, p in self.params.items():
            if name == "MotionBlur":
                bits.append(f"motion blur {p['kernel_size']} px")
            elif name == "Downscale":
                bits.append(f"resolution x{p['scale']:.2f}")
            elif name == "ImageCompression":
                bits.append(f"JPEG quality {p['quality']}")
            elif name == "Affine":
                dx, dy = p["shift_px"]
                bits.append(f"turned {p['rotate']:+.1f}°, zoom x{p['scale']:.2f}, moved {dx:+.0f},{dy:+.0f} px")
            elif name == "RandomBrightnessContrast":
                bits.append(f"contrast x{p['alpha']:.2f}, brightness {p['beta']:+.0f}")
            else:
                bits.append(name)
        if self.jitter_px:
            bits.append("shake jitter")
        return ", ".join(bits) if bits else "unchanged"


class PhoneAugment:
    """``PhoneAugment(config)(frames, seed=s)``: one sampled parameter set for a whole clip.

    The same ``seed`` always gives the same output. Without a seed, each call draws its seed from
    a generator seeded by the constructor's ``seed`` (fresh entropy if that is None too), so a run
    over many clips is reproducible from one number.
    """

    def __init__(self, config: PhoneAugmentConfig | None = None, *, seed: int | None = None):
        self.config = config or PhoneAugmentConfig()
        self._clip_transform = build_clip_transform(self.config)
        self._jitter_transform = build_jitter_transform(self.config)
        self._seeds = np.random.default_rng(seed)

    def __call__(self, frames: np.ndarray, *, seed: int | None = None) -> np.ndarray:
        return self.apply(frames, seed=seed).frames

    def apply(self, frames: np.ndarray, *, seed: int | None = None) -> AugmentResult:
        clip = _as_clip(frames)
        if seed is None:
            seed = int(self._seeds.integers(0, 2**31 - 1))
        self._clip_transform.set_random_seed(seed)
        jitter: list[tuple[float, float]] = []
        if self._jitter_transform is not None:
            clip, jitter = self._apply_jitter(clip, derive_seed(seed, "jitter"))
        out = self._clip_transform(images=clip)
        return AugmentResult(
            frames=np.ascontiguousarray(out["images"], dtype=np.uint8),
            seed=seed,
            params=summarise_params(out["applied_transforms"]),
            jitter_px=jitter,
        )

    def _apply_jitter(self, clip: np.ndarray, seed: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
        assert self._jitter_transform is not None
        self._jitter_transform.set_random_seed(seed)
        moved = np.empty_like(clip)
        shifts = []
        for i, frame in enumerate(clip):
            result = self._jitter_transform(image=frame)
            moved[i] = result["image"]
            # A pure translation: the shift is the last column of the applied matrix.
            matrix = np.asarray(result["applied_transforms"][0][1]["matrix"])
            shifts.append((round(float(matrix[0, 2]), 3), round(float(matrix[1, 2]), 3)))
        return moved, shifts


def _as_clip(frames: np.ndarray) -> np.ndarray:
    clip = np.asarray(frames)
    if clip.ndim != 4 or clip.shape[-1] != 3:
        raise ValueError(f"expected a (T, H, W, 3) clip, got shape {clip.shape}")
    if clip.shape[0] == 0:
        raise ValueError("expected a clip with at least one frame, got 0 frames")
    if clip.dtype != np.uint8:
        raise ValueError(f"expected uint8 frames, got {clip.dtype}")
    return clip
