"""Would a second pose estimate on the classifier's windows place the limbs better than MoveNet?

    python bench/bench_pose_refine.py [--workdir /tmp/highlights-bench-synthetic-game]
                                      [--test-seeds 202,203,204] [--margins 0.25,0.4]

Reads the synthetic test games that `bench/bench_synthetic_game.py --keep-frames` made and kept in
--workdir (the videos, the generator's per-frame truth and the default config's MoveNet detection
and pose outputs), runs the default pipeline on them again from those outputs, and takes the 2 s
classifier windows of three groups of highlights: the right ones, and the false ones on the filmed
player while the generator had him walking, or running or jogging. For each window it sets these
estimates of the window's track beside the generator's keypoints of the same person:
- the generator's keypoints themselves (the figures with no error);
- MoveNet's, as the pipeline read them;
- MediaPipe BlazePose (legacy `mp.solutions.pose`, the `full` model that the wheel carries,
  tracking across the window's frames in order: `pose_refine.blazepose_on_crops`, which
  `pose.refine=blazepose` runs) on a square crop around the MoveNet track's box, widened by each
  --margins share, cut from the analysis frame (320x180, what the frame stages see) or from the
  video's own frame (640x360).
Per group and estimate it prints: how often the ankles are the wrong way round (frames where both
are seen and the true ones lie more than 0.1 body height apart), the median distance of the
wrists and ankles from the truth in body heights (bh, the truth's height) and how often they are
seen (score >= pose.min_visibility), the window's fastest ankle and wrist as the kinematic trigger
measures them (bh/s relative to the body's centre, each estimate scaled by its own height, as the
trigger is) with the share above the trigger's thresholds, and the share of windows where the
default kinematic triggers fire at all. Then BlazePose's time per crop on this machine.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_synthetic_game import (add_test_game_options, classify_highlights, game_plan,
                                  load_truth_boxes,  # noqa: E402
                                  seeds_of, who)

L_WRIST, R_WRIST, L_ANKLE, R_ANKLE = 9, 10, 15, 16
APART_BH = 0.1  # true ankles closer than this: which is which cannot be told
GROUPS = ("right highlight", "filmed player walking", "filmed player running or jogging")


def group_of(right: bool, cause: str | None, motion: str | None) -> str | None:
    if right:
        return GROUPS[0]
    if cause != "followed player" or motion is None:
        return None
    name = motion.lower()
    if "walk" in name:
        return GROUPS[1]
    if "run" in name or "jog" in name or "sprint" in name:
        return GROUPS[2]
    return None


def pose_outputs(cache: dict) -> dict[int, list]:
    """Analysis frame index -> the pose stage's persons (with MoveNet's keypoints)."""
    out = {}
    for key, value in cache.items():
        if key[0] == "frame" and "pose_ok" in value:
            out[key[2]] = value["persons"] or []
    return out


def decoded(video: Path, indices: set[int],
            short_side: int | None) -> dict[int, tuple[float, np.ndarray]]:
    """(time, rgb) of the analysis frames `indices` (10 fps), at the analysis size or the
    video's."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.video import iter_frames

    a = PipelineConfig().analysis
    out = {}
    last = max(indices, default=-1)
    for i, frame in enumerate(iter_frames(video, target_fps=a.fps, max_short_side=short_side,
                                          interpolation=a.interpolation)):
        if i in indices:
            out[i] = (float(frame.time_s), frame.rgb)
        if i >= last:
            break
    return out


