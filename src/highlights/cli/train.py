"""`highlights train`"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from highlights.cli.help_texts import PROGRESS_HELP
from highlights.cli.named_inputs import refuse_missing_inputs
from highlights.counted_noun import counted
from highlights.errors import EXIT_INTERRUPTED
from highlights.pose_classifier.labelled_share import DEFAULT_LABELLED_SHARE, OWN_CAMERA_SHARE


# The longer options' help, kept out of the command's signature so that it reads as the list of
# its options.
_VERSION_HELP = ("Dataset version to train on, e.g. v2: required for --model r2plus1d, the "
                 "default, unless --resume (pose, optional: its train split's poses, added to "
                 "the synthetic ones; of classes the generator cannot draw, trained on alone, its "
                 "val split validating it and, with none among them, choosing the threshold)")
_ROOT_HELP = ("Dataset root, the folder holding v1, v2, ... (required with --version, unless "
              "--resume, which reads it from the run and takes it only where the run's datasets "
              "have moved; `highlights dataset create`'s default is datasets)")
_MODEL_HELP = ("r2plus1d (the clip network, on a dataset version) | pose (the pose-sequence "
               "classifier, on the synthetic generator's keypoints, needing no dataset; or on your "
               "labelled clips' poses, --clips or --version)")
_SYNTH_GAMES_HELP = ("Pose: also windows cut from this many 5-minute synthetic games the way the "
                     "pipeline cuts them (the packaged model uses none)")
_RENDERED_GAMES_HELP = ("Pose: also windows of this many rendered 5-minute synthetic games, with "
                        "the poses the pipeline's MoveNet estimates from their pixels (minutes a "
                        "game on 2 cores; kept in --render-dir)")
_RENDER_DIR_HELP = ("Pose: where rendered games and their estimated poses are kept and reused "
                    "(default OUT/rendered_games)")
_CLIPS_HELP = ("Pose, optional: your labelled clips (a folder per class), their poses added "
               "to the synthetic ones; of classes the generator cannot draw (volleyball_spike/), "
               "the model is of their classes, trained on them alone")
_POSE_CACHE_HELP = ("Pose: where the labelled clips' estimated poses are cached (default: "
                    "$HIGHLIGHTS_POSE_CACHE, else poses in $HIGHLIGHTS_CACHE_DIR, "
                    "$XDG_CACHE_HOME/highlights or ~/.cache/highlights)")
_LABELLED_SHARE_HELP = ("Pose: the share of the training windows your labelled clips' windows "
                        "make up at least, repeated to reach it, each repeat augmented afresh "
                        f"(default {DEFAULT_LABELLED_SHARE:g}: added once beside the synthetic "
                        f"ones; {OWN_CAMERA_SHARE:g} learnt labels of one camera's clips for "
                        "that camera, and scored other cameras' clips lower)")
_PRECISION_HELP = ("auto (default: bf16 where the CPU has AMX, else fp32) | fp32 | bf16: bf16 "
                   "autocast training, on CPUs with native bf16 (AVX512_BF16, AMX) only")
_POSE_FAMILY_HELP = "Pose model: features_linear (default) | features_mlp | tcn"
_SYNTH_WINDOWS_HELP = "Synthetic pose windows to train on (pose; default 3000)"
_LR_HELP = "Peak learning rate of AdamW (default 5e-4; 3e-3 with --model pose)"
_WIDTH_HELP = "Channel width multiplier (default 1.0 = R(2+1)D-18; 0.25 with --quick)"
_SEED_HELP = "Seed of the weights, the sampling and the augmentation (default 0)"
_RESUME_HELP = ("Continue the interrupted run in --out (its dataset and settings are read from it; "
                "--root only where its datasets have moved)")


def _setting(*names: str, help: str | None = None):
    """An option that, left unset, keeps TrainConfig's default (so no default is shown here)."""
    return typer.Option(None, *names, help=help, show_default=False)


def register(root: typer.Typer) -> None:
    """Adds `highlights train` to the root command."""
    root.command("train")(train)


