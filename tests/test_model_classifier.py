"""ClipClassifier and its inference paths: every fast path gives eager's predictions."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

import highlights.model.classifier as classifier_module
from highlights.errors import HighlightsError
from highlights.model import AUTO_ORDER, CheckpointError, ClipClassifier, fold_batchnorm, save_checkpoint
from highlights.model.backends import Backend, build_backend, compare_logits
from highlights.model.cpu_features import this_cpu
from highlights.model.path_choice import PathCache
from highlights.video import clip_to_tensor

from tests.model_fixtures import TINY_CLASSES, TINY_SPEC, tiny_clips, tiny_meta, tiny_model

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None
FAST_PATHS = [p for p in AUTO_ORDER if p != "eager" and (HAS_ORT or not p.startswith("onnx"))]


@pytest.fixture(scope="module")
def model():
    return tiny_model(seed=0)


@pytest.fixture(scope="module")
def clips():
    return tiny_clips(3, seed=2)


def _eager(model, x):
    with torch.inference_mode():
        return model(x)


@pytest.mark.parametrize("name", FAST_PATHS)
def test_every_fast_path_equals_eager(model, clips, name):
    reference = _eager(model, clips)
    backend = build_backend(name, model, clips[:1])
    logits = torch.as_tensor(backend(clips))
    assert logits.shape == reference.shape
    assert torch.equal(logits.argmax(1), reference.argmax(1))
    assert float((logits - reference).abs().max()) <= 1e-3
    # The paths work on copies: the model itself is untouched and still eager.
    assert torch.equal(_eager(model, clips), reference)


def test_folding_removes_every_batch_norm_and_keeps_the_outputs(model, clips):
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm3d) for m in model.modules())
    assert torch.allclose(_eager(folded, clips), _eager(model, clips), atol=1e-5)


def test_auto_times_every_verified_path_and_keeps_the_fastest(model, clips, tmp_path):
    # Fake timings: the choice logic is under test here, not this machine's speed.
    def fake(layout, run):
        return (0.5 if layout.backend == "channels_last" else 1.0) * (0.8 if layout.workers == 2 else 1.0)

    # No time budget: the fake seconds would otherwise cut layouts (tested in test_model_path_choice).
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, num_threads=2, measure_budget_s=None,
                                path_cache=PathCache(tmp_path / "paths.json"), path_timer=fake)
    assert classifier.backend == "channels_last"
    assert classifier.runner.describe() == {"chunk_size": 1, "workers": 2, "intra_threads_per_worker": 1}
    report = classifier.backend_report
    assert report["requested"] == "auto" and report["choice"] == "measured"
    assert report["picked"] == classifier.backend
    assert {t["backend"] for t in report["tried"]} == set(FAST_PATHS) | {"eager"}
    # Every layout of every path was timed: 3 layouts each on 2 threads.
    assert len(report["measured_clips_per_s"]) == 3 * (len(FAST_PATHS) + 1)
    best = max(report["measured_clips_per_s"].values())
    assert report["measured_clips_per_s"][report["layout"]] == best
    assert np.allclose(classifier.predict_logits(clips), _eager(model, clips).numpy(), atol=1e-3)
    classifier.close()


def test_a_choice_measured_on_a_busy_machine_serves_its_run_but_is_not_cached(model, tmp_path):
    # Fake timings and fake CPU counters: (clock, every process's CPU seconds, this process's).
    def fake(layout, run):
        return 0.5 if layout.backend == "channels_last" else 1.0

    def probe_of(*readings):
        it = iter(readings)
        return lambda: next(it)

    cache = PathCache(tmp_path / "paths.json")
    make = lambda probe: ClipClassifier(model, TINY_CLASSES, TINY_SPEC, num_threads=2, measure_budget_s=None,
                                        fp32_paths=("eager", "channels_last"), path_cache=cache,
                                        path_timer=fake, load_probe=probe)
    busy = make(probe_of((0.0, 0.0, 0.0), (10.0, 12.0, 2.0)))  # others: 10 CPU s in 10 s = 1 core
    assert busy.backend == "channels_last" and busy.backend_report["choice"] == "measured"
    assert busy.backend_report["stored"] is False and busy.backend_report["others_busy_cores"] == pytest.approx(1.0)
    assert cache._read() == {}, "a busy machine's choice was cached"
    from highlights.pipeline.stages.checkpoint_classifier import inference_path_summary

    from highlights.pipeline.classifier_inference import unkept_choice_note

    summary = inference_path_summary(busy)
    assert summary["stored"] is False  # what a run's stats.inference_path says
    # ... and what detect says of it: the next run may take another path, and how to hold one
    assert unkept_choice_note(summary) == (
        "the classifier's inference path (channels_last) was chosen by timing while other processes kept 1.00 "
        "cores busy, so the choice was not kept: the next run times the paths again and may take another (two "
        "fp32 paths' scores may differ in their last digits); to compare runs, give each "
        "--set classifier.inference_path=PATH (an fp32 path: torchscript, onnxruntime, ...)")
    with_int8 = {**summary, "int8": {"offered": True, "reason": None}, "bf16": {"offered": False, "reason": "x"}}
    assert "(an int8 path's scores differ slightly from an fp32 path's)" in unkept_choice_note(with_int8)
    with_bf16 = {**summary, "int8": {"offered": False, "reason": "x"}, "bf16": {"offered": True, "reason": None}}
    assert "(a bf16 path's scores differ slightly from an fp32 path's)" in unkept_choice_note(with_bf16)
    busy.close()
    quiet = make(probe_of((0.0, 0.0, 0.0), (10.0, 2.5, 2.0)))  # others: 0.05 of a core
    assert quiet.backend_report["stored"] is True and quiet.backend_report["others_busy_cores"] == pytest.approx(0.05)
    assert unkept_choice_note(inference_path_summary(quiet)) is None
    quiet.close()
    again = make(probe_of())  # a cached choice measures nothing, so it reads no counters
    assert again.backend_report["choice"] == "cached" and again.backend == "channels_last"
    assert unkept_choice_note(inference_path_summary(again)) is None
    again.close()



def test_where_the_system_gives_no_cpu_counters_a_choice_is_cached(model, tmp_path, monkeypatch):
    """macOS has no /proc/stat: the load of other processes is unknown, and the measured choice
    is cached as on a quiet machine (else every run there would measure again)."""
    from highlights import machine_load

    monkeypatch.setattr(machine_load, "PROC_STAT", str(tmp_path / "no-proc" / "stat"))
    cache = PathCache(tmp_path / "paths.json")
    chosen = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, num_threads=2, measure_budget_s=None,
                            fp32_paths=("eager", "channels_last"), path_cache=cache,
                            path_timer=lambda layout, run: 0.5 if layout.backend == "channels_last" else 1.0,
                            load_probe=machine_load.cpu_seconds)
    assert chosen.backend == "channels_last"
    assert chosen.backend_report["others_busy_cores"] is None and chosen.backend_report["stored"] is True
    assert cache._read() != {}
    chosen.close()


def test_a_choice_whose_cache_cannot_be_written_is_not_reported_stored(model, tmp_path):
    in_the_way = tmp_path / "home-cache"
    in_the_way.write_text("a file where the cache folder would be")
    quiet = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, num_threads=2, measure_budget_s=None,
                           fp32_paths=("eager", "channels_last"),
                           path_cache=PathCache(in_the_way / "highlights" / "paths.json"),
                           path_timer=lambda layout, run: 0.5 if layout.backend == "channels_last" else 1.0,
                           load_probe=iter([(0.0, 0.0, 0.0), (10.0, 2.5, 2.0)]).__next__)
    assert quiet.backend == "channels_last"
    assert quiet.backend_report["stored"] is False and quiet.backend_report["cache_unwritable"] is True
    quiet.close()


def test_auto_passes_over_a_path_that_disagrees_with_eager(model, monkeypatch, tmp_path):
    class OffByOne(Backend):
        name = "broken"

        def __call__(self, x):
            with torch.inference_mode():
                return model(x) + 1.0

    real_build = classifier_module.build_backend

    def build(name, *args, **kwargs):
        return OffByOne() if name == AUTO_ORDER[0] else real_build(name, *args, **kwargs)

    monkeypatch.setattr(classifier_module, "build_backend", build)
    timed: set[str] = set()

    def timer(layout, run):
        timed.add(layout.backend)
        return 0.1 if layout.backend == AUTO_ORDER[0] else 1.0  # the broken path would win if timed

    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_cache=False, path_timer=timer)
    first = classifier.backend_report["tried"][0]
    assert first["backend"] == AUTO_ORDER[0] and first["ok"] is False
    assert first["max_abs_diff"] == pytest.approx(1.0, abs=1e-5)
    assert AUTO_ORDER[0] not in timed and classifier.backend != AUTO_ORDER[0]

    with pytest.raises(RuntimeError, match="disagrees with eager"):
        ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend=AUTO_ORDER[0])


def test_predict_proba_is_a_softmax_over_the_classes(model, clips):
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager")
    proba = classifier.predict_proba(clips)
    assert proba.shape == (3, 4) and proba.dtype == np.float32
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    expected = torch.softmax(_eager(model, clips), dim=1).numpy()
    assert np.allclose(proba, expected, atol=1e-6)
    assert classifier.predict(clips) == [TINY_CLASSES[i] for i in expected.argmax(1)]
    assert classifier.predict_proba(clips.numpy()).shape == (3, 4)  # numpy in works too
    assert classifier.predict_proba(clips[:0]).shape == (0, 4)


def test_chunking_does_not_change_the_result(model, clips):
    one = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="channels_last", chunk_size=1)
    many = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="channels_last", chunk_size=8)
    assert np.allclose(one.predict_logits(clips), many.predict_logits(clips), atol=1e-5)


def test_from_checkpoint_restores_classes_spec_and_outputs(model, clips, tmp_path):
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    classifier = ClipClassifier.from_checkpoint(path, backend="folded_channels_last")
    assert classifier.classes == TINY_CLASSES
    assert classifier.spec == TINY_SPEC
    assert classifier.backend == "folded_channels_last"
    assert classifier.meta["dataset"]["version"] == "v2"
    assert np.allclose(classifier.predict_logits(clips), _eager(model, clips).numpy(), atol=1e-3)


def test_from_checkpoint_with_a_bad_path_names_the_file(tmp_path):
    with pytest.raises(CheckpointError, match="missing.pt: no such file"):
        ClipClassifier.from_checkpoint(tmp_path / "missing.pt")


def test_a_batch_not_made_to_the_checkpoints_clip_spec_is_refused_in_one_line(model):
    """Raw frames, or clips cut at another size, run through the network without error and give
    confident nonsense: a notebook user is told how to make the batch instead."""
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager")
    frames = np.random.default_rng(0).integers(0, 256, (TINY_SPEC.num_frames, 48, 64, 3), dtype=np.uint8)
    raw = np.ascontiguousarray(frames.transpose(3, 0, 1, 2))[None, :, :, :TINY_SPEC.crop_size, :TINY_SPEC.crop_size]
    other_size = torch.zeros(1, 3, TINY_SPEC.num_frames, 2 * TINY_SPEC.crop_size, 2 * TINY_SPEC.crop_size)
    other_length = torch.zeros(1, 3, 2 * TINY_SPEC.num_frames, TINY_SPEC.crop_size, TINY_SPEC.crop_size)
    for batch, cause in ((frames[None], r"\(N, 3, T, H, W\)"), (raw, "uint8 values"),
                         (other_size, "the checkpoint's clip spec"), (other_length, "the checkpoint's clip spec")):
        with pytest.raises(HighlightsError, match=cause) as caught:
            classifier.predict_proba(batch)
        assert "clip_to_tensor(frames, classifier.spec, train=False)" in str(caught.value)
        assert "\n" not in str(caught.value)
    made = clip_to_tensor(frames, TINY_SPEC, train=False)[None]
    assert classifier.predict_proba(made).shape == (1, len(TINY_CLASSES))


def test_bad_inputs_and_names_are_refused(model):
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager")
    with pytest.raises(ValueError, match=r"\(N, 3, T, H, W\)"):
        classifier.predict_proba(torch.zeros(3, 4, 32, 32))
    with pytest.raises(ValueError, match="unknown backend 'tensorrt'"):
        ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="tensorrt")
    with pytest.raises(ValueError, match="3 class names for a 4-class model"):
        ClipClassifier(model, TINY_CLASSES[:3], TINY_SPEC, backend="eager")
    with pytest.raises(ValueError, match="evaluate_int8"):
        ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="onnxruntime_int8")


def test_compare_logits_flags_shape_nan_and_argmax_changes():
    a = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert compare_logits(a, a + 5e-4).ok
    assert not compare_logits(a, a + 2e-3).ok
    assert not compare_logits(a, torch.tensor([[1.0, 0.0], [2.0, 0.0]])).same_argmax
    assert not compare_logits(a, a[:1]).ok
    assert not compare_logits(a, torch.full_like(a, float("nan"))).ok


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime not installed")
def test_int8_is_used_only_after_a_verdict_accepts_it(model):
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager")
    test_x = tiny_clips(6, seed=5)
    labels = _eager(model, test_x).argmax(1).numpy()  # labels the fp32 model gets right
    verdict = classifier.evaluate_int8(test_x, labels, calibration=tiny_clips(4, seed=6))
    assert classifier.backend == "eager"  # evaluating changes nothing
    assert verdict["fp32_accuracy"] == 1.0
    assert verdict["int8_accuracy"] == pytest.approx(verdict["prediction_agreement"])
    assert verdict["accuracy_change_points"] == pytest.approx(
        100 * (verdict["int8_accuracy"] - verdict["fp32_accuracy"]))
    assert 0 < verdict["max_abs_logit_diff"] < 1.0  # int8 is close, but not bit-equal
    assert verdict["accepted"] == (verdict["accuracy_change_points"] >= -0.5)

    assert classifier.use_int8({**verdict, "accepted": False}) is False
    assert classifier.backend == "eager"
    assert classifier.use_int8({**verdict, "accepted": True}) is True
    assert classifier.backend == "onnxruntime_int8"
    assert classifier.backend_report["picked"] == "onnxruntime_int8"
    int8_logits = classifier.predict_logits(test_x)
    assert np.abs(int8_logits - _eager(model, test_x).numpy()).max() == pytest.approx(
        verdict["max_abs_logit_diff"], rel=1e-5)


def _int8_fastest(layout, run):
    return 0.1 if layout.backend == "onnxruntime_int8" else 1.0


QUICK = {"path_cache": False, "fp32_paths": ("eager", "channels_last")}  # cheap to build: tests of the logic


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime not installed")
def test_a_stored_int8_verdict_is_used_only_for_its_own_checkpoint(model, tmp_path):
    from highlights.model.int8_store import load_int8, save_int8, sidecar_paths

    ckpt = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    assert load_int8(ckpt)[1]["reason"].startswith("never verified")
    plain = ClipClassifier.from_checkpoint(ckpt, **QUICK)  # nothing stored: the fastest fp32 path
    assert plain.backend in AUTO_ORDER and plain.backend_report["int8"]["usable"] is False

    test_x = tiny_clips(6, seed=5)
    verdict = plain.evaluate_int8(test_x, _eager(model, test_x).argmax(1).numpy(), calibration=tiny_clips(4, seed=6))
    save_int8(ckpt, {**verdict, "accepted": True}, plain.int8_onnx_bytes())
    model_path, verdict_path = sidecar_paths(ckpt)
    assert model_path.is_file() and verdict_path.is_file()

    # Offered to the measured choice beside the fp32 paths: picked when it is the fastest ...
    loaded = ClipClassifier.from_checkpoint(ckpt, **QUICK, path_timer=_int8_fastest)
    assert loaded.backend == "onnxruntime_int8"
    assert loaded.backend_report["picked"] == "onnxruntime_int8" and loaded.backend_report["int8"]["usable"]
    assert loaded.backend_report["int8"]["picked"] is True
    # The stored model is the one that was measured: the same logits as during the evaluation.
    assert np.allclose(loaded.predict_logits(test_x), plain.int8_logits(test_x), atol=1e-5)
    # ... and left aside when an fp32 path is faster.
    slower = ClipClassifier.from_checkpoint(ckpt, **QUICK,
                                            path_timer=lambda layout, run: 2.0 if "int8" in layout.backend else 1.0)
    assert slower.backend in AUTO_ORDER
    assert slower.backend_report["int8"]["usable"] and slower.backend_report["int8"]["picked"] is False
    assert any("onnxruntime_int8" in label for label in slower.backend_report["measured_clips_per_s"])
    assert ClipClassifier.from_checkpoint(ckpt, int8=False, path_cache=False,
                                          path_timer=_int8_fastest).backend != "onnxruntime_int8"  # opt-out
    assert ClipClassifier.from_checkpoint(ckpt, backend="eager").backend == "eager"  # a named path wins

    # Verified with VNNI, loaded on a CPU without (or the other way round): the int8 sums differ.
    from highlights.model.cpu_features import CpuInfo
    other_kind = CpuInfo("other", frozenset() if this_cpu().int8_dot_product else frozenset({"avx512_vnni"}))
    elsewhere = ClipClassifier.from_checkpoint(ckpt, cpu=other_kind, **QUICK, path_timer=_int8_fastest)
    assert elsewhere.backend != "onnxruntime_int8"
    assert "re-run evaluate --int8 here" in elsewhere.backend_report["int8"]["reason"]

    # A stored model this machine cannot run (say onnxruntime is missing): fp32, and says why.
    def unavailable(*args, **kwargs):
        raise ImportError("No module named 'onnxruntime'")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classifier_module.OnnxRuntimeInt8Backend, "from_bytes", unavailable)
        fallback = ClipClassifier.from_checkpoint(ckpt, **QUICK, path_timer=_int8_fastest)
    assert fallback.backend in AUTO_ORDER and fallback.backend_report["tried"]
    assert "failed to load" in fallback.backend_report["int8"]["reason"]

    # Another file at the same path (retrained): the verdict no longer applies.
    save_checkpoint(ckpt, tiny_model(seed=3), tiny_meta(model))
    stale = ClipClassifier.from_checkpoint(ckpt, **QUICK, path_timer=_int8_fastest)
    assert stale.backend != "onnxruntime_int8" and "sha256" in stale.backend_report["int8"]["reason"]
    assert stale.backend in AUTO_ORDER

    # A rejected verdict removes the model it replaces, and is never used.
    save_int8(ckpt, {**verdict, "accepted": False, "accuracy_change_points": -3.0}, None)
    assert not model_path.exists()
    assert ClipClassifier.from_checkpoint(ckpt, **QUICK,
                                          path_timer=_int8_fastest).backend != "onnxruntime_int8"
    assert "rejected" in load_int8(ckpt)[1]["reason"]


def test_int8_verdict_counts_points_on_the_same_clips():
    from highlights.model.precision_verdict import int8_verdict

    labels = np.arange(200) % 4
    fp32 = np.eye(4)[labels] * 5.0
    int8 = fp32.copy()
    int8[0] = np.eye(4)[(labels[0] + 1) % 4] * 5.0  # one clip of 200 flips: exactly 0.5 points
    verdict = int8_verdict(fp32, int8, labels)
    assert verdict["accuracy_change_points"] == pytest.approx(-0.5)
    assert verdict["prediction_agreement"] == pytest.approx(0.995)
    assert verdict["accepted"] is True
    # The flipped clip's probabilities moved from ~0.98 on one class to ~0.98 on another.
    assert verdict["max_abs_prob_diff"] == pytest.approx((np.exp(5) - 1) / (np.exp(5) + 3))
    assert verdict["mean_abs_prob_diff"] == pytest.approx(verdict["max_abs_prob_diff"] / 200)
    same = int8_verdict(fp32, fp32, labels)
    assert same["accuracy_change_points"] == 0.0 and str(same["accuracy_change_points"]) == "0.0"
    assert same["max_abs_prob_diff"] == 0.0
    int8[1] = np.eye(4)[(labels[1] + 1) % 4] * 5.0  # two: 1 point, too many
    assert int8_verdict(fp32, int8, labels)["accepted"] is False
    with pytest.raises(ValueError, match="labels"):
        int8_verdict(fp32, int8[:10], labels)


def test_int8_needs_an_evaluation_first(model):
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager")
    with pytest.raises(RuntimeError, match="evaluate_int8"):
        classifier.use_int8({"accepted": True})


def test_worker_threads_give_the_same_logits_and_leave_the_callers_threads_alone(model):
    from highlights.model.runner import ChunkRunner

    x = tiny_clips(5, seed=8)
    backend = build_backend("torchscript", model, x[:1])
    serial = ChunkRunner(chunk_size=5)(backend, x)
    threads_before = torch.get_num_threads()
    runner = ChunkRunner(chunk_size=1, workers=2, intra_threads=1)
    parallel = runner(backend, x)
    runner.close()
    assert torch.get_num_threads() == threads_before
    assert torch.allclose(parallel, serial, atol=1e-5)
    assert torch.equal(parallel.argmax(1), _eager(model, x).argmax(1))


def test_classifier_records_how_it_spreads_a_batch(model):
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager", workers=2, chunk_size=2)
    report = classifier.backend_report
    assert report["workers"] == 2 and report["chunk_size"] == 2 and report["threads"] == 1
    x = tiny_clips(5, seed=9)
    assert np.allclose(classifier.predict_logits(x), _eager(model, x).numpy(), atol=1e-5)


def test_paths_outside_the_python_lock_get_one_worker_per_thread(model):
    compiled = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="torchscript", num_threads=2)
    python_level = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="folded_channels_last", num_threads=2)
    assert compiled.runner.describe() == {"chunk_size": 1, "workers": 2, "intra_threads_per_worker": 1}
    assert python_level.runner.describe() == {"chunk_size": 1, "workers": 1, "intra_threads_per_worker": 2}
    x = tiny_clips(3, seed=10)
    assert np.allclose(compiled.predict_logits(x), python_level.predict_logits(x), atol=1e-4)


def test_a_quantisation_killed_part_way_leaves_a_work_folder_the_next_one_removes(tmp_path, monkeypatch):
    """kill -9 while the int8 model is made leaves its ONNX files in the system's temp folder; the
    folder carries the pid, so the next quantisation from another process removes it (named
    `highlights-int8-XXXX`, it stayed for good)."""
    import os
    import re
    import subprocess
    import sys
    import tempfile

    import highlights.model.backends as backends

    code = ("import os, signal, sys, torch\nimport highlights.model.backends as b\n"
            "def killed(model, clip, path):\n    path.write_bytes(b'half a model')\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "b.export_onnx = killed\n"
            "b.OnnxRuntimeInt8Backend(torch.nn.Identity(), torch.zeros(1, 3, 1, 2, 2))\n")
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)})
    assert killed.returncode == -9, killed.stderr
    def work_folders() -> list[str]:  # (the temp folder holds what other libraries keep there too)
        return [name for name in os.listdir(tmp_path) if name.startswith("highlights-int8-")]

    left = work_folders()
    assert len(left) == 1 and re.fullmatch(r"highlights-int8-\d+-\w+", left[0]), left

    def refused(model, clip, path):
        raise ValueError("not this time")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(backends, "export_onnx", refused)
    with pytest.raises(ValueError, match="not this time"):
        backends.OnnxRuntimeInt8Backend(torch.nn.Identity(), torch.zeros(1, 3, 1, 2, 2))
    assert work_folders() == []


def _threads_of_a_new_thread() -> int:
    """torch's thread count as a thread started now sees it (it takes the last count set anywhere)."""
    import threading

    seen = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


