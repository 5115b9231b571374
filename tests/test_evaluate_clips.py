"""`highlights evaluate --clips TREE`: every clip is checked before any is scored, with the
dataset's checker, and all the bad ones are refused in one error (not the first one found)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.model import save_checkpoint
from tests.bad_inputs import half_truncated_faststart, png_named_mp4
from tests.dataset_fixtures import write_clip
from tests.model_fixtures import tiny_meta, tiny_model

CLASSES = ["baseball_swing", "basketball_layup", "soccer_shooting", "none"]


def _tree_with_bad_clips(root: Path) -> tuple[Path, dict[Path, str]]:
    """Two good clips a class, and four bad ones spread over the folders (each with the words
    its line must say)."""
    for c, label in enumerate(CLASSES):
        for i in range(2):
            write_clip(root / label / f"ok{i}.mp4", 10 * c + i, frames=16)
    bad = {
        png_named_mp4(root / "baseball_swing" / "picture.mp4"): "a single image",
        half_truncated_faststart(root / "soccer_shooting" / "cut.mp4"): "truncated or damaged",
        root / "none" / "empty.mp4": "empty file",
        # The same clip under two classes: labels that contradict each other.
        root / "none" / "again.mp4": "duplicate of",
    }
    (root / "none" / "empty.mp4").write_bytes(b"")
    shutil.copy(root / "basketball_layup" / "ok0.mp4", root / "none" / "again.mp4")
    (root / "notes").mkdir()  # not a class: skipped, as before
    return root, bad


def _good_tree(root: Path, clip_name: str = "ok.mp4") -> Path:
    """`root` with one good clip of each class, each in its class's folder."""
    for c, label in enumerate(CLASSES):
        write_clip(root / label / clip_name, c, frames=16)
    return root


def _tiny_checkpoint(path: Path) -> Path:
    """A tiny R(2+1)D of CLASSES saved as a checkpoint at `path`."""
    model = tiny_model(len(CLASSES))
    return save_checkpoint(path, model, tiny_meta(model, CLASSES))


def _check_all_named(result, tree: Path, bad: dict[Path, str], out: Path) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tree}: 4 of 12 clips cannot be used:"], result.output
    lines = result.output.splitlines()
    for path, cause in bad.items():
        assert any(str(path) in line and cause in line for line in lines), (path, result.output)
    assert not any("ok0.mp4:" in line or "ok1.mp4:" in line for line in lines if "again.mp4" not in line)
    assert not (out / "video_scorer_testreport.json").exists()


def test_the_pose_model_refuses_every_bad_clip_at_once(tmp_path):
    tree, bad = _tree_with_bad_clips(tmp_path / "clips")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(tree), "--out", str(out), "--no-progress",
                                      "--pose-cache", str(tmp_path / "poses")])
    _check_all_named(result, tree, bad, out)


def test_the_clip_model_refuses_every_bad_clip_at_once(tmp_path):
    tree, bad = _tree_with_bad_clips(tmp_path / "clips")
    checkpoint = _tiny_checkpoint(tmp_path / "best.pt")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(checkpoint), "--clips", str(tree), "--out", str(out),
                                      "--no-progress", "--bootstrap", "10"])
    _check_all_named(result, tree, bad, out)


def test_a_tree_of_good_clips_is_scored_whole(tmp_path):
    tree = _good_tree(tmp_path / "clips")
    checkpoint = _tiny_checkpoint(tmp_path / "best.pt")
    result = CliRunner().invoke(app, ["evaluate", str(checkpoint), "--clips", str(tree), "--out",
                                      str(tmp_path / "report"), "--no-progress", "--bootstrap", "10"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "video_scorer_testreport.json").is_file()


def test_a_single_bad_clip_is_one_line_naming_it(tmp_path):
    tree = _good_tree(tmp_path / "clips")
    cut = half_truncated_faststart(tree / "none" / "cut.mp4")
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(tree), "--out", str(tmp_path / "r"),
                                      "--no-progress", "--pose-cache", str(tmp_path / "poses")])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(cut) in errors[0] and "truncated or damaged" in errors[0], result.output


def test_a_run_folder_means_its_best_checkpoint(tmp_path):
    tree = _good_tree(tmp_path / "clips")
    run = tmp_path / "run"
    _tiny_checkpoint(run / "best.pt")
    result = CliRunner().invoke(app, ["evaluate", str(run), "--clips", str(tree), "--out", str(tmp_path / "r"),
                                      "--no-progress", "--bootstrap", "10"])
    assert result.exit_code == 0, result.output
    assert f"checkpoint: {run / 'best.pt'}" in result.output
    empty = tmp_path / "empty-run"
    empty.mkdir()
    result = CliRunner().invoke(app, ["evaluate", str(empty), "--clips", str(tree), "--out", str(tmp_path / "r2")])
    assert result.exit_code == 1 and f"error: {empty}: a folder without best.pt" in result.output


