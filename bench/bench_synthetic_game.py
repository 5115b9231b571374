"""Few and right highlights on whole synthetic games: recall, precision, highlights, reel length,
and where the false highlights come from.

    python bench/bench_synthetic_game.py [--minutes 5] [--size 640x360] [--test-seeds 202,203,204]
                                         [--fit-seed 101] [--workdir DIR] [--skip-movenet]
                                         [--bursts SHARE]
                                         [--keep-frames] [--skip-gt] [--skip-fit-game]
                                         [--set FLAG=VALUE ...]
                                         [--threshold-seeds 301,302,...] [--movenet-threshold]
                                         [--fit-seeds 301,302,...]

Makes (once, reused from --workdir) games with the project's generator
(`highlights.synth.generate_game`: shots and camera cuts, several players, active background play
such as sprints, passes, pitching and juggling, two highlight events a minute): the TEST games
(--test-seeds, several so that the figures rest on 30 events, not 10), on which nothing was
fitted, tuned or calibrated, and the FIT game (--fit-seed), the only one a calibration or score
floor is fitted on (not made with --skip-gt, which leaves out the runs that read it).

Runs on the test games, each printed per game and pooled, with recall and precision at 2 s
(one-to-one matching of key moments, event level and class level), the shown recall (events whose
key moment lies inside a highlight no longer than `merge.max_length_s`, and how many of them the
matching paired with no highlight: shown inside another), the number of highlights, the
footage they cover, the reel `detect` cuts of them (the best-ranked that fit in its share of the
game) with how many of its highlights are right, and the pipeline's seconds beside the 1-minute
load average:
1. the DEFAULT config as `highlights detect` runs it (MoveNet detection and pose, the packaged
   pose classifier, the default merge) but scored by the packaged score calibration, which was
   fitted on games of other seeds by scripts/make_default_calibration.py
   (`merge.score_calibration=default`, in every row; `detect` ranks by the classifier's
   probability unless told), plus the `--set` flags;
2. the same with ground-truth detection and pose (the generator's boxes and keypoints): what the
   classifier and merge do given perfect pose;
3. (2) with the other merge (`temporal_nms` or `actions`, whichever is not the default);
4. (2) with the `actions` merge, a score calibration and a score floor fitted on the FIT game
   (`pipeline calibrate`; the floor is the highest whose recall on the FIT game stays >= 0.90).
5. with --threshold-seeds, (2) at a SYNTHETIC OPERATING THRESHOLD chosen on other games: the
   highest `classifier.action_threshold` on the gate's grid (0.05 .. 0.95) whose recall, pooled
   over the games of those seeds (held-out games, neither test nor fit games nor any seed the pose
   classifier's game windows are drawn from), stays >= 0.90. The packaged model's threshold was
   chosen on real clips, where a pose model trained on synthetic poses is far less sure of
   actions; on the generator's own games a threshold chosen on its own games is the honest one,
   and choosing it on the test games would be tuning on them. Each threshold game runs once, at
   the lowest threshold, and every higher one is read from the same windows (`threshold_sweep`).
   With --movenet-threshold the same is done with (1)'s MoveNet stages: the threshold chosen on
   the held-out games' MoveNet poses, then run on the test games' (--keep-frames keeps the
   held-out games' frames too).
6. with --fit-seeds, (4) fitted on the games of those seeds pooled instead of the one FIT game
   (held-out games, refused as --threshold-seeds refuses them): the calibration on all their
   highlights, the floor the highest whose POOLED recall there stays >= 0.90. A dozen highlights
   of one game pin a calibration and a floor down poorly. --threshold-seeds and --fit-seeds may
   name the same seeds: each held-out game is made once, as `heldout{seed}`.
--skip-movenet leaves out (1) where a quick figure is wanted, --skip-gt leaves out (2)-(6);
--skip-fit-game leaves out (4) and the FIT game only it reads (a 5-minute game is minutes of
rendering on a busy machine; (5) and (6) choose on their own held-out games);
--bursts SHARE makes every game with that share of its events followed 1-3 s later by a second
action of the same sport by the same player (`GameConfig.burst_share`; games of their own, named
`..._bursts0.5`, beside those without): the case the shown recall exists for, two shots a second
or two apart, which games without bursts never hold; the summary of the misses then says how many
were a burst's second action (read from the game's plan: the annotation does not mark them);
--keep-frames keeps (1)'s detection
and pose outputs in --workdir and reads them back on the next run (its pipeline time is then not
a speed figure).

For (1) and (2) it then prints where the false highlights come from, pooled over the test games:
each highlight that matched no event is put in the first of these that holds (the person is found
in the generator's per-frame truth by the box of the track the classifier read):
- `duplicate`: within 2 s of an event another highlight matched (one action told twice), split by
  whether it is the same track, another track of the same person, or someone else;
- `off by 2-5 s`: near an event but outside the tolerance (timing);
- `followed player`: the player the camera follows (who performs the events), no event near;
- `background player`: another player on the pitch;
- `no such person`: a track the truth has no person for; `no track`: no box to look up.
For the followed player and the background players it also prints what that person was doing at
the highlight's moment (the generator's motion: walk, run, a pass, a stretch...), read from the
game's plan, which the generator makes again from the game's config: which motions the classifier
takes for actions.
It prints them per class, the score distribution of true and false highlights (quantiles and the
area under the ROC curve: do scores rank right highlights first?), and for the highlight score
and the raw classifier probability it was calibrated from: the AUC, the expected calibration
error (is a score of s right s of the time?) and the best precision any floor on it reaches at
recall >= 0.90 (what a cut by score could do), beside the precision as run; then what merge did
(classifier windows accepted -> actions -> highlights).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

GT = {"detection.backend": "gt", "pose.backend": "gt"}
GT_STAGES = "ground-truth detection and pose"
MOVENET_STAGES = "MoveNet detection and pose"
TOLERANCE_S = 2.0
NEAR_S = 5.0
TARGET_RECALL = 0.90
SCORE_STEP = 1e-4  # a highlight's score is rounded to 4 places (Highlight.from_candidate)
CAUSES = ("duplicate, same track", "duplicate, same person", "duplicate, other person",
          "off by 2-5 s", "followed player", "background player", "no such person", "no track")


def frame_size(text: str) -> str:
    """A WxH frame size as argparse's type: a malformed one is refused as a usage error, not a
    traceback."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a frame size WxH such as 640x360")
    return text.lower()


