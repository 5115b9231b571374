"""The pose-sequence classifier as the pipeline's classifier backend: no checkpoint needed."""

from __future__ import annotations

import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from tests.pipeline_fixtures import make_game

GT = {"detection.backend": "gt", "pose.backend": "gt"}


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("game"))
    return video, load_annotation(video.with_suffix(".json"))


def test_the_default_classifier_is_the_packaged_pose_model():
    assert PipelineConfig().classifier.backend == "pose"


def test_pose_backend_classifies_each_window_from_its_tracks(game):
    video, annotation = game
    result = run_pipeline(video, PipelineConfig().with_overrides(GT), annotation=annotation, progress=False)
    assert result.backends["classifier"] == "pose"
    assert result.trace.classifications, "the classifier saw no window"
    for row in result.trace.classifications:
        assert row["label"] in ("baseball_swing", "basketball_layup", "soccer_shooting", "none")
    for h in result.highlights:
        probs = h.evidence["classifier"]["probs"]
        assert abs(sum(probs.values()) - 1.0) < 1e-3
        assert h.evidence["classifier"]["backend"] == "pose"


def test_fusion_refuses_a_checkpoint_with_other_classes(game, tmp_path, monkeypatch):
    from highlights.errors import HighlightsError
    from highlights.model import save_checkpoint
    from highlights.model.r2plus1d import r2plus1d_18

    ckpt = tmp_path / "other.pt"
    model = r2plus1d_18(3, width=0.25, layers=(1, 1, 1, 1))
    from highlights.clips.spec import ClipSpec
    save_checkpoint(ckpt, model, {"classes": ["a", "b", "none"],
                                  "clip_spec": ClipSpec(num_frames=4, crop_size=32,
                                                        resize_short_side=36).to_dict(),
                                  "model": {"arch": "r2plus1d_18", "num_classes": 3, "width": 0.25,
                                            "layers": [1, 1, 1, 1]},
                                  "train_config": {}, "dataset": {}})
    video, annotation = game
    cfg = PipelineConfig().with_overrides({**GT, "classifier.backend": "fusion", "classifier.checkpoint": str(ckpt)})
    import highlights.pipeline.stages.checkpoint_classifier as loading

    def no_load(*args, **kwargs):  # a first load measures inference paths: minutes of a full model
        raise AssertionError("the classifier was loaded before its classes were checked")

    monkeypatch.setattr(loading, "load_clip_classifier", no_load)
    with pytest.raises(HighlightsError) as e:
        run_pipeline(video, cfg, annotation=annotation, progress=False)
    assert str(e.value).startswith(f"{ckpt}: cannot fuse")  # the line names the file
    assert "['a', 'b', 'none']" in str(e.value) and "baseball_swing" in str(e.value)
    # Classes of the club's own: a pose model of them is trained on their clips, and passed in.
    assert "--set classifier.pose_model=FILE" in str(e.value) and "runs alone" not in str(e.value)


def test_a_window_waiting_for_its_batch_keeps_its_poses(game):
    """Windows wait for a full batch (here until the end of the 24 s game, longer than the
    record buffer): each must be classified on the poses of its own seconds, taken when it was
    queued, exactly as when every window is classified at once."""
    video, annotation = game
    probs = {}
    for batch in (1, 64):
        cfg = PipelineConfig().with_overrides({**GT, "classifier.batch": batch, "analysis.buffer_s": 15.0})
        result = run_pipeline(video, cfg, annotation=annotation, progress=False)
        probs[batch] = {tuple(c["window"]): c["probs"] for c in result.trace.classifications}
    assert probs[1] and probs[1] == probs[64]
    first = min(probs[64])
    assert first[1] < 24.0 - 15.0, "the first window must lie outside the buffer by the end"
    assert probs[64][first]["none"] < 1.0, "the first window was classified with no pose at all"


def test_windows_pass_the_gate_by_their_action_probability_and_one_flag_moves_it(game):
    """The pose backend decides by the packaged model's action threshold (1 - P(none)), labels by
    the best action class, and `classifier.action_threshold` replaces the threshold without
    recomputing a window's probabilities."""
    from highlights.pose_classifier.default import load_default_pose_model

    video, annotation = game
    model_threshold = load_default_pose_model().action_threshold
    cache: dict = {}
    rows = {}
    raised = None
    for threshold in (None, "raised"):
        if threshold == "raised":
            # Halfway between the least action-like accepted window and certainty: the flag must drop it.
            least = min(1.0 - r["probs"]["none"] for r in rows[None] if r["accepted"])
            assert least < 1.0 - 1e-3, least
            raised = threshold = round((least + 1.0) / 2, 6)
        cfg = PipelineConfig().with_overrides({**GT, "classifier.action_threshold": threshold})
        result = run_pipeline(video, cfg, annotation=annotation, cache=cache, progress=False)
        used = model_threshold if threshold is None else threshold
        rows[threshold] = result.trace.classifications
        for row in result.trace.classifications:
            probs = row["probs"]
            action = 1.0 - probs["none"]
            assert row["accepted"] == (action >= used - 1e-4), row
            if row["accepted"]:
                best_action = max((c for c in probs if c != "none"), key=probs.get)
                assert row["label"] == best_action and row["score"] == pytest.approx(action, abs=1e-3)
            else:
                assert row["label"] == "none"
        for h in result.highlights:
            assert h.label != "none"
    assert [r["probs"] for r in rows[None]] == [r["probs"] for r in rows[raised]]
    accepted = {t: sum(r["accepted"] for r in rows[t]) for t in rows}
    assert 0 < accepted[None] and accepted[raised] < accepted[None], accepted


