"""The pipeline's window decisions with a model of a club's own classes, `none` among them or not
(`background` in its place): a window with nobody in it, `--sport`, and what `detect` says."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.stages.pose_classifier import PoseSequenceClassifier
from highlights.pose_classifier.default import load_default_pose_model
from highlights.pose_classifier.model import PoseClassifier, build_network
from tests.pipeline_fixtures import make_game

WITHOUT_NONE = ["background", "tennis_serve", "volleyball_spike"]
WITH_NONE = ["tennis_serve", "volleyball_spike", "none"]


def _stage(tmp_path, classes: list[str], **settings) -> PoseSequenceClassifier:
    torch.manual_seed(0)
    model = PoseClassifier(build_network("features_linear", len(classes)), classes, load_default_pose_model().spec,
                           "features_linear", {})
    path = model.save(tmp_path / f"{len(classes)}-{'-'.join(classes)}.pt")
    config = PipelineConfig().with_overrides({"classifier.pose_model": str(path),
                                              **{f"classifier.{k}": v for k, v in settings.items()}})
    return PoseSequenceClassifier(config, None)


@pytest.mark.parametrize("classes", [WITHOUT_NONE, WITH_NONE])
@pytest.mark.parametrize("min_score", [0.5, 0.0])
def test_a_window_with_nobody_in_it_is_no_highlight_whatever_the_classes(tmp_path, classes, min_score):
    stage = _stage(tmp_path, classes, min_score=min_score)
    probs = stage.predict_windows([(0.0, 2.0, None)], [{}])[0]  # a window in which no track has a body
    assert probs.shape == (len(classes),)
    if "none" in classes:
        assert probs[classes.index("none")] == 1.0
    else:
        assert not probs.any()  # no class gets the evidence nobody gave it
    label, score, accepted = stage.decision(stage.window_probs(probs))
    assert not accepted, (label, score)


def test_a_sport_leaves_a_class_that_names_no_sport_its_own_probability(tmp_path):
    stage = _stage(tmp_path, WITHOUT_NONE, sport="volleyball")
    # Background play, as the model sees it: `background` far ahead, a little of each action.
    probs = stage.window_probs(np.array([0.8, 0.15, 0.05]))
    # The other sport's action goes to the sport's class; background play stays background play,
    # where it had turned into a volleyball_spike of probability 0.2 + 0.8 = 1.0.
    assert probs == pytest.approx([0.8, 0.0, 0.2])
    label, score, _ = stage.decision(probs)
    assert (label, score) == ("background", pytest.approx(0.8))
    # `none` keeps its own as before.
    stage = _stage(tmp_path, WITH_NONE, sport="volleyball")
    assert stage.window_probs(np.array([0.3, 0.1, 0.6])) == pytest.approx([0.0, 0.4, 0.6])


@pytest.mark.parametrize("classes", [WITHOUT_NONE, WITH_NONE])
def test_detect_with_a_model_without_none_says_that_background_play_is_reported_too(tmp_path, classes):
    stage = _stage(tmp_path, classes)
    video = make_game(tmp_path / "game")
    out = tmp_path / "detected"
    result = CliRunner().invoke(app, ["detect", str(video), "--checkpoint", stage.settings.pose_model,
                                      "--set", "detection.backend=gt", "--set", "pose.backend=gt",
                                      "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    found = json.loads((out / "highlights.json").read_text())
    assert found["highlights"]  # the untrained model finds some, so the note is about real output
    if "none" in classes:
        assert "have no `none`" not in said
    else:
        assert ("the model's classes (background, tennis_serve, volleyball_spike) have no `none`, so each window "
                "is a highlight of its most probable class, background play too") in said


def test_a_sport_the_model_has_no_class_of_names_only_the_sports_its_classes_give():
    from highlights.errors import ConfigError
    from highlights.pipeline.sport_filter import sport_classes

    with pytest.raises(ConfigError) as info:
        sport_classes(WITHOUT_NONE, "soccer")
    assert str(info.value) == ("classifier.sport='soccer': the model's classes (background, tennis_serve, "
                               "volleyball_spike) hold no soccer class (its sports: tennis, volleyball)")


def test_a_sport_one_slip_from_a_models_sport_is_named_with_it():
    from highlights.errors import ConfigError
    from highlights.pipeline.sport_filter import sport_classes

    with pytest.raises(ConfigError) as info:
        sport_classes(["baseball_swing", "basketball_layup", "soccer_shooting", "none"],
                      "baskteball")
    assert str(info.value).endswith("hold no baskteball class (its sports: baseball, basketball, "
                                    "soccer; did you mean basketball?)")


def test_a_sport_given_to_a_model_whose_classes_name_none_says_so_not_its_sports_none():
    # A club's `shot` and `none` give no sport: the line said "(its sports: none)", beside a class
    # called none, as if none were a sport.
    from highlights.errors import ConfigError
    from highlights.pipeline.sport_filter import sport_classes

    with pytest.raises(ConfigError) as info:
        sport_classes(["none", "shot"], "basketball")
    assert str(info.value) == ("classifier.sport='basketball': the model's classes (none, shot) hold no basketball "
                               "class (no class of it names a sport, which is a class's name before its first "
                               "underscore (tennis_serve: tennis): run without --sport)")


def test_unknown_is_no_sport_to_keep_the_labels_to():
    """`unknown` is the sport of a class that names none (`background`): taken as a sport, it would
    keep background as the only class, and every spike's probability would go to it."""
    from highlights.errors import ConfigError
    from highlights.pipeline.sport_filter import sport_classes

    for sport in ("unknown", " Unknown"):
        with pytest.raises(ConfigError) as info:
            sport_classes(WITHOUT_NONE, sport)
        assert "hold no unknown class (its sports: tennis, volleyball)" in str(info.value)
    assert sport_classes(WITHOUT_NONE, "volleyball") == (2,)
