"""Every option of `highlights train --model pose` reaches the training config: the command hands
each to `PoseTrainOptions`, and each field of those shows in the `PoseTrainConfig` they make. An
option the command does not pass on, or a field that the config drops or that has no check here,
fails these tests."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from typer.testing import CliRunner

import highlights.cli.train as train_command
from highlights.cli.app import app
from highlights.cli.pose_train_options import PoseTrainOptions
from highlights.datasets.records import META_NAME


def _every_option_given(tmp_path: Path) -> PoseTrainOptions:
    return PoseTrainOptions(out=tmp_path / "model", family="tcn", synth_windows=700, epochs=3,
                            lr=0.01, seed=4, clips=tmp_path / "clips", games=10, rendered_games=2,
                            render_dir=tmp_path / "rendered", root=tmp_path / "datasets",
                            version="v2", pose_cache=tmp_path / "poses", labelled_share=0.4)


def test_the_command_passes_every_option_on(tmp_path: Path, monkeypatch) -> None:
    given = _every_option_given(tmp_path)
    # The command looks for the inputs it names before handing them on.
    given.clips.mkdir()
    (given.root / given.version).mkdir(parents=True)
    (given.root / given.version / META_NAME).write_text("{}")
    handed: list[tuple[PoseTrainOptions, bool]] = []
    monkeypatch.setattr(train_command, "_train_pose",
                        lambda options, *, progress: handed.append((options, progress)))
    args = ["train", "--model", "pose", "--out", given.out, "--pose-family", given.family,
            "--synth-windows", given.synth_windows, "--epochs", given.epochs, "--lr", given.lr,
            "--seed", given.seed, "--clips", given.clips, "--synth-games", given.games,
            "--rendered-games", given.rendered_games, "--render-dir", given.render_dir,
            "--root", given.root, "--version", given.version, "--pose-cache", given.pose_cache,
            "--labelled-share", given.labelled_share,
            "--no-progress"]
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    assert handed == [(given, False)]
    for field in fields(PoseTrainOptions):  # each given otherwise than its default
        assert getattr(given, field.name) != field.default, field.name


def test_every_option_reaches_the_training_config(tmp_path: Path) -> None:
    given = _every_option_given(tmp_path)
    # Labelled clips come from a folder or a dataset version, not both: each is checked in a config
    # of its own.
    config = replace(given, root=None, version=None).config()
    of_version = replace(given, clips=None).config()
    seen = {
        "out": config.out_dir == str(given.out),
        "family": config.family == "tcn",
        "synth_windows": (config.synth_windows, config.val_windows) == (700, 140),
        "epochs": config.epochs == 3,
        "lr": config.lr == 0.01,
        "seed": config.seed == 4,
        "clips": config.clips_root == str(given.clips),
        "games": (config.game.games, config.val_games) == (10, 2),
        "rendered_games": config.rendered.games == 2,
        "render_dir": config.render_dir == str(given.render_dir),
        "root": of_version.dataset_root == str(given.root),
        "version": of_version.dataset_version == "v2",
        "pose_cache": config.pose_cache_dir == str(given.pose_cache),
        "labelled_share": of_version.labelled_share == config.labelled_share == 0.4,
    }
    assert set(seen) == {field.name for field in fields(PoseTrainOptions)}  # each field checked
    assert [name for name, ok in seen.items() if not ok] == []
    # Left out, each keeps the recipe's default.
    recipe, bare = PoseTrainOptions(out=given.out).config(), type(config)(out_dir=str(given.out))
    assert recipe == bare
