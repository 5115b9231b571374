"""The pose-sequence classifier: normalisation, augmentation, synthetic training windows, training,
checkpoints read with weights_only, `highlights evaluate --clips`, the packaged default model and
fusion with an R(2+1)D."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from highlights import __version__
from highlights.cli.app import app
from highlights.pose_classifier import default as default_model
from dataclasses import replace

from highlights.counted_noun import counted
from highlights.errors import ConfigError
from highlights.pose_classifier.augment import PoseAugmentConfig, augment_window
from highlights.pose_classifier.fusion import (
    WEIGHTS, ClassListMismatch, align_classes, choose_weight, fuse, settle_weight, tied_weights, weight_choice_text)
from highlights.pose_classifier.labelled_share import DEFAULT_LABELLED_SHARE
from highlights.pose_classifier.model import PoseClassifier
from highlights.pose_classifier.skeleton import FLIP, mirror, normalise, resample
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
from highlights.synth.clip import LABELS, ClipRequest, SPORT_OF_LABEL, write_clip


@pytest.fixture(scope="module")
def windows():
    return synth_windows(SynthWindowSpec(count=120, seed=3))


def test_normalised_windows_forget_where_and_how_big_the_person_was(windows):
    w = windows[0][0]
    moved = w.copy()
    moved[:, :, :2] = moved[:, :, :2] * 2.5 + np.array([300.0, -40.0])
    a, b = normalise(w), normalise(moved)
    np.testing.assert_allclose(a, b, atol=1e-4)
    # y points up: the nose is above the hips.
    assert a[:, 0, 1].mean() > 0.5


def test_mirror_swaps_sides_and_twice_is_identity(windows):
    n = normalise(windows[0][1])
    m = mirror(n)
    np.testing.assert_allclose(m[:, 9, 0], -n[:, 10, 0])      # left wrist <- right wrist, x negated
    np.testing.assert_allclose(mirror(m), n)
    assert FLIP[5] == 6 and FLIP[0] == 0


def test_resample_leaves_long_gaps_unseen():
    kp = np.ones((3, 17, 3), np.float32)
    out = resample(kp, np.array([0.0, 0.1, 1.0]), np.arange(0.0, 1.05, 0.1))
    seen = out[:, 0, 2] > 0
    assert seen[0] and seen[1] and seen[-1] and not seen[5]


def test_synthetic_windows_cover_every_class_and_the_varied_motions(windows):
    w, y, names = windows
    assert w.shape == (120, 20, 17, 3) and np.isfinite(w).all()
    assert set(y.tolist()) == set(range(len(LABELS)))
    assert any(":" in n for n in names)                        # jump shots / free throws
    assert len({n for n, label in zip(names, y) if LABELS[label] == "none"}) >= 6


def test_augmentation_looks_like_an_estimator(windows):
    w = windows[0][5]
    rng = np.random.default_rng(0)
    out = [augment_window(w, rng) for _ in range(30)]
    assert all(o.shape == w.shape and np.isfinite(o).all() for o in out)
    vis = np.stack([o[:, :, 2] for o in out])
    assert (vis == 0).mean() > 0.02 and vis.max() <= 1.0       # dropped joints, low visibility
    assert not np.allclose(out[0][:, :, :2], w[:, :, :2])


def _only(**steps) -> PoseAugmentConfig:
    """An augmentation with every random step off but `steps`."""
    off = PoseAugmentConfig(mirror=0.0, camera_follow=0.0, rotation_deg=0.0, squash=(1.0, 1.0),
                            speed=(1.0, 1.0), jitter=(0.0, 0.0), lag=0.0, drop_joint=(0.0, 0.0),
                            drop_frame=(0.0, 0.0), swap_frames=0.0, partial_body=0.0, glitch=0.0,
                            limb_bend=0.0, extremity_jitter=1.0, proportions=0.0, wrong_person=0.0,
                            arm_spread=0.0)
    return replace(off, **steps)


def _span(w, a, b):
    return float(np.median(np.linalg.norm(w[:, a, :2] - w[:, b, :2], axis=1)))


def test_reproportioning_widens_the_body_and_shortens_the_limbs_against_the_torso(windows):
    w = windows[0][7]
    assert np.allclose(augment_window(w, np.random.default_rng(0), _only())[:, :, :2], w[:, :, :2], atol=1e-3)
    out = augment_window(w, np.random.default_rng(0), _only(proportions=1.0))

    def torso(x):
        return float(np.median(np.linalg.norm(
            (x[:, 5, :2] + x[:, 6, :2]) / 2 - (x[:, 11, :2] + x[:, 12, :2]) / 2, axis=1)))

    assert _span(out, 5, 6) / torso(out) > 1.1 * _span(w, 5, 6) / torso(w)        # shoulders
    assert _span(out, 11, 12) / torso(out) > 1.05 * _span(w, 11, 12) / torso(w)    # hips
    for a, b in ((7, 9), (13, 15)):                                                  # forearm, shin
        assert _span(out, a, b) / torso(out) < 0.97 * _span(w, a, b) / torso(w)


def test_arm_spread_carries_the_arms_out_without_changing_their_length(windows):
    w = windows[0][7]
    out = augment_window(w, np.random.default_rng(0), _only(arm_spread=1.0, arm_spread_deg=30.0))
    gap = lambda x: float(np.median(np.abs(x[:, 9, 0] - x[:, 10, 0])))   # noqa: E731
    assert gap(out) > gap(w) + 1e-3                                     # hands further apart
    for a, b in ((5, 7), (7, 9), (6, 8), (8, 10), (5, 6), (11, 15)):    # arms turn whole; the rest stays
        assert _span(out, a, b) == pytest.approx(_span(w, a, b), rel=1e-4)
    assert np.allclose(out[:, 11:, :2], w[:, 11:, :2])


def test_following_someone_else_moves_part_of_the_window_only(windows):
    w = windows[0][2]
    out = augment_window(w, np.random.default_rng(1), _only(wrong_person=1.0))
    moved = np.abs(out[:, :, :2] - w[:, :, :2]).max(axis=(1, 2)) > 1e-3
    assert 0 < moved.sum() < len(w)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("pose-run")
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--pose-family", "features_linear",
                                      "--synth-windows", "400", "--epochs", "25", "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    out.with_name(out.name + ".said.txt").write_text(result.output)  # beside the run, not in it
    return out


def test_train_says_its_synthetic_validation_accuracy_with_its_interval_and_counts(trained):
    from highlights.pose_classifier.train import accuracy_said
    from highlights.rate_interval import wilson_interval

    augmented = json.loads((trained / "best.json").read_text())["validation"]["augmented"]
    assert augmented["right"] == round(augmented["accuracy"] * augmented["windows"])
    low, high = wilson_interval(augmented["right"], augmented["windows"])
    said = trained.with_name(trained.name + ".said.txt").read_text()
    assert (f"synthetic validation (augmented): accuracy {augmented['accuracy']:.3f} [{low:.3f}, {high:.3f}] "
            f"({augmented['right']} of {augmented['windows']} windows, 95% Wilson), "
            f"macro-F1 {augmented['macro_f1']:.3f}\n") in said
    one = {"windows": 1, "right": 1, "accuracy": 1.0}
    assert accuracy_said(one).startswith("accuracy 1.000 [0.207, 1.000] (1 of 1 window,")


def test_train_writes_a_weights_only_checkpoint_with_provenance(trained):
    payload = torch.load(trained / "best.pt", weights_only=True)
    assert payload["meta"]["model"]["arch"] == "pose_features_linear"
    provenance = json.loads((trained / "best.json").read_text())
    assert provenance["training_data"]["source"].startswith("synthetic")
    assert provenance["training_data"]["windows"] == 400
    assert provenance["generator"].startswith("highlights synth")
    assert provenance["highlights_version"] == payload["meta"]["provenance"]["highlights_version"] == __version__
    # the whole config, not a subset (the checkpoint keeps tuples that JSON writes as lists)
    assert provenance["train_config"] == json.loads(json.dumps(payload["meta"]["train_config"]))
    # It learnt the generator's classes: well above chance (0.25) on held-out synthetic windows.
    assert provenance["validation"]["clean"]["accuracy"] > 0.5


@pytest.fixture(scope="module")
def clip_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    for i, label in enumerate(LABELS):
        sport = SPORT_OF_LABEL.get(label, "soccer")
        req = ClipRequest(label=label, seed=40 + i, scene_seed=40 + i, group="g", sport=sport,
                          seconds=2.5, width=160, height=96, fps=10.0, difficulty=0.1)
        write_clip(req, root / label / f"clip_{label}.mp4")
    (root / "untrimmed").mkdir()
    return root


def test_evaluate_scores_a_plain_folder_and_names_misclassified_clips_by_file(trained, clip_tree, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(trained / "best.pt"), "--clips", str(clip_tree),
                                      "--out", str(out), "--no-progress", "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    assert report["num_clips"] == 4
    assert report["meta"]["clips_seen_in_training"] == []  # trained on synthetic poses alone
    assert (out / "video_scorer_testreport_confusion.png").stat().st_size > 0
    wrong = report["errors"]["misclassified"]
    correct = sum(report["confusion_matrix"]["matrix"][i][i] for i in range(4))
    assert len(wrong) == 4 - correct
    for row in wrong:
        assert row["clip_id"] == f"{row['true']}/clip_{row['true']}.mp4"


def test_a_clip_with_nobody_in_it_is_not_listed_as_a_confident_error(trained, clip_tree, tmp_path):
    # Called `none` for want of a pose, it would otherwise head the "most confident" list at 1.000.
    tree = tmp_path / "tree"
    (tree / "soccer_shooting").mkdir(parents=True)
    source = clip_tree / "soccer_shooting" / "clip_soccer_shooting.mp4"
    shutil.copy(source, tree / "soccer_shooting" / "empty_pitch.mp4")
    truth = json.loads(source.with_suffix(".json").read_text())
    for frame in truth["frames"]:
        frame["persons"] = [p for p in frame.get("persons", []) if not p.get("actor")]
    (tree / "soccer_shooting" / "empty_pitch.json").write_text(json.dumps(truth))
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(trained / "best.pt"), "--clips", str(tree),
                                      "--out", str(out), "--no-progress", "--bootstrap", "10"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    assert report["meta"]["clips_without_a_person"] == ["soccer_shooting/empty_pitch.mp4"]
    assert report["errors"]["misclassified"] == [{"clip_id": "soccer_shooting/empty_pitch.mp4",
                                                  "true": "soccer_shooting", "predicted": "none",
                                                  "confidence": None, "note": "no person found"}]
    assert "| soccer_shooting/empty_pitch.mp4 | soccer_shooting | none | - | no person found |" in (
        out / "video_scorer_testreport.md").read_text()


def test_default_model_ships_small_safe_and_documented():
    path = default_model.DEFAULT_MODEL
    assert path.stat().st_size <= 5 * 1024 * 1024
    payload = torch.load(path, weights_only=True)
    assert payload["meta"]["model"]["arch"].startswith("pose_")
    provenance = json.loads(default_model.DEFAULT_PROVENANCE.read_text())
    for key in ("command", "seed", "generator", "training_data", "validation", "sha256"):
        assert key in provenance
    # the package that made it, as every record of the project says
    assert provenance["highlights_version"] == "0.1.0"
    assert provenance["training_data"]["source"].startswith("synthetic")
    clf = default_model.load_default_pose_model()
    assert clf.classes == list(LABELS)
    assert clf.aggregation == payload["meta"].get("aggregation", "max")
    # Its features are clamped to the range they took in training.
    q = payload["meta"]["train_config"]["feature_range_quantile"]
    assert q > 0 and torch.isfinite(clf.network.lo).all() and torch.isfinite(clf.network.hi).all()


def test_the_training_defaults_are_the_packaged_models_recipe_and_train_uses_them(tmp_path, monkeypatch):
    import highlights.pose_classifier.train as pose_train

    # Every setting the packaged model was trained with is PoseTrainConfig's default, so
    # `scripts/make_default_pose_model.py` trains it again. It passes one setting alone: the
    # features' version, which new models get newer than the packaged model's (recorded beside the
    # weights, not in its training config, which predates the setting).
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_default_pose_model.py"
    spec = importlib.util.spec_from_file_location("make_default_pose_model", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.PACKAGED_FEATURE_VERSION == default_model.load_default_pose_model().feature_version == 1
    assert pose_train.PoseTrainConfig(out_dir="-").feature_version == 2
    stored = dict(torch.load(default_model.DEFAULT_MODEL, weights_only=True)["meta"]["train_config"])
    defaults = pose_train.PoseTrainConfig(out_dir="-").to_dict()
    stored.pop("out_dir"), defaults.pop("out_dir")
    assert "feature_version" not in stored
    defaults.pop("feature_version")
    # Nor does it take the threshold of the model it replaces: it sets 0.5, as the packaged model
    # was trained with, where a new model's None takes a threshold by `unchosen_threshold`'s rule.
    assert stored.pop("action_threshold") == script.DEFAULT_ACTION_THRESHOLD == 0.5
    assert defaults.pop("action_threshold") is None
    assert set(stored) <= set(defaults), f"settings the dataclass lost: {set(stored) - set(defaults)}"
    # Augmentation steps added after the model was made are off by default and draw nothing when
    # off, so the defaults still train it again.
    added = set(defaults["augment"]) - set(stored["augment"])
    assert added <= {"flicker", "flicker_rate", "flicker_run", "wrist_misplace", "wrist_misplace_score"}
    assert defaults["augment"]["flicker"] == 0 and defaults["augment"]["wrist_misplace"] == 0
    defaults["augment"] = {k: v for k, v in defaults["augment"].items() if k not in added}
    assert {k: defaults[k] for k in stored} == stored
    assert (defaults["family"], defaults["synth_windows"], defaults["epochs"]) == ("features_linear", 3000, 40)

    # `train --model pose` with every setting left out builds that same config; a setting given
    # replaces its default alone (validation keeps its share of the synthetic windows).
    built = []

    def keep(config, *args, **kwargs):
        built.append(config)
        raise KeyboardInterrupt

    monkeypatch.setattr(pose_train, "train_pose_classifier", keep)
    for name, extra in (("plain", []), ("given", ["--synth-windows", "1000", "--epochs", "7"])):
        CliRunner().invoke(app, ["train", "--model", "pose", "--out", str(tmp_path / name), "--no-progress", *extra])
    plain, given = built
    assert replace(plain, out_dir="-") == pose_train.PoseTrainConfig(out_dir="-")
    assert replace(given, out_dir="-") == pose_train.PoseTrainConfig(out_dir="-", synth_windows=1000, val_windows=200,
                                                                     epochs=7)


def test_a_pose_checkpoints_training_settings_load_back_as_the_config_that_trained_it():
    """meta["train_config"] holds plain JSON values (lists for tuples, dicts for the nested
    specs); `from_dict` gives back the PoseTrainConfig itself. The packaged model's settings,
    saved before feature_version was stored, load as version 1, the version it was made on."""
    from highlights.pose_classifier.game_data import GameWindowSpec
    from highlights.pose_classifier.train import PoseTrainConfig

    config = PoseTrainConfig(out_dir="run", synth_windows=100, classes=("none", "soccer_shooting"),
                             game=GameWindowSpec(games=2, difficulty=(0.1, 0.2)))
    saved = json.loads(json.dumps(config.to_dict()))
    assert saved["game"]["difficulty"] == [0.1, 0.2]
    assert PoseTrainConfig.from_dict(saved) == config
    packaged = torch.load(default_model.DEFAULT_MODEL, weights_only=True)["meta"]["train_config"]
    loaded = PoseTrainConfig.from_dict(packaged)
    assert loaded.feature_version == default_model.load_default_pose_model().feature_version == 1
    assert isinstance(loaded.game, GameWindowSpec) and isinstance(loaded.augment, PoseAugmentConfig)
    again = loaded.to_dict()
    assert {name: again[name] for name in packaged if name != "augment"} == {
        name: value for name, value in packaged.items() if name != "augment"}
    assert {name: again["augment"][name] for name in packaged["augment"]} == packaged["augment"]
    with pytest.raises(ConfigError, match="^pose training settings: game: unknown settings speed$"):
        PoseTrainConfig.from_dict({**saved, "game": {**saved["game"], "speed": 2}})


def test_the_packaged_models_script_writes_its_provenance_with_the_package_version(tmp_path,
                                                                                    monkeypatch):
    """`scripts/make_default_pose_model.py` writes the model and its provenance JSON (command,
    package version, sha256 of the file written), here from a short run of the same recipe."""
    import importlib.util

    import highlights.pose_classifier.train as pose_train
    from highlights.file_hash import file_sha256

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_default_pose_model.py"
    spec = importlib.util.spec_from_file_location("make_default_pose_model", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = tmp_path / "default" / "pose_default.pt"
    monkeypatch.setattr(script, "DEFAULT_MODEL", model)
    monkeypatch.setattr(script, "PoseTrainConfig", lambda **settings: pose_train.PoseTrainConfig(
        **settings, synth_windows=120, val_windows=40, epochs=2))
    monkeypatch.setattr("sys.argv", [str(path)])
    assert script.main() == 0
    provenance = json.loads(model.with_suffix(".json").read_text())
    assert provenance["command"] == "python scripts/make_default_pose_model.py"
    assert provenance["highlights_version"] == __version__
    assert (provenance["file"], provenance["sha256"]) == (model.name, file_sha256(model))
    assert provenance["feature_version"] == script.PACKAGED_FEATURE_VERSION
    assert provenance["training_data"]["windows"] == 120
    assert provenance["side_free"] is False

    # --side-free --out FILE: the same recipe with side-free input, into FILE; the packaged model
    # is left as it was.
    packaged = model.read_bytes()
    side_free = tmp_path / "elsewhere" / "side_free.pt"
    monkeypatch.setattr("sys.argv", [str(path), "--side-free", "--out", str(side_free)])
    assert script.main() == 0
    assert model.read_bytes() == packaged
    provenance = json.loads(side_free.with_suffix(".json").read_text())
    assert provenance["command"] == ("python scripts/make_default_pose_model.py --side-free "
                                     "--out side_free.pt")
    assert provenance["side_free"] is True and provenance["file"] == side_free.name
    assert PoseClassifier.load(side_free).side_free is True


def test_default_model_on_synthetic_clips_with_no_checkpoint(clip_tree, tmp_path):
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(clip_tree), "--out", str(tmp_path / "r"),
                                      "--no-progress", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    assert "default pose classifier" in result.output


def test_a_pose_report_says_its_synthetic_clips_were_scored_on_the_generators_own_poses(clip_tree, tmp_path):
    # Each synthetic clip's poses are read from its NAME.json, exact where an estimator's are not:
    # a report that did not say so read as the classifier's score on footage.
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(clip_tree), "--out", str(tmp_path / "r"),
                                      "--no-progress", "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "video_scorer_testreport.json").read_text())
    assert report["meta"]["poses"] == {"generator_truth": 4, "estimated": 0, "estimator": None}
    markdown = (tmp_path / "r" / "video_scorer_testreport.md").read_text()
    assert "**Poses:** 4 of the 4 clips were scored on the synthetic generator's own keypoints" in markdown
    assert "**Poses:** 4 of the 4 clips" in " ".join(result.output.split())


def test_a_report_of_estimated_poses_has_no_note_of_the_generators_own():
    from highlights.report import build_report
    from highlights.report.markdown import render_markdown

    report = build_report(["a", "b"], ["a", "a"], ["a", "b"], n_bootstrap=20,
                          meta={"poses": {"generator_truth": 0, "estimated": 2, "estimator": {"name": "BlazePose"}}})
    assert "**Poses:**" not in render_markdown(report)
    report["meta"]["poses"] = {"generator_truth": 1, "estimated": 1, "estimator": {"name": "BlazePose"}}
    assert "**Poses:** 1 of the 2 clips was scored on" in render_markdown(report)


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_default_model_is_one_line_naming_it(damage, clip_tree, tmp_path, monkeypatch):
    fake = tmp_path / "pose_default.pt"
    if damage == "corrupt":
        fake.write_bytes(b"not a model")
    monkeypatch.setattr(default_model, "DEFAULT_MODEL", fake)
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(clip_tree), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert str(fake) in last and "Traceback" not in result.output


def test_fusion_refuses_other_classes_naming_both_lists():
    with pytest.raises(ClassListMismatch) as e:
        align_classes(["a", "b", "none"], ["a", "c", "none"])
    assert "['a', 'b', 'none']" in str(e.value) and "['a', 'c', 'none']" in str(e.value)
    assert align_classes(["b", "a"], ["a", "b"]) == [1, 0]
    # One class of a club's own among the generator's: only a pose model trained on the same clips has them.
    with pytest.raises(ClassListMismatch) as e:
        align_classes(["soccer_shooting", "rest", "none"], ["soccer_shooting", "none"])
    assert "`highlights train --model pose` makes from the same labelled clips (--clips FOLDER" in str(e.value)


def test_fusion_weight_follows_the_better_model_on_validation():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    good = np.eye(3)[y] * 0.8 + 0.1
    noise = rng.dirichlet(np.ones(3), 60)
    w, scores = choose_weight(good, noise, y)
    assert w > 0.5 and scores[1.0] == 1.0
    # A class no validation clip has and no weight predicts counts 0 in the macro-F1 (not 1).
    _, absent = choose_weight(np.hstack([good, np.zeros((60, 1))]), np.hstack([noise, np.zeros((60, 1))]), y)
    assert absent[1.0] == pytest.approx(0.75)
    w, _ = choose_weight(noise, good, y)
    assert w < 0.5
    np.testing.assert_allclose(fuse(good, noise, 0.0), noise)
    np.testing.assert_allclose(fuse(good, noise, 1.0), good)
    for weight in (-0.01, 1.01):
        with pytest.raises(ConfigError, match="fusion weight must be in"):
            fuse(good, noise, weight)
    assert WEIGHTS == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def test_window_aggregation_is_saved_with_the_model_and_changes_the_clip_score(trained, windows, tmp_path):
    clf = PoseClassifier.load(trained / "best.pt")
    proba = np.array([[0.1, 0.1, 0.1, 0.7], [0.6, 0.1, 0.1, 0.2], [0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(clf.aggregate(proba, "max"), proba[1])
    np.testing.assert_allclose(clf.aggregate(proba, "mean"), proba.mean(axis=0))
    mean = PoseClassifier(clf.network, clf.classes, clf.spec, clf.family, clf.meta, clf.action_threshold, "mean")
    again = PoseClassifier.load(mean.save(tmp_path / "mean.pt"))
    assert again.aggregation == "mean"
    np.testing.assert_allclose(again.aggregate(proba), proba.mean(axis=0))
    with pytest.raises(ConfigError):
        PoseClassifier(clf.network, clf.classes, clf.spec, clf.family, {}, 0.5, "median")


def test_a_best_pt_beside_another_models_best_json_loads_with_a_warning_naming_it(trained, tmp_path,
                                                                                 caplog):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(trained, run)
    clf = PoseClassifier.load(run / "best.pt")
    assert not [r for r in caplog.records if r.levelname == "WARNING"]  # its own summary
    other = PoseClassifier(clf.network, clf.classes, clf.spec, clf.family, clf.meta, clf.action_threshold,
                           "mean")
    other.save(run / "best.pt")  # another model's file beside the run's best.json
    assert PoseClassifier.load(run / "best.pt").aggregation == "mean"  # still loaded: it is whole
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(f"warning: {run / 'best.json'}: describes another best.pt")
    assert "\n" not in warning
    caplog.clear()
    other.save(tmp_path / "alone.pt")  # no summary beside it: nothing to say
    PoseClassifier.load(tmp_path / "alone.pt")
    assert not caplog.records


def test_track_proba_scores_a_track_longer_than_a_window(trained, windows):
    clf = PoseClassifier.load(trained / "best.pt")
    w, y, _ = windows
    # Three windows back to back at 10 fps: one track longer than the model's window.
    track = np.concatenate([w[i] for i in range(3)])
    p = clf.track_proba(track, np.arange(len(track)) / 10.0)
    assert p.shape == (4,) and abs(p.sum() - 1) < 1e-4
    assert clf.track_proba(np.zeros((30, 17, 3), np.float32), np.arange(30) / 10.0) is None


@pytest.mark.parametrize("options, named", [
    (["--batch-size", "4"], "--batch-size"),
    (["--workers", "2", "--backend", "eager"], "--workers and --backend"),
    (["--int8"], "--int8"),
])
def test_evaluate_refuses_the_r2plus1d_inference_settings_with_a_pose_model(clip_tree, tmp_path, options, named):
    out = tmp_path / "r"
    result = CliRunner().invoke(app, ["evaluate", "--clips", str(clip_tree), "--out", str(out), *options])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"{named}: the R(2+1)D clip classifier's inference settings" in said and "pose model" in said
    assert not out.exists()


def test_evaluate_fuse_pose_chooses_the_weight_on_val_and_reports_test(tmp_path):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    model = tiny_model()
    ckpt = save_checkpoint(tmp_path / "r2.pt", model, tiny_meta(model))
    out = tmp_path / "fused"
    result = CliRunner().invoke(app, ["evaluate", str(ckpt), "--root", str(dataset.root), "--version", dataset.name,
                                      "--fuse-pose", "--out", str(out), "--pose-cache", str(tmp_path / "poses"),
                                      "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    fusion = report["meta"]["model"]
    assert fusion["arch"] == "fusion" and 0.0 <= fusion["weight"] <= 1.0
    # the R(2+1)D side is recorded as a plain report records it: its training settings and data
    assert report["meta"]["train_config"] == tiny_meta(model)["train_config"]
    assert report["meta"]["dataset"]["trained_on"] == tiny_meta(model)["dataset"]
    assert len(fusion["validation_macro_f1_by_weight"]) == 11
    assert report["num_clips"] == len(dataset.split("test", augmented=False))
    # how few clips chose the weight, and which weights tied with it, said where the figures are
    n_val = len(dataset.split("val", augmented=False))
    scores = {float(w): s for w, s in fusion["validation_macro_f1_by_weight"].items()}
    tied = sorted(w for w, s in scores.items() if s == max(scores.values()))
    assert fusion["validation_clips"] == n_val and fusion["tied_weights"] == tied
    # the fixture's val split is too small to choose a weight on: each model counts half
    assert n_val < 30 and fusion["best_validation_weight"] == tied[0]
    assert fusion["weight"] == 0.5 and fusion["chosen_on_validation"] is False
    said = (f"R(2+1)D weight 0.5 kept, each model counting half: {n_val} validation clips are fewer than the 30 "
            "a weight is chosen on")
    assert said in " ".join(result.output.split())
    assert f"**Fusion:** {said}" in (out / "video_scorer_testreport.md").read_text()
    # misclassified clips are listed by clip id, as the R(2+1)D's report lists them (report compare pairs by it)
    test_ids = {r.clip_id for r in dataset.split("test", augmented=False)}
    listed = [row["clip_id"] for row in report["errors"]["misclassified"]]
    assert listed and set(listed) <= test_ids


def test_evaluate_fuse_pose_stops_the_r2plus1d_classifiers_worker_threads(tmp_path, monkeypatch):
    from highlights.model import save_checkpoint
    from highlights.pose_classifier.fusion_eval import evaluate_fusion
    from tests.model_fixtures import inference_threads, keep_every_runner_started, tiny_meta, tiny_model
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    model = tiny_model()
    ckpt = save_checkpoint(tmp_path / "r2.pt", model, tiny_meta(model))
    runners, before = keep_every_runner_started(monkeypatch), inference_threads()
    report, _ = evaluate_fusion(ckpt, root=dataset.root, version=dataset.name, out_dir=tmp_path / "fused",
                                cache_dir=tmp_path / "poses", n_bootstrap=10)
    assert report["num_clips"] == len(dataset.split("test", augmented=False))
    assert runners and inference_threads() <= before


def test_fusion_weight_choice_names_its_ties_and_how_few_clips_chose_it():
    # Four validation clips on which the pose model is right and the R(2+1)D right on half:
    # every weight under 0.5 keeps the pose model's argmax, so five weights tie.
    y = [0, 1, 0, 1]
    pose = np.array([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]])
    r2 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    w, scores = choose_weight(r2, pose, y)
    assert w == 0.0 and tied_weights(scores) == [0.0, 0.1, 0.2, 0.3, 0.4]
    # chosen where the split has enough clips to choose on (the same scores, said of 40 clips) ...
    assert settle_weight(w, 40) == 0.0 and settle_weight(w, 30) == 0.0
    text = weight_choice_text(0.0, scores, 40)
    assert text.startswith("R(2+1)D weight 0 chosen on 40 validation clips (validation macro-F1 1.000)")
    assert "5 of the 11 weights tie at that score (0, 0.1, 0.2, 0.3, 0.4)" in text and "fewer" not in text
    # ... and kept at 0.5 on four, with the best weight on them and both scores said
    assert settle_weight(w, 4) == 0.5 and settle_weight(w, 29) == 0.5
    assert weight_choice_text(0.0, scores, 30).startswith("R(2+1)D weight 0 chosen on 30 validation clips")
    assert weight_choice_text(0.5, scores, 29).startswith("R(2+1)D weight 0.5 kept, each model counting half")
    text = weight_choice_text(0.5, scores, len(y))
    assert text == ("R(2+1)D weight 0.5 kept, each model counting half: 4 validation clips are fewer than the 30 a "
                    f"weight is chosen on, as one clip more or less right would move it (the best on them, 0, has "
                    f"validation macro-F1 1.000 against {scores[0.5]:.3f} at 0.5; 5 of the 11 weights tie at that "
                    "score (0, 0.1, 0.2, 0.3, 0.4) and the smallest was taken).")
    assert weight_choice_text(0.5, scores, 1).startswith(
        "R(2+1)D weight 0.5 kept, each model counting half: 1 validation clip is fewer than the 30")
    two = weight_choice_text(0.0, {0.0: 0.5, 0.1: 0.5, 0.2: 0.3}, 40)
    assert two.endswith("(validation macro-F1 0.500); 2 of the 3 weights tie at that score (0, 0.1) and the "
                        "smallest was taken.")
    many = weight_choice_text(1.0, {0.0: 0.2, 1.0: 0.9}, 500)
    assert many == "R(2+1)D weight 1 chosen on 500 validation clips (validation macro-F1 0.900)."


def test_fuse_pose_refuses_a_checkpoint_with_other_classes(tmp_path):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    model = tiny_model(2)
    ckpt = save_checkpoint(tmp_path / "r2.pt", model, tiny_meta(model, ["baseball_swing", "none"]))
    result = CliRunner().invoke(app, ["evaluate", str(ckpt), "--root", str(dataset.root), "--version", dataset.name,
                                      "--fuse-pose", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "['baseball_swing', 'none']" in result.output and "basketball_layup" in result.output
    assert f"{ckpt}: cannot fuse" in " ".join(result.output.split())  # the line names the file
    assert "the R(2+1)D checkpoint's classes ['baseball_swing', 'none'] differ from the pose model's" in " ".join(
        result.output.split())
    # ... and says what to do: no pose model of other classes can be trained to fuse with.
    said = " ".join(result.output.split())
    assert ("so a model of other classes runs alone (evaluate without --fuse-pose, "
            "classifier.backend=checkpoint)") in said


def test_train_adds_the_poses_of_labelled_clips(clip_tree, tmp_path):
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--synth-windows", "100", "--epochs", "3",
                                      "--clips", str(clip_tree), "--out", str(tmp_path / "run"), "--no-progress"])
    assert result.exit_code == 0, result.output
    # the line saying what it trains on names the clips, not the synthetic windows alone
    assert f"data: 100 synthetic pose windows and the poses of the clips in {clip_tree}, seed 0" in " ".join(
        result.output.split())
    provenance = json.loads((tmp_path / "run" / "best.json").read_text())
    used = provenance["training_data"]["labelled_clips"]
    assert used["clips"] == 4
    # Their windows are repeated to the default share of the training windows, and it says so.
    assert provenance["training_data"]["windows"] == 100 + used["repeats"] * used["windows"]
    assert (used["share_setting"] == provenance["train_config"]["labelled_share"]
            == DEFAULT_LABELLED_SHARE)
    assert used["share_of_training_windows"] >= DEFAULT_LABELLED_SHARE
    assert (f"labelled clips' windows counted {counted(used['repeats'], 'time')}: "
            f"{used['share_of_training_windows']:.0%} of the training windows") in result.output
    # Scored on a tree holding one of its training clips and a new one, the report says which it has seen.
    import shutil

    tree = tmp_path / "mixed"
    (tree / "none").mkdir(parents=True)
    shutil.copy(clip_tree / "baseball_swing" / "clip_baseball_swing.mp4", tree / "none" / "old.mp4")
    write_clip(ClipRequest(label="none", seed=91, scene_seed=91, group="n", sport="soccer", seconds=2.5,
                           width=160, height=96, fps=10.0, difficulty=0.1), tree / "none" / "new.mp4")
    out = tmp_path / "report"
    scored = CliRunner().invoke(app, ["evaluate", str(tmp_path / "run"), "--clips", str(tree), "--out", str(out),
                                      "--no-progress", "--bootstrap", "10"])
    assert scored.exit_code == 0, scored.output
    said = " ".join(scored.output.split())
    assert "1 of the 2 clips was among this model's training clips (the same files)" in said
    assert json.loads((out / "video_scorer_testreport.json").read_text())["meta"]["clips_seen_in_training"] == [
        "none/old.mp4"]
    assert ("**1 of the 2 clips is not a test:** the model was trained on the same file (none/old.mp4)"
            in (out / "video_scorer_testreport.md").read_text())


def test_training_leaves_the_callers_torch_generator_where_it_was(windows, tmp_path):
    from highlights.pose_classifier.train import PoseTrainConfig, fit_network

    w, y, _ = windows
    cfg = PoseTrainConfig(out_dir=str(tmp_path), family="features_linear", epochs=2, copies=1)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = fit_network(cfg, w, y)
    assert torch.equal(torch.rand(3), expected)
    again = fit_network(cfg, w, y)  # and the run is still its seed's alone
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), again.state_dict().values()))


def test_features_are_clamped_to_their_training_range(windows, tmp_path):
    from highlights.pose_classifier.model import model_inputs
    from highlights.pose_classifier.train import PoseTrainConfig, fit_network

    w, y, _ = windows
    cfg = PoseTrainConfig(out_dir=str(tmp_path), family="features_linear", epochs=3, copies=1,
                          feature_range_quantile=0.05)
    net = fit_network(cfg, w, y)
    lo, hi = net.lo.clone(), net.hi.clone()
    assert torch.isfinite(lo).all() and torch.isfinite(hi).all() and (lo <= hi).all()
    x = model_inputs("features_linear", [normalise(w[0])], 10.0)
    assert ((x < lo) | (x > hi)).sum() < x.shape[1]   # most of a training window's features are inside
    # A feature far beyond anything seen in training counts as the edge of the range, no more.
    far, edge = x.clone(), x.clone()
    far[0, 0], edge[0, 0] = hi[0] + 1000.0, hi[0]
    with torch.no_grad():
        torch.testing.assert_close(net(far), net(edge))
        assert not torch.allclose(net(far), net(x)) or x[0, 0] >= hi[0]
    unbounded = fit_network(replace(cfg, feature_range_quantile=0.0), w, y)
    assert torch.isinf(unbounded.lo).all() and torch.isinf(unbounded.hi).all()
    with pytest.raises(ConfigError):
        PoseTrainConfig(out_dir="-", feature_range_quantile=0.5)


def test_a_pose_model_written_before_clamping_loads_with_unbounded_features(trained, windows, tmp_path):
    clf = PoseClassifier.load(trained / "best.pt")
    payload = torch.load(trained / "best.pt", weights_only=True)
    for key in ("lo", "hi"):
        payload["state_dict"].pop(key)
    torch.save(payload, tmp_path / "old.pt")
    old = PoseClassifier.load(tmp_path / "old.pt")
    assert torch.isinf(old.network.lo).all() and torch.isinf(old.network.hi).all()
    w, _, _ = windows
    norm = [normalise(x) for x in w[:8]]
    clf.network.lo.fill_(-torch.inf)
    clf.network.hi.fill_(torch.inf)
    np.testing.assert_allclose(old.window_proba(norm), clf.window_proba(norm), rtol=1e-5)


def test_a_model_trained_on_feature_version_1_is_fitted_and_saved_on_those_features(tmp_path, windows):
    """The packaged model's script trains on version 1: the clamp and standardisation are fitted on
    version-1 features (an unseen wrist read at the hip centre changes them), and the model says
    version 1, so it is given those features when loaded."""
    from highlights.pose_classifier.train import PoseTrainConfig, train_pose_classifier

    made = {}
    for version in (1, 2):
        config = PoseTrainConfig(out_dir=str(tmp_path / f"v{version}"), synth_windows=200, val_windows=40,
                                 epochs=3, feature_version=version)
        _, path = train_pose_classifier(config, show_progress=False, log=lambda *_: None)
        made[version] = PoseClassifier.load(path)
        assert made[version].feature_version == version
    # Same seeds, same windows: only the features' version differs, and the fitted ranges show it.
    assert not torch.equal(made[1].network.lo, made[2].network.lo) or not torch.equal(made[1].network.mean,
                                                                                       made[2].network.mean)
    with pytest.raises(ConfigError, match="unknown pose feature version 3"):
        PoseTrainConfig(out_dir="-", feature_version=3)


def test_a_model_without_val_takes_the_packaged_threshold_only_by_the_packaged_recipe(tmp_path, clip_tree):
    """No val split to choose its threshold on: a model of the packaged family trained with the
    synthetic windows (either feature version the recipe was measured on) takes the packaged
    model's, and says so; a threshold set in the config stays; another family, or a club's own
    classes (no synthetic window), keeps 0.5. best.json says where each came from."""
    from highlights.pose_classifier.train import PoseTrainConfig, train_pose_classifier

    packaged = default_model.load_default_pose_model().action_threshold
    assert packaged != 0.5
    tiny = {"synth_windows": 100, "val_windows": 40, "epochs": 2}
    cases = {"recipe": ({}, packaged, "the packaged model's"),
             "version 1": ({"feature_version": 1}, packaged, "the packaged model's"),
             "set": ({"action_threshold": 0.5}, 0.5, "configured"),
             "mlp": ({"family": "features_mlp"}, 0.5, "the default")}
    for name, (settings, threshold, source) in cases.items():
        said = []
        config = PoseTrainConfig(out_dir=str(tmp_path / name), **tiny, **settings)
        clf, path = train_pose_classifier(config, show_progress=False, log=said.append)
        summary = json.loads(path.with_suffix(".json").read_text())
        assert clf.action_threshold == PoseClassifier.load(path).action_threshold == threshold, name
        assert summary["action_threshold"] == threshold and summary["action_threshold_source"] == source
        told = [line for line in said if line.startswith("action threshold")]
        assert told == ([f"action threshold {packaged:g}, the packaged model's (no val split to choose it "
                         "on: a features_linear model trained on synthetic poses, as the packaged model "
                         "was, calls too few real actions at 0.5; the packaged model's threshold was "
                         "chosen on real clips; `detect --set classifier.action_threshold=T` sets "
                         "another)"] if source == "the packaged model's" else []), name
    tree = _club_tree(clip_tree, tmp_path / "tree", {"volley_a": "baseball_swing", "none": "none"})
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--epochs", "2", "--clips", str(tree),
                                      "--out", str(tmp_path / "club"), "--no-progress"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "club" / "best.json").read_text())
    assert (summary["action_threshold"], summary["action_threshold_source"]) == (0.5, "the default")
    assert PoseClassifier.load(tmp_path / "club" / "best.pt").action_threshold == 0.5


def test_a_pose_model_is_given_the_features_it_was_trained_on(trained, windows, tmp_path):
    """A model records how its features were computed; one written before that was recorded gets
    feature version 1 (an unseen wrist read at the hip centre) and keeps its predictions; a version
    this highlights does not compute is refused in one line naming the file."""
    from highlights.model.errors import CheckpointError
    from highlights.pose_classifier.features import FEATURE_VERSION
    from highlights.pose_classifier.skeleton import L_WRIST, R_WRIST

    payload = torch.load(trained / "best.pt", weights_only=True)
    assert payload["meta"]["model"]["feature_version"] == FEATURE_VERSION == 2
    assert json.loads((trained / "best.json").read_text())["feature_version"] == 2
    clf = PoseClassifier.load(trained / "best.pt")
    assert clf.feature_version == 2
    payload["meta"]["model"].pop("feature_version")
    torch.save(payload, tmp_path / "old.pt")
    old = PoseClassifier.load(tmp_path / "old.pt")
    assert old.feature_version == 1
    w, _, _ = windows
    norm = [normalise(x) for x in w[:20]]
    for n in norm:                          # one wrist unseen in half the frames
        n[::2, [L_WRIST, R_WRIST][len(n) % 2]] = 0.0
    as_old = PoseClassifier(clf.network, clf.classes, clf.spec, clf.family, clf.meta, clf.action_threshold,
                            clf.aggregation, feature_version=1)
    np.testing.assert_array_equal(old.window_proba(norm), as_old.window_proba(norm))
    assert not np.allclose(old.window_proba(norm), clf.window_proba(norm))
    # The mirror images it averages in are given version 1 too: the features read left and right
    # alike, so a mirror image scores as its window does and the average is the window's own score.
    np.testing.assert_allclose(old.window_proba(norm), old.window_proba(norm, tta_mirror=False), atol=1e-6)
    # Saved again, it says version 1 and is read as version 1.
    old.save(tmp_path / "again.pt")
    assert PoseClassifier.load(tmp_path / "again.pt").feature_version == 1
    payload["meta"]["model"]["feature_version"] = 99
    torch.save(payload, tmp_path / "newer.pt")
    with pytest.raises(CheckpointError) as refused:
        PoseClassifier.load(tmp_path / "newer.pt")
    said = str(refused.value)
    assert "\n" not in said and str(tmp_path / "newer.pt") in said and "feature version 99" in said


def _kick_without_keypoints(tmp_path: Path) -> Path:
    """A synthetic kick written as a plain video: no generator keypoints beside it, so BlazePose runs."""
    req = ClipRequest(label="soccer_shooting", seed=7, scene_seed=7, group="g", sport="soccer", seconds=1.5,
                      width=320, height=240, fps=10.0, difficulty=0.1)
    clip = tmp_path / "kick.mp4"
    write_clip(req, clip)
    return clip


def _count_blazepose_runs(monkeypatch) -> list[int]:
    """A list that grows by one each time a BlazePose estimator is made."""
    from highlights.pipeline import blazepose

    calls: list[int] = []

    class Counting(blazepose.BlazePose):
        def __init__(self, **kw):
            calls.append(1)
            super().__init__(**kw)

    monkeypatch.setattr(blazepose, "BlazePose", Counting)
    return calls


def test_cached_poses_of_a_clip_are_estimated_again_when_pictures_decode_differently(tmp_path, monkeypatch):
    """A clip without the generator's keypoints gets BlazePose once, cached by content; a reader
    whose pictures differ (`video.PICTURES_VERSION`) never serves the old poses."""
    import highlights.video
    from highlights.pose_classifier import real_poses

    clip = _kick_without_keypoints(tmp_path)
    calls = _count_blazepose_runs(monkeypatch)
    cache = tmp_path / "poses"
    first = real_poses.estimate_clip_poses(clip, cache_dir=cache)
    again = real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 1 and np.array_equal(first.keypoints, again.keypoints) and len(list(cache.iterdir())) == 1
    monkeypatch.setattr(highlights.video, "PICTURES_VERSION", highlights.video.PICTURES_VERSION + 1)
    real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 2 and len(list(cache.iterdir())) == 2


@pytest.mark.parametrize("content, cause", [
    (b"", "not a checkpoint (not a PyTorch file)"),
    (b'{"model": "pose"}', "not a checkpoint (not a PyTorch file)"),
    (pickle.dumps({"meta": print}), "it holds pickled Python objects, which are never loaded"),
])
def test_an_unreadable_pose_model_is_said_as_a_checkpoint_is(tmp_path, content, cause):
    # It was torch's paragraph, advising weights_only=False, or "(EOFError: )" for an empty file.
    from highlights.model.errors import CheckpointError

    (tmp_path / "pose.pt").write_bytes(content)
    with pytest.raises(CheckpointError) as refused:
        PoseClassifier.load(tmp_path / "pose.pt")
    said = str(refused.value)
    assert said.startswith(f"{tmp_path / 'pose.pt'}: ") and cause in said
    assert "weights_only" not in said and len(said) < 200


def test_a_damaged_or_misshapen_pose_cache_entry_is_estimated_again(tmp_path, monkeypatch):
    """An empty entry raised EOFError, which the command line said as "Aborted." naming no file; a
    cut-off one BadZipFile; arrays of other shapes were served as the clip's poses."""
    from highlights.pose_classifier import real_poses

    clip = _kick_without_keypoints(tmp_path)
    calls = _count_blazepose_runs(monkeypatch)
    cache = tmp_path / "poses"
    first = real_poses.estimate_clip_poses(clip, cache_dir=cache)
    (entry,) = cache.iterdir()
    whole = entry.read_bytes()
    n = len(first.times)
    size = np.array([320, 240])
    for damaged in (b"", whole[:100], b"poses",
                    {"keypoints": first.keypoints[:1], "times": first.times, "size": size},
                    {"keypoints": first.keypoints[..., :2], "times": first.times, "size": size},
                    {"keypoints": first.keypoints, "times": first.times, "size": size[:1]}):
        if isinstance(damaged, bytes):
            entry.write_bytes(damaged)
        else:
            with open(entry, "wb") as f:
                np.savez(f, **damaged)
        again = real_poses.estimate_clip_poses(clip, cache_dir=cache)
        assert again.keypoints.shape == (n, 17, 3) and np.allclose(again.keypoints, first.keypoints)
    assert len(calls) == 7
    real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 7  # the entry written last is whole again, and served


