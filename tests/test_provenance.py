"""What each kept file records of what made it: the package's version, the dataset it came from by
content, the model by content, the video by content; and that a comparison names what differs."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from highlights import __version__
from highlights.datasets import create_version, load_version
from tests.dataset_fixtures import layout_of, make_class_tree


def _relabel_first_clip(version_dir: Path, label: str) -> None:
    manifest = version_dir / "manifest.csv"
    with manifest.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["label"] = label
    with manifest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_dataset_version_records_its_content_id_which_follows_its_clips_not_its_folder(tmp_path):
    tree = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    version = create_version(tree, tmp_path / "root")
    meta = json.loads((version.path / "dataset_meta.json").read_text(encoding="utf-8"))
    assert meta["highlights_version"] == __version__
    assert len(meta["content_id"]) == 16 and meta["content_id"] == version.content_id

    shutil.copytree(tmp_path / "root", tmp_path / "moved")
    assert load_version(tmp_path / "moved", "v1").content_id == meta["content_id"]

    # a version written before the meta held the id has it all the same, from its manifest
    del meta["content_id"]
    (tmp_path / "moved" / "v1" / "dataset_meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert load_version(tmp_path / "moved", "v1").content_id == version.content_id

    first = version.clips[0]
    _relabel_first_clip(tmp_path / "moved" / "v1", "none" if first.label == "swing" else "swing")
    assert load_version(tmp_path / "moved", "v1").content_id != version.content_id


@pytest.fixture(scope="module")
def colour_run(tmp_path_factory):
    """A tiny R(2+1)D trained one epoch on colour clips, and its test report."""
    from highlights.train import fit
    from highlights.train.evaluation import evaluate_checkpoint
    from tests.train_fixtures import make_colour_dataset, tiny_config

    tmp = tmp_path_factory.mktemp("colour-run")
    data = make_colour_dataset(tmp, per_class=4)
    config = tiny_config(data, tmp / "run", epochs=1, cache_dir=str(tmp / "cache"))
    result = fit(config, show_progress=False)
    report, _ = evaluate_checkpoint(result.best_checkpoint, root=data.root, version="v1", out_dir=tmp / "report",
                                    num_workers=0, n_bootstrap=10, show_progress=False)
    return data, config, result, report, tmp


def test_a_checkpoint_and_its_test_report_name_the_dataset_by_content_and_the_package_version(colour_run):
    from highlights.model import load_checkpoint

    data, config, result, report, tmp = colour_run
    _, meta = load_checkpoint(result.best_checkpoint)
    assert meta["highlights_version"] == __version__
    assert meta["dataset"]["content_id"] == data.content_id
    history = json.loads((tmp / "run" / "train_history.json").read_text(encoding="utf-8"))
    assert history["highlights_version"] == __version__ and history["dataset"]["content_id"] == data.content_id

    assert report["meta"]["highlights_version"] == __version__
    assert report["meta"]["checkpoint"]["highlights_version"] == __version__
    assert report["meta"]["dataset"]["content_id"] == data.content_id
    assert report["meta"]["dataset"]["trained_on"]["content_id"] == data.content_id


def _compare(cli, a: Path, b: Path) -> str:
    result = cli("report", "compare", a, b)
    assert result.exit_code == 0, result.output
    return result.output


def test_report_compare_names_what_made_two_reports_differently(colour_run, cli):
    from dataclasses import replace

    from highlights.train import fit
    from highlights.train.evaluation import evaluate_checkpoint

    data, config, result, _, tmp = colour_run
    first = tmp / "report"
    # the same model, scored again with other evaluation settings
    evaluate_checkpoint(result.best_checkpoint, root=data.root, version="v1", out_dir=tmp / "again",
                        num_workers=0, n_bootstrap=20, show_progress=False)
    said = _compare(cli, first, tmp / "again")
    assert "A and B were made differently: the evaluation settings (n_bootstrap 10 vs 20)." in said
    assert "the model" not in said and "training settings" not in said

    # a model trained with another seed on the same data
    other = fit(replace(config, seed=1, out_dir=str(tmp / "run-seed1")), show_progress=False)
    evaluate_checkpoint(other.best_checkpoint, root=data.root, version="v1", out_dir=tmp / "seed1",
                        num_workers=0, n_bootstrap=10, show_progress=False)
    said = _compare(cli, first, tmp / "seed1")
    sha_a = report_sha(first)[:12]
    sha_b = report_sha(tmp / "seed1")[:12]
    assert sha_a != sha_b
    assert f"the model (checkpoint {sha_a} vs {sha_b}); the training settings (seed 0 vs 1)." in said
    assert "The change is theirs together" in said and "the data it was trained on" not in said

    # a model of the same settings trained on other data: the version made again from other clips
    other_data = json.loads((tmp / "seed1" / "video_scorer_testreport.json").read_text(encoding="utf-8"))
    other_data["meta"]["dataset"]["trained_on"].update(version="v2", content_id="0123456789abcdef")
    (tmp / "other-data").mkdir()
    (tmp / "other-data" / "video_scorer_testreport.json").write_text(json.dumps(other_data), encoding="utf-8")
    said = " ".join(_compare(cli, tmp / "seed1", tmp / "other-data").split())
    assert (f"A and B were made differently: the data it was trained on (v1, content {data.content_id} vs v2, "
            "content 0123456789abcdef).") in said

    # a report written before reports recorded the package version and the data's content id
    old = json.loads((tmp / "seed1" / "video_scorer_testreport.json").read_text(encoding="utf-8"))
    del old["meta"]["highlights_version"]
    del old["meta"]["dataset"]["trained_on"]["content_id"]
    (tmp / "old").mkdir()
    (tmp / "old" / "video_scorer_testreport.json").write_text(json.dumps(old), encoding="utf-8")
    said = " ".join(_compare(cli, first, tmp / "old").split())
    assert ("Not compared, as one report was written before it was recorded: the data it was trained on "
            "(B does not record it); the highlights version (B does not record it).") in said


def report_sha(folder: Path) -> str:
    return json.loads((folder / "video_scorer_testreport.json")
                      .read_text(encoding="utf-8"))["meta"]["checkpoint"]["sha256"]


def test_highlights_json_and_pipeline_eval_name_the_video_and_models_by_content(tmp_path):
    from highlights.events import load_annotation
    from highlights.file_hash import file_sha256
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.eval_report import evaluate_video
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=12.0)
    # the packaged pose classifier on the generator's own people: a run that loads a model file
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "classifier.backend": "pose"})
    annotation_path = video.with_suffix(".json")
    _, files = evaluate_video(video, load_annotation(annotation_path), config, tmp_path / "eval", progress=False,
                              annotation_path=annotation_path)
    run = json.loads(files["highlights"].read_text(encoding="utf-8"))
    scored = json.loads(files["json"].read_text(encoding="utf-8"))
    for data in (run, scored):
        assert data["highlights_version"] == __version__
        assert data["video"]["size_bytes"] == video.stat().st_size
        assert data["video"]["sha256"] == file_sha256(video)
        roles = [m["role"] for m in data["models"]]
        assert "packaged pose classifier" in roles
        for model in data["models"]:
            assert model["sha256"] == file_sha256(model["path"])
    assert scored["annotation"]["sha256"] == file_sha256(annotation_path)


def test_a_reviewed_clip_names_the_models_and_video_that_proposed_it_by_content(tmp_path):
    from highlights.datasets import load_version
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.detect import detect_highlights
    from highlights.review.export import export_review
    from highlights.review.games import load_games
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=12.0)
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "classifier.backend": "pose"})
    _, files = detect_highlights(video, config, tmp_path / "detect", progress=False)
    run = json.loads(files["json"].read_text(encoding="utf-8"))
    session = ReviewSession(load_games([tmp_path / "detect"]), DecisionStore(tmp_path / "review.sqlite"))
    game = session.games[0].id
    session.mark_missed(game, at_s=6.0, label="soccer_shooting", reviewer="Ada")
    export_review(session, tmp_path / "datasets", licence="CC-BY-4.0")
    session.store.close()
    (clip,) = load_version(tmp_path / "datasets", "v1").clips
    provenance = json.loads(clip.provenance)
    assert provenance["proposed_by_sha256"] == {m["role"]: m["sha256"] for m in run["models"]}
    assert "packaged pose classifier" in provenance["proposed_by_sha256"]
    assert provenance["source_video_sha256"] == run["video"]["sha256"]


def test_label_studio_tasks_name_the_models_video_and_version_that_made_them(tmp_path):
    """A task's `data`, which Label Studio keeps and exports, names the run's models and video by
    content and its highlights version, as a reviewed clip's provenance does."""
    from highlights.file_hash import file_sha256
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.detect import detect_highlights
    from highlights.pose_classifier.default import DEFAULT_MODEL
    from highlights.review.games import load_games
    from highlights.review.labelstudio import export_tasks
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=12.0)
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "classifier.backend": "pose"})
    detect_highlights(video, config, tmp_path / "detect", progress=False)
    session = ReviewSession(load_games([tmp_path / "detect"]), DecisionStore(tmp_path / "review.sqlite"))
    files = export_tasks(session, tmp_path / "labelstudio", progress=False)
    session.store.close()
    (task,) = json.loads(files["tasks"].read_text(encoding="utf-8"))
    assert task["data"]["proposed_by_sha256"]["packaged pose classifier"] == file_sha256(DEFAULT_MODEL)
    assert task["data"]["source_video_sha256"] == file_sha256(video)
    assert task["data"]["highlights_version"] == __version__