def analysis_times(video: Path) -> list[float]:
    """The time of each analysis frame (10 fps), in the stream's order (its index)."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.video import iter_frames

    a = PipelineConfig().analysis
    return [float(f.time_s) for f in iter_frames(video, target_fps=a.fps,
                                                 max_short_side=a.short_side,
                                                 interpolation=a.interpolation)]


def truth_keypoints(gt_rows: list[dict], gt_times: np.ndarray, t: float,
                    person_id) -> np.ndarray | None:
    row = gt_rows[int(np.argmin(np.abs(gt_times - t)))]
    for p in row.get("persons", []):
        if str(p.get("id")) == str(person_id) and p.get("keypoints"):
            kp = np.asarray(p["keypoints"], dtype=np.float64).reshape(-1, 3).copy()
            kp[kp[:, 2] <= 0, :2] = np.nan
            return kp[:, :2]
    return None


def blazepose_window(frames: list[tuple[np.ndarray, tuple]], scale: float, margin: float,
                     timing: list[float]) -> list[np.ndarray | None]:
    """`highlights.pipeline.pose_refine.blazepose_on_crops` over one window's frames (boxes in
    source pixels; `scale` takes them to the frames'), keypoints back in source pixels."""
    from highlights.pipeline.pose_refine import blazepose_on_crops

    t0 = time.perf_counter()
    kps = blazepose_on_crops([(rgb, tuple(v * scale for v in box)) for rgb, box in frames], margin)
    timing.append((time.perf_counter() - t0) / max(1, len(frames)))
    out = []
    for kp in kps:
        if kp is not None:
            kp = kp.astype(np.float64)
            kp[:, :2] /= scale
        out.append(kp)
    return out


class Tally:
    """One estimate's figures over one group of windows."""

    def __init__(self) -> None:
        self.windows = self.frames = self.swap_frames = self.swapped = 0
        self.err: dict[str, list[float]] = defaultdict(list)
        self.seen = Counter()
        self.fastest: dict[str, list[float]] = defaultdict(list)
        self.fired = 0

    def add(self, times: np.ndarray, est: np.ndarray, truth: np.ndarray, kin) -> None:
        """`est` (T, 17, 3) with NaN x/y where unseen; `truth` (T, 17, 2)."""
        from highlights.pipeline.kinematics import body_height, find_triggers, trigger_signals

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            bh = float(np.nanmedian([body_height(np.c_[t, np.ones(17)], None) for t in truth]))
        self.windows += 1
        self.frames += len(times)
        for joints, name in (((L_WRIST, R_WRIST), "wrist"), ((L_ANKLE, R_ANKLE), "ankle")):
            for j in joints:
                d = np.linalg.norm(est[:, j, :2] - truth[:, j], axis=1) / bh
                self.err[name] += list(d[~np.isnan(d)])
                self.seen[name] += int((~np.isnan(est[:, j, 0])).sum())
                self.seen[name + " truth"] += int((~np.isnan(truth[:, j, 0])).sum())
        el, er, tl, tr = (est[:, L_ANKLE, :2], est[:, R_ANKLE, :2], truth[:, L_ANKLE],
                          truth[:, R_ANKLE])
        dist = lambda a, b: np.linalg.norm(a - b, axis=1)  # noqa: E731
        ok = ~np.isnan(dist(el, er)) & ~np.isnan(dist(tl, tr)) & (dist(tl, tr) > APART_BH * bh)
        self.swap_frames += int(ok.sum())
        self.swapped += int((ok & (dist(el, tr) + dist(er, tl)
                                   < dist(el, tl) + dist(er, tr))).sum())
        seen = ~np.all(np.isnan(est[:, :, 0]), axis=1)
        if seen.sum() < 3:
            self.fastest["ankle"].append(np.nan)
            self.fastest["wrist"].append(np.nan)
            return
        t, kp = times[seen], est[seen]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            height = float(np.median([body_height(k, None) for k in kp]))
            signals = trigger_signals(t, kp, scale=height)
            for name in ("ankle", "wrist"):
                self.fastest[name].append(float(np.nanmax(signals[name + "_speed"])))
        self.fired += bool(find_triggers(t, kp, scale=height, config=kin))

    def row(self, name: str, group: str, kin) -> list[str]:
        def med(v):
            return f"{np.median(v):.3f}" if v else "-"

        def share(v, thr):
            v = [x for x in v if not np.isnan(x)]
            return f"{np.mean([x >= thr for x in v]):.0%}" if v else "-"

        def fast(name):
            v = [x for x in self.fastest[name] if not np.isnan(x)]
            return f"{np.median(v):.2f}" if v else "-"

        big = np.mean([e > 0.4 for e in self.err["wrist"]]) if self.err["wrist"] else float("nan")
        return [group, name, str(self.windows), str(self.frames),
                f"{self.swapped}/{self.swap_frames} "
                f"({self.swapped / max(1, self.swap_frames):.0%})",
                med(self.err["ankle"]), med(self.err["wrist"]), f"{big:.0%}",
                f"{self.seen['ankle'] / max(1, self.seen['ankle truth']):.0%}",
                f"{self.seen['wrist'] / max(1, self.seen['wrist truth']):.0%}",
                f"{fast('ankle')} ({share(self.fastest['ankle'], kin.ankle_speed_threshold)})",
                f"{fast('wrist')} ({share(self.fastest['wrist'], kin.wrist_speed_threshold)})",
                f"{self.fired / max(1, self.windows):.0%}"]


