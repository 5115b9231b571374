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
    ("bench_train.py", ["--video", "640"], "argument --video: '640' is not a frame size WxH"),
    ("bench_tone_map.py", ["--frames", "0"], "--frames and --repeat must be at least 1, got 0 and 3"),
])
def test_a_malformed_value_is_a_usage_error(script, args, named):
    done = _run(script, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert named in done.stderr.splitlines()[-1]
