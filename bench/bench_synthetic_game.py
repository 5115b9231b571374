"""Few and right highlights on a whole synthetic game: recall, precision, highlights and reel length.

    python bench/bench_synthetic_game.py [--minutes 5] [--size 640x360] [--test-seed 202]
                                         [--fit-seed 101] [--workdir DIR] [--skip-movenet]

Makes (once, reused from --workdir) two games with the project's generator
(`highlights.synth.generate_game`: shots and camera cuts, several players, active background play
such as sprints, passes, pitching and juggling, two highlight events a minute): the TEST game
(--test-seed), on which nothing was fitted, tuned or calibrated, and the FIT game (--fit-seed),
the only one a calibration or score floor is fitted on.

Runs on the test game, each printed with recall and precision at 2 s (one-to-one matching of key
moments, class level and event level), the number of highlights, the reel length and the
pipeline's seconds beside the 1-minute load average:
1. the DEFAULT config, exactly as `highlights detect` runs it (MoveNet detection and pose, the
   packaged pose classifier, the default merge);
2. the same with ground-truth detection and pose (the generator's boxes and keypoints): what the
   classifier and merge do given perfect pose;
3. (2) with the other merge (`temporal_nms` or `actions`, whichever is not the default);
4. (2) with the `actions` merge, a score calibration and a score floor fitted on the FIT game
   (`pipeline calibrate`; the floor is the highest whose recall on the FIT game stays >= 0.90).
--skip-movenet leaves out (1) where a quick figure is wanted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

GT = {"detection.backend": "gt", "pose.backend": "gt"}
TOLERANCE_S = 2.0
TARGET_RECALL = 0.90


def make_game(folder: Path, minutes: float, size: str, seed: int, name: str) -> tuple[Path, Path]:
    from highlights.progress import progress_bar
    from highlights.synth.game import GameConfig, generate_game

    width, height = (int(v) for v in size.lower().split("x"))
    cfg = GameConfig(minutes=minutes, width=width, height=height, seed=seed, name=name)
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
    print(f"{name}: {minutes:g} min at {size}, seed {seed}, made in {time.perf_counter() - t0:.0f} s "
          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return video, annotation


def run(video: Path, annotation, overrides: dict, cache: dict):
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.evaluation import evaluate_highlights
    from highlights.pipeline.run import run_pipeline

    cfg = PipelineConfig().with_overrides(overrides)
    t0 = time.perf_counter()
    result = run_pipeline(video, cfg, annotation=annotation, cache=cache, progress=False)
    seconds = time.perf_counter() - t0
    score = evaluate_highlights(result.highlights, annotation, tolerances=[TOLERANCE_S]).at(TOLERANCE_S)
    return result, score, seconds


def fit_floor(video: Path, annotation, overrides: dict, calibration_path: Path, cache: dict) -> float:
    """The highest calibrated-score floor whose recall at 2 s on the fit game stays >= TARGET_RECALL
    (0 when even no floor reaches it)."""
    from highlights.pipeline.evaluation import evaluate_highlights

    result, _, _ = run(video, annotation, {**overrides, "merge.score_calibration": str(calibration_path)}, cache)
    best = 0.0
    for floor in sorted({h.score for h in result.highlights}):
        kept = [h for h in result.highlights if h.score >= floor]
        recall = evaluate_highlights(kept, annotation, tolerances=[TOLERANCE_S]).at(TOLERANCE_S).recall
        if recall.total and recall.hits / recall.total >= TARGET_RECALL:
            best = floor
    return float(best)


def row(name: str, result, score, seconds: float) -> list[str]:
    from highlights.events.interval import covered_seconds

    reel = covered_seconds((h.start_s, h.end_s) for h in result.highlights)
    return [name, str(score.events), str(score.highlights), f"{score.recall.text()} ({score.recall.hits}/{score.recall.total})",
            f"{score.precision.text()} ({score.precision.hits}/{score.precision.total})",
            f"{score.class_recall.text()}", f"{score.class_precision.text()}",
            f"{reel:.0f} s of {result.video['duration_s']:.0f} s", f"{seconds:.0f} s", f"{os.getloadavg()[0]:.1f}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--test-seed", type=int, default=202)
    parser.add_argument("--fit-seed", type=int, default=101)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "highlights-bench-synthetic-game")
    parser.add_argument("--skip-movenet", action="store_true")
    args = parser.parse_args(argv)

    from highlights.events import load_annotation
    from highlights.pipeline.calibrate import calibrate_on_game
    from highlights.pipeline.config import PipelineConfig
    from highlights.atomic import atomic_write_json

    args.workdir.mkdir(parents=True, exist_ok=True)
    test_video, test_ann_path = make_game(args.workdir, args.minutes, args.size, args.test_seed, "test")
    fit_video, fit_ann_path = make_game(args.workdir, args.minutes, args.size, args.fit_seed, "fit")
    test_ann, fit_ann = load_annotation(test_ann_path), load_annotation(fit_ann_path)
    default = PipelineConfig()
    print(f"default config: detection={default.detection.backend}, pose={default.pose.backend}, "
          f"classifier={default.classifier.backend}, merge={default.merge.backend}; tolerance {TOLERANCE_S:g} s; "
          f"test game seed {args.test_seed} ({len(test_ann.events)} events), fit game seed {args.fit_seed} "
          f"({len(fit_ann.events)} events)", flush=True)

    rows = []
    test_cache: dict = {}
    fit_cache: dict = {}
    if not args.skip_movenet:
        rows.append(row("default config", *run(test_video, test_ann, {}, {})))
        print(" | ".join(rows[-1]), flush=True)
    rows.append(row("ground-truth detection and pose", *run(test_video, test_ann, GT, test_cache)))
    print(" | ".join(rows[-1]), flush=True)
    other_merge = "actions" if default.merge.backend != "actions" else "temporal_nms"
    rows.append(row(f"  ... with merge.backend={other_merge}", *run(test_video, test_ann,
                                                                  {**GT, "merge.backend": other_merge}, test_cache)))
    print(" | ".join(rows[-1]), flush=True)

    gt_actions = {**GT, "merge.backend": "actions"}
    calibration, info = calibrate_on_game(fit_video, fit_ann, PipelineConfig().with_overrides(gt_actions),
                                          tolerance_s=TOLERANCE_S, progress=False, cache=fit_cache)
    calibration_path = atomic_write_json(args.workdir / "calibration_fit_game.json", calibration.to_dict(), indent=2)
    floor = fit_floor(fit_video, fit_ann, gt_actions, calibration_path, fit_cache)
    fitted = {**gt_actions, "merge.score_calibration": str(calibration_path), "merge.highlight_min_score": floor}
    rows.append(row(f"  ... actions merge, calibrated, score floor {floor:.3f} (both fitted on seed {args.fit_seed})",
                    *run(test_video, test_ann, fitted, test_cache)))
    print(" | ".join(rows[-1]), flush=True)

    from highlights.markdown_table import markdown_table

    print()
    print(markdown_table(["run", "events", "highlights", "recall @2 s", "precision @2 s", "class recall",
                          "class precision", "reel", "pipeline time", "load (1 min)"], rows))
    print(f"\ncalibration fitted on seed {args.fit_seed}: {info['highlights']} highlights, {info['right']} right; "
          f"ECE raw {info['reliability_raw']['ece']}, fitted {info['reliability_fitted_in_sample']['ece']} (in sample)")
    print(f"target: precision >= 0.70 at recall >= 0.90 at {TOLERANCE_S:g} s with the default config")
    return 0


if __name__ == "__main__":
    sys.exit(main())
