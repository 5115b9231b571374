"""`highlights evaluate`"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from highlights.cli.aliases import hidden_argument, one_of
from highlights.cli.help_texts import PROGRESS_HELP
from highlights.cli.named_inputs import refuse_missing_inputs
from highlights.worker_processes import MAX_WORKER_PROCESSES

if TYPE_CHECKING:
    from highlights.train.evaluation_settings import EvaluationSettings


def register(root: typer.Typer) -> None:
    """Adds `highlights evaluate` to the root command."""
    root.command("evaluate")(evaluate)


# Defaults of the R(2+1)D's inference settings: with a pose model, any other value is refused
# (`_run`).
_BATCH_SIZE, _WORKERS, _BACKEND = 8, 1, "auto"

# The longer options' help, kept out of the command's signature so that it reads as the list of
# its options.
_CHECKPOINT_HELP = ("A checkpoint written by `highlights train` (best.pt; its run folder means its "
                    "best.pt): R(2+1)D or pose model. Without one, the pose classifier that ships "
                    "with highlights")
_ROOT_HELP = "Dataset root, the folder holding v1, v2, ... (required without --clips)"
_CLIPS_HELP = ("A folder per class (CLIPS/CLASS/*.mp4), every clip scored as test (without it: "
               "the --split of --root and --version)")
_OUT_HELP = ("Folder for video_scorer_testreport.json, .md and _confusion.png, and "
             "_reliability.png where the model gave probabilities")
_BACKEND_HELP = ("Inference path, every one fp32: auto (the fastest one verified on this CPU; "
                 "fp32, the name the report gives it, does the same), torchscript, "
                 "folded_channels_last, channels_last, onnxruntime or eager")
_INT8_HELP = ("Also run the int8 model on the same clips; if it loses at most 0.5 accuracy "
              "points, store it beside the checkpoint (for best.pt: best.pt.int8.onnx and "
              "best.pt.int8.json) so later runs may use it. Its speed against fp32: medians of 3 "
              "interleaved calls each on the first batch of clips, after a warm-up call each")
_POSE_CACHE_HELP = ("Where estimated poses of real clips are cached (default: "
                    "$HIGHLIGHTS_POSE_CACHE, else poses in $HIGHLIGHTS_CACHE_DIR, "
                    "$XDG_CACHE_HOME/highlights or ~/.cache/highlights)")
_FUSE_POSE_HELP = ("With an R(2+1)D checkpoint and a dataset: fuse it with the pose classifier, "
                   "the weight chosen on the val split (0.5 kept with fewer than 30 val clips), "
                   "and report the fused classifier on --split (without the R(2+1)D's "
                   "inference settings: --batch-size, --workers, --backend, --int8 and --bf16 "
                   "are refused with it)")
_BF16_HELP = ("Also run the bf16 path on the same clips (CPUs with native bf16 only); if it loses "
              "at most 0.5 accuracy points, store the verdict beside the checkpoint (for best.pt: "
              "best.pt.bf16.json) so later runs may use it. Its speed is timed as --int8's")


def evaluate(
    checkpoint_argument: Path | None = hidden_argument("--checkpoint"),
    checkpoint: Path | None = typer.Option(None, "--checkpoint", help=_CHECKPOINT_HELP),
    root: Path | None = typer.Option(None, "--root", help=_ROOT_HELP),
    version: str | None = typer.Option(None, "--version",
                                       help="Dataset version, e.g. v2 (required without --clips)"),
    split: str = typer.Option("test", "--split", help="train | val | test"),
    clips: Path | None = typer.Option(None, "--clips", help=_CLIPS_HELP),
    out: Path = typer.Option(..., "--out", help=_OUT_HELP),
    batch_size: int = typer.Option(_BATCH_SIZE, "--batch-size", min=1,
                                   help="Clips per inference call"),
    workers: int = typer.Option(_WORKERS, "--workers", min=0, max=MAX_WORKER_PROCESSES,
                                 help="Processes decoding the clips (0: this one)"),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=1,
                                  help="Bootstrap resamples for the 95% intervals"),
    backend: str = typer.Option(_BACKEND, "--backend", help=_BACKEND_HELP),
    int8: bool = typer.Option(False, "--int8/--no-int8", help=_INT8_HELP),
    pose_cache: Path | None = typer.Option(None, "--pose-cache", help=_POSE_CACHE_HELP),
    fuse_pose: bool = typer.Option(False, "--fuse-pose", help=_FUSE_POSE_HELP),
    pose_model: Path | None = typer.Option(None, "--pose-model",
                                           help="Pose checkpoint for --fuse-pose (default: the "
                                                "packaged one)"),
    bf16: bool = typer.Option(False, "--bf16/--no-bf16", help=_BF16_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Score a checkpoint on a dataset split or a folder-per-class tree and write the test
    report."""
    from highlights.atomic import check_writable_folder

    checkpoint = one_of("--checkpoint", checkpoint, checkpoint_argument)
    backend = _backend_named(backend)  # now, not after every clip is read
    _refuse_what_would_be_dropped(root=root, version=version, split=split, clips=clips,
                                  pose_model=pose_model, fuse_pose=fuse_pose)
    if fuse_pose:  # a command line that contradicts itself, said before any file is looked for
        _refuse_inference_settings("--fuse-pose does not take them", int8=int8, bf16=bf16,
                                   batch_size=batch_size, workers=workers, backend=backend)
    refuse_missing_inputs(files=(checkpoint, pose_model), clip_tree=clips, root=root,
                          version=version)
    if checkpoint is not None and checkpoint.is_dir():
        # The run folder `highlights train --out` wrote: its best checkpoint is meant.
        from highlights.pose_classifier.default import checkpoint_file

        checkpoint = checkpoint_file(checkpoint)
        typer.echo(f"checkpoint: {checkpoint}")
    check_writable_folder(out, out_name="--out")  # now, not after scoring every clip
    from highlights.train.evaluation_settings import EvaluationSettings

    settings = EvaluationSettings(batch_size=batch_size, num_workers=workers,
                                  n_bootstrap=bootstrap, backend=backend, int8=int8, bf16=bf16,
                                  show_progress=progress)
    if fuse_pose:
        report, paths = _run_fused(checkpoint, pose_model, root=root, version=version, split=split,
                                   clips=clips, out=out, pose_cache=pose_cache, bootstrap=bootstrap,
                                   progress=progress)
    else:
        report, paths = _run(checkpoint, root=root, version=version, split=split, clips=clips,
                             out=out, pose_cache=pose_cache, settings=settings)
    from highlights.cli.outputs_in_place import closing_lines
    from highlights.report import render_markdown

    with closing_lines(paths.values()):
        # The terminal gets the scoreboard; the full provenance (every config value) is in the files.
        typer.echo(render_markdown(report, provenance=False).rstrip())
        for path in paths.values():
            typer.echo(f"wrote {path}")