def share(text: str) -> float:
    """A share from 0 to 1 as argparse's type: another is refused as a usage error, not a
    traceback."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share from 0 to 1")
    return value


WORKDIR = Path(tempfile.gettempdir()) / "highlights-bench-synthetic-game"


def add_test_game_options(parser: argparse.ArgumentParser, workdir_help: str) -> None:
    """`--workdir` and `--test-seeds`, as the benches that read this bench's test games take
    them."""
    parser.add_argument("--workdir", type=Path, default=WORKDIR, help=workdir_help)
    parser.add_argument("--test-seeds", default="202,203,204",
                        help="comma-separated seeds of the test games")


def seeds_of(text: str) -> list[int]:
    """The seeds of a comma-separated seeds option."""
    return [int(s) for s in text.split(",") if s.strip()]


def frames_kept_beside(video: Path) -> dict:
    """The detection and pose outputs `--keep-frames` kept beside `video` (NAME.frames.pkl), as a
    run's cache; empty where none were kept."""
    import pickle

    from highlights.pipeline.run import frame_outputs

    path = video.with_name(video.stem + ".frames.pkl")
    return frame_outputs(pickle.loads(path.read_bytes())) if path.is_file() else {}


def keep_frames_beside(video: Path, cache: dict) -> None:
    """A run's detection and pose outputs beside `video` (NAME.frames.pkl), as `frames_kept_beside`
    reads them back."""
    import pickle

    from highlights.atomic import atomic_write_bytes
    from highlights.pipeline.run import frame_outputs

    atomic_write_bytes(video.with_name(video.stem + ".frames.pkl"),
                       pickle.dumps(frame_outputs(cache)))


def kept_or_made(path: Path | None, make):
    """`make()`'s value, pickled at `path` and read back from there by the next run with the same
    `path`; made each time where `path` is None."""
    import pickle

    if path is not None and path.is_file():
        return pickle.loads(path.read_bytes())
    value = make()
    if path is not None:
        from highlights.atomic import atomic_write_bytes

        atomic_write_bytes(path, pickle.dumps(value))
    return value


def make_game(folder: Path, minutes: float, size: str, seed: int, name: str,
              bursts: float = 0.0) -> tuple[Path, Path]:
    from highlights.progress import progress_bar
    from highlights.synth.game import GameConfig, generate_game

    width, height = (int(v) for v in size.lower().split("x"))
    # A game with bursts is another game of the same seed: its own name keeps the one without.
    name = f"{name}_bursts{bursts:g}" if bursts else name
    cfg = GameConfig(minutes=minutes, width=width, height=height, seed=seed, name=name,
                     burst_share=bursts)
    video, annotation = folder / f"{name}.mp4", folder / f"{name}.json"
    stamp = folder / f"{name}.config.json"
    from highlights import __version__

    wanted = json.dumps({**cfg.to_dict(), "version": __version__}, sort_keys=True)
    if video.exists() and annotation.exists() and stamp.exists() and stamp.read_text() == wanted:
        return video, annotation
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(f"making {name} (seed {seed})", total=None)
        generate_game(folder, cfg, on_progress=lambda i, n: bar.update(task, completed=i, total=n))
    stamp.write_text(wanted)
    print(f"{name}: {minutes:g} min at {size}, seed {seed}, made in {time.perf_counter() - t0:.0f} "
          f"s (load {os.getloadavg()[0]:.1f})", flush=True)
    return video, annotation


def run(video: Path, annotation, overrides: dict, cache: dict):
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.evaluation import evaluate_highlights
    from highlights.pipeline.run import run_pipeline

    cfg = PipelineConfig().with_overrides(overrides)
    t0 = time.perf_counter()
    result = run_pipeline(video, cfg, annotation=annotation, cache=cache, progress=False)
    seconds = time.perf_counter() - t0
    score = evaluate_highlights(result.highlights, annotation,
                                tolerances=[TOLERANCE_S]).at(TOLERANCE_S)
    return result, score, seconds


def choose_floor(per_game: list[tuple[list, list]]) -> float:
    """The highest score floor whose recall at 2 s, pooled over the games, stays >= TARGET_RECALL
    (0 when even no floor reaches it). `per_game`: each game's highlights and events."""
    from highlights.pipeline.evaluation import score_at

    best = 0.0
    for floor in sorted({h.score for highlights, _ in per_game for h in highlights}):
        matched = events = 0
        for highlights, evs in per_game:
            sc = score_at([h for h in highlights if h.score >= floor], evs, TOLERANCE_S)
            matched, events = matched + sc.matched, events + sc.events
        if events and matched / events >= TARGET_RECALL:
            best = floor
    return float(best)


