"""kill -9 at random moments, then the same command again: what the project promises of its long
commands (outputs written whole or not at all, training going on with `--resume`, detect and
batch going on after a stop), tried at seeded random moments instead of one chosen one.

    python bench/crash_points.py [--kills 3] [--seed 0] [--at-renames [--over-older]]
                                 [--signal int|kill-main] [--only detect,train-quick]
                                 [--workdir DIR]

Makes (once, reused from --workdir) small inputs with the project's generator (`highlights synth
clips` and `synth game`), a dataset version, a `--quick` checkpoint, a detect folder with review
decisions and a confusion matrix. Then, for each command below, each run in a folder of its own
with a cache folder of its own (so no run goes on from another's kept work):

1. the command twice uninterrupted: the reference, and a second run telling which parts of the
   outputs differ from run to run anyway (timings, dates, the inference path timed on a busy
   machine); those parts, and any that hold a time or what a run that went on says of it (a
   batch's `went_on`, `reused`), are left out of the comparison, every other byte and value counts;
2. --kills times: the command started, its process group sent SIGKILL after a delay drawn (from
   --seed) between the time `highlights --version` takes (the imports, before which nothing is
   written) and the reference's time, then the command again (`train --resume` where
   the killed run saved an epoch, as a user goes on; else the same command). Where the kill came
   after the outputs were whole (they already equal the reference), the run again is not needed
   and not made. With --at-renames, the kill comes instead just before a rename drawn from those
   the uninterrupted run made (every output takes its place by a rename): the command's process
   kills itself there, every temp file before it written whole, so the moments between the
   renames of files meant to take their places together are tried, which a kill at a random time
   almost never hits. With --over-older as well, the commands that write a set of files into a
   folder another run of theirs may have written (`evaluate`, `report`, `pipeline score`, `detect`,
   `synth clips`) are each killed over the outputs of an earlier run with other settings, made in
   the folder first: a folder the kill left holding files of both runs (told apart by comparing
   each file with the two runs' uninterrupted outputs) is a problem unless its readers say so (a
   record's `written_with` naming a partner it was not written with, an int8 verdict refusing its
   model), or the file that would name them as one set is not there (`synth clips`' manifest.csv:
   counted as unlisted).

With --signal int, the stop at the random moment is Ctrl-C instead (SIGINT to the process group,
as a terminal sends it): the command must end within STOP_SECONDS with status 130 and, of what it
said after the Ctrl-C, one line and no traceback, or with status 0 where its work was done (a
Ctrl-C in Python's own ending changes nothing); a process ended by the signal itself is a bad stop.
What it left is then checked, and it is run again, as after a kill.

With --signal kill-main, the kill at the random moment is SIGKILL to the command's own process
only, as `kill -9 PID` sends it: its worker processes (batch games, synth clips, DataLoader
workers and their fork server) must end by themselves within ORPHAN_SECONDS; those still running
then are counted as left running (and killed). It is then run again, as after a kill.

After each run again: its exit status is 0, every JSON file parses, every checkpoint loads, every
dataset version's `dataset_meta.json` lists exactly the clips its folder holds (and its counts say
so), no path is there that the reference lacks (temp files, staging folders, a second version),
and its outputs equal the reference's (checkpoints tensor by tensor: `--resume` promises the
weights of the run that went straight through, docs/datasets.md). The table counts, per command:
kills, clean runs again, mismatches and leftovers; the problems found are listed under it. The
bench exits 1 when it found any.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import highlights as highlights_package
from highlights.cli.boundary import run_script

# Person detection and pose read the synthetic games' ground truth, as the demo's detect step does:
# MediaPipe and MoveNet find no one in drawn figures, and the bench is about stops, not models.
GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "pose.gt_noise_px=2.0"]
QUIET = ["--no-progress"]


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    # Inputs copied into the run's folder first (a dataset root the command grows, a review
    # database): name in the run folder -> source.
    copied: dict[str, Path] = field(default_factory=dict)
    # The argv of the run again, given the killed run's folder (None: the same argv).
    again: Callable[[Path], list[str]] | None = None
    # `--over-older`: an earlier run with other settings that writes the same set of files into the
    # same folder, made there (uninterrupted) before the command; None: the command has no such set.
    older: list[str] | None = None
    # `--over-older`: the file that names the set's files for its readers (`synth clips`'
    # manifest.csv, which `dataset create` reads in place of the clips' own truth), where the set
    # has one that is no JSON record. A kill that leaves it absent leaves no set to read as one:
    # files of both runs are then each read with their own record (a clip with its truth).
    record: str | None = None


# The package this bench imported, for every command it runs: each runs in a folder of its own,
# where a relative PYTHONPATH would find another copy (or the installed one) instead.
PACKAGE_PARENT = str(Path(highlights_package.__file__).resolve().parents[1])


# `--at-renames`: the command run with os.replace and os.rename counted, the process killing itself
# with SIGKILL just before the N-th (its temp file written whole, the renames before it done): the
# moments between two files' renames that a kill at a random time almost never hits. Only the
# command's own process counts and kills, not its worker processes.
RENAME_POINTS = """
import atexit, os, signal, sys
kill_at = int(os.environ.get("CRASH_POINTS_KILL_AT_RENAME") or 0)
count_to = os.environ.get("CRASH_POINTS_RENAME_COUNT")
main_pid, seen = os.getpid(), [0]
def counted(real):
    def rename(*args, **kwargs):
        if os.getpid() == main_pid:
            seen[0] += 1
            if seen[0] == kill_at:
                os.kill(main_pid, signal.SIGKILL)
        return real(*args, **kwargs)
    return rename
