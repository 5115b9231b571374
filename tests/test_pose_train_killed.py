"""`train --model pose` killed between the renames that put best.json and best.pt in place: the
same command run again trains there, where a best.pt left without its summary made it refuse the
folder as holding a trained model (found by bench/crash_points.py --at-renames)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app


class Killed(BaseException):
    """The process ending at this point, as kill -9 ends it: no handler runs on its behalf."""


def test_a_pose_run_killed_between_its_two_renames_is_trained_again_by_the_same_command(tmp_path, monkeypatch):
    out = tmp_path / "run"
    command = ["train", "--model", "pose", "--synth-windows", "60", "--epochs", "2", "--out", str(out),
               "--no-progress"]
    real_replace = os.replace
    into_the_run: list[str] = []

    def replace(src, dst, *args, **kwargs):
        if os.path.dirname(os.fspath(dst)) == str(out):
            into_the_run.append(os.path.basename(os.fspath(dst)))
            if len(into_the_run) == 2:  # the first of the pair is in place, the second not
                raise Killed
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Killed):
        CliRunner().invoke(app, command, catch_exceptions=False)
    monkeypatch.setattr(os, "replace", real_replace)
    assert sorted(into_the_run) == ["best.json", "best.pt"]

    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    summary = json.loads((out / "best.json").read_text())
    assert summary["sha256"] == hashlib.sha256((out / "best.pt").read_bytes()).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == ["best.json", "best.pt"]