def fit_floor(games: list[tuple[Path, object, dict]], overrides: dict, calibration_path: Path
              ) -> tuple[float, tuple[int, int, int]]:
    """The highest calibrated-score floor whose recall at 2 s, pooled over the fit games
    (`(video, annotation, cache)` each), stays >= TARGET_RECALL (0 when even no floor reaches it),
    and the (matched, events, highlights) it keeps there, pooled."""
    from highlights.pipeline.evaluation import score_at

    per_game = []
    for video, annotation, cache in games:
        result, _, _ = run(video, annotation,
                           {**overrides, "merge.score_calibration": str(calibration_path)}, cache)
        per_game.append((result.highlights, list(annotation.events)))
    floor = choose_floor(per_game)
    kept = [score_at([h for h in hl if h.score >= floor], evs, TOLERANCE_S) for hl, evs in per_game]
    return floor, (sum(k.matched for k in kept), sum(k.events for k in kept),
                   sum(k.highlights for k in kept))


def fit_calibration_and_floor(games: list[tuple[Path, object, dict]], overrides: dict, path: Path
                              ) -> tuple[dict, float, dict]:
    """The fit row's procedure on the fit games pooled: the `actions` merge's score calibration
    fitted on all their highlights (`calibrate_on_games`), written to `path`, then the floor on
    the calibrated score that keeps pooled recall >= TARGET_RECALL. Returns the run's overrides
    (calibration and floor added), the floor and the calibration's fit figures (with `at_floor`:
    what the floor keeps on the fit games, pooled)."""
    from highlights.atomic import atomic_write_json
    from highlights.pipeline.calibrate import calibrate_on_games
    from highlights.pipeline.config import PipelineConfig

    actions = {**overrides, "merge.backend": "actions"}
    calibration, info = calibrate_on_games(games, PipelineConfig().with_overrides(actions),
                                           tolerance_s=TOLERANCE_S, progress=False)
    atomic_write_json(path, calibration.to_dict(), indent=2)
    floor, (matched, events, highlights) = fit_floor(games, actions, path)
    info = {**info, "at_floor": {"matched": matched, "events": events, "highlights": highlights}}
    # The floor is read off highlights' scores, which are rounded to 4 places, while merge compares
    # the unrounded score: half a step lower keeps the highlight the floor was read from.
    setting = max(0.0, floor - 0.5 * SCORE_STEP)
    return {**actions, "merge.score_calibration": str(path),
            "merge.highlight_min_score": setting}, floor, info


def fitted_there(games: str, floor: float, info: dict) -> str:
    """One line: what the calibration was fitted on and what its floor keeps on those games."""
    from highlights.pipeline.evaluation import Rate

    at = info["at_floor"]
    return (f"calibration fitted on {games}: {info['highlights']} highlights, {info['right']} "
            f"right, {at['events']} events; floor {floor:.3f} keeps there recall "
            f"{Rate(at['matched'], at['events']).reported()}, precision "
            f"{Rate(at['matched'], at['highlights']).reported()}")


def threshold_sweep(video: Path, annotation, overrides: dict, cache: dict,
                    thresholds) -> dict[float, list]:
    """The highlights of one game at each action threshold in `thresholds`, from ONE pipeline run
    at the lowest. The gate accepts a window when its action probability (1 - P(none), the score
    of the candidate it gives) reaches the threshold, and labels it by its best action class
    whatever the threshold; merge scores highlights from every window's probabilities, accepted or
    not. So the candidates merge is given at threshold t are those it is given at the lowest with
    a score >= t, and merging them again gives what a run at t gives, without decoding the game
    again for each threshold."""
    from copy import deepcopy

    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.highlight import Highlight, ranked
    from highlights.pipeline.registry import stage_class
    from highlights.pipeline.run import run_pipeline

    thresholds = sorted(float(t) for t in thresholds)
    cfg = PipelineConfig().with_overrides({**overrides,
                                           "classifier.action_threshold": thresholds[0]})
    merger = stage_class("merge", cfg.merge.backend)
    original, given = merger.merge, []

    def keep_what_merge_is_given(self, candidates):
        given.append((self, deepcopy(candidates)))
        return original(self, candidates)

    merger.merge = keep_what_merge_is_given
    try:
        result = run_pipeline(video, cfg, annotation=annotation, cache=cache, progress=False)
    finally:
        merger.merge = original
    gate = result.trace.classifier_gate
    if gate is not None and gate.get("rule") != "action_threshold":
        from highlights.errors import ConfigError

        raise ConfigError(f"{video}: the classifier decides its windows by {gate.get('rule')}, not "
                          "by an action threshold; --threshold-seeds needs a model with a `none` "
                          "class")
    stage, candidates = given[-1]
    out = {}
    for t in thresholds:
        kept = original(stage, [deepcopy(c) for c in candidates if c.score >= t])
        out[t] = [] if result.stats.get("no_person_found") else ranked([Highlight.from_candidate(c)
                                                                        for c in kept])
    return out


def choose_operating_threshold(sweeps: list[tuple[dict[float, list], list]],
                               ) -> tuple[float | None, list[tuple]]:
    """The highest threshold whose recall at 2 s, pooled over the games, stays >= TARGET_RECALL
    (None when none does), and each threshold's pooled (threshold, matched, events, highlights).
    `sweeps`: per game, its `threshold_sweep` and its events."""
    from highlights.pipeline.evaluation import score_at

    table = []
    for t in sorted(sweeps[0][0]):
        matched = events = highlights = 0
        for by_threshold, evs in sweeps:
            sc = score_at(by_threshold[t], evs, TOLERANCE_S)
            matched, events, highlights = (matched + sc.matched, events + sc.events,
                                           highlights + sc.highlights)
        table.append((t, matched, events, highlights))
    ok = [t for t, matched, events, _ in table if events and matched / events >= TARGET_RECALL]
    return (max(ok) if ok else None), table


# -- where false highlights come from -------------------------------------------------------------

