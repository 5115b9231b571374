"""The training configuration: typed, and saved in every checkpoint and report it leads to."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from highlights.clips.spec import ClipSpec
from highlights.worker_processes import MAX_WORKER_PROCESSES
from highlights.errors import ConfigError

BALANCE_CHOICES = ("loss", "sampler", "none")
# `highlights train`'s option for each setting whose name differs from the setting's.
_OPTION_NAMES = {"num_frames": "--frames", "crop_size": "--crop", "augment": "--augment/--no-augment"}
PRECISION_CHOICES = ("auto", "fp32", "bf16")


@dataclass
class TrainConfig:
    """Everything that decides what a training run produces.

    The defaults train the full model: R(2+1)D-18 on 16 frames at 112x112 (short side 128,
    as in torchvision's video references). `quick()` gives a small model for tests and quick runs.
    """

    root: str
    version: str
    out_dir: str
    # Model. width=1.0 and layers=(2, 2, 2, 2) is R(2+1)D-18 exactly.
    width: float = 1.0
    layers: tuple[int, int, int, int] = (2, 2, 2, 2)
    # Clip spec.
    num_frames: int = 16
    crop_size: int = 112
    resize_short_side: int = 128
    # Optimisation: AdamW, linear warmup then cosine decay, stepped every batch.
    epochs: int = 30
    batch_size: int = 8
    lr: float = 5e-4
    weight_decay: float = 0.05
    warmup_epochs: float = 1.0
    # Class imbalance: "loss" weights the loss by inverse class frequency, "sampler" draws
    # training clips with a weighted sampler instead, "none" does neither.
    balance: str = "loss"
    # On-the-fly phone augmentation of training clips (on top of any variants in the dataset).
    augment: bool = True
    augment_config: dict = field(default_factory=dict)  # PhoneAugmentConfig fields; {} = its defaults
    hflip: bool = True
    # Stop when validation macro-F1 has not improved for this many epochs (0 = never stop early).
    patience: int = 5
    seed: int = 0
    num_workers: int = 2
    # A local torchvision-layout R(2+1)D-18 checkpoint (e.g. Kinetics-400) to fine-tune from.
    pretrained: str | None = None
    # Training samples drawn from each clip per epoch, each with its own crop and augmentation.
    clips_per_video: int = 1
    # Decoded-clip cache; None = OUT_DIR/cache. Share it between runs on the same data.
    cache_dir: str | None = None
    classes: tuple[str, ...] | None = None  # None = the dataset's classes
    deterministic: bool = True
    # "bf16": forward pass and loss under bf16 autocast (weights, gradients and the optimizer stay
    # fp32), on CPUs with native bf16 only (see `check_precision`). "auto" is bf16 on a CPU with AMX
    # and fp32 elsewhere (emulated bf16 is several times slower than fp32; see `resolve_precision`);
    # `fit` saves the resolved one.
    # bench/bench_train.py --compare-curves shows bf16's validation curve within fp32's seed noise.
    precision: str = "auto"

    def __post_init__(self) -> None:
        self.layers = tuple(int(n) for n in self.layers)
        if self.classes is not None:
            self.classes = tuple(self.classes)
        if self.precision not in PRECISION_CHOICES:
            raise ConfigError(f"precision must be one of {', '.join(PRECISION_CHOICES)}, "
                              f"got {self.precision!r}")
        if self.balance not in BALANCE_CHOICES:
            raise ConfigError(f"balance must be one of {', '.join(BALANCE_CHOICES)}, "
                              f"got {self.balance!r}")
        for name in ("epochs", "batch_size", "num_frames", "crop_size", "clips_per_video"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        # Checked here, not left to torch: its refusals (AdamW's "Invalid learning rate") come as
        # tracebacks after the clips are decoded, and an infinite rate trains NaN weights silently.
        for name in ("lr", "width"):
            if not (math.isfinite(float(getattr(self, name))) and getattr(self, name) > 0):
                raise ConfigError(f"{name} must be a positive number, got {getattr(self, name)}")
        for name in ("weight_decay", "warmup_epochs", "patience", "num_workers"):
            if not (math.isfinite(float(getattr(self, name))) and getattr(self, name) >= 0):
                raise ConfigError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.num_workers > MAX_WORKER_PROCESSES:
            raise ConfigError(f"num_workers (--workers) must be at most {MAX_WORKER_PROCESSES}, got {self.num_workers}")
        if self.resize_short_side < self.crop_size:
            raise ConfigError(
                f"resize_short_side ({self.resize_short_side}) must be at least crop_size ({self.crop_size})"
            )

    # How a run executes, not what it learns: the only settings a resumed run may change.
    EXECUTION_ONLY: ClassVar[tuple[str, ...]] = ("num_workers", "cache_dir")

    @classmethod
    def from_options(cls, root: str, version: str, out_dir: str, *, quick: bool = False,
                     **given: Any) -> "TrainConfig":
        """The config for the options a user gave (None: not given) over the defaults or the quick
        preset. A crop given without a short side keeps the defaults' 8:7 ratio (112 -> 128)."""
        given = {k: v for k, v in given.items() if v is not None}
        if quick:
            return cls.quick(root, version, out_dir, **given)
        if "crop_size" in given:
            given.setdefault("resize_short_side", round(given["crop_size"] * 8 / 7))
        return cls(root=root, version=version, out_dir=out_dir, **given)

    def resumed_with(self, *, root: str | None = None, version: str | None = None,
                     quick: bool = False, **given: Any) -> "TrainConfig":
        """This (saved) config, with only the execution settings among `given` changed. A setting
        given (not None) that differs from the saved one is refused (ConfigError), where it was
        dropped without a word: `--resume --epochs 10` or `--version v2` would have gone on with
        the run's own. `root` is where the run's dataset is now, if it has moved. `quick` (the
        command that started a quick run, given again with --resume) is refused for a run whose
        model is not the quick preset's, which it would not make."""
        from highlights.datasets.store import version_name

        differ = []
        if version is not None and version_name(version) != version_name(self.version):
            differ.append(f"--version {version} (the run's: {self.version})")
        if quick and self._model_shape() != TrainConfig.quick(
                self.root, self.version, self.out_dir,
                **{k: v for k, v in given.items() if v is not None})._model_shape():
            differ.append(f"--quick (the run's model: {self.describe_model()})")
        saved = self.to_dict()
        for key, value in given.items():
            if value is None or key in self.EXECUTION_ONLY or (key == "precision" and value == "auto"):
                continue  # a run saves the precision "auto" resolved to
            if (list(value) if isinstance(value, tuple) else value) != saved[key]:
                differ.append(f"{_OPTION_NAMES.get(key, '--' + key.replace('_', '-'))} {value} "
                              f"(the run's: {saved[key]})")
        if differ:
            raise ConfigError(f"{self.out_dir}: --resume goes on with the run's own settings; given otherwise: "
                              f"{'; '.join(differ)} (leave them out, or train a new run with another --out)")
        resumed = self.replace(**{k: v for k, v in given.items() if k in self.EXECUTION_ONLY and v is not None})
        # --root says where the run's dataset is now (it may have moved since, as the run folder
        # may); `fit` refuses a version there that holds other train clips than the run's.
        return resumed.replace(root=root) if root is not None else resumed

    @classmethod
    def quick(cls, root: str, version: str, out_dir: str, **overrides) -> "TrainConfig":
        """A small model on short, small clips: minutes instead of hours on a laptop CPU."""
        settings = dict(width=0.25, layers=(1, 1, 1, 1), num_frames=8, crop_size=64, resize_short_side=72, epochs=5)
        settings.update(overrides)
        return cls(root=root, version=version, out_dir=out_dir, **settings)

    def _model_shape(self) -> tuple:
        """What the quick preset sets of the model and its clips (not its epochs, which a run
        started with --quick --epochs N sets too)."""
        return (self.width, self.layers, self.num_frames, self.crop_size, self.resize_short_side)

    @property
    def is_full_model(self) -> bool:
        return (self.width == 1.0 and self.layers == (2, 2, 2, 2) and self.num_frames == 16
                and self.crop_size == 112)

    def describe_model(self) -> str:
        name = "R(2+1)D-18 (the full model)" if self.is_full_model else "reduced R(2+1)D"
        return (f"{name}: width {self.width}, layers {list(self.layers)}, "
                f"{self.num_frames}x{self.crop_size}x{self.crop_size}")

    def clip_spec(self) -> ClipSpec:
        return ClipSpec(num_frames=self.num_frames, crop_size=self.crop_size, resize_short_side=self.resize_short_side)

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else Path(self.out_dir) / "cache"

    def to_dict(self) -> dict:
        """Plain types only, so a checkpoint holding it loads with `weights_only=True`."""
        data = asdict(self)
        data["layers"] = list(self.layers)
        data["classes"] = list(self.classes) if self.classes is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown training settings: {', '.join(sorted(unknown))}")
        # A run saved before --workers was bounded may hold more decoding processes than are now
        # allowed. How many decode is how a run executes, not what it trains (`EXECUTION_ONLY`), so
        # such a run is read with the most allowed rather than refused: refused, it could not be
        # resumed at all, not even with a --workers that is allowed.
        if isinstance(data.get("num_workers"), int) and data["num_workers"] > MAX_WORKER_PROCESSES:
            data = {**data, "num_workers": MAX_WORKER_PROCESSES}
        return cls(**data)

    def replace(self, **changes) -> "TrainConfig":
        return replace(self, **changes)


def resolve_precision(precision: str, cpu=None) -> str:
    """"auto" -> "bf16" where the CPU has AMX (native bf16 tiles), else "fp32"; others as given.

    AVX512_BF16 without AMX is native bf16 too, and `--precision bf16` is allowed there, but it is
    not the default: on such a CPU (an AMD EPYC) oneDNN's bf16 Conv3d weight gradient came back NaN
    at random on finite inputs, which ruins a run's weights. `train_one_epoch` guards every bf16
    run against that either way (a step with non-finite gradients is redone in fp32)."""
    if precision != "auto":
        return precision
    from highlights.model.cpu_features import this_cpu

    return "bf16" if (cpu or this_cpu()).amx_bf16 else "fp32"


def check_precision(precision: str, cpu=None) -> None:
    """Refuse bf16 training on a CPU without native bf16, where it is emulated and several
    times slower than fp32 (ConfigError naming the CPU and its flags)."""
    if precision != "bf16":
        return
    from highlights.model.cpu_features import this_cpu

    cpu = cpu or this_cpu()
    if not cpu.native_bf16:
        raise ConfigError(f"precision bf16 needs a CPU with native bf16 (AVX512_BF16 or AMX); {cpu.model} "
                         f"has none (flags: {' '.join(cpu.relevant_flags()) or 'none of the relevant'}): "
                         "train in fp32")
