"""Typed configuration of the phone-footage augmentation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from highlights.errors import ConfigError

# Written by earlier versions, no longer a setting of the augmentation (datasets record the
# number of variants they made themselves); read and ignored.
_RETIRED = ("variants_per_clip",)


@dataclass(frozen=True)
class PhoneAugmentConfig:
    """What phone footage does to a clip, and how often.

    Defaults: motion blur up to a 21 px kernel, downscale to 0.35-0.7x ("player filmed far away"),
    JPEG quality 40-100, mild shift/scale/rotate for handheld shake. Every transform has its own
    probability; one set of parameters is sampled per clip and applied to all of its frames.
    """

    motion_blur_p: float = 0.5
    motion_blur_kernel: tuple[int, int] = (3, 21)

    downscale_p: float = 0.5
    downscale_range: tuple[float, float] = (0.35, 0.7)

    jpeg_p: float = 0.5
    jpeg_quality_range: tuple[int, int] = (40, 100)

    # Handheld shake: a mild affine, the same for the whole clip.
    affine_p: float = 0.5
    affine_translate: float = 0.05  # fraction of width/height, +-
    affine_scale_range: tuple[float, float] = (0.9, 1.1)
    affine_rotate_deg: float = 5.0  # +-

    brightness_contrast_p: float = 0.3
    brightness_limit: float = 0.2
    contrast_limit: float = 0.2

    # Optional per-frame shake: an extra translation of up to this many pixels, drawn anew for
    # every frame. 0 turns it off (the default), so a clip keeps exactly one parameter set.
    shake_jitter_px: int = 0

    def __post_init__(self) -> None:
        for name in ("motion_blur_kernel", "downscale_range", "jpeg_quality_range", "affine_scale_range"):
            value = getattr(self, name)
            if len(tuple(value)) != 2:
                raise ConfigError(f"{name} must be two numbers (lo, hi), got {value!r}")
            object.__setattr__(self, name, tuple(value))  # JSON gives lists
        for name, lo, hi in (("motion_blur_p", 0, 1), ("downscale_p", 0, 1), ("jpeg_p", 0, 1), ("affine_p", 0, 1),
                             ("affine_translate", 0, 0.5), ("affine_rotate_deg", 0, 45),
                             ("brightness_contrast_p", 0, 1), ("brightness_limit", 0, 1), ("contrast_limit", 0, 1),
                             ("shake_jitter_px", 0, 32)):
            if not lo <= getattr(self, name) <= hi:
                raise ConfigError(f"{name} must be between {lo} and {hi}, got {getattr(self, name)}")
        lo, hi = self.motion_blur_kernel
        if not (3 <= lo <= hi) or lo % 2 == 0 or hi % 2 == 0:
            raise ConfigError(f"motion_blur_kernel must be odd sizes 3 <= lo <= hi, got {self.motion_blur_kernel}")
        lo, hi = self.downscale_range
        if not (0.0 < lo <= hi < 1.0):
            raise ConfigError(f"downscale_range must satisfy 0 < lo <= hi < 1, got {self.downscale_range}")
        lo, hi = self.jpeg_quality_range
        if not (1 <= lo <= hi <= 100):
            raise ConfigError(f"jpeg_quality_range must satisfy 1 <= lo <= hi <= 100, got {self.jpeg_quality_range}")
        lo, hi = self.affine_scale_range
        if not (0.0 < lo <= hi):
            raise ConfigError(f"affine_scale_range must satisfy 0 < lo <= hi, got {self.affine_scale_range}")

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "PhoneAugmentConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - set(_RETIRED))
        if unknown:
            raise ConfigError(f"unknown augmentation settings: {', '.join(unknown)}")
        return cls(**{k: v for k, v in data.items() if k in known})