def load_truth_boxes(gt_path: Path,
                     ) -> tuple[np.ndarray, list[list[tuple[object, bool, list[float]]]]]:
    """Per encoded frame of a generated game: its time and its persons as (id, actor, box)."""
    times, persons = [], []
    with open(gt_path) as f:
        for line in f:
            row = json.loads(line)
            times.append(float(row["t"]))
            persons.append([(p.get("id"),
                             bool(p.get("actor")), p["box"]) for p in row.get("persons", [])])
    return np.asarray(times), persons


def game_plan(stamp: Path) -> list:
    """The generator's plan of a game (its shots, each with its people and their motions), made
    again from the config the game was made with: `plan_game` is deterministic in its config."""
    from highlights.synth.game import GameConfig, plan_game

    config = json.loads(stamp.read_text())
    config.pop("version", None)
    shots, _, _ = plan_game(GameConfig(**config))
    return shots


def motion_at(plan: list, person_id, t: float) -> str | None:
    """The motion the generator gave person `person_id` at `t` s (None when no shot holds them)."""
    for shot in plan:
        if shot.start <= t < shot.end:
            for person in shot.people:
                if str(person.pid) == str(person_id):
                    timeline = person.timeline
                    return timeline.segments[timeline.index_at(t)].motion.name
    return None


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def who(highlight, truth) -> tuple[object, bool] | None:
    """(truth person id, is the followed player) of the track a highlight's classifier window read,
    found by its box at the time the box was taken; None when there is no box or no person fits."""
    prominence = (highlight.evidence.get("classifier") or {}).get("prominence") or {}
    box, at = prominence.get("box"), prominence.get("box_s")
    if box is None or at is None:
        return None
    times, persons = truth
    i = int(np.clip(np.searchsorted(times, float(at)), 0, len(times) - 1))
    best = max(persons[i], key=lambda p: _iou(box, p[2]), default=None)
    if best is None or _iou(box, best[2]) < 0.3:
        return ("?", False)
    return best[0], best[1]


def classify_highlights(highlights, events, truth, plan: list | None = None
                        ) -> tuple[list[bool], list[str | None], list[str | None]]:
    """Per highlight: matched at the event level; for one that did not, its cause (`CAUSES`); and
    for a false one on the followed or a background player, that person's motion at the
    highlight's moment (from `plan`, the game's plan; None without it)."""
    from highlights.pipeline.evaluation import match_key_moments

    keys = [h.moment_s for h in highlights]
    ev_keys = np.array([float(e.key_s) for e in events])
    pairs = dict(match_key_moments(keys, list(ev_keys), TOLERANCE_S))
    matched_by = {g: h for h, g in pairs.items()}
    right, causes, motions = [], [], []
    for i, h in enumerate(highlights):
        right.append(i in pairs)
        motions.append(None)
        if i in pairs:
            causes.append(None)
            continue
        person = who(h, truth)
        dist = np.abs(ev_keys - h.moment_s) if len(ev_keys) else np.zeros(0)
        found_near = [g for g in np.flatnonzero(dist <= TOLERANCE_S) if g in matched_by]
        if found_near:
            other = highlights[matched_by[found_near[0]]]
            same_track = str((h.evidence.get("classifier") or {}).get("track")) == \
                str((other.evidence.get("classifier") or {}).get("track"))
            other_person = who(other, truth)
            if same_track:
                causes.append(CAUSES[0])
            elif (person is not None and other_person is not None
                  and person[0] == other_person[0] != "?"):
                causes.append(CAUSES[1])
            else:
                causes.append(CAUSES[2])
        elif len(dist) and dist.min() <= NEAR_S:
            causes.append(CAUSES[3])
        elif person is None:
            causes.append(CAUSES[7])
        elif person[0] == "?":
            causes.append(CAUSES[6])
        else:
            causes.append(CAUSES[4] if person[1] else CAUSES[5])
            if plan is not None:
                motions[-1] = motion_at(plan, person[0], h.moment_s)
    return right, causes, motions


def best_floor(games, score=lambda h: h.score) -> tuple[float, int, int, int, int] | None:
    """Over every floor on `score` applied to all games at once: the best precision whose pooled
    recall stays >= TARGET_RECALL, as (floor, matched, events, matched highlights, highlights)."""
    from highlights.pipeline.evaluation import score_at

    floors = sorted({score(h) for highlights, _ in games for h in highlights})
    best = None
    for floor in floors:
        matched = events = kept_right = kept = 0
        for highlights, evs in games:
            kept_h = [h for h in highlights if score(h) >= floor]
            sc = score_at(kept_h, evs, TOLERANCE_S)
            matched, events, kept_right, kept = (matched + sc.matched, events + sc.events,
                                                 kept_right + sc.matched, kept + sc.highlights)
        if events and matched / events >= TARGET_RECALL and kept:
            if best is None or kept_right / kept > best[3] / best[4]:
                best = (floor, matched, events, kept_right, kept)
    return best


