"""`highlights detect` of a missing video says so before it loads the batch and pipeline modules,
which take seconds: the error is the same one line, only sooner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the command's own entry, then reports which heavy modules had been imported when it ended.
_PROBE = """
import sys
from highlights.cli.entry import main
try:
    main()
except SystemExit as end:
    heavy = sorted(m for m in ("albumentations", "torch", "highlights.pipeline.detect") if m in sys.modules)
    print("LOADED=" + ",".join(heavy))
    raise
"""


@pytest.mark.parametrize("name, cause", [("gone.mp4", "file not found"),
                                         ("link.mp4", "dangling symbolic link")])
def test_a_missing_video_is_said_before_the_pipeline_loads(tmp_path, name, cause):
    video = tmp_path / name
    if name == "link.mp4":
        video.symlink_to(tmp_path / "moved.mp4")
    src = Path(__file__).resolve().parents[1] / "src"
    run = subprocess.run([sys.executable, "-c", _PROBE, "detect", str(video), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": f"{src}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 1
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"error: {video}: {cause}")
    assert run.stdout.strip() == "LOADED="
    assert not (tmp_path / "out").exists()
