"""A pose classifier of a club's own classes, trained on its labelled clips alone: classes the
synthetic generator cannot draw, made here by relabelling folders of the generator's clips (whose
poses are the ground-truth keypoints beside them) or, for a dataset version, by giving its clips
the generator's poses of clearly different motions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.pose_classifier.model import PoseClassifier
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
from highlights.synth.clip import LABELS, SPORT_OF_LABEL, ClipRequest, write_clip

# Club classes drawn with motions the generator tells apart: a swing, a layup, background play.
DRAWN_AS = {"volley_a": "baseball_swing", "volley_b": "basketball_layup", "none": "none"}


def _club_tree(root: Path, per_class: int, first_seed: int) -> Path:
    for club, label in DRAWN_AS.items():
        for i in range(per_class):
            seed = first_seed + 10 * i + list(DRAWN_AS).index(club)
            req = ClipRequest(label=label, seed=seed, scene_seed=seed, group="g",
                              sport=SPORT_OF_LABEL.get(label, "soccer"),
                              seconds=2.5, width=160, height=96, fps=10.0, difficulty=0.1)
            write_clip(req, root / club / f"clip_{i}.mp4")
    return root


def _said(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def club_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("club")
    tree = _club_tree(tmp / "clips", per_class=4, first_seed=100)
    out = tmp / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--clips", str(tree), "--epochs", "20",
                                      "--out", str(out), "--no-progress"])
    return tmp, out, result


def test_a_clubs_own_classes_are_the_models_learnt_from_its_clips_alone(club_run):
    _, out, result = club_run
    assert result.exit_code == 0, result.output
    said = _said(result)
    assert ("12 clips, windows per class volley_a 8, volley_b 8, none 8" in said
            and "so no synthetic windows" in said), said
    assert "no validation (--clips has no val split): the only score is in-sample" in said
    assert "no class is `none`" not in said
    model = PoseClassifier.load(out / "best.pt")
    assert model.classes == ["volley_a", "volley_b", "none"]
    provenance = json.loads((out / "best.json").read_text())
    assert provenance["training_data"]["per_class"] == {"volley_a": 8, "volley_b": 8, "none": 8}
    assert "no synthetic windows" in provenance["training_data"]["source"]
    # It learnt the motions: far above chance (1/3) on its own windows.
    assert provenance["validation"]["in_sample"]["accuracy"] > 0.8


def test_evaluate_and_detect_run_with_a_model_of_a_clubs_own_classes(club_run, tmp_path):
    _, out, _ = club_run  # read only: what this test makes goes to its own folder
    held_out = _club_tree(tmp_path / "held_out", per_class=3, first_seed=300)
    report_dir = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", "--checkpoint", str(out), "--clips", str(held_out),
                                      "--out", str(report_dir), "--no-progress", "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    report = json.loads((report_dir / "video_scorer_testreport.json").read_text())
    assert report["num_clips"] == 9
    matrix = np.array(report["confusion_matrix"]["matrix"])
    assert report["confusion_matrix"]["labels"] == ["volley_a", "volley_b", "none"]
    assert np.trace(matrix) >= 6, matrix   # clips it never saw, well above chance (3 of 9)
    detected = tmp_path / "detected"
    result = CliRunner().invoke(app, ["detect", str(held_out / "volley_a" / "clip_0.mp4"), "--checkpoint", str(out),
                                      "--out", str(detected), "--no-progress"])
    assert result.exit_code == 0, result.output
    found = json.loads((detected / "highlights.json").read_text())
    assert found["inference_backend"].startswith("pose-")
    assert {h["label"] for h in found["highlights"]} <= {"volley_a", "volley_b"}


@pytest.fixture(scope="module")
def motions():
    windows, labels, _ = synth_windows(SynthWindowSpec(count=60, seed=5))
    return {club: windows[int(np.flatnonzero(labels == LABELS.index(label))[0])] for club, label in DRAWN_AS.items()}


def test_a_version_of_own_classes_without_none_is_validated_on_its_val_split(tmp_path, monkeypatch, motions):
    """A model with no `none` has no action threshold: the val clips are scored by their most
    probable class, and the model works with evaluate on the version's test split."""
    import highlights.pose_classifier.clips as clips_module
    import highlights.pose_classifier.evaluation as evaluation_module
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=4)   # baseball_swing/ and none/
    (src / "baseball_swing").rename(src / "volley_a")
    (src / "none").rename(src / "volley_b")
    dataset = create_version(src, tmp_path / "data", ratios=(0.5, 0.25, 0.25), seed=0)
    label_of = {str(r.path): r.label for s in ("train", "val", "test") for r in dataset.split(s, augmented=False)}

    val = dataset.split("val", augmented=False)
    nobody = str(val[0].path)   # a val clip the pose model finds nobody in

    def poses(path, *, fps, cache_dir=None):
        kp = motions[label_of[str(path)]]
        return (np.zeros_like(kp) if str(path) == nobody else kp), np.arange(len(kp)) / fps

    monkeypatch.setattr(clips_module, "clip_poses", poses)
    # evaluate's module holds its own name for its poses once imported (by an earlier test): BlazePose
    # would then look for people in the colour clips, find nobody and leave every clip out.
    monkeypatch.setattr(evaluation_module, "clip_poses_and_source",
                        lambda path, *, fps, cache_dir=None: (*poses(path, fps=fps), "estimated"))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--epochs", "20", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    said = _said(result)
    # The clip with nobody is left out, as evaluate leaves it out, not counted wrong.
    scored = len(val) - 1
    assert f"validation on {scored} val clip of v1 with a person: {scored}/{scored} right, macro-F1" in said, said
    assert f"1 of the {len(val)} shows nobody the pose model finds (" in said, said
    assert ("note: no class is `none`, so `detect` with this model reports a window of any of volley_a, volley_b as "
            "a highlight, background play too") in said, said
    model = PoseClassifier.load(out / "best.pt")
    assert model.classes == list(dataset.classes) and model.none_index is None
    assert json.loads((out / "best.json").read_text())["action_threshold"] is None
    assert torch.load(out / "best.pt", weights_only=True)["meta"]["dataset"]["version"] == "v1"
    report = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", "--checkpoint", str(out), "--root", str(dataset.root),
                                      "--version", "v1", "--out", str(report), "--no-progress", "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    test = json.loads((report / "video_scorer_testreport.json").read_text())
    assert test["num_clips"] == len(dataset.split("test", augmented=False))
    assert test["meta"]["action_threshold"] is None   # as best.json: the model decides by its most probable class


