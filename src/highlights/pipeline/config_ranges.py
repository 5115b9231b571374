"""The allowed range of every numeric pipeline setting, checked when a config is built.

A value outside its range (a batch of 0, a window of 0 s, an IoU of -5, a score threshold of 7)
or a number that is not finite (NaN, infinity, `1e309` in a JSON file) is refused with one line
naming the setting and what it may be, before any footage is read, rather than failing deep in
a stage or silently doing nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from highlights.errors import ConfigError


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    low_open: bool = False  # the low end itself is not allowed

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        low = f"more than {_num(self.low)}" if self.low_open else f"at least {_num(self.low)}"
        return f"{low} and at most {_num(self.high)}"


def _num(x: float) -> str:
    return f"{x:g}"


UNIT = Range(0.0, 1.0)          # shares, probabilities, scores, IoU
POSITIVE_S = Range(0.0, 3600.0, low_open=True)
NON_NEGATIVE_S = Range(0.0, 3600.0)

RANGES: dict[str, Range] = {
    "analysis.fps": Range(0.0, 1000.0, low_open=True),
    "analysis.short_side": Range(16, 4320),
    "analysis.buffer_s": POSITIVE_S,
    "analysis.decode_ahead": Range(0, 64),
    "analysis.decode_threads": Range(0, 64),
    "candidates.motion_threshold": Range(0.0, 100.0),
    "candidates.motion_cell_threshold": Range(0.0, 100.0),
    "candidates.scene_cut_threshold": UNIT,
    "candidates.gap_s": NON_NEGATIVE_S,
    "candidates.pad_s": NON_NEGATIVE_S,
    "candidates.max_s": POSITIVE_S,
    "candidates.dense_window_s": POSITIVE_S,
    "detection.min_score": UNIT,
    "detection.person_class": Range(0, 10_000),
    "detection.movenet_frames_per_worker": Range(1, 16),
    "detection.movenet_workers": Range(1, 64),
    "detection.movenet_interpolate_below": Range(0.0, 100.0),
    "detection.movenet_zoom": Range(1.0, 8.0),
    "detection.movenet_zoom_target_px": Range(1.0, 1024.0),
    "detection.movenet_whole_every": Range(1, 1000),
    "detection.movenet_whole_long_side": Range(0, 4096),
    "detection.gt_dropout": UNIT,
    "detection.gt_noise": Range(0.0, 10.0),
    "pose.mediapipe_model_complexity": Range(0, 2),
    "pose.min_visibility": UNIT,
    "pose.min_keypoints": Range(0, 17),
    "pose.refine_margin": Range(0.0, 4.0),
    "pose.refine_short_side": Range(16, 4320),
    "pose.gt_dropout": UNIT,
    "pose.gt_noise_px": Range(0.0, 10_000.0),
    "kinematics.wrist_speed_threshold": Range(0.0, 1000.0, low_open=True),
    "kinematics.ankle_speed_threshold": Range(0.0, 1000.0, low_open=True),
    "kinematics.hip_rise_threshold": Range(0.0, 100.0, low_open=True),
    "kinematics.arm_extension_threshold": Range(-100.0, 100.0),
    "kinematics.trigger_nms_s": NON_NEGATIVE_S,
    "kinematics.smooth_frames": Range(1, 1000),
    "kinematics.max_tracks": Range(0, 10_000),
    "kinematics.peak_contrast": Range(0.0, 1000.0),
    "classifier.window_s": Range(0.0, 600.0, low_open=True),
    "classifier.stride_s": Range(0.0, 600.0, low_open=True),
    "classifier.min_score": UNIT,
    "classifier.action_threshold": UNIT,
    "classifier.batch": Range(1, 4096),
    "classifier.untrained_width": Range(0.0, 4.0, low_open=True),
    "classifier.untrained_depth": Range(1, 4),
    "classifier.oracle_accuracy": UNIT,
    "classifier.fusion_weight": UNIT,
    "merge.nms_iou": UNIT,
    "merge.pad_before_s": NON_NEGATIVE_S,
    "merge.pad_after_s": NON_NEGATIVE_S,
    "merge.min_length_s": NON_NEGATIVE_S,
    "merge.max_length_s": POSITIVE_S,
    "merge.reel_share": UNIT,
    "merge.reel_min_seconds": NON_NEGATIVE_S,
    "merge.reel_height": Range(0, 4320),
    "merge.reel_fps": Range(0.0, 1000.0),
}


def check_ranges(config: Any, sections: tuple[str, ...]) -> None:
    """Raise ConfigError for the first numeric setting of ``config`` that is not finite or out of range."""
    for section in sections:
        values = getattr(config, section)
        for f in fields(values):
            value = getattr(values, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            key = f"{section}.{f.name}"
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{key}={value!r}: must be a finite number"
                                  + (f" ({RANGES[key].describe()})" if key in RANGES else ""))
            allowed = RANGES.get(key)
            if allowed is not None and not allowed.holds(value):
                raise ConfigError(f"{key}={value!r}: out of range; allowed: {allowed.describe()}")