os.replace, os.rename = counted(os.replace), counted(os.rename)
if count_to:
    atexit.register(lambda: os.getpid() == main_pid and open(count_to, "w").write(str(seen[0])))
sys.argv[0] = "highlights"
from highlights.cli.entry import main
main()
"""


def highlights(argv: list[str], cwd: Path, *, kill_at_rename: int | None = None,
               count_renames: Path | None = None, **popen) -> subprocess.Popen:
    path = os.pathsep.join(p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH", "")) if p)
    # Unbuffered: `--signal int` tells the lines said after the Ctrl-C from those said before it.
    env = dict(os.environ, PYTHONPATH=path, HIGHLIGHTS_CACHE_DIR=str(cwd / "cache"), COLUMNS="200",
               PYTHONUNBUFFERED="1")
    start = [sys.executable, "-m", "highlights"]
    if kill_at_rename or count_renames:
        env.update(CRASH_POINTS_KILL_AT_RENAME=str(kill_at_rename or 0),
                   CRASH_POINTS_RENAME_COUNT=str(count_renames or ""))
        start = [sys.executable, "-c", RENAME_POINTS]
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, **popen}
    return subprocess.Popen([*start, *argv], cwd=cwd, env=env, **popen)


def run_whole(argv: list[str], cwd: Path, **options) -> tuple[int, str, float]:
    started = time.perf_counter()
    proc = highlights(argv, cwd, **options)
    out, _ = proc.communicate()
    return proc.returncode, out, time.perf_counter() - started


def fresh_folder(path: Path, command: Command) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    for name, source in command.copied.items():
        if source.is_dir():
            shutil.copytree(source, path / name, symlinks=True)
        else:
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, path / name)
    return path


def prepared_folder(path: Path, command: Command, over_older: bool) -> Path:
    """The run's folder with its inputs, and with `--over-older` the earlier run's outputs."""
    fresh_folder(path, command)
    if over_older:
        must(command.older, path)
    return path


def must(argv: list[str], cwd: Path) -> str:
    code, out, _ = run_whole(argv, cwd)
    if code != 0:
        raise SystemExit(f"`highlights {' '.join(argv)}` in {cwd} failed ({code}):\n{out[-3000:]}")
    return out


# --- the inputs --------------------------------------------------------------------------------

def make_inputs(workdir: Path) -> Path:
    inputs = workdir / "inputs"
    done = inputs / "ready"
    if done.exists():
        return inputs
    shutil.rmtree(inputs, ignore_errors=True)
    inputs.mkdir(parents=True)
    clip = ["--seconds", "1", "--size", "256x144", *QUIET]
    must(["synth", "clips", "--per-class", "4", "--out", "clips-v1", "--seed", "1", *clip], inputs)
    must(["synth", "clips", "--classes", "none", "--per-class", "3", "--out",
          "clips-v2", "--seed", "2", *clip],
         inputs)
    game = ["--minutes", "0.2", "--size", "320x180", "--fps", "15"]
    must(["synth", "game", *game, "--out", "game", "--name", "game", "--seed", "3"], inputs)
    for seed in (4, 5):
        must(["synth", "game", *game, "--out", "games", "--name",
              f"game{seed}", "--seed", str(seed)], inputs)
    must(["dataset", "create", "clips-v1", "--root", "datasets", "--split", "0.4,0.3,0.3", *QUIET],
         inputs)
    must(["train", "--root", "datasets", "--version", "v1", "--out", "run", "--quick", "--epochs",
          "1", "--workers", "0", *QUIET], inputs)
    must(["detect", "game/game.mp4", *GT, "--out", "detected", *QUIET], inputs)
    decide_review(inputs / "detected", inputs / "review.sqlite")
    # `report from-confusion` builds a report from a published matrix; any matrix of the classes
    # will do.
    (inputs / "confusion.json").write_text(json.dumps({
        "labels": ["baseball_swing", "basketball_layup", "none", "soccer_shooting"],
        "matrix": [[9, 1, 2, 0], [0, 7, 3, 1], [2, 1, 20, 2], [1, 0, 3, 8]]}))
    done.write_text("")
    return inputs


def decide_review(folder: Path, db: Path) -> None:
    """The review's first four items decided, a labelled one accepted and the others rejected: the
    decisions a reviewer makes in the browser, made through the review session its app calls."""
    from highlights.review.games import load_games
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore

    session = ReviewSession(load_games([folder]), DecisionStore(db))
    try:
        game = session.games[0].id
        for state in session.states(game)[:4]:
            accepted = state["label"] not in (None, "none")
            session.decide(game, state["id"], status="accepted" if accepted else "rejected",
                           label=state["label"] if accepted else None, start_s=state["start_s"],
                           end_s=state["end_s"], reviewer="bench")
    finally:
        session.store.close()


def commands(inputs: Path) -> list[Command]:
    def train_again(folder: Path) -> list[str]:
        # `--resume` in a folder where no epoch was saved says to run the command without it.
        return [*train, "--resume"] if (folder / "run" / "last.pt").exists() else train

    train = ["train", "--root", str(inputs / "datasets"), "--version", "v1", "--out", "run",
             "--quick", "--epochs", "2", "--workers", "0", "--seed", "0", *QUIET]
    game = str(inputs / "game" / "game.mp4")
    evaluate = ["evaluate", "--checkpoint", str(inputs / "run" / "best.pt"), "--root",
                str(inputs / "datasets"), "--version", "v1", "--out", "report", *QUIET]
    # written here: a workdir made before it lacks it
    older_confusion = inputs / "confusion-older.json"
    older_confusion.write_text(json.dumps({
        "labels": ["baseball_swing", "basketball_layup", "none", "soccer_shooting"],
        "matrix": [[5, 3, 2, 2], [1, 6, 3, 1], [4, 1, 18, 2], [2, 1, 3, 6]]}))
    # one process: its renames are counted
    synth_clips = ["synth", "clips", "--per-class", "2", "--out", "clips", "--seconds", "1",
                   "--size", "256x144", "--seed", "1", "--workers", "1", *QUIET]
    annotated = ["--video", game, "--annotations", str(inputs / "game" / "game.json"), *GT,
                 *QUIET]
    score = ["pipeline", "score", "--predictions", str(inputs / "detected" / "highlights.json"),
             "--annotations", str(inputs / "game" / "game.json"), "--out", "scores"]
    return [
        Command("dataset-create",
                ["dataset", "create", str(inputs / "clips-v1"), "--root", "datasets",
                 "--split", "0.4,0.3,0.3", *QUIET]),
        Command("dataset-grow", ["dataset", "grow", str(inputs / "clips-v2"), "--root", "datasets",
                                 "--parent", "v1", "--augment-variants", "1", *QUIET],
                copied={"datasets": inputs / "datasets"}),
        Command("train-quick", train, again=train_again),
        Command("train-pose", ["train", "--model", "pose", "--out", "run", "--synth-windows", "200",
                               "--epochs", "5", *QUIET]),
        Command("evaluate", [*evaluate, "--bootstrap", "100"],
                older=[*evaluate, "--bootstrap", "50"]),
        # --int8 stores the int8 model beside the checkpoint, so the checkpoint is the run's own
        # copy.
        Command("evaluate-int8",
                ["evaluate", "--checkpoint", "run/best.pt", "--root", str(inputs / "datasets"),
                 "--version", "v1", "--out", "report", "--bootstrap", "100", "--int8", *QUIET],
                copied={"run/best.pt": inputs / "run" / "best.pt"},
                older=["evaluate", "--checkpoint", "run/best.pt", "--root",
                       str(inputs / "datasets"), "--version", "v1", "--out", "report",
                       "--bootstrap", "50", "--int8", *QUIET]),
        Command("detect", ["detect", game, *GT, "--out", "highlights", *QUIET],
                older=["detect", game, *GT, "--max-highlights", "1",
                       "--out", "highlights", *QUIET]),
        Command("detect-max",
                ["detect", game, *GT, "--max-highlights", "1", "--out", "highlights", *QUIET]),
        Command("batch",
                ["detect", str(inputs / "games"), *GT, "--workers", "1", "--engine", "local",
                 "--out", "batch", *QUIET]),
        # One worker runs the games in the command's own process; two start the worker pool,
        # whose processes must end by themselves when that process is killed (`--signal
        # kill-main`).
        Command("batch-workers",
                ["detect", str(inputs / "games"), *GT, "--workers", "2", "--engine", "local",
                 "--out", "batch", *QUIET]),
        Command("review-export",
                ["review", "export", "detected", "--db", "review.sqlite", "--to-dataset",
                 "datasets", "--parent", "v1", *QUIET],
                copied={"detected": inputs / "detected", "review.sqlite": inputs / "review.sqlite",
                        "datasets": inputs / "datasets"}),
        Command("report",
                ["report", "from-confusion", str(inputs / "confusion.json"), "--out", "report"],
                older=["report", "from-confusion", str(older_confusion), "--out", "report"]),
        Command("pipeline-score", [*score, "--tolerance", "2"], older=[*score, "--tolerance", "1"]),
        # One clip set over another of other classes: a clip of the same name in another group.
        Command("synth-clips", [*synth_clips, "--classes", "basketball_layup,none"],
                older=[*synth_clips, "--classes", "none"], record="clips/manifest.csv"),
        Command("augment",
                ["augment", "preview", str(next((inputs / "clips-v1" / "none").glob("*.mp4"))),
                 "--out", "preview.png", "--seed", "1"]),
        Command("synth-game", ["synth", "game", "--minutes", "0.2", "--size", "320x180", "--fps",
                               "15", "--out", "game", "--name", "game", "--seed", "3",
                               *QUIET]),
        Command("pipeline-evaluate", ["pipeline", "evaluate", *annotated, "--out", "evaluation"]),
        Command("pipeline-ablate", ["pipeline", "ablate", *annotated, "--out", "ablation",
                                    "--change", "kinematics.smooth_frames=3"]),
        Command("pipeline-calibrate",
                ["pipeline", "calibrate", *annotated, "--out", "calibration.json"]),
    ]


# --- what a folder holds -----------------------------------------------------------------------

IGNORED_TOP = {"cache"}  # the run's own cache folder: kept work, not an output


def paths_of(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0] in IGNORED_TOP or path.is_dir():
            continue
        found.add(rel.as_posix())
    return found


def loaded(path: Path, folder: Path):
    """A file's content as compared: JSON as data, checkpoints as their objects, else bytes. The
    run's own folder in any text is written as <RUN>, the outputs being compared across folders."""
    if path.suffix in (".json", ".jsonl"):
        text = (path.read_text().replace(str(folder.resolve()), "<RUN>")
                .replace(str(folder), "<RUN>"))
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)
    if path.suffix == ".csv":  # rows by column, so a timing column is told apart from the rest
        with path.open(newline="") as f:
            rows = [{k: (v or "").replace(str(folder.resolve()), "<RUN>") for k, v in row.items()}
                    for row in csv.DictReader(f)]
        return rows
    if path.suffix == ".pt":
        import torch
        return torch.load(path, map_location="cpu", weights_only=False)
    data = path.read_bytes()
    return (data.replace(str(folder.resolve()).encode(), b"<RUN>")
            .replace(str(folder).encode(), b"<RUN>"))