@pytest.mark.parametrize("case", ["one class", "synthetic windows asked for", "a share of them asked for",
                                  "a folder for rendered games"])
def test_what_a_model_of_own_classes_cannot_do_is_refused_in_one_line(case, club_run, tmp_path):
    tmp, _, _ = club_run
    tree = tmp_path / "clips"
    if case == "one class":
        (tree / "volleyball_spike").mkdir(parents=True)
        for f in (tmp / "clips" / "volley_a").iterdir():
            (tree / "volleyball_spike" / f.name).write_bytes(f.read_bytes())
        extra, named = [], f"error: {tree}: only the class 'volleyball_spike'; a classifier needs clips of two classes"
    elif case == "synthetic windows asked for":
        tree = tmp / "clips"
        extra, named = (["--synth-windows", "100"],
                        "error: --synth-windows: the clips' classes (volley_a, volley_b, none)")
    elif case == "a share of them asked for":
        tree = tmp / "clips"
        extra, named = (["--labelled-share", "0.5"],
                        "error: --labelled-share: the clips' classes (volley_a, volley_b, none)")
    else:   # it would be left unused, as it is without --rendered-games on the generator's classes too
        tree, render_dir = tmp / "clips", tmp_path / "rendered"
        extra = ["--render-dir", str(render_dir)]
        named = f"error: --render-dir {render_dir}: keeps the games --rendered-games renders, and without it none"
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--clips", str(tree), *extra, "--epochs", "1",
                                      "--out", str(out), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(named), result.output
    assert not (out / "best.pt").exists()


def test_a_version_whose_class_has_no_train_clip_is_refused_before_anything_is_made(tmp_path):
    """New clips of a new class cut from a game whose clips the parent placed in val land in val
    alone: a model could never learn that class, so `train` refuses the version in one line."""
    from highlights.datasets import create_version, grow_version
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=4)   # baseball_swing/ and none/
    (src / "baseball_swing").rename(src / "swing")
    (src / "none").rename(src / "rest")
    v1 = create_version(src, tmp_path / "data", ratios=(0.5, 0.25, 0.25), seed=0)
    val_game = v1.split("val", augmented=False)[0].group
    new = write_colour_clips(tmp_path / "new", per_class=2, seed=9)
    rows = [f"{p.relative_to(new).as_posix()},spike,{val_game}" for p in sorted((new / "baseball_swing").iterdir())]
    (new / "spike.csv").write_text("path,label,group\n" + "\n".join(rows) + "\n")
    v2 = grow_version(new / "spike.csv", v1.root, "v1", classes=[*v1.classes, "spike"])
    assert {r.label for r in v2.split("val", augmented=False)} >= {"spike"}
    assert "spike" not in {r.label for r in v2.split("train", augmented=False)}
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    out = tmp_path / "runs" / "spike"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(v1.root), "--version", "v2",
                                      "--epochs", "1", "--out", str(out), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {v2.path}: no train clip of spike, so "), result.output
    # Nothing made: no run folder, no lock file, the dataset root as it was.
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_folder_one_slip_from_another_of_a_clubs_own_classes_is_refused(club_run, tmp_path):
    """`voleyball_spike/` beside `volleyball_spike/` is a slip, not a class of one clip."""
    tmp, _, _ = club_run
    tree = tmp_path / "clips"
    for club, folder, take in (("volley_a", "volleyball_spike", 4), ("volley_b", "voleyball_spike", 1),
                               ("volley_b", "volleyball_block", 4), ("none", "none", 4)):
        (tree / folder).mkdir(parents=True, exist_ok=True)
        for f in sorted((tmp / "clips" / club).glob("*.mp4"))[:take]:
            (tree / folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--clips", str(tree), "--epochs", "1",
                                      "--out", str(out), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tree / 'voleyball_spike'}: class 'voleyball_spike' is one slip from 'volleyball_spike' "
                      "(1 clip(s)); rename it, or make a dataset version with --classes listing both and train on it "
                      "to keep both"], result.output
    assert not out.exists()