def test_num_threads_is_the_classifiers_own_and_the_callers_count_is_put_back(model):
    """A caller on one thread builds a classifier on two: the classifier's work (its checks and
    each prediction) runs on two, and the caller, and threads it starts later, keep one, after a
    failed prediction too."""
    seen = []
    failing = []

    def record(module, args):
        seen.append(torch.get_num_threads())
        if failing:
            raise RuntimeError("forward failed")

    hook = model.register_forward_pre_hook(record)
    try:
        # A named fast path is checked against eager's logits when it is built.
        ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="channels_last", num_threads=2).close()
        assert seen and set(seen) == {2}
        assert torch.get_num_threads() == 1 and _threads_of_a_new_thread() == 1
        classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager", num_threads=2)
        assert classifier.num_threads == classifier.backend_report["threads"] == 2
        seen.clear()
        classifier.predict_logits(tiny_clips(2, seed=11))
        assert seen == [2, 2]
        assert torch.get_num_threads() == 1 and _threads_of_a_new_thread() == 1
        failing.append(True)
        with pytest.raises(RuntimeError, match="forward failed"):
            classifier.predict(tiny_clips(1, seed=12))
        assert torch.get_num_threads() == 1 and _threads_of_a_new_thread() == 1
    finally:
        hook.remove()


