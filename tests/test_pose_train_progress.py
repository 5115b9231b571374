"""`highlights train --model pose --version vN` estimates the poses of every train and val clip
of the version before and after fitting. A real clip's poses take seconds each, so a coach's
hundreds of clips show how far they are (a bar with its count, on stderr), not minutes of silence."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
from tests.train_fixtures import make_colour_dataset


def test_train_counts_the_train_and_val_clips_whose_poses_it_estimates(tmp_path, monkeypatch):
    import highlights.pose_classifier.clips as clips_module

    dataset = make_colour_dataset(tmp_path, per_class=40)  # val: 20 clips, enough to choose a threshold
    label_of = {str(r.path): r.label for split in ("train", "val") for r in dataset.split(split, augmented=False)}
    person = synth_windows(SynthWindowSpec(count=4, seed=3))[0][0]
    estimated = []

    def poses(path, *, fps, cache_dir=None):
        estimated.append(path)
        kp = np.zeros_like(person) if label_of.get(str(path)) == "none" else person
        return kp, np.arange(len(kp)) / fps

    monkeypatch.setattr(clips_module, "clip_poses", poses)
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--synth-windows", "100", "--epochs", "3", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    train, val = (len(dataset.split(s, augmented=False)) for s in ("train", "val"))
    assert len(estimated) == train + val
    bars = result.stderr.splitlines()
    assert any(line.startswith("poses of labelled clips") and f"{train}/{train}" in line for line in bars), bars
    assert any(line.startswith("poses of v1's val clips") and f"{val}/{val}" in line for line in bars), bars
    assert "poses of labelled clips" not in result.stdout and "poses of v1's val clips" not in result.stdout

    quiet = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                     "--synth-windows", "100", "--epochs", "3", "--out", str(tmp_path / "quiet"),
                                     "--no-progress"])
    assert quiet.exit_code == 0, quiet.output
    said = quiet.stderr + quiet.stdout
    assert "poses of labelled clips" not in said and "poses of v1's val clips" not in said
