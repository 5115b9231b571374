"""`--sport auto` on the synthetic test games: the sport each game reads, and what it does to the
labels.

    python bench/bench_sport_auto.py [--minutes 5] [--size 640x360] [--test-seeds 202,203,204]
                                     [--workdir DIR] [--set FLAG=VALUE ...]

The test games of `bench_synthetic_game.py` (made once, reused from the same --workdir) hold
several sports each. Each is run with the generator's detection and pose and the packaged pose
classifier, once as it is and once with `classifier.sport=auto` (the second reuses the first's
window probabilities). Printed per game: the annotated events per sport, the line the auto run
says, and for each run the events found at 2 s and those found with their own class, with n.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_synthetic_game import (  # noqa: E402
    TOLERANCE_S, add_test_game_options, make_game, seeds_of,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="length of each game, in minutes")
    parser.add_argument("--size", default="640x360", help="frame size of the games, WxH")
    add_test_game_options(parser, "where the games are kept and reused (the synthetic-game bench's "
                                  "by default)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="FLAG=VALUE",
                        help="a pipeline setting for both runs, as `highlights detect --set` takes "
                             "it (repeatable)")
    args = parser.parse_args()

    from highlights.events import load_annotation
    from highlights.pipeline.config import PipelineConfig, parse_assignments
    from highlights.pipeline.evaluation import score_at
    from highlights.pipeline.run import run_pipeline
    from highlights.pipeline.sport_vote import reading_line

    base = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                            **parse_assignments(args.sets)})
    totals: Counter = Counter()
    for seed in seeds_of(args.test_seeds):
        video, ann_path = make_game(args.workdir, args.minutes, args.size, seed, f"test{seed}")
        ann = load_annotation(ann_path)
        events = list(ann.events)
        per_sport = Counter(e.sport for e in events)
        print(f"test{seed}: {len(events)} events ("
              + ", ".join(f"{s} {n}" for s, n in per_sport.most_common()) + ")", flush=True)
        cache: dict = {}
        for name, cfg in (("as it is", base),
                          ("sport auto", base.with_overrides({"classifier.sport": "auto"}))):
            result = run_pipeline(video, cfg, annotation=ann, cache=cache, progress=False)
            sc = score_at(result.highlights, events, TOLERANCE_S)
            labels = Counter(h.sport for h in result.highlights)
            totals.update({f"{name} found": sc.matched,
                           f"{name} class": sc.class_matched, "events": sc.events}
                          if name == "as it is" else {f"{name} found": sc.matched,
                                                      f"{name} class": sc.class_matched})
            print(f"  {name:<10} found {sc.matched}/{sc.events}, right class "
                  f"{sc.class_matched}/{sc.events}, {len(result.highlights)} highlights ("
                  + ", ".join(f"{s} {n}" for s, n in labels.most_common())
                  + ")", flush=True)
            if "sport_read" in result.stats:
                print(f"  {reading_line(result.stats['sport_read'])}", flush=True)
    n = totals["events"]
    for name in ("as it is", "sport auto"):
        print(f"pooled {name:<10}: found {totals[f'{name} found']}/{n}, right class "
              f"{totals[f'{name} class']}/{n}")


if __name__ == "__main__":
    main()
