"""A Ctrl-C after a command's work (its outputs written, its closing line said), in Python's own
ending: the command ends with its own status and says nothing more (`cli/ending.py`). Each point
of that ending is reached on purpose: the process sends itself SIGINT there, from a hook the
command is started with, as a terminal's Ctrl-C would arrive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFUSION = {"labels": ["a", "b"], "matrix": [[5, 1], [2, 6]]}
WAIT_S = 120

# The command run with a SIGINT sent to its own process at one point of its ending:
# - threads: while Python waits for a thread still running as the command returned;
# - atexit: in the clean-up registered while the command ran (stopping workers, removing folders);
# - teardown: while Python frees the modules, after it put the signals' default actions back;
# - twice: two Ctrl-Cs while the ending waits on a thread that never ends.
HOOK = """
import atexit, os, signal, sys, threading, time
point = sys.argv.pop(1)
def ctrl_c(times=1):
    for _ in range(times):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)
def after_the_main_thread(times, then_wait):
    while threading.main_thread().is_alive():
        time.sleep(0.01)
    ctrl_c(times)
    while then_wait:
        time.sleep(1)
class AtTeardown:
    def __del__(self):
        ctrl_c()
import highlights.cli.ending as ending
prepare_ending = ending.prepare_ending
def prepared():
    prepare_ending()
    if point == "atexit":
        atexit.register(ctrl_c)
ending.prepare_ending = prepared
if point in ("threads", "twice"):
    threading.Thread(target=after_the_main_thread,
                     args=(1 + (point == "twice"), point == "twice")).start()
if point == "teardown":
    sys.modules["highlights"].at_teardown = AtTeardown()
sys.argv[0] = "highlights"
from highlights.cli.entry import main
main()
"""


def _run(point: str, argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
               HIGHLIGHTS_CACHE_DIR=str(cwd / "cache"), PYTHONUNBUFFERED="1")
    # Its own process group, with Ctrl-C heard, as a terminal's foreground job.
    return subprocess.run([sys.executable, "-c", HOOK, point, *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=WAIT_S,
                          start_new_session=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.parametrize("point", ["threads", "atexit", "teardown", "twice"])
def test_a_ctrl_c_after_a_finished_command_leaves_status_0_and_its_outputs(
        tmp_path: Path, point: str) -> None:
    (tmp_path / "confusion.json").write_text(json.dumps(CONFUSION))
    done = _run(point, ["report", "from-confusion", "confusion.json", "--out", "report"], tmp_path)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stderr == ""
    written = [line for line in done.stdout.splitlines() if line.startswith("wrote ")]
    assert [Path(line.removeprefix("wrote ")).name for line in written] == [
        "video_scorer_testreport.json", "video_scorer_testreport.md",
        "video_scorer_testreport_confusion.png"]
    report = json.loads((tmp_path / "report" / "video_scorer_testreport.json").read_text())
    assert report["num_clips"] == 14 and report["accuracy"] == 11 / 14


@pytest.mark.parametrize("point", ["threads", "teardown"])
def test_a_ctrl_c_after_a_failed_command_leaves_its_error_and_status_1(
        tmp_path: Path, point: str) -> None:
    done = _run(point, ["report", "from-confusion", "missing.json", "--out", "report"], tmp_path)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert done.stderr.splitlines() == ["error: missing.json: no such file"]
    assert not (tmp_path / "report").exists()