# Places that hold how long something took or when it was done: they differ between any two runs,
# whether or not the two uninterrupted runs happened to agree on them.
TIMING_WORDS = ("seconds", "speed", "created", "finished", "started", "wait", "per_s", "_at",
                "elapsed", "wall_s")
# Places that differ by design: what a run that went on says of it (a batch game's `went_on`, a
# game a stopped batch had finished counted as `reused` and not among the video hours this run
# processed), and the inference path, chosen by timing the paths on the machine as it was then
# (docs/datasets.md, "Running a command again").
BY_DESIGN = ("went_on", "reused", "video_hours_processed", "inference_backend",
             "inference_backend_selection",
             # the int8 model's distance from that fp32 path, measured again with the path chosen
             "reference_backend", "max_abs_logit_diff", "max_abs_prob_diff", "mean_abs_prob_diff")


def differs_by_design(place: str) -> bool:
    parts = place.replace("[", ".[").split(".")
    return (any(word in part for part in parts for word in TIMING_WORDS)
            or any(p in BY_DESIGN for p in parts))


def differences(a, b, where: str = "") -> list[str]:
    """The places (dotted key paths) where two loaded contents differ."""
    import numpy as np
    import torch

    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}" for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            out += differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [where]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        same = a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)
        return [] if same else [where]
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return [] if a.shape == b.shape and np.array_equal(a, b) else [where]
    try:
        return [] if a == b else [where]
    except Exception:  # objects without a plain ==: their text
        return [] if repr(a) == repr(b) else [where]