def test_a_classifiers_worker_threads_leave_the_count_of_threads_started_later_alone(model):
    # Each worker thread sets its own count (one here); torch also keeps that as the count every
    # thread started afterwards begins with, which the classifier puts back after its call.
    torch.set_num_threads(2)  # the autouse fixture puts one back after the test
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="torchscript", num_threads=2)
    assert classifier.runner.describe()["workers"] == 2
    x = tiny_clips(4, seed=13)
    assert np.allclose(classifier.predict_logits(x), _eager(model, x).numpy(), atol=1e-4)
    classifier.close()
    assert torch.get_num_threads() == 2 and _threads_of_a_new_thread() == 2


def test_a_worker_that_starts_late_sets_its_count_inside_the_callers_block(monkeypatch):
    """One worker of two slow to start while the other runs the whole batch: the count it sets
    (which torch also keeps for threads started later) is set before the caller's block puts its
    own back, not after, where it would stay."""
    import threading
    import time

    from highlights.model.runner import ChunkRunner
    from highlights.model.torch_threads import torch_threads

    set_count = torch.set_num_threads

    def second_worker_late(n: int) -> None:
        if threading.current_thread().name == "highlights-infer_1":
            time.sleep(0.5)
        set_count(n)

    monkeypatch.setattr(torch, "set_num_threads", second_worker_late)
    set_count(2)  # the autouse fixture puts one back after the test
    runner = ChunkRunner(chunk_size=1, workers=2, intra_threads=1)
    with torch_threads(2):
        out = runner(lambda chunk: chunk * 2, torch.arange(4.0)[:, None])
    runner.close()  # waits for both workers, the late one's start included
    assert torch.equal(out, torch.arange(4.0)[:, None] * 2)
    assert torch.get_num_threads() == 2 and _threads_of_a_new_thread() == 2


