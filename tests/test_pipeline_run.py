"""The pipeline end to end on a tiny hand-made game: stages on and off, attribution, ablation, outputs."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from highlights.errors import ConfigError
from highlights.events import load_annotation
from highlights.pipeline.ablation import ablation_plan, run_ablation, write_ablation
from highlights.pipeline.config import STAGES, PipelineConfig
from highlights.pipeline.detect import detect_highlights
from highlights.pipeline.eval_report import evaluate_result, evaluate_video
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.registry import registered
from highlights.pipeline.run import run_pipeline
from highlights.pipeline.window_classifier import ClassifierStage
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

# Ground-truth detection and pose, the oracle classifier: every stage runs, in well under a second.
FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("game"))
    return video, load_annotation(video.with_suffix(".json"))


def _run(game, changes: dict | None = None):
    video, annotation = game
    return run_pipeline(video, FAST.with_overrides(changes), annotation=annotation, progress=False)


def _causes(result, annotation):
    report = evaluate_result(result, annotation)
    return [m["cause"] for m in report.attribution["misses"]], report


def test_all_stages_find_every_event(game):
    video, annotation = game
    result = _run(game)
    assert result.backends == {"candidates": "motion", "detection": "gt", "pose": "gt", "kinematics": "joints",
                               "classifier": "oracle", "merge": "temporal_nms"}
    assert [h.label for h in result.highlights] == [e.label for e in DEFAULT_EVENTS]
    for h, e in zip(result.highlights, DEFAULT_EVENTS):
        assert abs(h.key_s - e.key_s) <= 0.5
        assert h.start_s <= e.key_s <= h.end_s
        assert {"candidates", "kinematics", "classifier", "merge"} <= set(h.evidence)
    report = evaluate_result(result, annotation)
    at2 = report.scores.at(2.0)
    assert (at2.recall.value, at2.precision.value, at2.class_recall.value) == (1.0, 1.0, 1.0)
    assert report.attribution["missed"] == 0
    # The cheap stages ran on the moving frames only (and half a second of follow-through after each).
    assert result.stats["frames_through_detection_or_pose"] < result.stats["analysis_frames"] / 2


def test_each_flag_switches_its_stage_off(game):
    base = _run(game)
    for stage in STAGES:
        result = _run(game, {f"{stage}.enabled": False})
        expected = "off (dense)" if stage == "candidates" else "off"
        assert result.backends[stage] == expected
        assert all(b != "off" for s, b in result.backends.items() if s != stage)
    no_candidates = _run(game, {"candidates.enabled": False})
    assert {w["source"] for w in no_candidates.trace.windows} == {"dense"}
    assert no_candidates.stats["frames_through_detection_or_pose"] == no_candidates.stats["analysis_frames"]
    no_detection = _run(game, {"detection.enabled": False})  # the gt pose finds its own people
    assert no_detection.trace.frame_persons.count(-1) == base.trace.frame_persons.count(-1)
    assert len(no_detection.highlights) == 3
    no_pose = _run(game, {"pose.enabled": False})
    assert set(no_pose.trace.frame_pose_ok) == {-1}
    no_kinematics = _run(game, {"kinematics.enabled": False})
    assert no_kinematics.trace.triggers == []
    assert len(no_kinematics.trace.classifications) > len(base.trace.classifications)  # windows tiled instead
    no_classifier = _run(game, {"classifier.enabled": False})
    assert no_classifier.trace.classifications == []
    assert [h.label for h in no_classifier.highlights] == [e.label for e in DEFAULT_EVENTS]  # from the triggers
    assert all("classifier" not in h.evidence for h in no_classifier.highlights)
    no_merge = _run(game, {"merge.enabled": False})
    assert all(h.duration_s == pytest.approx(FAST.classifier.window_s) for h in no_merge.highlights)
    assert all(h.duration_s >= FAST.merge.min_length_s for h in base.highlights)


def test_attribution_names_the_stage_that_was_knocked_out(game):
    _, annotation = game
    causes, report = _causes(_run(game, {"pose.gt_dropout": 1.0}), annotation)
    assert causes == ["pose"] * 3
    stage = report.attribution["by_stage"]["pose/kinematics"]
    assert (stage["count"], stage["share"]) == (3, 1.0)
    causes, _ = _causes(_run(game, {"detection.gt_dropout": 1.0}), annotation)
    assert causes == ["detection"] * 3
    causes, _ = _causes(_run(game, {"candidates.motion_threshold": 50.0,
                                    "candidates.motion_cell_threshold": 100.0}), annotation)
    assert causes == ["candidates"] * 3
    causes, _ = _causes(_run(game, {"kinematics.wrist_speed_threshold": 100.0}), annotation)
    assert causes == ["kinematics"]  # only the swing needed the wrist
    causes, _ = _causes(_run(game, {"classifier.oracle_accuracy": 0.0}), annotation)
    assert causes == ["classifier_wrong_class"] * 3
    # (a score threshold above 1 is refused as out of range; a classifier that calls every window
    # "none" knocks the stage out instead)
    with registered(RecordingClassifier):
        causes, report = _causes(_run(game, {"classifier.backend": "test-recording"}), annotation)
    assert causes == ["classifier_none"] * 3
    # each miss says what the classifier said and against which bar (the run's argmax rule)
    assert all(m["detail"] == "most action-like of 1 window said none (1.00; baseball_swing 0.00)"
               for m in report.attribution["misses"]), report.attribution["misses"]
    with registered(RecordingClassifier):
        _, report = _causes(_run(game, {"classifier.backend": "test-recording",
                                        "classifier.action_threshold": 0.3}), annotation)
    assert all(m["detail"].startswith("most action-like of 1 window: action probability 0.00 (")
               and m["detail"].endswith("), under the action threshold 0.3")
               for m in report.attribution["misses"]), report.attribution["misses"]


def test_ablation_exposes_the_bad_change_and_reuses_work(game, tmp_path):
    video, annotation = game
    changes = {"merge.nms_iou": 0.5, "pose.gt_dropout": 1.0, "merge.pad_after_s": 2.0}
    assert [kind for _, kind, _ in ablation_plan(changes)] == (
        ["baseline"] + ["alone"] * 3 + ["all"] + ["all_but"] * 3)
    cache: dict = {}
    said: list[str] = []
    result = run_ablation(video, annotation, FAST, changes, cache=cache, log=said.append)
    # every run says which row it is for before it starts
    assert said[0] == "run 1 of 8: baseline" and said[-1] == "run 8 of 8: all but merge.pad_after_s"
    rows = {r.name: r for r in result.rows}
    assert rows["baseline"].recall == 1.0
    assert rows["only pose.gt_dropout=1.0"].recall == 0.0
    assert rows["only merge.nms_iou=0.5"].recall == 1.0
    assert rows["all changes"].recall == 0.0
    assert rows["all but pose.gt_dropout"].recall == 1.0
    assert rows["all but pose.gt_dropout"].delta_recall_vs_all == 1.0
    assert result.culprits == ["pose.gt_dropout"]
    written = write_ablation(result, tmp_path)
    saved = json.loads(written["json"].read_text())
    assert saved["base_config"] == FAST.to_dict() and len(saved["rows"]) == 8
    # what made it: the package, the game by content, each row's model files by content
    from highlights import __version__
    from highlights.file_hash import file_sha256
    from highlights.pipeline.made_from import loaded_models

    assert saved["highlights_version"] == __version__
    assert (saved["video"]["sha256"], saved["video"]["size_bytes"]) == (file_sha256(video), video.stat().st_size)
    assert all(row["models"] == loaded_models(FAST.with_overrides(row["changes"])) for row in saved["rows"])
    markdown = written["markdown"].read_text()
    assert "all but pose.gt_dropout" in markdown
    assert "| baseline | 1.000 [0.439, 1.000] (3/3) |" in markdown  # each rate with the counts it is made of
    # A merge-only change reuses every cached frame and classifier window.
    before = len(cache)
    run_pipeline(video, FAST.with_overrides({"merge.nms_iou": 0.7}), annotation=annotation, cache=cache, progress=False)
    assert len(cache) == before


def test_the_printed_ablation_table_keeps_each_run_name_whole_on_a_narrow_terminal():
    import io

    from rich.console import Console

    from highlights.cli.pipeline import results_table
    from highlights.pipeline.ablation import TABLE_HEADER

    names = ["baseline", "only classifier.backend=checkpoint", "only classifier.enabled=false", "all changes"]
    cell = "0.000 [0.000, 0.793] (0/1)"
    console = Console(width=80, file=io.StringIO(), record=True)
    console.print(results_table(
        "Ablation", TABLE_HEADER, [[name] + [cell] * (len(TABLE_HEADER) - 1) for name in names]))
    body = console.export_text().split("┡")[1].splitlines()[1:]
    first_column = "".join(line.split("│")[1].strip() for line in body if line.startswith("│"))
    assert "…" not in first_column
    for name in names:  # folded onto the next lines, not cut off
        assert name.replace(" ", "") in first_column


def test_an_ablation_refuses_two_values_of_one_setting_before_running_anything(game):
    """Kept as a dict, the second value would replace the first and its row would vanish unsaid."""
    video, annotation = game
    said: list[str] = []
    with pytest.raises(ConfigError) as info:
        run_ablation(video, annotation, FAST, ["classifier.backend=pose", "merge.nms_iou=0.5",
                                               "classifier.backend=untrained"], log=said.append)
    message = str(info.value)
    assert "classifier.backend (pose, untrained)" in message and "merge.nms_iou" not in message
    assert said == []  # refused before the baseline ran


def test_detect_writes_highlights_json_that_round_trips(game, tmp_path):
    video, annotation = game
    result, written = detect_highlights(video, FAST, tmp_path, annotation=annotation, progress=False)
    data = json.loads((tmp_path / "highlights.json").read_text())
    assert written["json"] == tmp_path / "highlights.json"
    assert data["config"] == FAST.to_dict()
    assert data["video"]["width"] == 320 and data["inference_backend"] == "annotation"
    assert data["stages"]["pose"] == "gt"
    loaded = [Highlight.from_dict(h) for h in data["highlights"]]
    assert loaded == result.highlights and len(loaded) == 3
    assert all(h.evidence["classifier"]["backend"] == "oracle" for h in loaded)


def test_the_untrained_model_runs_the_real_classifier_path(game):
    result = _run(game, {"classifier.backend": "untrained", "classifier.min_score": 0.0})
    assert result.inference_backend == "eager-fp32-channels_last_3d"
    assert len(result.trace.classifications) == 3
    for c in result.trace.classifications:
        assert c["label"] in ("baseball_swing", "basketball_layup", "soccer_shooting", "none")
        assert 0.25 <= c["score"] <= 1.0  # the top of 4 probabilities


def test_the_untrained_model_leaves_a_callers_torch_rng_as_it_was(game):
    """A library caller that seeded torch draws what it would have drawn without the run: the
    untrained model's weights come from a generator of its own, the same ones every run."""
    import torch

    from highlights.model.r2plus1d import seeded_r2plus1d_18

    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    first = _run(game, {"classifier.backend": "untrained", "classifier.min_score": 0.0})
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(torch.rand(3), expected)
    again = _run(game, {"classifier.backend": "untrained", "classifier.min_score": 0.0})
    assert [c["probs"] for c in again.trace.classifications] == [c["probs"] for c in first.trace.classifications]
    # Every weight and statistic set (none left as the empty memory it was laid out in), as seeded.
    model = seeded_r2plus1d_18(4, seed=0, width=0.25, layers=(1, 1, 1, 1))
    state, same = model.state_dict(), seeded_r2plus1d_18(4, seed=0, width=0.25, layers=(1, 1, 1, 1)).state_dict()
    assert all(torch.equal(state[k], same[k]) for k in state)
    assert all(torch.isfinite(v.float()).all() for v in state.values())
    bn = model.stem[1]
    assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean))
    assert torch.equal(bn.running_var, torch.ones_like(bn.running_var)) and int(bn.num_batches_tracked) == 0
    assert 0.005 < float(model.fc.weight.std()) < 0.015  # drawn as torchvision's N(0, 0.01)