def read_errors(folder: Path) -> list[str]:
    """Files that do not read whole: JSON that does not parse, checkpoints that do not load,
    dataset versions whose meta does not list exactly the clips on disk."""
    errors = []
    for rel in sorted(paths_of(folder)):
        path = folder / rel
        if path.suffix in (".json", ".pt", ".jsonl"):
            try:
                loaded(path, folder)
            except Exception as e:  # whatever a half-written file raises, it is the finding
                errors.append(f"{rel} does not read: {type(e).__name__}: {str(e)[:120]}")
        if path.name == "dataset_meta.json":
            errors += meta_errors(path, folder)
    return errors


def meta_errors(meta_path: Path, folder: Path) -> list[str]:
    try:
        meta = json.loads(meta_path.read_text())
    except ValueError:
        return []  # said above
    version = meta_path.parent
    listed = {version.joinpath(c["file"]).resolve() for c in meta["clips"].values()}
    on_disk = ({p.resolve() for p in (version / "clips").glob("*") if p.is_file()}
               if (version / "clips").is_dir() else set())
    rel = meta_path.relative_to(folder)
    errors = [f"{rel} lists {p.name}, not on disk" for p in sorted(listed) if not p.exists()]
    errors += [f"{rel} does not list {p.name}, in its clips/" for p in sorted(on_disk - listed)]
    counted = meta["counts"]["total"] + meta.get("augmented_counts", {}).get("total", 0)
    if counted != len(meta["clips"]):
        errors.append(f"{rel} counts {counted} clips and lists {len(meta['clips'])}")
    return errors


