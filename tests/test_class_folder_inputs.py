"""What a club's folder of class folders can hold that it should not: a class folder with no video
in it is refused in one line by every command that reads such a tree (rather than the class being
dropped unsaid), and `train --model pose --clips` refuses a bad clip before it synthesises anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.datasets import DatasetError, create_version, grow_version
from highlights.pose_classifier import train as pose_train
from tests.dataset_fixtures import write_clip

CLASSES = ["baseball_swing", "basketball_layup", "soccer_shooting", "none"]


def tree_with_an_empty_class(root: Path, classes: list[str], empty: str | None, seed: int = 0) -> Path:
    """Two clips in every class folder but `empty`, which holds only a note."""
    for c, label in enumerate(classes):
        (root / label).mkdir(parents=True, exist_ok=True)
        if label != empty:
            for i in range(2):
                write_clip(root / label / f"clip{i}.mp4", seed + 10 * c + i, frames=16)
    if empty is None:
        return root
    (root / empty / "to-do.txt").write_text("clips from Saturday's game go here")
    return root


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def empty_line(folder: Path) -> str:
    return f"error: {folder}: class folder {folder.name!r} holds no video; put its clips in it, or remove the folder"


@pytest.mark.parametrize("command", ["dataset create", "evaluate --clips", "train --model pose --clips"])
def test_an_empty_class_folder_is_one_line_naming_it(tmp_path, command):
    tree = tree_with_an_empty_class(tmp_path / "clips", CLASSES, "soccer_shooting")
    out = tmp_path / "out"
    argv = {"dataset create": ["dataset", "create", str(tree), "--root", str(out)],
            "evaluate --clips": ["evaluate", "--clips", str(tree), "--out", str(out),
                                 "--pose-cache", str(tmp_path / "poses"), "--no-progress"],
            "train --model pose --clips": ["train", "--model", "pose", "--clips", str(tree), "--out", str(out),
                                           "--pose-cache", str(tmp_path / "poses"), "--no-progress"]}[command]
    result = CliRunner().invoke(app, argv)
    assert one_error_line(result) == empty_line(tree / "soccer_shooting")
    assert not out.exists() or not any(out.rglob("*.json")), sorted(out.rglob("*"))


def test_an_empty_folder_of_a_clubs_own_classes_is_refused_too(tmp_path):
    tree = tree_with_an_empty_class(tmp_path / "clips", ["volleyball_spike", "volleyball_set", "none"],
                                    "volleyball_set")
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--clips", str(tree), "--out",
                                      str(tmp_path / "run"), "--pose-cache", str(tmp_path / "poses"),
                                      "--no-progress"])
    assert one_error_line(result) == empty_line(tree / "volleyball_set")
    assert not (tmp_path / "run" / "best.pt").exists()


def test_skip_bad_leaves_the_empty_class_out_and_records_why(tmp_path):
    tree = tree_with_an_empty_class(tmp_path / "clips", CLASSES, "soccer_shooting")
    version = create_version(tree, tmp_path / "datasets", skip_bad=True)
    assert "soccer_shooting" not in version.classes and len(version.real_clips) == 6
    assert version.meta["skipped"] == [{"path": str(tree / "soccer_shooting"),
                                        "reason": empty_line(tree / "soccer_shooting")[len("error: "):]}]


def test_growing_an_empty_folder_of_a_parent_class_loses_nothing_but_of_a_new_class_is_refused(tmp_path):
    root = tmp_path / "datasets"
    v1 = create_version(tree_with_an_empty_class(tmp_path / "clips", CLASSES, None), root)
    more = tree_with_an_empty_class(tmp_path / "more", ["basketball_layup", "none"], "none", seed=500)
    v2 = grow_version(more, root, "v1")
    assert v2.classes == v1.classes and len(v2.real_clips) == len(v1.real_clips) + 2
    newer = tree_with_an_empty_class(tmp_path / "newer", ["basketball_layup", "volleyball_set"], "volleyball_set",
                                     seed=900)
    with pytest.raises(DatasetError) as err:
        grow_version(newer, root, "v2", classes=[*v2.classes, "volleyball_set"])
    assert str(err.value) == empty_line(newer / "volleyball_set")[len("error: "):]


def test_a_folder_that_is_not_a_class_and_holds_no_clip_is_still_left_aside(tmp_path):
    # Only folders named after a class matter to `evaluate --clips`: a `notes/` folder is skipped as before.
    tree = tree_with_an_empty_class(tmp_path / "clips", CLASSES, "soccer_shooting")
    write_clip(tree / "soccer_shooting" / "clip0.mp4", 99, frames=16)
    (tree / "notes").mkdir()
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(tree), "--out", str(tmp_path / "r"),
                                      "--pose-cache", str(tmp_path / "poses"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "video_scorer_testreport.json").is_file()


@pytest.mark.parametrize("bad, says", [
    ("text", "not a video file"),
    ("typo", "folder 'basketbal_layup' is one slip from the class 'basketball_layup'; rename it (or move its "
             "clips) to use them"),
])
def test_pose_training_refuses_its_clips_before_synthesising_anything(tmp_path, monkeypatch, bad, says):
    tree = tmp_path / "clips"
    for c, label in enumerate(CLASSES):
        write_clip(tree / label / "clip.mp4", c, frames=16)
    if bad == "text":
        (tree / "none" / "notes.mp4").write_text("the second half, filmed by the coach\n")
    else:
        write_clip(tree / "basketbal_layup" / "late.mp4", 9, frames=16)
    made = []
    monkeypatch.setattr(pose_train, "cached_synth_windows",
                        lambda *a, **k: made.append(a) or pytest.fail("synthesised"))
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--clips", str(tree), "--out",
                                      str(tmp_path / "run"), "--pose-cache", str(tmp_path / "poses"),
                                      "--no-progress"])
    assert says in one_error_line(result)
    assert made == []


def test_a_folder_of_clips_inside_a_class_folder_is_named_as_left_out_when_a_tree_is_scored(tmp_path):
    # `dataset create` names it ("ignored ..."); scoring or training on the tree left its clips out
    # unsaid, so a report counted fewer clips than the folders hold with no word of why.
    from highlights.pose_classifier.clips import clip_tree

    tree = tree_with_an_empty_class(tmp_path / "clips", CLASSES, None)
    write_clip(tree / "none" / "saturday" / "clip9.mp4", 99, frames=16)
    said: list[str] = []
    clips, _ = clip_tree(tree, CLASSES, log=said.append)
    assert len(clips) == 8
    assert said == [f"ignored {tree / 'none' / 'saturday'}: a folder inside class folder none (not searched)"]