def test_stream_holds_a_bounded_buffer(game):
    video, annotation = game
    cfg = FAST.with_overrides({"classifier.backend": "untrained", "classifier.min_score": 0.0,
                               "candidates.max_s": 3.0, "analysis.buffer_s": 8.0})
    result = run_pipeline(video, cfg, annotation=annotation, progress=False)
    cap = math.ceil(cfg.analysis.buffer_s * cfg.analysis.fps) + 2
    assert result.stats["frame_buffer_capacity"] == cap
    assert 0 < result.stats["frame_buffer_max_frames"] <= cap < result.stats["analysis_frames"] / 2
    assert result.stats["record_buffer_max"] <= cap
    assert result.stats["classifier_windows"] == 3
    assert 0 < result.stats["classifier_max_waiting_clips"] <= cfg.classifier.batch


class RecordingClassifier(ClassifierStage):
    """Keeps the clips it is given and says none: lets a test look at what the classifier saw."""

    backend = "test-recording"
    seen: list = []

    def predict(self, clips):
        RecordingClassifier.seen.extend(clips)
        probs = np.zeros((len(clips), len(self.classes)), np.float32)
        probs[:, self.classes.index("none")] = 1.0
        return probs


def test_stream_windows_hold_the_frames_a_seek_would(game):
    """The ring buffer gives the classifier the same moments as seeking read_clip window by window."""
    clips = {}
    for mode in ("stream", "seek"):
        RecordingClassifier.seen = []
        with registered(RecordingClassifier):
            _run(game, {"classifier.backend": "test-recording", "classifier.frames": mode})
        clips[mode] = RecordingClassifier.seen
    assert len(clips["stream"]) == len(clips["seek"]) == 3
    for a, b in zip(clips["stream"], clips["seek"]):
        assert a.shape[0] == b.shape[0] == 16
        small = np.stack([cv2.resize(f, (a.shape[2], a.shape[1]), interpolation=cv2.INTER_AREA) for f in b])
        # Same frames, scaled differently: a few grey levels apart on average, far less than a
        # one-frame shift of the moving limbs would make.
        assert np.abs(a.astype(np.int16) - small.astype(np.int16)).mean() < 3.0


