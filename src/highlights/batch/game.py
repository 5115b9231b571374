"""The per-game function every engine runs, and what makes a game's output folder complete.

A game is processed into a hidden folder `OUT/.partial/<id>.<token>/`; its last file,
`game.json` (status, fingerprint, figures), is written there before the folder is renamed to
`OUT/<id>/`. So a folder named after a game exists only once it is whole, and it counts as
done only if its `game.json` carries the fingerprint of the current request (config, model
hash, video). A kill at any moment leaves either the previous complete folder, or no folder
and a hidden partial one that the next batch removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_json, disk_full_message, is_disk_full
from highlights.batch.game_progress import PROGRESS_SUFFIX, GameProgressFile
from highlights.batch.index import INDEX_NAMES, SEEN_FOOTAGE
from highlights.video.unchanged_check import file_state

GAME_FORMAT = "highlights.batch-game/1"
GAME_RECORD = "game.json"
PARTIAL_DIR = ".partial"
# A failed game's record carries this key when the disk filled: the batch stops, as every game
# after it would fail the same way.
OUT_OF_SPACE = "out_of_space"
# Config fields that say where things are, not what is computed: the model hash stands for the
# model files (`model_files`), so moving a checkpoint, a model file or a ground-truth file does
# not rerun a season. (section, field) of the pipeline config.
LOCATION_FIELDS = (("classifier", "checkpoint"), ("classifier", "pose_model"), ("analysis", "gt_path"),
                    ("detection", "movenet_model_path"), ("detection", "detector_path"))


@dataclass(frozen=True)
class GameJob:
    """Everything a worker needs for one game: plain data, so it pickles to any process or node."""

    game_id: str
    video: str
    out_root: str
    config: dict[str, Any]
    fingerprint: str
    model_sha256: str | None = None
    sport: str | None = None
    annotations: str | None = None
    duration_s: float | None = None
    row: str | None = None  # its manifest row ("m.csv: line 4"), named where the row's sport fails it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_identity(path: str | os.PathLike | None) -> dict[str, Any] | None:
    """Size, modification time and the SHA-256 of the first and last MiB (`highlights.file_identity`,
    as a stopped run's kept frames are named): an upload replaced by another of the same size
    whose modification time was put back (`touch -r`, a sync tool keeping times) differs, and a
    long game is not read whole to say so, on every run."""
    if path is None:
        return None
    from highlights.file_identity import file_identity as size_time_and_ends

    try:
        return size_time_and_ends(path)
    except OSError:
        return {"path": str(path), "missing": True}


def size_and_time(path: str | os.PathLike | None) -> dict[str, Any] | None:
    """A file's identity in the fingerprints of game folders written before `file_identity` read
    the file's ends: its size and modification time alone."""
    if path is None:
        return None
    state = file_state(path)
    if state is None:
        return {"path": str(path), "missing": True}
    return {"size": state.size, "mtime_ns": state.mtime_ns}


def made_by() -> dict[str, int]:
    """What made a game's outputs besides its settings and models: the pipeline's output number
    and the picture reader's. A game folder records it; one an earlier version of highlights made
    (under other numbers, or before they were recorded) is run again, not reused as this one's."""
    from highlights.pipeline.output_version import OUTPUT_VERSION
    from highlights.video.colour import PICTURES_VERSION

    return {"pipeline": OUTPUT_VERSION, "pictures": PICTURES_VERSION}


def fingerprint(config: dict[str, Any], model_sha256: str | None, video: str | os.PathLike,
                annotations: str | os.PathLike | None, *,
                identity: Callable[[str | os.PathLike | None], dict[str, Any] | None] = file_identity) -> str:
    """What a complete game folder must have been made from to be reused. `identity=size_and_time`
    gives the fingerprint game folders written before the files' ends were read carry."""
    what = {
        "format": GAME_FORMAT,
        "made_by": made_by(),
        "config": {section: {k: v for k, v in fields.items() if (section, k) not in LOCATION_FIELDS}
                   if isinstance(fields, dict) else fields for section, fields in config.items()},
        "model_sha256": model_sha256,
        "video": identity(video),
        "annotations": identity(annotations),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def read_complete(out_root: str | os.PathLike, game_id: str) -> dict[str, Any] | None:
    """The record of a complete game folder, or None (absent, unreadable, or not one of ours)."""
    path = Path(out_root) / game_id / GAME_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != GAME_FORMAT or record.get("status") != "done":
        return None
    return record


def one_line(error: BaseException) -> str:
    """The error as the index shows it: the project's own errors as they are, others (bugs, or a
    library's failure) with their type."""
    from highlights.errors import HighlightsError

    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, HighlightsError):
        return text
    return f"{type(error).__name__}: {text}"


def run_game(job: GameJob) -> dict[str, Any]:
    """Process one game into OUT/<id>/ and return its index record. Never raises for a bad game:
    a failure comes back as a record with `status: failed` and a one-line `error`."""
    from highlights.events import half_of_video, load_annotation, select_half
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.detect import detect_highlights

    started = time.perf_counter()
    out_root = Path(job.out_root)
    partial = out_root / PARTIAL_DIR / f"{job.game_id}.{uuid.uuid4().hex[:12]}"
    base = {"format": GAME_FORMAT, "game_id": job.game_id, "video": job.video, "sport": job.sport,
            "fingerprint": job.fingerprint, "model_sha256": job.model_sha256, "made_by": made_by(),
            "worker": f"{os.uname().nodename}:{os.getpid()}"}
    tracker = GameProgressFile(partial.with_name(partial.name + PROGRESS_SUFFIX), job.game_id)
    stopped = False
    try:
        partial.mkdir(parents=True)
        config = PipelineConfig.from_dict(job.config)
        half = half_of_video(Path(job.video))  # SoccerNet's 1_224p.mkv / 2_224p.mkv, else None
        annotation = None
        if job.annotations:
            annotation, half = select_half(load_annotation(job.annotations), half=half, video=Path(job.video),
                                           source=Path(job.annotations))
        # What a game stopped part way by an earlier batch says as it goes on: a line for the kept
        # detections and, stopped while it wrote its outputs, one for the kept page clips.
        went_on: list[str] = []
        result, written = detect_highlights(job.video, config, partial, annotation=annotation,
                                            progress=False, half=half or 1,
                                            up_link=("all games", f"../{INDEX_NAMES['html']}"),
                                            on_video_s=tracker, say=went_on.append,
                                            on_read_back=tracker.read_back, on_kept=tracker.kept)
        # As `detect --annotations` warns: the game's scores are no test of a model that has seen it.
        seen = []
        if annotation is not None:
            from highlights.pipeline.seen_video import seen_video_warnings

            seen = seen_video_warnings(config, job.video)
        record = _done_record(base, result, written, partial, annotation, went_on,
                              seconds=time.perf_counter() - started, seen=seen)
        atomic_write_json(partial / GAME_RECORD, record, indent=2)  # last file: the folder is whole
        _swap_in(partial, out_root / job.game_id)
        return record
    except Exception as error:  # a bad game is recorded; the batch goes on
        shutil.rmtree(partial, ignore_errors=True)
        if is_disk_full(error):  # named where the file was to go, not in the hidden folder just removed
            written = getattr(error, "path", None) or getattr(error, "filename", None)
            return {**failed_record(job, disk_full_message(_in_place(written, partial, out_root / job.game_id)),
                                    seconds=time.perf_counter() - started),
                    "worker": base["worker"], OUT_OF_SPACE: True}
        return {**failed_record(job, _where_said(job, error), seconds=time.perf_counter() - started),
                "worker": base["worker"]}
    except BaseException:
        # Stopped (Ctrl-C): its progress file, saying what the game kept for going on, stays for
        # the batch to read as it stops; the next batch removes it with the partial folder.
        stopped = True
        raise
    finally:
        if not stopped:
            tracker.remove()


def _where_said(job: GameJob, error: BaseException) -> str:
    """`error` in one line; a sport the model has no class of, given by a manifest row, is said at
    that row, as a manifest's other bad values are."""
    from highlights.pipeline.sport_filter import UnknownSportError

    text = one_line(error)
    return f"{job.row}: {text}" if job.row and job.sport and isinstance(error, UnknownSportError) else text


def _done_record(base: dict[str, Any], result, written: dict[str, Path], partial: Path, annotation,
                 went_on: list[str], *, seconds: float, seen: list[str] = ()) -> dict[str, Any]:
    """The index record of a game done in `seconds`: what it found, how fast, and its files (by
    their place in its folder `partial`); its scores against `annotation` where it has one, and
    the lines saying a model of the run has seen the game (`seen`, `seen_video_warnings`)."""
    from highlights.batch.game_scores import SCORES, game_scores
    from highlights.pipeline.damage import damage_line

    labels: dict[str, int] = {}
    for h in result.highlights:
        labels[h.label] = labels.get(h.label, 0) + 1
    # The pictures' length, from the first to the end: a video's `duration_s` is where it ends on its
    # clock, an hour past its length where the clock starts an hour in (a camera's, kept by a stream copy).
    duration = max(0.0, float(result.video.get("duration_s") or 0.0) - float(result.video.get("start_s") or 0.0))
    return {**base, "status": "done", "error": None,
            # done, but not all of it was analysed: said beside "done" wherever the game is listed
            "warning": damage_line(result.damage), "damage": result.damage,
            "duration_s": round(duration, 3),
            "highlights": len(result.highlights), "by_label": labels,
            "seconds": round(seconds, 3),
            # of the figures as stored beside it, so that they divide to it
            "speed_x_realtime": (round(round(duration, 3) / round(seconds, 3), 2)
                                 if round(seconds, 3) > 0 else None),
            "inference_backend": result.inference_backend,
            # a manifest's `auto` sport: the sport read from the game's windows, and by what share
            **({"sport_read": result.sport_read} if result.sport_read is not None else {}),
            "files": {kind: Path(p).relative_to(partial).as_posix() for kind, p in written.items()
                      if _inside(Path(p), partial)},
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **({SCORES: game_scores(result.highlights, result.config, annotation)}
               if annotation is not None else {}),
            **({SEEN_FOOTAGE: list(seen)} if seen else {}),
            **({"went_on": "\n".join(went_on)} if went_on else {})}


def failed_record(job: GameJob, error: str, *, seconds: float | None = None) -> dict[str, Any]:
    """The index record of a game that could not be processed; `error` is one line."""
    return {"format": GAME_FORMAT, "game_id": job.game_id, "video": job.video, "sport": job.sport,
            "fingerprint": job.fingerprint, "model_sha256": job.model_sha256, "worker": None,
            "status": "failed", "error": error, "warning": None, "damage": None, "made_by": None,
            "duration_s": job.duration_s, "highlights": None,
            "by_label": {}, "seconds": None if seconds is None else round(seconds, 3),
            "speed_x_realtime": None, "inference_backend": None, "files": {},
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _in_place(written: str | None, partial: Path, final: Path) -> Path:
    """Where the file ``written`` inside ``partial`` was to lie once the game's folder is in place."""
    try:
        return final / Path(written).relative_to(partial) if written else final
    except ValueError:
        return Path(written)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _swap_in(partial: Path, final: Path) -> None:
    """Put a whole folder in place of `final`. (Not `atomic.atomic_folder`: its clean-up judges
    a staging folder abandoned when its writer's pid is not running on this machine, and on a
    shared filesystem the writer may be a Ray worker on another node. Here only the batch's
    coordinator cleans, under its lock, before any worker starts.) The old folder is first moved aside into the
    hidden partial area (a rename, so a kill between the two steps leaves no game folder at
    all, which the next batch reruns), then the new one is renamed in."""
    if final.exists():
        aside = partial.with_name(partial.name + ".old")
        os.replace(final, aside)
        os.replace(partial, final)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(partial, final)


def remove_partials(out_root: str | os.PathLike) -> int:
    """Remove what killed runs left behind (only inside the hidden partial area); the number of
    game folders removed (a game's progress file beside its folder is not another game, nor are
    the hidden staging folder and lock its `detect` keeps beside it while it writes its outputs:
    game ids never start with a dot)."""
    area = Path(out_root) / PARTIAL_DIR
    if not area.is_dir():
        return 0
    removed = 0
    for entry in area.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed += not entry.name.startswith(".")
        else:
            entry.unlink(missing_ok=True)
    return removed