def leftovers(folder: Path, reference: set[str]) -> list[str]:
    return sorted(paths_of(folder) - reference)


@dataclass
class Reference:
    folder: Path
    paths: set[str]
    seconds: float
    renames: int  # os.replace and os.rename calls of the command's process
    # Per file: the places that differed between two uninterrupted runs (None: the whole file).
    varying: dict[str, set[str] | None]


def make_reference(command: Command, workdir: Path, over_older: bool = False) -> Reference:
    first, second = workdir / "reference", workdir / "reference-2"
    seconds = []
    count = workdir / "renames"
    for folder in (first, second):
        prepared_folder(folder, command, over_older)
        code, out, took = run_whole(command.argv, folder,
                                    count_renames=count if folder == first else None)
        if code != 0:
            raise SystemExit(f"{command.name}: the uninterrupted run failed "
                             f"({code}):\n{out[-3000:]}")
        seconds.append(took)
    paths = paths_of(first)
    if paths != paths_of(second):
        raise SystemExit(f"{command.name}: two uninterrupted runs wrote other files: "
                         f"{sorted(paths ^ paths_of(second))}")
    varying: dict[str, set[str] | None] = {}
    for rel in paths:
        a, b = loaded(first / rel, first), loaded(second / rel, second)
        if isinstance(a, bytes):
            if a != b:
                varying[rel] = None
        else:
            varying[rel] = set(differences(a, b))
    return Reference(first, paths, min(seconds), int(count.read_text()), varying)


def mismatches(folder: Path, reference: Reference) -> list[str]:
    found = []
    for rel in sorted(reference.paths):
        if not (folder / rel).exists():
            found.append(f"{rel} missing")
            continue
        differ = differing_places(folder, rel, reference)
        if differ:
            found.append(f"{rel} differs at "
                         f"{', '.join(sorted(differ)[:4])}{' ...' if len(differ) > 4 else ''}")
    return found


def differing_places(folder: Path, rel: str, reference: Reference) -> list[str]:
    """Where ``folder``'s file ``rel`` differs from the reference's, beyond what differs between
    uninterrupted runs anyway; [] for a file that differs as a whole between them, or that does
    not read (counted among the read errors)."""
    vary = reference.varying.get(rel, set())
    if vary is None:
        return []
    try:
        a, b = loaded(reference.folder / rel, reference.folder), loaded(folder / rel, folder)
    except Exception:
        return []
    return [d for d in (differences(a, b) if not isinstance(a, bytes)
                        else ([] if a == b else ["bytes"]))
            if d not in vary and not differs_by_design(d)]


# --- `--over-older`: a set written over an earlier run's -------------------------------------

def files_of_each_run(folder: Path, later: Reference,
                      earlier: Reference) -> tuple[list[str], list[str]]:
    """The files both runs write that are the later run's (and not the earlier one's), and those
    that are the earlier run's (and not the later one's): a folder with both holds a mixed set."""
    of_later, of_earlier = [], []
    for rel in sorted(later.paths & earlier.paths):
        if not (folder / rel).is_file():
            continue
        is_later, is_earlier = (not differing_places(folder, rel, r) for r in (later, earlier))
        if is_later and not is_earlier:
            of_later.append(rel)
        elif is_earlier and not is_later:
            of_earlier.append(rel)
    return of_later, of_earlier