def test_a_report_of_a_folder_names_its_clips_by_content(colour_run, cli):
    from highlights.train.evaluation import evaluate_checkpoint

    data, _, result, _, tmp = colour_run
    ids = []
    for name in ("src", "copy", "fewer"):
        if name != "src":
            shutil.copytree(tmp / "src", tmp / name)
        if name == "fewer":
            next((tmp / name / "none").glob("*.mp4")).unlink()
        report, _ = evaluate_checkpoint(result.best_checkpoint, root=None, version=None, clips_root=tmp / name,
                                        out_dir=tmp / f"report-{name}", num_workers=0, n_bootstrap=10,
                                        show_progress=False)
        ids.append(report["meta"]["dataset"]["content_id"])
    assert ids[0] == ids[1] != ids[2]
    # report compare reads the ids: a copy of the folder scored the same clips, paired clip by clip
    said = " ".join(_compare(cli, tmp / "report-src", tmp / "report-copy").split())
    assert "different test clips" not in said and "unpaired" not in said
    said = " ".join(_compare(cli, tmp / "report-src", tmp / "report-fewer").split())
    assert f"folder content ids {ids[0]} and {ids[2]}" in said


def test_report_compare_leaves_out_where_a_pose_run_kept_its_rendered_games():
    """`--render-dir` is where a pose run keeps and reuses its rendered games, a cache as the pose
    cache is: two runs differing only there were made alike."""
    from highlights.report.made_by import made_differently_note

    def report(render_dir: str, pose_cache_dir: str) -> dict:
        return {"meta": {"highlights_version": __version__, "checkpoint": {"sha256": "a" * 64},
                         "train_config": {"family": "features_linear", "seed": 0, "out_dir": "run",
                                          "render_dir": render_dir, "pose_cache_dir": pose_cache_dir},
                         "eval_config": {"n_bootstrap": 100}}}

    assert made_differently_note(report("/disk/a/rendered", "/cache/a"), report("/disk/b/rendered", "/cache/b")) is None


