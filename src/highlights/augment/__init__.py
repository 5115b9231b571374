"""Phone-footage augmentation (albumentations): one sampled parameter set per clip.

The preview grid lives in ``highlights.augment.preview`` (it needs matplotlib).
"""

from highlights.augment.config import PhoneAugmentConfig
from highlights.augment.phone import AugmentResult, PhoneAugment, build_clip_transform, derive_seed

__all__ = ["AugmentResult", "PhoneAugment", "PhoneAugmentConfig", "build_clip_transform", "derive_seed"]