def test_poses_an_earlier_version_or_another_mediapipe_cached_are_not_served(tmp_path, monkeypatch):
    """A cache entry is named by the clip's sha256 and a hash of what its poses depend on. An
    earlier version of highlights hashed only the settings and the picture reader's version: its
    entry (written here by hand, with poses BlazePose would never give) must not be served now,
    as the estimator it came from is not known; nor an entry of another installed mediapipe."""
    import hashlib
    from dataclasses import asdict

    from highlights.file_hash import file_sha256
    from highlights.pipeline import blazepose
    from highlights.pose_classifier import real_poses
    from highlights.video import PICTURES_VERSION

    clip = _kick_without_keypoints(tmp_path)
    cache = tmp_path / "poses"
    cache.mkdir()
    settings = real_poses.PoseEstimateSettings()
    earlier_key = hashlib.sha256(json.dumps({**asdict(settings), "pictures": PICTURES_VERSION},
                                            sort_keys=True).encode()).hexdigest()[:12]
    stale = np.full((15, 17, 3), 7.0, np.float32)
    np.savez(cache / f"{file_sha256(clip)}-{earlier_key}.npz", keypoints=stale,
             times=np.arange(15) / 10.0, size=np.array([320, 240]))
    calls = _count_blazepose_runs(monkeypatch)
    poses = real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 1 and not np.array_equal(poses.keypoints, stale)
    real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 1  # its own entry is served
    identity = blazepose.estimator_identity()
    monkeypatch.setattr(blazepose, "estimator_identity", lambda: {**identity, "mediapipe": "0.10.99"})
    real_poses.estimate_clip_poses(clip, cache_dir=cache)
    assert len(calls) == 2 and len(list(cache.iterdir())) == 3