def test_report_compare_takes_a_dataset_moved_to_another_folder_for_the_same_data():
    """Two reports of one dataset version read from two folders (copied to another disk) name the
    same data by content: the folder alone is no change. Without the content id it still is."""
    from highlights.report.made_by import made_differently_note

    def report(root: str, content_id: str | None) -> dict:
        trained_on = {"version": "v2", "root": root, **({"content_id": content_id} if content_id else {})}
        return {"meta": {"highlights_version": __version__, "checkpoint": {"sha256": "a" * 64},
                         "train_config": {"root": root, "version": "v2", "seed": 0},
                         "dataset": {"trained_on": trained_on},
                         "eval_config": {"n_bootstrap": 100}}}

    assert made_differently_note(report("/disk/a/datasets", "0123456789abcdef"),
                                 report("/disk/b/datasets", "0123456789abcdef")) is None
    moved_and_changed = made_differently_note(report("/disk/a/datasets", "0123456789abcdef"),
                                              report("/disk/b/datasets", "fedcba9876543210"))
    assert "the data it was trained on" in moved_and_changed and "training settings" not in moved_and_changed
    unknown = made_differently_note(report("/disk/a/datasets", None), report("/disk/b/datasets", None))
    assert "the training settings" in unknown and "/disk/b/datasets" in unknown


