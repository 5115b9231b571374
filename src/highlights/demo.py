"""The main job: the whole system end to end on synthetic footage, through the public CLI.

Every step is a `highlights ...` command line, printed before it runs and run through the same
CLI a user types, so the demo is a worked example of the real workflow rather than a separate
script. Each step names the file that shows it is done; a second run skips finished steps
unless `fresh` is set.
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.cells import cell_len
from rich.rule import Rule
from rich.text import Text

from highlights.atomic import check_writable_folder
from highlights.console import plain_console
from highlights.errors import EXIT_INTERRUPTED, HighlightsError


@dataclass(frozen=True)
class DemoSize:
    """How much the demo generates and trains. `default` takes a few minutes on 2 quiet cores, at most 15."""

    name: str
    clips_per_class_v1: int
    none_clips_added_v2: int
    clip_seconds: float
    train_epochs: int
    game_minutes: float
    game_size: str
    # The labelled clips are scaled down to the classifier's 72-pixel short side in training, so
    # they are rendered small (a width that is a multiple of 128, see synth.clipset): rendering
    # and encoding cost grows with the pixels, and the training clips would see none of them.
    clip_size: str = "384x216"
    # The pipeline analyses 10 frames a second; a 20 fps game gives it exactly the same frame
    # times as 30 fps would (every other frame instead of every third) for two thirds of the
    # rendering, encoding and decoding, which every pipeline step repeats.
    game_fps: int = 20
    # What a run of this size can and cannot show, said before its detect step and at its end:
    # a demo that finds nothing without saying why teaches that the pipeline does not work.
    caveat: str | None = None


SIZES: dict[str, DemoSize] = {
    "default": DemoSize("default", clips_per_class_v1=60, none_clips_added_v2=90, clip_seconds=2.0,
                        train_epochs=25, game_minutes=5.0, game_size="640x360"),
    # The smallest run that still goes through every step; the test suite runs it.
    "tiny": DemoSize("tiny", clips_per_class_v1=4, none_clips_added_v2=4, clip_seconds=1.0,
                     train_epochs=1, game_minutes=0.4, game_size="320x180", clip_size="256x144",
                     caveat="tiny size: its classifier is trained for 1 epoch on 16 clips, which leaves it "
                            "no better than chance, so detect and pipeline evaluate usually find none of "
                            "the game's events (the pose classifier's step does not depend on it). This "
                            "size shows that every step runs; `highlights demo --size default` (a few "
                            "minutes on 2 quiet cores) trains a classifier that finds them."),
}

# On synthetic footage, person detection and pose read the generator's ground truth (with a
# little noise): MoveNet MultiPose, the backend for real footage, finds few people in drawn
# figures.
SYNTHETIC_STAGE_FLAGS = ["detection.backend=gt", "pose.backend=gt", "pose.gt_noise_px=2.0"]
# The packaged pose model's scores on a synthetic game go through the packaged calibration, which
# was fitted and judged on synthetic games (`detect` ranks a user's footage by the classifier's
# probability: the map ranked the real clips' highlights worse than chance).
SYNTHETIC_SCORE_FLAGS = ["merge.score_calibration=default"]

# The one-at-a-time ablation the demo runs: two changes a user might try at once. Each run of it
# decodes the whole game again (n changes take 2n + 2 runs; with two, "all but one" is the other
# alone, so 4), so the demo keeps to two.
DEMO_ABLATION_CHANGES = ["kinematics.smooth_frames=3", "merge.min_length_s=5"]

MARKER_DIR = ".steps"


@dataclass
class Step:
    key: str
    title: str
    argv: list[str]


def _sets(flags: list[str]) -> list[str]:
    return [arg for flag in flags for arg in ("--set", flag)]


@dataclass(frozen=True)
class _DemoPaths:
    """Where the demo's steps write, under its output folder `out` (`under`)."""

    out: Path
    footage: Path
    datasets: Path
    run: Path
    checkpoint: Path
    report: Path
    game_dir: Path
    game_name: str
    detect_dir: Path

    @classmethod
    def under(cls, out: Path) -> _DemoPaths:
        run = out / "runs" / "classifier-v2"
        return cls(out=out, footage=out / "footage", datasets=out / "datasets", run=run, checkpoint=run / "best.pt",
                   report=out / "report", game_dir=out / "game", game_name="game", detect_dir=out / "highlights")

    @property
    def game_video(self) -> Path:
        return self.game_dir / f"{self.game_name}.mp4"

    @property
    def game_annotation(self) -> Path:
        return self.game_dir / f"{self.game_name}.json"