def test_poses_are_cached_in_the_folder_highlights_cache_dir_names(tmp_path, monkeypatch):
    """One variable moves every cache: the inference-path choices' and the poses'."""
    from highlights.model.path_choice import PathCache
    from highlights.pose_classifier import real_poses

    monkeypatch.delenv(real_poses.POSE_CACHE_ENV, raising=False)
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    assert real_poses.default_cache_dir() == tmp_path / "cache" / "poses"
    assert PathCache().path.parent == tmp_path / "cache"
    monkeypatch.delenv("HIGHLIGHTS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert real_poses.default_cache_dir() == tmp_path / "home" / ".cache" / "highlights" / "poses"


def test_a_pose_cache_that_cannot_be_written_costs_the_next_run_not_this_one(tmp_path, caplog):
    """The run goes on, and says once (not once per clip) which folder could not keep the poses
    and which variable moves it: a read-only home made every run estimate them again unsaid."""
    from highlights.pose_classifier import real_poses

    req = ClipRequest(label="soccer_shooting", seed=7, scene_seed=7, group="g", sport="soccer", seconds=1.0,
                      width=320, height=240, fps=10.0, difficulty=0.1)
    clip = tmp_path / "kick.mp4"
    write_clip(req, clip)
    in_the_way = tmp_path / "home-cache"
    in_the_way.write_text("a file where the cache folder would be")
    with caplog.at_level("WARNING", logger="highlights.pose_classifier.real_poses"):
        poses = real_poses.estimate_clip_poses(clip, cache_dir=in_the_way / "poses")
        real_poses.estimate_clip_poses(clip, cache_dir=in_the_way / "poses")
    assert len(poses.times) > 0
    said = [r.getMessage() for r in caplog.records if r.name == "highlights.pose_classifier.real_poses"]
    assert len(said) == 1, said
    assert str(in_the_way / "poses") in said[0] and "HIGHLIGHTS_CACHE_DIR" in said[0] and "\n" not in said[0]


@pytest.mark.parametrize("fused", [False, True])
def test_a_pose_evaluation_on_a_version_checks_its_clips_as_the_r2plus1d_one_does(tmp_path, fused):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    args = ["evaluate", "--root", str(dataset.root), "--version", dataset.name, "--out", str(tmp_path / "r"),
            "--pose-cache", str(tmp_path / "poses"), "--bootstrap", "20", "--no-progress"]
    if fused:
        model = tiny_model()
        args += [str(save_checkpoint(tmp_path / "r2.pt", model, tiny_meta(model))), "--fuse-pose"]
    damaged = dataset.split("test", augmented=False)[0]
    damaged.path.chmod(0o644)
    damaged.path.write_bytes(damaged.path.read_bytes()[:300])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {damaged.path} (clip {damaged.clip_id} of v1, from " in result.output
    assert "damaged since v1 was written" in result.output
    assert not (tmp_path / "r").exists()


def test_a_pose_report_on_a_version_names_each_wrong_clip_by_the_file_it_was_added_from(tmp_path):
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)  # coloured noise: nobody in any clip
    out = tmp_path / "r"
    result = CliRunner().invoke(app, ["evaluate", "--root", str(dataset.root), "--version", dataset.name,
                                      "--out", str(out), "--pose-cache", str(tmp_path / "poses"),
                                      "--bootstrap", "20", "--no-progress"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    test = {r.clip_id: r for r in dataset.split("test", augmented=False)}
    wrong = report["errors"]["misclassified"]
    assert wrong and all(row["true"] != "none" for row in wrong)
    for row in wrong:
        assert row["note"] == f"{dataset.origin(row['clip_id'])}; no person found"
        assert row["note"].startswith(f"{test[row['clip_id']].label}_")
    # the none clips, right for want of a pose, are in no error list: the confidence line names
    # every clip without a person by its id and the file it was added from
    assert report["meta"]["clips_without_a_person_from"] == {i: dataset.origin(i) for i in test}
    named = ", ".join(f"{i} ({dataset.origin(i)})" for i in report["meta"]["clips_without_a_person"])
    assert f"so the model called them none: {named})" in (out / "video_scorer_testreport.md").read_text()


def _a_person_in_every_clip(monkeypatch, windows):
    """Poses for clips the generator did not write (a dataset renames its clips): the generator's
    actor in every frame, so the test does not hang on what BlazePose makes of coloured noise."""
    import highlights.pose_classifier.clips as clips_module

    person = windows[0][0]
    monkeypatch.setattr(clips_module, "clip_poses",
                        lambda path, *, fps, cache_dir=None: (person, np.arange(len(person)) / fps))


def test_train_pose_on_a_dataset_version_adds_the_poses_of_its_train_clips(tmp_path, monkeypatch, windows):
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    _a_person_in_every_clip(monkeypatch, windows)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--synth-windows", "100", "--epochs", "3", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    train = dataset.split("train", augmented=False)
    assert f"from {len(train)} clips in {dataset.root} v1 (train split)" in " ".join(result.output.split())
    provenance = json.loads((out / "best.json").read_text())
    used = provenance["training_data"]["labelled_clips"]
    assert (used["clips"], used["version"], used["split"]) == (len(train), "v1", "train")
    assert used["windows"] == len(train)  # one 2 s window each
    assert provenance["training_data"]["source"].endswith(f"+ poses of {len(train)} labelled clips")
    meta = torch.load(out / "best.pt", weights_only=True)["meta"]["dataset"]
    assert (meta["version"], meta["train_clips"]) == ("v1", len(train))


def test_train_pose_on_a_version_chooses_its_action_threshold_on_the_val_clips(tmp_path, monkeypatch, windows):
    """The val split decides the action-vs-`none` gate as real-dev decided the packaged model's: here
    the `none` clips show nobody and the action clips the generator's actor, so every threshold up
    to the actor's action probability tells them apart and the rule takes the lowest; the
    configured 0.5 stays only where the val split cannot choose (too few clips: below)."""
    import highlights.pose_classifier.clips as clips_module
    from highlights.pose_classifier.action_gate import THRESHOLDS
    from highlights.pose_classifier.model import PoseClassifier
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path, per_class=40)  # val: 20 clips, 10 of them `none`
    label_of = {str(r.path): r.label for split in ("train", "val", "test")
                for r in dataset.split(split, augmented=False)}
    person = windows[0][0]

    caches = []

    def poses(path, *, fps, cache_dir=None):
        caches.append((label_of.get(str(path)), cache_dir))
        kp = np.zeros_like(person) if label_of.get(str(path)) == "none" else person
        return kp, np.arange(len(kp)) / fps

    monkeypatch.setattr(clips_module, "clip_poses", poses)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--synth-windows", "100", "--epochs", "3", "--out", str(out), "--no-progress",
                                      "--pose-cache", str(tmp_path / "poses")])
    assert result.exit_code == 0, result.output
    val = dataset.split("val", augmented=False)
    train = dataset.split("train", augmented=False)
    # Every clip's poses, train and val alike, are read from and kept in the cache the user named.
    assert len(caches) == len(train) + len(val) and {c for _, c in caches} == {str(tmp_path / "poses")}
    chosen = json.loads((out / "best.json").read_text())["validation"]["action_threshold"]
    assert chosen["chosen"] and chosen["clips"] == len(val)
    assert chosen["threshold"] == THRESHOLDS[0] < 0.5
    assert PoseClassifier.load(out / "best.pt").action_threshold == chosen["threshold"]
    assert json.loads((out / "best.json").read_text())["action_threshold"] == chosen["threshold"]
    said = " ".join(result.output.split())
    assert f"action threshold {THRESHOLDS[0]:g}, chosen on the {len(val)} val clips of v1" in said
    # --no-progress into a pipe or a log: one line per message, no empty lines from the hidden bars.
    assert "\n\n" not in result.output, result.output