def print_scores(scores: dict, games) -> None:
    """The highlight score against the raw classifier probability it was calibrated from: do they
    rank right highlights first (AUC), is a score of s right s of the time (expected calibration
    error, 5 bins, with its 95% percentile bootstrap interval over the highlights), the precision of
    the run as it stands, and the best precision a floor on each reaches at pooled recall >=
    TARGET_RECALL."""
    from highlights.auc_interval import Auc
    from highlights.pipeline.evaluation import Rate
    from highlights.calibration_error import ece_reported
    from highlights.pipeline.ranking import raw_score, reliability

    calibrations = Counter((h.evidence.get("score") or {}).get("calibration", "none")
                           for highlights, _ in games for h in highlights)
    n_right, n_false = len(scores[True]), len(scores[False])
    print(f"  scores ({', '.join(f'{k}: {v}' for k, v in sorted(calibrations.items()))}; precision "
          f"as run {Rate(n_right, n_right + n_false).reported()}, no floor):")
    flags = [True] * n_right + [False] * n_false
    for name, key in (("highlight score", lambda h: float(h.score)),
                      ("raw probability", raw_score)):
        right, false = [], []
        for (highlights, _), oks in zip(games, scores["flags"]):
            for h, ok in zip(highlights, oks):
                (right if ok else false).append(key(h))
        rel = reliability(right + false, flags)
        floor = best_floor(games, key)
        best = ("no floor keeps recall >= {:.2f}".format(TARGET_RECALL) if floor is None else
                f"best floor {floor[0]:.3f}: recall {Rate(floor[1], floor[2]).reported()}, "
                f"precision {Rate(floor[3], floor[4]).reported()} (a floor chosen on these games: "
                "an upper bound)")
        area = rel["auc"]
        print(f"    {name:<16} AUC {'-' if area is None else Auc.from_dict(area).reported(3)}, ECE "
              f"{ece_reported(rel)}, {best}")


def _quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9])
    return " / ".join(f"{v:.2f}" for v in q)


def burst_second_actions(plan: list | None) -> set[str]:
    """The ids of the game's events that are a burst's second action, from its plan (none without
    a plan or bursts)."""
    return {i for shot in plan or [] for i in shot.burst_second_actions}


def misses_line(lost: Counter, lost_seconds: Counter | None) -> str:
    """The summary of the missed events, the stage that lost each; with `lost_seconds` (games with
    bursts), how many of them, in all and at each stage, are a burst's second action."""
    def of(stage: str | None = None) -> str:
        if lost_seconds is None:
            return ""
        k = sum(lost_seconds.values()) if stage is None else lost_seconds[stage]
        return f" ({k} a burst's second action)" if k or stage is None else ""

    return (f"  events missed (no highlight of any label within {TOLERANCE_S:g} s): "
            f"{sum(lost.values())}{of()}"
            + ("; stage that lost each (or shown inside another highlight): "
               + ", ".join(f"{stage} {k}{of(stage)}" for stage, k in lost.most_common()) if lost
               else ""))


def print_breakdown(name: str, per_game: list) -> None:
    """`per_game`: (result, annotation, truth, plan) of each test game under one configuration."""
    from highlights.pipeline.event_person import event_persons
    from highlights.pipeline.evaluation import STAGE_GROUP, event_level_miss, match_key_moments

    causes, by_class, scores = Counter(), defaultdict(Counter), {True: [], False: [], "flags": []}
    merge, lost, doing = Counter(), Counter(), defaultdict(Counter)
    lost_seconds = Counter()  # of `lost`, the events that are a burst's second action
    games = []
    for result, ann, truth, plan in per_game:
        events = list(ann.events)
        games.append((result.highlights, events))
        found = {g for _, g in match_key_moments([h.moment_s for h in result.highlights],
                                                 [float(e.key_s) for e in events], TOLERANCE_S)}
        seconds = burst_second_actions(plan)
        # the followed player's own triggers and windows only (by track id, or with MoveNet's
        # tracks by box): another's near it is not its evidence
        video = (result.video or {}).get("path")
        persons = event_persons(result.config, video, events, result.trace) or [None] * len(events)
        for i, event in enumerate(events):
            if i not in found:
                cause, _ = event_level_miss(event, result.highlights, result.trace, result.config,
                                            result.before_merge, TOLERANCE_S, persons[i])
                lost[STAGE_GROUP[cause]] += 1
                lost_seconds[STAGE_GROUP[cause]] += event.id in seconds
        right, why, motions = classify_highlights(result.highlights, events, truth, plan)
        scores["flags"].append(right)
        for cause, motion in zip(why, motions):
            if motion is not None:
                doing[cause][motion] += 1
        for h, ok, cause in zip(result.highlights, right, why):
            scores[ok].append(float(h.score))
            by_class[h.label]["right" if ok else "false"] += 1
            if cause:
                causes[cause] += 1
        summary = result.stats.get("merge_summary") or {}
        merge.update(accepted=sum(1 for c in result.trace.classifications if c["accepted"]),
                     windows=len(result.trace.classifications),
                     before_merge=len(result.before_merge),
                     actions=int(summary.get("actions", 0)), highlights=len(result.highlights))
    n_false = sum(causes.values())
    print(f"\n-- where the false highlights come from: {name} ({n_false} false of "
          f"{len(scores[True]) + n_false} highlights, {len(per_game)} games)")
    for cause in CAUSES:
        if causes[cause]:
            print(f"  {cause:<26} {causes[cause]:>4}  ({causes[cause] / max(1, n_false):.0%})")
            if doing[cause]:
                print("    doing: " + ", ".join(f"{m} {k}" for m, k in doing[cause].most_common()))
    print("  by label: " + ", ".join(f"{label} {c['right']} right / {c['false']} false"
                                     for label, c in sorted(by_class.items())))
    print(f"  score quantiles 10/25/50/75/90%: right {_quantiles(scores[True])} "
          f"(n={len(scores[True])}); false {_quantiles(scores[False])} (n={len(scores[False])})")
    print_scores(scores, games)
    print("    (a best floor is chosen on these games: an upper bound, not a result)")
    print(misses_line(lost, lost_seconds
                      if any(burst_second_actions(plan) for *_, plan in per_game) else None))
    print(f"  merge: {merge['windows']} classifier windows, {merge['accepted']} accepted, "
          f"{merge['before_merge']} given to merge, {merge['highlights']} highlights")


# -- rows -----------------------------------------------------------------------------------------

