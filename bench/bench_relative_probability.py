"""Does a highlight's action probability stand out from what the classifier says of the same
track around it? Relative probabilities, ranked against the highlight being right, beside the raw
probability and the peak's contrast.

    python bench/bench_relative_probability.py [--workdir DIR] [--test-seeds 202,203,204]
                                               [--keep PICKLE]
                                               [--train-games 12] [--skip-gt]

The filmed player's walk or run, as MoveNet sees it, gets an action probability around 0.19 on
every window: a false highlight there is a window no more action-like than its track's others. A
real action should stand out from them, as a real speed peak stands out from the track's motion
around it (`contrast` in pipeline/kinematics.py). On the synthetic-game bench's three test games
(`bench_synthetic_game.py`'s games and runs), for the default config as `detect` runs it (MoveNet
detection and pose; kept frames reused from --workdir where that bench left them) and again with
the generator's boxes and keypoints (unless --skip-gt), every highlight's track is classified
again by the pipeline's own pose-window code (`_PoseWindows.proba_of` on `tracks_of` of the
run's frame records), on windows not keyed on any trigger:

- `neighbours`: the classifier's window centred 2, 3, 4, 5 and 6 s before and after the keyed
  window's centre, where the track is seen (at least 3 frames);
- `track`: windows every second over the whole track.

Scores, from the keyed window's action probability p (1 - P(none)):
- `raw`: p itself;
- `diff_neighbours` / `ratio_neighbours`: p minus / over the neighbours' median;
- `rank_neighbours`: the share of the neighbours p is above (ties half);
- `diff_track`: p minus the track's median.

It prints each score's AUC (`highlights.auc_interval`, 95% intervals) for right highlights above
false ones, and above the filmed player's walking, running or jogging false ones (the generator's
plan says what he was doing), on the highlights where every score is defined; and the same on
those keyed on a speed peak, beside the peak's contrast there.

--train-games N scores every kinematic trigger of N training games (the pose classifier's seeds
from 10000 on: the generator's points with MoveNet-like side flicker on every track,
`bench_periodicity.flickered_tracks`, as the rule for `kinematics.peak_contrast` was set) the same
way, and sets each relative score's cut by that rule: the value 95% of the triggers within 0.5 s
of an event reach. Only there is a cut chosen. It then prints what dropping the test games'
highlights below each cut would leave (found events, precision, 95% intervals: an estimate read
off the run's highlights; in the pipeline a dropped window may let another through), and the
extra classifier windows and seconds the scores cost.

The test games' highlights and their tracks are kept in --keep and read back on the next run (one
file per pose source: `<keep>.movenet.pkl`, `<keep>.gt.pkl`); the training games' triggers beside
them (`<keep>.train<N>.pkl`).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_periodicity as periodicity_bench  # noqa: E402
import bench_synthetic_game as game_bench  # noqa: E402

NEIGHBOUR_OFFSETS_S = (-6.0, -5.0, -4.0, -3.0, -2.0, 2.0, 3.0, 4.0, 5.0, 6.0)
TRACK_STEP_S = 1.0
NEAR_EVENT_S = 0.5           # a training trigger this close to its track's event is the action
RULE_SHARE = 0.95            # the cut: the value this share of the training actions reach
SCORES = ("raw", "diff_neighbours", "ratio_neighbours", "rank_neighbours", "diff_track")
RELATIVE = SCORES[1:]
LOCOMOTION = periodicity_bench.LOCOMOTION


# -- classifying a track at any time -------------------------------------------------------------

class TrackProbabilities:
    """Action probabilities of one track's windows, as the pipeline's pose classifier gives them,
    counted and timed. A window is classified once per track (`forget` starts another track's):
    the track's median and its highlights' neighbours share windows, as a pipeline's cache of
    window probabilities would share them."""

    def __init__(self, window_s: float) -> None:
        from highlights.pipeline.stages.pose_classifier import _PoseWindows, _load_pose_model

        model = _load_pose_model(None)
        self.windows = _PoseWindows(None, model)
        self.none_index = model.none_index
        self.window_s = window_s
        # Windows classified and seconds spent, per purpose: "key" (a keyed window again),
        # "neighbours", "track".
        self.calls: Counter = Counter()
        self.seconds: Counter = Counter()
        self._known: dict[tuple, float] = {}

    def forget(self) -> None:
        self._known.clear()

    def at(self, times: np.ndarray, kp: np.ndarray, height: float, centre: float,
           purpose: str = "key") -> float:
        """The action probability of the window centred on `centre`; NaN where the track has under
        3 frames in it (the pipeline's `tracks_of` leaves such a track out)."""
        key = (id(times), round(float(centre), 3))
        if key in self._known:
            return self._known[key]
        inside = (times >= centre - self.window_s / 2) & (times <= centre + self.window_s / 2)
        if inside.sum() < 3:
            self._known[key] = float("nan")
            return float("nan")
        t0 = time.perf_counter()
        p = self.windows.proba_of({0: (times[inside], kp[inside], height)})
        self.seconds[purpose] += time.perf_counter() - t0
        self.calls[purpose] += 1
        self._known[key] = float(1.0 - p[self.none_index])
        return self._known[key]

    def scores(self, times: np.ndarray, kp: np.ndarray, height: float, centre: float,
               p: float) -> dict:
        """Every score of the keyed window (centred on `centre`, action probability `p`)."""
        around = np.array([self.at(times, kp, height, centre + off, "neighbours")
                           for off in NEIGHBOUR_OFFSETS_S])
        grid = np.arange(times[0] + self.window_s / 2, times[-1] - self.window_s / 2 + 1e-9,
                         TRACK_STEP_S)
        whole = np.array([self.at(times, kp, height, c, "track") for c in grid])
        return relative_scores(p, around, whole)


def relative_scores(p: float, around: np.ndarray, whole: np.ndarray) -> dict:
    """Every score of a keyed window's action probability `p`, given its neighbours' (`around`)
    and the whole track's (`whole`); NaN entries (the track unseen there) are left out, and a score
    with nothing to compare against is NaN."""
    around, whole = around[np.isfinite(around)], whole[np.isfinite(whole)]
    out = dict.fromkeys(SCORES, float("nan"))
    out["raw"] = p
    if len(around):
        med = float(np.median(around))
        out["diff_neighbours"] = p - med
        # A floor under the median: a track the classifier calls certainly `none` around the
        # window would otherwise give an unbounded ratio.
        out["ratio_neighbours"] = p / max(med, 1e-3)
        out["rank_neighbours"] = float(np.mean(p > around) + 0.5 * np.mean(p == around))
    if len(whole):
        out["diff_track"] = p - float(np.median(whole))
    return out


# -- the test games ------------------------------------------------------------------------------

def collect(workdir: Path, seeds: list[int], overrides: dict,
            probabilities: TrackProbabilities) -> list[dict]:
    """Per highlight of one run per test game: whether it is right, why it is false, what the
    generator had its person doing, its trigger and contrast, and its scores (`TrackProbabilities`)
    from its track's keypoints over the whole game (every frame record the run made)."""
    import highlights.pipeline.run as run_module
    from highlights.events import load_annotation
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.kinematics import tracks_of
    from highlights.pipeline.records import FrameRecord

    kept: list[FrameRecord] = []

    class KeepingRing(run_module.TimeRing):
        """The run's record buffer, every frame record also kept for the whole game."""

        def push(self, time_s, item):
            if isinstance(item, FrameRecord):
                kept.append(item)
            super().push(time_s, item)

    pose = PipelineConfig().with_overrides(overrides).pose
    out = []
    original = run_module.TimeRing
    run_module.TimeRing = KeepingRing
    try:
        for seed in seeds:
            video, ann_path = game_bench.make_game(workdir, 5.0, "640x360", seed, f"test{seed}")
            ann = load_annotation(ann_path)
            cache = game_bench.frames_kept_beside(video) if not overrides else {}
            kept.clear()
            result, score, secs = game_bench.run(video, ann, overrides, cache)
            tracks = {str(t): v
                      for t, v in tracks_of(kept,
                                            pose.min_visibility, pose.side_continuity).items()}
            truth = game_bench.load_truth_boxes(video.with_name(video.stem + ".gt.jsonl"))
            plan = game_bench.game_plan(video.with_name(video.stem + ".config.json"))
            right, causes, motions = game_bench.classify_highlights(result.highlights,
                                                                    list(ann.events), truth, plan)
            probabilities.forget()
            calls, seconds = probabilities.calls.copy(), probabilities.seconds.copy()
            for h, ok, cause, motion in zip(result.highlights, right, causes, motions):
                kin = h.evidence.get("kinematics") or {}
                clf = h.evidence.get("classifier") or {}
                probs = clf.get("probs") or {}
                p = 1.0 - float(probs.get("none", 0.0))
                row = {"seed": seed, "right": ok, "cause": cause, "motion": motion,
                       "label": h.label,
                       "trigger": kin.get("trigger"), "contrast": kin.get("contrast")}
                track = tracks.get(str(clf.get("track")))
                if track is None or not clf.get("window"):
                    row["scores"] = {**dict.fromkeys(SCORES, float("nan")), "raw": p}
                else:
                    start, end = clf["window"]
                    row["scores"] = probabilities.scores(*track, 0.5 * (start + end), p)
                    row["raw_again"] = probabilities.at(*track, 0.5 * (start + end))
                out.append(row)
            print(f"  seed {seed}: recall {score.recall.hits}/{score.recall.total}, precision "
                  f"{score.precision.hits}/{score.precision.total}, pipeline {secs:.0f} s, "
                  f"{len(result.trace.classifications)} classifier windows; extra windows "
                  + cost(probabilities.calls - calls, probabilities.seconds - seconds), flush=True)
    finally:
        run_module.TimeRing = original
    return out


# -- training games ------------------------------------------------------------------------------

def training_triggers(games: int, probabilities: TrackProbabilities) -> list[dict]:
    """Every kinematic trigger on every track of `games` training games
    (`bench_periodicity.flickered_tracks`), found as the pipeline finds them, with its scores,
    whether it lies within NEAR_EVENT_S of an event of its track, and the person's motion."""
    from highlights.pipeline.config import KinematicsConfig
    from highlights.pipeline.kinematics import find_triggers, suppress

    kinematics = KinematicsConfig()
    out = []
    for cfg, shot, person, times, kp, height in periodicity_bench.flickered_tracks(games):
        keys = [ev.key_s for ev in shot.events] if person.actor else []
        probabilities.forget()
        for trig in suppress(find_triggers(times, kp, scale=height, config=kinematics),
                             kinematics.trigger_nms_s):
            p = probabilities.at(times, kp, height, trig.key_s)
            if not np.isfinite(p):
                continue
            timeline = person.timeline
            out.append({"seed": cfg.seed,
                        "near_event": any(abs(k - trig.key_s) <= NEAR_EVENT_S for k in keys),
                        "motion": timeline.segments[timeline.index_at(trig.key_s)].motion.name,
                        "scores": probabilities.scores(times, kp, height, trig.key_s, p)})
    return out


# -- report --------------------------------------------------------------------------------------

def cost(calls: Counter, seconds: Counter) -> str:
    return ", ".join(f"{purpose} {calls[purpose]} in {seconds[purpose]:.1f} s"
                     for purpose in sorted(calls))


def auc_line(name: str, right: list[float], false: list[float]) -> str:
    from highlights.auc_interval import auc_of

    auc = auc_of(right + false, [True] * len(right) + [False] * len(false))
    return (f"    {name:<18} {'-' if auc is None else auc.reported()}; "
            f"medians right {np.median(right):.3f}, false {np.median(false):.3f}")


def ranking(rows: list[dict], title: str) -> None:
    """Each score's AUC on the rows where every score is defined, then on the speed-keyed ones
    beside the peak's contrast."""
    from highlights.pipeline.ranking import CONTRAST_CAP

    scored = [h for h in rows if all(np.isfinite(h["scores"][s]) for s in SCORES)]
    right = [h for h in scored if h["right"]]
    false = [h for h in scored if not h["right"]]
    walks = [h for h in false if h["cause"] == "followed player" and h["motion"] in LOCOMOTION]
    print(f"\n{title}: {len(rows)} highlights, {sum(h['right'] for h in rows)} right; every score "
          f"defined on {len(scored)}: {len(right)} right, {len(false)} false, {len(walks)} of them "
          "the filmed player walking, running or jogging")
    for against, group in (("the filmed player's locomotion", walks), ("all false", false)):
        print(f"  AUC, right above {against}:")
        for s in SCORES:
            print(auc_line(s, [h["scores"][s] for h in right], [h["scores"][s] for h in group]))
    speed = [h for h in scored if h["trigger"] in ("wrist_speed", "ankle_speed")
             and h["contrast"] is not None]
    for h in speed:
        h["scores"]["contrast"] = min(float(h["contrast"]), CONTRAST_CAP)
    s_right = [h for h in speed if h["right"]]
    s_false = [h for h in speed if not h["right"]]
    s_walks = [h for h in s_false if h["cause"] == "followed player" and h["motion"] in LOCOMOTION]
    print(f"  keyed on a speed peak: {len(speed)} ({len(s_right)} right, {len(s_walks)} the filmed "
          f"player's locomotion, {len(s_false)} false); AUC right above his locomotion, and above "
          "all false:")
    for s in ("contrast",) + SCORES:
        print(auc_line(s, [h["scores"][s] for h in s_right], [h["scores"][s] for h in s_walks]))
        print(auc_line("", [h["scores"][s] for h in s_right], [h["scores"][s] for h in s_false]))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    game_bench.add_test_game_options(
        parser, "the synthetic-game bench's folder: its games, and its kept frames where present")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a file name the highlights and scores are kept beside and read back "
                             "from")
    parser.add_argument("--train-games", type=int, default=0,
                        help="training games whose triggers near events set each relative score's "
                             "cut (0: none)")
    parser.add_argument("--skip-gt", action="store_true",
                        help="leave out the run on the generator's poses")
    args = parser.parse_args(argv)
    if args.train_games < 0:
        parser.error(f"--train-games {args.train_games}: a number of games, 0 or more")
    return args


def _print_rankings(runs: dict[str, list[dict]]) -> None:
    """Each run's ranking, and how far the keyed windows classified again from the kept records
    are from the run's own probabilities."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for title, rows in runs.items():
            ranking(rows, title)
            again = [abs(h["raw_again"] - h["scores"]["raw"]) for h in rows
                     if np.isfinite(h.get("raw_again", np.nan))]
            if again:
                print("  the keyed window classified again from the kept records: largest "
                      f"difference from the run's own probability {max(again):.4f} "
                      f"(n={len(again)})")


def _cut_line(s: str, near: list[dict], loco: list[dict], runs: dict[str, list[dict]],
              events: int) -> str:
    """One score's cut (reached by RULE_SHARE of the triggers near events), and what dropping the
    test games' highlights below it leaves in each run."""
    from highlights.pipeline.evaluation import Rate

    values = [t["scores"][s] for t in near if np.isfinite(t["scores"][s])]
    if not values:  # too few training games for a trigger near an event: the rule sets no cut
        return (f"    {s:<18} no cut: no trigger within {NEAR_EVENT_S:g} s of an event has this "
                "score defined")
    cut = float(np.percentile(values, 100 * (1 - RULE_SHARE)))
    at_loco = np.mean([t["scores"][s] < cut for t in loco if np.isfinite(t["scores"][s])])
    line = f"    {s:<18} cut {cut:.3f} (drops {at_loco:.0%} of the locomotion there)"
    for title, rows in runs.items():
        left = [h for h in rows if not (np.isfinite(h["scores"][s]) and h["scores"][s] < cut)]
        found = sum(h["right"] for h in left)
        line += (f"; {title.split(' (')[0]}: found {Rate(found, events).reported()}, precision "
                 f"{Rate(found, len(left)).reported()}")
    return line


def _print_training_cuts(args: argparse.Namespace, seeds: list[int], runs: dict[str, list[dict]],
                         probabilities: TrackProbabilities, keep) -> None:
    """The triggers of the training games: each score's AUC there, and the cut it sets."""
    from highlights.events import load_annotation
    from highlights.pipeline.evaluation import Rate

    calls, seconds = probabilities.calls.copy(), probabilities.seconds.copy()
    triggers = game_bench.kept_or_made(keep(f"train{args.train_games}"),
                            lambda: training_triggers(args.train_games, probabilities))
    if probabilities.calls - calls:
        print("training games: windows classified " + cost(probabilities.calls - calls,
                                                           probabilities.seconds - seconds))
    near = [t for t in triggers if t["near_event"]]
    loco = [t for t in triggers if not t["near_event"] and t["motion"] in LOCOMOTION]
    print(f"\ntraining games ({args.train_games}): {len(triggers)} triggers, {len(near)} within "
          f"{NEAR_EVENT_S:g} s of an event, {len(loco)} on locomotion away from events; AUC near "
          "above locomotion:")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for s in SCORES:
            ok = [t for t in near + loco if np.isfinite(t["scores"][s])]
            print(auc_line(s, [t["scores"][s] for t in ok if t["near_event"]],
                           [t["scores"][s] for t in ok if not t["near_event"]]))
    events = sum(len(load_annotation(args.workdir / f"test{seed}.json").events) for seed in seeds)
    print(f"  each score's cut: the value {RULE_SHARE:.0%} of the triggers near events reach "
          f"there; on the test games ({events} events), what dropping the highlights below it "
          "leaves (a score left undefined keeps its highlight):")
    for s in SCORES:
        print(_cut_line(s, near, loco, runs, events))
    for title, rows in runs.items():
        found = sum(h["right"] for h in rows)
        print(f"    as run, {title}: found {Rate(found, events).reported()}, precision "
              f"{Rate(found, len(rows)).reported()}")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    from highlights.pipeline.config import PipelineConfig

    seeds = game_bench.seeds_of(args.test_seeds)
    probabilities = TrackProbabilities(PipelineConfig().classifier.window_s)
    keep = ((lambda suffix: args.keep.with_name(f"{args.keep.name}.{suffix}.pkl")) if args.keep
            else (lambda _: None))
    runs = {"MoveNet's poses (the default config)": game_bench.kept_or_made(
        keep("movenet"), lambda: collect(args.workdir, seeds, {}, probabilities))}
    if not args.skip_gt:
        runs["the generator's poses"] = game_bench.kept_or_made(
            keep("gt"), lambda: collect(args.workdir, seeds, dict(game_bench.GT), probabilities))
    _print_rankings(runs)
    if args.train_games:
        _print_training_cuts(args, seeds, runs, probabilities, keep)
    return 0

if __name__ == "__main__":
    run_script(main)