def test_a_val_split_of_a_few_clips_leaves_the_packaged_models_threshold(tmp_path, monkeypatch, windows):
    """On 4 val clips macro-F1 moves between thresholds by a clip: a threshold chosen there is
    noise (6 real clips chose 0.85 and every test clip became `none`). A model of the packaged
    recipe trained with the synthetic windows then takes the packaged model's threshold, chosen on
    real clips, not 0.5 (which on real poses calls too few actions), and the run says why."""
    import highlights.pose_classifier.clips as clips_module
    from highlights.pose_classifier.model import PoseClassifier
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path)
    label_of = {str(r.path): r.label for split in ("train", "val", "test")
                for r in dataset.split(split, augmented=False)}
    person = windows[0][0]
    monkeypatch.setattr(clips_module, "clip_poses", lambda path, *, fps, cache_dir=None: (
        np.zeros_like(person) if label_of.get(str(path)) == "none" else person, np.arange(len(person)) / fps))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--synth-windows", "100", "--epochs", "3", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    val = dataset.split("val", augmented=False)
    packaged = default_model.load_default_pose_model().action_threshold
    summary = json.loads((out / "best.json").read_text())
    kept = summary["validation"]["action_threshold"]
    assert not kept["chosen"] and kept["clips"] == len(val) < 20
    assert kept["threshold"] == summary["action_threshold"] == packaged != 0.5
    assert summary["action_threshold_source"] == kept["source"] == "the packaged model's"
    assert PoseClassifier.load(out / "best.pt").action_threshold == packaged
    said = " ".join(result.output.split())
    assert (f"action threshold {packaged:g}, the packaged model's (not chosen on v1's val clips: "
            f"{len(val)} val clips") in said
    assert "too few to choose it on (at least 20, 5 `none` and 5 actions)" in said
    assert "calls too few real actions at 0.5" in said
    assert said.count("action threshold") == 1