def test_a_class_folder_one_slip_from_a_class_is_not_skipped_unseen(tmp_path):
    tree = _good_tree(tmp_path / "clips")
    write_clip(tree / "basketbal_layup" / "late.mp4", 9, frames=16)
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(tree), "--out", str(tmp_path / "r"),
                                      "--no-progress", "--pose-cache", str(tmp_path / "poses")])
    assert result.exit_code == 1
    assert (f"error: {tree / 'basketbal_layup'}: folder 'basketbal_layup' is one slip from the class "
            "'basketball_layup'; rename it (or move its clips) to use them") in result.output


@pytest.mark.parametrize("extra, says", [
    (["--clips", "TREE", "--split", "val"], "--split val: --clips scores every clip of the folder"),
    (["--root", "TREE", "--version", "v1", "--pose-model", "TREE/p.pt"],
     "--pose-model is the pose model --fuse-pose fuses with"),
    (["--root", "TREE", "--version", "v1", "--checkpoint", "TREE/r2.pt", "--fuse-pose", "--int8",
      "--batch-size", "2"],
     "--int8 and --batch-size: the R(2+1)D clip classifier's inference settings; --fuse-pose does "
     "not take them"),
])
def test_evaluate_refuses_an_option_it_would_drop(tmp_path, extra, says):
    extra = [a.replace("TREE", str(tmp_path)) for a in extra]
    result = CliRunner().invoke(app, ["evaluate", *extra, "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert says in " ".join(result.output.split())
    assert not (tmp_path / "r").exists()


def test_clips_naming_a_file_says_it_is_a_file(tmp_path):
    """`--clips game.mp4` (one video, not a folder per class) says what it is, not that it is missing."""
    video = tmp_path / "game.mp4"
    video.write_bytes(b"\x00" * 64)
    res = CliRunner().invoke(app, ["evaluate", "--clips", str(video), "--out", str(tmp_path / "report")])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {video}: is a file; --clips names a folder holding a folder per class"], res.output


@pytest.mark.parametrize("model", ["pose", "clip"])
def test_a_re_encoded_copy_of_a_clip_is_scored_once(tmp_path, model):
    """A folder scored whole has no splits to keep copies together: a re-encoded copy of a clip of
    the same class is left out and named, so n counts videos, not files."""
    import json

    from highlights.video import iter_frames, write_video

    tree = _good_tree(tmp_path / "clips", clip_name="a.mp4")
    original = tree / "none" / "a.mp4"
    write_video(tree / "none" / "b shared again.mp4", [f.rgb for f in iter_frames(original)], 8.0, crf=35)
    out = tmp_path / "report"
    args = ["evaluate", "--clips", str(tree), "--out", str(out), "--no-progress", "--bootstrap", "10"]
    result = CliRunner().invoke(app, _scored_by(model != "pose", args, tmp_path))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert ("left out 1 clip showing the same pictures as another of its class (re-encoded copies), so that each "
            "video counts once: none/b shared again.mp4 (copy of none/a.mp4)") in said
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    assert sum(row["support"] for row in report["per_class"].values()) == len(CLASSES)
    dataset = report["meta"]["dataset"]
    assert dataset["clips"] == len(CLASSES)
    assert dataset["copies_left_out"] == [{"clip": "none/b shared again.mp4", "copy_of": "none/a.mp4"}]
    # Both models give probabilities: the report counts the clips they were given for, and has a
    # reliability diagram where there was one.
    confidence = report["confidence"]
    assert confidence["n"] + confidence["without_probabilities"] == len(CLASSES)
    reliability = out / "video_scorer_testreport_reliability.png"
    assert reliability.exists() == (confidence["n"] > 0) == (f"wrote {reliability}" in said)
    if model == "clip":  # the R(2+1)D always gives probabilities
        assert confidence["n"] == len(CLASSES) and reliability.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _scored_by(clip_model: bool, args: list[str], tmp_path) -> list[str]:
    """`evaluate` arguments scoring with a tiny R(2+1)D checkpoint of the default classes, or with
    the packaged pose model (its pose cache under tmp_path)."""
    if not clip_model:
        return args + ["--pose-cache", str(tmp_path / "poses")]
    return [args[0], str(_tiny_checkpoint(tmp_path / "best.pt")), *args[1:]]


def _error_lines(result) -> list[str]:
    """The `error:` lines of a run that must have failed cleanly (exit 1, no traceback)."""
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    return [line for line in result.output.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("model", ["packaged pose model", "clip model"])
def test_a_folder_of_clips_of_no_class_of_the_model_is_refused_not_left_out(model, tmp_path):
    """A club's own classes are not scored by a model of the default four as if the rest of the
    tree were all of it: the folders it cannot score are named in one line, nothing is written."""
    tree = _good_tree(tmp_path / "clips")
    for i in range(2):
        write_clip(tree / "volleyball_spike" / f"spike{i}.mp4", 20 + i, frames=16)
    (tree / "notes").mkdir()  # no clips in it: not a class folder, nothing to refuse
    out = tmp_path / "report"
    args = ["evaluate", "--clips", str(tree), "--out", str(out), "--no-progress", "--bootstrap", "10"]
    result = CliRunner().invoke(app, _scored_by(model == "clip model", args, tmp_path))
    errors = _error_lines(result)
    named = "best.pt" if model == "clip model" else "the packaged pose model pose_default.pt, which knows only these"
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"error: {tree}: volleyball_spike/ (2 clips) is not a class of {named} "
                                f"({', '.join(CLASSES)}): "), result.output
    # One folder: its words of it singular.
    advice = ("for your own class train a pose model on your clips of it" if model == "packaged pose model"
              else "score a model trained on it")
    assert f"): {advice}" in errors[0] and "move that folder out to score the rest" in errors[0], errors[0]
    assert not out.exists()

    write_clip(tree / "tennis_serve" / "serve.mp4", 30, frames=16)
    errors = _error_lines(CliRunner().invoke(app, _scored_by(model == "clip model", args, tmp_path)))
    advice = advice.replace("own class ", "own classes ").removesuffix(" it") + " them"
    assert "are not classes of" in errors[0] and f"): {advice}" in errors[0], errors[0]
    assert "move those folders out to score the rest" in errors[0], errors[0]


@pytest.mark.parametrize("model", ["packaged pose model", "clip model"])
def test_a_version_of_other_classes_than_the_models_is_one_line_naming_them(model, tmp_path):
    """Scored on a dataset version of a club's classes, a model of the default four names the
    version, its split and the classes it lacks, not the first clip's hashed file."""
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=4)
    (src / "baseball_swing").rename(src / "volleyball_spike")
    dataset = create_version(src, tmp_path / "data", ratios=(0.5, 0.25, 0.25), seed=0)
    out = tmp_path / "report"
    args = ["evaluate", "--root", str(dataset.root), "--version", "v1", "--out", str(out), "--no-progress",
            "--bootstrap", "10"]
    result = CliRunner().invoke(app, _scored_by(model == "clip model", args, tmp_path))
    errors = _error_lines(result)
    n = len(dataset.split("test", augmented=False)) - sum(
        r.label == "none" for r in dataset.split("test", augmented=False))
    named = "best.pt" if model == "clip model" else "the packaged pose model pose_default.pt, which knows only these"
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"error: {dataset.root} v1 (test split): volleyball_spike ({n} "
                                f"clip{'s' if n != 1 else ''}) "
                                f"is not a class of {named} ({', '.join(CLASSES)}): "), result.output
    assert errors[0].endswith("clips of it (`highlights train --model pose --clips TREE --out RUN`) and pass it"
                              if model == "packaged pose model" else ": score a model trained on it"), errors[0]
    assert "score both on" not in errors[0]  # v1 grew from nothing
    assert not out.exists()


