"""`highlights detect` and `highlights pipeline evaluate|ablate|config`: thin layers over highlights.pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console()

CONFIG_HELP = "A pipeline config JSON (or any result file with a `config` inside)"
SET_HELP = "Change one config flag, e.g. --set video_mode=false (repeatable)"
CKPT_HELP = "Trained classifier checkpoint (sets classifier_backend=checkpoint)"


def _config(config_path: Optional[Path], checkpoint: Optional[Path], sets: Optional[list[str]]):
    from highlights.pipeline.config import PipelineConfig

    cfg = PipelineConfig.load(config_path) if config_path else PipelineConfig()
    if checkpoint is not None:
        cfg = cfg.with_overrides({"checkpoint": str(checkpoint), "classifier_backend": "checkpoint"})
    return cfg.with_overrides(sets or [])


def _annotation(path: Path):
    from highlights.events import load_annotation

    return load_annotation(path)


def detect(
    video: Path = typer.Argument(..., help="The game video"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    annotations: Optional[Path] = typer.Option(
        None, "--annotations", help="Optional ground truth, drawn as a second lane on the timeline and page"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Find the highlights of a game: DIR/highlights.json, plus CSV, EDL, reel and HTML when available."""
    from highlights.pipeline.detect import detect_highlights

    cfg = _config(config, checkpoint, set_)
    truth = _annotation(annotations) if annotations is not None else None
    result, written = detect_highlights(video, cfg, out, annotation=truth, progress=progress,
                                        log=lambda m: console.print(f"[yellow]{m}[/]"))
    console.print(f"{len(result.highlights)} highlights in {result.video['duration_s']:.0f} s of video "
                  f"({result.stats['speed_x_realtime']}x real time; classifier inference: "
                  f"{result.inference_backend})")
    for kind, path in written.items():
        console.print(f"  {kind}: {path}")


def register(root: typer.Typer) -> None:
    """Adds `highlights detect` to the root command."""
    root.command("detect")(detect)


@app.command("evaluate")
def evaluate(
    video: Path = typer.Option(..., "--video", help="The game video"),
    annotations: Path = typer.Option(..., "--annotations",
                                     help="GAME.json (generator), Labels-v2.json (SoccerNet) or ActivityNet JSON"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    tolerance: Optional[list[float]] = typer.Option(None, "--tolerance",
                                                    help="Key-moment tolerance in s (repeatable; default 1, 2, 5)"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Recall and precision against annotated events, and the stage that lost each miss."""
    from highlights.pipeline.eval_report import evaluate_video
    from highlights.pipeline.evaluation import DEFAULT_TOLERANCES

    cfg = _config(config, checkpoint, set_)
    report, written = evaluate_video(video, _annotation(annotations), cfg, out,
                                     tolerances=tolerance or DEFAULT_TOLERANCES, progress=progress)
    table = Table(title="Highlight pipeline (one-to-one Hungarian matching on key moments)")
    for col in ("tolerance (s)", "recall", "precision", "class recall", "class precision"):
        table.add_column(col, justify="right")
    f = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    for row in report["by_tolerance"]:
        table.add_row(f"{row['tolerance_s']:g}", f(row["recall"]), f(row["precision"]),
                      f(row["class_recall"]), f(row["class_precision"]))
    console.print(table)
    att = report["attribution"]
    at_tolerance = next((row for row in report["by_tolerance"] if row["tolerance_s"] == att["tolerance_s"]),
                        report["by_tolerance"][0])
    sports = Table(title=f"Per sport (tolerance {at_tolerance['tolerance_s']:g} s)")
    for col in ("sport", "events", "recall", "class recall"):
        sports.add_column(col, justify="right" if col != "sport" else "left")
    for sport, row in at_tolerance["per_sport"].items():
        sports.add_row(sport, str(row["events"]), f(row["recall"]), f(row.get("class_recall")))
    console.print(sports)
    lost = Table(title=f"Where the missed events were lost: {att['missed']} missed "
                       f"(tolerance {att['tolerance_s']:g} s)")
    lost.add_column("stage")
    lost.add_column("misses", justify="right")
    lost.add_column("share", justify="right")
    for stage, row in att["by_stage"].items():
        lost.add_row(stage, str(row["count"]), f(row["share"]))
    console.print(lost)
    for kind, path in written.items():
        console.print(f"  {kind}: {path}")


@app.command("ablate")
def ablate(
    video: Path = typer.Option(..., "--video", help="The game video"),
    annotations: Path = typer.Option(..., "--annotations", help="The game's annotation"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    change: list[str] = typer.Option(..., "--change", help="A flag change to test, flag=value (repeatable)"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="The baseline config (" + CONFIG_HELP + ")"),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Change the baseline: " + SET_HELP),
    tolerance: float = typer.Option(2.0, "--tolerance", help="Key-moment tolerance in s"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Baseline, each change alone, all together and all but one: one table of recall and precision."""
    from highlights.pipeline.ablation import TABLE_HEADER, run_ablation, table_rows, write_ablation

    base = _config(config, checkpoint, set_)
    result = run_ablation(video, _annotation(annotations), base, change, tolerance_s=tolerance,
                          progress=progress)
    written = write_ablation(result, out)
    table = Table(title=f"Ablation (tolerance {tolerance:g} s)")
    for i, col in enumerate(TABLE_HEADER):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in table_rows(result):
        table.add_row(*row)
    console.print(table)
    if result.culprits:
        console.print("[red]changes that cost recall:[/] " + ", ".join(result.culprits))
    for kind, path in written.items():
        console.print(f"  {kind}: {path}")


@app.command("config")
def show_config(
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
) -> None:
    """Print the pipeline config (defaults, or a file, with --set changes) as JSON, ready to edit."""
    cfg = _config(config, None, set_)
    typer.echo(json.dumps(cfg.to_dict(), indent=2))