def with_unseen(kp: np.ndarray | None, min_visibility: float) -> np.ndarray:
    out = np.full((17, 3), np.nan)
    if kp is not None:
        out[:] = kp
        out[kp[:, 2] < min_visibility, :2] = np.nan
    return out


def _picked_highlights(result, ann, truth_boxes,
                       video: Path) -> list[tuple[str, float, float, int, object]]:
    """The highlights of a group, each as (group, window start, window end, its track, the
    person the truth finds by that track's box)."""
    right, causes, motions = classify_highlights(
        result.highlights, list(ann.events), truth_boxes,
        game_plan(video.with_name(video.stem + ".config.json")))
    picked = []
    for h, ok, cause, motion in zip(result.highlights, right, causes, motions):
        group = group_of(ok, cause, motion)
        ev = h.evidence.get("classifier") or {}
        person = who(h, truth_boxes)
        if group is None or ev.get("track") is None or person is None or person[0] == "?":
            continue
        picked.append((group, float(ev["window"][0]),
                       float(ev["window"][1]), int(ev["track"]), person[0]))
    return picked


def _pose_windows(picked, poses: dict, times_of, gt_rows: list[dict], gt_times: np.ndarray) -> list:
    """Each picked highlight's window as (group, rows): its frames where the track has a box and
    the person a true pose, as (frame, time, the track's pose, the true keypoints); 3 frames
    at least."""
    windows = []
    for group, start, end, track, person_id in picked:
        rows = []
        for i in sorted(poses):
            if i >= len(times_of) or not (start - 1e-6 <= times_of[i] <= end + 1e-6):
                continue
            mine = [p for p in poses[i] if p.track_id == track and p.box is not None]
            truth = truth_keypoints(gt_rows, gt_times, times_of[i], person_id)
            if mine and truth is not None:
                rows.append((i, times_of[i], mine[0], truth))
        if len(rows) >= 3:
            windows.append((group, rows))
    return windows


def _tally_windows(windows: list, small: dict, full: dict, source_w: float, margins: list[float],
                   config, tallies: dict, timing: list[float]) -> None:
    """Each window's truth, MoveNet's poses and BlazePose's on each crop, tallied by estimate and
    group; BlazePose's seconds a crop added to `timing`."""
    kin, min_vis = config.kinematics, config.pose.min_visibility
    for group, rows in windows:
        times = np.array([t for _, t, _, _ in rows])
        truth = np.stack([tr for *_, tr in rows])
        movenet = np.stack([with_unseen(p.keypoints, min_vis) for _, _, p, _ in rows])
        tallies[("MoveNet", group)].add(times, movenet, truth, kin)
        with_visibility = np.concatenate([truth, np.ones_like(truth[:, :, :1])], axis=2)
        tallies[("generator's truth", group)].add(times, with_visibility, truth, kin)
        for where, frames in (("analysis", small), ("video", full)):
            scale = frames[rows[0][0]][1].shape[1] / source_w
            for m in margins:
                kps = blazepose_window([(frames[i][1], p.box) for i, _, p, _ in rows], scale, m,
                                       timing)
                est = np.stack([with_unseen(k, min_vis) for k in kps])
                tallies[(f"BlazePose, {where} crop +{m:.0%}", group)].add(times, est, truth, kin)