def test_evaluate_video_writes_json_and_markdown_with_the_config(game, tmp_path):
    video, annotation = game
    report, written = evaluate_video(video, annotation, FAST.with_overrides({"pose.gt_dropout": 1.0}), tmp_path,
                                     progress=False)
    saved = json.loads((tmp_path / "pipeline_eval.json").read_text())
    assert saved["config"]["pose"]["gt_dropout"] == 1.0
    assert [r["tolerance_s"] for r in saved["by_tolerance"]] == [1.0, 2.0, 5.0]
    md = (tmp_path / "pipeline_eval.md").read_text()
    assert "| pose/kinematics | 3 | 1.000 [0.439, 1.000] |" in md


def test_background_inference_gives_the_same_decisions_as_inline(game):
    # Batches of 1 so the stream has several batches in flight over the game, not one at the end.
    video, annotation = game
    base = {"classifier.backend": "untrained", "classifier.min_score": 0.0, "classifier.batch": 1}
    inline = _run(game, {**base, "classifier.overlap": False})
    overlapped = _run(game, {**base, "classifier.overlap": True})
    assert len(inline.trace.classifications) == 3
    assert overlapped.trace.classifications == inline.trace.classifications
    assert [h.to_dict() for h in overlapped.highlights] == [h.to_dict() for h in inline.highlights]