def pooled_row(name: str, runs: list, durations: list[float], events: list) -> list[str]:
    """One table row over several games: counts summed, footage and time summed, and the reel
    `detect` would cut (`reel_choice`: the best-ranked that fit its share of each game) with how
    many of its highlights are right (within 2 s of an event)."""
    from highlights.events.interval import covered_seconds
    from highlights.pipeline.evaluation import Rate, score_at
    from highlights.pipeline.reel_length import reel_choice

    from highlights.pipeline.evaluation import shown_in_reel

    tot = Counter()
    covered = reel = seconds = 0.0
    for (result, score, secs), duration, evs in zip(runs, durations, events):
        shown = shown_in_reel(result.highlights, evs, result.config.merge.max_length_s,
                              score.found_events, TOLERANCE_S)
        tot.update(events=score.events, highlights=score.highlights, matched=score.matched,
                   class_matched=score.class_matched, shown=len(shown.shown_events),
                   shown_unmatched=shown.unmatched)
        covered += covered_seconds((h.start_s, h.end_s) for h in result.highlights)
        choice = reel_choice(result.highlights, result.config.merge, duration)
        reel += choice.seconds
        tot.update(reel_right=score_at(list(choice.held), evs, TOLERANCE_S).matched,
                   reel_held=len(choice.held))
        seconds += secs
    rec, prec = Rate(tot["matched"], tot["events"]), Rate(tot["matched"], tot["highlights"])
    crec, cprec = (Rate(tot["class_matched"], tot["events"]),
                   Rate(tot["class_matched"], tot["highlights"]))
    return [name, str(tot["events"]), str(tot["highlights"]), rec.reported(), prec.reported(),
            crec.reported(), cprec.reported(),
            f"{Rate(tot['shown'], tot['events']).reported()}; {tot['shown_unmatched']} unmatched",
            f"{covered:.0f} s of {sum(durations):.0f} s",
            f"{reel:.0f} s; right {Rate(tot['reel_right'], tot['reel_held']).reported()}",
            f"{seconds:.0f} s", f"{os.getloadavg()[0]:.1f}"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="length of each game, in minutes")
    parser.add_argument("--size", type=frame_size, default="640x360",
                        help="frame size of the games, WxH")
    parser.add_argument("--test-seeds", default="202,203,204",
                        help="comma-separated seeds of the test games (default 202,203,204: 30 "
                             "events)")
    parser.add_argument("--fit-seed", type=int, default=101,
                        help="seed of the game the calibration and score floor are fitted on (none "
                             "made with --skip-gt)")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="where the games are kept and reused")
    parser.add_argument("--skip-movenet", action="store_true",
                        help="leave out the default config's run with MoveNet (1)")
    parser.add_argument("--skip-gt", action="store_true",
                        help="leave out the ground-truth pose runs (and the fit game only they "
                             "read)")
    parser.add_argument("--skip-fit-game", action="store_true",
                        help="leave out the run fitted on the fit game (4), and the fit game")
    parser.add_argument("--bursts", type=share, default=0.0, metavar="SHARE",
                        help="share of each game's events followed 1-3 s later by a second action "
                             "of the same sport by the same player (default 0: games without "
                             "bursts)")
    parser.add_argument("--keep-frames", action="store_true",
                        help="keep the default config's detection and pose outputs in --workdir "
                             "and reuse them")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="FLAG=VALUE",
                        help="a setting added to every run (repeatable)")
    parser.add_argument("--threshold-seeds", default="",
                        help="comma-separated seeds of held-out games on which a synthetic "
                             "operating threshold is chosen for the ground-truth run: the highest "
                             "classifier.action_threshold whose pooled recall there stays >= 0.90, "
                             "then run on the test games (none: not run)")
    parser.add_argument("--movenet-threshold", action="store_true",
                        help="with --threshold-seeds, also choose the threshold with the default "
                             "config's MoveNet stages on those games and run it on the test "
                             "games' MoveNet poses")
    parser.add_argument("--fit-seeds", default="",
                        help="comma-separated seeds of held-out games on which the fit row's "
                             "procedure (actions merge, score calibration, score floor keeping "
                             "recall >= 0.90) is fitted, pooled, then run on the test games as one "
                             "more row (none: not run)")
    return parser


def _held_out_seeds(parser: argparse.ArgumentParser, args: argparse.Namespace, seeds: list[int],
                    option: str, text: str, purpose: str, does: str) -> list[int]:
    """The seeds of a held-out games option, refused when one is a test, fit, demo or training
    game's: what is chosen or fitted on these games would be tuned on the games it is judged on."""
    from highlights.pose_classifier.game_data import HELD_OUT_GAME_SEEDS

    chosen = seeds_of(text)
    clash = sorted(set(chosen) & (set(seeds) | {args.fit_seed} | HELD_OUT_GAME_SEEDS))
    if clash:
        parser.error(f"{option} {', '.join(map(str, clash))}: a test, fit or demo game's seed; "
                     f"the {purpose} on other games")
    if any(s >= 10_000 for s in chosen):
        parser.error(f"{option}: seeds from 10000 on are the pose classifier's training and "
                     "validation games (pose_classifier.game_data.game_seed); choose lower ones")
    if chosen and args.skip_gt and not (option == "--threshold-seeds" and args.movenet_threshold):
        parser.error(f"{option} {does} for the ground-truth run, which --skip-gt leaves out")
    return chosen


def _fit_game_run(args: argparse.Namespace) -> bool:
    """Whether row (4), the one run reading the FIT game, runs."""
    return not (args.skip_gt or args.skip_fit_game)