@pytest.mark.parametrize("args, says", [
    (["--model", "pose", "--resume"], "--resume goes on with an interrupted R(2+1)D run"),
    (["--model", "pose", "--quick", "--batch-size", "4"],
     "--batch-size, --quick: R(2+1)D settings; the pose classifier does not use them"),
    (["--root", "ROOT", "--version", "v1", "--clips", "ROOT"],
     "--clips: a pose classifier setting; add --model pose to train the pose classifier"),
    (["--root", "ROOT", "--version", "v1", "--pose-cache", "ROOT"],
     "--pose-cache: a pose classifier setting; add --model pose to train the pose classifier"),
    (["--model", "pose", "--root", "ROOT"], "a dataset version needs both --root and --version"),
    (["--model", "pose", "--synth-windows", "0"], "--synth-windows 0: at least 1"),
    (["--model", "pose", "--epochs", "0"], "--epochs 0: at least 1"),
    # Settings of data the run does not have, which it would leave unused.
    (["--model", "pose", "--pose-cache", "ROOT"],
     "keeps the estimated poses of labelled clips (--clips, or --root/--version), and without them "
     "no pose is estimated"),
    (["--model", "pose", "--render-dir", "ROOT"], "keeps the games --rendered-games renders, and without it none"),
    (["--model", "pose", "--labelled-share", "0.5"],
     "--labelled-share 0.5: weighs labelled clips (--clips, or --root/--version) beside the synthetic windows"),
    (["--model", "pose", "--clips", "ROOT", "--labelled-share", "1"],
     "--labelled-share 1.0: a share from 0 up to, not including, 1"),
    (["--root", "ROOT", "--version", "v1", "--labelled-share", "0.5"],
     "--labelled-share: a pose classifier setting; add --model pose to train the pose classifier"),
])
def test_train_refuses_the_other_models_options_rather_than_dropping_them(tmp_path, args, says):
    args = [str(tmp_path) if a == "ROOT" else a for a in args]
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", *args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert says in " ".join(result.output.split())
    assert not out.exists()