def train(
    root: Path | None = typer.Option(None, "--root", help=_ROOT_HELP),
    version: str | None = typer.Option(None, "--version", help=_VERSION_HELP),
    out: Path = typer.Option(..., "--out", help="Run folder: checkpoints, history, cache"),
    model: str = typer.Option("r2plus1d", "--model", help=_MODEL_HELP),
    pose_family: str | None = _setting("--pose-family", help=_POSE_FAMILY_HELP),
    synth_windows: int | None = _setting("--synth-windows", help=_SYNTH_WINDOWS_HELP),
    synth_games: int = typer.Option(0, "--synth-games", help=_SYNTH_GAMES_HELP),
    rendered_games: int = typer.Option(0, "--rendered-games", help=_RENDERED_GAMES_HELP),
    render_dir: Path | None = typer.Option(None, "--render-dir", help=_RENDER_DIR_HELP),
    clips: Path | None = typer.Option(None, "--clips", help=_CLIPS_HELP),
    pose_cache: Path | None = typer.Option(None, "--pose-cache", help=_POSE_CACHE_HELP),
    labelled_share: float | None = _setting("--labelled-share", help=_LABELLED_SHARE_HELP),
    epochs: int | None = _setting(help="Epochs (default 30; 5 with --quick; 40 with --model pose)"),
    batch_size: int | None = _setting("--batch-size", help="Clips per training step (default 8)"),
    lr: float | None = _setting("--lr", help=_LR_HELP),
    width: float | None = _setting(help=_WIDTH_HELP),
    frames: int | None = _setting(help="Frames per clip (default 16; 8 with --quick)"),
    crop: int | None = _setting(help="Crop size in pixels (default 112; 64 with --quick)"),
    balance: str | None = _setting(help="Class imbalance: loss (default) | sampler | none"),
    augment: bool | None = _setting("--augment/--no-augment",
                                    help="On-the-fly phone augmentation (default on)"),
    patience: int | None = _setting(help="Early-stopping patience in epochs (0 = off; default 5)"),
    seed: int | None = _setting(help=_SEED_HELP),
    workers: int | None = _setting("--workers", help="Processes decoding the training clips "
                                                     "(0: this one; default 2)"),
    pretrained: Path | None = _setting(help="Local torchvision-layout R(2+1)D-18 weights to "
                                            "fine-tune (default: none, the weights start random)"),
    cache_dir: Path | None = _setting("--cache-dir", help="Decoded-clip cache (default OUT/cache)"),
    precision: str | None = _setting("--precision", help=_PRECISION_HELP),
    resume: bool = typer.Option(False, "--resume", help=_RESUME_HELP),
    quick: bool = typer.Option(False, "--quick",
                               help="A small model on 8x64x64 clips, for quick runs"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Train the clip classifier on a dataset version, or the pose classifier on synthetic
    keypoints, your labelled clips' poses, or both."""
    from highlights.errors import ConfigError

    if model not in ("r2plus1d", "pose"):
        raise ConfigError(f"--model {model!r}: expected r2plus1d or pose")
    # Options of the other model are refused, not dropped unsaid.
    clip_only = {"--batch-size": batch_size, "--width": width, "--frames": frames, "--crop": crop,
                 "--balance": balance, "--augment/--no-augment": augment, "--patience": patience,
                 "--workers": workers, "--pretrained": pretrained, "--cache-dir": cache_dir,
                 "--precision": precision, "--resume": resume or None, "--quick": quick or None}
    pose_only = {"--pose-family": pose_family, "--synth-windows": synth_windows, "--clips": clips,
                 "--synth-games": synth_games or None, "--rendered-games": rendered_games or None,
                 "--render-dir": render_dir, "--pose-cache": pose_cache,
                 "--labelled-share": labelled_share}
    if model == "pose":
        _refuse_clip_options(clip_only, resume=resume)
        refuse_missing_inputs(clip_tree=clips, root=root, version=version)  # before torch loads
        from highlights.cli.pose_train_options import PoseTrainOptions

        options = PoseTrainOptions(out, family=pose_family, synth_windows=synth_windows,
                                   epochs=epochs, lr=lr, seed=seed, clips=clips, games=synth_games,
                                   rendered_games=rendered_games, render_dir=render_dir,
                                   root=root, version=version, pose_cache=pose_cache,
                                   labelled_share=labelled_share)
        _train_pose(options, progress=progress)
        return
    _refuse_pose_options(pose_only)
    # Before torch loads. A resumed run's own data is checked against what is given, when it
    # differs, by the resume's own line (leave them out).
    refuse_missing_inputs(files=(pretrained,), root=None if resume else root, version=version)
    given = {
        "epochs": epochs, "batch_size": batch_size, "lr": lr, "width": width, "num_frames": frames,
        "crop_size": crop, "balance": balance, "augment": augment, "patience": patience,
        "seed": seed, "num_workers": workers, "pretrained": str(pretrained) if pretrained else None,
        "cache_dir": str(cache_dir) if cache_dir else None, "precision": precision,
    }
    _train_r2plus1d(out, root, version, given, pretrained=pretrained, resume=resume, quick=quick,
                    progress=progress)


def _refuse_clip_options(clip_only: dict, *, resume: bool) -> None:
    """Training the pose classifier: --resume, and every R(2+1)D setting given, are refused."""
    from highlights.errors import ConfigError

    if resume:
        raise ConfigError("--resume goes on with an interrupted R(2+1)D run; the pose classifier "
                          "trains in one go (minutes): run the command again with a new --out")
    unused = [name for name, value in clip_only.items() if value is not None]
    if unused:
        raise ConfigError(f"{', '.join(unused)}: "
                          f"{'an R(2+1)D setting' if len(unused) == 1 else 'R(2+1)D settings'}; "
                          "the pose classifier does not use "
                          f"{'it' if len(unused) == 1 else 'them'}")


def _refuse_pose_options(pose_only: dict) -> None:
    """Training the R(2+1)D: every pose classifier setting given is refused."""
    from highlights.errors import ConfigError

    unused = [name for name, value in pose_only.items() if value is not None]
    if unused:
        setting = "a pose classifier setting" if len(unused) == 1 else "pose classifier settings"
        raise ConfigError(f"{', '.join(unused)}: {setting}; add --model pose to train the pose "
                          "classifier")


def _train_r2plus1d(out: Path, root: Path | None, version: str | None, given: dict, *,
                    pretrained: Path | None, resume: bool, quick: bool, progress: bool) -> None:
    """Checks the run's inputs, makes its config (a resumed run's is the saved one), trains and says
    the best and last checkpoints."""
    from highlights.atomic import DiskFullError, check_writable, check_writable_folder
    from highlights.errors import ConfigError

    if not resume and (root is None or version is None):  # a resumed run reads them from its folder
        raise ConfigError("--root and --version are required to train the R(2+1)D clip classifier")
    from highlights.pose_classifier.default import holds_pose_model

    if pretrained is not None and holds_pose_model(pretrained):
        raise ConfigError(f"--pretrained {pretrained}: a pose classifier checkpoint; --pretrained "
                          "takes R(2+1)D-18 weights (torchvision's layout)")
    from highlights.train import TrainConfig, fit, load_saved_config
    from highlights.train.loop import refuse_used_folder

    # a clear line now, not the operating system's when the run folder is made; one that is there
    # takes the run's files inside it, whatever its parent is
    (check_writable_folder if out.is_dir() else check_writable)(out)
    if resume:
        # The saved settings win; only how the run executes may change.
        saved = load_saved_config(out, out_name="--out", resume_name="--resume")
        config = saved.resumed_with(root=str(root) if root else None, version=version,
                                    quick=quick, **given)
        typer.echo(f"resuming the run in {out} with its saved settings")
    else:
        config = TrainConfig.from_options(str(root), version, str(out), quick=quick, **given)
        refuse_used_folder(out, "--resume")
    typer.echo(f"model: {config.describe_model()}")
    typer.echo(f"data: {config.root} {config.version}; {counted(config.epochs, 'epoch')}, "
               f"batch {config.batch_size}, "
               f"balance={config.balance}, augment={'on' if config.augment else 'off'}, seed "
               f"{config.seed}")
    try:
        result = fit(config, resume=resume, show_progress=progress, log=typer.echo,
                     out_name="--out", resume_name="--resume")
    except DiskFullError as full:
        cache = config.resolved_cache_dir()
        if Path(full.path).is_relative_to(cache):
            # The cache is the run's largest write and the one that can go elsewhere.
            full.add_note(f"the run's decoded clips fill {cache}; give --cache-dir a folder on a "
                          "disk with room (those decoded so far can be removed, or moved there)")
        raise
    from highlights.cli.outputs_in_place import closing_lines

    best = "n/a" if result.best_val_macro_f1 is None else f"{result.best_val_macro_f1:.3f}"
    with closing_lines([result.best_checkpoint, result.last_checkpoint]):
        typer.echo(f"best: epoch {result.best_epoch}, val macro-F1 {best} -> {result.best_checkpoint}")
        typer.echo(f"last: {result.last_checkpoint}")


def _train_pose(options: PoseTrainOptions, *, progress: bool) -> None:
    """A setting left out (None) keeps PoseTrainConfig's default: the packaged model's recipe."""
    from highlights.errors import ConfigError
    from highlights.pose_classifier.own_classes import with_the_clips_classes
    from highlights.pose_classifier.train import train_pose_classifier

    _refuse_pose_settings(options)
    config = with_the_clips_classes(options.config())
    for option, value in (("--synth-windows", options.synth_windows),
                          ("--labelled-share", options.labelled_share)):
        if not config.synthetic and value is not None:
            raise ConfigError(f"{option}: the clips' classes ({', '.join(config.classes)}) are "
                              "not all the synthetic generator's, so the model trains on the "
                              "clips alone and draws no synthetic window")
    _say_pose_model_and_data(config, options)
    try:
        _, path = train_pose_classifier(config, show_progress=progress, log=typer.echo)
    except KeyboardInterrupt:
        # Nothing is half-written (the model is written when training ends; estimated poses and
        # rendered games are written one whole file at a time), so a new run starts over.
        kept = (" (poses and rendered games made so far are kept and reused)"
                if (options.labelled or options.rendered_games) else "")
        typer.echo(f"interrupted: no model was written to {options.out}; the pose classifier "
                   f"trains in one go, so run the same command again{kept}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([path, path.with_suffix(".json")]):
        typer.echo(f"wrote {path} and {path.with_suffix('.json')}")


def _refuse_pose_settings(options: PoseTrainOptions) -> None:
    """The pose classifier's settings out of range or doing nothing refused in one line, and an
    --out that cannot take the model, before any training."""
    from highlights.atomic import check_writable, check_writable_folder
    from highlights.errors import ConfigError

    out, synth_windows, epochs, lr = options.out, options.synth_windows, options.epochs, options.lr
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: is a file, not a folder (--out is the folder the model is "
                          "written in)")
    (check_writable_folder if out.is_dir() else check_writable)(out)  # now, not after training
    if (out / "best.pt").exists():
        raise ConfigError(f"{out}: holds a trained model already (best.pt); pick a new --out, or "
                          "remove it to train again there")
    if synth_windows is not None and synth_windows < 1:
        raise ConfigError(f"--synth-windows {synth_windows}: at least 1 (the synthetic windows are "
                          "the model's training data; labelled clips are added to them)")
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs {epochs}: at least 1")
    for option, count in (("--synth-games", options.games),
                          ("--rendered-games", options.rendered_games)):
        if count < 0:
            raise ConfigError(f"{option} {count}: 0 or more")
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise ConfigError(f"--lr {lr}: a positive number")
    if options.pose_cache is not None and not options.labelled:
        raise ConfigError(f"--pose-cache {options.pose_cache}: keeps the estimated poses of "
                          "labelled clips (--clips, or --root/--version), and without them no pose "
                          "is estimated")
    share = options.labelled_share
    if share is not None and not (math.isfinite(share) and 0 <= share < 1):
        raise ConfigError(f"--labelled-share {share}: a share from 0 up to, not including, 1")
    if share is not None and not options.labelled:
        raise ConfigError(f"--labelled-share {share}: weighs labelled clips (--clips, or "
                          "--root/--version) beside the synthetic windows, and none is given")
    if options.render_dir is not None and not options.rendered_games:
        raise ConfigError(f"--render-dir {options.render_dir}: keeps the games --rendered-games "
                          "renders, and without it none is rendered")
    # Now, not after the synthetic windows are drawn: making it failed with "File exists".
    if options.render_dir is not None:
        check_writable_folder(options.render_dir, out_name="--render-dir")
    # A pose cache that cannot be written is still read (a team's shared one, a read-only mount);
    # the poses it lacks are estimated again each run, said once: only a file in its place is
    # refused.
    cache = options.pose_cache
    if cache is not None and cache.exists() and not cache.is_dir():
        raise ConfigError(f"{cache}: is a file; --pose-cache names the folder the estimated poses "
                          "are kept in")


def _say_pose_model_and_data(config, options: PoseTrainOptions) -> None:
    """The pose model and what it trains on, in a line (a model of the clips' own classes trains on
    them alone)."""
    games, rendered, clips, version = (options.games, options.rendered_games, options.clips,
                                       options.version)
    model = (f"model: pose classifier ({config.family}), {config.window.window_frames} frames "
             f"at {config.window.fps:g} fps")
    if not config.synthetic:
        typer.echo(f"{model}, of your clips' classes {', '.join(config.classes)}; data: the poses "
                   f"of {f'{version} train clips' if version else f'the clips in {clips}'} alone, "
                   f"seed {config.seed}")
        from highlights.vocabulary import without_none_note

        note = without_none_note(config.classes)
        if note:
            typer.echo(note)
    else:
        typer.echo(f"{model}; data: {config.synth_windows} synthetic pose windows"
                   f"{f' and windows of {games} synthetic games' if games else ''}"
                   f"{f' and MoveNet poses of {rendered} rendered games' if rendered else ''}"
                   f"{f' and the poses of {version} train clips' if version else ''}"
                   f"{f' and the poses of the clips in {clips}' if clips else ''}"
                   f", seed {config.seed}")
