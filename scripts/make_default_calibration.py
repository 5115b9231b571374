"""Fits the packaged highlight-score calibration on synthetic games and stores it with how it was
made.

    .venv/bin/python scripts/make_default_calibration.py [--seeds 101,102,103,104] [--minutes 5]
                                                         [--size 640x360] [--workdir DIR]
                                                         [--features a,b,...] [--dry-run]

Renders (once, reused from --workdir) 5-minute synthetic games with the project's generator from
TRAINING seeds: never the synthetic-game bench's test seeds (202-204) nor the demo's game (seed 3),
which are where the calibration is judged. Runs the default pipeline on each (MoveNet detection
and pose, the packaged pose model, the default merge) with the score left uncalibrated, marks each
highlight right when its key moment matches an annotated event within 2 s (one-to-one, any label:
the score says "a real action is here"), and fits `ranking.fit_calibration` (a logistic map from
the highlight's evidence) on all games together. Which evidence: each of a few feature sets
(`CANDIDATES`, from the classifier probability alone to every feature) is cross-validated
leave-one-game-out (each game scored by the map fitted on the others: AUC, expected calibration
error, log loss, against the raw probability), and the set with the lowest log loss is used
(--features names one instead). Every set's figures are recorded.

Writes `src/highlights/pipeline/default/score_calibration.json` (its `fitted_on` holds the
command, seeds, counts, the pose model's sha256, the stages, the kinematics settings and the
pipeline's output version, and the cross-validated figures). A run under other kinematics
settings than the recorded ones says so when it loads the file (`calibration_kinematics`).
A frame cache per game (detection and pose outputs) is kept in --workdir, so a second run after a
change to the classifier or the merge does not run MoveNet again. --dry-run writes nothing.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from highlights.atomic import atomic_write_json, atomic_write_bytes  # noqa: E402
from highlights.pipeline.ranking import (  # noqa: E402
    DEFAULT_CALIBRATION, FEATURES, KNOWN_FEATURES, fit_calibration, raw_score, reliability,
)

COMMAND = "python scripts/make_default_calibration.py"
RESERVED_SEEDS = {202: "the synthetic-game bench's test game",
                  203: "the synthetic-game bench's test game",
                  204: "the synthetic-game bench's test game", 3: "the demo's game"}
TOLERANCE_S = 2.0
DEFAULT_SEEDS = "101,102,103,104"
# The feature sets compared (declared before any was measured); `auto` takes the one with the
# lowest leave-one-game-out log loss on the training games.
CANDIDATES = {
    "probability": ("logit_probability",),
    "evidence": FEATURES,
    "evidence + sport": FEATURES + ("sport_baseball", "sport_basketball"),
    "evidence + sport + trigger kind": FEATURES + ("sport_baseball", "sport_basketball",
                                                   "trigger_wrist", "trigger_ankle",
                                                   "trigger_hip_rise", "trigger_fits_label"),
    "evidence + neighbourhood": FEATURES + ("local_best", "log_neighbours"),
    # Added once the peak's contrast was found to separate kicks and swings from a walk's swapped
    # ankles (docs/measurements.md); compared here on the training games like the others.
    "evidence + neighbourhood + contrast": FEATURES + ("local_best", "log_neighbours",
                                                       "log_peak_contrast"),
    "all": KNOWN_FEATURES,
}
DEFAULT_FEATURES = "auto"


def make_game(folder: Path, minutes: float, size: str, seed: int) -> tuple[Path, Path]:
    """The game of `seed`, rendered once (a stamp of its settings and the version guards reuse)."""
    from highlights import __version__
    from highlights.synth.game import GameConfig, generate_game

    width, height = (int(v) for v in size.lower().split("x"))
    name = f"train{seed}"
    cfg = GameConfig(minutes=minutes, width=width, height=height, seed=seed, name=name)
    video, annotation, stamp = (folder / f"{name}.mp4", folder / f"{name}.json",
                                folder / f"{name}.config.json")
    wanted = json.dumps({**cfg.to_dict(), "version": __version__}, sort_keys=True)
    if video.exists() and annotation.exists() and stamp.exists() and stamp.read_text() == wanted:
        return video, annotation
    started = time.time()
    generate_game(folder, cfg)
    stamp.write_text(wanted)
    print(f"  {name}: rendered in {time.time() - started:.0f} s", flush=True)
    return video, annotation


def collect(seed: int, video: Path, annotation_path: Path, workdir: Path, config):
    """(highlights, right flags, events, stages) of the uncalibrated default pipeline on one
    game."""
    from highlights.events import load_annotation
    from highlights.pipeline.calibrate import correct_flags
    from highlights.pipeline.run import frame_outputs, run_pipeline

    annotation = load_annotation(annotation_path)
    cache_file = workdir / f"train{seed}.frames.pkl"
    cache = frame_outputs(pickle.loads(cache_file.read_bytes())) if cache_file.is_file() else {}
    size = len(cache)
    started = time.time()
    result = run_pipeline(video, config, annotation=annotation, cache=cache, progress=False)
    kept = frame_outputs(cache)
    if len(kept) != size:
        atomic_write_bytes(cache_file, pickle.dumps(kept))
    flags = correct_flags(result.highlights, list(annotation.events), TOLERANCE_S, by_label=False)
    atomic_write_json(workdir / f"train{seed}.highlights.json",
                      {"highlights": [h.to_dict() for h in result.highlights], "right": flags},
                      indent=1)
    print(f"  seed {seed}: {len(result.highlights)} highlights, {sum(flags)} right, "
          f"{len(annotation.events)} events ({time.time() - started:.0f} s)", flush=True)
    return result.highlights, flags, len(annotation.events), result.backends


def stages_of_every_game(seeds, ran):
    """The stages every game ran (``ran``: each seed's), or a stop naming each game's where they
    differ. One config runs every game, but a backend is chosen per run (a model that fails to
    load falls back): a calibration maps one pipeline's scores, so pooled games must have run
    one."""
    if any(stages != ran[0] for stages in ran):
        raise SystemExit("the games ran different stages, so no one calibration fits them: "
                         + "; ".join(f"seed {seed}: {stages}" for seed, stages in zip(seeds, ran)))
    return ran[0]


def auc(scores, flags) -> float | None:
    """The chance a right highlight outscores a false one (ties half)."""
    s, y = np.asarray(scores, np.float64), np.asarray(flags, bool)
    if y.all() or not y.any():
        return None
    t, f = s[y][:, None], s[~y][None, :]
    return float(((t > f).sum() + 0.5 * (t == f).sum()) / (t.size * f.size))


def log_loss(scores, flags) -> float:
    p = np.clip(np.asarray(scores, np.float64), 1e-4, 1 - 1e-4)
    y = np.asarray(flags, np.float64)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def figures(scores, flags) -> dict:
    a = auc(scores, flags)
    return {"auc": None if a is None else round(a, 4),
            "ece": round(reliability(scores, flags)["ece"], 4),
            "log_loss": round(log_loss(scores, flags), 4)}


def leave_one_game_out(games: list, features) -> dict:
    """Each game's highlights scored by the map fitted on the other games, pooled."""
    held_scores, raw, flags = [], [], []
    for i, (_, highlights, right) in enumerate(games):
        rest = [(h, f) for j, (_, hs, fs) in enumerate(games) if j != i for h, f in zip(hs, fs)]
        cal = fit_calibration([h for h, _ in rest], [f for _, f in rest], features=features)
        held_scores += [cal.score(h) for h in highlights]
        raw += [raw_score(h) for h in highlights]
        flags += list(right)
    return {"highlights": len(flags), "right": int(sum(flags)),
            "calibrated": figures(held_scores, flags), "raw_probability": figures(raw, flags)}


def _parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[int]]:
    """The options, and the training games' seeds (none of them reserved, two at least)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default=DEFAULT_SEEDS,
                        help=f"training games' seeds (default {DEFAULT_SEEDS})")
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="length of each training game (default 5)")
    parser.add_argument("--size", default="640x360",
                        help="the games' frame size, WIDTHxHEIGHT (default 640x360)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/highlights-calibration-games"),
                        help="where the games and their detection and pose outputs are kept and "
                             "reused (default /tmp/highlights-calibration-games)")
    parser.add_argument("--features", default=DEFAULT_FEATURES,
                        help="auto (the candidate set with the lowest leave-one-game-out log loss) "
                             "or comma-separated evidence features (ranking.KNOWN_FEATURES)")
    parser.add_argument("--out", type=Path, default=DEFAULT_CALIBRATION,
                        help="calibration file written (default: the packaged one)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the fit and its figures, write nothing")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    reserved = [f"{s} ({RESERVED_SEEDS[s]})" for s in seeds if s in RESERVED_SEEDS]
    if reserved:
        parser.error(f"seed {', '.join(reserved)}: the calibration is judged there, it may not be "
                     "fitted there")
    if len(seeds) < 2:
        parser.error("at least two games are needed (the fit is cross-validated "
                     "leave-one-game-out)")
    return args, seeds


def _chosen_features(games: list, given: str) -> tuple[tuple[str, ...], str, dict]:
    """The features fitted on (`given`, or with auto the candidate set with the lowest
    leave-one-game-out log loss), the name of that choice, and every candidate's figures."""
    compared = {}
    for name, candidate in CANDIDATES.items():
        compared[name] = {"features": list(candidate), **leave_one_game_out(games, candidate)}
        print(f"  {name:<32} leave one game out: {compared[name]['calibrated']}", flush=True)
    if given == "auto":
        chosen = min(compared, key=lambda name: compared[name]["calibrated"]["log_loss"])
        return tuple(compared[chosen]["features"]), chosen, compared
    return tuple(f.strip() for f in given.split(",") if f.strip()), "given", compared


