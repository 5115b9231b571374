"""Does a stride's rhythm tell walking from a kick? Periodicity scores of the keyed track around
each highlight's trigger, ranked against the highlight being right, beside the peak's contrast.

    python bench/bench_periodicity.py [--workdir DIR] [--test-seeds 202,203,204] [--keep CACHE]
                                      [--train-games 12] [--reach 2.0]

Locomotion is periodic (steps at 1.5-3.5 Hz: the feet part and close, the hips bob), a kick or a
swing is one burst. On the synthetic-game bench's three test games (`bench_synthetic_game.py`'s
machinery and games; MoveNet detection and pose, the default config, kept frames reused from
--workdir where that bench left them), every highlight keyed on a wrist or ankle speed peak gets,
from its track's keypoints within --reach s of the trigger (those the kinematics stage measured the
trigger on: the candidate window's):

- the normalised autocorrelation's highest value at lags 0.25-1 s once it has crossed zero (`acf`: a
  rhythm's first repeat) and the share of the
  signal's power at 1.2-3.5 Hz (`band`), each of
- `ankle_gap` (distance between the ankles: a walk's feet part and close each step; unchanged by
  a left-right swap), `ankle_lr` (the ankles' signed horizontal difference: a swap flips it),
  `ankle_speed_sum` (both ankles' speeds relative to the body's centre: a swap still spikes it),
  `hip_bob` (the hips' height, its trend removed; unchanged by a swap).

It prints each score's AUC with its 95% interval (`highlights.auc_interval`), ranking right
highlights above false ones by LOW periodicity: right against the filmed player's walking,
running or jogging false ones (the generator's plan says what he was doing), and right against
every false one; beside the peak's contrast (`contrast` in pipeline/kinematics.py, which
`kinematics.peak_contrast` reads) on the same highlights; then the same among the highlights a
contrast of 2.3 keeps (what periodicity would add to it), and each score's rank correlation with
the contrast.

The test games' highlights and their tracks are kept in --keep (a pickle) and read back on the next
run: the pipeline runs once; the training games' triggers and scores are kept beside it
(`<keep>.train<N>.reach<R>.pkl`). --train-games N also scores the speed triggers of N training games
(the pose classifier's seeds from 10000 on: the generator's points, no pixels, MoveNet-like side
flicker on every track, as the rule for `kinematics.peak_contrast` was set) and prints, for each
score, its AUC there (triggers near an event against those on locomotion), and the value 95% of
the triggers within 0.5 s of an event stay at or below: the only place a threshold may be chosen.
It then estimates what dropping the test games' speed-keyed highlights above that cut would leave
(found events, precision), alone and beside a contrast of 2.3.
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.pipeline.ranking import CONTRAST_CAP

L_HIP, R_HIP, L_ANKLE, R_ANKLE = 11, 12, 15, 16
RATE_HZ = 10.0                  # the analysis rate the tracks are sampled at
LAGS_S = (0.25, 1.0)            # a step lasts 0.3-0.7 s walking or running
BAND_HZ = (1.2, 3.5)            # step frequencies
MAX_FILL_S = 0.3                # a gap in the track up to this long is interpolated over
LOCOMOTION = ("walk", "run", "jog")  # the generator's motion names
PEAK_CONTRAST_RULE = 2.3     # kinematics.peak_contrast's value from its rule on training games
SIGNALS = ("ankle_gap", "ankle_lr", "ankle_speed_sum", "hip_bob")
MEASURES = ("acf", "band")


# -- the scores -------------------------------------------------------------------------------

def on_grid(times: np.ndarray, values: np.ndarray, centre: float, reach: float) -> np.ndarray:
    """`values` (T,) resampled at RATE_HZ over [centre - reach, centre + reach], linearly between
    samples no more than MAX_FILL_S apart, NaN elsewhere."""
    grid = centre + np.arange(-round(reach * RATE_HZ), round(reach * RATE_HZ) + 1) / RATE_HZ
    ok = ~np.isnan(values)
    t, v = times[ok], values[ok]
    out = np.full(len(grid), np.nan)
    if len(t) < 2:
        return out
    j = np.clip(np.searchsorted(t, grid), 1, len(t) - 1)
    t0, t1, v0, v1 = t[j - 1], t[j], v[j - 1], v[j]
    inside = (grid >= t0) & (grid <= t1) & (t1 - t0 <= MAX_FILL_S + 1e-9)
    w = np.where(t1 > t0, (grid - t0) / np.maximum(t1 - t0, 1e-9), 0.0)
    out[inside] = (v0 + w * (v1 - v0))[inside]
    exact = np.isin(np.round(grid, 6), np.round(t, 6))
    out[exact] = np.interp(grid[exact], t, v)
    return out


def autocorrelation(x: np.ndarray, lags: range) -> np.ndarray:
    """The normalised autocorrelation of `x` (on the grid, NaN unseen) at each lag: the mean product
    over the pairs seen at both ends, over the variance of every seen sample (a burst's variance
    then lowers every lag's value); NaN at a lag with under 4 such pairs."""
    d = x - np.nanmean(x)
    var = np.nanmean(d * d)
    out = np.full(len(lags), np.nan)
    for k, lag in enumerate(lags):
        a, b = (d[:-lag], d[lag:]) if lag else (d, d)
        both = ~np.isnan(a) & ~np.isnan(b)
        if both.sum() >= 4 and var > 0:
            out[k] = float(np.mean(a[both] * b[both]) / var)
    return out


def acf_peak(x: np.ndarray) -> float:
    """The autocorrelation's highest value at lags within LAGS_S once it has crossed zero: a
    rhythm's first repeat. A slow drift (a player settling, a camera pan) correlates at short lags
    without repeating, and never crosses zero there; it scores 0, as does a lone burst. NaN when
    under half of `x` is seen."""
    if np.sum(~np.isnan(x)) < len(x) / 2:
        return float("nan")
    last = int(round(LAGS_S[1] * RATE_HZ))
    r = autocorrelation(x, range(1, last + 1))
    below = np.flatnonzero(r < 0)
    if not len(below):
        return 0.0
    after = r[below[0]:]
    lags = np.arange(below[0] + 1, last + 1) / RATE_HZ
    after = after[lags >= LAGS_S[0]]
    return float(max(0.0, np.nanmax(after))) if np.any(~np.isnan(after)) else 0.0


def band_share(x: np.ndarray) -> float:
    """The share of `x`'s power (linear trend removed, gaps filled linearly) at BAND_HZ, from
    scipy's periodogram with a Hann window. NaN when under half seen."""
    from scipy.signal import detrend, periodogram

    seen = ~np.isnan(x)
    if seen.sum() < len(x) / 2:
        return float("nan")
    i = np.arange(len(x))
    filled = np.interp(i, i[seen], x[seen])
    freqs, power = periodogram(detrend(filled), fs=RATE_HZ, window="hann")
    total = power[1:].sum()
    if total <= 0:
        return 0.0
    return float(power[(freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])].sum() / total)


