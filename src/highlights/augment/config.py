"""Typed configuration of the phone-footage augmentation, with the seed's ranges as defaults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PhoneAugmentConfig(BaseModel):
    """What phone footage does to a clip, and how often.

    Defaults follow the seed: motion blur up to a 21 px kernel, downscale to 0.35-0.7x
    ("player filmed far away"), JPEG quality 40-100, mild shift/scale/rotate for handheld shake,
    and ~2 augmented variants per real clip. Every transform has its own probability; one set of
    parameters is sampled per clip and applied to all of its frames.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    motion_blur_p: float = Field(default=0.5, ge=0.0, le=1.0)
    motion_blur_kernel: tuple[int, int] = (3, 21)

    downscale_p: float = Field(default=0.5, ge=0.0, le=1.0)
    downscale_range: tuple[float, float] = (0.35, 0.7)

    jpeg_p: float = Field(default=0.5, ge=0.0, le=1.0)
    jpeg_quality_range: tuple[int, int] = (40, 100)

    # Handheld shake: a mild affine, the same for the whole clip.
    affine_p: float = Field(default=0.5, ge=0.0, le=1.0)
    affine_translate: float = Field(default=0.05, ge=0.0, le=0.5)  # fraction of width/height, +-
    affine_scale_range: tuple[float, float] = (0.9, 1.1)
    affine_rotate_deg: float = Field(default=5.0, ge=0.0, le=45.0)  # +-

    brightness_contrast_p: float = Field(default=0.3, ge=0.0, le=1.0)
    brightness_limit: float = Field(default=0.2, ge=0.0, le=1.0)
    contrast_limit: float = Field(default=0.2, ge=0.0, le=1.0)

    # Optional per-frame shake: an extra translation of up to this many pixels, drawn anew for
    # every frame. 0 turns it off (the default), so a clip keeps exactly one parameter set.
    shake_jitter_px: int = Field(default=0, ge=0, le=32)

    # How many augmented variants a real training clip spawns when variants are materialised.
    variants_per_clip: int = Field(default=2, ge=0)

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> "PhoneAugmentConfig":
        lo, hi = self.motion_blur_kernel
        if not (3 <= lo <= hi) or lo % 2 == 0 or hi % 2 == 0:
            raise ValueError(f"motion_blur_kernel must be odd sizes 3 <= lo <= hi, got {self.motion_blur_kernel}")
        lo, hi = self.downscale_range
        if not (0.0 < lo <= hi < 1.0):
            raise ValueError(f"downscale_range must satisfy 0 < lo <= hi < 1, got {self.downscale_range}")
        lo, hi = self.jpeg_quality_range
        if not (1 <= lo <= hi <= 100):
            raise ValueError(f"jpeg_quality_range must satisfy 1 <= lo <= hi <= 100, got {self.jpeg_quality_range}")
        lo, hi = self.affine_scale_range
        if not (0.0 < lo <= hi):
            raise ValueError(f"affine_scale_range must satisfy 0 < lo <= hi, got {self.affine_scale_range}")
        return self

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict) -> "PhoneAugmentConfig":
        return cls.model_validate(data)