@pytest.mark.parametrize("model", ["packaged pose model", "clip model"])
def test_a_version_that_added_a_class_names_the_version_it_grew_from_to_compare_on(model, tmp_path):
    """The old model cannot be scored on a version that added a class (a club's tennis_serve/ grown
    in); the refusal names the version it grew from without it, where the old model and the new can
    both be scored on the same clips for `report compare`."""
    from highlights.datasets import create_version, grow_version
    from tests.train_fixtures import write_colour_clips

    root = tmp_path / "data"
    create_version(write_colour_clips(tmp_path / "src", per_class=4), root, ratios=(0.5, 0.25, 0.25), seed=0)
    for i in range(4):
        write_clip(tmp_path / "more" / "tennis_serve" / f"serve_{i}.mp4", 100 + i, frames=16)
    grow_version(tmp_path / "more", root, "v1", classes=["baseball_swing", "none", "tennis_serve"])  # v2
    write_clip(tmp_path / "later" / "none" / "rest.mp4", 200, frames=16)
    grow_version(tmp_path / "later", root, "v2")  # v3: the class came in one version before
    args = ["evaluate", "--root", str(root), "--version", "v3", "--out", str(tmp_path / "report"), "--no-progress",
            "--bootstrap", "10"]
    errors = _error_lines(CliRunner().invoke(app, _scored_by(model == "clip model", args, tmp_path)))
    assert len(errors) == 1 and f"{root} v3 (test split): tennis_serve (" in errors[0], errors
    assert errors[0].endswith("; to compare this model with one that has tennis_serve, score both on v1 "
                              "(--version v1), which v3 grew from and whose clips it keeps"), errors


