"""highlights called from another program's Python (a web service's worker), not from the command:
one exception class to catch, nothing printed, a callback that can stop a run, runs side by side."""

from __future__ import annotations

import threading

import pytest

import highlights
from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from highlights.pipeline.run import run_pipeline
from tests.pipeline_fixtures import make_game

# Ground-truth people and the oracle classifier: every stage runs, in well under a second.
FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    video = make_game(tmp_path_factory.mktemp("game"))
    return video, load_annotation(video.with_suffix(".json"))


def test_what_a_caller_gets_wrong_is_one_exception_class_named_on_the_package(tmp_path, capfd):
    garbage = tmp_path / "upload.mp4"
    garbage.write_bytes(b"\x00\x01not a video" * 300)
    with pytest.raises(highlights.HighlightsError, match=r"missing\.mp4: file not found"):
        detect_highlights(tmp_path / "missing.mp4", FAST, tmp_path / "out", progress=False)
    with pytest.raises(highlights.HighlightsError, match=r"upload\.mp4: not a video file"):
        detect_highlights(garbage, FAST, tmp_path / "out", progress=False)
    with pytest.raises(highlights.HighlightsError, match="unknown pipeline setting 'classifier.sportt'"):
        FAST.with_overrides(["classifier.sportt=basketball"])
    with pytest.raises(highlights.HighlightsError, match=r"merge.nms_iou='abc': expected float"):
        FAST.with_overrides({"merge.nms_iou": "abc"})
    assert not (tmp_path / "out").exists()
    assert capfd.readouterr() == ("", "")  # the caller decides what its users see


def test_a_tolerance_not_above_zero_is_refused_rather_than_scored_as_nothing_found(game):
    from highlights.pipeline.evaluation import evaluate_highlights

    video, annotation = game
    result = run_pipeline(video, FAST, annotation=annotation, progress=False)
    assert evaluate_highlights(result.highlights, annotation, tolerances=[2.0]).at(2.0).recall.hits > 0
    for tolerance, shown in ((0, "0"), (-1.0, "-1"), (float("nan"), "nan")):
        with pytest.raises(highlights.HighlightsError) as refused:
            evaluate_highlights(result.highlights, annotation, tolerances=[2.0, tolerance])
        assert str(refused.value) == f"tolerances {shown}: a key moment's tolerance must be above 0 s"


