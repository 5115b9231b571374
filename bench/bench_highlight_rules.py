"""What the default run's false highlights on whole synthetic games are, and whether a rule over a
track's or the game's highlights, chosen on held-out games, lifts the test games' precision.

    python bench/bench_highlight_rules.py [--workdir DIR] [--test-seeds 202,203,204]
                                          [--held-out-seeds 301,302,...] [--keep PREFIX]

Runs the default config as `bench_synthetic_game.py` runs it (MoveNet detection and pose, the
packaged pose model, the default merge, scored by the packaged calibration) on that bench's test
games and held-out games (`test{seed}`, `heldout{seed}` in --workdir, made there once; MoveNet's
frames read back where `bench_synthetic_game.py --keep-frames` left them). It prints:

- the test games' false highlights by cause, and those on a player with no event near by what the
  generator had him doing, the trigger kind and the class called; the box height of right and
  false ones; how many false ones share one track;
- per rule, the setting chosen on the held-out games (the highest precision whose pooled recall
  there stays >= 0.90; none where no setting keeps it) and what it leaves of the test games'
  highlights: found events and precision, with 95% intervals.

The rules, read off each run's highlights (in the pipeline a dropped highlight might let another
window through):
- a floor on the action probability p (1 - P(none)), or on the highlight's score;
- `own track N s`: a highlight is kept only where no other highlight of the same track within N s
  of its key moment has a higher p (an action is one burst on its player's track; a walk's false
  highlights come every few seconds on one track);
- `any track N s`: the same against every track (one action in N s of the game);
- `trigger fits class`: the trigger's kind is one the called class's sport makes
  (`ranking.SPORT_TRIGGERS`);
- each N-seconds rule followed by a floor on p, both chosen together on the held-out games.

--keep PREFIX keeps each game's highlights in PREFIX.NAME.pkl and reads them back.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from highlights.cli.boundary import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_synthetic_game as game_bench  # noqa: E402

SECONDS = (1.5, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0)
HELD_OUT_SEEDS = "301,302,303,304,305,306,307,308"


def highlight_rows(video: Path, annotation) -> dict:
    """The default run's highlights of one game, each as the fields the rules and the breakdown
    read, and the game's event key moments."""
    cache = game_bench.frames_kept_beside(video)
    result, _, _ = game_bench.run(video, annotation, game_bench.synthetic_overrides({}), cache)
    if not game_bench.frames_kept_beside(video):
        game_bench.keep_frames_beside(video, cache)
    truth = game_bench.load_truth_boxes(video.with_name(video.stem + ".gt.jsonl"))
    plan = game_bench.game_plan(video.with_name(video.stem + ".config.json"))
    events = list(annotation.events)
    right, causes, motions = game_bench.classify_highlights(result.highlights, events, truth, plan)
    rows = []
    for h, ok, cause, motion in zip(result.highlights, right, causes, motions):
        classifier = h.evidence.get("classifier") or {}
        probs = classifier.get("probs") or {}
        box = (classifier.get("prominence") or {}).get("box")
        rows.append({"key": h.moment_s, "label": h.label, "score": h.score,
                     "p": 1.0 - probs["none"] if "none" in probs else h.score,
                     "track": str(classifier.get("track")),
                     "trigger": (h.evidence.get("kinematics") or {}).get("trigger"),
                     "box_height": None if box is None else box[3] - box[1],
                     "right": ok, "cause": cause, "motion": motion})
    return {"highlights": rows, "events": [float(e.key_s) for e in events]}


def best_within(rows: list[dict], seconds: float, own_track: bool) -> list[bool]:
    """Per highlight: no other within `seconds` of its key moment (on its own track, or on any)
    has a higher p; of equal ones the earlier stays."""
    def beats(o: dict, h: dict) -> bool:
        return (o["p"], -o["key"]) > (h["p"], -h["key"])

    return [not any(o is not h and abs(o["key"] - h["key"]) <= seconds and beats(o, h)
                    and (not own_track or o["track"] == h["track"]) for o in rows)
            for h in rows]


def fits_class(row: dict) -> bool:
    """The trigger's kind is one the called class's sport makes (a highlight with no trigger
    passes)."""
    from highlights.pipeline.ranking import SPORT_TRIGGERS
    from highlights.vocabulary import sport_of

    kinds = SPORT_TRIGGERS.get(sport_of(row["label"]))
    return row["trigger"] is None or kinds is None or row["trigger"] in kinds


def counts(games: list[dict], keep) -> tuple[int, int, int]:
    """(events found, events, highlights) of the highlights `keep(rows)` marks, matched one to one
    within 2 s as the synthetic-game bench matches them."""
    from highlights.pipeline.evaluation import match_key_moments

    found = events = kept = 0
    for game in games:
        rows = [h for h, k in zip(game["highlights"], keep(game["highlights"])) if k]
        found += len(match_key_moments([h["key"] for h in rows], game["events"],
                                       game_bench.TOLERANCE_S))
        events += len(game["events"])
        kept += len(rows)
    return found, events, kept


def rules(held_out: list[dict]) -> dict:
    """Each rule's name, its settings, and the rule given a setting: rows -> kept flags."""
    def floor(field, seconds=None, own=True):
        def rule(value):
            def keep(rows):
                near = best_within(rows, seconds, own) if seconds else [True] * len(rows)
                return [n and h[field] >= value for h, n in zip(rows, near)]
            return keep
        return rule

    floors = sorted({round(h["p"], 4) for g in held_out for h in g["highlights"]})
    scores = sorted({h["score"] for g in held_out for h in g["highlights"]})
    out = {"floor on p": (floors, floor("p")), "floor on the score": (scores, floor("score")),
           "trigger fits class": ([None], lambda _: lambda rows: [fits_class(h) for h in rows])}
    for own in (True, False):
        name = "own track" if own else "any track"
        out[f"{name} N s"] = (SECONDS, lambda s, own=own: lambda rows: best_within(rows, s, own))
        for s in (2.0, 3.0, 5.0):
            out[f"{name} {s:g} s, then a floor on p"] = (floors, floor("p", s, own))
    return out


