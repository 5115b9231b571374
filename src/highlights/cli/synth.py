"""`highlights synth ...`: synthetic footage for tests and the demo (never a substitute for users' footage)."""

from __future__ import annotations

from pathlib import Path

import typer

from highlights.cli.help_texts import PROGRESS_HELP
from highlights.console import plain_console
from highlights.counted_noun import counted
from highlights.worker_processes import MAX_WORKER_PROCESSES
from highlights.vocabulary import CLASSES

app = typer.Typer(no_args_is_help=True)
console = plain_console()
DIFFICULTY_HELP = ("0 easy .. 1 hard: smaller and farther players, more camera shake, occluders, bystanders and "
                   "look-alike none clips")


@app.command("clips")
def clips(
    out: Path = typer.Option(..., "--out", help="Output folder: OUT/<label>/NAME.mp4 + NAME.json, "
                                                "OUT/manifest.csv (an earlier run's clips this set "
                                                "has not are removed)"),
    per_class: int = typer.Option(..., "--per-class", min=1, help="Clips per class"),
    classes: list[str] = typer.Option(
        None, "--classes", help="Classes to make, comma-separated (as dataset create takes them) "
                                "or repeated (default: every class it draws, "
                                f"{', '.join(CLASSES)})"),
    seconds: float = typer.Option(2.0, "--seconds", min=0.1, help="Clip length in seconds"),
    size: str = typer.Option("640x360", "--size",
                             help="WxH as displayed (taller than wide = portrait phone clip) or "
                                  "'mixed'"),
    fps: str = typer.Option("30", "--fps",
                            help="Frame rate (30, 29.97, 30000/1001), or 'mixed' (24-60)"),
    difficulty: float = typer.Option(0.5, "--difficulty", min=0.0, max=1.0, help=DIFFICULTY_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed makes the same clips"),
    workers: int = typer.Option(2, "--workers", min=1, max=MAX_WORKER_PROCESSES,
                                help="Processes rendering clips"),
    progress_shown: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Labelled clips with per-frame ground truth, ready for `highlights dataset create`."""
    from highlights.atomic import check_writable_folder
    from highlights.synth.clip import LABELS
    from highlights.synth.clipset import ClipSetConfig, generate_clip_set

    check_writable_folder(out, out_name="--out")

    wanted = tuple(name.strip() for given in classes or () for name in given.split(",") if name.strip())
    cfg = ClipSetConfig(per_class=per_class, classes=wanted or LABELS,
                        seconds=seconds, size=size, fps=fps, difficulty=difficulty, seed=seed,
                        workers=workers)
    from highlights.progress import progress_bar

    with progress_bar(enabled=progress_shown) as progress:
        task = progress.add_task("rendering clips", total=None)
        manifest = generate_clip_set(out, cfg, on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                              total=total))
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([out]):
        console.print(f"wrote {counted(len(cfg.classes) * per_class, 'clip')} and {manifest}")


@app.command("game")
def game(
    out: Path = typer.Option(..., "--out",
                             help="Output folder for NAME.mp4, NAME.json, NAME.gt.jsonl"),
    minutes: float = typer.Option(..., "--minutes", min=0.01, help="Length of the game in minutes"),
    sport: str = typer.Option("mixed", "--sport", help="mixed, baseball, basketball or soccer"),
    size: str = typer.Option("1280x720", "--size", help="WxH"),
    fps: float = typer.Option(30.0, "--fps", min=1.0, help="Frame rate"),
    events_per_minute: float = typer.Option(2.0, "--events-per-minute", min=0.0,
                                            help="Annotated highlight events per minute of play"),
    difficulty: float = typer.Option(0.5, "--difficulty", min=0.0, max=1.0, help=DIFFICULTY_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed makes the same game"),
    burst_share: float = typer.Option(0.0, "--burst-share", min=0.0, max=1.0,
                                      help="Share of events followed 1-3 s later by a second action of the same "
                                           "sport by the same player, annotated too (0: none)"),
    name: str = typer.Option(None, "--name", help="File name stem (default game_<sport>_s<seed>)"),
    progress_shown: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """An untrimmed game with annotated highlight events and per-frame ground truth."""
    from highlights.atomic import check_writable_folder
    from highlights.synth.clipset import parse_size
    from highlights.synth.game import GameConfig, generate_game

    check_writable_folder(out, out_name="--out")

    width, height = parse_size(size)
    cfg = GameConfig(minutes=minutes, sport=sport, width=width, height=height, fps=fps,
                     events_per_minute=events_per_minute, difficulty=difficulty, seed=seed, name=name,
                     burst_share=burst_share)
    from highlights.progress import progress_bar

    with progress_bar(enabled=progress_shown) as progress:
        task = progress.add_task("rendering game", total=None)
        paths = generate_game(out, cfg, on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                        total=total))
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(paths.values()):
        for kind, path in paths.items():
            console.print(f"{kind}: {path}")