def test_reduced_precision_logits_leave_no_worker_thread_running(model, monkeypatch):
    """`reduced_logits` spreads the batch over worker threads of a runner of its own, and stops
    them before it returns (the runners are kept referenced here, so only `close` can stop them)."""
    import threading

    from highlights.model.runner import ChunkRunner

    made: list[ChunkRunner] = []

    class KeptRunner(ChunkRunner):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(self)

    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager", workers=2, chunk_size=1)
    classifier.build_bf16(allow_emulated=True)
    monkeypatch.setattr(classifier_module, "ChunkRunner", KeptRunner)
    x = tiny_clips(3, seed=11)
    logits = classifier.reduced_logits("bf16", x)
    assert logits.shape == (3, len(TINY_CLASSES))
    assert len(made) == 1 and made[0].workers == 2  # the batch did go through a pool of two
    assert [t.name for t in threading.enumerate() if t.name.startswith("highlights-infer")] == []
    classifier.close()


def test_a_kept_classifier_runs_on_the_thread_count_set_when_it_is_asked_for(model, tmp_path):
    """A process keeping classifiers loaded (a batch of one worker, run twice in one process with
    other --threads) gets one on the count set now, not the one kept from the first run's count."""
    from highlights.model.process_cache import classifier_for, keep_classifiers_loaded

    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    keep_classifiers_loaded(True)
    try:
        torch.set_num_threads(2)  # the autouse fixture puts one back after the test
        on_two, _ = classifier_for(checkpoint, backend="eager")
        torch.set_num_threads(1)
        on_one, _ = classifier_for(checkpoint, backend="eager")
        assert (on_two.num_threads, on_one.num_threads) == (2, 1)
        assert classifier_for(checkpoint, backend="eager")[0] is on_one
    finally:
        keep_classifiers_loaded(False)



