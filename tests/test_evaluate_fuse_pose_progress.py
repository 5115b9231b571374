"""`evaluate --fuse-pose` shows its progress as the other evaluations do: a bar on stderr for each
model over each split's clips with `--progress`, none with `--no-progress` (it showed none either
way)."""

from __future__ import annotations

import io

from rich.console import Console
from typer.testing import CliRunner

import highlights.progress as progress_module
from highlights.cli.app import app


def test_evaluate_fuse_pose_shows_its_progress_only_where_asked(tmp_path, monkeypatch):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    model = tiny_model()
    ckpt = save_checkpoint(tmp_path / "r2.pt", model, tiny_meta(model))
    shown = {}
    for flag in ("--progress", "--no-progress"):
        log = io.StringIO()
        monkeypatch.setattr(progress_module, "_STDERR", Console(file=log, width=200))
        result = CliRunner().invoke(app, [
            "evaluate", str(ckpt), "--root", str(dataset.root), "--version", dataset.name,
            "--fuse-pose", "--out", str(tmp_path / flag), "--pose-cache", str(tmp_path / "poses"),
            "--bootstrap", "10", flag])
        assert result.exit_code == 0, result.output
        shown[flag] = log.getvalue()
    clips = len(dataset.split("val", augmented=False)) + len(dataset.split("test", augmented=False))
    bars = [line for line in shown["--progress"].splitlines() if " on clips" in line]
    assert len([b for b in bars if b.startswith("R(2+1)D on clips")]) == 2  # val, then test
    assert len([b for b in bars if b.startswith("pose classifier on clips")]) == 2
    assert sum(int(b.split("/")[0].split()[-1]) for b in bars) == 2 * clips  # every clip counted
    assert shown["--no-progress"] == ""