def test_train_pose_into_a_folder_holding_a_model_leaves_it_alone(trained, tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--out", str(taken), "--no-progress"])
    assert result.exit_code == 1 and f"{taken}: is a file, not a folder" in result.output
    assert taken.read_text() == "mine"
    before = (trained / "best.pt").read_bytes()
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--out", str(trained), "--no-progress"])
    assert result.exit_code == 1
    assert f"{trained}: holds a trained model already (best.pt)" in " ".join(result.output.split())
    assert (trained / "best.pt").read_bytes() == before


def test_ctrl_c_during_pose_training_says_no_model_was_written(tmp_path, monkeypatch):
    import highlights.pose_classifier.train as pose_train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while the network trains

    monkeypatch.setattr(pose_train, "fit_network", interrupted)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--synth-windows", "50", "--out", str(out),
                                      "--no-progress"])
    assert result.exit_code == 130
    said = " ".join(result.output.split())
    assert f"interrupted: no model was written to {out}; the pose classifier trains in one go" in said
    assert "Traceback" not in result.output and not (out / "best.pt").exists()


def _club_tree(clip_tree, tree, clubs: dict[str, str]):
    """A folder-per-class tree of a club's own classes: each class one synthetic clip (and its
    keypoints) of the generator's label it is mapped to."""
    for club, label in clubs.items():
        (tree / club).mkdir(parents=True)
        source = clip_tree / label / f"clip_{label}.mp4"
        shutil.copy(source, tree / club / source.name)
        shutil.copy(source.with_suffix(".json"), tree / club / source.with_suffix(".json").name)
    return tree


