"""A bench given a file that is not there or a malformed value says so in one line, as the
`highlights` command does, instead of a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.bench_modules import BENCH_DIR


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH_DIR / script), *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("script", "args", "named"), [
    ("bench_decode.py", ["{missing}"], "{missing}: file not found"),
    ("bench_inference.py", ["--checkpoint", "{missing}", "--skip-int8"], "{missing}: no such file"),
])
def test_a_missing_file_is_one_line_naming_it(tmp_path, script, args, named):
    missing = str(tmp_path / "not-there.mp4")
    done = _run(script, *(a.format(missing=missing) for a in args))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: {named.format(missing=missing)}"]


@pytest.mark.parametrize(("script", "args", "named"), [
    ("bench_synthetic_game.py", ["--size", "640by360"], "argument --size: '640by360' is not a frame size WxH"),
    # a threshold chosen on a test game (or the demo's, or a training game) would be tuned on it
    ("bench_synthetic_game.py", ["--threshold-seeds", "301,203"], "--threshold-seeds 203: a test, fit or demo game's"),
    ("bench_synthetic_game.py", ["--threshold-seeds", "3"], "--threshold-seeds 3: a test, fit or demo game's"),
    ("bench_synthetic_game.py", ["--threshold-seeds", "10001"], "seeds from 10000 on are the pose classifier's"),
    ("bench_synthetic_game.py", ["--threshold-seeds", "301", "--skip-gt"],
     "--threshold-seeds chooses a threshold for the ground-truth run, which --skip-gt leaves out"),
    # so is a calibration and score floor fitted on one
    ("bench_synthetic_game.py", ["--fit-seeds", "301,202"], "--fit-seeds 202: a test, fit or demo game's"),
    ("bench_synthetic_game.py", ["--fit-seeds", "101"], "--fit-seeds 101: a test, fit or demo game's"),
    ("bench_synthetic_game.py", ["--fit-seeds", "10000"], "--fit-seeds: seeds from 10000 on are the pose"),
    ("bench_synthetic_game.py", ["--fit-seeds", "301", "--skip-gt"],
     "--fit-seeds fits a calibration and score floor for the ground-truth run, which --skip-gt leaves out"),
    ("bench_periodicity.py", ["--reach", "0"], "--reach 0: seconds either side of the trigger, above 0"),
    ("bench_periodicity.py", ["--train-games", "-1"], "--train-games -1: a number of games, 0 or more"),
    ("bench_relative_probability.py", ["--train-games", "-1"], "--train-games -1: a number of games, 0 or more"),
    ("bench_train.py", ["--video", "640"], "argument --video: '640' is not a frame size WxH"),
    ("bench_tone_map.py", ["--frames", "0"], "--frames and --repeat must be at least 1, got 0 and 3"),
])
def test_a_malformed_value_is_a_usage_error(script, args, named):
    done = _run(script, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert named in done.stderr.splitlines()[-1]


def test_a_script_says_a_users_failure_as_the_command_does_and_exits_with_mains_status(capsys, monkeypatch):
    """`run_script` is the boundary of bench/'s scripts: a HighlightsError or an OS refusal is one
    `error:` line (and its notes) with status 1; otherwise main's return is the exit status."""
    from highlights.cli.boundary import run_script
    from highlights.errors import ConfigError

    def refused():
        error = ConfigError("--set a.b=1: no such setting")
        error.add_note("see highlights detect --help")
        raise error

    def full_disk():
        raise OSError(28, "No space left on device", "/tmp/out/report.json")

    monkeypatch.delenv("HIGHLIGHTS_DEBUG", raising=False)
    for main, said in ((refused, "error: --set a.b=1: no such setting\nsee highlights detect --help\n"),
                       (full_disk, "error: /tmp/out/report.json: No space left on device\n")):
        with pytest.raises(SystemExit) as exited:
            run_script(main)
        assert exited.value.code == 1 and capsys.readouterr().err == said
    for status in (0, 3, None):
        with pytest.raises(SystemExit) as exited:
            run_script(lambda: status)
        assert exited.value.code == status
    with pytest.raises(ValueError):  # a bug keeps its traceback
        run_script(lambda: int("x"))


def test_a_script_stopped_part_way_says_so_in_one_line_and_exits_as_a_command_does(capsys, monkeypatch):
    """Ctrl-C (or SIGTERM) in a benchmark that runs for minutes ends it as it ends a command: the
    one line naming the script, and 130 (143), not a traceback into what it was computing."""
    from highlights.cli.boundary import run_script
    from highlights.cli.termination import Terminated

    monkeypatch.delenv("HIGHLIGHTS_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["bench/bench_synthetic_game.py", "--fit-seeds", "301"])
    for stop, how, status in ((KeyboardInterrupt, "Ctrl-C", 130), (Terminated, "SIGTERM", 143)):
        def stopped(stop=stop):
            raise stop()

        try:
            run_script(stopped)
        except SystemExit as exited:
            assert exited.code == status
        except KeyboardInterrupt:
            pytest.fail(f"{how}: the stop came out of the script as a traceback")
        assert capsys.readouterr().err == f"interrupted ({how}): bench_synthetic_game.py stopped before it finished\n"


def test_a_script_sent_sigterm_ends_in_its_one_line_and_143(tmp_path):
    """A real SIGTERM (a service manager's stop, `kill`), not one raised by hand: the script's
    boundary makes it `Terminated`, so it ends as the highlights command does."""
    import os
    import signal

    script = tmp_path / "bench_waits.py"
    script.write_text("import sys, time\nfrom highlights.cli.boundary import run_script\n"
                      "run_script(lambda: print('started', flush=True) or time.sleep(60))\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("HIGHLIGHTS_DEBUG", None)
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as running:
        assert running.stdout.readline() == "started\n"
        running.send_signal(signal.SIGTERM)
        _, err = running.communicate(timeout=30)
    assert running.returncode == 143
    assert err == "interrupted (SIGTERM): bench_waits.py stopped before it finished\n"