def _command(args: argparse.Namespace) -> str:
    """This script's command line as it was run, the options left at their defaults left out."""
    return (COMMAND + (f" --seeds {args.seeds}" if args.seeds != DEFAULT_SEEDS else "")
            + (f" --minutes {args.minutes:g}" if args.minutes != 5.0 else "")
            + (f" --size {args.size}" if args.size != "640x360" else "")
            + (f" --features {args.features}" if args.features != DEFAULT_FEATURES else ""))


def main(argv: list[str] | None = None) -> int:
    args, seeds = _parse_args(argv)
    from highlights import __version__
    from highlights.file_hash import file_sha256
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.output_version import OUTPUT_VERSION
    from highlights.pose_classifier.default import DEFAULT_MODEL

    overrides = {"merge.score_calibration": "none", "merge.highlight_min_score": 0.0,
                 "merge.max_highlights": 0, "merge.reel_seconds": 0.0}
    config = PipelineConfig().with_overrides(overrides)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"games: seeds {seeds}, {args.minutes:g} min at {args.size}, in {args.workdir}",
          flush=True)
    games, events, ran = [], 0, []
    for seed in seeds:
        video, annotation = make_game(args.workdir, args.minutes, args.size, seed)
        highlights, flags, n_events, stages = collect(seed, video, annotation, args.workdir, config)
        games.append((seed, highlights, flags))
        events += n_events
        ran.append(stages)
    stages = stages_of_every_game(seeds, ran)

    features, chosen, compared = _chosen_features(games, args.features)
    cv = leave_one_game_out(games, features)
    print(f"{chosen}: leave one game out ({cv['highlights']} highlights, {cv['right']} right): "
          f"calibrated {cv['calibrated']}; raw probability {cv['raw_probability']}")
    all_h = [h for _, hs, _ in games for h in hs]
    all_f = [f for _, _, fs in games for f in fs]
    pose_model = file_sha256(DEFAULT_MODEL)
    calibration = fit_calibration(all_h, all_f, features=features, fitted_on={
        "command": _command(args),
        "games": {"generator": f"highlights synth v{__version__}", "seeds": seeds,
                  "minutes": args.minutes, "size": args.size},
        "events": events, "tolerance_s": TOLERANCE_S,
        "matching": "key moment within tolerance, any label",
        "stages": stages, "config": overrides, "pose_model_sha256": pose_model,
        # The evidence the map weighs (trigger strength, detections merged, highlights near) is
        # the kinematics stage's: loading warns where a run's settings differ from these.
        "kinematics": asdict(config.kinematics), "pipeline_output_version": OUTPUT_VERSION,
        "cross_validated_leave_one_game_out": cv, "feature_sets_compared": compared,
        "feature_choice": "lowest leave-one-game-out log loss" if chosen != "given" else "given",
        "highlights_version": __version__})
    in_sample = figures([calibration.score(h) for h in all_h], all_f)
    calibration.fitted_on["in_sample"] = in_sample
    print("fitted on all games: "
          + ", ".join(f"{n} {w:+.3f}" for n, w in zip(features, calibration.coef))
          + f", intercept {calibration.intercept:+.3f}; in sample {in_sample}")
    if args.dry_run:
        return 0
    atomic_write_json(args.out, calibration.to_dict(), indent=2)
    print(f"written: {args.out}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
