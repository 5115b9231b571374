"""`highlights detect` and `highlights pipeline evaluate|ablate|config`: thin layers over highlights.pipeline."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from highlights.atomic import check_writable_file, check_writable_folder
from highlights.cli.aliases import hidden_argument, one_of
from highlights.cli.help_texts import PROGRESS_HELP
from highlights.cli.named_inputs import refuse_missing_inputs
from highlights.cli.own_output_file import refuse_a_file_not_its_own
from highlights.counted_noun import counted
from highlights.errors import EXIT_INTERRUPTED
from highlights.console import plain_console

app = typer.Typer(no_args_is_help=True)
console = plain_console()

CONFIG_HELP = ("A pipeline config JSON, or any result file with a `config` inside (default: the "
               "built-in settings)")
SET_WORDS = ("Change one setting, section.field=value, e.g. --set kinematics.smooth_frames=3 or "
             "--set classifier.enabled=false (repeatable; {listed})")
SET_HELP = SET_WORDS.format(listed="`highlights pipeline config` lists them")
CKPT_HELP = ("Trained classifier checkpoint, or the run folder holding its best.pt: an R(2+1)D one "
             "sets classifier.backend=checkpoint, a pose model (train --model pose) "
             "classifier.backend=pose (default: the packaged pose classifier, unless --config or "
             "--set names another)")
SPORT_HELP = ("The one sport the footage holds (e.g. basketball): highlights are labelled with that "
              "sport's classes only, a class's sport being its name before the first underscore "
              "(tennis_serve: tennis) (sets classifier.sport); auto: the sport the game's action "
              "windows weigh for most, where one holds at least 60% of that weight; default: any "
              "sport's classes, unless --config or --set names one")
ABLATE_CONFIG_HELP = "The baseline: " + CONFIG_HELP[0].lower() + CONFIG_HELP[1:]
CALIBRATE_TOLERANCE_HELP = ("Key-moment tolerance in s: a highlight whose key moment is this close "
                            "to an annotated one counts as right")
CALIBRATION_OUT_HELP = ("The calibration JSON to write; its reliability diagram is written beside "
                        "it (NAME_reliability.png). An earlier calibration there is replaced; any "
                        "other file is refused")
# detect's alone: the pipeline commands score one game, never a batch
BATCH_SPORT_HELP = "; in a batch, a manifest's sport column sets it per game"


def _config(config_path: Optional[Path], checkpoint: Optional[Path], sets: Optional[list[str]],
            sport: Optional[str] = None):
    from highlights.pipeline.config import PipelineConfig

    cfg = PipelineConfig.load(config_path) if config_path else PipelineConfig()
    if checkpoint is not None:
        cfg = _with_checkpoint(cfg, checkpoint)
    cfg = cfg.with_overrides(sets or [])
    if checkpoint is not None and cfg.classifier.backend == "fusion" and not cfg.classifier.checkpoint:
        from highlights.errors import ConfigError

        raise ConfigError(f"--checkpoint {checkpoint}: a pose model; classifier.backend=fusion fuses a pose model with "
                          "an R(2+1)D checkpoint: give the R(2+1)D one as --checkpoint and this one as "
                          f"--set classifier.pose_model={checkpoint}")
    if cfg.classifier.pose_model:
        # torch loads with this module: only where a model is named, so that without one the
        # settings are judged, and a missing input said, before it loads
        from highlights.pose_classifier.default import checkpoint_file

        if checkpoint_file(cfg.classifier.pose_model) != Path(cfg.classifier.pose_model):
            cfg = cfg.with_overrides({"classifier.pose_model": str(checkpoint_file(cfg.classifier.pose_model))})
    return cfg.with_overrides({"classifier.sport": sport}) if sport else cfg


def _with_checkpoint(cfg, checkpoint: Path):
    """The config running ``checkpoint`` (a `highlights train` run folder: its best checkpoint) on
    the backend of its kind."""
    from highlights.pose_classifier.default import checkpoint_file, holds_pose_model

    checkpoint = checkpoint_file(checkpoint)
    if holds_pose_model(checkpoint):
        # `highlights train --model pose` wrote it: the pose backend runs it.
        return cfg.with_overrides({"classifier.pose_model": str(checkpoint), "classifier.backend": "pose"})
    return cfg.with_overrides({"classifier.checkpoint": str(checkpoint), "classifier.backend": "checkpoint"})


def _sport_option(help_text: str = SPORT_HELP):
    return typer.Option(None, "--sport", help=help_text)


HALF_HELP = ("Which half of a match the video is (1 or 2), as SoccerNet films it (1_224p.mkv, 2_224p.mkv); "
             "default: from such a file name, else the annotation's only half")


def _annotation(path: Path, *, half: Optional[int] = None, video: Optional[Path] = None):
    """The annotation of what the video shows, and its half (see events.select_half); one whose
    key moments fall after the video's end is refused before the run (`refuse_events_after`)."""
    from highlights.events import load_annotation, select_half
    from highlights.events.formats import refuse_events_after

    annotation, half = select_half(load_annotation(path), half=half, video=video, source=path)
    if video is not None and annotation.events and Path(video).is_file():
        from highlights.video import probe
        from highlights.video.timeline_check import check_one_timeline

        check_one_timeline(video)  # its length would be wrong: say why, not that the events lie past it
        refuse_events_after(annotation, probe(video).duration_s, video, source=path)
    return annotation, half