def test_raising_from_on_video_s_stops_the_run_and_leaves_the_last_run_folder_as_it_was(game, tmp_path, capfd):
    video, annotation = game
    out = tmp_path / "out"
    detect_highlights(video, FAST, out, annotation=annotation, progress=False)
    before = (out / "highlights.json").read_bytes()
    seen: list[float] = []

    def stop_after_5_s(video_s: float) -> None:
        seen.append(video_s)
        if video_s > 5.0:
            raise KeyboardInterrupt  # as a cancelled request would raise its own exception

    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, FAST.with_overrides({"merge.pad_before_s": 0.5}), out, annotation=annotation,
                          progress=False, on_video_s=stop_after_5_s)
    assert seen == sorted(seen) and 5.0 < seen[-1] < 7.0  # stopped at once, long before the 24 s end
    assert (out / "highlights.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no half-written folder beside it
    assert capfd.readouterr() == ("", "")


def test_a_progress_callable_hears_the_analysis_then_the_cutting_and_no_bar_is_drawn(game, tmp_path, capfd):
    video, annotation = game
    heard: list[tuple[str, float, float]] = []
    result, _ = detect_highlights(video, FAST, tmp_path / "out", annotation=annotation,
                                  progress=lambda stage, done, total: heard.append((stage, done, total)))
    stages = [stage for stage, _, _ in heard]
    assert set(stages) == {"analysis", "cutting"} and stages == sorted(stages)  # analysis first
    analysis = [(done, total) for stage, done, total in heard if stage == "analysis"]
    assert [total for _, total in analysis] == [24.0] * len(analysis)
    assert [done for done, _ in analysis] == sorted(done for done, _ in analysis) and analysis[-1][0] == 24.0
    assert len(analysis) >= 20  # once per second of video
    cutting = [(done, total) for stage, done, total in heard if stage == "cutting"]
    assert all(0 < done <= total for done, total in cutting) and cutting[-1][0] == cutting[-1][1]
    assert result.highlights and capfd.readouterr() == ("", "")


def test_raising_from_progress_while_cutting_keeps_the_last_run_folder(game, tmp_path):
    video, annotation = game
    out = tmp_path / "out"
    detect_highlights(video, FAST, out, annotation=annotation, progress=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    class Cancelled(Exception):
        pass

    def cancel_while_cutting(stage: str, done: float, total: float) -> None:
        if stage == "cutting":
            raise Cancelled

    with pytest.raises(Cancelled):
        detect_highlights(video, FAST.with_overrides({"merge.pad_before_s": 0.5}), out, annotation=annotation,
                          progress=cancel_while_cutting)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_to_dict_is_the_written_highlights_json_in_plain_json_values(game, tmp_path):
    """A service stores or returns `result.to_dict()` itself: `json.dumps` needs no helper for it,
    and it says what the written file says (which adds the windows the classifier turned down)."""
    import json

    video, annotation = game
    result, written = detect_highlights(video, FAST, tmp_path / "out", annotation=annotation, progress=False)
    on_disk = json.loads(written["json"].read_text())
    assert on_disk["highlights"]
    assert {**json.loads(json.dumps(result.to_dict())), "candidates": on_disk["candidates"]} == on_disk


@pytest.mark.slow
def test_two_games_in_two_threads_find_what_each_finds_alone(tmp_path):
    """MoveNet and the packaged pose classifier on rendered players, as a service runs them: no
    state of one game reaches the other, and the order of the runs does not matter."""
    from highlights.synth import GameConfig, generate_game

    videos = [generate_game(tmp_path, GameConfig(minutes=0.2, width=640, height=360, sport=sport, seed=seed,
                                                 events_per_minute=10, name=sport))["video"]
              for sport, seed in (("basketball", 1), ("baseball", 2))]

    def found(result):
        return [(h.start_s, h.end_s, h.label, h.score) for h in result.highlights]

    alone = [found(run_pipeline(v, PipelineConfig(), progress=False)) for v in reversed(videos)][::-1]
    assert alone[0] and alone[1] and alone[0] != alone[1]
    results: dict[int, object] = {}

    def run(i: int) -> None:
        results[i] = detect_highlights(videos[i], PipelineConfig(), tmp_path / f"out{i}", progress=False)[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [found(results[i]) for i in range(2)] == alone


@pytest.mark.parametrize("module", ["highlights.datasets", "highlights.pipeline.detect"])
def test_importing_the_datasets_or_detect_loads_no_augmentation_library(module):
    """A notebook that reads a dataset version or runs detect does not wait seconds for
    albumentations and the torch it loads, which only making augmented variants needs."""
    import subprocess
    import sys

    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('albumentations', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_drawing_a_report_or_training_curves_leaves_the_callers_matplotlib_backend_alone(tmp_path):
    """A notebook plots inline through its own backend: highlights draws its pictures on figures of
    their own, so importing it or writing its PNGs neither switches that backend nor loads pyplot."""
    import subprocess
    import sys

    code = f"""
import sys, matplotlib
matplotlib.use("svg")
import highlights.augment.preview
from highlights.report import build_report, plot_confusion
from highlights.train.curves import plot_training_curves
report = build_report(["none", "soccer_shooting"], ["none", "none"], ["none", "soccer_shooting"], n_bootstrap=10)
plot_confusion(report, {str(tmp_path / "confusion.png")!r})
plot_training_curves([{{"epoch": 1, "train_loss": 1.0, "val_macro_f1": 0.5}}], {str(tmp_path / "curves.png")!r})
print(matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["svg", "False"]
    for name in ("confusion.png", "curves.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