def plan(out: Path, size: DemoSize, *, native_bf16: bool | None = None) -> tuple[list[Step], dict[str, Path]]:
    """The demo's command lines, in order, and the files a person opens afterwards.

    Where the CPU has native bf16 (`native_bf16`, default: this machine's), the evaluate step also
    scores the bf16 path beside fp32 (`--bf16`); elsewhere bf16 is emulated and is not offered."""
    if native_bf16 is None:
        from highlights.model.cpu_features import this_cpu

        native_bf16 = this_cpu().native_bf16
    paths = _DemoPaths.under(out)
    return [*_classifier_steps(paths, size, native_bf16), *_game_steps(paths, size)], _outputs(paths)


def _classifier_steps(paths: _DemoPaths, size: DemoSize, native_bf16: bool) -> list[Step]:
    """Synthetic clips, the two dataset versions, and the classifier trained on v2 and evaluated,
    beside the packaged pose classifier."""
    footage, datasets, out = paths.footage, paths.datasets, paths.out
    seconds = str(size.clip_seconds)
    return [
        Step("synth-v1", "Synthetic labelled clips for dataset v1",
             ["synth", "clips", "--per-class", str(size.clips_per_class_v1), "--seconds", seconds,
              "--size", size.clip_size, "--out", str(footage / "clips-v1"), "--seed", "1"]),
        Step("dataset-v1", "Dataset v1 from those clips",
             ["dataset", "create", str(footage / "clips-v1"), "--root", str(datasets)]),
        Step("synth-v2", "More background (none) clips: v1 grows into v2",
             ["synth", "clips", "--classes", "none", "--per-class", str(size.none_clips_added_v2),
              "--seconds", seconds, "--size", size.clip_size, "--out", str(footage / "clips-v2-none"),
              "--seed", "2"]),
        Step("dataset-v2", "Dataset v2 = v1 + the new clips (v1's splits kept)",
             ["dataset", "grow", str(footage / "clips-v2-none"), "--root", str(datasets), "--parent", "v1"]),
        Step("dataset-diff", "The growth table", ["dataset", "diff", "v1", "v2", "--root", str(datasets)]),
        Step("train", "Train the classifier on v2 (reduced budget for a CPU demo)",
             ["train", "--root", str(datasets), "--version", "v2", "--out", str(paths.run), "--quick",
              "--epochs", str(size.train_epochs)]),
        Step("evaluate", "Evaluate on v2's test split: the scoreboard (and whether int8"
                         + (" or bf16" if native_bf16 else "") + " may replace fp32)",
             ["evaluate", "--checkpoint", str(paths.checkpoint), "--root", str(datasets), "--version", "v2",
              "--out", str(paths.report),
              "--int8", *(["--bf16"] if native_bf16 else [])]),
        Step("evaluate-pose", "The packaged pose classifier (trained on synthetic poses only, no checkpoint "
                              "needed) on the v1 clips, beside the R(2+1)D's scoreboard",
             ["evaluate", "--clips", str(footage / "clips-v1"), "--out", str(out / "report-pose")]),
    ]


def _game_steps(paths: _DemoPaths, size: DemoSize) -> list[Step]:
    """A synthetic game, its highlights found, the pipeline evaluated on it with each classifier, and
    the ablation."""
    game_video, game_ann, checkpoint, out = paths.game_video, paths.game_annotation, paths.checkpoint, paths.out
    return [
        Step("synth-game", "A synthetic game with annotated highlights",
             ["synth", "game", "--minutes", str(size.game_minutes), "--size", size.game_size,
              "--fps", str(size.game_fps),
              "--out", str(paths.game_dir), "--name", paths.game_name, "--seed", "3"]),
        Step("detect", "Find the highlights in the game",
             ["detect", str(game_video), "--checkpoint", str(checkpoint), *_sets(SYNTHETIC_STAGE_FLAGS),
              "--annotations", str(game_ann), "--out", str(paths.detect_dir)]),
        Step("pipeline-evaluate", "Pipeline recall, precision, average-mAP, per sport, and where each miss was lost",
             ["pipeline", "evaluate", "--video", str(game_video), "--annotations", str(game_ann),
              "--checkpoint", str(checkpoint), *_sets(SYNTHETIC_STAGE_FLAGS), "--out", str(out / "pipeline-eval")]),
        Step("pipeline-evaluate-pose", "The same game with the packaged pose classifier instead of the "
                                       "R(2+1)D (no checkpoint): recall and precision side by side",
             ["pipeline", "evaluate", "--video", str(game_video), "--annotations", str(game_ann),
              *_sets(SYNTHETIC_STAGE_FLAGS), *_sets(SYNTHETIC_SCORE_FLAGS),
              "--set", "classifier.backend=pose",
              "--out", str(out / "pipeline-eval-pose")]),
        Step("ablate", f"One-at-a-time ablation of {len(DEMO_ABLATION_CHANGES)} changes",
             ["pipeline", "ablate", "--video", str(game_video), "--annotations", str(game_ann),
              "--checkpoint", str(checkpoint), *_sets(SYNTHETIC_STAGE_FLAGS),
              *[arg for change in DEMO_ABLATION_CHANGES for arg in ("--change", change)],
              "--out", str(out / "ablation")]),
    ]


