"""The pose classifier's networks, its checkpoint file, and window/clip prediction.

Three families, all plain torch so a checkpoint is weights plus plain settings
(`torch.load(weights_only=True)` reads it; it cannot run code):

- `features_linear`: multinomial logistic regression on the hand-made window features;
- `features_mlp`: a one-hidden-layer perceptron on the same features;
- `tcn`: a small temporal convolution network on the normalised sequence with velocities.

A clip (or a pipeline window of any length) is scored by sliding the model's window over it,
each window averaged with its mirror image; `aggregation` says how the windows make the clip's
class probabilities: `max`, those of the window most likely to hold an action (1 - P(none)), or
`mean`, the mean over the windows (with `max`, one kick-like moment of background play can decide
a long clip). bench/bench_pose_classifier.py measures both on real clips. `action_threshold` turns
"some action" into a decision: below it the answer is `none` whatever the sport scores say.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from highlights.atomic import atomic_write_bytes
from highlights.errors import ConfigError
from highlights.file_hash import file_sha256  # noqa: F401 (the name its importers use)
from highlights.model.checkpoint import unreadable_checkpoint, unsupported_format
from highlights.model.errors import CheckpointError
from highlights.model.weights_load import load_weights_only
from highlights.packaged_file import file_or_member
from highlights.pose_classifier.features import FEATURE_VERSION, FEATURE_VERSIONS, feature_names, window_features
from highlights.pose_classifier.skeleton import mirror, normalise, resample, with_velocity
from highlights.pose_classifier.summary_beside import warn_of_another_models_summary

FORMAT_NAME = "highlights.checkpoint"
# The pose model file's layout. Every pose model highlights has written is format 1; older ones
# within it (no feature range, no aggregation) are read by the defaults `load` gives them.
FORMAT_VERSION = 1
FAMILIES = ("features_linear", "features_mlp", "tcn")
AGGREGATIONS = ("max", "mean")
ARCH_PREFIX = "pose_"


@dataclass(frozen=True)
class PoseWindowSpec:
    fps: float = 10.0
    window_frames: int = 20
    stride_frames: int = 5

    @property
    def window_s(self) -> float:
        return self.window_frames / self.fps

    def to_dict(self) -> dict:
        return asdict(self)


class FeatureNet(nn.Module):
    """Features are clamped to the range they took in training (`lo`, `hi`) before the model
    sees them: a real estimator's pose can put a feature far outside anything the generator made
    (real shoulders and hands are wider apart than synthetic ones), and a linear model would
    extrapolate that one feature into a confident, wrong class."""

    def __init__(self, num_features: int, num_classes: int, hidden: int = 0, dropout: float = 0.2):
        super().__init__()
        self.register_buffer("mean", torch.zeros(num_features))
        self.register_buffer("std", torch.ones(num_features))
        self.register_buffer("lo", torch.full((num_features,), -torch.inf))
        self.register_buffer("hi", torch.full((num_features,), torch.inf))
        if hidden > 0:
            self.net = nn.Sequential(nn.Linear(num_features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, num_classes))
        else:
            self.net = nn.Sequential(nn.Dropout(0.0), nn.Linear(num_features, num_classes))

    def standardise(self, x: torch.Tensor) -> torch.Tensor:
        """Features as the layers read them: clamped to the training range, then standardised."""
        return (torch.clamp(x, self.lo, self.hi) - self.mean) / self.std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.standardise(x))


class PoseTCN(nn.Module):
    """(N, 17*5, T) -> logits. Dilated 1D convolutions over time, then max and mean pooling."""

    def __init__(self, num_classes: int, channels: int = 64, in_channels: int = 17 * 5, dropout: float = 0.3):
        super().__init__()
        c = channels
        self.body = nn.Sequential(
            nn.Conv1d(in_channels, c, 3, padding=1), nn.BatchNorm1d(c), nn.ReLU(),
            nn.Conv1d(c, c, 3, padding=2, dilation=2), nn.BatchNorm1d(c), nn.ReLU(),
            nn.Conv1d(c, c, 3, padding=4, dilation=4), nn.BatchNorm1d(c), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * c, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        return self.head(torch.cat([h.amax(dim=2), h.mean(dim=2)], dim=1))


def build_network(family: str, num_classes: int, **kw) -> nn.Module:
    if family == "features_linear":
        return FeatureNet(len(feature_names()), num_classes, hidden=0)
    if family == "features_mlp":
        return FeatureNet(len(feature_names()), num_classes, hidden=int(kw.get("hidden", 64)))
    if family == "tcn":
        return PoseTCN(num_classes, channels=int(kw.get("channels", 64)))
    raise ConfigError(f"unknown pose model family {family!r}; expected one of {FAMILIES}")


def model_inputs(family: str, norm_windows: list[np.ndarray], fps: float,
                 feature_version: int = FEATURE_VERSION, side_free: bool = False) -> torch.Tensor:
    """Normalised (T,17,3) windows -> the network's input batch (features as `feature_version`
    computes them, side-free with `side_free`, for the features families)."""
    if family.startswith("features"):
        return torch.from_numpy(np.stack([window_features(w, fps, feature_version, side_free)[0]
                                          for w in norm_windows]))
    seq = np.stack([with_velocity(w, fps) for w in norm_windows])          # (N,T,17,5)
    seq = np.clip(seq, -20.0, 20.0)
    n, t = seq.shape[:2]
    return torch.from_numpy(seq.reshape(n, t, -1).transpose(0, 2, 1).copy())


def pixel_windows(keypoints: np.ndarray, times: np.ndarray, spec: PoseWindowSpec) -> list[np.ndarray]:
    """(T,17,3) pixel keypoints at any times -> windows at the model's rate every
    `stride_frames`, the last one flush with the end; a track shorter than a window is centred in
    one. Windows with the body in fewer than a quarter of their frames are left out."""
    times = np.asarray(times, np.float64)
    if len(times) == 0:
        return []
    t0, t1 = float(times[0]), float(times[-1])
    span = max(t1 - t0, 0.0)
    starts = [t0] if span <= spec.window_s else list(
        np.arange(t0, t1 - spec.window_s + 1e-6, spec.stride_frames / spec.fps)) + [t1 - spec.window_s + 1.0 / spec.fps]
    out = []
    for s in starts:
        grid = s + np.arange(spec.window_frames) / spec.fps
        if span <= spec.window_s:  # a short clip: centre it in the window
            grid = grid - 0.5 * (spec.window_s - span)
        w = resample(keypoints, times, grid)
        if (w[:, :, 2].max(axis=1) > 0).mean() >= 0.25:
            out.append(w)
    return out


class PoseClassifier:
    """A trained pose model: `.classes`, `.spec`, `.family`, `.meta`, and predictions.
    `feature_version` says how its window features are computed (features families): a new model
    gets the current one, a loaded model the one it was trained on; `side_free`, whether its limbs'
    speeds ignore which joint of a pair is named left (`features._side_free_speeds`)."""

    def __init__(self, network: nn.Module, classes: list[str], spec: PoseWindowSpec, family: str,
                 meta: dict, action_threshold: float = 0.5, aggregation: str = "max",
                 feature_version: int = FEATURE_VERSION, side_free: bool = False):
        if side_free and not family.startswith("features"):
            raise ConfigError(f"side-free input is a features family's; {family!r} reads the joints")
        if aggregation not in AGGREGATIONS:
            raise ConfigError(f"unknown window aggregation {aggregation!r}; expected one of {AGGREGATIONS}")
        if feature_version not in FEATURE_VERSIONS:
            raise ConfigError(f"unknown pose feature version {feature_version!r}; expected one of {FEATURE_VERSIONS}")
        self.feature_version = int(feature_version)
        self.side_free = bool(side_free)
        self.aggregation = aggregation
        self.network = network.eval()
        self.classes = list(classes)
        self.spec = spec
        self.family = family
        self.meta = meta
        self.action_threshold = float(action_threshold)
        self.none_index = self.classes.index("none") if "none" in self.classes else None

    # ----------------------------------------------------------------- files
    def save(self, path: str | Path, extra_meta: dict | None = None) -> Path:
        return atomic_write_bytes(path, self.checkpoint_bytes(extra_meta))

    def checkpoint_bytes(self, extra_meta: dict | None = None) -> bytes:
        """The file `save` writes, as bytes: for a writer that stores its hash beside it."""
        meta = {**self.meta, **(extra_meta or {})}
        meta.update({"classes": self.classes, "pose_window": self.spec.to_dict(),
                     "model": {"arch": ARCH_PREFIX + self.family, **meta.get("model", {}),
                               "family": self.family, "feature_version": self.feature_version,
                               "side_free": self.side_free},
                     "action_threshold": self.action_threshold, "aggregation": self.aggregation})
        self.meta = meta
        payload = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "meta": meta,
                   "state_dict": {k: v.detach().cpu().contiguous() for k, v in self.network.state_dict().items()}}
        buffer = io.BytesIO()
        torch.save(payload, buffer)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: str | Path | Traversable) -> "PoseClassifier":
        """The model in `path`: a file, or the packaged model (`default.DEFAULT_MODEL`), whose bytes
        are read where it is a member of the zip highlights is imported from (no path to load)."""
        path = file_or_member(path)
        if not path.is_file():
            raise CheckpointError(path, "no such file")
        try:
            payload = load_weights_only(path if isinstance(path, Path) else io.BytesIO(path.read_bytes()))
        except Exception as e:  # any unreadable file: one line naming it
            if isinstance(path, Path):
                # What the file is, as --checkpoint says it: torch's own message is paragraphs
                # advising weights_only=False, which could run the file's code.
                raise unreadable_checkpoint(path, e) from None
            raise CheckpointError(path, f"not a readable pose model ({type(e).__name__}: {e})") from None
        version = payload.get("format_version") if isinstance(payload, dict) else None
        if isinstance(payload, dict) and payload.get("format") == FORMAT_NAME and version != FORMAT_VERSION:
            raise CheckpointError(path, unsupported_format(version, FORMAT_VERSION))
        try:
            meta = payload["meta"]
            arch = meta["model"]["arch"]
            if not str(arch).startswith(ARCH_PREFIX):
                raise CheckpointError(path, f"not a pose model (architecture {arch!r}: "
                                            + ("an R(2+1)D clip classifier, which goes in as --checkpoint)"
                                               if str(arch).startswith("r2plus1d") else "from elsewhere)"))
            family = meta["model"]["family"]
            sizes = {k: meta["model"][k] for k in ("hidden", "channels") if k in meta["model"]}
            net = build_network(family, len(meta["classes"]), **sizes)
            state = payload["state_dict"]
            if isinstance(net, FeatureNet):
                # Models written before features were clamped have no range: unbounded.
                state = {"lo": net.lo, "hi": net.hi, **state}
            net.load_state_dict(state)
            spec = PoseWindowSpec(**meta["pose_window"])
        except CheckpointError:
            raise
        except Exception as e:
            raise CheckpointError(path, f"not a valid pose model ({type(e).__name__}: {e})") from None
        aggregation = meta.get("aggregation", "max")   # models written before the setting existed
        if aggregation not in AGGREGATIONS:
            raise CheckpointError(path, f"unknown window aggregation {aggregation!r}")
        feature_version = meta["model"].get("feature_version", 1)   # written before it was stored
        if feature_version not in FEATURE_VERSIONS:
            raise CheckpointError(path, f"pose feature version {feature_version!r}, which this highlights does not "
                                        f"compute (it computes {list(FEATURE_VERSIONS)}): another version of "
                                        "highlights wrote it")
        side_free = meta["model"].get("side_free", False)   # written before it was stored
        if not isinstance(side_free, bool):
            raise CheckpointError(path, f"side_free {side_free!r}, not true or false")
        if isinstance(path, Path):  # a packaged model inside a zip has no summary to mix up
            warn_of_another_models_summary(path)
        return cls(net, meta["classes"], spec, family, meta, meta.get("action_threshold", 0.5), aggregation,
                   feature_version, side_free)

    # ----------------------------------------------------------------- prediction
    @torch.no_grad()
    def window_proba(self, norm_windows: list[np.ndarray], *, tta_mirror: bool = True) -> np.ndarray:
        """(N, classes) for normalised (T,17,3) windows (mirror-averaged)."""
        if not norm_windows:
            return np.zeros((0, len(self.classes)), np.float32)
        x = model_inputs(self.family, norm_windows, self.spec.fps, self.feature_version,
                         self.side_free)
        p = torch.softmax(self.network(x), dim=1)
        if tta_mirror:
            xm = model_inputs(self.family, [mirror(w) for w in norm_windows], self.spec.fps,
                              self.feature_version, self.side_free)
            p = 0.5 * (p + torch.softmax(self.network(xm), dim=1))
        return p.numpy()

    def track_proba(self, keypoints: np.ndarray, times: np.ndarray) -> np.ndarray | None:
        """Class probabilities for one person's (T,17,3) pixel keypoints at `times` (any rate,
        any length): sliding windows, combined by the model's `aggregation`. None if no window had a
        usable body."""
        windows = self.windows(keypoints, times)
        if not windows:
            return None
        return self.aggregate(self.window_proba(windows))

    def windows(self, keypoints: np.ndarray, times: np.ndarray) -> list[np.ndarray]:
        """The track's sliding windows, normalised (those without a usable body left out)."""
        out = []
        for w in pixel_windows(keypoints, times, self.spec):
            norm = normalise(w)
            if norm is not None:
                out.append(norm)
        return out

    def aggregate(self, proba: np.ndarray, aggregation: str | None = None) -> np.ndarray:
        """A clip's class probabilities from its windows' (N, classes), by `aggregation`
        (the model's own unless given)."""
        if (aggregation or self.aggregation) == "mean" or self.none_index is None:
            return proba.mean(axis=0)
        action = 1.0 - proba[:, self.none_index]
        return proba[int(np.argmax(action))]

    def decide(self, proba: np.ndarray) -> int:
        """Class index: `none` when the action probability is below the threshold, else the most
        probable action class."""
        if self.none_index is None:
            return int(np.argmax(proba))
        from highlights.pose_classifier.action_gate import decide

        return decide(proba, self.none_index, self.action_threshold)[0]