def signals(times: np.ndarray, kp: np.ndarray, height: float, centre: float,
            reach: float) -> dict[str, np.ndarray]:
    """The track's signals on the grid around `centre`, in body heights (per second for speeds)."""
    from highlights.pipeline.kinematics import body_centre

    xy = kp[:, :, :2].astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        limbs = xy - body_centre(xy)[:, None, :]
        hips_y = np.nanmean(xy[:, [L_HIP, R_HIP], 1], axis=1) / height
    gap = np.linalg.norm(xy[:, L_ANKLE] - xy[:, R_ANKLE], axis=1) / height
    lr = (xy[:, L_ANKLE, 0] - xy[:, R_ANKLE, 0]) / height
    grid = {name: on_grid(times, v, centre, reach) for name, v in
            (("ankle_gap", gap), ("ankle_lr", lr), ("hip_bob", hips_y))}
    ankles = [np.stack([on_grid(times, limbs[:, j, c], centre, reach) for c in (0, 1)], axis=1)
              for j in (L_ANKLE, R_ANKLE)]
    speed = sum(np.r_[np.nan, np.linalg.norm(np.diff(a, axis=0), axis=1) * RATE_HZ / height]
                for a in ankles)
    grid["ankle_speed_sum"] = speed
    if np.sum(~np.isnan(grid["hip_bob"])) >= 2:
        from scipy.signal import detrend

        seen = ~np.isnan(grid["hip_bob"])
        grid["hip_bob"][seen] = detrend(grid["hip_bob"][seen])
    return grid