def _outputs(paths: _DemoPaths) -> dict[str, Path]:
    """The files a person opens after the demo, by what each is."""
    out, report, detect_dir = paths.out, paths.report, paths.detect_dir
    return {
        "dataset meta (v2)": paths.datasets / "v2" / "dataset_meta.json",
        "test report": report / "video_scorer_testreport.json",
        "test report (Markdown)": report / "video_scorer_testreport.md",
        "confusion matrix": report / "video_scorer_testreport_confusion.png",
        "reliability diagram": report / "video_scorer_testreport_reliability.png",
        "training curves": paths.run / "train_curves.png",
        "pose classifier report": out / "report-pose" / "video_scorer_testreport.md",
        "highlights": detect_dir / "highlights.json",
        "highlight reel": detect_dir / "reel.mp4",
        "review page": detect_dir / "highlights.html",
        "pipeline evaluation": out / "pipeline-eval" / "pipeline_eval.md",
        "found and missed events": out / "pipeline-eval" / "pipeline_eval_timeline.png",
        "pipeline evaluation, pose classifier": out / "pipeline-eval-pose" / "pipeline_eval.md",
        "ablation": out / "ablation" / "ablation.md",
        "ablation chart": out / "ablation" / "ablation.png",
    }


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (worker processes): on a
    loaded machine wall time says little about a step's own cost, CPU time does."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class StepTime:
    key: str
    wall_s: float
    cpu_s: float


