"""The highlight pipeline on real footage: recall and precision at 2 s on the annotated real-dev
clips, and its speed with multi-person pose on against decoding alone.

    python bench/bench_real_pipeline.py [--real-dev ../shared/real-dev] [--set FLAG=VALUE ...]
                                        [--speed-clip py0922__basketball.mp4] [--speed-seconds 60]
                                        [--speed-rounds 2] [--compare 'FLAG=VALUE ...' ...]
                                        [--cached-movenet-path] [--skip-accuracy] [--skip-speed]
                                        [--calibration-choice]

Accuracy: every `annotations/*.json` whose video is in the folder is run with the default
pipeline (MoveNet MultiPose detection, pose and tracks, the packaged pose classifier) plus the
`--set` flags, again with the classifier off (the kinematic triggers' labels stand; detection
and pose are reused), again told each clip's sport (`--sport`, from its annotation), and again
reading it from the clip's own windows (`--sport auto`).
Highlights are matched one-to-one to annotated key moments within 2 s;
recall and precision (any label, and class level) are printed per clip and pooled, each with its
n and a Wilson 95% interval, beside the shown recall (events whose key moment lies inside a
highlight no longer than `merge.max_length_s`, and how many of them the matching paired with no
highlight), and every missed event with the first stage that lost it (candidates, detection,
pose/kinematics, classifier, merge), or the highlight it is shown inside. Then how the
highlights' scores rank them, pooled: the area under the ROC curve (a right highlight outscores a
false one; also within a video), with its 95% interval (Newcombe's) and counts, and the
expected calibration error, for the highlight score (the classifier's probability unless
`--set merge.score_calibration=...` names a calibration) and the raw classifier probability it
was calibrated from, with n. The annotations are read by eye
(about +-0.5 s) and there are few: read the figures as what breaks, not as a score to tune.
`--calibration-choice` runs the default again with `merge.score_calibration=default` (the
packaged map) and `=none` (the same detection and pose) and prints every highlight's score under
each, then chooses between the two
leave-one-video-out: for each clip, the setting with the higher within-video AUC on the other
clips (a tie keeps the packaged map), scoring that clip; it prints each fold's pick, how often each
was picked and the cross-validated within-video AUC beside each setting's own over every clip.

Speed: a 720p clip is repeated by stream copy to at least `--speed-seconds` of video (its
timestamps shifted, no re-encoding). In each of `--speed-rounds` rounds the same file is decoded
alone (every frame to RGB at full size; and as the pipeline reads it: analysis rate and size)
and then run through the default pipeline (MoveNet detection and pose, the default classifier,
plus the `--set` flags), in this one process. Each is printed as a multiple of real time, the
pipeline with and without its setup (loading models), with the CPU time it used, each stage's
share of its time (`stats.stage_seconds`), the 1-minute load average before and after, and the
cores other processes kept busy during the run (from the system's CPU counters; the load average
lags by a minute): on a busy machine the figures are not speed figures. `--compare 'FLAG=VALUE
...'` (repeatable) adds configurations timed in the same rounds, in an order rotated every round,
with each one's speed and CPU time as ratios to the first configuration's in the same round: on
a loaded machine, compare ways by those ratios, not by separate runs (the CPU time ratio drifts
less with the load; the speed ratio also counts the share of the cores a way's threads get).
MoveNet's path is chosen before the clock starts: measured again on this machine now (a choice
measured while the machine was busy can be far from the best on a quiet one: it is not stored,
the line says how busy, and it is measured again), or read from the cache with
`--cached-movenet-path`.
Nothing is written outside a temporary folder but that choice (in the path cache); no frame is
kept.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from highlights.cli.boundary import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import back_to_back  # noqa: E402  (the stream-copied repeat, shared)

DEFAULT_REAL_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev"


def wilson(k: int, n: int) -> tuple[float, float] | None:
    from highlights.rate_interval import wilson_interval

    return wilson_interval(k, n)


def _fmt(k: int, n: int) -> str:
    if n == 0:
        return "   -   (n=0)"
    lo, hi = wilson(k, n)
    return f"{k / n:.2f} [{lo:.2f}, {hi:.2f}] ({k}/{n})"


# -- accuracy ------------------------------------------------------------------------------------

TOLERANCE_S = 2.0


def accuracy_configs(sets: list[str]):
    """(name, config) pairs: the default pipeline (classifier on) plus the `--set` flags, and the
    same with the classifier off (kinematic triggers' labels stand), which shows what the
    classifier adds or loses. The second run reuses the first's detection and pose (one cache)."""
    from highlights.pipeline.config import PipelineConfig, parse_assignments

    default = PipelineConfig().with_overrides(parse_assignments(sets))
    out = [("default", default)]
    if default.classifier.enabled:
        out.append(("classifier off", default.with_overrides({"classifier.enabled": False})))
        if not default.classifier.sport:
            out.append((SPORT_GIVEN, default))
            out.append((SPORT_AUTO, default.with_overrides({"classifier.sport": "auto"})))
    return out


# The default run told each clip's sport (`detect --sport`, from the clip's annotation), as a
# coach filming one sport would: the labels change, which windows are actions does not.
SPORT_GIVEN = "sport given"
# The default run reading each clip's sport from its own windows (`detect --sport auto`).
SPORT_AUTO = "sport auto"


def gate_description(cfg) -> str:
    """The action-vs-`none` rule the run's classifier uses, and where its threshold came from."""
    if cfg.classifier.action_threshold is not None:
        return (f"a window is an action when 1 - P(none) >= {cfg.classifier.action_threshold:g} "
                "(set)")
    if cfg.classifier.backend != "pose":
        return f"argmax, accepted at probability >= {cfg.classifier.min_score:g}"
    from highlights.pose_classifier.model import PoseClassifier
    from highlights.pose_classifier.default import DEFAULT_MODEL

    model = PoseClassifier.load(cfg.classifier.pose_model or DEFAULT_MODEL)
    how = ((model.meta.get("action_threshold_choice") or {}).get("choice", {})
           .get("rule", "the model's own"))
    return (f"a window is an action when 1 - P(none) >= {model.action_threshold:g}, the pose "
            f"model's threshold ({how.split(':')[0]}, chosen on real-dev clip labels, not on these "
            "events' times)"
            if "action_threshold_choice" in model.meta else
            f"a window is an action when 1 - P(none) >= {model.action_threshold:g}, the pose "
            "model's own")


def event_miss_stage(event, result, cfg) -> tuple[str, str]:
    """The stage group that lost an event missed at the event level, and why
    (`event_level_miss`)."""
    from highlights.pipeline.evaluation import STAGE_GROUP, event_level_miss

    cause, detail = event_level_miss(event, result.highlights, result.trace, cfg,
                                     result.before_merge, TOLERANCE_S)
    return STAGE_GROUP[cause], detail if cause == "shown" else f"{cause}: {detail}"


def print_score_ranking(scored: list[tuple[object, bool, str]]) -> None:
    """AUC (pooled, and within each video) with its 95% interval and counts, and ECE, of the
    highlight score and of the raw probability over (highlight, right, video) triples. Within a
    video is the ranking `--max-highlights` and `--reel-seconds` rely on (they rank one video's
    highlights against each other); the pooled AUC also compares videos whose scores sit at
    different levels."""
    from highlights.auc_interval import METHOD, WITHIN_METHOD, auc_of, within_group_auc
    from highlights.calibration_error import METHOD as ECE_METHOD, ece_reported
    from highlights.pipeline.ranking import raw_score, reliability

    flags = [ok for _, ok, _ in scored]
    videos = [v for _, _, v in scored]
    kinds = sorted({str((h.evidence.get("score") or {}).get("calibration", "none"))
                    for h, _, _ in scored})
    print(f"scores (calibration: {', '.join(kinds) or '-'}), n={len(flags)} highlights, "
          f"{sum(flags)} right; AUC intervals 95%: {METHOD}; within a video: {WITHIN_METHOD}; "
          f"ECE intervals 95%: {ECE_METHOD}:")
    ways = (("highlight score", lambda h: float(h.score)), ("raw probability", raw_score))
    for name, key in ways:
        values = [key(h) for h, _, _ in scored]
        pooled, inside = auc_of(values, flags), within_group_auc(values, flags, videos)
        print(f"  {name:<16} AUC {'-' if pooled is None else pooled.reported()}")
        print(f"  {'':<16} within a video {'-' if inside is None else inside.reported()}")
        print(f"  {'':<16} ECE {ece_reported(reliability(values, flags)) if values else '-'}")


def _annotated_clips(real_dev: Path) -> list[tuple[object, Path]]:
    """(annotation, video) of every `annotations/*.json` whose video is in the folder."""
    from highlights.events import load_annotation

    annotated = []
    for ann_path in sorted((real_dev / "annotations").glob("*.json")):
        ann = load_annotation(ann_path)
        videos = [v for v in sorted(real_dev.rglob(Path(ann.video).name))
                  if v.suffix.lower() != ".json"]
        if not videos:
            print(f"{ann_path.name}: video {ann.video} not found, skipped")
            continue
        annotated.append((ann, videos[0]))
    return annotated


@dataclass
class _Tally:
    """One configuration's counts over the clips, its missed events' lines and its highlights
    as (highlight, right, video) for the score ranking."""

    totals: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    scored: list[tuple[object, bool, str]] = field(default_factory=list)


def _score_clip(result, ann, video: Path, cfg, run_cfg, tally: _Tally):
    """Adds one clip's run to `tally`; its scores at 2 s."""
    from highlights.pipeline.evaluation import (
        STAGE_GROUP, match_key_moments, score_at, shown_in_reel,
    )

    events = list(ann.events)
    sc = score_at(result.highlights, events, TOLERANCE_S)
    shown = shown_in_reel(result.highlights, events, run_cfg.merge.max_length_s, sc.found_events,
                          TOLERANCE_S)
    tally.totals.update(events=sc.events, highlights=sc.highlights, matched=sc.matched,
                        class_matched=sc.class_matched, shown=len(shown.shown_events),
                        shown_unmatched=shown.unmatched)
    pairs = match_key_moments([h.moment_s for h in result.highlights], [e.key_s for e in events],
                              TOLERANCE_S)
    found = {g for _, g in pairs}
    matched_h = {h for h, _ in pairs}
    tally.scored += [(h, i in matched_h, video.stem) for i, h in enumerate(result.highlights)]
    for i, e in enumerate(events):
        if i not in found:
            stage, detail = event_miss_stage(e, result, cfg)
            tally.lost[stage] += 1
            where = stage if stage == STAGE_GROUP["shown"] else f"lost at {stage}"
            tally.misses.append(f"  {video.stem} event at {float(e.key_s):.2f} s ({e.label}): "
                                f"{where} ({detail})")
    return sc


def _print_pooled(tally: _Tally, cfg) -> None:
    """The pooled rates, the stages that lost the missed events and each miss."""
    totals, lost = tally.totals, tally.lost
    print(f"pooled recall @2 s          : {_fmt(totals['matched'], totals['events'])}")
    print(f"pooled precision @2 s       : {_fmt(totals['matched'], totals['highlights'])}")
    print(f"pooled class recall @2 s    : {_fmt(totals['class_matched'], totals['events'])}")
    print(f"pooled class precision @2 s : {_fmt(totals['class_matched'], totals['highlights'])}")
    print(f"pooled shown recall         : {_fmt(totals['shown'], totals['events'])}, "
          f"{totals['shown_unmatched']} of them matched to no highlight within 2 s (inside a "
          f"highlight no longer than {cfg.merge.max_length_s:g} s)")
    n_missed = sum(lost.values())
    print(f"events missed (any label within 2 s): {n_missed} of {totals['events']}; stage that "
          "lost each (or shown inside another highlight): "
          + (", ".join(f"{stage} {k}" for stage, k in lost.most_common()) or "none"))
    for line in tally.misses:
        print(line)


def _accuracy_of(name: str, cfg, annotated: list[tuple[object, Path]], caches: dict) -> _Tally:
    """One configuration over every annotated clip: a line per clip, then the pooled figures."""
    from highlights.pipeline.run import run_pipeline

    print(f"\n== accuracy, {name}: " + ", ".join(
        f"{s}={getattr(cfg, s).backend if getattr(cfg, s).enabled else 'off'}"
        for s in ("candidates", "detection", "pose", "kinematics", "classifier", "merge")))
    if cfg.classifier.enabled:
        print("classifier gate: " + gate_description(cfg))
    tally = _Tally()
    print(f"{'clip':<34} {'events':>6} {'highl.':>6} {'recall@2s':>10} {'precision@2s':>13} "
          f"{'class rec.':>10} {'x real time':>11}")
    for ann, video in annotated:
        start = time.perf_counter()
        told = name == SPORT_GIVEN
        run_cfg = cfg.with_overrides({"classifier.sport": ann.sport}) if told else cfg
        result = run_pipeline(video, run_cfg, annotation=ann, cache=caches[video], progress=False)
        wall = time.perf_counter() - start
        sc = _score_clip(result, ann, video, cfg, run_cfg, tally)
        print(f"{video.stem:<34} {sc.events:>6} {sc.highlights:>6} "
              f"{f'{sc.matched}/{sc.events}':>10} {f'{sc.matched}/{sc.highlights}':>13} "
              f"{f'{sc.class_matched}/{sc.events}':>10} "
              f"{result.video['duration_s'] / wall:>10.1f}x")
        if "sport_read" in result.stats:
            from highlights.pipeline.sport_vote import reading_line

            print(f"  {reading_line(result.stats['sport_read'])} (annotated: {ann.sport})")
    _print_pooled(tally, cfg)
    if cfg.classifier.enabled:
        print_score_ranking(tally.scored)
    return tally


def accuracy(real_dev: Path, sets: list[str], calibration_choice: bool = False) -> None:
    """Every configuration of `accuracy_configs` over the annotated clips; with
    `calibration_choice`, the default one again under each of `CALIBRATION_SETTINGS` and the
    leave-one-video-out choice between them (`print_calibration_choice`)."""
    annotated = _annotated_clips(real_dev)
    caches = {video: {} for _, video in annotated}  # detection and pose computed once per clip
    for name, cfg in accuracy_configs(sets):
        _accuracy_of(name, cfg, annotated, caches)
        if calibration_choice and name == "default":
            print_calibration_choice({setting: _scored_rows(_accuracy_of(
                f"score calibration {setting}", cfg.with_overrides(
                    {"merge.score_calibration": setting}), annotated, caches))
                for setting in CALIBRATION_SETTINGS}, keep=CALIBRATION_SETTINGS[0])


# The score settings `--calibration-choice` chooses between: the packaged map (kept on a tie, as
# it was the default when the rule was declared) and the classifier's probability.
CALIBRATION_SETTINGS = ("default", "none")


def _scored_rows(tally: _Tally) -> list[tuple[float, bool, str]]:
    return [(float(h.score), ok, video) for h, ok, video in tally.scored]


def calibration_choice_cv(scored_by: dict[str, list[tuple[float, bool, str]]], keep: str):
    """Leave-one-video-out choice of the score setting: for each video, the setting whose
    within-video AUC over the other videos' highlights is highest (a tie, or a figure with no
    pair, keeps `keep`), and that setting's (score, right, video) rows of the held-out video.
    Returns ({video: (pick, {setting: training AUC or None})}, the within-video AUC of the
    held-out rows pooled). Pairs lie within a video, so no pair compares two settings' scores."""
    from highlights.auc_interval import within_group_auc

    videos = sorted({video for rows in scored_by.values() for _, _, video in rows})
    folds, held = {}, []
    for video in videos:
        figures = {}
        for name, rows in scored_by.items():
            train = [row for row in rows if row[2] != video]
            auc = within_group_auc(*zip(*train)) if train else None
            figures[name] = None if auc is None else auc.value
        pick = keep
        if figures.get(keep) is not None:
            for name, value in figures.items():
                if value is not None and value > figures[pick]:
                    pick = name
        folds[video] = (pick, figures)
        held += [row for row in scored_by[pick] if row[2] == video]
    return folds, (within_group_auc(*zip(*held)) if held else None)


def print_calibration_choice(scored_by: dict[str, list[tuple[float, bool, str]]],
                             keep: str) -> None:
    """Each highlight's score under each setting, each fold's pick and the cross-validated
    within-video AUC beside each setting's own over every video."""
    from highlights.auc_interval import within_group_auc

    print(f"\n== score setting chosen leave-one-video-out by within-video AUC (a tie keeps "
          f"{keep}):")
    for name, rows in scored_by.items():
        print(f"  {name}: " + "; ".join(f"{video} {score:.3f} {'right' if ok else 'false'}"
                                       for score, ok, video in rows))
    folds, cv = calibration_choice_cv(scored_by, keep)
    for video, (pick, figures) in folds.items():
        print(f"  held out {video}: other videos' AUC " + ", ".join(
            f"{name} {'-' if value is None else f'{value:.3f}'}"
            for name, value in figures.items()) + f"; picked {pick}")
    picks = Counter(pick for pick, _ in folds.values())
    print("  picked: " + ", ".join(f"{name} {picks[name]} of {len(folds)}" for name in scored_by))
    print(f"  cross-validated within a video: {'-' if cv is None else cv.reported()}")
    for name, rows in scored_by.items():
        whole = within_group_auc(*zip(*rows)) if rows else None
        print(f"  {name} on every video: {'-' if whole is None else whole.reported()}")


def looped(clip: Path, seconds: float, workdir: Path) -> Path:
    """The clip repeated back to back (stream copy, shifted timestamps) to at least `seconds`."""
    from highlights.video import probe

    duration = float(probe(clip).duration_s)
    copies = max(1, math.ceil(seconds / duration))
    out_path = workdir / f"{clip.stem}_x{copies}.mp4"
    back_to_back(clip, out_path, copies, duration)
    return out_path


# MoveNet path measurements before the clock while other processes keep the machine busy
PATH_TRIES = 3
STAGE_ORDER = ("setup", "decode_wait", "candidates", "detection", "pose", "buffers", "kinematics",
               "classifier", "merge", "other")


def speed_config(sets: list[str]):
    """The default pipeline (MoveNet detection and pose, the default classifier) plus `--set`
    flags."""
    from highlights.pipeline.config import PipelineConfig, parse_assignments

    return PipelineConfig().with_overrides(parse_assignments(sets))


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def _stage_table(stats: dict, wall_s: float) -> None:
    seconds = dict(stats["stage_seconds"])
    print(f"  {'stage (main thread)':<24} {'seconds':>8} {'share':>7}")
    others = tuple(sorted(k for k in seconds if k not in STAGE_ORDER and "." not in k
                          and k != "decode_thread"))
    for name in STAGE_ORDER + others:
        if name in seconds:
            print(f"  {name:<24} {seconds[name]:>8.2f} {seconds[name] / wall_s:>7.1%}")
            for part in sorted(k for k in seconds
                               if k.startswith(("movenet.",)) and name in ("detection",)):
                print(f"    {part:<22} {seconds[part]:>8.2f} {seconds[part] / wall_s:>7.1%}")
    if "decode_thread" in seconds:
        decode_s = seconds["decode_thread"]
        print(f"  {'decode (own thread)':<24} {decode_s:>8.2f} {decode_s / wall_s:>7.1%}"
              "  (overlaps the stages above)")


def _choose_path_before_clock(cfg, info, remeasure: bool, seen: set) -> None:
    """The first run on a machine times MoveNet's paths; do it before the clock starts. A choice
    cached while the machine was busy can be far from the best on a quiet one, so it is measured
    again here (and the cache updated) unless `remeasure` is off, up to `PATH_TRIES` times while
    other processes keep the machine busy (such a choice is not stored; the timed runs then use
    the stored one, if any). Printed once per input size."""
    from highlights.pipeline.movenet_people import (
        analysis_size, choose_movenet_path, movenet_estimator,
    )

    detection = cfg.detection
    key = (detection.movenet_input_long_side, detection.movenet_tiles)
    if (detection.backend != "movenet" or not detection.enabled or detection.movenet_threads != 0
            or key in seen):
        return
    seen.add(key)
    estimator = movenet_estimator(detection)
    for _ in range(PATH_TRIES if remeasure else 1):
        path, report = choose_movenet_path(estimator, analysis_size((info.width, info.height),
                                                                    cfg.analysis.short_side),
                                           detection.movenet_tiles, remeasure=remeasure)
        others = report.get("others_busy_cores")
        kept = "" if report.get("stored", True) else ", so it was not stored"
        busy = (f"; other processes kept {others:.2f} cores busy meanwhile" + kept
                if others is not None else "")
        print(f"MoveNet path at input long side {detection.movenet_input_long_side}, "
              f"{detection.movenet_tiles} tile(s): {path.label} ({report['source']}; "
              f"{report['cache']}{busy})")
        if report.get("stored", True):
            break
    estimator.close()
    rates = report.get("clips_per_s") or {}
    if rates:
        print("  its frames/s per path: " + "; ".join(f"{label} {rate:.1f}" for label, rate in
                                                    sorted(rates.items(), key=lambda kv: -kv[1])))


def _run_timed(video: Path, cfg, duration: float) -> dict:
    from highlights.machine_load import cpu_seconds, others_busy_cores
    from highlights.pipeline.run import run_pipeline

    load_before = _load()
    cpu_before = os.times()
    counters = cpu_seconds()
    start = time.perf_counter()
    result = run_pipeline(video, cfg, progress=False)
    pipe_s = time.perf_counter() - start
    cpu = sum(getattr(os.times(), k) - getattr(cpu_before, k) for k in ("user", "system"))
    others = others_busy_cores(counters, cpu_seconds())
    busy = "" if others is None else f"; other processes kept {others:.2f} cores busy meanwhile"
    return {"result": result, "seconds": pipe_s, "cpu": cpu,
            "setup": result.stats["stage_seconds"].get("setup", 0.0),
            "load": f"{load_before} before, {_load()} after" + busy}


def _print_run(name: str, run: dict, duration: float) -> None:
    result, pipe_s, setup_s, cpu = run["result"], run["seconds"], run["setup"], run["cpu"]
    print(f"  pipeline [{name}] (1-min load average {run['load']}):")
    print(f"    whole run                                   : {duration / pipe_s:5.1f}x real time "
          f"({pipe_s:.1f} s, CPU {cpu:.1f} s = {cpu / pipe_s:.2f} cores busy)")
    print(f"    without setup ({setup_s:4.1f} s loading models)     : "
          f"{duration / max(1e-9, pipe_s - setup_s):5.1f}x real time")
    print(f"    pose ran on {result.stats['frames_through_detection_or_pose']} of "
          f"{result.stats['analysis_frames']} analysis frames; {len(result.highlights)} "
          "highlights; "
          f"MoveNet path {result.stats.get('movenet_path', {}).get('path', '-')}")
    movenet = result.stats.get("movenet_path", {})
    if "zoomed_frames" in movenet:
        print(f"    zoomed in on small players on {movenet['zoomed_frames']} frames; whole-frame "
              f"passes {movenet['whole_frame_passes']}")
    _stage_table(result.stats, pipe_s)


@dataclass
class _SpeedRows:
    """What the rounds measured: decoding alone (full size, as the pipeline reads) per round, each
    configuration's (seconds, setup seconds) per round, and each compared configuration's speed
    and CPU-time ratios to the first's in the same round."""

    names: list[str]
    decode: list[tuple[float, float]] = field(default_factory=list)
    pipe: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    cpu_ratios: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pipe = {name: [] for name in self.names}
        self.ratios = {name: [] for name in self.names[1:]}
        self.cpu_ratios = {name: [] for name in self.names[1:]}


def _time_decoding(video: Path, cfg) -> tuple[int, float, int, float]:
    """Frames and seconds to decode every frame to RGB at full size, and as the pipeline reads
    the video."""
    from highlights.video import iter_frames

    analysis = cfg.analysis
    start = time.perf_counter()
    full = sum(1 for _ in iter_frames(video))
    full_s = time.perf_counter() - start
    start = time.perf_counter()
    kept = sum(1 for _ in iter_frames(video, target_fps=analysis.fps,
                                      max_short_side=analysis.short_side,
                                      interpolation=analysis.interpolation,
                                      threads=analysis.decode_threads))
    return full, full_s, kept, time.perf_counter() - start


def _speed_round(r: int, rounds: int, video: Path, variants: list, duration: float,
                 rows: _SpeedRows) -> None:
    """Round `r`: decoding alone, then every configuration in an order rotated by `r`, and the
    compared configurations' ratios to the first's."""
    analysis = variants[0][1].analysis
    full, full_s, kept, analysis_s = _time_decoding(video, variants[0][1])
    rows.decode.append((full_s, analysis_s))
    print(f"round {r + 1}/{rounds} (1-min load average {_load()}):")
    print(f"  decode alone, every frame to RGB at full size : {duration / full_s:5.1f}x real time "
          f"({full} frames, {full_s:.1f} s)")
    print(f"  decode alone, as the pipeline reads it        : {duration / analysis_s:5.1f}x real "
          f"time ({kept} frames at {analysis.fps:g} fps, short side {analysis.short_side}, "
          f"{analysis_s:.1f} s)")
    order = variants[r % len(variants):] + variants[:r % len(variants)]
    runs = {}
    for name, variant in order:
        runs[name] = _run_timed(video, variant, duration)
        _print_run(name, runs[name], duration)
        rows.pipe[name].append((runs[name]["seconds"], runs[name]["setup"]))
    base = variants[0][0]
    for name in rows.ratios:
        rows.ratios[name].append(runs[base]["seconds"] / runs[name]["seconds"])
        rows.cpu_ratios[name].append(runs[name]["cpu"] / runs[base]["cpu"])
        print(f"  [{name}] is {rows.ratios[name][-1]:.2f}x the speed of [{base}] in this round, "
              f"using {rows.cpu_ratios[name][-1]:.2f}x its CPU time")


def _print_speed_medians(rows: _SpeedRows, rounds: int, duration: float) -> None:
    dec = [statistics.median(col) for col in zip(*rows.decode)]
    print(f"\nmedian of {rounds} round{'s' if rounds > 1 else ''} on {duration:.1f} s of video "
          f"(1-min load average {_load()} at the end): decode alone {duration / dec[0]:.1f}x "
          f"(full size) / {duration / dec[1]:.1f}x (as the pipeline reads it)")
    for name, pipe in rows.pipe.items():
        med = [statistics.median(col) for col in zip(*pipe)]
        line = (f"  pipeline [{name}]: {duration / med[0]:.1f}x real time whole run, "
                f"{duration / max(1e-9, med[0] - med[1]):.1f}x without setup (n={len(pipe)} runs)")
        if name in rows.ratios:
            line += (f"; {statistics.median(rows.ratios[name]):.2f}x the first configuration's "
                     f"speed and {statistics.median(rows.cpu_ratios[name]):.2f}x its CPU time "
                     "(medians of paired rounds)")
        print(line)


def speed(real_dev: Path, clip_name: str, seconds: float, sets: list[str], rounds: int,
          compare: list[str] | None = None, remeasure_path: bool = True) -> None:
    """Decode-only and the whole pipeline on the same looped file, `rounds` times each, alternating.
    With `compare`, each round also runs the pipeline with each of those flags on top (A/B in this
    one process, the order rotated every round so that a drift of the machine's load falls on
    every variant alike), and the paired ratio to the first configuration is printed per round."""
    from highlights.pipeline.config import parse_assignments
    from highlights.video import probe

    found = sorted(p for p in real_dev.rglob(clip_name) if p.suffix.lower() != ".json")
    if not found:
        print(f"speed: {clip_name} not found under {real_dev}, skipped")
        return
    cfg = speed_config(sets)
    variants = [("default" + (" + " + " ".join(sets) if sets else ""), cfg)]
    for flags in compare or []:
        variants.append((flags, cfg.with_overrides(parse_assignments(flags.split()))))
    stages = ", ".join(f"{name}={cfg.section(name).backend if cfg.enabled(name) else 'off'}"
                       for name in ("candidates", "detection", "pose", "kinematics", "classifier",
                                    "merge"))
    rows = _SpeedRows([name for name, _ in variants])
    with tempfile.TemporaryDirectory() as tmp:
        video = looped(found[0], seconds, Path(tmp))
        info = probe(video)
        duration = float(info.duration_s)
        print(f"\nspeed on {found[0].name} looped to {duration:.1f} s ({info.width}x{info.height}, "
              f"{info.fps:.2f} fps); {os.cpu_count()} CPUs; 1-min load average {_load()} before")
        print(f"pipeline: {stages}; analysis {cfg.analysis.fps:g} fps at short side "
              f"{cfg.analysis.short_side}")
        seen: set = set()
        for _, variant in variants:
            _choose_path_before_clock(variant, info, remeasure_path, seen)
        for r in range(rounds):
            _speed_round(r, rounds, video, variants, duration, rows)
    _print_speed_medians(rows, rounds, duration)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-dev", type=Path, default=DEFAULT_REAL_DEV,
                        help="folder of real clips with annotations/*.json")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        help="pipeline flag=value")
    parser.add_argument("--speed-clip", default="py0922__basketball.mp4",
                        help="file name of the real-dev clip the speed runs repeat")
    parser.add_argument("--speed-seconds", type=float, default=60.0,
                        help="the speed clip is repeated to at least this many seconds")
    parser.add_argument("--speed-rounds", type=int, default=2,
                        help="decode-only and pipeline runs, alternating")
    parser.add_argument("--compare", action="append", default=[], metavar="'FLAG=VALUE ...'",
                        help="also time the pipeline with these flags on top, interleaved with "
                             "the first configuration in every round (repeatable)")
    parser.add_argument("--cached-movenet-path", action="store_true",
                        help="use MoveNet's cached path choice instead of measuring it again "
                             "before the clock")
    parser.add_argument("--skip-accuracy", action="store_true", help="only the speed runs")
    parser.add_argument("--skip-speed", action="store_true", help="only the accuracy runs")
    parser.add_argument("--calibration-choice", action="store_true",
                        help="also run the default with merge.score_calibration=default and =none "
                             "and choose between the two leave-one-video-out by within-video "
                             "AUC")
    args = parser.parse_args()
    if not args.real_dev.is_dir():
        print(f"{args.real_dev}: real-dev folder not found; nothing to measure, skipped")
        return
    print(f"{os.cpu_count()} CPUs visible; figures on a shared machine drift; n is printed beside "
          "each")
    if not args.skip_accuracy:
        accuracy(args.real_dev, args.sets, args.calibration_choice)
    if not args.skip_speed:
        speed(args.real_dev, args.speed_clip, args.speed_seconds, args.sets,
              max(1, args.speed_rounds), args.compare, not args.cached_movenet_path)


if __name__ == "__main__":
    run_script(main)
