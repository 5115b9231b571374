"""A batch: plan the games, skip the ones already complete, run the rest on an engine, keep the index.

The index is rewritten (atomically) as games finish, so a killed batch leaves an index of
everything finished before the kill; the next run rebuilds it from the game folders anyway,
since a complete folder carries its own record (`game.json`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from highlights.counted_noun import counted
from highlights import __version__
from highlights.batch.changed_settings import changed_settings, describe_changes, earlier_settings
from highlights.batch.duplicate_uploads import same_video_as
from highlights.batch.errors import BatchError
from highlights.errors import mark_stop_said
from highlights.batch.game_progress import kept_in_flight
from highlights.batch.game_scores import SCORES, scores_of_folder
from highlights.batch.game import (
    OUT_OF_SPACE, PARTIAL_DIR, GameJob, failed_record, fingerprint, made_by, read_complete, remove_partials,
    size_and_time,
)
from highlights.batch.index import EARLIER_FIELDS, INDEX_NAMES, SEEN_FOOTAGE, summarise, write_index
from highlights.batch.index_writer import IndexWriter
from highlights.batch.model_files import model_files, model_sha256
from highlights.batch.inputs import GameInput
from highlights.batch.progress import BatchProgress
from highlights.batch.worker import available_cores, plan_workers
from highlights.datasets.lock import exclusive_lock
from highlights.made_folders import missing_folders, remove_if_still_empty

LOCK_NAME = ".batch.lock"
INDEX_EVERY_S = 2.0  # rewrite the index at most this often while games finish (and once at the end)


@dataclass
class BatchResult:
    records: list[dict[str, Any]]
    summary: dict[str, Any]
    written: dict[str, Path]
    # The games failed as another game's video byte for byte: a second run fails them again.
    copies: tuple[str, ...] = ()


def _duration(video: Path) -> float | None:
    from highlights.video import VideoError, probe

    try:
        info = probe(video)
        return max(0.0, float(info.duration_s) - float(info.start_s))  # its length, as the game's record gives it
    except (VideoError, OSError, ValueError):
        return None  # the game itself will fail and say why


NAMED_IN_FLIGHT = 4  # games in flight a stopped batch names with what each kept; the rest are counted


def kept_words(kept: dict[str, tuple[float | None, int]], order: list[str]) -> str:
    """What a stopped batch's games in flight kept for going on, as `detect` says it of one run
    ("the people found in the first 0:10 of g4's video; ..."), each followed by "; ", or "" when no
    game was in flight. `kept`: (the time up to which its people are kept, or None; its page's
    clips kept) by game id, as `game_progress.kept_in_flight` reads them; `order`: the batch's."""
    from highlights.counted_noun import counted
    from highlights.pipeline.outputs.timecode import short_clock

    games = [g for g in order if g in kept]
    if not games:
        return ""
    parts = []
    for game in games[:NAMED_IN_FLIGHT]:
        until_s, clips = kept[game]
        what = [f"the people found in the first {short_clock(until_s)} of {game}'s video"] if until_s else []
        if clips:
            page = "its page" if what else f"{game}'s page"
            what.append(f"{counted(clips, 'clip')} of {page}")
        parts.append(" and ".join(what) if what else f"nothing of {game} (it starts over)")
    rest = games[NAMED_IN_FLIGHT:]
    if rest:
        keeping = sum(1 for g in rest if kept[g][0] or kept[g][1])
        parts.append(f"{counted(len(rest), 'other game')} in flight, {keeping} of them keeping what "
                     f"{'it' if keeping == 1 else 'they'} found")
    return "kept for going on: " + "; ".join(parts) + "; "


def make_engine(engine: str, *, workers: int | None, threads: int | None, address: str | None):
    if engine == "local":
        from highlights.batch.local_engine import LocalEngine

        n, t = plan_workers(workers)
        return LocalEngine(n, threads or t)
    if engine == "ray":
        from highlights.batch.ray_engine import RayEngine

        # On a cluster each task asks for `threads` CPUs and Ray fills every node; --workers
        # only sizes the local instance started when no --address is given.
        t = threads or (plan_workers(workers)[1] if workers else 2)
        local_cpus = None if address else (workers * t if workers else available_cores())
        return RayEngine(t, address=address, local_cpus=local_cpus)
    raise BatchError(f"--engine {engine!r}: choose local or ray")