def _parse_args(argv: list[str] | None
                ) -> tuple[argparse.Namespace, list[int], list[int], list[int]]:
    """The options, and the seeds of the test games, the threshold games and the fit games."""
    parser = _parser()
    args = parser.parse_args(argv)
    seeds = seeds_of(args.test_seeds)
    if args.fit_seed in seeds and _fit_game_run(args):
        parser.error(f"--fit-seed {args.fit_seed} is also a test seed: nothing may be fitted on a "
                     "test game")
    threshold_seeds = _held_out_seeds(parser, args, seeds, "--threshold-seeds",
                                      args.threshold_seeds, "operating threshold is chosen",
                                      "chooses a threshold")
    if args.movenet_threshold and (args.skip_movenet or not threshold_seeds):
        parser.error("--movenet-threshold chooses a threshold on the --threshold-seeds games for "
                     "the MoveNet run: it needs --threshold-seeds, without --skip-movenet")
    fit_seeds = _held_out_seeds(parser, args, seeds, "--fit-seeds", args.fit_seeds,
                                "calibration and score floor are fitted",
                                "fits a calibration and score floor")
    return args, seeds, threshold_seeds, fit_seeds


def _held_out_game(args: argparse.Namespace, seed: int):
    """A held-out game (threshold or fit seeds), made once as `heldout{seed}`: its video and
    annotation."""
    from highlights.events import load_annotation

    video, ann_path = make_game(args.workdir, args.minutes, args.size, seed, f"heldout{seed}",
                                args.bursts)
    return video, load_annotation(ann_path)


class RunsOnTestGames:
    """The test games, and every configuration run on them: its per-game lines, its pooled row,
    and (`explain`) what its false highlights come from."""

    def __init__(self, args: argparse.Namespace, seeds: list[int]):
        from highlights.events import load_annotation

        self.tests = []
        for seed in seeds:
            video, ann_path = make_game(args.workdir, args.minutes, args.size, seed, f"test{seed}",
                                        args.bursts)
            self.tests.append((seed, video, load_annotation(ann_path)))
        self.truths = {seed: load_truth_boxes(video.with_name(video.stem + ".gt.jsonl"))
                       for seed, video, _ in self.tests}
        self.plans = {seed: game_plan(video.with_name(video.stem + ".config.json"))
                      for seed, video, _ in self.tests}
        self.durations = [float(ann.duration_s or args.minutes * 60) for _, _, ann in self.tests]
        self.caches: dict[int, dict] = {seed: {} for seed in seeds}
        self.rows: list[list[str]] = []
        self.breakdowns = []

    def configuration(self, name: str, overrides: dict, cache_of=None,
                      explain: bool = False) -> None:
        from highlights.pipeline.evaluation import shown_in_reel

        cache_of = cache_of or (lambda seed: self.caches[seed])
        runs = []
        for seed, video, ann in self.tests:
            runs.append(run(video, ann, overrides, cache_of(seed)))
            result, score, secs = runs[-1]
            shown = shown_in_reel(result.highlights, list(ann.events),
                                  result.config.merge.max_length_s, score.found_events, TOLERANCE_S)
            print(f"  {name}, seed {seed}: recall {score.recall.hits}/{score.recall.total}, "
                  f"precision {score.precision.hits}/{score.precision.total}, shown "
                  f"{len(shown.shown_events)}/{shown.events} ({shown.unmatched} matched to no "
                  f"highlight), {secs:.0f} s", flush=True)
        events = [list(ann.events) for _, _, ann in self.tests]
        self.rows.append(pooled_row(name, runs, self.durations, events))
        print(" | ".join(self.rows[-1]), flush=True)
        if explain:
            self.breakdowns.append((name, [(r, ann, self.truths[seed], self.plans[seed])
                                           for (r, _, _), (seed, _, ann) in zip(runs, self.tests)]))

    def video(self, seed: int) -> Path:
        return next(video for s, video, _ in self.tests if s == seed)

    def keep_frames(self, caches_used: dict) -> None:
        """Each game's detection and pose outputs beside its video, read back on the next run."""
        for seed, cache in caches_used.items():
            keep_frames_beside(self.video(seed), cache)


def _print_config_line(default, args: argparse.Namespace, games: RunsOnTestGames, fit_ann) -> None:
    print(f"config: detection={default.detection.backend}, pose={default.pose.backend}, "
          f"classifier={default.classifier.backend}, merge={default.merge.backend}"
          + (f" ({', '.join(args.sets)})" if args.sets else " (the default)")
          + f"; tolerance {TOLERANCE_S:g} s; test games seeds "
          + ", ".join(f"{seed} ({len(ann.events)} events)" for seed, _, ann in games.tests)
          + (f"; fit game seed {args.fit_seed} ({len(fit_ann.events)} events)" if fit_ann else "")
          + (f"; bursts after {args.bursts:.0%} of the events" if args.bursts else ""), flush=True)


