"""The clip specification shared by datasets, training, evaluation and the pipeline.

Kept in one place (like the presets of torchvision's video references) so that a checkpoint
can carry it and every consumer reads clips the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from highlights.vocabulary import CLASSES

# The four classes the project started from. The class list is configurable everywhere; this is only the default.
DEFAULT_CLASSES: tuple[str, ...] = CLASSES

# Kinetics-400 statistics, the ones torchvision's video models were trained with.
KINETICS_MEAN: tuple[float, float, float] = (0.43216, 0.394666, 0.37645)
KINETICS_STD: tuple[float, float, float] = (0.22803, 0.22145, 0.216989)


@dataclass(frozen=True)
class ClipSpec:
    """How a clip is sampled and normalised before it reaches the model."""

    num_frames: int = 16
    crop_size: int = 112
    resize_short_side: int = 128
    mean: tuple[float, float, float] = KINETICS_MEAN
    std: tuple[float, float, float] = KINETICS_STD

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ClipSpec":
        return cls(
            num_frames=int(data["num_frames"]),
            crop_size=int(data["crop_size"]),
            resize_short_side=int(data["resize_short_side"]),
            mean=tuple(float(x) for x in data["mean"]),
            std=tuple(float(x) for x in data["std"]),
        )