@contextmanager
def _output_lock(out_root: Path) -> Iterator[None]:
    """One batch at a time writes an output folder (a second would delete the first's partial
    games); the lock file goes with the batch, so the folder holds only what the batch wrote."""
    with exclusive_lock(
        out_root / LOCK_NAME, wait=False, remove=True,
        busy=lambda pid: BatchError(f"{out_root}: another batch is writing this folder (pid {pid})"),
        failed=lambda cause: BatchError(f"{out_root}: cannot lock the output folder ({cause})"),
    ):
        yield


def run_batch(games: list[GameInput], out_root: str | Path, config, *, engine: str = "local",
              workers: int | None = None, threads: int | None = None, address: str | None = None,
              fresh: bool = False, progress: bool = True,
              log: Callable[[str], None] = print, out_name: str = "out_root") -> BatchResult:
    """Process every game into OUT/<game_id>/ and write OUT/index.{json,csv,html}. `out_name` is
    what the messages call OUT (the `detect` command's `--out`)."""
    # Absolute paths: a worker on another node, or with another working folder, finds the same files.
    out_root = Path(out_root).absolute()
    if out_root.exists() and not out_root.is_dir():
        raise BatchError(f"{out_root}: {out_name} must be a folder for a batch, and this is a file")
    runner = make_engine(engine, workers=workers, threads=threads, address=address)
    config_dict = config.to_dict()
    model_hash = model_sha256(config)
    made = missing_folders(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    try:
        return _run_locked(games, out_root, config, config_dict, model_hash, runner, fresh=fresh,
                           progress=progress, log=log)
    finally:
        remove_if_still_empty(made)  # a batch refused before writing leaves no empty folder behind


def made_from(earlier: dict[str, Any], job: GameJob, config: dict[str, Any], model_hash: str,
              video: Path, annotations: str | None) -> bool:
    """Whether a complete game folder's record was made from this job's config, models, video and
    annotations. A folder written before the files' ends were read (its fingerprint made from
    their size and modification time alone) still counts as made from them when those agree:
    rerunning every game of a season for it would cost hours and find the same highlights."""
    if earlier.get("fingerprint") == job.fingerprint:
        return True
    return earlier.get("fingerprint") == fingerprint(config, model_hash, video, annotations, identity=size_and_time)


def other_complete_games(out_root: Path, listed: set[str]) -> list[dict[str, Any]]:
    """The records of the complete game folders in `out_root` that are none of `listed`, by game
    id, each marked as reused from another batch."""
    found = []
    if not out_root.is_dir():
        return found
    for folder in sorted(p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        record = None if folder.name in listed else read_complete(out_root, folder.name)
        if record is not None and record.get("game_id") == folder.name:
            found.append({**record, "reused": True, "other_batch": True})
    return found


@dataclass
class _Plan:
    """What a batch does with each of its games before running any: the record it starts with (a
    failure, a complete game reused, or pending), the jobs to run, and why complete games run again."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: list[GameJob] = field(default_factory=list)
    # Complete games of an earlier run that run again, by why: said, where they reran unsaid.
    rerun: dict[str, int] = field(default_factory=lambda: {"upgrade": 0, "model": 0, "other": 0})
    changes: list[dict | None] = field(default_factory=list)  # per game rerun for another config, video or annotations
    copies: list[str] = field(default_factory=list)  # games failed as an earlier game's video


def _game_job(game: GameInput, out_root: Path, config, config_dict: dict[str, Any], model_hash: str) -> GameJob:
    ann = str(game.annotations.absolute()) if game.annotations else None
    # A manifest's sport column is the sport that game holds: its labels are limited to it.
    game_config = config.with_overrides({"classifier.sport": game.sport}).to_dict() if game.sport \
        else config_dict
    return GameJob(game_id=game.game_id, video=str(game.video.absolute()), out_root=str(out_root),
                   config=game_config, fingerprint=fingerprint(game_config, model_hash, game.video, ann),
                   model_sha256=model_hash, sport=game.sport, annotations=ann, row=game.row,
                   duration_s=None if game.error else _duration(game.video))


def _count_rerun(plan: _Plan, earlier: dict[str, Any] | None, job: GameJob, out_root: Path, model_hash: str) -> None:
    """Counts why a complete game of an earlier run runs again (nothing where there is none)."""
    if earlier is not None and earlier.get("made_by") != made_by():
        plan.rerun["upgrade"] += 1
    elif earlier is not None and earlier.get("model_sha256") != model_hash:
        plan.rerun["model"] += 1
    elif earlier is not None:
        plan.rerun["other"] += 1
        settings = earlier_settings(out_root, earlier)
        plan.changes.append(None if settings is None else changed_settings(settings, job.config))


def _plan_games(games: list[GameInput], out_root: Path, config, config_dict: dict[str, Any], model_hash: str,
                *, fresh: bool, log: Callable[[str], None]) -> _Plan:
    """Each game's job and first record, in the batch's order; a game that cannot run is said
    failed as it is met."""
    plan = _Plan()
    copies = same_video_as(games)
    for game in games:
        job = _game_job(game, out_root, config, config_dict, model_hash)
        if game.error:  # a manifest row naming a file that is not there: this game alone fails
            plan.records[game.game_id] = {**failed_record(job, game.error), "reused": False}
            log(f"{game.game_id}: failed: {game.error}")
            continue
        if game.game_id in copies:
            original = copies[game.game_id]
            plan.records[game.game_id] = {**failed_record(job, f"{job.video}: the same video as "
                                                                f"{original.video.absolute()} (byte for byte): "
                                                                f"processed once, as game {original.game_id}"),
                                          "reused": False}
            log(f"{game.game_id}: failed: {plan.records[game.game_id]['error']}")
            plan.copies.append(game.game_id)
            continue
        earlier = None if fresh else read_complete(out_root, game.game_id)
        if earlier is not None and made_from(earlier, job, job.config, model_hash, game.video, job.annotations):
            if job.annotations and SCORES not in earlier:  # written before the index kept a game's scores
                scores = scores_of_folder(out_root / game.game_id, earlier, job.annotations)
                earlier = {**earlier, SCORES: scores} if scores is not None else earlier
            if job.annotations and SEEN_FOOTAGE not in earlier:
                # Written before game records kept the mark (or kept none: no model had seen the
                # game): looked at again, as the terminal's warnings are read from the records.
                from highlights.pipeline.seen_video import seen_video_warnings

                seen = seen_video_warnings(config, game.video)
                earlier = {**earlier, SEEN_FOOTAGE: seen} if seen else earlier
            plan.records[game.game_id] = {**earlier, "reused": True}
        else:
            _count_rerun(plan, earlier, job, out_root, model_hash)
            plan.records[game.game_id] = {"game_id": game.game_id, "video": job.video, "sport": game.sport,
                                          "status": "pending", "duration_s": job.duration_s}
            if earlier is not None:
                # Its folder stays until the new run replaces it: the index links it meanwhile,
                # as an earlier run's, so a stopped or failed rerun hides no finished game.
                plan.records[game.game_id]["earlier"] = {k: earlier.get(k) for k in EARLIER_FIELDS}
            plan.jobs.append(job)
    return plan


def _say_skipped_and_rerun(plan: _Plan, n_games: int, log: Callable[[str], None]) -> None:
    """The lines on the complete games of an earlier run: how many are skipped, how many run again and why."""
    skipped = sum(1 for r in plan.records.values() if r.get("reused"))
    if skipped:
        log(f"{skipped} of {counted(n_games, 'game')} {'is' if skipped == 1 else 'are'} complete "
            "from an earlier run with the same config and model: skipped")
    rerun = plan.rerun
    if sum(rerun.values()):
        another_model = ("with another model (a model file's content changed, or a setting names a model "
                         "file where the packaged one ran)")
        upgraded = ("made by an earlier version of highlights (another pipeline or picture reader: its "
                    "highlights may not be this version's)")
        why = [f"{n} {text}" for n, text in ((rerun["upgrade"], upgraded), (rerun["model"], another_model),
                                             (rerun["other"], "with another config, video or annotations"))
               if n]
        if rerun["other"] and None not in plan.changes:  # every earlier run's settings read: say which changed
            why[-1] += f" ({describe_changes(plan.changes)})"
        again = sum(rerun.values())
        log(f"{again} of {counted(n_games, 'game')} complete from an earlier run "
            f"{'is' if again == 1 else 'are'} run again, their outputs replaced as each is done: "
            + "; ".join(why))


def _say_finished(record: dict[str, Any], out_root: Path, log: Callable[[str], None]) -> None:
    """What a game that just finished makes the batch say; a full disk stops the batch."""
    if record.get(OUT_OF_SPACE):
        raise BatchError(f"{record['error']}; the batch stopped, as the games after it need space "
                         f"too ({out_root / INDEX_NAMES['json']} lists the games done)")
    if record["status"] == "failed":
        log(f"{record['game_id']}: failed: {record['error']}")
    if record["status"] == "done" and record.get("warning"):
        log(f"{record['game_id']}: done, with a warning: the video is damaged: {record['warning']}")
    if record["status"] != "failed" and record.get("went_on"):
        for line in record["went_on"].splitlines():
            log(f"{record['game_id']}: {line}")


def _interrupted_line(records: dict[str, dict[str, Any]], games: list[GameInput], out_root: Path) -> str:
    """Where a batch stopped by Ctrl-C stands: the games done, what those in flight kept, how to go on."""
    done = sum(1 for r in records.values() if r.get("status") == "done")
    ended = {game for game, r in records.items() if r.get("status") in ("done", "failed")}
    kept = {game: what for game, what in kept_in_flight(out_root / PARTIAL_DIR).items()
            if game in records and game not in ended}
    return (f"interrupted: {done} of {counted(len(games), 'game')} done "
            f"({out_root / INDEX_NAMES['json']} lists them); "
            f"{kept_words(kept, [g.game_id for g in games])}"
            "run the command again (without --fresh) to go on from there")


def _remove_empty_partial_area(out_root: Path) -> None:
    """A finished batch leaves no scratch: its games' staging folders and progress files are gone
    by now, so the hidden area is removed too. Only while empty: whatever a removal there failed
    to take stays for the next batch to clear. (An interrupted batch never gets here; the progress
    files it keeps there say what each game kept for going on.)"""
    try:
        (out_root / PARTIAL_DIR).rmdir()
    except OSError:
        pass


def _run_locked(games: list[GameInput], out_root: Path, config, config_dict: dict[str, Any], model_hash: str,
                runner, *, fresh: bool, progress: bool, log: Callable[[str], None]) -> BatchResult:
    with _output_lock(out_root):
        removed = remove_partials(out_root)
        if removed:
            log(f"removed {counted(removed, 'partial game folder')} left by an interrupted batch")
        plan = _plan_games(games, out_root, config, config_dict, model_hash, fresh=fresh, log=log)
        records = plan.records
        request = {**runner.describe(), "out": str(out_root), "config": config_dict, "model_sha256": model_hash,
                   "model_files": {role: str(path) for role, path in model_files(config)},
                   "highlights_version": __version__}
        _say_skipped_and_rerun(plan, len(games), log)
        started = time.perf_counter()

        # The season folder's other complete games, which earlier commands ran (last week's upload):
        # listed after this command's, as they are, so the index lists every game the folder holds.
        others = other_complete_games(out_root, {g.game_id for g in games})

        def ordered() -> list[dict[str, Any]]:
            return [records[g.game_id] for g in games] + others

        latest: dict[str, Any] = {}  # the summary last written: the one the command prints is the index's

        def write() -> dict[str, Path]:
            rows = ordered()
            latest["summary"] = summarise(rows, wall_s=time.perf_counter() - started)
            return write_index(out_root, rows, latest["summary"], request)

        index = IndexWriter(write, INDEX_EVERY_S)
        index.final()
        with BatchProgress(plan.jobs, enabled=progress, partial_dir=out_root / PARTIAL_DIR) as bar:
            def on_record(record: dict[str, Any]) -> None:
                with index.lock:
                    earlier = records[record["game_id"]].get("earlier")
                    keep = {"earlier": earlier} if earlier and record["status"] != "done" else {}
                    records[record["game_id"]] = {**record, "reused": False, **keep}
                bar.finished(record)
                index.changed()
                _say_finished(record, out_root, log)

            try:
                runner.run(plan.jobs, on_record)
            except KeyboardInterrupt as stop:
                # Ctrl-C: the run stops without a word from the command line; say where it stands.
                log(_interrupted_line(records, games, out_root))
                mark_stop_said(stop)
                raise
            finally:
                written = index.final()  # an interrupted batch still lists what finished
        _remove_empty_partial_area(out_root)
        return BatchResult(records=ordered(), summary=latest["summary"], written=written,
                           copies=tuple(plan.copies))