def periodicity(times: np.ndarray, kp: np.ndarray, height: float, centre: float,
                reach: float) -> dict[str, float]:
    """Every (measure, signal) score of one track around `centre`."""
    grid = signals(times, kp, height, centre, reach)
    return {f"{m}:{s}": (acf_peak if m == "acf" else band_share)(grid[s]) for m in MEASURES
            for s in SIGNALS}


# -- the test games' highlights -------------------------------------------------------------------

def collect(workdir: Path, seeds: list[int]) -> list[dict]:
    """Per highlight of the default config's run on each test game: whether it is right, why it is
    false, what the generator had its person doing, its trigger, and its track's keypoints as the
    kinematics stage measured the trigger on (over the candidate window it was found in)."""
    import highlights.pipeline.stages.joint_kinematics as stage
    from highlights.events import load_annotation

    sys_path_bench()
    import bench_synthetic_game as game_bench

    # What the kinematics stage measured each trigger on: the track's keypoints over the candidate
    # window the trigger was found in, keyed by (track, moment) as the highlight's evidence names
    # it.
    seen: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, float]] = {}
    original = stage.find_triggers

    def triggers_kept(times, kp, *, scale, config, track=None):
        found = original(times, kp, scale=scale, config=config, track=track)
        for trig in found:
            seen[(str(track), round(trig.key_s, 3))] = (times, kp, scale)
        return found

    out = []
    stage.find_triggers = triggers_kept
    try:
        for seed in seeds:
            video, ann_path = game_bench.make_game(workdir, 5.0, "640x360", seed, f"test{seed}")
            ann = load_annotation(ann_path)
            cache = game_bench.frames_kept_beside(video)
            seen.clear()
            result, score, secs = game_bench.run(video, ann, {}, cache)
            print(f"seed {seed}: recall {score.recall.hits}/{score.recall.total}, precision "
                  f"{score.precision.hits}/{score.precision.total}, {secs:.0f} s", flush=True)
            truth = game_bench.load_truth_boxes(video.with_name(video.stem + ".gt.jsonl"))
            plan = game_bench.game_plan(video.with_name(video.stem + ".config.json"))
            right, causes, motions = game_bench.classify_highlights(result.highlights,
                                                                    list(ann.events), truth, plan)
            for h, ok, cause, motion in zip(result.highlights, right, causes, motions):
                kin = h.evidence.get("kinematics") or {}
                times, kp, height = seen.get((str(kin.get("track")), kin.get("key_s")),
                                             (np.zeros(0), np.zeros((0, 17, 3)), float("nan")))
                out.append({"seed": seed, "right": ok, "cause": cause, "motion": motion,
                            "label": h.label,
                            "trigger": kin.get("trigger"), "key_s": kin.get("key_s"),
                            "contrast": kin.get("contrast", float("inf")),
                            "times": times, "kp": kp, "height": height})
    finally:
        stage.find_triggers = original
    return out


def sys_path_bench() -> None:
    import sys

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)


# -- training games -----------------------------------------------------------------------------