def readers_say(folder: Path) -> list[str]:
    """What the readers of the folder's sets say is not whole: a record's partners it was not
    written with (`highlights.file_set`), an int8 model its verdict did not measure."""
    from highlights.model.int8_store import load_int8

    try:
        from highlights.file_set import stale_partners
    except ImportError:  # a version before sets recorded their files: its readers say nothing
        def stale_partners(path: Path, record: object) -> list[Path]:
            return []
    said = []
    for rel in sorted(paths_of(folder)):
        path = folder / rel
        if path.suffix != ".json":
            continue
        try:
            record = json.loads(path.read_text())
        except ValueError:
            continue  # said by the read errors
        said += [f"{rel}: {p.name} is not its own" for p in stale_partners(path, record)]
        if path.name.endswith(".int8.json"):
            reason = (load_int8(path.with_name(path.name.removesuffix(".int8.json")))[1]
                      .get("reason", ""))
            if "not the model its verdict measured" in reason:
                said.append(f"{rel}: {reason}")
    return said


@dataclass
class Tally:
    kills: int = 0
    ended_first: int = 0  # the command ended before its kill came: no kill
    whole_at_kill: int = 0
    clean: int = 0
    mismatched: int = 0
    left: int = 0
    mixed: int = 0  # `--over-older`: kills that left files of both runs
    unlisted: int = 0  # `--over-older`: mixed, with no record naming the files as one set
    bad_stops: int = 0  # `--signal int`: Ctrl-Cs not ending in one line and status 130
    orphaned: int = 0  # `--signal kill-main`: kills after which worker processes ran on
    told: int = 0  # kills after which a reader said a set is mixed (of those, or of files the
    # comparison cannot place: a file that differs between any two runs, evaluate's Markdown)
    problems: list[str] = field(default_factory=list)


def kill_at(command: Command, folder: Path, delay: float | None,
            rename: int | None = None) -> int | None:
    """Start the command, SIGKILL its process group after ``delay`` s (or let it kill itself before
    its ``rename``-th rename); its exit status if it ended otherwise, else None."""
    proc = highlights(command.argv, folder, kill_at_rename=rename, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=delay)
        if proc.returncode != -signal.SIGKILL:
            return proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    # Worker processes of the group are gone with it (or, killed itself, with their parent); wait
    # for the group's last one.
    for _ in range(600):
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    return None


def interrupt_at(command: Command, folder: Path, delay: float) -> tuple[int, list[str] | None]:
    """Start the command and send its process group SIGINT after ``delay`` s, as Ctrl-C in a
    terminal does; its exit status, and the lines it said after the Ctrl-C (None: it had ended
    before it)."""
    # Ctrl-C as a terminal's foreground command hears it: a bench started in the background
    # (`&` in a shell script) passes SIGINT on ignored, and Python then never raises
    # KeyboardInterrupt.
    proc = highlights(command.argv, folder, start_new_session=True,
                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    said: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: said.extend((time.monotonic(), line.rstrip("\n"))
                                                         for line in proc.stdout), daemon=True)
    reader.start()
    try:
        return proc.wait(timeout=delay), None
    except subprocess.TimeoutExpired:
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    reader.join()
    return code, [line for at, line in said if at >= sent and line.strip()]


# How long a command may take to stop after Ctrl-C before it counts as not stopping.
STOP_SECONDS = 120
# How long a command's worker processes may run on after its own process was killed alone.
ORPHAN_SECONDS = 30


def group_left(group: int) -> list[str]:
    """The command lines of the processes of process group ``group`` still running (/proc)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # state, ppid, pgrp, ...
            if fields[0] != "Z" and int(fields[2]) == group:
                cmdline = stat.with_name("cmdline").read_bytes()
                left.append(cmdline.replace(b"\0", b" ").decode(errors="replace").strip()[:120])
        except (OSError, IndexError, ValueError):  # ended while read
            continue
    return left


def killed_alone(command: Command, folder: Path, delay: float, where: str,
                 tally: Tally) -> int | None:
    """SIGKILL to the command's own process after ``delay`` s, not to its group; the processes of
    its group still running ORPHAN_SECONDS later counted in ``tally`` (and killed). The command's
    exit status if it had ended before the kill, else None."""
    # Its output to no pipe: a worker left running would hold a pipe's end, and one whose pipe
    # filled would stop there, not for want of a way to end.
    proc = highlights(command.argv, folder, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + ORPHAN_SECONDS
    while group_left(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = group_left(proc.pid)
    if left:
        tally.orphaned += 1
        tally.problems.append(f"{where}: {len(left)} processes of it still running "
                              f"{ORPHAN_SECONDS} s later: {' | '.join(left)[:300]}")
        print(f"  {where}: {len(left)} processes left running", flush=True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return None


def stop_problems(code: int, said: list[str]) -> list[str]:
    """What is wrong with how a command stopped on Ctrl-C: not ended as Ctrl-C ends one (status
    130; 0 where it had finished), a traceback, or other than one line said with 130. A process
    the signal itself ended (a shell reads 130, with nothing said) had no handling of it there."""
    problems = []
    if code == -signal.SIGKILL:
        problems.append(f"did not stop within {STOP_SECONDS} s of Ctrl-C (killed)")
    elif code == -signal.SIGINT:
        problems.append("ended by the signal itself (no line, no status of its own)")
    elif code not in (0, 130):
        problems.append(f"exited {code} after Ctrl-C")
    if any("Traceback" in line for line in said):
        problems.append(f"a traceback after Ctrl-C: {said[-1][:160]}")
    elif code == 130 and len(said) != 1:
        problems.append(f"{len(said)} lines after Ctrl-C: {' | '.join(said)[:300]}")
    return problems


def startup_seconds(workdir: Path) -> float:
    """How long `highlights --version` takes: the imports every command spends before its work,
    during which a kill finds nothing written."""
    code, out, took = run_whole(["--version"], workdir)
    if code != 0:
        raise SystemExit(f"highlights --version failed ({code}): {out[-500:]}")
    return took


def stopped_at(command: Command, folder: Path, delay: float, where: str,
               tally: Tally) -> int | None:
    """Ctrl-C after ``delay`` s; the problems with how the command stopped counted in ``tally``.
    The command's exit status if it had ended before the Ctrl-C, else None."""
    code, said = interrupt_at(command, folder, delay)
    if said is None:
        return code
    problems = stop_problems(code, said)
    tally.bad_stops += bool(problems)
    tally.problems += [f"{where}: {p}" for p in problems]
    print(f"  {where}: exited {code}, said {said[-1][:150] if said else 'nothing'!r}", flush=True)
    return None