def _print_times(console: Console, times: list[StepTime], total_wall: float) -> None:
    from rich.table import Table

    # The table has no load column (the line after it gives the load); its totals add the unrounded
    # seconds, so a column of rounded ones can sum a second or two off them.
    table = Table(title="Time per step (CPU = this process and its workers; the total adds the unrounded seconds)")
    for column in ("step", "wall s", "CPU s"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for t in times:
        table.add_row(t.key, f"{t.wall_s:.0f}", f"{t.cpu_s:.0f}")
    table.add_row("total", f"{sum(t.wall_s for t in times):.0f}", f"{sum(t.cpu_s for t in times):.0f}")
    console.print(table)
    console.print(f"Total {total_wall:.0f} s wall on {os.cpu_count()} logical CPUs, "
                  f"load average now {os.getloadavg()[0]:.1f}.")


class DemoError(HighlightsError):
    """A demo step failed; the message names the step and its command line."""


class DemoInterrupted(Exception):
    """A step was stopped (Ctrl-C): not a failure. The message says how to go on from it."""


def _is_demo_folder(out: Path) -> bool:
    return (out / MARKER_DIR).is_dir()


def heading(console: Console, title: str) -> None:
    """A rule with `title` in it where it fits the width, else a plain rule over the whole title:
    rich crops a rule's title to one line (a step's title, or the demo folder's path, ended in '…')."""
    if cell_len(title) + 6 <= console.width:
        console.print(Rule(title))
    else:
        console.print(Rule())
        console.print(title)


def run_demo(out: Path, *, run_cli: Callable[[list[str]], int], size: str = "default", fresh: bool = False,
             console: Console | None = None, out_name: str = "out") -> dict[str, Path]:
    """Runs every step not already done in `out` through `run_cli` (one `highlights ...` command
    line in, its exit status out: the CLI passes itself; a `HighlightsError` it raises becomes the
    demo's, naming the step); returns the files worth opening.
    `out_name` is what the messages call `out` (the `demo` command's `--out`)."""
    console = console or plain_console()
    if size not in SIZES:
        raise DemoError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
    out = Path(out)
    _make_demo_folder(out, fresh=fresh, out_name=out_name)
    chosen = SIZES[size]
    steps, outputs = plan(out, chosen)
    heading(console, f"highlights demo ({chosen.name} size) -> {out}")
    console.print("All footage below is synthetic, made by `highlights synth`; the numbers are "
                  "numbers on synthetic footage, not on yours.")
    started = time.monotonic()
    times: list[StepTime] = []
    for number, step in enumerate(steps, 1):
        heading(console, f"[{number}/{len(steps)}] {step.title}")
        took = _run_step(number, step, out, chosen, run_cli=run_cli, console=console)
        if took is not None:
            times.append(took)
    heading(console, "Done")
    if times:
        _print_times(console, times, time.monotonic() - started)
    console.print("Files written (nothing is opened for you):")
    names_width = max(map(len, outputs), default=0)  # the paths in one column after the longest name
    for name, path in outputs.items():
        state = "" if path.exists() else "  (not written)"
        console.print(f"  {name:{names_width}s} {path}{state}")
    if chosen.caveat:
        console.print(chosen.caveat)
    # An installed package has no README beside it: point at what every install has.
    console.print("Numbers above are on synthetic footage. Each `$ highlights ...` step above runs on your "
                  "own files too (a game: `highlights detect GAME.mp4 --out GAME-highlights`); "
                  "`highlights --help` lists every command.")
    return outputs


def _make_demo_folder(out: Path, *, fresh: bool, out_name: str) -> None:
    """`out` made ready for the demo's steps: emptied with `fresh`, refused where it holds anything
    but a demo."""
    # Before anything is made: a file in the way, or a folder nothing can be made in (a read-only
    # working folder for the default --out, /proc), named as --out rather than as the inner
    # `.steps` folder or "No such file or directory".
    check_writable_folder(out, out_name=out_name)
    if fresh and out.exists():
        if not _is_demo_folder(out) and any(out.iterdir()):
            raise DemoError(f"{out}: not a demo folder (no {MARKER_DIR}/); refusing to delete it for --fresh")
        shutil.rmtree(out)
    if out.exists() and any(out.iterdir()) and not _is_demo_folder(out):
        raise DemoError(f"{out}: exists and is not a demo folder; choose another {out_name}")
    (out / MARKER_DIR).mkdir(parents=True, exist_ok=True)


def _run_step(number: int, step: Step, out: Path, chosen: DemoSize, *, run_cli: Callable[[list[str]], int],
              console: Console) -> StepTime | None:
    """Step `number` run through `run_cli` and marked done, with what it cost; None where an
    earlier demo had done it."""
    marker = out / MARKER_DIR / f"{step.key}.done"
    command = "highlights " + " ".join(shlex.quote(a) for a in step.argv)
    if marker.exists():
        console.print(f"already done (remove {marker} or use --fresh to redo): {command}")
        return None
    argv = list(step.argv)
    if step.key == "train" and (out / "runs" / "classifier-v2" / "last.pt").exists():
        argv.append("--resume")  # an interrupted demo picks its training up where it stopped
        command += " --resume"
    if step.key == "detect" and chosen.caveat:
        console.print(Text.assemble(("What to expect:", "bold"), " ", chosen.caveat))
    if step.key == "train":
        console.print(Text.assemble(("Reduced budget:", "bold"), " a small R(2+1)D (width 0.25, 8x64x64 clips) "
                                   f"for up to {chosen.train_epochs} epochs, so the demo fits a laptop CPU. "
                                   "The full model is:\n"
                      "  highlights train --root DATASETS --version v2 --out runs/full  "
                                   "# R(2+1)D-18, 16x112x112, hours on a CPU"))
    console.print(f"$ {command}")
    step_started, cpu_started = time.monotonic(), _cpu_seconds()
    try:
        code = run_cli(argv)
    except HighlightsError as problem:
        raise DemoError(f"step {number} ({step.key}): {problem}") from problem
    if code == EXIT_INTERRUPTED:
        # The step's own line says how to go on with its command; the demo goes on by itself.
        again = "highlights demo" + ("" if out == Path("highlights-demo") else f" --out {shlex.quote(str(out))}")
        again += "" if chosen.name == "default" else f" --size {chosen.name}"
        raise DemoInterrupted(f"interrupted at step {number} ({step.key}); `{again}` goes on from there, "
                              "reusing the finished steps")
    if code != 0:
        raise DemoError(f"step {number} ({step.key}) failed with exit code {code}: {command}")
    marker.write_text(command + "\n", encoding="utf-8")
    took = StepTime(step.key, time.monotonic() - step_started, _cpu_seconds() - cpu_started)
    console.print(f"(step {number}: {took.wall_s:.0f} s wall, {took.cpu_s:.0f} s CPU, "
                  f"load average {os.getloadavg()[0]:.1f})")
    return took