def _tally_game(parser: argparse.ArgumentParser, workdir: Path, seed: int, config,
                margins: list[float], tallies: dict, timing: list[float]) -> None:
    """One test game: the pipeline run again on its kept frames, and its highlights' windows
    tallied."""
    import json

    from highlights.events import load_annotation
    from highlights.pipeline.run import frame_outputs, run_pipeline

    video = workdir / f"test{seed}.mp4"
    kept = workdir / f"test{seed}.frames.pkl"
    if not kept.is_file():
        parser.error(f"{kept}: no kept frames; run bench/bench_synthetic_game.py --workdir "
                     f"{workdir} --keep-frames first")
    cache = frame_outputs(pickle.loads(kept.read_bytes()))
    ann = load_annotation(workdir / f"test{seed}.json")
    result = run_pipeline(video, config, annotation=ann, cache=cache, progress=False)
    gt_path = video.with_name(video.stem + ".gt.jsonl")
    gt_rows = [json.loads(line) for line in gt_path.read_text().splitlines()]
    gt_times = np.array([float(r["t"]) for r in gt_rows])
    picked = _picked_highlights(result, ann, load_truth_boxes(gt_path), video)
    windows = _pose_windows(picked, pose_outputs(cache), analysis_times(video), gt_rows, gt_times)
    needed = {i for _, rows in windows for i, *_ in rows}
    small = decoded(video, needed, config.analysis.short_side)
    full = decoded(video, needed, None)
    source_w = float(result.video.get("width") or full[min(full)][1].shape[1])
    print(f"seed {seed}: {len(result.highlights)} highlights; windows "
          + ", ".join(f"{g} {n}" for g, n in Counter(g for g, _ in windows).items()), flush=True)
    _tally_windows(windows, small, full, source_w, margins, config, tallies, timing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_test_game_options(parser, "where bench_synthetic_game.py --keep-frames left the test games")
    parser.add_argument("--margins", default="0.25,0.4",
                        help="comma-separated shares the crop is widened by around the track's box")
    args = parser.parse_args(argv)

    from highlights.markdown_table import markdown_table
    from highlights.pipeline.config import PipelineConfig

    config = PipelineConfig()
    kin = config.kinematics
    margins = [float(m) for m in args.margins.split(",") if m.strip()]
    estimates = ["generator's truth", "MoveNet"] + [f"BlazePose, {where} crop +{m:.0%}"
                                                    for where in ("analysis", "video")
                                                    for m in margins]
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    timing: list[float] = []
    for seed in seeds_of(args.test_seeds):
        _tally_game(parser, args.workdir, seed, config, margins, tallies, timing)

    rows = [tallies[(e, g)].row(e, g, kin) for g in GROUPS for e in estimates if (e, g) in tallies]
    print()
    print(markdown_table(["windows of", "estimate", "windows", "frames", "ankles swapped",
                          "ankle error (bh, median)",
                          "wrist error (bh, median)", "wrist > 0.4 bh", "ankles seen",
                          "wrists seen",
                          f"fastest ankle bh/s, median (>= {kin.ankle_speed_threshold:g})",
                          f"fastest wrist bh/s, median (>= {kin.wrist_speed_threshold:g})",
                          "a trigger fires"], rows))
    if timing:
        print(f"\nBlazePose: {1000 * np.median(timing):.1f} ms a crop (median over {len(timing)} "
              "windows, the model's start included) on this machine")
    return 0

if __name__ == "__main__":
    run_script(main)