def try_command(command: Command, workdir: Path, kills: int, rng: random.Random, startup: float,
                at_renames: bool, over_older: bool = False, stop: str = "kill") -> Tally:
    reference = make_reference(command, workdir, over_older)
    # The earlier run alone, to tell its files from the later run's (`files_of_each_run`).
    earlier = make_reference(Command(command.name, command.older or [], command.copied),
                             workdir / "earlier") \
        if over_older else None
    tally = Tally()
    # Drawn only when kills land on renames, so a seed's kill times do not shift with a command's
    # rename count.
    renames = (sorted(rng.sample(range(1, reference.renames + 1), min(kills, reference.renames)))
               if at_renames else [])
    for trial in range(len(renames) if at_renames else kills):
        folder = prepared_folder(workdir / f"kill-{trial}", command, over_older)
        if at_renames:
            ended = kill_at(command, folder, None, renames[trial])
            where = (f"{command.name} kill {trial} before rename {renames[trial]} of "
                     f"{reference.renames}")
        else:
            delay = rng.uniform(min(startup, reference.seconds / 2), reference.seconds)
            said = {"int": "Ctrl-C", "kill": "kill", "kill-main": "kill of its process"}[stop]
            where = f"{command.name} {said} {trial} at {delay:.1f} s of {reference.seconds:.1f}"
            if stop == "int":
                ended = stopped_at(command, folder, delay, where, tally)
            elif stop == "kill-main":
                ended = killed_alone(command, folder, delay, where, tally)
            else:
                ended = kill_at(command, folder, delay)
        if ended is not None:
            tally.ended_first += 1
            if ended != 0:
                tally.problems.append(f"{where}: the run to be killed failed ({ended}) first")
            print(f"  {where}: it had ended", flush=True)
            continue
        tally.kills += 1
        if earlier is not None:
            check_mixed(folder, reference, earlier, where, tally, command.record)
        if (not read_errors(folder) and not leftovers(folder, reference.paths)
                and not mismatches(folder, reference)):
            tally.whole_at_kill += 1
            tally.clean += 1
            print(f"  {where}: its outputs were whole", flush=True)
            continue
        argv = command.again(folder) if command.again else command.argv
        code, out, _ = run_whole(argv, folder)
        errors, left, differ = (read_errors(folder), leftovers(folder, reference.paths),
                                mismatches(folder, reference))
        if code == 0 and not errors:
            tally.clean += 1
        else:
            last = out.strip().splitlines()[-1] if out.strip() else ""
            tally.problems.append(f"{where}: run again exited {code}: {last[:200]}")
        tally.problems += [f"{where}: {e}" for e in errors]
        if differ:
            tally.mismatched += 1
            tally.problems += [f"{where}: {d}" for d in differ[:6]]
        if left:
            tally.left += 1
            tally.problems += [f"{where}: left {p}" for p in left[:6]]
        verdict = "clean" if code == 0 and not errors and not differ and not left else "PROBLEM"
        print(f"  {where}: `{' '.join(argv[:2])}{' --resume' if '--resume' in argv else ''}` "
              f"again: {verdict}",
              flush=True)
    return tally