def test_background_inference_failure_surfaces_in_the_run(game):
    class FailingClassifier(ClassifierStage):
        backend = "test-failing"

        def predict(self, clips):
            raise RuntimeError("network exploded")

    with registered(FailingClassifier), pytest.raises(RuntimeError, match="network exploded"):
        _run(game, {"classifier.backend": "test-failing"})


def test_the_inference_path_is_a_config_switch_recorded_in_the_output(game, tmp_path):
    from highlights.errors import ConfigError
    from highlights.model import AUTO_ORDER, save_checkpoint
    from highlights.pipeline.config import INFERENCE_PATHS
    from tests.model_fixtures import tiny_meta, tiny_model

    assert INFERENCE_PATHS == ("auto", *AUTO_ORDER)
    model = tiny_model()
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    base = {"classifier.backend": "checkpoint", "classifier.checkpoint": str(checkpoint), "classifier.min_score": 0.0}
    named = _run(game, {**base, "classifier.inference_path": "channels_last", "classifier.bf16": False})
    path = named.stats["inference_path"]
    assert (path["requested"], path["picked"], path["choice"]) == ("channels_last", "channels_last", "named")
    written = named.to_dict()
    assert written["stats"]["inference_path"] == path
    assert written["config"]["classifier"]["inference_path"] == "channels_last"
    assert written["config"]["classifier"]["bf16"] is False

    auto = _run(game, base).stats["inference_path"]
    assert auto["requested"] == "auto" and auto["choice"] in ("measured", "cached") and auto["layout"]
    assert auto["bf16"]["offered"] is False and auto["int8"]["offered"] is False  # nothing verified
    with pytest.raises(ConfigError, match=r"classifier.inference_path='fastest'.*auto, torchscript"):
        FAST.with_overrides({"classifier.inference_path": "fastest"})


def test_an_ablation_loads_its_checkpoint_once_for_every_run(game, tmp_path, monkeypatch):
    """Each run loading the checkpoint again would time the inference paths again where the choice
    is not cached (a busy machine), and could score its windows on another path than the baseline."""
    from highlights.model import ClipClassifier, save_checkpoint
    from highlights.model.process_cache import loaded_count
    from tests.model_fixtures import tiny_meta, tiny_model

    model = tiny_model()
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    base = FAST.with_overrides({"classifier.backend": "checkpoint", "classifier.checkpoint": str(checkpoint),
                                "classifier.min_score": 0.0, "classifier.inference_path": "eager"})
    loads = []
    real = ClipClassifier.from_checkpoint.__func__

    def counted(cls, *args, **kwargs):
        loads.append(args[0])
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(ClipClassifier, "from_checkpoint", classmethod(counted))
    video, annotation = game
    result = run_ablation(video, annotation, base, {"merge.nms_iou": 0.5, "classifier.min_score": 0.2})
    assert len([r for r in result.rows if not r.reused]) > 1
    assert len(loads) == 1
    assert loaded_count() == 0  # closed with the ablation