def flickered_tracks(games: int):
    """Every person's track in `games` training games (the pose classifier's game seeds): the
    generator's points at the analysis rate with MoveNet-like side flicker (40% of frames swapped,
    runs of 1-4), unseen joints NaN, those too small or seen too little left out. Yields
    (game config, shot, person, times, keypoints, body height) and says when each game is done."""
    from highlights.pipeline.kinematics import body_height
    from highlights.pose_classifier.augment import flicker_frames
    from highlights.pose_classifier.game_data import (
        MIN_SEEN_JOINTS, GameWindowSpec, game_config, game_tracks,
    )
    from highlights.pose_classifier.skeleton import FLIP

    spec = GameWindowSpec(games=games)
    for g in range(games):
        cfg = game_config(spec, g)
        rng = np.random.default_rng([cfg.seed, 47])
        for shot, person, times, kp in game_tracks(cfg, RATE_HZ):
            present = (kp[:, :, 2] > 0).sum(axis=1) >= MIN_SEEN_JOINTS
            if present.sum() < 20:
                continue
            times, kp = times[present], kp[present].astype(np.float64)
            swap = flicker_frames(len(times), rng, 0.4, 4)
            kp[swap] = kp[swap][:, list(FLIP)]
            kp[kp[:, :, 2] < 0.5, :2] = np.nan
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                height = float(np.nanmedian([body_height(frame, None) for frame in kp]))
            if not np.isfinite(height) or height < 0.06 * cfg.height:
                continue
            yield cfg, shot, person, times, kp, height
        print(f"  training game {g + 1}/{games} (seed {cfg.seed}) done", flush=True)


def training_triggers(games: int, reach: float) -> list[dict]:
    """Every wrist or ankle speed trigger on every track of `games` training games
    (`flickered_tracks`), triggers found as the pipeline finds them; each with its scores, whether
    it lies within 0.5 s of an event of that track, and the person's motion."""
    from highlights.pipeline.config import KinematicsConfig
    from highlights.pipeline.kinematics import contrast, find_triggers, suppress, trigger_signals

    kinematics = KinematicsConfig()
    out = []
    for cfg, shot, person, times, kp, height in flickered_tracks(games):
        keys = [ev.key_s for ev in shot.events] if person.actor else []
        sig = trigger_signals(times, kp, scale=height)
        for trig in suppress(find_triggers(times, kp, scale=height, config=kinematics),
                             kinematics.trigger_nms_s):
            if trig.kind not in ("wrist_speed", "ankle_speed"):
                continue
            i = int(np.argmin(np.abs(times - trig.key_s)))
            timeline = person.timeline
            out.append({"seed": cfg.seed,
                        "near_event": any(abs(k - trig.key_s) <= 0.5 for k in keys),
                        "motion": timeline.segments[timeline.index_at(trig.key_s)].motion.name,
                        "contrast": contrast(times, sig[trig.kind], i),
                        **periodicity(times, kp, height, trig.key_s, reach)})
    return out


# -- report -------------------------------------------------------------------------------------

def auc_line(name: str, right: list[float], false: list[float]) -> str:
    from highlights.auc_interval import auc_of

    r = [v for v in right if np.isfinite(v)]
    f = [v for v in false if np.isfinite(v)]
    auc = auc_of(r + f, [True] * len(r) + [False] * len(f))
    return (f"    {name:<36} {'-' if auc is None else auc.reported()}; "
            f"medians right {np.median(r):.2f}, false {np.median(f):.2f}")


def spearman(name: str, rows: list[dict]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr([h["scores"][name] for h in rows],
                           [h["scores"]["contrast"] for h in rows])[0])


def is_locomotion(motion) -> bool:
    return motion in LOCOMOTION


def _parse_args(argv: list[str] | None, game_bench) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    game_bench.add_test_game_options(
        parser, "the synthetic-game bench's folder: its games, and its kept frames where present")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a pickle the test games' highlights and tracks are kept in and read "
                             "back from")
    parser.add_argument("--reach", type=float, default=2.0,
                        help="seconds either side of the trigger scored")
    parser.add_argument("--train-games", type=int, default=0,
                        help="training games whose action triggers set each score's 95th "
                             "percentile (0: none)")
    args = parser.parse_args(argv)
    if not 0 < args.reach <= 30:
        parser.error(f"--reach {args.reach:g}: seconds either side of the trigger, above 0 and at "
                     "most 30")
    if args.train_games < 0:
        parser.error(f"--train-games {args.train_games}: a number of games, 0 or more")
    return args