def _half_option():
    return typer.Option(None, "--half", min=1, max=2, help=HALF_HELP)


def detect(
    inputs: list[Path] = typer.Argument(
        ..., help="A game video; or several, folders of videos (searched recursively) or CSV manifests "
                  "(path[,game_id,sport,annotations]): a batch, one output folder per game plus an index"),
    out: Path = typer.Option(..., "--out", help="Output folder (a batch: the folder of all games)"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    sport: Optional[str] = _sport_option(SPORT_HELP + BATCH_SPORT_HELP),
    annotations: Optional[Path] = typer.Option(
        None, "--annotations", help="Optional ground truth, drawn as a second lane on the timeline and page; the "
                                    "recall, precision and shown recall against it are printed"),
    half: Optional[int] = _half_option(),
    workers: Optional[int] = typer.Option(
        None, "--workers", help="Batch: games at once (default: half the cores, two threads "
                                "each); on a Ray cluster (--address) its CPUs decide how many"),
    threads: Optional[int] = typer.Option(
        None, "--threads-per-worker", min=1,
        help="Batch: torch/OpenCV threads per game, on Ray the CPUs each game's task asks for "
             "(default: cores / workers; on Ray without --workers, 2)"),
    engine: str = typer.Option("local", "--engine", help="Batch: local (worker processes) or ray"),
    address: Optional[str] = typer.Option(
        None, "--address", help="Batch on Ray: the cluster to join (e.g. auto); default a local Ray instance"),
    fresh: bool = typer.Option(False, "--fresh", help="Batch: rerun games that are already complete"),
    max_highlights: Optional[int] = typer.Option(
        None, "--max-highlights", help="Keep the N best-scored highlights (N >= 1; default: all)"),
    reel_seconds: Optional[float] = typer.Option(
        None, "--reel-seconds",
        help="Keep the best highlights that fit in S seconds of reel (default: keep every highlight, and the reel "
             "holds the best-ranked that fit in a tenth of the video, a minute at least: merge.reel_share)"),
    reel_height: Optional[int] = typer.Option(
        None, "--reel-height", min=0,
        help="The reel's height in pixels, its short side (a portrait video's width), never above the "
             "source's; 0 keeps the source's size (default 1080: what phones share; sets merge.reel_height)"),
    reel_fps: Optional[float] = typer.Option(
        None, "--reel-fps", min=0.0,
        help="The reel's frame rate at most, e.g. 30 for a 60 fps game (fewer frames to encode, the same "
             "length and sound); default and 0: the source's rate (sets merge.reel_fps)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Find the highlights of a game: OUT/highlights.json and SoccerNet's results_spotting.json,
    plus CSV, EDL, OpenTimelineIO/Final Cut Pro timelines, chapters, reel and HTML. Several videos,
    a folder or a manifest: a batch, one such folder per game plus an index."""
    caps = {f"merge.{k}": v for k, v in (("max_highlights", max_highlights), ("reel_seconds", reel_seconds),
                                         ("reel_height", reel_height), ("reel_fps", reel_fps)) if v is not None}
    _refuse_caps_not_above_zero(max_highlights, reel_seconds)
    if len(inputs) == 1 and not inputs[0].is_dir():
        # before the batch and pipeline modules load (augmentation, the model, the encoders)
        refuse_missing_inputs(videos=(inputs[0],))
    from highlights.batch import BatchError, collect_games, is_batch_request

    if is_batch_request(inputs) or engine != "local" or workers is not None:
        if annotations is not None or half is not None:
            raise BatchError("--annotations and --half are for one game; give a batch's annotations in a "
                             "manifest column (the half comes from each video's name)")
        cfg = _config(config, checkpoint, set_, sport).with_overrides(caps)
        games = collect_games(inputs, warn=lambda line: console.print(f"warning: {line}",
                                                                      style="yellow"))
        _detect_batch(games, out, cfg, workers=workers, threads=threads, engine=engine,
                      address=address, fresh=fresh, progress=progress)
        return
    cfg = _config(config, checkpoint, set_, sport).with_overrides(caps)
    _detect_one(inputs[0], out, cfg, annotations=annotations, half=half, progress=progress,
                capped=max_highlights is not None or reel_seconds is not None)


def _detect_one(video: Path, out: Path, cfg, *, annotations: Optional[Path], half: Optional[int],
                progress: bool, capped: bool) -> None:
    """One game's detect run into `out`, and what it found said on the console."""
    from highlights.cli.detect_lines import (interrupted_line, say_against_truth, say_run_notes, say_why_none,
                                             say_written)
    from highlights.events import half_of_video
    from highlights.pipeline.detect import detect_highlights

    truth = None
    if annotations is not None:
        truth, half = _annotation(annotations, half=half, video=video)
    half = half or half_of_video(video) or 1
    try:
        result, written = detect_highlights(video, cfg, out, annotation=truth, progress=progress, half=half,
                                            out_name="--out", say=console.print)
    except KeyboardInterrupt as stop:
        # Ctrl-C: say what it cost. The folder is swapped in whole at the end, so nothing is
        # half-written; the people found so far, and the page's clips cut so far, are kept in the
        # cache folder for the next run.
        typer.echo(interrupted_line(stop, out), err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([out]):
        say_why_none(result, video, console.print)
        say_run_notes(result, cfg, truth, capped=capped, say=console.print)
        if truth is not None:
            say_against_truth(result, truth, annotations, console.print)
            from highlights.pipeline.seen_video import seen_video_warnings

            # Those figures, as `pipeline evaluate`'s, are no test of a model trained on the game.
            for line in seen_video_warnings(cfg, video):
                console.print(f"warning: {line}", style="yellow")
        say_written(written, result, out, console.print)


def _refuse_caps_not_above_zero(max_highlights: Optional[int], reel_seconds: Optional[float]) -> None:
    for flag, value in (("--max-highlights", max_highlights), ("--reel-seconds", reel_seconds)):
        if value is not None and value <= 0:
            from highlights.errors import ConfigError

            raise ConfigError(f"{flag} {value:g}: a cap must be above 0; leave it out to keep every highlight")


def _refuse_tolerances_not_above_zero(tolerances) -> None:
    """A key moment within -1 s (or exactly 0 s) of another matches nothing: every score would read 0."""
    for value in ([tolerances] if isinstance(tolerances, (int, float)) else tolerances or []):
        if not value > 0:
            from highlights.errors import ConfigError

            raise ConfigError(f"--tolerance {value:g}: a key moment's tolerance must be above 0 s")


def _detect_batch(games, out: Path, cfg, **options) -> None:
    from highlights.batch import run_batch
    from highlights.batch.video_time import video_time_text

    result = run_batch(games, out, cfg, log=lambda m: console.print(m, style="yellow"), out_name="--out",
                       **options)
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(result.written.values()):
        s = result.summary
        per_hour = s["video_hours_per_hour"]
        console.print(f"{counted(s['games'], 'game')}: {s['done']} done "
                      f"({s['reused']} from an earlier run), "
                      f"{s['failed']} failed; "
                      f"{counted(s['highlights'], 'highlight')} in "
                      f"{video_time_text(s['video_hours_total'] * 3600)}"
                      + (f"; {per_hour:g} video-hours per hour" if per_hour is not None else ""))
        if s.get("against_annotations"):
            from highlights.batch.game_scores import pooled_line

            console.print(pooled_line(s["against_annotations"]))
            from highlights.batch.index import SEEN_FOOTAGE

            # As `detect --annotations` says it of one game: those figures are no test of a model
            # trained on the game. Read from the games' records, as the index shows them, so the two
            # agree (a game that failed has no figures to qualify); an earlier batch's games are not
            # pooled.
            for record in result.records:
                if not record.get("other_batch"):
                    for line in record.get(SEEN_FOOTAGE) or []:
                        console.print(f"warning: {record['game_id']}: {line}", style="yellow")
        for kind, path in result.written.items():
            console.print(f"  {kind}: {path}")
    if s["failed"]:
        # The other games' outputs are kept; the exit status tells a script running a season that
        # not every game ran, and this last line says where to read why.
        from highlights.batch import BatchError

        raise BatchError(f"{s['failed']} of {counted(s['games'], 'game')} failed; {result.written['html']} lists "
                         f"why; {_what_a_second_run_does(s['failed'], len(result.copies))}")


def _what_a_second_run_does(failed: int, copies: int) -> str:
    """A copy of another game's video fails again however often the batch runs: the closing line
    promises a retry only of the games that can run."""
    if not copies:
        return "a second run retries them and skips the rest"
    copied = (f"{counted(copies, 'is a copy', 'are copies')} of another game's video, run once as "
              "that game")
    if copies == failed:
        return copied
    return f"{copied}; a second run retries the other {failed - copies} and skips the rest"


def register(root: typer.Typer) -> None:
    """Adds `highlights detect` to the root command."""
    root.command("detect")(detect)


# Needed, but optional to click: the video may come as the hidden argument, its earlier spelling
# (`hidden_argument`). Said as click says a required option's.
GAME_VIDEO_HELP = "The game video  [required]"


def _game_video(option: Optional[Path], argument: Optional[Path]) -> Path:
    """The game video, given as --video or, as `detect` takes it, as the argument."""
    video = one_of("--video", option, argument)
    if video is None:
        from highlights.errors import ConfigError

        raise ConfigError("give the game video: --video PATH")
    return video


@app.command("evaluate")
def evaluate(
    video_argument: Optional[Path] = hidden_argument("--video"),
    video: Optional[Path] = typer.Option(None, "--video", help=GAME_VIDEO_HELP),
    annotations: Path = typer.Option(..., "--annotations",
                                     help="GAME.json (generator), Labels-v2.json (SoccerNet) or ActivityNet JSON"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    sport: Optional[str] = _sport_option(),
    tolerance: Optional[list[float]] = typer.Option(None, "--tolerance",
                                                    help="Key-moment tolerance in s (repeatable; default 1, 2, 5)"),
    half: Optional[int] = _half_option(),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Recall and precision against annotated events, SoccerNet's average-mAP, and the stage that lost each miss."""
    from highlights.pipeline.eval_report import evaluate_video
    from highlights.pipeline.evaluation import DEFAULT_TOLERANCES, Rate
    from highlights.pipeline.output_folder import refuse_a_detect_folder

    _refuse_tolerances_not_above_zero(tolerance)
    video = _game_video(video, video_argument)
    cfg = _config(config, checkpoint, set_, sport)
    truth, half = _annotation(annotations, half=half, video=video)  # its half chosen, as given
    refuse_missing_inputs(videos=(video,))  # before the pipeline loads
    check_writable_folder(out, out_name="--out")  # now, not after the run
    refuse_a_detect_folder(out, out_name="--out")
    report, written = evaluate_video(video, truth, cfg, out, tolerances=tolerance or DEFAULT_TOLERANCES,
                                     progress=progress, half=half, annotation_path=annotations)
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(written.values()):
        reading = report.about.get("sport_read")
        if reading:  # --sport auto: the sport the scores below were labelled with
            from highlights.pipeline.sport_vote import reading_line

            console.print(reading_line(reading))
        _print_scores(report)
        if report.about.get("sports_hint"):
            console.print(report.about["sports_hint"])
        att = report.attribution
        from highlights.pipeline.eval_report import misses_counted

        lost = Table(title=f"Where the misses were lost: {misses_counted(att)} "
                           f"(tolerance {att['tolerance_s']:g} s, class level)")
        lost.add_column("stage")
        lost.add_column("misses", justify="right")
        lost.add_column("share [95% interval]", justify="right")
        for stage, row in att["by_stage"].items():
            lost.add_row(stage, str(row["count"]),
                         Rate(row["count"], att["missed"]).with_interval())
        console.print(lost)
        _print_misses(att["misses"])
        rel = report.about.get("score_reliability") or {}
        if rel.get("n"):
            calibration = report.about.get("score_calibration")
            from highlights.pipeline.eval_report import bins_words

            console.print(f"score reliability (tolerance {rel['tolerance_s']:g} s, event level): "
                          f"expected calibration error {_ece(rel)} over "
                          f"n={counted(rel['n'], 'highlight')}{bins_words(rel, 'and')}"
                          f"{_ece_interval_note(rel)}; "
                          f"scores are {calibration}")
            if rel.get("auc"):
                from highlights.pipeline.eval_report import auc_line

                console.print(auc_line(rel["auc"]))
        for kind, path in written.items():
            console.print(f"  {kind}: {path}")
        # Last, beside the figures it qualifies: a reviewed game exported into the version the model
        # was trained on scores that model on footage it learned from.
        for line in report.about["seen_footage"]:
            console.print(f"warning: {line}", style="yellow")
        if report.about["annotation"].get("other_video"):
            console.print(f"warning: {report.about['annotation']['other_video']}", style="yellow")


MISSES_SHOWN = 20  # a game's worth; the rest are in pipeline_eval.md


def _print_misses(misses: list[dict]) -> None:
    """Each missed event with the stage that lost it and why, so the terminal answers "which
    stage lost this one" as the Markdown does."""
    if not misses:
        return
    from highlights.pipeline.eval_report import MISS_WHERE
    from highlights.pipeline.evaluation import CAUSE_TEXT

    table = Table(title="Each miss: the first stage its evidence was lost at, or the highlight that shows it, and why")
    for col in ("event", "label", "key (s)", MISS_WHERE, "why"):
        table.add_column(col, justify="right" if col == "key (s)" else "left")
    for m in misses[:MISSES_SHOWN]:
        # in the words pipeline_eval.md uses, not the code's names
        table.add_row(str(m["event_id"]), m["label"], f"{m['key_s']:.2f}", CAUSE_TEXT[m["cause"]],
                      m["detail"])
    console.print(table)
    if len(misses) > MISSES_SHOWN:
        console.print(f"... and {len(misses) - MISSES_SHOWN} more misses in pipeline_eval.md")


@app.command("calibrate")
def calibrate(
    video_argument: Optional[Path] = hidden_argument("--video"),
    video: Optional[list[Path]] = typer.Option(
        None, "--video", help="An annotated game (not one you will evaluate on); repeat --video and --annotations "
                              "to fit on several games, their highlights pooled  [required]"),
    annotations: list[Path] = typer.Option(..., "--annotations",
                                           help="Its annotation (with several games: the Nth is the Nth --video's)"),
    out: Path = typer.Option(..., "--out", help=CALIBRATION_OUT_HELP),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    tolerance: float = typer.Option(2.0, "--tolerance", help=CALIBRATE_TOLERANCE_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Fit the highlight score's calibration on one annotated game or several pooled; use it on
    other games with --set merge.score_calibration=FILE."""
    from highlights.atomic import atomic_write_json, written_together
    from highlights.pipeline.ranking import Calibration

    _refuse_tolerances_not_above_zero(tolerance)
    videos = _calibration_videos(video or [], video_argument, annotations)
    cfg = _config(config, checkpoint, set_)
    # Every game's, before the pipeline loads and before any game runs.
    refuse_missing_inputs(videos=tuple(videos), files=tuple(annotations))
    games = _calibration_games(videos, annotations)
    check_writable_file(out, out_name="--out")
    refuse_a_file_not_its_own(out, its_own=Calibration.written_by_highlights,
                              kind="a score calibration `pipeline calibrate` wrote")
    _refuse_a_picture_not_its_own(out)
    if len(games) == 1:
        from highlights.pipeline.calibrate import calibrate_on_game

        calibration, info = calibrate_on_game(videos[0], games[0][1], cfg, tolerance_s=tolerance, progress=progress)
    else:
        from highlights.pipeline.calibrate import calibrate_on_games

        # Which game runs is progress: on stderr with the bars, not among the figures.
        calibration, info = calibrate_on_games(games, cfg, tolerance_s=tolerance, progress=progress,
                                               say=plain_console(stderr=True).print if progress else None)
    # Both or neither: a Ctrl-C while the picture is drawn left the new fit beside the picture of
    # an earlier one, after a line saying nothing was kept.
    with written_together():
        path = atomic_write_json(out, calibration.to_dict(), indent=2)
        picture = _draw_calibration_fit(info, path, tolerance, len(games))
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([path, picture]):
        _print_calibration_fit(info, calibration, path, tolerance, len(games))
        console.print(f"  reliability diagram, raw and fitted: {picture}")
        several = len(games) > 1
        from highlights.pipeline.seen_video import seen_video_warnings

        # Last, beside the fit it qualifies, as `pipeline evaluate` does of its figures; with
        # several games each line names its game.
        for game in videos:
            for line in seen_video_warnings(cfg, game, calibrating=True):
                console.print(f"warning: {f'{game}: ' if several else ''}{line}", style="yellow")


def _refuse_a_picture_not_its_own(out: Path) -> None:
    """The picture beside --out is replaced under the same rule as --out: only where this command
    drew it (a user's own NAME_reliability.png was lost)."""
    from highlights.figure_png import drawn_by_matplotlib
    from highlights.pipeline.ranking import Calibration
    from highlights.pipeline.score_reliability_png import (
        calibration_picture, is_calibration_picture,
    )

    # One an earlier version drew has no note of what made it: beside the calibration it was drawn
    # for, a picture matplotlib drew is taken for it, where it was refused as not the command's.
    beside_its_fit = out.is_file() and Calibration.written_by_highlights(out)

    def its_own(picture: Path) -> bool:
        return is_calibration_picture(picture) or (beside_its_fit and drawn_by_matplotlib(picture))

    refuse_a_file_not_its_own(calibration_picture(out), its_own=its_own,
                              kind="a reliability diagram `pipeline calibrate` drew")


def _draw_calibration_fit(info: dict, path: Path, tolerance: float, games: int) -> Path:
    """The fit's reliability, raw and fitted (in sample), as a picture beside its JSON, from the
    reliabilities whose expected calibration errors the terminal prints."""
    from highlights.pipeline.score_reliability_png import (
        CALIBRATION_PICTURE_MADE_BY, calibration_picture, write_score_reliability,
    )

    title = (f"Score reliability of the {counted(info['highlights'], 'highlight')} the calibration "
             f"was fitted on{' (' + counted(games, 'game') + ')' if games > 1 else ''}, tolerance "
             f"{tolerance:g} s")
    return write_score_reliability(calibration_picture(path), [
        ("raw", info["reliability_raw"]),
        ("fitted (in sample)", info["reliability_fitted_in_sample"])], title=title,
        made_by={"made_by": CALIBRATION_PICTURE_MADE_BY, "calibration": path.name})


def _print_calibration_fit(info: dict, calibration, path: Path, tolerance: float,
                           games: int) -> None:
    """The fit's figures (pooled over `games`, then game by game), its AUCs, a fit with one
    outcome only, where it was written, and a warning when the games ran different stages."""
    several = games > 1
    raw, fitted = (_ece(info[k]) for k in ("reliability_raw", "reliability_fitted_in_sample"))
    console.print(f"{'pooled over ' + counted(games, 'game') + ': ' if several else ''}"
                  f"{counted(info['highlights'], 'highlight')}, {info['right']} right (tolerance "
                  f"{tolerance:g} s); expected calibration error {raw} raw, {fitted} fitted "
                  f"(measured on the {'games' if several else 'game'} it was fitted on; 95% "
                  "intervals: bootstrap over highlights)")
    for game in info["games"] if several else ():
        console.print(f"  {game['video']}: {counted(game['highlights'], 'highlight')}, "
                      f"{game['right']} right ({counted(game['events'], 'event')}); expected "
                      f"calibration error {_ece(game['reliability_raw'])} raw, "
                      f"{_ece(game['reliability_fitted_in_sample'])} fitted")
    if info.get("fit"):
        console.print(f"  {info['fit']}")
    for key, which in (("reliability_raw", "raw"), ("reliability_fitted_in_sample", "fitted (in sample)")):
        if info[key].get("auc"):
            from highlights.auc_interval import Auc

            console.print(f"  {which} score ranks a right highlight above a wrong one with AUC "
                          f"{Auc.from_dict(info[key]['auc']).reported()}")
    if info["right"] in (0, info["highlights"]):
        # One outcome only: the fit is the intercept alone, the same score for every highlight.
        console.print(f"  every highlight was {'right' if info['right'] else 'wrong'}: nothing to tell right from "
                      f"wrong, so the calibration gives every highlight the same score "
                      f"({1 / (1 + math.exp(-calibration.intercept)):.2f}); fit it on "
                      f"{'games' if several else 'a game'} where some highlights are right and some wrong")
    console.print(f"  calibration: {path}  (use: --set merge.score_calibration={path})")
    if info.get("stages_differ"):
        console.print(f"warning: the games ran different stages ({info['stages_differ']}): the fit "
                      "pools the scores of different pipelines, so it is the calibration of none of "
                      f"them alone; each game's stages are recorded under games in {path}",
                      style="yellow")


def _calibration_videos(options: list[Path], argument: Optional[Path], annotations: list[Path]) -> list[Path]:
    """The games' videos, each paired with the --annotations at its place: one may also come as
    the argument (the earlier spelling), several only as --video."""
    from highlights.errors import ConfigError

    if len(options) > 1 and argument is not None:
        raise ConfigError(f"the argument {argument} and {len(options)} --video: give every game as --video")
    videos = list(options) if len(options) > 1 else [_game_video(options[0] if options else None, argument)]
    if len(videos) != len(annotations):
        raise ConfigError(f"{counted(len(videos), '--video', '--video')} and "
                          f"{counted(len(annotations), '--annotations', '--annotations')}: give each game's "
                          "--annotations after its --video (the Nth --annotations is the Nth --video's)")
    return videos


def _calibration_games(videos: list[Path], annotations: list[Path]) -> list[tuple[Path, object, dict]]:
    """`(video, annotation, cache)` of each game, every one checked before any is analysed: a
    missing video, an annotation that cannot be read or is another video's, or a game given twice
    is refused in one line naming it, not after the games before it have run."""
    games = []
    for video, annotation in zip(videos, annotations):
        games.append((video, _annotation(annotation, video=video)[0], {}))
    if len(videos) > 1:
        from highlights.pipeline.calibrate import refuse_a_game_twice

        refuse_a_game_twice(videos)
    return games


def _f(x) -> str:
    """A float computed elsewhere (average-mAP), to three places."""
    return "-" if x is None else f"{x:.3f}"


def _print_scores(report) -> None:
    """The recall/precision, average-mAP and per-sport tables of a `PipelineEvaluation`."""
    table = Table(title="Highlight pipeline (one-to-one Hungarian matching on key moments; "
                        "each rate with its 95% Wilson interval and its counts)")
    for col in ("tolerance (s)", "events", "highlights", "recall", "precision", "class recall", "class precision"):
        table.add_column(col, justify="right")
    for s in report.scores.scores:
        table.add_row(f"{s.tolerance_s:g}", str(s.events), str(s.highlights), s.recall.reported(),
                      s.precision.reported(), s.class_recall.reported(), s.class_precision.reported())
    console.print(table)
    from highlights.pipeline.eval_report import damaged_recall_line

    damaged = damaged_recall_line(report.about.get("damage"))
    if damaged:
        console.print(damaged)
    if report.shown is not None:
        console.print(report.shown.summary())
    amap = report.average_map
    if amap and amap.get("tight") is not None:
        classes = amap["classes"]
        t = Table(title=f"Average-mAP, SoccerNet's action spotting ({amap['spots']} spots: "
                        f"{amap.get('predictions', 'predictions')}; greedy matching at 2 frames/s)")
        for col in ("", "average-mAP", *classes):
            t.add_column(col, justify="left" if col == "" else "right")
        for name in ("tight", "loose"):
            row = amap[name]
            d = row["deltas_s"]
            t.add_row(f"{name} (delta {d[0]:g}-{d[-1]:g} s)", _f(row["average_map"]),
                      *(_f(row["per_class"][c]) for c in classes))
        t.add_row("events", "", *(str(amap["tight"]["events"][c]) for c in classes))
        console.print(t)
        if amap.get("why_no_interval"):
            console.print(amap["why_no_interval"])
    if amap and amap.get("unpredicted_labels"):
        from highlights.pipeline.eval_report import unpredicted_line

        console.print(unpredicted_line(amap["unpredicted_labels"]))
    primary = report.primary
    sports = Table(title=f"Per sport (tolerance {primary.tolerance_s:g} s)")
    for col in ("sport", "events", "recall", "class recall"):
        sports.add_column(col, justify="right" if col != "sport" else "left")
    for sport, g in primary.per_sport.items():
        sports.add_row(sport, str(g.events), g.recall.reported(), g.class_recall.reported())
    console.print(sports)


@app.command("score")
def score(
    predictions: Path = typer.Option(..., "--predictions",
                                     help="The pipeline's highlights.json, or anyone's SoccerNet "
                                          "results_spotting.json"),
    annotations: Path = typer.Option(..., "--annotations",
                                     help="GAME.json (generator), Labels-v2.json (SoccerNet) or ActivityNet JSON"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    tolerance: Optional[list[float]] = typer.Option(None, "--tolerance",
                                                    help="Key-moment tolerance in s (repeatable; default 1, 2, 5)"),
    half: Optional[int] = typer.Option(None, "--half", min=1, max=2,
                                       help="Score one half only (default: every half the files hold)"),
    min_score: float = typer.Option(0.5, "--min-score",
                                    help="For a results_spotting.json: the confidence a spot needs to count "
                                         "as a highlight in recall and precision (average-mAP uses every spot)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Score predictions that already exist against annotations, without running the pipeline:
    recall, precision and SoccerNet's average-mAP into OUT/pipeline_eval.json and .md."""
    from highlights.events import load_annotation

    _refuse_tolerances_not_above_zero(tolerance)
    truth = load_annotation(annotations)
    refuse_missing_inputs(files=(predictions,))  # before the report's modules load
    from highlights.pipeline.eval_report import score_file
    from highlights.pipeline.evaluation import DEFAULT_TOLERANCES

    if half is not None:
        truth = truth.of_half(half)
    report, written = score_file(predictions, truth, out, tolerances=tolerance or DEFAULT_TOLERANCES,
                                 half=half, min_score=min_score, annotation_source=annotations,
                                 progress=progress)
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(written.values()):
        _print_scores(report)
        for kind, path in written.items():
            console.print(f"  {kind}: {path}")


def results_table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    """A table whose first column names each row (a run, a sport): a name too long for the
    terminal folds onto the next line, where rich would cut it with an ellipsis and leave rows
    such as `only classifier.backe…` that do not say which change they ran."""
    table = Table(title=title)
    for i, col in enumerate(header):
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold" if i == 0 else "ellipsis")
    for row in rows:
        table.add_row(*row)
    return table


@app.command("ablate")
def ablate(
    video_argument: Optional[Path] = hidden_argument("--video"),
    video: Optional[Path] = typer.Option(None, "--video", help=GAME_VIDEO_HELP),
    annotations: Path = typer.Option(..., "--annotations", help="The game's annotation"),
    out: Path = typer.Option(..., "--out", help="Output folder"),
    change: list[str] = typer.Option(..., "--change", help="A change to test, section.field=value (repeatable)"),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help=CKPT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help=ABLATE_CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP + "; changes the baseline"),
    tolerance: float = typer.Option(2.0, "--tolerance", help="Key-moment tolerance in s"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Baseline, each change alone, all together and all but one: a table of recall and precision, one of
    shown recall, and one of recall per sport where the game has several."""
    from highlights.pipeline.ablation import (TABLE_HEADER, culprits_sentence, run_ablation, shown_table, sport_table,
                                              table_rows, write_ablation)

    _refuse_tolerances_not_above_zero(tolerance)
    video = _game_video(video, video_argument)
    base = _config(config, checkpoint, set_)
    refuse_missing_inputs(videos=(video,), files=(annotations,))  # before the pipeline loads
    check_writable_folder(out, out_name="--out")
    result = run_ablation(video, _annotation(annotations, video=video)[0], base, change, tolerance_s=tolerance,
                          progress=progress, log=console.print)
    written = write_ablation(result, out)
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(written.values()):
        console.print(results_table(f"Ablation (tolerance {tolerance:g} s)", TABLE_HEADER,
                                    table_rows(result)))
        shown = shown_table(result)
        if shown is not None:
            meaning, header, rows = shown
            console.print(results_table(meaning, header, rows))
        per_sport = sport_table(result)
        if per_sport is not None:
            console.print(results_table(f"Recall per sport (tolerance {tolerance:g} s)",
                                        *per_sport))
        # the Markdown's sentence, in red when a change costs recall or class recall
        console.print(Text(culprits_sentence(result, quote=""),
                           style="red" if result.culprits or result.class_culprits else ""))
        for kind, path in written.items():
            console.print(f"  {kind}: {path}")


@app.command("config")
def show_config(
    config: Optional[Path] = typer.Option(None, "--config", help=CONFIG_HELP),
    set_: Optional[list[str]] = typer.Option(
        None, "--set", help=SET_WORDS.format(listed="the JSON it prints lists them")),
) -> None:
    """Print the pipeline config (defaults, or a file, with --set changes) as JSON, ready to edit."""
    cfg = _config(config, None, set_)
    typer.echo(json.dumps(cfg.to_dict(), indent=2))


def _ece(reliability: dict) -> str:
    """A calibration error with its 95% interval, rounded once from the exact figures the
    reliability keeps."""
    from highlights.calibration_error import ece_reported

    return ece_reported(reliability)


def _ece_interval_note(reliability: dict) -> str:
    """What the interval after an ECE is, for a line that prints one."""
    return " (95% interval: bootstrap over highlights)" if reliability.get("ece_interval") else ""
