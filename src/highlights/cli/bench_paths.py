"""`highlights bench-paths`: measure the inference paths for a checkpoint on this CPU again."""

from __future__ import annotations

from pathlib import Path

import typer


def register(root: typer.Typer) -> None:
    """Adds `highlights bench-paths` to the root command."""
    root.command("bench-paths")(bench_paths)


def bench_paths(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `highlights train` (best.pt)"),
    threads: int | None = typer.Option(None, "--threads", help="Torch threads (default: torch's setting)"),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Timed rounds per layout (the median decides)"),
    int8: bool = typer.Option(True, "--int8/--no-int8", help="Offer a verified int8 model (evaluate --int8)"),
    bf16: bool = typer.Option(True, "--bf16/--no-bf16", help="Offer a verified bf16 path (evaluate --bf16)"),
) -> None:
    """Time every inference path and layout for CHECKPOINT on this CPU, pick the fastest, and
    store the choice in the cache later runs read (they measure only when it is missing)."""
    from rich.console import Console
    from rich.table import Table

    from highlights.model import ClipClassifier
    from highlights.model.cpu_features import this_cpu

    console = Console()
    console.print(f"CPU: {this_cpu().describe()}")
    with console.status("measuring inference paths ...") as status:
        classifier = ClipClassifier.from_checkpoint(
            checkpoint, int8=int8, bf16=bf16, num_threads=threads, remeasure=True, measure_rounds=rounds,
            progress=lambda line: status.update(f"measuring inference paths: {line}"))
    report = classifier.backend_report
    classifier.close()
    table = Table(title=f"{report['measure_batch']} clips per round, median of {report['measure_rounds']} "
                        f"interleaved rounds, {report['threads']} threads")
    table.add_column("path and layout")
    table.add_column("clips/s", justify="right")
    table.add_column("of the best", justify="right")
    rates = report["measured_clips_per_s"]
    best = max(rates.values())
    for label, rate in sorted(rates.items(), key=lambda item: -item[1]):
        table.add_row(("* " if label == report["layout"] else "  ") + label, f"{rate:.2f}", f"{rate / best:.0%}")
    console.print(table)
    for entry in report["tried"]:
        if not entry.get("ok"):
            console.print(f"not timed: {entry['backend']} ({entry.get('reason') or 'disagrees with eager'})")
    for precision in ("int8", "bf16"):
        why = report.get(precision)
        if why is not None:
            console.print(f"{precision}: " + ("offered (verified on a test set)" if why.get("usable")
                                              else f"not offered: {why.get('reason')}"))
    console.print(f"chosen: {report['layout']}; stored in {report.get('cache', '(no cache)')}")