def check_mixed(folder: Path, later: Reference, earlier: Reference, where: str, tally: Tally,
                record: str | None = None) -> None:
    """A folder the kill left with files of both runs must be one its readers say is mixed, or
    one without the ``record`` that would name them as one set."""
    of_later, of_earlier = files_of_each_run(folder, later, earlier)
    said = readers_say(folder)
    tally.told += bool(said)
    if of_later and of_earlier and record is not None and not (folder / record).exists():
        tally.mixed += 1
        tally.unlisted += 1
        print(f"  {where}: files of both runs, and no {record} naming them as one set", flush=True)
    elif of_later and of_earlier:
        tally.mixed += 1
        print(f"  {where}: mixed ({', '.join(of_later)} of the later run beside "
              f"{', '.join(of_earlier)} of the earlier one); "
              f"{'said: ' + said[0] if said else 'NOT SAID'}", flush=True)
        if not said:
            tally.problems.append(f"{where}: {', '.join(of_later)} of the later run beside "
                                  f"{', '.join(of_earlier)} of the earlier one, and no reader says "
                                  "so")
    # (a file whose bytes differ between any two runs is neither run's to the comparison)
    elif said:
        print(f"  {where}: said {said[0]}, with files of one run only by the comparison",
              flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=3,
                        help="killed runs per command (each then run again)")
    parser.add_argument("--at-renames", action="store_true",
                        help="kill each command just before a rename drawn from those of its "
                             "uninterrupted run (its files' os.replace/os.rename), instead of at a "
                             "random time")
    parser.add_argument("--over-older", action="store_true",
                        help="with --at-renames: each killed run writes over the outputs of an "
                             "earlier run with other settings (the commands that have one), and a "
                             "folder left with files of both runs must be one its readers say is "
                             "mixed")
    parser.add_argument("--signal", choices=("kill", "int", "kill-main"), default="kill",
                        help="int: Ctrl-C (SIGINT to the process group) at the random moments "
                             "instead of SIGKILL; the command must then end in one line and "
                             "status 130, without a traceback. kill-main: SIGKILL to the "
                             "command's own process only; its workers must then end by "
                             f"themselves within {ORPHAN_SECONDS} s")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays")
    parser.add_argument("--only", default="",
                        help="comma-separated command names to try (default: all)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the inputs (reused) and the runs (default: a temporary "
                             "one)")
    args = parser.parse_args()
    if args.kills < 1:
        parser.error(f"--kills {args.kills}: at least 1")
    if args.signal != "kill" and args.at_renames:
        parser.error(f"--signal {args.signal}: not with --at-renames (a process killing itself "
                     "before a rename is a SIGKILL of it)")
    if args.signal == "kill-main" and not Path("/proc").is_dir():
        parser.error("--signal kill-main: finds the processes left running in /proc (Linux)")
    if args.over_older and not args.at_renames:
        parser.error("--over-older: with --at-renames (a kill between a set's renames is what it "
                     "tries)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-crash-points-"))
    workdir.mkdir(parents=True, exist_ok=True)
    inputs = make_inputs(workdir.resolve())
    chosen = commands(inputs)
    if args.only:
        names = {c.name for c in chosen}
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"--only {','.join(unknown)}: not a command here "
                         f"({', '.join(sorted(names))})")
        chosen = [c for c in chosen if c.name in wanted]
    if args.over_older:
        chosen = [c for c in chosen if c.older is not None]
    rng = random.Random(args.seed)
    startup = startup_seconds(workdir)
    rows, problems = [], []
    for command in chosen:
        started = time.perf_counter()
        tally = try_command(command, workdir / command.name, args.kills, rng, startup,
                            args.at_renames, args.over_older, args.signal)
        rows.append((command.name, tally))
        problems += tally.problems
        mixed = (f", {tally.mixed} mixed ({tally.told} said, {tally.unlisted} unlisted)"
                 if args.over_older else "")
        stops = {"int": f", {tally.bad_stops} bad stops",
                 "kill-main": f", {tally.orphaned} left workers running"}.get(args.signal, "")
        print(f"{command.name}: {tally.kills} kills ({tally.ended_first} ended first){stops}, "
              f"{tally.clean} clean ({tally.whole_at_kill} whole at the kill), {tally.mismatched} "
              f"mismatched, {tally.left} with leftovers{mixed} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    print()
    mixed = f" {'mixed':>5} {'said':>4} {'unlisted':>8}" if args.over_older else ""
    print(f"{'command':<18} {'kills':>5} {'clean re-runs':>13} {'mismatches':>10} "
          f"{'leftovers':>9}{mixed}")
    for name, t in rows:
        mixed = f" {t.mixed:>5} {t.told:>4} {t.unlisted:>8}" if args.over_older else ""
        print(f"{name:<18} {t.kills:>5} {t.clean:>13} {t.mismatched:>10} {t.left:>9}{mixed}")
    if problems:
        print("\nproblems:")
        for p in problems:
            print(f"- {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    run_script(main)