def _without_the_actor(source, target):
    shutil.copy(source, target)
    truth = json.loads(source.with_suffix(".json").read_text())
    for frame in truth["frames"]:
        frame["persons"] = [p for p in frame.get("persons", []) if not p.get("actor")]
    target.with_suffix(".json").write_text(json.dumps(truth))


def test_a_model_without_none_leaves_a_clip_with_nobody_in_it_out_of_its_scores_and_says_so(clip_tree, tmp_path):
    from highlights.pose_classifier.default import load_default_pose_model
    from highlights.pose_classifier.model import build_network

    torch.manual_seed(0)
    model = PoseClassifier(build_network("features_linear", 2), ["background", "volley_a"],
                           load_default_pose_model().spec, "features_linear", {})
    checkpoint = model.save(tmp_path / "own.pt")
    tree = _club_tree(clip_tree, tmp_path / "tree", {"background": "basketball_layup", "volley_a": "baseball_swing"})
    _without_the_actor(clip_tree / "none" / "clip_none.mp4", tree / "background" / "empty.mp4")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", "--checkpoint", str(checkpoint), "--clips", str(tree),
                                      "--out", str(out), "--no-progress", "--bootstrap", "20"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "video_scorer_testreport.json").read_text())
    # Given the first class, `background`, the empty clip had counted right by construction.
    assert report["num_clips"] == 2
    assert report["meta"]["left_out"]["clips"] == ["background/empty.mp4"]
    said = " ".join(result.output.split())
    assert ("1 of the 3 clips shows nobody the pose model finds (background/empty.mp4); the model's classes have "
            "no `none` to call it, so it is not scored") in said
    assert "**Left out:** 1 of the 3 clips" in (out / "video_scorer_testreport.md").read_text()


def _without_hips(source, target):
    shutil.copy(source, target)
    truth = json.loads(source.with_suffix(".json").read_text())
    for frame in truth["frames"]:
        for person in frame.get("persons", []):
            for joint in (11, 12):  # COCO's hips: the actor is seen, but never with the scale of a torso
                person["keypoints"][joint][2] = 0
    target.with_suffix(".json").write_text(json.dumps(truth))


def test_a_class_whose_clips_never_show_a_hip_with_a_shoulder_is_refused_not_trained_on_nothing(clip_tree, tmp_path):
    tree = _club_tree(clip_tree, tmp_path / "tree", {"volley_a": "baseball_swing", "none": "none"})
    (tree / "volley_b").mkdir()
    _without_hips(clip_tree / "basketball_layup" / "clip_basketball_layup.mp4", tree / "volley_b" / "hidden.mp4")
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--epochs", "2", "--clips", str(tree),
                                      "--out", str(tmp_path / "run"), "--no-progress"])
    said = " ".join(result.output.split())
    # Its windows were counted and then dropped in training: a model of three classes that learnt two.
    assert result.exit_code == 1, said
    assert f"{tree}: no person found in any clip of volley_b" in said
    assert "a hip and a shoulder in view together at least once" in said
    assert not (tmp_path / "run" / "best.pt").exists()


def test_train_pose_names_the_labelled_clips_it_found_nobody_in(clip_tree, tmp_path):
    tree = _club_tree(clip_tree, tmp_path / "tree", {"baseball_swing": "baseball_swing"})
    (tree / "none").mkdir()
    _without_the_actor(clip_tree / "none" / "clip_none.mp4", tree / "none" / "empty.mp4")
    args = ["train", "--model", "pose", "--synth-windows", "100", "--epochs", "2", "--clips",
            str(tree), "--no-progress"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"from 1 of 2 clips in {tree}" in said
    assert ("no person found, or never a hip and a shoulder in view together, in 1 labelled clip, left out: "
            "none/empty.mp4") in said
    provenance = json.loads((tmp_path / "run" / "best.json").read_text())
    assert provenance["training_data"]["source"].endswith("+ poses of 1 labelled clips")
    assert provenance["training_data"]["labelled_clips"]["clips_without_a_person"] == ["none/empty.mp4"]
    # Nobody in any of them: refused, not trained as if they had been used.
    shutil.rmtree(tree / "baseball_swing")  # (a class folder left empty is refused on its own)
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "run2")])
    assert result.exit_code == 1
    assert f"{tree}: no person found in any of its 1 labelled clips" in " ".join(result.output.split())
    assert not (tmp_path / "run2" / "best.pt").exists()