def test_report_compare_shows_a_long_setting_cut_and_no_data_for_synthetic_windows_with_clips():
    """A setting's value past 40 characters is cut (the reports hold it whole). A pose model
    trained on synthetic windows names its data by their generator; one trained on labelled clips
    as well names no content id for them, so its data is unknown, not the other model's."""
    from highlights.report.made_by import made_differently_note

    def report(note: str, kind: str) -> dict:
        return {"meta": {"highlights_version": __version__, "checkpoint": {"sha256": "a" * 64},
                         "train_config": {"seed": 0, "note": note},
                         "dataset": {"trained_on": {"kind": kind,
                                                    "generator": "highlights synth v0.1.0"}},
                         "eval_config": {"n_bootstrap": 100}}}

    said = made_differently_note(report("x" * 40, "synthetic"), report("y" * 41, "synthetic"))
    assert said == ("A and B were made differently: the training settings "
                    f"(note {'x' * 40} vs {'y' * 37}...).")
    said = made_differently_note(report("x", "synthetic"),
                                 report("x", "synthetic + labelled clips"))
    assert said == ("Not compared, as one report was written before it was recorded: "
                    "the data it was trained on (B does not record it).")


def test_report_compare_says_unset_for_a_setting_one_model_leaves_to_its_default():
    """An R(2+1)D run stores `classes: null` (its dataset's classes); the note is read by people,
    so it says `unset` rather than JSON's `null`."""
    from highlights.report.made_by import made_differently_note

    def report(classes: list[str] | None) -> dict:
        return {"meta": {"highlights_version": __version__, "checkpoint": {"sha256": "a" * 64},
                         "train_config": {"seed": 0, "classes": classes},
                         "eval_config": {"n_bootstrap": 100}}}

    said = made_differently_note(report(["none", "shot"]), report(None))
    assert said == 'A and B were made differently: the training settings (classes ["none", "shot"] vs unset).'


def test_report_compare_names_a_nested_setting_that_differs_and_the_threshold_each_model_applied():
    """Two augment sections alike in their first 40 characters read the same cut whole: the note
    names the nested setting that differs. A pose model's threshold setting (0.5 asked, or unset)
    is not the one it applies (the packaged 0.05, or one chosen on val clips): the note compares
    the applied ones its reports record."""
    from highlights.report.made_by import made_differently_note

    augment = {"arm_length": [0.7, 0.95], "arm_spread": 0.8, "camera_follow": 0.6, "mirror": 0.5}

    def report(threshold_setting: float | None, applied: float, **more_augment) -> dict:
        return {"meta": {"highlights_version": __version__, "checkpoint": {"sha256": "a" * 64},
                         "action_threshold": applied,
                         "train_config": {"seed": 0, "action_threshold": threshold_setting,
                                          "augment": {**augment, **more_augment}},
                         "eval_config": {"n_bootstrap": 100}}}

    said = made_differently_note(report(0.5, 0.05), report(None, 0.05, flicker=0.0))
    assert said == "A and B were made differently: the training settings (augment.flicker - vs 0.0)."
    said = made_differently_note(report(0.5, 0.05), report(None, 0.3))
    assert said == "A and B were made differently: the training settings (action_threshold 0.05 vs 0.3)."