def test_a_kept_classifier_is_loaded_again_for_a_checkpoint_replaced_at_its_size_and_time(model, tmp_path):
    """A checkpoint replaced by another of the same size, its modification time put back (a sync tool
    keeping times), is another model: the process does not hand out the one loaded from the first."""
    import os

    from highlights.model.process_cache import classifier_for, keep_classifiers_loaded, loaded_count

    checkpoint = save_checkpoint(tmp_path / "tiny.pt", model, tiny_meta(model))
    before = checkpoint.stat()
    keep_classifiers_loaded(True)
    try:
        first, _ = classifier_for(checkpoint, backend="eager")
        elsewhere, _ = classifier_for(save_checkpoint(tmp_path / "other.pt", model, tiny_meta(model)), backend="eager")
        closed = []
        close = first.close
        first.close = lambda: closed.append(first) or close()
        other = tiny_model(seed=7)
        save_checkpoint(checkpoint, other, tiny_meta(other))
        os.utime(checkpoint, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert checkpoint.stat().st_size == before.st_size
        second, _ = classifier_for(checkpoint, backend="eager")
        assert second is not first
        x = tiny_clips(2, seed=3)
        assert np.allclose(second.predict_logits(x), _eager(other, x).numpy(), atol=1e-4)
        # The one loaded from the replaced file is closed and let go, another file's kept.
        assert closed == [first] and loaded_count() == 2
        assert classifier_for(tmp_path / "other.pt", backend="eager")[0] is elsewhere
    finally:
        keep_classifiers_loaded(False)


def test_a_reduced_precision_more_accurate_than_fp32_is_accepted_with_its_gain():
    from highlights.model.precision_verdict import int8_verdict

    labels = np.arange(100) % 4
    right = np.eye(4)[labels] * 5.0
    fp32 = right.copy()
    fp32[:2] = np.eye(4)[(labels[:2] + 1) % 4] * 5.0  # fp32 gets two clips wrong that int8 gets right
    verdict = int8_verdict(fp32, right, labels)
    assert verdict["accuracy_change_points"] == pytest.approx(2.0)
    assert verdict["prediction_agreement"] == pytest.approx(0.98)  # the two clips they predict otherwise
    assert verdict["accepted"] is True
    assert verdict["points_per_clip"] == pytest.approx(1.0)  # one clip of 100 is a point
    # Logits that all rose: the largest change is their size, whichever way they moved.
    assert int8_verdict(right, right + 0.25, labels)["max_abs_logit_diff"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="for 0 labels"):
        int8_verdict(np.zeros((0, 4)), np.zeros((0, 4)), [])
    with pytest.raises(ValueError, match="for 99 labels"):
        int8_verdict(fp32, right, labels[:-1])


def test_probabilities_of_large_logits_are_finite():
    from highlights.model.precision_verdict import softmax

    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0], [800.0, 0.0]])), [[0.5, 0.5], [1.0, 0.0]])
