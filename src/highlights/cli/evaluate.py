"""`highlights evaluate`"""

from __future__ import annotations

from pathlib import Path

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights evaluate` to the root command."""
    root.command("evaluate")(evaluate)


def evaluate(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `highlights train` (best.pt)"),
    root: Path = typer.Option(..., "--root", help="Dataset root"),
    version: str = typer.Option(..., "--version", help="Dataset version, e.g. v2"),
    split: str = typer.Option("test", "--split", help="train | val | test"),
    out: Path = typer.Option(..., "--out", help="Folder for video_scorer_testreport.json/.md/_confusion.png"),
    batch_size: int = typer.Option(8, "--batch-size"),
    workers: int = typer.Option(1, "--workers", help="Decoding worker processes"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the 95% intervals"),
    backend: str = typer.Option("auto", "--backend", help="Inference path: auto (fastest verified) or a name"),
    int8: bool = typer.Option(False, "--int8/--no-int8", help=(
        "Also run the int8 model on the same clips; if it loses at most 0.5 accuracy points, store "
        "it beside the checkpoint (CHECKPOINT.int8.onnx/.json) so later runs use it")),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Score a checkpoint on a dataset split and write the test report."""
    from highlights.report import render_markdown
    from highlights.train.evaluation import evaluate_checkpoint

    report, paths = evaluate_checkpoint(
        checkpoint, root=root, version=version, split=split, out_dir=out, batch_size=batch_size,
        num_workers=workers, n_bootstrap=bootstrap, backend=backend, int8=int8, show_progress=progress,
        log=typer.echo,
    )
    # The terminal gets the scoreboard; the full provenance (every config value) is in the files.
    typer.echo(render_markdown(report, provenance=False).rstrip())
    for path in paths.values():
        typer.echo(f"wrote {path}")