def choose(held_out: list[dict], settings, rule):
    """The setting with the highest pooled precision on the held-out games whose pooled recall
    stays >= 0.90 there, with its counts; None where none keeps it."""
    best = None
    for value in settings:
        found, events, kept = counts(held_out, rule(value))
        if kept and found >= game_bench.TARGET_RECALL * events and (
                best is None or found * best[1][2] > best[1][0] * kept):
            best = (value, (found, events, kept))
    return best


def figures(found: int, events: int, kept: int) -> str:
    from highlights.pipeline.evaluation import Rate

    return f"{Rate(found, events).reported()} at {Rate(found, kept).reported()}"


def print_rules(held_out: list[dict], test: list[dict]) -> None:
    print(f"\n-- rules chosen on {len(held_out)} held-out games, read on {len(test)} test games "
          "(found events; precision)")
    print(f"  as run: held-out {figures(*counts(held_out, lambda r: [True] * len(r)))}; "
          f"test {figures(*counts(test, lambda r: [True] * len(r)))}")
    for name, (settings, rule) in rules(held_out).items():
        best = choose(held_out, settings, rule)
        if best is None:
            print(f"  {name}: no setting keeps 90% of the held-out games' events")
            continue
        value, there = best
        setting = "" if value is None else f" (chosen: {value:g})"
        print(f"  {name}{setting}: held-out {figures(*there)}; "
              f"test {figures(*counts(test, rule(value)))}")


def print_sweep(held_out: list[dict], test: list[dict]) -> None:
    """Every reach of the N-seconds rules, on both sets: the whole curve the choice was made on."""
    print("\n-- each reach N, own track and any track (held-out; test)")
    for seconds in SECONDS:
        parts = []
        for own in (True, False):
            keep = lambda rows: best_within(rows, seconds, own)  # noqa: E731
            parts.append(f"{'own' if own else 'any'} track {_short(counts(held_out, keep))}; "
                         f"{_short(counts(test, keep))}")
        print(f"  {seconds:g} s: " + " | ".join(parts))


def _short(c: tuple[int, int, int]) -> str:
    return f"{c[0]}/{c[1]} at {c[0]}/{c[2]}"


def print_breakdown(test: list[dict]) -> None:
    rows = [h for game in test for h in game["highlights"]]
    false = [h for h in rows if not h["right"]]
    print(f"\n-- the test games' highlights: {len(rows)}, {len(rows) - len(false)} right")
    print("  false, by cause: " + ", ".join(f"{c} {n}" for c, n in
                                           Counter(h["cause"] for h in false).most_common()))
    for cause in ("followed player", "background player"):
        of = [h for h in false if h["cause"] == cause]
        for what in ("motion", "trigger", "label"):
            print(f"  {cause}, by {what}: " + ", ".join(
                f"{k} {n}" for k, n in Counter(str(h[what]) for h in of).most_common()))
        print(f"  {cause}, by motion and trigger: " + ", ".join(
            f"{m}/{t} {n}" for (m, t), n in Counter((h["motion"], h["trigger"])
                                                    for h in of).most_common(8)))
    for name, of in (("right", [h for h in rows if h["right"]]), ("false", false)):
        heights = sorted(h["box_height"] for h in of if h["box_height"] is not None)
        if heights:
            print(f"  box height of the {name} ones, px: quartiles "
                  f"{heights[len(heights) // 4]:.0f}, {heights[len(heights) // 2]:.0f}, "
                  f"{heights[3 * len(heights) // 4]:.0f} (n={len(heights)})")
    per_track = Counter((i, h["track"]) for i, g in enumerate(test) for h in g["highlights"]
                        if not h["right"])
    print(f"  false ones per track: {len(per_track)} tracks; " + ", ".join(
        f"{n} on {k}" for n, k in sorted(Counter(per_track.values()).items())))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    game_bench.add_test_game_options(
        parser, "the synthetic-game bench's folder: its games, and its kept frames where present")
    parser.add_argument("--held-out-seeds", default=HELD_OUT_SEEDS,
                        help="the games each rule's setting is chosen on")
    parser.add_argument("--keep", type=Path, default=None,
                        help="a file name prefix each game's highlights are kept at and read "
                             "back from")
    return parser.parse_args(argv)


def games_of(args: argparse.Namespace, seeds: list[int], prefix: str) -> list[dict]:
    from highlights.events import load_annotation

    out = []
    for seed in seeds:
        name = f"{prefix}{seed}"
        # The synthetic-game bench's defaults: 5 minutes at 640x360.
        video, annotation = game_bench.make_game(args.workdir, 5.0, "640x360", seed, name)
        keep = args.keep.with_name(f"{args.keep.name}.{name}.pkl") if args.keep else None
        out.append(game_bench.kept_or_made(
            keep, lambda: highlight_rows(video, load_annotation(annotation))))
    return out


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    test = games_of(args, game_bench.seeds_of(args.test_seeds), "test")
    held_out = games_of(args, game_bench.seeds_of(args.held_out_seeds), "heldout")
    print_breakdown(test)
    print_rules(held_out, test)
    print_sweep(held_out, test)
    return 0


if __name__ == "__main__":
    run_script(main)