def test_a_cut_off_upload_is_refused_before_its_first_part_is_read(game, tmp_path, monkeypatch):
    # Its index is at the front, so its first half decodes: a whole-game run would spend its time
    # on that half and only then find the rest missing.
    import highlights.video
    from highlights.video import VideoError, probe
    from tests.bad_inputs import truncated_faststart_copy

    cut = truncated_faststart_copy(game[0], tmp_path / "upload.mp4")

    def no_read(*args, **kwargs):
        raise AssertionError("the cut-off file was read before it was refused")

    monkeypatch.setattr(highlights.video, "iter_frames", no_read)
    with pytest.raises(VideoError, match=r"truncated or damaged: its frames end at about (\d+) s") as err:
        run_pipeline(cut, FAST, annotation=game[1], progress=False)
    assert str(err.value).startswith(f"{cut}: ")
    end_s = float(err.value.cause.split("about ")[1].split(" s")[0])
    assert 0.3 * probe(cut).duration_s <= end_s <= 0.7 * probe(cut).duration_s


def test_the_oracle_names_a_wrong_event_by_its_rule_and_refuses_a_sport_that_would_hide_it(game):
    """The annotation gives no wrong class, so the oracle names the first action class of its list
    other than the event's own: with one class per sport, another sport's. `classifier.sport` hands
    such a label back to the sport's own class, which made a wrong oracle right again without a
    word: the pair is refused in one line."""
    wrong = _run(game, {"classifier.oracle_accuracy": 0.0})
    assert [h.label for h in wrong.highlights] == ["basketball_layup", "baseball_swing", "baseball_swing"]
    with pytest.raises(ConfigError) as refused:
        _run(game, {"classifier.oracle_accuracy": 0.0, "classifier.sport": "Baseball"})
    said = str(refused.value)
    assert said == ("classifier.oracle_accuracy=0 with classifier.sport='Baseball': the oracle labels a "
                    "baseball_swing it gets wrong basketball_layup, which the sport filter hands back to "
                    "baseball's own class, so 1 of its mistakes would not show")
    # right on every event, there is no mistake to hide
    assert [h.label for h in _run(game, {"classifier.sport": "baseball"}).highlights] == ["baseball_swing"] * 3


def test_the_printed_misses_name_each_cause_as_pipeline_eval_md_does(monkeypatch):
    """The terminal's table of misses gave the code's cause (`classifier_wrong_class`) where the
    Markdown of the same run says "classifier said the wrong class"."""
    import io

    from rich.console import Console

    import highlights.cli.pipeline as pipeline_cli
    from highlights.pipeline.evaluation import CAUSE_TEXT

    console = Console(width=200, file=io.StringIO(), record=True)
    monkeypatch.setattr(pipeline_cli, "console", console)
    misses = [{"event_id": f"e{i}", "label": "baseball_swing", "key_s": 10.0 * i, "cause": cause,
               "detail": "why"} for i, cause in enumerate(("classifier_wrong_class", "shown"))]
    pipeline_cli._print_misses(misses)
    text = console.export_text()
    assert CAUSE_TEXT["classifier_wrong_class"] in text and CAUSE_TEXT["shown"] in text
    assert "classifier_wrong_class" not in text


def test_evaluate_says_a_run_without_a_sport_named_several_on_a_game_annotated_with_one(game):
    """The annotation says the game is one sport; a run without --sport whose highlights name
    several gets detect's line pointing to --sport, as some of its labels are then wrong. A game
    annotated with several sports, or a run given its sport, gets none."""
    from dataclasses import replace

    from highlights.pipeline.sport_filter import sport_of

    _, annotation = game
    result = _run(game)
    sports = {sport_of(h.label) for h in result.highlights}
    assert len(sports) >= 2  # the generator's game mixes sports
    one = replace(annotation, events=[e for e in annotation.events if sport_of(e.label) == "basketball"])
    hint = evaluate_result(result, one).about["sports_hint"]
    assert hint.startswith(f"the highlights name {len(sports)} sports (") and hint.endswith(
        "--sport SPORT keeps every label to that sport")
    assert evaluate_result(result, annotation).about["sports_hint"] is None
    kept = _run(game, {"classifier.sport": "basketball"})
    assert evaluate_result(kept, one).about["sports_hint"] is None
