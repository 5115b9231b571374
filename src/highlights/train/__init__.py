"""Training the clip classifier: config, decoded-clip cache, the loop with resume, evaluation."""

from highlights.train.config import TrainConfig
from highlights.train.loop import TrainResult, fit, load_saved_config

__all__ = ["TrainConfig", "TrainResult", "fit", "load_saved_config"]
