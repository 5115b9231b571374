"""`highlights bench-paths`: measure the inference paths for a checkpoint on this CPU again."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.text import Text

from highlights.cli.aliases import hidden_argument, one_of
from highlights.cli.named_inputs import refuse_missing_inputs

UNWRITABLE = "cannot be written: set HIGHLIGHTS_CACHE_DIR to a writable folder"


def register(root: typer.Typer) -> None:
    """Adds `highlights bench-paths` to the root command."""
    root.command("bench-paths")(bench_paths)


def bench_paths(
    checkpoint_argument: Path | None = hidden_argument("--checkpoint"),
    checkpoint: Path | None = typer.Option(None, "--checkpoint",
                                           help="A checkpoint written by `highlights train` (best.pt; its run "
                                                "folder means its best.pt; without it, --movenet's "
                                                "paths alone)"),
    movenet: bool = typer.Option(False, "--movenet", help="Also measure MoveNet's paths (person detection and "
                                 "pose) for the default analysis frames"),
    video: Path | None = typer.Option(None, "--video", help="With --movenet: take the frame size from this video "
                                      "(default: 16:9 footage)"),
    threads: int | None = typer.Option(None, "--threads", min=1, help="Torch threads (default: torch's setting)"),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Timed rounds per layout (the median decides)"),
    budget: float = typer.Option(0.0, "--budget-s", min=0.0,
                                 help="Bound the measurement to about this many seconds: a race that times every "
                                      "layout of the paths built (no more are built once half of it is spent) once, "
                                      "then keeps the faster half round after round (0: every path and layout in "
                                      "every round; a first run without this command races under a bounded default "
                                      "budget and says what it cut)"),
    int8: bool = typer.Option(True, "--int8/--no-int8", help="Offer a verified int8 model (evaluate --int8)"),
    bf16: bool = typer.Option(True, "--bf16/--no-bf16", help="Offer a verified bf16 path (evaluate --bf16)"),
) -> None:
    """Time every inference path and layout for --checkpoint (and, with --movenet, for the person
    detector and pose model) on this CPU, pick the fastest, and store the choice in the cache
    later runs read (they measure only when it is missing)."""
    checkpoint = one_of("--checkpoint", checkpoint, checkpoint_argument)
    refuse_missing_inputs(files=(checkpoint,))  # before torch loads
    from highlights.console import plain_console
    from highlights.errors import ConfigError
    from highlights.model.cpu_features import this_cpu

    if checkpoint is not None:
        # The run folder `highlights train --out` wrote means its best.pt, as for every other command.
        from highlights.pose_classifier.default import checkpoint_file

        checkpoint = checkpoint_file(checkpoint)
    if checkpoint is None and not movenet:
        raise ConfigError("bench-paths: give --checkpoint, --movenet, or both")
    console = plain_console()
    console.print(f"CPU: {this_cpu().describe()}")
    # This command says itself, beside each choice, that its cache could not be written.
    path_cache_log = logging.getLogger("highlights.model.path_choice")
    level = path_cache_log.level
    path_cache_log.setLevel(logging.ERROR)
    try:
        if movenet:
            _bench_movenet(console, video, rounds)
        if checkpoint is not None:
            _bench_checkpoint(console, checkpoint, threads, rounds, int8, bf16, budget)
    finally:
        path_cache_log.setLevel(level)


def _progress_console():
    """Where the measuring status line is drawn: stderr, as every progress is, so that the results
    piped to a file (stdout) still show their progress on the terminal."""
    from highlights.console import plain_console

    return plain_console(stderr=True)


def _bench_movenet(console, video: Path | None, rounds: int) -> None:
    from rich.table import Table

    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.movenet_people import analysis_size, choose_movenet_path, movenet_estimator

    config = PipelineConfig()
    source = (1280, 720)
    if video is not None:
        from highlights.video import probe

        info = probe(video)
        source = (int(info.width), int(info.height))
    size = analysis_size(source, config.analysis.short_side)
    estimator = movenet_estimator(config.detection)
    with _progress_console().status("measuring MoveNet paths ...") as status:
        path, report = choose_movenet_path(estimator, size, config.detection.movenet_tiles, remeasure=True,
                                           rounds=rounds, progress=lambda line: status.update(
                                               Text(f"measuring MoveNet paths: {line}")))
    estimator.close()
    table = Table(title=f"MoveNet on {size[0]}x{size[1]} frames: {report['batch']} frames per round, median of "
                        f"{report['rounds']} interleaved rounds")
    table.add_column("LiteRT path")
    table.add_column("frames/s", justify="right")
    table.add_column("of the best", justify="right")
    rates = report["clips_per_s"]
    best = max(rates.values())
    for label, rate in sorted(rates.items(), key=lambda item: -item[1]):
        table.add_row(("* " if label == path.label else "  ") + label, f"{rate:.2f}", f"{rate / best:.0%}")
    console.print(table)
    for label in report.get("disagreeing", []):
        console.print(f"not timed: {label} (its output differs from the one-thread path)")
    if report.get("stored", True):
        console.print(f"chosen: {path.label}; stored in {report['cache']}")
    elif report.get("cache_unwritable"):
        console.print(f"chosen: {path.label}; NOT stored: {report['cache']} {UNWRITABLE}")
    else:
        console.print(f"chosen: {path.label}; NOT stored: other processes kept {report['others_busy_cores']:.2f} "
                      "cores busy meanwhile, which favours one worker; measure again on a quiet machine")


def _bench_checkpoint(console, checkpoint: Path, threads: int | None, rounds: int, int8: bool, bf16: bool,
                      budget: float) -> None:
    from rich.table import Table

    from highlights.model import ClipClassifier

    with _progress_console().status("measuring inference paths ...") as status:
        classifier = ClipClassifier.from_checkpoint(
            checkpoint, int8=int8, bf16=bf16, num_threads=threads, remeasure=True, measure_rounds=rounds,
            measure_budget_s=budget or None,
            progress=lambda line: status.update(Text(f"measuring inference paths: {line}")))
    report = classifier.backend_report
    classifier.close()
    race = report.get("measure_race") or {}
    samples, cut = race.get("samples", {}), race.get("cut_after_round", {})
    table = Table(title=f"{report['measure_batch']} clips per call, median of each layout's interleaved rounds "
                        f"(the chosen one: {report['measure_rounds']}), {report['threads']} threads")
    table.add_column("path and layout")
    table.add_column("clips/s", justify="right")
    table.add_column("of the best", justify="right")
    table.add_column("rounds", justify="right")
    table.add_column("race", justify="left")
    rates = report["measured_clips_per_s"]
    best = max(rates.values())
    for label, rate in sorted(rates.items(), key=lambda item: -item[1]):
        table.add_row(("* " if label == report["layout"] else "  ") + label, f"{rate:.2f}", f"{rate / best:.0%}",
                      str(samples.get(label, "")), f"cut after round {cut[label]}" if label in cut else "finalist")
    console.print(table)
    for entry in report["tried"]:
        if not entry.get("ok"):
            console.print(f"not timed: {entry['backend']} ({entry.get('reason') or 'disagrees with eager'})")
    for precision in ("int8", "bf16"):
        why = report.get(precision)
        if why is not None:
            console.print(f"{precision}: " + ("offered (verified on a test set)" if why.get("usable")
                                              else f"not offered: {why.get('reason')}"))
    skipped = report.get("measure_skipped") or {}
    if skipped:
        from highlights.model.classifier import describe_skipped

        console.print(f"left out to fit {skipped.get('budget_s'):.0f} s: {describe_skipped(skipped)}")
    console.print(f"measured in {report.get('measure_seconds', 0):.0f} s")
    if report.get("stored", True):
        console.print(f"chosen: {report['layout']}; stored in {report.get('cache', '(no cache)')}")
    elif report.get("cache_unwritable"):
        console.print(f"chosen: {report['layout']}; NOT stored: {report.get('cache')} {UNWRITABLE}")
    else:
        console.print(f"chosen: {report['layout']}; NOT stored: other processes kept {report['others_busy_cores']:.2f} "
                      "cores busy meanwhile; measure again on a quiet machine")