def test_a_checkpoint_of_the_other_kind_is_used_where_it_fits_and_named_where_it_does_not(trained, tmp_path):
    from highlights.cli.pipeline import _config
    from highlights.model import ClipClassifier, CheckpointError, save_checkpoint
    from tests.dataset_fixtures import version_folder_only
    from tests.model_fixtures import tiny_meta, tiny_model

    pose = trained / "best.pt"
    model = tiny_model()
    r2 = save_checkpoint(tmp_path / "r2" / "best.pt", model, tiny_meta(model))
    # detect / pipeline --checkpoint: a pose model runs on the pose backend; a run folder means its best.pt.
    for given in (pose, trained):
        cfg = _config(None, given, None)
        assert (cfg.classifier.backend, cfg.classifier.pose_model) == ("pose", str(pose))
    cfg = _config(None, r2.parent, None)
    assert (cfg.classifier.backend, cfg.classifier.checkpoint) == ("checkpoint", str(r2))
    cfg = _config(None, None, [f"classifier.pose_model={trained}"])  # was "no such file"
    assert cfg.classifier.pose_model == str(pose)
    with pytest.raises(ConfigError, match=f"--checkpoint {pose}: a pose model; classifier.backend=fusion fuses"):
        _config(None, pose, ["classifier.backend=fusion"])  # was: "needs the R(2+1)D checkpoint (--checkpoint FILE)"
    with pytest.raises(CheckpointError, match="a pose classifier checkpoint, where an R\\(2\\+1\\)D clip classifier"):
        ClipClassifier.from_checkpoint(pose)
    with pytest.raises(CheckpointError, match="an R\\(2\\+1\\)D clip classifier, which goes in as --checkpoint"):
        PoseClassifier.load(r2)
    version_folder_only(tmp_path)  # a version is there: what is refused is the checkpoint
    fused = CliRunner().invoke(app, ["evaluate", str(pose), "--root", str(tmp_path), "--version", "v1",
                                     "--fuse-pose", "--out", str(tmp_path / "o")])
    assert fused.exit_code == 1
    assert (f"--fuse-pose fuses an R(2+1)D checkpoint (--checkpoint) with a pose model: give this "
            f"one as --pose-model {pose}") in " ".join(fused.output.split())
    warm = CliRunner().invoke(app, ["train", "--root", str(tmp_path), "--version", "v1", "--out", str(tmp_path / "run"),
                                    "--pretrained", str(pose)])
    assert warm.exit_code == 1
    assert f"--pretrained {pose}: a pose classifier checkpoint; --pretrained takes R(2+1)D-18 weights" in (
        " ".join(warm.output.split()))


def test_a_train_stopped_while_saving_leaves_no_model_without_its_summary_and_runs_again(tmp_path, monkeypatch):
    """best.json holds best.pt's sha256, and a folder holding best.pt is refused as a finished
    run's: a train that fails (a full disk) or is stopped as it writes the pair leaves neither,
    and the same command then trains and writes both."""
    import errno
    import hashlib

    import highlights.pose_classifier.train as pose_train

    out = tmp_path / "run"
    command = ["train", "--model", "pose", "--pose-family", "features_linear", "--synth-windows", "100",
               "--epochs", "2", "--out", str(out), "--no-progress"]
    real_json = pose_train.atomic_write_json

    def full_at_the_summary(path, *args, **kwargs):
        if str(path).endswith("best.json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_json(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(pose_train, "atomic_write_json", full_at_the_summary)
        failed = CliRunner().invoke(app, command)
    assert failed.exit_code == 1, failed.output
    assert f"error: {out / 'best.json'}: No space left on device" in " ".join(failed.output.split())
    assert not out.exists() or list(out.iterdir()) == []

    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert json.loads((out / "best.json").read_text())["sha256"] == hashlib.sha256(
        (out / "best.pt").read_bytes()).hexdigest()


@pytest.mark.parametrize("version", [2, 0])
def test_a_pose_model_of_another_format_version_is_refused_in_one_line(tmp_path, version):
    """A pose model file records its format version (always 1 so far); one of another version
    (written by another version of highlights) is refused naming the file and what to do, where it
    was read as though it were format 1."""
    from highlights.model.errors import CheckpointError

    payload = torch.load(default_model.DEFAULT_MODEL, map_location="cpu", weights_only=True)
    assert payload["format_version"] == 1
    payload["format_version"] = version
    other = tmp_path / "other.pt"
    torch.save(payload, other)
    with pytest.raises(CheckpointError) as refused:
        PoseClassifier.load(other)
    said = str(refused.value)
    assert "\n" not in said and str(other) in said and f"format version {version}" in said
    assert "another version of highlights" in said and "train the model again" in said
    (tmp_path / "clips").mkdir()  # a folder is there: what is refused is the checkpoint
    result = CliRunner().invoke(app, ["evaluate", "--checkpoint", str(other), "--clips", str(tmp_path / "clips"),
                                      "--out", str(tmp_path / "report")])
    assert result.exit_code == 1 and "another version of highlights" in result.output
    assert not (tmp_path / "report").exists()


def test_evaluate_on_the_tree_a_version_was_made_from_names_the_clips_its_threshold_was_chosen_on(
        tmp_path, monkeypatch, windows):
    """A pose model trained on a version chose its action threshold on the version's val clips;
    scored with `evaluate --clips` on the tree the version was made from, those clips are no test,
    and the command, the report's top and `report compare` say so in the R(2+1)D's words. A model
    made before it recorded them names its version's val split while that version is on disk."""
    import hashlib

    import highlights.pose_classifier.clips as clips_module
    import highlights.pose_classifier.evaluation as evaluation_module
    from tests.train_fixtures import make_colour_dataset

    dataset = make_colour_dataset(tmp_path, per_class=40)  # val: 20 clips, enough to choose the threshold on
    label_of = {str(r.path): r.label for split in ("train", "val", "test")
                for r in dataset.split(split, augmented=False)}
    person = windows[0][0]

    def poses(path, *, fps, cache_dir=None):  # `none` shows nobody, an action the generator's actor
        label = label_of.get(str(path)) or Path(path).parent.name
        kp = np.zeros_like(person) if label == "none" else person
        return kp, np.arange(len(kp)) / fps

    monkeypatch.setattr(clips_module, "clip_poses", poses)
    monkeypatch.setattr(evaluation_module, "clip_poses_and_source",
                        lambda path, *, fps, cache_dir=None: (*poses(path, fps=fps), "estimated"))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--model", "pose", "--root", str(dataset.root), "--version", "v1",
                                      "--synth-windows", "100", "--epochs", "3", "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    provenance = json.loads((out / "best.json").read_text())
    assert provenance["validation"]["action_threshold"]["chosen"]
    source = tmp_path / "src"
    val_ids = {r.clip_id for r in dataset.split("val", augmented=False)}
    val_files = sorted(f"{p.parent.name}/{p.name}" for p in source.rglob("*.mp4")
                       if hashlib.sha256(p.read_bytes()).hexdigest()[:16] in val_ids)
    assert len(val_files) == len(val_ids) == 20

    report_dir = tmp_path / "report"
    scored = CliRunner().invoke(app, ["evaluate", str(out), "--clips", str(source), "--out", str(report_dir),
                                      "--no-progress", "--bootstrap", "10"])
    assert scored.exit_code == 0, scored.output
    report = json.loads((report_dir / "video_scorer_testreport.json").read_text())
    meta, n = report["meta"], report["num_clips"]  # re-encoded copies in the tree are scored once
    assert sorted(meta["clips_seen_in_validation"]) == val_files
    assert not set(meta["clips_seen_in_validation"]) & set(meta["clips_seen_in_training"])
    assert meta["chosen_on_validation"] == "action threshold"
    said = " ".join(scored.output.split())
    assert (f"20 of the {n} clips were among the clips this model's action threshold was chosen on (its val split; "
            "the same files)") in said
    not_a_test = 20 + len(meta["clips_seen_in_training"])
    text = (report_dir / "video_scorer_testreport.md").read_text()
    assert f"**{not_a_test} of the {n} clips are not a test:**" in text
    assert "its action threshold was chosen on the same files (" in text
    compared = CliRunner().invoke(app, ["report", "compare", str(report_dir / "video_scorer_testreport.json"),
                                        str(report_dir / "video_scorer_testreport.json")])
    assert f"chose its action threshold on 20 of the {n} clips it scored" in " ".join(compared.output.split())

    # A model written before the val clips were recorded: its version's val split, while on disk.
    from highlights.pose_classifier.seen_clips import seen_by_pose_model, threshold_clip_ids

    older = json.loads(json.dumps(provenance))
    del older["validation"]["action_threshold"]["clip_hashes"]
    assert threshold_clip_ids(older) == val_ids
    paths = sorted(source.rglob("*.mp4"))
    names = [f"{p.parent.name}/{p.name}" for p in paths]
    assert sorted(seen_by_pose_model(names, paths, older).validated) == val_files
    older["training_data"]["labelled_clips"]["root"] = str(dataset.root) + "-gone"
    assert seen_by_pose_model(names, paths, older).validated == []
    # ... and one whose threshold was not chosen on clips names none of them.
    older["validation"]["action_threshold"] = {"chosen": False, "threshold": 0.5}
    assert threshold_clip_ids(older) == set()