def _refuse_what_would_be_dropped(*, root: Path | None, version: str | None, split: str,
                                  clips: Path | None,
                                  pose_model: Path | None, fuse_pose: bool) -> None:
    """One line for a set of options that leaves out what to score or gives one that would do
    nothing."""
    from highlights.errors import ConfigError

    if clips is None and (root is None or version is None):
        raise ConfigError("give --clips FOLDER, or --root and --version of a dataset")
    if clips is not None and (root is not None or version is not None):
        raise ConfigError("--clips scores a folder; leave out --root/--version")
    if clips is not None and split != "test":
        raise ConfigError(f"--split {split}: --clips scores every clip of the folder; --split "
                          "chooses a dataset version's split")
    if pose_model is not None and not fuse_pose:
        raise ConfigError("--pose-model is the pose model --fuse-pose fuses with; to score a pose "
                          "model alone, give it as --checkpoint")


def _run_fused(checkpoint: Path | None, pose_model: Path | None, *, root: Path | None,
               version: str | None,
               split: str, clips: Path | None, out: Path, pose_cache: Path | None, bootstrap: int,
               progress: bool):
    """`--fuse-pose`: the R(2+1)D checkpoint fused with the pose model, the weight chosen on val."""
    from highlights.errors import ConfigError
    from highlights.pose_classifier.default import checkpoint_file, holds_pose_model
    from highlights.pose_classifier.fusion_eval import evaluate_fusion

    if checkpoint is None or clips is not None:
        raise ConfigError("--fuse-pose needs an R(2+1)D checkpoint and --root/--version "
                          "(the weight is chosen on val)")
    if holds_pose_model(checkpoint):
        raise ConfigError(f"{checkpoint}: a pose model; --fuse-pose fuses an R(2+1)D checkpoint "
                          "(--checkpoint) with a pose model: give this one as --pose-model "
                          f"{checkpoint}")
    pose_model = checkpoint_file(pose_model) if pose_model is not None else None
    return evaluate_fusion(checkpoint, root=root, version=version, out_dir=out,
                           pose_model=pose_model,
                           split=split, cache_dir=pose_cache, n_bootstrap=bootstrap,
                           show_progress=progress, log=typer.echo)


