"""Footage of one known sport (`classifier.sport`, `detect --sport`): labels limited to its classes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from highlights.errors import ConfigError
from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from highlights.pipeline.sport_filter import restrict_to_sport, sport_classes
from tests.pipeline_fixtures import DEFAULT_EVENTS, FixtureEvent, make_game

FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})
CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")


def test_the_other_sports_mass_goes_to_the_sports_best_class_and_none_keeps_its_own():
    probs = np.array([0.10, 0.30, 0.35, 0.25])
    out = restrict_to_sport(probs, sport_classes(CLASSES, "basketball"), none_index=3)
    assert out == pytest.approx([0.0, 0.75, 0.0, 0.25])
    # A sport of two classes: the more probable one takes the rest; the input is left as it was.
    classes = ("tennis_serve", "tennis_smash", "golf_swing", "none")
    allowed = sport_classes(classes, "Tennis")
    assert allowed == (0, 1)
    out = restrict_to_sport(np.array([0.2, 0.1, 0.5, 0.2]), allowed, none_index=3)
    assert out == pytest.approx([0.7, 0.1, 0.0, 0.2]) and out.sum() == pytest.approx(1.0)
    assert restrict_to_sport(probs, (0, 1, 2), none_index=3) == pytest.approx(probs)


def test_a_sport_the_model_has_no_class_of_is_one_line_naming_the_classes():
    with pytest.raises(ConfigError) as info:
        sport_classes(CLASSES, "tennis")
    message = str(info.value)
    assert "tennis" in message and "baseball_swing, basketball_layup, soccer_shooting, none" in message
    assert "baseball, basketball, soccer" in message and "\n" not in message


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("game"))
    return video, load_annotation(video.with_suffix(".json"))


def test_a_sport_relabels_every_highlight_and_keeps_which_moments_are_found(game):
    video, annotation = game
    cache: dict = {}
    free = run_pipeline(video, FAST, annotation=annotation, cache=cache, progress=False)
    assert [h.label for h in free.highlights] == [e.label for e in DEFAULT_EVENTS]
    windows = sum(1 for k in cache if k[0] == "classifier-window")
    one = run_pipeline(video, FAST.with_overrides({"classifier.sport": "basketball"}), annotation=annotation,
                       cache=cache, progress=False)
    assert [h.label for h in one.highlights] == ["basketball_layup"] * len(DEFAULT_EVENTS)
    assert {h.sport for h in one.highlights} == {"basketball"}
    assert [h.key_s for h in one.highlights] == [h.key_s for h in free.highlights]
    # The restriction is applied to cached probabilities: no window was classified again.
    assert sum(1 for k in cache if k[0] == "classifier-window") == windows
    for c in one.trace.classifications:
        assert c["probs"]["baseball_swing"] == 0 and c["probs"]["soccer_shooting"] == 0
        assert sum(c["probs"].values()) == pytest.approx(1.0, abs=1e-3)
    assert one.config.classifier.sport == "basketball"


def test_a_sport_without_a_class_is_refused_before_any_frame_is_read(game, monkeypatch):
    video, annotation = game
    import highlights.pipeline.run as run_module

    def no_decoding(*args, **kwargs):
        raise AssertionError("frames were read before the sport was checked")

    monkeypatch.setattr(run_module, "_signatures", no_decoding)
    with pytest.raises(ConfigError, match="classifier.sport='tennis'"):
        run_pipeline(video, FAST.with_overrides({"classifier.sport": "tennis"}), annotation=annotation, progress=False)


def test_detect_sport_option(game, tmp_path):
    import json

    from typer.testing import CliRunner

    from highlights.cli.app import app

    video, _ = game
    args = ["detect", str(video), "--out", str(tmp_path / "out"), "--set", "detection.backend=gt",
            "--set", "pose.backend=gt", "--set", "classifier.backend=oracle", "--annotations",
            str(video.with_suffix(".json")), "--no-progress"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    counts = Counter(h["label"].split("_")[0] for h in json.loads(
        (tmp_path / "out" / "highlights.json").read_text())["highlights"])
    assert len(counts) > 1  # the events are of several sports
    # Its annotation says so too: the video is not of one sport, so --sport is not advised.
    assert "sports (" not in " ".join(res.output.split()) and "--sport" not in res.output
    # Without it (the oracle needs it: the kinematic triggers label instead), the run is advised.
    unannotated = ["detect", str(video), "--out", str(tmp_path / "out2"), "--set", "detection.backend=gt",
                   "--set", "pose.backend=gt", "--set", "classifier.enabled=false", "--no-progress"]
    res = CliRunner().invoke(app, unannotated)
    assert res.exit_code == 0, res.output
    counts = Counter(h["label"].split("_")[0] for h in json.loads(
        (tmp_path / "out2" / "highlights.json").read_text())["highlights"])
    assert len(counts) > 1
    said = " ".join(res.output.split())
    assert f"the highlights name {len(counts)} sports" in said and "--sport" in said
    assert all(f"{sport} {n}" in said for sport, n in counts.items())
    res = CliRunner().invoke(app, [*args, "--sport", "soccer"])
    assert res.exit_code == 0, res.output
    assert "sports (" not in " ".join(res.output.split())
    labels = [h["label"] for h in json.loads((tmp_path / "out" / "highlights.json").read_text())["highlights"]]
    assert labels == ["soccer_shooting"] * len(DEFAULT_EVENTS)
    res = CliRunner().invoke(app, [*args, "--sport", "cricket"])
    assert res.exit_code == 1 and "classifier.sport='cricket'" in res.output and "Traceback" not in res.output


def test_with_the_classifier_off_the_triggers_take_the_sports_label(game):
    video, annotation = game
    off = FAST.with_overrides({"classifier.enabled": False})
    free = run_pipeline(video, off, annotation=annotation, progress=False)
    assert len({h.label for h in free.highlights}) > 1  # the triggers name several sports
    one = run_pipeline(video, off.with_overrides({"classifier.sport": "baseball"}), annotation=annotation,
                       progress=False)
    assert [h.label for h in one.highlights] == ["baseball_swing"] * len(free.highlights)
    assert [h.key_s for h in one.highlights] == [h.key_s for h in free.highlights]


def test_with_the_classifier_off_a_sport_the_triggers_know_no_action_of_names_no_default_action(game):
    """A club's volleyball: the triggers cannot say spike or block, so a highlight is an unnamed
    one of volleyball, not the baseball swing a moving wrist stands for among the default sports."""
    video, annotation = game
    off = FAST.with_overrides({"classifier.enabled": False})
    free = run_pipeline(video, off, annotation=annotation, progress=False)
    one = run_pipeline(video, off.with_overrides({"classifier.sport": "volleyball"}), annotation=annotation,
                       progress=False)
    assert [(h.label, h.sport) for h in one.highlights] == [("highlight", "volleyball")] * len(free.highlights)
    assert [h.key_s for h in one.highlights] == [h.key_s for h in free.highlights]


def test_an_action_threshold_on_a_model_without_none_is_refused_before_any_frame_is_read(game, tmp_path,
                                                                                          monkeypatch):
    """A club's classes with `rest` for background play have no action probability to threshold:
    the setting is refused in one line, where the argmax rule was used in its place unsaid."""
    import highlights.pipeline.run as run_module
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model

    video, annotation = game
    classes = ["volleyball_spike", "rest"]
    model = tiny_model(len(classes))
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model, classes))
    config = FAST.with_overrides({"classifier.backend": "checkpoint", "classifier.checkpoint": str(checkpoint),
                                  "classifier.inference_path": "eager", "classifier.action_threshold": 0.3})

    def no_decoding(*args, **kwargs):
        raise AssertionError("frames were read before the settings were checked")

    monkeypatch.setattr(run_module, "_signatures", no_decoding)
    with pytest.raises(ConfigError) as info:
        run_pipeline(video, config, annotation=annotation, progress=False)
    assert str(info.value).startswith("classifier.action_threshold=0.3: the model's classes (volleyball_spike, rest) "
                                      "have no `none`") and "\n" not in str(info.value)


def test_a_clubs_classes_that_name_no_sport_are_not_called_sports():
    """`swing` and `rest` (a club's own classes) name no sport: highlights of both are not two
    sports, and `--sport` is not suggested; classes named after their sport still count."""
    from highlights.pipeline.sport_filter import mixed_sports_hint
    from highlights.vocabulary import sport_of

    assert [sport_of(c) for c in ("rest", "swing", "volleyball_spike", "_x", "basketball_layup")] == [
        "unknown", "unknown", "volleyball", "unknown", "basketball"]
    assert mixed_sports_hint(["rest", "swing", "rest", "layup"]) is None
    assert mixed_sports_hint(["volleyball_spike", "rest", "tennis_serve"]) == (
        "the highlights name 2 sports (tennis 1, volleyball 1): for a video of one sport, --sport SPORT keeps "
        "every label to that sport")


def test_the_hint_is_given_for_two_sports_named_unless_the_annotation_names_two_too():
    from highlights.pipeline.sport_filter import mixed_sports_hint

    labels = ["volleyball_spike", "tennis_serve", "volleyball_spike"]
    assert mixed_sports_hint(labels, ["tennis_serve", "volleyball_spike"]) is None  # two sports filmed
    # One sport annotated (a class naming none does not make a second): the hint stands.
    hint = "the highlights name 2 sports (volleyball 2, tennis 1): for a video of one sport, --sport SPORT"
    assert mixed_sports_hint(labels, ["volleyball_spike", "rest", "none"]).startswith(hint)
    assert mixed_sports_hint(labels, []).startswith(hint)
    assert mixed_sports_hint(["volleyball_spike", "volleyball_spike", "rest"]) is None  # one sport named


# A basketball game with one action the model would call soccer: three layups and a shot.
BASKETBALL_GAME = (FixtureEvent("basketball_layup", 4.0, "basketball"),
                   FixtureEvent("basketball_layup", 10.0, "basketball"),
                   FixtureEvent("soccer_shooting", 16.0, "soccer"),
                   FixtureEvent("basketball_layup", 22.0, "basketball"))


def test_auto_reads_a_one_sport_games_sport_and_limits_its_labels_without_classifying_again(tmp_path):
    video = make_game(tmp_path, "basketball", duration_s=26.0, events=BASKETBALL_GAME)
    annotation = load_annotation(video.with_suffix(".json"))
    cache: dict = {}
    free = run_pipeline(video, FAST, annotation=annotation, cache=cache, progress=False)
    assert [h.label for h in free.highlights] == [e.label for e in BASKETBALL_GAME]
    assert free.sport_read is None and free.to_dict()["sport_read"] is None
    windows = sum(1 for k in cache if k[0] == "classifier-window")
    auto = run_pipeline(video, FAST.with_overrides({"classifier.sport": "auto"}), annotation=annotation,
                        cache=cache, progress=False)
    assert sum(1 for k in cache if k[0] == "classifier-window") == windows
    reading = auto.sport_read
    assert reading["outcome"] == "read" and reading["sport"] == "basketball" and reading["windows"] > 0
    assert 0.6 <= reading["share"] < 1.0  # the shot's windows weighed for soccer
    assert [h.label for h in auto.highlights] == ["basketball_layup"] * len(BASKETBALL_GAME)
    assert [h.key_s for h in auto.highlights] == [h.key_s for h in free.highlights]
    for c in auto.trace.classifications:
        assert c["probs"]["soccer_shooting"] == 0 and c["probs"]["baseball_swing"] == 0
    # The config keeps what was asked; the result holds what was read.
    assert auto.config.classifier.sport == "auto" and auto.to_dict()["sport_read"]["sport"] == "basketball"
    assert "sport_read" not in auto.stats  # a result of the run, not a count or timing of it


def test_auto_on_a_game_of_three_sports_reads_none_and_limits_nothing(game):
    video, annotation = game
    cache: dict = {}
    free = run_pipeline(video, FAST, annotation=annotation, cache=cache, progress=False)
    auto = run_pipeline(video, FAST.with_overrides({"classifier.sport": "auto"}), annotation=annotation,
                        cache=cache, progress=False)
    reading = auto.sport_read
    assert reading["outcome"] == "unclear" and reading["sport"] is None and reading["share"] < 0.6
    assert [h.label for h in auto.highlights] == [h.label for h in free.highlights] == \
        [e.label for e in DEFAULT_EVENTS]


def test_detect_sport_auto_says_what_it_read_and_the_review_knows_the_sport(tmp_path):
    import json

    from typer.testing import CliRunner

    from highlights.cli.app import app
    from highlights.review.games import load_game

    video = make_game(tmp_path, "basketball", duration_s=26.0, events=BASKETBALL_GAME)
    out = tmp_path / "out"
    args = ["detect", str(video), "--out", str(out), "--set", "detection.backend=gt", "--set", "pose.backend=gt",
            "--set", "classifier.backend=oracle", "--annotations", str(video.with_suffix(".json")),
            "--no-progress", "--sport", "auto"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert "sport: basketball, " in said and "% of the action weight over " in said
    data = json.loads((out / "highlights.json").read_text())
    assert data["config"]["classifier"]["sport"] == "auto" and data["sport_read"]["sport"] == "basketball"
    assert {h["label"] for h in data["highlights"]} == {"basketball_layup"}
    assert load_game(out).sport == "basketball"
    res = CliRunner().invoke(app, ["pipeline", "evaluate", str(video), "--annotations", str(video.with_suffix(".json")),
                                   "--out", str(tmp_path / "eval"), "--set", "detection.backend=gt", "--set",
                                   "pose.backend=gt", "--set", "classifier.backend=oracle", "--sport", "auto",
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "sport: basketball, " in " ".join(res.output.split())
    evaluated = json.loads((tmp_path / "eval" / "pipeline_eval.json").read_text())
    assert evaluated["sport_read"]["sport"] == "basketball" and "sport_read" not in evaluated["stats"]