def _operating_threshold_row(games: RunsOnTestGames, args: argparse.Namespace, overrides: dict,
                             threshold_seeds: list[int], stages: str = GT_STAGES,
                             cache_of=None) -> None:
    """(5): the threshold chosen on the threshold games (each swept once), then its row on the
    test games. With MoveNet's `stages`, `cache_of(seed)` holds each test game's frames, and each
    held-out game's are read from and kept beside it with --keep-frames."""
    from highlights.pipeline.evaluation import Rate
    from highlights.pose_classifier.action_gate import THRESHOLDS

    sweeps = []
    for seed in threshold_seeds:
        video, ann = _held_out_game(args, seed)
        t0 = time.perf_counter()
        keep = args.keep_frames and stages != GT_STAGES
        cache = frames_kept_beside(video) if keep else {}
        sweeps.append((threshold_sweep(video, ann, overrides, cache, THRESHOLDS), list(ann.events)))
        if keep:
            keep_frames_beside(video, cache)
        print(f"  threshold game seed {seed}: {len(ann.events)} events, swept in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    chosen, table = choose_operating_threshold(sweeps)
    print(f"synthetic operating threshold, {stages}, on seeds "
          f"{', '.join(map(str, threshold_seeds))} (pooled; recall at {TOLERANCE_S:g} s):")
    for t, matched, events, highlights in table:
        print(f"  {t:.2f}: recall {Rate(matched, events).reported()}, precision "
              f"{Rate(matched, highlights).reported()}" + ("  <- chosen" if t == chosen else ""))
    if chosen is None:
        print(f"  no threshold keeps recall >= {TARGET_RECALL:.2f} there", flush=True)
    else:
        games.configuration(f"  ... classifier.action_threshold={chosen:g} (chosen on seeds "
                            f"{', '.join(map(str, threshold_seeds))}, {stages})",
                            {**overrides, "classifier.action_threshold": chosen},
                            cache_of=cache_of, explain=True)


def _ground_truth_rows(games: RunsOnTestGames, args: argparse.Namespace, extra: dict, default,
                       fit_video, fit_ann, threshold_seeds: list[int],
                       fit_seeds: list[int]) -> dict | None:
    """(2)-(6), with ground-truth detection and pose; returns what the calibration fitted on the
    FIT game says of itself (None with --skip-fit-game)."""
    gt = {**extra, **GT}
    games.configuration(GT_STAGES, gt, explain=True)
    if threshold_seeds:
        _operating_threshold_row(games, args, gt, threshold_seeds)
    other_merge = "actions" if default.merge.backend != "actions" else "temporal_nms"
    games.configuration(f"  ... with merge.backend={other_merge}",
                        {**gt, "merge.backend": other_merge})

    info = None
    if _fit_game_run(args):
        fitted, floor, info = fit_calibration_and_floor([(fit_video, fit_ann, {})], gt,
                                                        args.workdir / "calibration_fit_game.json")
        print(fitted_there(f"seed {args.fit_seed}", floor, info), flush=True)
        games.configuration(f"  ... actions merge, calibrated, score floor {floor:.3f} (both "
                            f"fitted on seed {args.fit_seed})", fitted)
    if fit_seeds:
        held_out = [(*_held_out_game(args, seed), {}) for seed in fit_seeds]
        pooled_fit, pooled_floor, pooled_info = fit_calibration_and_floor(
            held_out, gt, args.workdir / "calibration_fit_seeds.json")
        named = ", ".join(map(str, fit_seeds))
        print(fitted_there(f"seeds {named} (pooled)", pooled_floor, pooled_info), flush=True)
        games.configuration(f"  ... actions merge, calibrated, score floor {pooled_floor:.3f} "
                            f"(both fitted on seeds {named} pooled)", pooled_fit, explain=True)
    return info


def _print_summary(games: RunsOnTestGames, info: dict | None, fit_seed: int) -> None:
    from highlights.calibration_error import ece_reported
    from highlights.markdown_table import markdown_table

    for name, per_game in games.breakdowns:
        print_breakdown(name, per_game)

    print()
    print(markdown_table(["run", "events", "highlights", "recall @2 s [95%]",
                          "precision @2 s [95%]", "class recall [95%]", "class precision [95%]",
                          "shown recall [95%]; shown, matched to no highlight", "highlights cover",
                          "reel (as detect cuts it) [95%]", "pipeline time",
                          "load (1 min)"], games.rows))
    if info is not None:
        print(f"\ncalibration fitted on seed {fit_seed}: {info['highlights']} highlights, "
              f"{info['right']} right; ECE raw {ece_reported(info['reliability_raw'])}, fitted "
              f"{ece_reported(info['reliability_fitted_in_sample'])} (in sample; 95% intervals: "
              "bootstrap over highlights)")
    print(f"target: precision >= 0.70 at recall >= 0.90 at {TOLERANCE_S:g} s with the default "
          f"config, pooled over the test games")


def synthetic_overrides(sets: dict) -> dict:
    """The `--set` flags over the packaged score calibration: it was fitted and judged on
    synthetic games, so their figures are measured with it (`detect`'s default, none, was chosen
    on real footage); `--set merge.score_calibration=...` still replaces it."""
    return {"merge.score_calibration": "default", **sets}


def main(argv: list[str] | None = None) -> int:
    args, seeds, threshold_seeds, fit_seeds = _parse_args(argv)
    from highlights.events import load_annotation
    from highlights.pipeline.config import PipelineConfig, parse_assignments

    extra = synthetic_overrides(parse_assignments(args.sets))
    args.workdir.mkdir(parents=True, exist_ok=True)
    games = RunsOnTestGames(args, seeds)
    fit_video = fit_ann = None
    if _fit_game_run(args):
        fit_video, fit_ann_path = make_game(args.workdir, args.minutes, args.size, args.fit_seed,
                                             f"fit{args.fit_seed}", args.bursts)
        fit_ann = load_annotation(fit_ann_path)
    default = PipelineConfig().with_overrides(extra)
    _print_config_line(default, args, games, fit_ann)

    if not args.skip_movenet:
        movenet_caches = {seed: frames_kept_beside(games.video(seed)) if args.keep_frames else {}
                          for seed in seeds}
        games.configuration("default config", extra, cache_of=lambda seed: movenet_caches[seed],
                            explain=True)
        if args.movenet_threshold:
            _operating_threshold_row(games, args, extra, threshold_seeds, MOVENET_STAGES,
                                     cache_of=lambda seed: movenet_caches[seed])
        if args.keep_frames:
            games.keep_frames(movenet_caches)
    info = None
    if not args.skip_gt:
        info = _ground_truth_rows(games, args, extra, default, fit_video, fit_ann, threshold_seeds,
                                  fit_seeds)
    _print_summary(games, info, args.fit_seed)
    return 0

if __name__ == "__main__":
    run_script(main)