# The report names what it scored with "fp32" (beside the int8 and bf16 it can also run): every
# path `--backend` names is fp32, so the word stands for the choice among them, `auto`.
FP32 = "fp32"


def _backend_named(name: str) -> str:
    """The inference path `--backend NAME` means; any other name refused in one line."""
    from highlights.errors import ConfigError
    # the fp32 paths, named without importing torch
    from highlights.pipeline.config import INFERENCE_PATHS

    if name == FP32:
        return _BACKEND
    if name in INFERENCE_PATHS:
        return name
    if name in ("int8", "bf16", "onnxruntime_int8", "bf16_autocast"):
        precision = "int8" if "int8" in name else "bf16"
        raise ConfigError(f"--backend {name}: the scores are fp32's; --{precision} also runs the "
                          f"{precision} path on the same clips and reports it beside them")
    raise ConfigError(f"--backend {name}: choose one of {', '.join(INFERENCE_PATHS)} (each fp32; "
                      f"{FP32} means auto)")


def _refuse_inference_settings(why: str, *, int8: bool, bf16: bool, batch_size: int,
                               workers: int, backend: str) -> None:
    """The R(2+1)D's inference settings given where nothing would use them (a pose model,
    --fuse-pose): refused in one line ending in ``why``, not dropped."""
    from highlights.errors import ConfigError

    unused = [name for name, given in (("--int8", int8), ("--bf16", bf16),
                                       ("--batch-size", batch_size != _BATCH_SIZE),
                                       ("--workers", workers != _WORKERS),
                                       ("--backend", backend != _BACKEND))
              if given]
    if unused:
        raise ConfigError(f"{' and '.join(unused)}: the R(2+1)D clip classifier's inference "
                          f"settings; {why}")


def _run(checkpoint: Path | None, *, root: Path | None, version: str | None, split: str,
         clips: Path | None, out: Path, pose_cache: Path | None, settings: EvaluationSettings):
    """Scores the checkpoint (None: the packaged pose model) on the split or the clips tree."""
    from dataclasses import asdict

    from highlights.pose_classifier.default import DEFAULT_MODEL, is_pose_checkpoint

    pose = checkpoint is None
    if pose:
        checkpoint = DEFAULT_MODEL
        typer.echo(f"no checkpoint given: the default pose classifier ({checkpoint.name}, trained "
                   "on synthetic poses only)")
    if pose or is_pose_checkpoint(checkpoint):
        _refuse_inference_settings(f"{checkpoint.name} is a pose model, which has none",
                                   int8=settings.int8, bf16=settings.bf16,
                                   batch_size=settings.batch_size, workers=settings.num_workers,
                                   backend=settings.backend)
        from highlights.pose_classifier.evaluation import evaluate_pose

        return evaluate_pose(checkpoint, clips_root=clips, root=root, version=version, split=split,
                             out_dir=out, cache_dir=pose_cache, n_bootstrap=settings.n_bootstrap,
                             show_progress=settings.show_progress, log=typer.echo)
    from highlights.train.evaluation import evaluate_checkpoint

    return evaluate_checkpoint(checkpoint, root=root, version=version, split=split,
                               clips_root=clips, out_dir=out, log=typer.echo, **asdict(settings))
