"""bench/bench_ball_detector.py: its tiles, speeds and model checks on made-up data, and the whole
bench on a tiny synthetic real-dev tree when the detector's npm package is at hand (skipped
otherwise: nothing here downloads it)."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.bench_modules import BENCH_DIR, bench_module

PACKAGE = os.environ.get("HIGHLIGHTS_BALL_DETECTOR_PACKAGE")
needs_package = pytest.mark.skipif(not (PACKAGE and Path(PACKAGE).is_file()),
                                   reason="the ball detector's npm package is not at hand "
                                          "(HIGHLIGHTS_BALL_DETECTOR_PACKAGE)")


def test_tiles_cover_a_landscape_and_a_portrait_frame_with_squares_of_the_short_side():
    with bench_module("bench_ball_detector") as bench:
        assert bench.square_tiles(360, 640) == [(0, 0, 360), (0, 280, 360)]
        assert bench.square_tiles(1280, 720) == [(0, 0, 720), (560, 0, 720)]
        assert bench.square_tiles(300, 300) == [(0, 0, 300)]
        three = bench.square_tiles(100, 250)
        assert [t[1] for t in three] == [0, 75, 150] and three[-1][1] + 100 == 250


def test_speed_is_measured_between_consecutive_frames_that_both_have_a_ball():
    with bench_module("bench_ball_detector") as bench:
        ball = bench.Ball
        clip = bench.ClipBalls("soccer_shooting", "x.mp4", height=360,
                               times=[0.0, 0.1, 0.2, 0.3, 0.4],
                               best=[ball(0.9, 100, 100, 12), ball(0.8, 136, 100, 12), None,
                                     ball(0.7, 0, 0, 12), ball(0.6, 0, 72, 24)])
        speeds = bench.step_speeds(clip)
        # 36 px in 0.1 s of a 360 px frame: one frame height a second, 30 diameters of 12 px;
        # no step across the frame without a ball; 72 px with a mean diameter of 18 px.
        assert [round(h, 6) for h, _ in speeds] == [1.0, 2.0]
        assert [round(d, 6) for _, d in speeds] == [30.0, 40.0]
        assert bench.step_speeds(clip, 0.25, 1.0) == speeds[1:]
        assert bench.frames_with_ball(clip) == (4, 5)
        assert bench.frames_with_ball(clip, 0.15, 0.35) == (1, 2)
        assert bench.best_ball([ball(0.2, 0, 0, 1), ball(0.5, 1, 1, 1), ball(0.4, 2, 2, 1)], 0.3).x == 1
        assert bench.best_ball([ball(0.2, 0, 0, 1)], 0.3) is None


def _tarball(path: Path, tflite: bytes, labels: str) -> Path:
    plugin = io.BytesIO()
    with zipfile.ZipFile(plugin, "w") as z:
        z.writestr("fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite", tflite)
        z.writestr("fs/coco_labels.txt", labels)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/dist/plugin.zip")
        info.size = len(plugin.getvalue())
        tar.addfile(info, io.BytesIO(plugin.getvalue()))
    return path


def test_a_missing_or_wrong_package_is_one_line_naming_the_file(tmp_path):
    with bench_module("bench_ball_detector") as bench:
        with pytest.raises(bench.BallModelError, match="absent.tgz: ball detector package not found"):
            bench.load_model(tmp_path / "absent.tgz")
        wrong = _tarball(tmp_path / "wrong.tgz", b"not a model", "0  person\n36  sports ball\n")
        with pytest.raises(bench.BallModelError, match=r"wrong.tgz: ball detector is not the pinned file"):
            bench.load_model(wrong)
        other = tmp_path / "other.tgz"
        with tarfile.open(other, "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("package/README.md"), io.BytesIO(b""))
        with pytest.raises(bench.BallModelError, match="other.tgz: not the detector's package"):
            bench.load_model(other)
        assert bench.parse_labels("0  person\n36  sports ball\n37  kite\n") == {
            0: "person", 36: "sports ball", 37: "kite"}


def test_the_bench_refuses_to_run_without_a_package(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HIGHLIGHTS_BALL_DETECTOR_PACKAGE"}
    run = subprocess.run([sys.executable, str(BENCH_DIR / "bench_ball_detector.py"), "--real-dev", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith("error: no ball detector package")


@needs_package
def test_the_bench_runs_on_a_tiny_synthetic_real_dev_tree(tmp_path):
    from highlights.events import Event, GameAnnotation
    from highlights.synth.clip import write_clip
    from tests.synth_fixtures import request

    real_dev = tmp_path / "real-dev"
    write_clip(request("soccer_shooting", 3, seconds=1.5, size=(640, 360)), real_dev / "soccer_shooting" / "shot.mp4")
    write_clip(request("none", 4, sport="soccer", seconds=1.5, size=(640, 360)), real_dev / "none" / "jog.mp4")
    for path in real_dev.glob("*/*.json"):
        path.unlink()  # the generator's truth beside each clip is not an annotation
    (real_dev / "annotations").mkdir()
    ann = GameAnnotation("shot.mp4", 30.0, 1.5, 640, 360, "soccer",
                         [Event("e1", "soccer", "soccer_shooting", 0.2, 1.4, 0.8)])
    (real_dev / "annotations" / "shot.json").write_text(json.dumps(ann.to_dict()))

    run = subprocess.run([sys.executable, str(BENCH_DIR / "bench_ball_detector.py"), "--package", PACKAGE,
                          "--real-dev", str(real_dev), "--fps", "10", "--per-clip"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for layout in ("whole", "tiles"):
        assert f"layout {layout}: 2 clips at 10 fps" in out
    # 1.5 s at 10 fps: 15 analysis frames a clip, in each layout
    assert out.count("none               1 |   15 |") == 2
    assert out.count("soccer_shooting    1 |   15 |") == 2
    assert sum(line.strip().startswith("none/jog.mp4: ") and line.split(": ")[1].startswith(tuple(
        f"{k}/15 |" for k in range(16))) for line in out.splitlines()) == 2
    assert out.count("shot.mp4 e1 (soccer_shooting, 0.8 s):") == 2
    assert "(1 action, 1 none clips)" in out
    ms = [float(line.split("median ")[1].split(",")[0]) for line in out.splitlines() if "ms a frame" in line]
    assert len(ms) == 2 and all(m > 0 and math.isfinite(m) for m in ms)


@needs_package
def test_the_detector_finds_the_generators_ball_where_it_is_drawn():
    """Each layout finds the drawn ball in some frames of a synthetic shot, its box centred on the
    ball the generator records (tiles put their boxes back in the frame's pixels)."""
    import numpy as np

    from tests.synth_fixtures import rendered

    with bench_module("bench_ball_detector") as bench:
        model = bench.load_model(PACKAGE)
        assert model.labels[model.ball_class] == "sports ball"
        frames, truth = rendered("soccer_shooting", 5)
        for layout in bench.LAYOUTS:
            detector = bench.BallDetector(model, layout)
            on_target = 0
            for frame, frame_truth in list(zip(frames, truth["frames"]))[::3]:
                balls = detector(np.ascontiguousarray(frame))
                for b in balls:
                    assert 0 <= b.x <= frame.shape[1] and 0 <= b.y <= frame.shape[0]
                    assert 0 < b.score <= 1 and b.diameter > 0
                best = bench.best_ball(balls, 0.3)
                drawn = [p for p in frame_truth["props"] if p["kind"] == "ball"]
                if best and drawn:
                    (x, y), radius = drawn[0]["centre"], drawn[0]["radius"]
                    on_target += math.hypot(best.x - x, best.y - y) <= radius + 3
            assert on_target >= 2, layout