def test_an_action_threshold_outside_zero_to_one_is_refused(game):
    from highlights.errors import HighlightsError

    video, annotation = game
    with pytest.raises(HighlightsError, match="classifier.action_threshold"):
        run_pipeline(video, PipelineConfig().with_overrides({**GT, "classifier.action_threshold": 1.5}),
                     annotation=annotation, progress=False)


def test_kept_frame_outputs_give_a_later_run_its_own_models_probabilities(game, tmp_path):
    """A bench or script that keeps a game's detection and pose outputs on disk keeps
    `frame_outputs(cache)`: every per-frame entry and no window probability, so a run after the
    pose model changed classifies with the new model, where the whole cache gave it the old
    model's probabilities (the window keys name the model's settings, not its file's content)."""
    import torch

    from highlights.pipeline.run import frame_outputs
    from highlights.pose_classifier.default import load_default_pose_model

    video, annotation = game
    cache: dict = {}
    first = run_pipeline(video, PipelineConfig().with_overrides(GT), annotation=annotation, cache=cache,
                         progress=False)
    kept = frame_outputs(cache)
    frames = [key for key in cache if key[0] == "frame"]
    assert frames and sorted(kept, key=repr) == sorted(frames, key=repr)
    assert len(kept) < len(cache), "the run cached no window probability"

    changed = load_default_pose_model()
    last = [m for m in changed.network.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.bias[changed.none_index] -= 3.0  # the same features, a less `none`-sure model
    path = changed.save(tmp_path / "changed.pt")
    cfg = PipelineConfig().with_overrides({**GT, "classifier.pose_model": str(path)})
    again = run_pipeline(video, cfg, annotation=annotation, cache=kept, progress=False)
    fresh = run_pipeline(video, cfg, annotation=annotation, progress=False)

    def probs(result):
        return {tuple(c["window"]): c["probs"] for c in result.trace.classifications}

    assert probs(again) == probs(fresh)
    assert probs(again) != probs(first)


def test_detect_with_a_fusion_names_its_weight_where_it_names_the_classifier(game, tmp_path):
    """The same two models give other highlights at another weight: the summary line says which
    weight ran, and highlights.json's config keeps it."""
    import json

    from typer.testing import CliRunner

    from highlights.cli.app import app
    from highlights.model import save_checkpoint
    from highlights.pipeline.classifier_inference import classifier_inference_text
    from tests.model_fixtures import tiny_meta, tiny_model

    model = tiny_model()
    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    video, _ = game
    args = ["detect", str(video), "--checkpoint", str(checkpoint), "--no-progress",
            "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set", "classifier.backend=fusion",
            "--set", "classifier.inference_path=channels_last", "--set", "classifier.bf16=false"]
    fused = CliRunner().invoke(app, [*args, "--set", "classifier.fusion_weight=0.7", "--out", str(tmp_path / "fused")])
    assert fused.exit_code == 0, fused.output
    said = " ".join(fused.output.split())
    assert "before the outputs were written; classifier inference: channels_last+pose-" in said
    assert "fusion weight 0.7 (the R(2+1)D's share; the pose model's 0.3))" in said
    saved = json.loads((tmp_path / "fused" / "highlights.json").read_text())
    assert saved["stages"]["classifier"] == "fusion" and saved["config"]["classifier"]["fusion_weight"] == 0.7
    assert classifier_inference_text(saved["inference_backend"], saved["stages"], saved["config"]) in said
    # The pipeline evaluation's report names it where it names the classifier's inference.
    video_args = [a for a in args[2:] if a != "--no-progress"]
    evaluated = CliRunner().invoke(app, ["pipeline", "evaluate", str(video), "--annotations",
                                         str(video.with_suffix(".json")), "--out", str(tmp_path / "eval"),
                                         "--no-progress", *video_args, "--set", "classifier.fusion_weight=0.7"])
    assert evaluated.exit_code == 0, evaluated.output
    report = " ".join((tmp_path / "eval" / "pipeline_eval.md").read_text().split())
    assert (f"Classifier inference: {saved['inference_backend']}, fusion weight 0.7 (the R(2+1)D's share; "
            "the pose model's 0.3).") in report
    # Any other classifier has no weight to name.
    saved["stages"]["classifier"] = "checkpoint"
    assert classifier_inference_text("channels_last", saved["stages"], saved["config"]) == "channels_last"


def test_detect_names_the_pose_model_it_ran_the_packaged_one_or_the_file_given(game, tmp_path):
    """The packaged model and one trained with `train --model pose` share an inference path's
    name: the line that names the path names the model too, so two runs can be told apart."""
    import shutil

    from typer.testing import CliRunner

    from highlights.cli.app import app
    from highlights.pose_classifier.default import DEFAULT_MODEL

    video, _ = game
    args = ["detect", str(video), "--no-progress", "--set", "detection.backend=gt",
            "--set", "pose.backend=gt"]
    packaged = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "packaged")])
    assert packaged.exit_code == 0, packaged.output
    assert "classifier inference: pose-features_linear, the packaged pose model)" in " ".join(
        packaged.output.split())
    own = tmp_path / "runs" / "best.pt"
    own.parent.mkdir()
    shutil.copyfile(DEFAULT_MODEL, own)  # a pose model file of one's own, as train writes it
    mine = CliRunner().invoke(app, [*args, "--checkpoint", str(own),
                                    "--out", str(tmp_path / "mine")])
    assert mine.exit_code == 0, mine.output
    # the terminal may fold the line anywhere in the long path: compared without the whitespace
    assert "".join(f"classifier inference: pose-features_linear, model {own})".split()) in "".join(
        mine.output.split())