def _score_keyed(highlights: list[dict], names: list[str],
                 reach: float) -> tuple[list[dict], list[dict]]:
    """The highlights keyed on a wrist or ankle speed peak, each given its scores; and those of
    them on which every score is defined."""
    keyed = [h for h in highlights if h["trigger"] in ("wrist_speed", "ankle_speed")
             and len(h["times"])]
    for h in keyed:
        h["scores"] = periodicity(h["times"], h["kp"], h["height"], float(h["key_s"]), reach)
        # Unbounded where the track was still around the peak: capped as the highlight score caps
        # it.
        h["scores"]["contrast"] = (CONTRAST_CAP if h["contrast"] is None
                                    else min(float(h["contrast"]), CONTRAST_CAP))
    # Every score is compared on the same highlights: those whose track was seen enough around the
    # trigger for each to be defined.
    return keyed, [h for h in keyed if all(np.isfinite(h["scores"][n]) for n in names)]


def _print_test_game_aucs(highlights: list[dict], keyed: list[dict], scored: list[dict],
                          names: list[str], seeds: list[int], reach: float) -> None:
    """How each score ranks the right highlights above the false ones on the test games, among
    all the scored ones and among those the contrast rule keeps."""
    right = [h for h in scored if h["right"]]
    false = [h for h in scored if not h["right"]]
    walks = [h for h in false if h["cause"] == "followed player" and is_locomotion(h["motion"])]
    print(f"\n{len(highlights)} highlights on seeds {', '.join(map(str, seeds))}, {len(keyed)} "
          f"keyed on a wrist or ankle speed peak, {len(scored)} of them with every score defined: "
          f"{len(right)} right, {len(false)} false, {len(walks)} of them the filmed player "
          "walking, running or jogging "
          f"({', '.join(f'{m} {k}' for m, k in Counter(h['motion'] for h in walks).most_common())}"
          f"); reach {reach:g} s")
    for against, group in (("the filmed player's walking/running/jogging false", walks),
                           ("all false", false)):
        print(f"  AUC, right above {against} (low periodicity ranks first; the contrast: high "
              "first):")
        print(auc_line("contrast", [h["scores"]["contrast"] for h in right],
                       [h["scores"]["contrast"] for h in group]))
        for name in names:
            print(auc_line(name, [-h["scores"][name] for h in right],
                           [-h["scores"][name] for h in group])
                  + "  (negated)")
    # What periodicity would add to the contrast: the same ranking among the highlights that
    # `kinematics.peak_contrast=2.3` (its rule's value) keeps.
    kept = [h for h in scored if h["scores"]["contrast"] >= PEAK_CONTRAST_RULE]
    kept_right = [h for h in kept if h["right"]]
    walk_ids = {id(h) for h in walks}
    kept_walks = [h for h in kept if id(h) in walk_ids]
    kept_false = [h for h in kept if not h["right"]]
    print(f"  among the {len(kept)} whose contrast reaches {PEAK_CONTRAST_RULE:g} "
          f"({len(kept_right)} right, {len(kept_walks)} the filmed player's locomotion, "
          f"{len(kept_false)} false):")
    for name in names:
        print(auc_line(f"{name}, locomotion", [-h["scores"][name] for h in kept_right],
                       [-h["scores"][name] for h in kept_walks]) + "  (negated)")
        print(auc_line(f"{name}, all false", [-h["scores"][name] for h in kept_right],
                       [-h["scores"][name] for h in kept_false]) + "  (negated)")
    print("  rank correlation (Spearman) of each score with the contrast, over the scored "
          "highlights: "
          + ", ".join(f"{n} {spearman(n, scored):.2f}" for n in names))


