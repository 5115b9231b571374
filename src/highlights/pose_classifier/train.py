"""Training the pose classifier on synthetic keypoints (and a user's labelled clips, if given).

Features families see `copies` estimator-like augmented copies of every synthetic window (drawn
once); the sequence network sees a fresh augmented copy every epoch. Validation is on held-out
synthetic windows (another seed) augmented the same way: it says the model learnt the
generator's classes, not that it works on real footage; that is what the real-clip report and
`bench/bench_pose_classifier.py` measure.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from torch import nn

from highlights import __version__
from highlights.atomic import atomic_write_bytes, atomic_write_json, written_together
from highlights.counted_noun import counted
from highlights.errors import ConfigError
from highlights.pose_classifier.augment import PoseAugmentConfig, augment_window
from highlights.pose_classifier.epoch_windows import WINDOWS_PER_EPOCH
from highlights.pose_classifier.game_data import GameWindowSpec, game_windows
from highlights.pose_classifier.features import FEATURE_VERSION, FEATURE_VERSIONS
from highlights.pose_classifier.labelled_share import (
    DEFAULT_LABELLED_SHARE, OWN_CAMERA_SHARE, with_labelled_windows,
)
from highlights.pose_classifier.model import (
    AGGREGATIONS, FAMILIES, PoseClassifier, PoseWindowSpec, build_network, model_inputs,
)
from highlights.pose_classifier.skeleton import normalise
from highlights.pose_classifier.synth_data import SynthWindowSpec
from highlights.pose_classifier.synth_window_cache import cached_synth_windows
from highlights.pose_classifier.unchosen_threshold import (
    CHOSEN_ON_VAL, CONFIGURED, PACKAGED, UnchosenThreshold, said_unchosen, threshold_if_unchosen,
)
from highlights.progress import progress_bar
from highlights.rate_interval import wilson_interval
from highlights.settings_from_dict import settings_from_dict
from highlights.synth.clip import GENERATOR, LABELS

VAL_GAME_SEED_OFFSET = 50   # validation games: another range of game seeds than the training games'


@dataclass(frozen=True)
class PoseTrainConfig:
    """How a pose classifier is trained. The defaults are the packaged model's recipe, kept here
    alone: `scripts/make_default_pose_model.py` trains it with them (its checkpoint stores the
    config, and a test holds the two together), and `highlights train --model pose` uses them for
    every setting left out."""

    out_dir: str
    family: str = "features_linear"
    classes: tuple[str, ...] = LABELS
    synth_windows: int = WINDOWS_PER_EPOCH
    val_windows: int = 600
    synth_seed: int = 0
    seed: int = 0
    epochs: int = 40
    lr: float = 3e-3
    weight_decay: float = 1e-3
    batch_size: int = 128
    copies: int = 3                 # augmented copies per window (features families)
    hidden: int = 64                # features_mlp
    channels: int = 48              # tcn
    # None: chosen on the val split where it can be, else `unchosen_threshold`'s rule (the packaged
    # model's for a model of its recipe, else 0.5). A value set here stays where val cannot choose.
    action_threshold: float | None = None
    # A version's val split chooses the action threshold only with at least this many clips, and
    # this many `none` and action clips each: on fewer, macro-F1 differs between thresholds by a
    # clip or two, and a threshold chosen on 6 clips (0.85) called every test clip `none`.
    threshold_min_val_clips: int = 20
    threshold_min_val_per_side: int = 5
    # Features are clamped to their [q, 1 - q] quantiles over the training windows (features
    # families; 0 keeps them unbounded): see model.FeatureNet.
    feature_range_quantile: float = 0.01
    aggregation: str = "max"        # how a clip's windows combine: "max" or "mean" (model.py)
    # How the features families compute their window features (`features.FEATURE_VERSIONS`): the
    # newest for a new model; the packaged model was made on version 1, and its script says so.
    feature_version: int = FEATURE_VERSION
    # The limbs' speeds read under whichever pairing of a pair's joints moves them least, so that
    # no input changes when the pose estimator swaps left and right in some frames (features
    # families; `features._side_free_speeds`). Off: the packaged model's input.
    side_free: bool = False
    clips_root: str | None = None   # a user's labelled clips (folder per class), added to training
    # Or the train split of a dataset version (`dataset create`), added the same way.
    dataset_root: str | None = None
    dataset_version: str | None = None
    # The share of the training windows the labelled clips' windows make up at least, repeated to
    # reach it (each repeat augmented afresh; `labelled_share`); 0: added once, as they are.
    labelled_share: float = DEFAULT_LABELLED_SHARE
    # Where the labelled clips' estimated poses are cached (None: `real_poses.default_cache_dir`);
    # where they are kept changes no number.
    pose_cache_dir: str | None = None
    # Windows cut from whole synthetic games as the pipeline cuts them (`game_data`); games=0: none.
    # Validation then also scores `val_games` games of another seed range.
    game: GameWindowSpec = field(default_factory=GameWindowSpec)
    val_games: int = 0
    # Windows of RENDERED training games with the pipeline's own MoveNet poses (`rendered_games`;
    # games=0: none), rendered at 10 fps (the pipeline's analysis rate), kept in `render_dir`
    # (default OUT/rendered_games), counted `rendered_copies` times.
    rendered: GameWindowSpec = field(default_factory=lambda: GameWindowSpec(video_fps=10.0))
    render_dir: str | None = None
    rendered_copies: int = 1
    augment: PoseAugmentConfig = field(default_factory=PoseAugmentConfig)
    window: PoseWindowSpec = field(default_factory=PoseWindowSpec)
    # False: the labelled clips' windows alone, of their own classes (any list, with or without
    # `none`), which the generator cannot all draw (`own_classes`).
    synthetic: bool = True

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ConfigError(f"unknown pose model family {self.family!r}; expected one of "
                              f"{', '.join(FAMILIES)}")
        if not self.synthetic:
            if not (self.clips_root or self.dataset_version):
                raise ConfigError("a pose classifier without synthetic windows needs labelled clips (--clips or "
                                  "--root/--version)")
            if self.game.games or self.rendered.games:
                raise ConfigError("--synth-games and --rendered-games draw the synthetic generator's classes; a model "
                                  f"of your own classes ({', '.join(self.classes)}) trains on your clips alone")
            if len(set(self.classes)) != len(self.classes):
                raise ConfigError(f"the pose classifier's classes repeat a name: {list(self.classes)}")
        elif "none" not in self.classes:
            raise ConfigError("the pose classifier's classes must include 'none'")
        if self.feature_version not in FEATURE_VERSIONS:
            raise ConfigError(f"unknown pose feature version {self.feature_version!r}; expected "
                              f"one of {FEATURE_VERSIONS}")
        if self.side_free and not self.family.startswith("features"):
            raise ConfigError(f"side_free is a features family's input; {self.family!r} reads the joints")
        if not 0.0 <= self.feature_range_quantile < 0.5:
            raise ConfigError(f"feature_range_quantile must be in [0, 0.5), got {self.feature_range_quantile}")
        if not 0.0 <= self.labelled_share < 1.0:
            raise ConfigError(f"labelled_share must be in [0, 1), got {self.labelled_share}")
        if self.rendered_copies < 1:
            raise ConfigError(f"rendered_copies must be >= 1, got {self.rendered_copies}")
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(f"unknown window aggregation {self.aggregation!r}; expected one of "
                              f"{', '.join(AGGREGATIONS)}")
        if self.clips_root and (self.dataset_root or self.dataset_version):
            raise ConfigError("labelled clips come from --clips or from --root/--version, not both")
        if bool(self.dataset_root) != bool(self.dataset_version):
            raise ConfigError("a dataset version needs both --root and --version")
        unknown = [c for c in self.classes if c not in LABELS]
        if unknown and self.synthetic:
            raise ConfigError(f"the synthetic generator has no class {unknown[0]!r} (it makes {list(LABELS)})")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["classes"] = list(self.classes)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "PoseTrainConfig":
        """The settings `to_dict()` saved (a checkpoint's `meta["train_config"]`), typed again.
        One saved before `feature_version` was stored was trained on version 1, as
        `PoseClassifier` reads such a model; one saved before `labelled_share` added its labelled
        clips once (0). An unknown setting raises ConfigError."""
        return settings_from_dict(cls, {"feature_version": 1, "labelled_share": 0.0, **data},
                                  "pose training settings")


def _normalised(windows: np.ndarray, labels: np.ndarray, rng: np.random.Generator | None,
                aug: PoseAugmentConfig) -> tuple[list[np.ndarray], np.ndarray]:
    out, keep = [], []
    for w, y in zip(windows, labels):
        n = normalise(augment_window(w, rng, aug) if rng is not None else w)
        if n is not None:
            out.append(n)
            keep.append(y)
    return out, np.asarray(keep, np.int64)


def _class_weights(labels: np.ndarray, n: int) -> torch.Tensor:
    counts = np.bincount(labels, minlength=n).astype(np.float64)
    return torch.tensor(counts.sum() / np.maximum(counts, 1) / n, dtype=torch.float32)


def fit_network(config: PoseTrainConfig, windows: np.ndarray, labels: np.ndarray,
                log: Callable[[str], None] = lambda m: None, show_progress: bool = False,
                class_weight_labels: np.ndarray | None = None) -> nn.Module:
    """Train `config.family` on pixel-like windows (augmented here). Seeded from `config.seed`
    on a fork of torch's generator: the caller's own draws go on as if it had not run. The loss
    balances the classes by the counts of `class_weight_labels` (default `labels`): with labelled
    windows repeated (`labelled_share`), each window counted once, so that balancing does not
    take back from a class the weight its repeats gave it."""
    with torch.random.fork_rng(devices=[]):
        return _fit_network(config, windows, labels, log, show_progress,
                            labels if class_weight_labels is None else class_weight_labels)


def _fit_network(config: PoseTrainConfig, windows: np.ndarray, labels: np.ndarray,
                 log: Callable[[str], None], show_progress: bool,
                 class_weight_labels: np.ndarray) -> nn.Module:
    torch.manual_seed(config.seed)
    rng = np.random.default_rng([config.seed, 5])
    C = len(config.classes)
    net = build_network(config.family, C, hidden=config.hidden, channels=config.channels)
    fps = config.window.fps
    weights = _class_weights(class_weight_labels, C)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.epochs)
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    if config.family.startswith("features"):
        xs, ys = [], []
        with progress_bar(enabled=show_progress) as progress:
            task = progress.add_task("augmenting + features", total=config.copies)
            for _ in range(config.copies):
                norm, y = _normalised(windows, labels, rng, config.augment)
                xs.append(model_inputs(config.family, norm, fps, config.feature_version, config.side_free))
                ys.append(torch.from_numpy(y))
                progress.advance(task)
        x, y = torch.cat(xs), torch.cat(ys)
        q = config.feature_range_quantile
        if q > 0:
            net.lo.copy_(torch.quantile(x, q, dim=0))
            net.hi.copy_(torch.quantile(x, 1.0 - q, dim=0))
        clamped = torch.clamp(x, net.lo, net.hi)
        net.mean.copy_(clamped.mean(0))
        net.std.copy_(clamped.std(0).clamp_min(1e-3))
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task(f"training {config.family}", total=config.epochs)
        for epoch in range(config.epochs):
            net.train()
            if not config.family.startswith("features"):
                norm, yy = _normalised(windows, labels, rng, config.augment)
                x, y = model_inputs(config.family, norm, fps, config.feature_version), torch.from_numpy(yy)
            order = torch.randperm(len(y))
            total = 0.0
            for i in range(0, len(y), config.batch_size):
                idx = order[i:i + config.batch_size]
                if len(idx) < 2:
                    continue
                loss = loss_fn(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            sched.step()
            progress.advance(task)
            if epoch % 10 == 9 or epoch == config.epochs - 1:
                log(f"epoch {epoch + 1}/{config.epochs}: train loss {total / len(y):.3f}")
    return net.eval()


def window_scores(clf: PoseClassifier, norm: list[np.ndarray], labels: np.ndarray) -> dict:
    proba = clf.window_proba(norm)
    pred = proba.argmax(axis=1)
    return {"windows": int(len(labels)), "right": int((pred == np.asarray(labels)).sum()),
            "accuracy": round(float(accuracy_score(labels, pred)), 4),
            "macro_f1": round(float(f1_score(labels, pred, average="macro", labels=range(len(clf.classes)),
                                             zero_division=0)), 4)}


def accuracy_said(scores: dict) -> str:
    """A window accuracy with its 95% Wilson interval and counts, as every rate a user reads is
    given: `accuracy 0.833 [0.801, 0.861] (500 of 600 windows)`."""
    low, high = wilson_interval(scores["right"], scores["windows"])
    return (f"accuracy {scores['accuracy']:.3f} [{low:.3f}, {high:.3f}] "
            f"({scores['right']} of {counted(scores['windows'], 'window')}, 95% Wilson)")


def action_ranking(clf: PoseClassifier, norm: list[np.ndarray], labels: np.ndarray) -> dict:
    """How well 1 - P(none) ranks action windows above `none` ones (ROC AUC): what a threshold on
    it can separate, whichever threshold is chosen later."""
    from sklearn.metrics import roc_auc_score

    proba = clf.window_proba(norm)
    action = 1.0 - proba[:, clf.none_index]
    is_action = labels != clf.none_index
    auc = float(roc_auc_score(is_action, action)) if 0 < is_action.sum() < len(labels) else float("nan")
    return {"action_auc": round(auc, 4)}


def _labelled_clips(config: PoseTrainConfig, log: Callable[[str], None]) -> tuple[list, dict]:
    """The user's labelled clips (a folder per class, or a version's train split) and where they
    came from, for the provenance."""
    from highlights.pose_classifier.clips import LabelledClip, clip_tree

    if config.clips_root:
        clips, skipped = clip_tree(config.clips_root, list(config.classes), log=log)
        for name in skipped:
            log(f"skipped folder {name}/: not one of the classes {list(config.classes)}")
        return clips, {"root": str(config.clips_root)}
    from highlights.datasets.checks import load_checked_splits

    dataset, (records,) = load_checked_splits(config.dataset_root, config.dataset_version, ["train"], log=log)
    other = sorted({r.label for r in records} - set(config.classes))
    if other:
        log(f"left out the {dataset.name} train clips of {', '.join(other)}: the pose classifier learns the "
            f"synthetic generator's classes ({', '.join(config.classes)})")
    clips = [LabelledClip(r.path, r.label, dataset.origin(r.clip_id) or r.clip_id)
             for r in records if r.label in config.classes]
    if not clips:
        from highlights.datasets.errors import DatasetError

        raise DatasetError(f"{dataset.path}: no train clip of the classes {list(config.classes)}")
    return clips, {"root": str(dataset.root), "version": dataset.name, "content_id": dataset.content_id,
                   "split": "train"}


def labelled_clip_windows(config: PoseTrainConfig, log: Callable[[str], None] = lambda m: None,
                          checked: tuple[list, dict] | None = None, show_progress: bool = False):
    """Every window of every labelled clip (`config.clips_root`, or the train split of
    `config.dataset_version`; poses estimated once and cached), labelled with its clip's class: a
    weak label (an action clip's lead-in is labelled as the action too), which the synthetic
    windows' exact labels outweigh. `checked` is what `_labelled_clips` returned, where the
    caller checked the clips already."""
    from highlights.pose_classifier.clips import clip_poses
    from highlights.pose_classifier.model import pixel_windows

    clips, source = checked if checked is not None else _labelled_clips(config, log)
    out, labels, nobody = [], [], []
    # Estimating a real clip's poses takes seconds (cached after), so a folder of them gets a bar.
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("poses of labelled clips", total=len(clips))
        for clip in clips:
            kp, times = clip_poses(clip.path, fps=config.window.fps,
                                   cache_dir=config.pose_cache_dir)
            # A window that never shows a hip and a shoulder together has no scale to normalise by,
            # so training would drop it: left out here, where the counts and the check that every
            # class has a window still see it.
            windows = [w for w in pixel_windows(kp, times, config.window)
                       if normalise(w) is not None]
            if not windows:
                nobody.append(clip.name)
            for w in windows:
                out.append(w)
                labels.append(config.classes.index(clip.label))
            progress.advance(task)
    where = f"{source['root']} {source['version']} (train split)" if "version" in source else source["root"]
    used = counted(len(clips), "clip") if not nobody else f"{len(clips) - len(nobody)} of {counted(len(clips), 'clip')}"
    log(f"labelled clips: {counted(len(out), 'window')} from {used} in {where}")
    if clips and len(nobody) == len(clips):
        from highlights.datasets.errors import DatasetError

        raise DatasetError(f"{where}: no person found in any of its {len(clips)} labelled clips, so they add nothing "
                           "to train on (a clip needs a person in a quarter of a 2 s window, a hip and a shoulder "
                           "in view together at least once)")
    if nobody:
        # A clip the pose model finds nobody in teaches nothing: said, so a class is not thinner than it looks.
        shown = ", ".join(nobody[:10]) + (f" and {len(nobody) - 10} more" if len(nobody) > 10 else "")
        log(f"no person found, or never a hip and a shoulder in view together, in {len(nobody)} labelled "
            f"clip{'s' if len(nobody) > 1 else ''}, left out: {shown}")
    shape = (0, config.window.window_frames, 17, 3)
    from highlights.pose_classifier.seen_clips import clip_ids_of

    # The clips' hashes let an evaluation tell a test clip the model was trained on.
    return (np.asarray(out, np.float32).reshape(-1, *shape[1:]), np.asarray(labels, np.int64),
            {"clips": len(clips), "windows": len(out), "clips_without_a_person": nobody, **source,
             "clip_hashes": clip_ids_of(c.path for c in clips)})


def version_val_clips(config: PoseTrainConfig) -> list:
    """The val clips of `config.dataset_version` of the model's classes, checked as every
    evaluation checks them (`load_checked_splits`); [] when the version has none."""
    from highlights.datasets.checks import load_checked_splits
    from highlights.datasets.store import load_version
    from highlights.pose_classifier.clips import LabelledClip

    if not load_version(config.dataset_root, config.dataset_version).split("val", augmented=False):
        return []
    dataset, (records,) = load_checked_splits(config.dataset_root, config.dataset_version, ["val"])
    return [LabelledClip(r.path, r.label, dataset.origin(r.clip_id) or r.clip_id)
            for r in records if r.label in config.classes]


def _packaged_threshold() -> float | None:
    """The packaged pose model's action threshold; None where its file cannot be read."""
    from highlights.model.errors import CheckpointError
    from highlights.pose_classifier.default import load_default_pose_model

    try:
        return float(load_default_pose_model().action_threshold)
    except CheckpointError:
        return None


def choose_threshold_on_val(clf: PoseClassifier, clips: list, version: str,
                            log: Callable[[str], None] = lambda m: None, *, cache_dir: str | None = None,
                            min_clips: int = 20, min_per_side: int = 5,
                            show_progress: bool = False,
                            unchosen: UnchosenThreshold | None = None) -> dict:
    """The action-vs-`none` threshold of a model trained on a version, chosen on its val clips by
    the rule that chose the packaged model's (`action_gate.choose_threshold`: decided per clip as
    the pipeline does, one-standard-error rule), and set on `clf`. Left at the configured value,
    with the reason, when the val split cannot choose it. The packaged model's threshold was chosen
    on real clips because a model trained on synthetic motion puts much of a real action's
    probability on `none`; a user's model meets the same footage, so it gets the same treatment
    rather than a default that on real clips drops most actions. `unchosen` is the threshold
    `clf` holds (where it came from, for the line printed): configured, where not given."""
    from highlights.pose_classifier.action_gate import choose_threshold
    from highlights.pose_classifier.clips import clip_poses

    ni = clf.none_index
    y = np.array([clf.classes.index(c.label) for c in clips], int)
    kept = {"clips": len(clips), "threshold": clf.action_threshold}
    if clf.aggregation != "max":
        why = ("the gate's rule decides a clip by its most action-like window; this model aggregates by "
               f"{clf.aggregation}")
    elif not (y == ni).any() or not (y != ni).any():
        why = "its val split needs a `none` clip and an action clip to choose it on"
    elif len(y) < min_clips or min(int((y == ni).sum()), int((y != ni).sum())) < min_per_side:
        why = (f"{len(y)} val clips, {int((y == ni).sum())} of them `none`, are too few to choose it on (at least "
               f"{min_clips}, {min_per_side} `none` and {min_per_side} actions)")
    else:
        why = None
    if why is not None:
        unchosen = unchosen or UnchosenThreshold(clf.action_threshold, CONFIGURED)
        log(said_unchosen(unchosen, f"not chosen on {version}'s val clips: {why}"))
        packaged = _packaged_threshold() if unchosen.source != PACKAGED else None
        if packaged is not None and packaged != clf.action_threshold:
            # A coach's loop retrains on a review or two, whose val clips are few: the model then
            # turned down real actions the packaged model, at its own threshold, had kept.
            log(f"the packaged model's action threshold, chosen on real clips, is {packaged:g}: "
                f"a window of this model is an action only from {clf.action_threshold:g}; "
                "`detect --set classifier.action_threshold=T` sets another")
        return {**kept, "chosen": False, "why": why, "source": unchosen.source}
    windows = []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task(f"poses of {version}'s val clips", total=len(clips))
        for clip in clips:
            kp, times = clip_poses(clip.path, fps=clf.spec.fps, cache_dir=cache_dir)
            found = clf.windows(kp, times)
            windows.append(clf.window_proba(found) if found else np.zeros((0, len(clf.classes))))
            progress.advance(task)
    choice = choose_threshold(windows, y, ni, len(clf.classes))
    clf.action_threshold = choice.threshold
    f1 = choice.scores[choice.threshold]
    log(f"action threshold {choice.threshold:g}, chosen on the {len(clips)} val clips of {version} "
        f"(their macro-F1 at it {f1:.3f}; the best {choice.scores[choice.best]:.3f} at {choice.best:g}, "
        f"standard error {choice.standard_error:.3f}): a figure on the clips it was chosen on, the test "
        "split's report is the one to quote")
    return {"clips": len(clips), "per_class": {c: int((y == i).sum()) for i, c in enumerate(clf.classes)},
            "chosen": True, "source": CHOSEN_ON_VAL, "threshold": choice.threshold, "macro_f1": f1,
            "best": choice.best,
            "standard_error": choice.standard_error, "scores": choice.scores,
            "rule": "pose_classifier.action_gate.choose_threshold (one-standard-error rule)"}


def recorded_with_its_clips(choice: dict, clips: list) -> dict:
    """`choose_threshold_on_val`'s record, with the hashes of the clips the threshold was chosen on
    where it was: an evaluation of a folder holding them says its figures on them are no test
    (`seen_clips`)."""
    from highlights.pose_classifier.seen_clips import clip_ids_of

    return {**choice, "clip_hashes": clip_ids_of(c.path for c in clips)} if choice["chosen"] else choice


def _source(games: dict, real: dict, rendered: dict | None = None) -> str:
    synthetic = ("synthetic ground-truth keypoints" + (" of clips and of whole games" if games["games"] else ""))
    if rendered and rendered["games"]:
        synthetic += f" + MoveNet poses of {rendered['games']} rendered synthetic games"
    if real["clips"]:
        return f"{synthetic} + poses of {real['clips'] - len(real.get('clips_without_a_person', []))} labelled clips"
    return f"{synthetic} only (no real footage)"


def train_pose_classifier(config: PoseTrainConfig, *, show_progress: bool = True,
                          log: Callable[[str], None] = lambda m: None,
                          command: str | None = None) -> tuple[PoseClassifier, Path]:
    """Synthesise, train, validate, and write `OUT/best.pt` (+ `OUT/best.json` provenance); with
    labelled clips of classes the generator cannot draw, train on those clips alone (`own_classes`)."""
    from highlights.pose_classifier.own_classes import refuse_what_it_cannot_learn, with_the_clips_classes

    started = time.time()
    config = with_the_clips_classes(config)
    refuse_what_it_cannot_learn(config)
    if not config.synthetic:
        return train_on_own_classes(config, show_progress=show_progress, log=log, command=command, started=started)
    # The labelled clips are checked first: a clip that cannot be read is refused before a minute
    # of synthesising (or rendering) goes into a model that would never be written.
    checked = _labelled_clips(config, log) if config.clips_root or config.dataset_version else None
    out = Path(config.out_dir)
    spec = config.window
    train_spec = SynthWindowSpec(count=config.synth_windows, seed=config.synth_seed, fps=spec.fps,
                                 window_frames=spec.window_frames)
    val_spec = replace(train_spec, count=config.val_windows, seed=config.synth_seed + 10_000)
    log(f"synthesising {train_spec.count} training and {val_spec.count} validation pose windows "
        f"({GENERATOR})")
    # The same settings draw the same windows: a later run reads them from the cache folder.
    windows, labels, names = cached_synth_windows(train_spec, show_progress=show_progress,
                                                  classes=config.classes)
    vwindows, vlabels, _ = cached_synth_windows(val_spec, show_progress=show_progress,
                                                classes=config.classes)
    windows, labels, names, games = _with_game_windows(config, windows, labels, names, log=log,
                                                       show_progress=show_progress)
    windows, labels, names, rendered = _with_rendered_windows(config, out, windows, labels, names, log=log,
                                                              show_progress=show_progress)
    real, once = {"clips": 0, "windows": 0}, labels
    if checked is not None:
        rw, rl, real = labelled_clip_windows(config, log=log, checked=checked,
                                             show_progress=show_progress)
        once = np.concatenate([labels, rl])
        windows, labels, weighed = with_labelled_windows(windows, labels, rw, rl,
                                                         config.labelled_share)
        real = {**real, **weighed}
        more = (f" (--labelled-share {OWN_CAMERA_SHARE:g} weighs them more, for a model of "
                "their own camera)" if config.labelled_share == 0 else "")
        log(f"labelled clips' windows counted {counted(weighed['repeats'], 'time')}: "
            f"{weighed['share_of_training_windows']:.0%} of the training windows{more}")
    val_clips = version_val_clips(config) if config.dataset_version else []  # checked before training
    net = fit_network(config, windows, labels, log=log, show_progress=show_progress,
                      class_weight_labels=once)
    unchosen = threshold_if_unchosen(config)
    clf = PoseClassifier(net, list(config.classes), spec, config.family, {}, unchosen.threshold,
                        config.aggregation, feature_version=config.feature_version,
                        side_free=config.side_free)
    val = _validation(config, clf, vwindows, vlabels, val_clips, unchosen, log=log,
                      show_progress=show_progress)
    motions: dict[str, int] = {}
    for n in names:
        motions[n] = motions.get(n, 0) + 1
    provenance = {
        "command": command or " ".join(shlex.quote(a) for a in ["highlights", *sys.argv[1:]]),
        "highlights_version": __version__,
        "seed": config.seed, "synth_seed": config.synth_seed, "generator": GENERATOR,
        "training_data": {"source": _source(games, real, rendered),
                          "labelled_clips": real,
                          "synthetic_games": games,
                          "rendered_games": rendered,
                          "windows": int(len(labels)), "validation_windows": int(len(vlabels)),
                          "per_class": {c: int((labels == i).sum()) for i, c in enumerate(config.classes)},
                          "motions": dict(sorted(motions.items()))},
        "validation": val,
        "action_threshold_source": _threshold_source(clf, val, unchosen),
        "train_seconds": round(time.time() - started, 1),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    meta = {"train_config": config.to_dict(), "provenance": provenance,
            "model": {"hidden": config.hidden, "channels": config.channels},
            "dataset": {"kind": "synthetic" + (" + labelled clips" if real["clips"] else ""), "generator": GENERATOR,
                        **({"root": real["root"], "version": real["version"], "content_id": real["content_id"],
                            "train_clips": real["clips"]} if "version" in real else {})}}
    return clf, write_best(out, clf, meta, provenance, config)


def _with_game_windows(config: PoseTrainConfig, windows: np.ndarray, labels: np.ndarray, names: list[str], *,
                       log: Callable[[str], None], show_progress: bool):
    """The training windows with those cut from `config.game`'s synthetic games the way the
    pipeline cuts them, and what they added (for the provenance)."""
    games = {"games": 0, "windows": 0}
    if config.game.games:
        spec = config.window
        game = replace(config.game, fps=spec.fps, window_frames=spec.window_frames)
        log(f"cutting pipeline-like windows from {game.games} synthetic games of {game.minutes:g} min")
        gw, gl, gn = game_windows(game, show_progress=show_progress, classes=config.classes)
        windows, labels, names = np.concatenate([windows, gw]), np.concatenate([labels, gl]), names + gn
        games = {"games": game.games, "windows": int(len(gl)), "spec": game.to_dict(),
                 "per_class": {c: int((gl == i).sum()) for i, c in enumerate(config.classes)}}
    return windows, labels, names, games


def _with_rendered_windows(config: PoseTrainConfig, out: Path, windows: np.ndarray, labels: np.ndarray,
                           names: list[str], *, log: Callable[[str], None], show_progress: bool):
    """The training windows with `config.rendered_copies` copies of those of rendered synthetic
    games, their poses estimated by the pipeline's MoveNet, and what they added."""
    rendered = {"games": 0, "windows": 0}
    if config.rendered.games:
        from highlights.pose_classifier.rendered_games import rendered_windows

        spec = config.window
        spec_r = replace(config.rendered, fps=spec.fps, window_frames=spec.window_frames)
        folder = Path(config.render_dir) if config.render_dir else out / "rendered_games"
        log(f"rendering {spec_r.games} synthetic games of {spec_r.minutes:g} min and estimating their poses with "
            f"the pipeline's MoveNet (kept in {folder})")
        rw, rl, rn = rendered_windows(spec_r, folder, show_progress=show_progress, classes=config.classes)
        k = config.rendered_copies
        windows = np.concatenate([windows] + [rw] * k)
        labels = np.concatenate([labels] + [rl] * k)
        names = names + rn * k
        rendered = {"games": spec_r.games, "windows": int(len(rl)), "copies": k, "spec": spec_r.to_dict(),
                    "per_class": {c: int((rl == i).sum()) for i, c in enumerate(config.classes)}}
    return windows, labels, names, rendered


def _threshold_source(clf: PoseClassifier, val: dict, unchosen: UnchosenThreshold) -> str | None:
    """Where the model's action threshold came from (`unchosen_threshold`'s names); None for a
    model without `none`, which has no threshold."""
    if clf.none_index is None:
        return None
    return CHOSEN_ON_VAL if (val.get("action_threshold") or {}).get("chosen") else unchosen.source


def _validation(config: PoseTrainConfig, clf: PoseClassifier, vwindows: np.ndarray, vlabels: np.ndarray,
                val_clips: list, unchosen: UnchosenThreshold, *, log: Callable[[str], None],
                show_progress: bool) -> dict:
    """The model's scores on the synthetic validation windows (augmented and clean), the action
    threshold chosen on the version's val clips, and the scores on validation games."""
    spec = config.window
    vnorm, vy = _normalised(vwindows, vlabels, np.random.default_rng([config.seed, 9]), config.augment)
    cnorm, cy = _normalised(vwindows, vlabels, None, config.augment)
    val = {"augmented": window_scores(clf, vnorm, vy), "clean": window_scores(clf, cnorm, cy)}
    if config.dataset_version:
        if val_clips:
            val["action_threshold"] = recorded_with_its_clips(
                choose_threshold_on_val(clf, val_clips, config.dataset_version, log,
                                        cache_dir=config.pose_cache_dir,
                                        min_clips=config.threshold_min_val_clips,
                                        min_per_side=config.threshold_min_val_per_side,
                                        show_progress=show_progress, unchosen=unchosen),
                val_clips)
        else:
            log(said_unchosen(unchosen, f"not chosen: {config.dataset_version} has no val clip "
                                        "of the model's classes"))
    elif unchosen.source == PACKAGED:
        why = ("not chosen: --clips has no val split" if config.clips_root
               else "no val split to choose it on")
        log(said_unchosen(unchosen, why))
    if config.val_games:
        vgame = replace(config.game, games=config.val_games, seed=config.game.seed + VAL_GAME_SEED_OFFSET,
                        fps=spec.fps, window_frames=spec.window_frames)
        gw, gl, _ = game_windows(vgame, show_progress=show_progress, classes=config.classes)
        gnorm, gy = _normalised(gw, gl, np.random.default_rng([config.seed, 11]), config.augment)
        val["games"] = {**window_scores(clf, gnorm, gy), **action_ranking(clf, gnorm, gy),
                        "games": config.val_games, "game_seed_range": vgame.seed}
        log(f"synthetic game windows (augmented): macro-F1 {val['games']['macro_f1']:.3f}, action-vs-none AUC "
            f"{val['games']['action_auc']:.3f} over {val['games']['windows']} windows")
    log(f"synthetic validation (augmented): {accuracy_said(val['augmented'])}, "
        f"macro-F1 {val['augmented']['macro_f1']:.3f}")
    return val


def write_best(out: Path, clf: PoseClassifier, meta: dict, provenance: dict, config: PoseTrainConfig) -> Path:
    """`OUT/best.pt` and its summary `OUT/best.json` (provenance, sha256, classes, threshold)."""
    path, data = out / "best.pt", clf.checkpoint_bytes(meta)
    # best.json holds best.pt's sha256: the two take their places together, so a run stopped or out
    # of disk while writing them leaves the previous pair whole, never a checkpoint beside another
    # model's summary. They are renamed in the order written, best.pt last: a run killed between the
    # two renames leaves best.json alone, which the next `train` there overwrites, where a best.pt
    # without its summary made it refuse the folder as holding a trained model.
    summary = {**provenance, "file": path.name, "sha256": hashlib.sha256(data).hexdigest(),
               "family": config.family, "classes": list(config.classes),
               "feature_version": clf.feature_version, "side_free": clf.side_free,
               "aggregation": config.aggregation,
               # A model without `none` answers each clip's most probable class.
               "action_threshold": clf.action_threshold if clf.none_index is not None else None,
               "bytes": len(data),
               # whole, as best.pt holds it: the summary is read without torch
               "train_config": config.to_dict()}
    with written_together():
        atomic_write_json(out / "best.json", summary, indent=2)
        atomic_write_bytes(path, data)
    return path


def train_on_own_classes(config: PoseTrainConfig, *, show_progress: bool, log: Callable[[str], None],
                         command: str | None, started: float) -> tuple[PoseClassifier, Path]:
    """Train on the labelled clips' windows alone; validate on the version's val split when there
    is one (its threshold rule where the classes hold `none`), else say there is no validation.
    Writes `OUT/best.pt` and `OUT/best.json` as `train_pose_classifier` does."""
    from highlights.pose_classifier.own_classes import (
        refuse_a_class_without_windows, repeated_to_an_epoch, val_clip_scores, val_clips_said, what_it_trained_on,
    )

    out = Path(config.out_dir)
    windows, labels, real = labelled_clip_windows(config, log=log, show_progress=show_progress)
    where = f"{real['root']} {real['version']}" if "version" in real else real["root"]
    refuse_a_class_without_windows(config, labels, where)
    log(what_it_trained_on(config, labels, real["clips"] - len(real["clips_without_a_person"])))
    val_clips = version_val_clips(config) if config.dataset_version else []  # checked before training
    many, many_labels = repeated_to_an_epoch(windows, labels)
    repeats = len(many_labels) // len(labels)
    net = fit_network(config, many, many_labels, log=log, show_progress=show_progress)
    unchosen = threshold_if_unchosen(config)
    clf = PoseClassifier(net, list(config.classes), config.window, config.family, {},
                         unchosen.threshold, config.aggregation, feature_version=config.feature_version,
                         side_free=config.side_free)
    norm, y = _normalised(windows, labels, None, config.augment)
    val: dict = {"in_sample": window_scores(clf, norm, y)}
    in_sample = (f"accuracy {val['in_sample']['accuracy']:.3f} on its {val['in_sample']['windows']} training "
                 f"windows (chance {1 / len(config.classes):.2f})")
    if val_clips and clf.none_index is not None:
        val["action_threshold"] = recorded_with_its_clips(
            choose_threshold_on_val(clf, val_clips, config.dataset_version, log, cache_dir=config.pose_cache_dir,
                                    min_clips=config.threshold_min_val_clips,
                                    min_per_side=config.threshold_min_val_per_side,
                                    show_progress=show_progress, unchosen=unchosen),
            val_clips)
    elif val_clips:
        val["clips"] = val_clip_scores(clf, val_clips, config.pose_cache_dir)
        log(val_clips_said(val["clips"], len(val_clips), config.dataset_version))
    else:
        why = (f"{config.dataset_version} has no val clip" if config.dataset_version
               else "--clips has no val split")
        log(f"no validation ({why}): the only score is in-sample, {in_sample}; score it with `highlights evaluate "
            f"--checkpoint {out} --clips TREE` on clips it was not trained on")
    provenance = {
        "command": command or " ".join(shlex.quote(a) for a in ["highlights", *sys.argv[1:]]),
        "highlights_version": __version__,
        "seed": config.seed,
        "training_data": {"source": f"poses of {real['clips'] - len(real['clips_without_a_person'])} labelled clips "
                                    "only (classes the synthetic generator cannot all draw: no synthetic windows)",
                          "labelled_clips": real, "windows": int(len(labels)), "repeats_per_epoch": repeats,
                          "per_class": {c: int((labels == i).sum()) for i, c in enumerate(config.classes)}},
        "validation": val,
        "action_threshold_source": _threshold_source(clf, val, unchosen),
        "train_seconds": round(time.time() - started, 1),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    meta = {"train_config": config.to_dict(), "provenance": provenance,
            "model": {"hidden": config.hidden, "channels": config.channels},
            "dataset": {"kind": "labelled clips",
                        **({"root": real["root"], "version": real["version"], "content_id": real["content_id"],
                            "train_clips": real["clips"]} if "version" in real else {"root": real["root"]})}}
    return clf, write_best(out, clf, meta, provenance, config)
