"""A missing input is said before the command loads its heavy modules (the batch and pipeline
modules for `detect`, torch for `train` and `evaluate`), which take seconds: the error is the same
one line, only sooner."""

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
    run = _probe(tmp_path, "detect", str(video), "--out", str(tmp_path / "out"))
    assert run.returncode == 1
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"error: {video}: {cause}")
    assert run.stdout.strip() == "LOADED="
    assert not (tmp_path / "out").exists()


def _probe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    src = Path(__file__).resolve().parents[1] / "src"
    return subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          timeout=300,
                          env={"PYTHONPATH": f"{src}", "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})


@pytest.mark.parametrize("args, missing, cause", [
    (["evaluate", "--clips", "{gone}"], "{gone}", "no such folder"),
    (["evaluate", "{gone}/best.pt", "--clips", "{tmp}"], "{gone}/best.pt", "no such file"),
    (["evaluate", "--root", "{gone}", "--version", "v2"], "{gone}/v2",
     "no such dataset version (versions in {gone}: none)"),
    (["train", "--model", "pose", "--clips", "{gone}"], "{gone}", "no such folder"),
    (["train", "--model", "pose", "--root", "{tmp}", "--version", "v1"], "{tmp}/v1",
     "no such dataset version (versions in {tmp}: none)"),
    (["train", "--root", "{gone}", "--version", "v1"], "{gone}/v1",
     "no such dataset version (versions in {gone}: none)"),
    (["train", "--root", "{tmp}", "--version", "v1", "--pretrained", "{gone}.pth"], "{gone}.pth",
     "no such file"),
])
def test_a_missing_input_of_train_or_evaluate_is_said_before_torch_loads(tmp_path, args, missing,
                                                                         cause):
    def named(text: str) -> str:
        return text.format(gone=tmp_path / "gone", tmp=tmp_path)

    out = tmp_path / "out"
    run = _probe(tmp_path, *[named(a) for a in args], "--out", str(out))
    assert run.returncode == 1, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line == f"error: {named(missing)}: {named(cause)}"
    loaded = run.stdout.strip().splitlines()[-1].removeprefix("LOADED=").split(",")
    assert "torch" not in loaded, loaded
    assert not out.exists()


@pytest.mark.parametrize("args, missing, cause", [
    (["augment", "preview", "{gone}.mp4", "--out", "{tmp}/grid.png"], "{gone}.mp4",
     "file not found"),
    (["pipeline", "evaluate", "--video", "{gone}.mp4", "--annotations", "{gone}.json", "--out",
      "{tmp}/out"], "{gone}.json", "no such file"),  # the annotation is read first (its half)
    (["pipeline", "ablate", "--video", "{tmp}", "--annotations", "{gone}.json", "--out",
      "{tmp}/out", "--change", "kinematics.enabled=false"], "{tmp}",
     "is a directory, not a video file"),
    (["pipeline", "calibrate", "--video", "{gone}.mp4", "--annotations", "{gone}.json", "--out",
      "{tmp}/fit.json"], "{gone}.mp4", "file not found"),
    (["pipeline", "score", "--predictions", "{gone}.json", "--annotations", "{gone}.json",
      "--out", "{tmp}/out"], "{gone}.json", "no such file"),
    (["bench-paths", "--checkpoint", "{gone}.pt"], "{gone}.pt", "no such file"),
])
def test_a_missing_input_of_a_pipeline_or_tool_command_is_said_before_torch_loads(
        tmp_path, args, missing, cause):
    def named(text: str) -> str:
        return text.format(gone=tmp_path / "gone", tmp=tmp_path)

    run = _probe(tmp_path, *[named(a) for a in args])
    assert run.returncode == 1, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line == f"error: {named(missing)}: {named(cause)}"
    loaded = run.stdout.strip().splitlines()[-1].removeprefix("LOADED=").split(",")
    assert "torch" not in loaded and "albumentations" not in loaded, loaded
    assert not {"out", "grid.png", "fit.json"} & {p.name for p in tmp_path.iterdir()}