def _cut_line(name: str, near: list[dict], loco: list[dict], highlights: list[dict],
              keyed_ids: set[int], events: int) -> str:
    """One score's cut (95% of the triggers near events at or below it), and what dropping the
    speed-keyed test highlights above it would leave, alone and beside the contrast rule."""
    from highlights.pipeline.evaluation import Rate

    cut = float(np.nanpercentile([t[name] for t in near], 95))
    share = np.mean([t[name] <= cut for t in loco if np.isfinite(t[name])])
    line = (f"    {name:<24} cut {cut:.3f} (locomotion at or below it there {share:.0%}; medians "
            f"near {np.nanmedian([t[name] for t in near]):.2f}, "
            f"locomotion {np.nanmedian([t[name] for t in loco]):.2f})")
    for label, also in (("alone", False), ("with the contrast", True)):
        left = [h for h in highlights if not (id(h) in keyed_ids and (
            (np.isfinite(h["scores"][name]) and h["scores"][name] > cut)
            or (also and h["scores"]["contrast"] < PEAK_CONTRAST_RULE)))]
        found = sum(h["right"] for h in left)
        line += (f"; {label}: found {found}/{events}, precision "
                 f"{Rate(found, len(left)).reported()}")
    return line


def _print_training_cuts(args: argparse.Namespace, game_bench, highlights: list[dict],
                         keyed: list[dict], names: list[str], seeds: list[int]) -> None:
    """The speed triggers of the training games: each score's AUC there, and the cut it sets."""
    from highlights.events import load_annotation
    from highlights.pipeline.evaluation import Rate

    kept_train = (args.keep.with_name(f"{args.keep.stem}.train{args.train_games}"
                                      f".reach{args.reach:g}.pkl")
                  if args.keep else None)
    triggers = game_bench.kept_or_made(kept_train,
                                       lambda: training_triggers(args.train_games, args.reach))
    near = [t for t in triggers if t["near_event"]]
    loco = [t for t in triggers if not t["near_event"] and is_locomotion(t["motion"])]
    print(f"\ntraining games: {len(triggers)} speed triggers, {len(near)} within 0.5 s of an "
          f"event, {len(loco)} on locomotion away from events")
    print("  AUC, triggers near events above locomotion's (low periodicity first; the contrast: "
          "high first):")
    print(auc_line("contrast", [min(t["contrast"], CONTRAST_CAP) for t in near],
                   [min(t["contrast"], CONTRAST_CAP) for t in loco]))
    for name in names:
        print(auc_line(name, [-t[name] for t in near], [-t[name] for t in loco]) + "  (negated)")

    keyed_ids = {id(h) for h in keyed}
    events = sum(len(load_annotation(args.workdir / f"test{seed}.json").events) for seed in seeds)
    print("  each score's cut: the value 95% of the triggers near events stay at or below there; "
          "then, on the test games, what dropping the speed-keyed highlights above it would leave "
          f"of the {len(highlights)} ({sum(h['right'] for h in highlights)} right, {events} "
          f"events), alone and beside a contrast of {PEAK_CONTRAST_RULE:g} (an estimate: in the "
          "pipeline a dropped trigger may let a weaker one of the same window through)")
    for name in names:
        print(_cut_line(name, near, loco, highlights, keyed_ids, events))
    left = [h for h in highlights
            if not (id(h) in keyed_ids and h["scores"]["contrast"] < PEAK_CONTRAST_RULE)]
    found = sum(h["right"] for h in left)
    print(f"    the contrast alone: found {found}/{events}, precision "
          f"{Rate(found, len(left)).reported()}")


def main(argv: list[str] | None = None) -> int:
    sys_path_bench()
    import bench_synthetic_game as game_bench

    args = _parse_args(argv, game_bench)
    seeds = game_bench.seeds_of(args.test_seeds)
    highlights = game_bench.kept_or_made(args.keep, lambda: collect(args.workdir, seeds))
    names = [f"{m}:{s}" for m in MEASURES for s in SIGNALS]
    keyed, scored = _score_keyed(highlights, names, args.reach)
    _print_test_game_aucs(highlights, keyed, scored, names, seeds, args.reach)
    if args.train_games:
        _print_training_cuts(args, game_bench, highlights, keyed, names, seeds)
    return 0

if __name__ == "__main__":
    run_script(main)
