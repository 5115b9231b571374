"""LiteRT's native INFO/deprecation lines stay off the terminal; everything else printed still shows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from highlights.people.native_log import NOISE, native_noise_filtered


def test_the_noise_is_dropped_and_other_lines_are_written_back(capfd):
    with native_noise_filtered():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"a real problem from native code\n")
        os.write(2, f"ERROR: Subgraph reshaping is enabled by default, {NOISE[1]} and will be removed\n".encode())
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert err == "a real problem from native code\nafter\n"


def test_two_threads_that_overlap_leave_stderr_where_it_was(capfd):
    """MoveNet's workers make their interpreters at once, each in its own thread, and fd 2 is the
    process's: one thread entering while another is inside, and leaving after it, must not
    leave fd 2 on a held temporary file (every later line, an error included, would be lost)."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with native_noise_filtered():
            first_in.set()
            second_in.wait(10)
            os.write(2, b"from the first thread\n")
        first_out.set()

    def second():
        first_in.wait(10)
        with native_noise_filtered():
            second_in.set()
            first_out.wait(10)
            os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
            os.write(2, b"from the second thread\n")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    os.write(2, b"error: game.mp4: after both\n")
    err = capfd.readouterr().err
    assert err.splitlines() == ["from the first thread", "from the second thread", "error: game.mp4: after both"]


def _run_fresh(code: str) -> subprocess.CompletedProcess:
    """`code` in a new Python process (native libraries print some lines once per process)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return out


def test_making_the_movenet_interpreters_prints_nothing():
    """In a fresh process (LiteRT prints its delegate line once per process), with the path that
    turns on the XNNPACK delegate's latest features, which adds the deprecation ERROR line."""
    code = ("import numpy as np\n"
            "from highlights.people.movenet import MoveNetMultiPose\n"
            "from highlights.people.movenet_paths import MoveNetPath, RUNTIMES\n"
            "for runtime in RUNTIMES:\n"
            "    m = MoveNetMultiPose(path=MoveNetPath(runtime=runtime, threads=1, workers=1))\n"
            "    m.run_once(np.zeros((200, 300, 3), np.uint8))\n"
            "print('ran', len(RUNTIMES))\n")
    out = _run_fresh(code)
    assert out.stdout.startswith("ran ")
    assert "XNNPACK" not in out.stderr and "ERROR" not in out.stderr, out.stderr


def test_blazepose_on_a_clip_prints_nothing():
    """MediaPipe's absl lines (the delegate, "before absl::InitializeLog()", the feedback manager,
    NORM_RECT on the first frame with a person) stay off stderr, for a second model too, in a
    fresh process since absl prints some of them once per process, also when the first frame
    comes a while after the model was made."""
    code = ("import time\n"
            "from highlights.synth.clip import ClipRequest, render_clip\n"
            "from highlights.pipeline.blazepose import BlazePose\n"
            "found = 0\n"
            "for label in ('baseball_swing', 'soccer_shooting'):\n"
            "    frames, _ = render_clip(ClipRequest(label=label, seed=3, scene_seed=3, group='g',\n"
            "                                        sport=label.split('_')[0], width=320, height=240))\n"
            "    model = BlazePose(video_mode=True)\n"
            # Its first frame comes a moment later, as when a clip's video is opened after the
            # model is made: the graph prints its delegate line from its own thread meanwhile.
            "    time.sleep(0.5)\n"
            "    found += sum(model.landmarks(i, f, (320, 240)) is not None for i, f in enumerate(frames[:20]))\n"
            "    model.close()\n"
            "print('found', found)\n")
    out = _run_fresh(code)
    assert int(out.stdout.split()[-1]) > 0  # a person was found, so the landmark warning had its chance
    assert out.stderr == "", out.stderr


def test_an_error_after_blazepose_is_made_still_reaches_the_terminal():
    """A model made and never given a frame (the run failed first, nothing closed it) keeps its
    filter on fd 2 only until it is collected or the process ends: the error line is written out."""
    code = ("import sys\n"
            "from highlights.pipeline.blazepose import BlazePose\n"
            "model = BlazePose(video_mode=True)\n"
            "sys.stderr.write('error: game.mp4: the run failed\\n')\n"
            "raise SystemExit(1)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 1
    assert out.stderr == "error: game.mp4: the run failed\n", out.stderr
