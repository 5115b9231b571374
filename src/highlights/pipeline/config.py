"""The pipeline's configuration: one typed record of every stage switch, backend and threshold.

Every result file (highlights.json, pipeline_eval.json, ablation.json) carries `to_dict()` of the
config that made it, and any field can be changed by name (`--set video_mode=false`), which is
what the one-at-a-time ablation flips.
"""

from __future__ import annotations

import json
import typing
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from highlights.errors import ConfigError, MissingFileError

# The stages in the order a frame or candidate meets them. Each has an on/off flag of the same name.
STAGES: tuple[str, ...] = ("candidates", "detection", "pose", "kinematics", "classifier", "merge")



@dataclass(frozen=True)
class PipelineConfig:
    """All pipeline settings. A stage switched off passes its input through unchanged."""

    # -- the one decoding pass: cheap stages and classifier windows share this stream
    analysis_fps: float = 10.0
    analysis_short_side: int = 180
    # swscale filter for that downscale: AREA averages what each output pixel covers (no
    # aliasing) and is ~2x faster than PyAV's default filter at 720p -> 180p on this CPU.
    analysis_interpolation: str = "AREA"

    # -- candidate windows: scene cuts + motion energy
    candidates: bool = True
    candidates_backend: str = "motion"  # motion | dense (fixed windows everywhere)
    motion_threshold: float = 0.3  # % of pixels changed since the last analysis frame to be "active"
    scene_cut_threshold: float = 0.5  # histogram distance (0..1) above which a frame starts a new shot
    candidate_gap_s: float = 1.0  # quiet time that closes a candidate window
    candidate_pad_s: float = 1.0  # context kept on each side of the active span
    candidate_max_s: float = 10.0  # longer activity is split, so memory and latency stay bounded
    dense_window_s: float = 4.0  # window length when candidates_backend=dense or candidates=false
    active_frames_only: bool = True  # run detection/pose only on frames inside motion activity

    # -- person detection
    detection: bool = True
    detection_backend: str = "mediapipe"  # mediapipe | gt | local
    detector_path: str | None = None  # TorchScript (.pt/.ts) or ONNX (.onnx) file for backend=local
    detector_person_class: int = 0
    detection_min_score: float = 0.5

    # -- pose estimation
    pose: bool = True
    pose_backend: str = "mediapipe"  # mediapipe | gt
    video_mode: bool = True  # MediaPipe tracking across frames (VIDEO) vs per-frame (IMAGE)
    mediapipe_model_complexity: int = 1  # only 1 ships inside the wheel
    pose_min_visibility: float = 0.5
    pose_min_keypoints: int = 8  # visible keypoints for a pose to count

    # -- ground-truth backends (synthetic games: NAME.gt.jsonl)
    gt_path: str | None = None  # default: NAME.gt.jsonl beside NAME.mp4
    gt_detection_dropout: float = 0.0
    gt_detection_noise: float = 0.0  # box jitter, fraction of box size
    gt_pose_dropout: float = 0.0
    gt_pose_noise_px: float = 0.0
    gt_seed: int = 0

    # -- kinematics (speeds in body heights per second)
    kinematics: bool = True
    kinematics_backend: str = "joints"
    # Limb speeds relative to the body's centre. A jog's ankles peak near 2.5, a shot's far above.
    wrist_speed_threshold: float = 2.2
    ankle_speed_threshold: float = 3.0
    hip_rise_threshold: float = 0.12  # body heights
    arm_extension_threshold: float = 0.15  # wrist above shoulder, body heights
    trigger_nms_s: float = 1.0  # at most half a classifier window: a dropped trigger lies inside a kept one's window
    kinematics_smooth_frames: int = 1  # >1 averages positions; it also flattens fast peaks at low fps
    kinematics_max_tracks: int = 0  # watch only the N largest people in a window (0: everyone)

    # -- clip classification
    classifier: bool = True
    classifier_backend: str = "checkpoint"  # checkpoint | untrained | oracle
    checkpoint: str | None = None
    classifier_window_s: float = 2.0
    classifier_stride_s: float = 1.0  # window spacing inside a candidate with no kinematic key
    classifier_min_score: float = 0.5
    classifier_batch: int = 8
    classifier_int8: bool = True  # use the checkpoint's int8 model where `evaluate --int8` verified it
    # Run the network on a background thread while decoding goes on. On 2 cores it wins, if
    # narrowly (bench/bench_pipeline.py: median 25.3 vs 26.6 s int8, 45.7 vs 49.6 s fp32 on a
    # 5-minute 720p game); the decisions are the same either way.
    classifier_overlap: bool = True
    classifier_frames: str = "stream"  # stream (ring buffer) | seek (read_clip per window: the slow reference)
    untrained_width: float = 0.25  # untrained backend: 1.0 with depth 2 is the full R(2+1)D-18's cost
    untrained_depth: int = 1
    oracle_accuracy: float = 1.0  # oracle backend: share of events it labels right

    # -- merge: temporal NMS, padding, length limits
    merge: bool = True
    merge_backend: str = "temporal_nms"
    nms_iou: float = 0.3
    pad_before_s: float = 1.0
    pad_after_s: float = 1.5
    min_length_s: float = 3.0
    max_length_s: float = 12.0

    # -- streaming
    buffer_s: float = 16.0  # frames kept for classifier windows; bounds memory

    def __post_init__(self) -> None:
        from highlights.pipeline.stage import registered_backends

        for stage in STAGES:
            value, names = getattr(self, f"{stage}_backend"), registered_backends(stage)
            if value not in names:
                raise ConfigError(f"{stage}_backend={value!r}: choose one of {', '.join(names)}")
        if self.classifier_frames not in ("stream", "seek"):
            raise ConfigError(f"classifier_frames={self.classifier_frames!r}: choose stream or seek")
        from highlights.video.reader import SCALE_FILTERS

        if self.analysis_interpolation not in SCALE_FILTERS:
            raise ConfigError(f"analysis_interpolation={self.analysis_interpolation!r}: choose one of "
                             f"{', '.join(SCALE_FILTERS)}")
        if self.analysis_fps <= 0 or self.analysis_short_side < 16:
            raise ConfigError("analysis_fps must be > 0 and analysis_short_side >= 16")
        if self.min_length_s > self.max_length_s:
            raise ConfigError(f"min_length_s={self.min_length_s} > max_length_s={self.max_length_s}")
        if self.buffer_s < self.longest_window_span_s():
            raise ConfigError(
                f"buffer_s={self.buffer_s} cannot hold a whole candidate window "
                f"(needs >= {self.longest_window_span_s():g} s)")

    def longest_window_span_s(self) -> float:
        """The longest stretch of frames a candidate can need at once: its span plus a
        classifier window on each side, plus one frame of slack."""
        span = max(self.candidate_max_s + 2 * self.candidate_pad_s, self.dense_window_s)
        return span + self.classifier_window_s + 2.0 / self.analysis_fps

    def enabled(self, stage: str) -> bool:
        return bool(getattr(self, stage))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PipelineConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown pipeline config field(s): {', '.join(unknown)}")
        return cls(**{k: _coerce(k, v) for k, v in data.items()})

    @classmethod
    def load(cls, path: str | Path) -> "PipelineConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise MissingFileError(path, "config file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid JSON ({' '.join(str(e).split())})") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder, not a config file") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object of pipeline settings")
        data = data.get("config", data)  # a result file's embedded config works too
        return cls.from_dict(data)

    def with_overrides(self, overrides: dict[str, Any] | list[str] | None) -> "PipelineConfig":
        """A copy with fields changed: a dict, or `flag=value` strings as typed on the command line."""
        if not overrides:
            return self
        if not isinstance(overrides, dict):
            overrides = parse_assignments(overrides)
        known = {f.name for f in fields(self)}
        for key in overrides:
            if key not in known:
                raise ConfigError(f"unknown pipeline flag {key!r}")
        return replace(self, **{k: _coerce(k, v) for k, v in overrides.items()})


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`["video_mode=false", "nms_iou=0.5"]` -> typed dict (types from the dataclass fields)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"{item!r}: expected flag=value")
        key, value = item.split("=", 1)
        out[key.strip()] = _coerce(key.strip(), value.strip())
    return out


_HINTS = typing.get_type_hints(PipelineConfig)


def _coerce(name: str, value: Any) -> Any:
    """Turn a JSON or command-line value into the field's declared type, with a clear error."""
    if name not in _HINTS:
        raise ConfigError(f"unknown pipeline flag {name!r}")
    hint = _HINTS[name]
    optional = type(None) in typing.get_args(hint)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if value is None or (optional and isinstance(value, str) and value.lower() in ("none", "null", "")):
        if optional:
            return None
        raise ConfigError(f"{name}: a value is required")
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if base is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if base is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r}: expected {base.__name__}") from None