def test_a_tree_of_other_classes_is_refused_before_the_clip_model_is_loaded(tmp_path, monkeypatch):
    """Loading the clip model may measure its inference paths first (minutes on a first run): a
    tree it cannot score is refused before that, from the classes its checkpoint names."""
    import highlights.train.evaluation as evaluation

    tree = tmp_path / "clips"
    write_clip(tree / "none" / "ok.mp4", 0, frames=16)
    write_clip(tree / "volleyball_spike" / "spike.mp4", 1, frames=16)
    checkpoint = _tiny_checkpoint(tmp_path / "best.pt")

    def not_yet(*args, **kwargs):
        raise AssertionError("the classifier was loaded before the tree was checked")

    monkeypatch.setattr(evaluation.ClipClassifier, "from_checkpoint", not_yet)
    result = CliRunner().invoke(app, ["evaluate", str(checkpoint), "--clips", str(tree), "--out",
                                      str(tmp_path / "report"), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {tree}: volleyball_spike/ (1 clip) is not a class of best.pt" in result.output, result.output


@pytest.mark.parametrize("model", ["packaged pose model", "clip model"])
def test_a_dataset_version_given_as_clips_points_to_root_and_version(model, tmp_path):
    """A version's folder (clips stored under content hashes in clips/, labels in its manifest)
    given as --clips was refused as a class named "clips/"; the line now says what it is and how to
    score it."""
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    root = tmp_path / "datasets"
    create_version(write_colour_clips(tmp_path / "src", per_class=4), root)
    out = tmp_path / "report"
    args = ["evaluate", "--clips", str(root / "v1"), "--out", str(out), "--no-progress", "--bootstrap", "10"]
    errors = _error_lines(CliRunner().invoke(app, _scored_by(model == "clip model", args, tmp_path)))
    assert errors == [f"error: {root / 'v1'}: a dataset version, not a folder per class; give --root {root} "
                      "--version v1 in place of --clips"]
    assert not out.exists()


def test_a_folder_of_clips_gets_its_bf16_verdict_naming_the_folder(tmp_path):
    """`--clips` with `--bf16` scores the bf16 path on the folder's clips; the verdict says it was
    measured on that folder (there is no dataset version to name)."""
    from highlights.model.cpu_features import this_cpu

    if not this_cpu().native_bf16:
        pytest.skip("this CPU has no native bf16")
    tree = _good_tree(tmp_path / "clips")
    checkpoint = _tiny_checkpoint(tmp_path / "best.pt")
    result = CliRunner().invoke(app, ["evaluate", str(checkpoint), "--clips", str(tree), "--out",
                                      str(tmp_path / "report"), "--no-progress", "--bootstrap", "10", "--bf16"])
    assert result.exit_code == 0, (result.output, result.exception)
    report = json.loads((tmp_path / "report" / "video_scorer_testreport.json").read_text(encoding="utf-8"))
    assert report["meta"]["bf16"]["measured_on"] == {"clips_root": str(tree.resolve()), "split": "all",
                                                     "clips": len(CLASSES)}


def test_backend_takes_the_reports_word_fp32_and_refuses_other_names_before_reading_a_clip(tmp_path):
    tree = _good_tree(tmp_path / "clips")
    checkpoint = _tiny_checkpoint(tmp_path / "best.pt")
    args = ["evaluate", str(checkpoint), "--clips", str(tree), "--no-progress", "--bootstrap", "10"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "report"), "--backend", "fp32"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "video_scorer_testreport.json").read_text())
    assert "(fp32)." in (tmp_path / "report" / "video_scorer_testreport.md").read_text()
    assert report["meta"]["inference_backend"] in ("torchscript", "folded_channels_last", "channels_last",
                                                   "onnxruntime", "eager")
    for name, says in (("int8", "--backend int8: the scores are fp32's; --int8 also runs the int8 path"),
                       ("fp16", "--backend fp16: choose one of auto, torchscript, folded_channels_last, "
                                "channels_last, onnxruntime, eager (each fp32; fp32 means auto)")):
        refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / name), "--backend", name])
        assert refused.exit_code == 1 and "Traceback" not in refused.output
        assert says in " ".join(refused.output.split()) and len(refused.output.strip().splitlines()) == 1
        assert not (tmp_path / name).exists()
