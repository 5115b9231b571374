"""The inference path chosen by measurement: interleaved timing, the choice, its cache, and bf16
offered only where the CPU has it. Timings are fake (injected): these test the logic, the
benches measure the machine."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import highlights.model.classifier as classifier_module
from highlights.model import ClipClassifier, save_checkpoint
from highlights.model.backends import Backend, Bf16AutocastBackend, Bf16Unavailable
from highlights.model.cpu_features import CpuInfo, parse_cpuinfo
from highlights.model.int8_store import load_bf16, save_bf16, sidecar_paths
from highlights.model.path_choice import (PathCache, PathLayout, candidate_layouts, choose,
                                          measure_interleaved, race)

from tests.model_fixtures import TINY_CLASSES, TINY_SPEC, tiny_clips, tiny_meta, tiny_model

AVX2_ONLY = CpuInfo("Test CPU without bf16", frozenset({"avx2", "fma"}))
NATIVE_BF16 = CpuInfo("Test CPU with bf16", frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}))
CHEAP = ("eager", "channels_last")  # fp32 paths that build in milliseconds


@pytest.fixture(scope="module")
def model():
    return tiny_model(seed=0)


def test_cpuinfo_flags_decide_bf16_and_vnni():
    text = ("processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n\n"
            "processor\t: 1\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2\n")
    cpu = parse_cpuinfo(text)
    assert cpu.model == "AMD EPYC 9R14" and cpu.native_bf16 and cpu.int8_kind == "vnni"
    assert cpu.relevant_flags() == ["avx2", "avx512f", "avx512_vnni", "avx512_bf16"]
    old = parse_cpuinfo("model name : Some Xeon\nflags : sse4_2 avx avx2 fma avx512f avx512bw\n")
    assert not old.native_bf16 and old.int8_kind == "no-vnni"  # AVX-512 alone is not bf16
    arm = parse_cpuinfo("Features\t: fp asimd asimddp bf16 i8mm\nCPU part\t: 0xd4f\n")
    assert arm.native_bf16 and arm.int8_dot_product
    assert "bf16: emulated" in AVX2_ONLY.describe() and "no VNNI" in AVX2_ONLY.describe()


def test_layouts_cover_workers_clips_per_call_and_threads():
    two = candidate_layouts(["torchscript", "eager"], threads=2, batch=4)
    assert {(l.workers, l.chunk_size, l.intra_threads) for l in two if l.backend == "eager"} == {
        (1, 1, 2), (1, 4, 2), (2, 1, 1)}
    assert len(two) == 6
    one = candidate_layouts(["eager"], threads=1, batch=4)
    assert {(l.workers, l.chunk_size) for l in one} == {(1, 1), (1, 4)}
    # A layout the user fixed is the only one timed.
    assert candidate_layouts(["eager"], threads=4, batch=8, workers=2, chunk_size=3) == [
        PathLayout("eager", workers=2, chunk_size=3, intra_threads=2)]


def test_rounds_interleave_in_rotating_order_and_warm_up_is_not_counted():
    layouts = [PathLayout(name) for name in "abc"]
    calls: list[str] = []

    def time_one(layout):
        calls.append(layout.backend)
        return 1.0

    samples = measure_interleaved(layouts, time_one, rounds=3, warmup=1)
    assert calls == list("abc") + list("abc") + list("bca") + list("cab")
    assert all(len(s) == 3 for s in samples.values())


def test_the_median_decides_not_one_lucky_round():
    steady, lucky = PathLayout("steady"), PathLayout("lucky")
    # "lucky" has the single best round but is slower in most rounds (a burst of load elsewhere).
    choice = choose({steady: [1.0, 1.02, 0.98], lucky: [0.5, 1.3, 1.4]}, batch=4)
    assert choice.layout == steady
    assert choice.clips_per_s[steady.label] == pytest.approx(4 / 1.0)
    assert choice.best_clips_per_s == max(choice.clips_per_s.values())
    with pytest.raises(ValueError):
        choose({}, batch=4)


def _timer(fast: str, calls: list | None = None):
    def timer(layout, run):
        if calls is not None:
            calls.append(layout)
        return 0.2 if layout.backend == fast else 1.0
    return timer


def test_the_choice_is_cached_per_cpu_torch_version_and_model_shape(model, tmp_path, monkeypatch):
    cache = PathCache(tmp_path / "paths.json")
    calls: list = []
    kwargs = dict(path_cache=cache, fp32_paths=CHEAP, cpu=AVX2_ONLY)
    first = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_timer=_timer("channels_last", calls), **kwargs)
    assert first.backend == "channels_last" and first.backend_report["choice"] == "measured"
    measured_calls = len(calls)
    assert measured_calls > 0 and cache.path.is_file()

    # Same CPU, torch and model shape (other weights): the cached choice, nothing timed, and the
    # cached path is still checked against eager before it is used.
    again = ClipClassifier(tiny_model(seed=4), TINY_CLASSES, TINY_SPEC,
                           path_timer=_timer("eager", calls), **kwargs)
    assert len(calls) == measured_calls
    assert again.backend == "channels_last" and again.backend_report["choice"] == "cached"
    assert again.backend_report["tried"][0]["ok"] and again.backend_report["tried"][0]["backend"] == "channels_last"

    def measured_again(**changes) -> bool:
        before = len(calls)
        settings = {**kwargs, **changes}
        m = settings.pop("model", model)
        ClipClassifier(m, TINY_CLASSES, TINY_SPEC, path_timer=_timer("eager", calls), **settings)
        return len(calls) > before

    assert measured_again(cpu=CpuInfo("Another CPU", AVX2_ONLY.flags))
    with monkeypatch.context() as m:
        m.setattr(torch, "__version__", "99.0.0")
        assert measured_again()
    assert measured_again(remeasure=True)  # re-measured on request ...
    after = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_timer=_timer("channels_last", calls), **kwargs)
    assert after.backend == "eager" and after.backend_report["choice"] == "cached"  # ... and the cache updated

    cache.path.write_text("{not json")  # an unreadable cache is measured afresh, never an error
    assert measured_again()
    assert json.loads(cache.path.read_text())["format"].startswith("highlights.inference-paths")


def test_another_model_shape_is_measured_afresh(tmp_path):
    from highlights.model import r2plus1d_18

    cache = PathCache(tmp_path / "paths.json")
    calls: list = []
    small = tiny_model(seed=0)
    ClipClassifier(small, TINY_CLASSES, TINY_SPEC, path_cache=cache, fp32_paths=CHEAP, cpu=AVX2_ONLY,
                   path_timer=_timer("eager", calls))
    before = len(calls)
    torch.manual_seed(0)
    wider = r2plus1d_18(4, width=0.5, layers=(1, 1, 1, 1)).eval()
    ClipClassifier(wider, TINY_CLASSES, TINY_SPEC, path_cache=cache, fp32_paths=CHEAP, cpu=AVX2_ONLY,
                   path_timer=_timer("eager", calls))
    assert len(calls) > before
    assert len(json.loads(cache.path.read_text())["choices"]) == 2


def test_a_cached_path_that_no_longer_agrees_is_measured_again(model, tmp_path, monkeypatch):
    cache = PathCache(tmp_path / "paths.json")
    kwargs = dict(path_cache=cache, fp32_paths=CHEAP, cpu=AVX2_ONLY)
    ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_timer=_timer("channels_last"), **kwargs)

    class OffByOne(Backend):
        name = "channels_last"

        def __call__(self, x):
            with torch.inference_mode():
                return model(x) + 1.0

    real_build = classifier_module.build_backend
    monkeypatch.setattr(classifier_module, "build_backend",
                        lambda name, *a, **k: OffByOne() if name == "channels_last" else real_build(name, *a, **k))
    calls: list = []
    now = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_timer=_timer("channels_last", calls), **kwargs)
    assert now.backend == "eager" and now.backend_report["choice"] == "measured" and calls


def test_bf16_is_refused_on_a_cpu_without_native_bf16(model):
    with pytest.raises(Bf16Unavailable, match="no native bf16|has none"):
        Bf16AutocastBackend(model, cpu=AVX2_ONLY)
    with pytest.raises(ValueError, match="verdict"):
        ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="bf16_autocast")
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager", cpu=AVX2_ONLY)
    x = tiny_clips(4, seed=5)
    with pytest.raises(Bf16Unavailable):
        classifier.evaluate_bf16(x, np.zeros(4, dtype=int))
    assert load_bf16("/nonexistent.pt", cpu=AVX2_ONLY)["reason"].endswith("has no native bf16")


def test_bf16_goes_through_the_same_verdict_as_int8_and_joins_the_choice(model, tmp_path):
    # The arithmetic runs here either way (emulated on a CPU without bf16); the fake CPU says
    # "native" so that the offering logic is what is tested.
    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, backend="eager", cpu=NATIVE_BF16)
    x = tiny_clips(8, seed=5)
    with torch.inference_mode():
        labels = model(x).argmax(1).numpy()
    verdict = classifier.evaluate_bf16(x, labels)
    assert verdict["backend"] == "bf16_autocast" and verdict["precision"] == "bf16"
    assert verdict["fp32_accuracy"] == 1.0 and verdict["bf16_accuracy"] == pytest.approx(
        verdict["prediction_agreement"])
    assert 0 < verdict["max_abs_logit_diff"] < 0.5  # close to fp32, not equal
    for key in ("accuracy_change_points", "mean_abs_prob_diff", "max_abs_prob_diff", "points_per_clip", "accepted"):
        assert key in verdict
    assert classifier.backend == "eager"  # evaluating changes nothing
    assert classifier.use_bf16({**verdict, "accepted": True}) and classifier.backend == "bf16_autocast"
    assert np.abs(classifier.predict_logits(x) - classifier.bf16_logits(x)).max() == 0.0

    ckpt = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    save_bf16(ckpt, {**verdict, "accepted": True}, cpu=NATIVE_BF16)
    assert not sidecar_paths(ckpt, "bf16")[0].exists() and sidecar_paths(ckpt, "bf16")[1].is_file()
    common = dict(path_cache=False, fp32_paths=CHEAP, int8=False, path_timer=_timer("bf16_autocast"))
    offered = ClipClassifier.from_checkpoint(ckpt, cpu=NATIVE_BF16, **common)
    assert offered.backend == "bf16_autocast" and offered.backend_report["bf16"]["usable"]
    assert offered.backend_report["bf16"]["picked"] is True
    # The same files on a CPU without native bf16: never offered, and the report says why.
    plain = ClipClassifier.from_checkpoint(ckpt, cpu=AVX2_ONLY, **common)
    assert plain.backend in CHEAP and "no native bf16" in plain.backend_report["bf16"]["reason"]
    assert not any("bf16" in label for label in plain.backend_report["measured_clips_per_s"])
    # Rejected, or for another checkpoint file: not offered either.
    save_bf16(ckpt, {**verdict, "accepted": False}, cpu=NATIVE_BF16)
    assert ClipClassifier.from_checkpoint(ckpt, cpu=NATIVE_BF16, **common).backend != "bf16_autocast"
    save_bf16(ckpt, {**verdict, "accepted": True}, cpu=NATIVE_BF16)
    save_checkpoint(ckpt, tiny_model(seed=3), tiny_meta(model))
    assert "sha256" in load_bf16(ckpt, cpu=NATIVE_BF16)["reason"]


def test_bench_paths_measures_again_and_stores_the_choice(model, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from highlights.cli.app import app

    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    # Real timings: a machine kept busy by other processes would (rightly) not store them; that
    # rule has its own test with fake counters, so this one reads the load as unknown.
    monkeypatch.setattr("highlights.model.classifier.cpu_seconds", lambda: None)
    ckpt = save_checkpoint(tmp_path / "run" / "best.pt", model, tiny_meta(model))
    # The run folder means its best.pt, as `evaluate` and `detect` read it.
    result = CliRunner().invoke(app, ["bench-paths", str(ckpt.parent), "--threads", "1", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "CPU: " in result.output and "chosen: " in result.output and "eager x1 worker @1" in result.output
    cache = json.loads((tmp_path / "cache" / "inference-paths.json").read_text())
    (entry,) = cache["choices"].values()
    assert entry["fields"]["threads"] == 1 and entry["choice"]["rounds"] == 1
    # A later load reads the choice instead of measuring.
    later = ClipClassifier.from_checkpoint(ckpt, num_threads=1, path_timer=_timer("never timed"))
    assert later.backend_report["choice"] == "cached"
    assert later.backend_report["layout"] == PathLayout.from_dict(entry["choice"]["layout"]).label

    missing = CliRunner().invoke(app, ["bench-paths", str(tmp_path / "nope.pt")])
    assert missing.exit_code == 1 and "nope.pt" in missing.output
    empty = CliRunner().invoke(app, ["bench-paths", "--checkpoint", str(tmp_path / "cache")])
    assert empty.exit_code == 1 and empty.output == f"error: {tmp_path / 'cache'}: a folder without best.pt; give a " \
        "checkpoint file (best.pt or last.pt of a `highlights train` run)\n"


def _layouts(*seconds: float) -> dict[PathLayout, float]:
    return {PathLayout(f"path{i}", workers=1 + i % 2): t for i, t in enumerate(seconds)}


def test_the_race_times_every_layout_then_keeps_the_faster_half_until_two_finalists():
    true = _layouts(1.0, 1.1, 1.2, 0.9, 2.0, 1.05)
    calls: list[PathLayout] = []

    def time_one(layout):
        calls.append(layout)
        return true[layout]

    result = race(list(true), time_one, rounds=3, budget_s=1000.0)
    names = [layout.backend for layout in calls]
    # Round 1: all six; round 2: the faster half (0.9, 1.0, 1.05), in rotated order; round 3: the
    # two finalists, again rotated. Then each finalist has its 3 rounds.
    assert names[:6] == ["path0", "path1", "path2", "path3", "path4", "path5"]
    assert names[6:9] == ["path3", "path5", "path0"] and names[9:] == ["path0", "path3"]
    assert result.rounds_run == 3 and [l.backend for l in result.finalists] == ["path3", "path0"]
    assert {l.backend: r for l, r in result.cut_after.items()} == {"path1": 1, "path2": 1, "path4": 1, "path5": 2}
    assert not result.cut_by_budget
    choice = choose(result.samples, batch=4, among=result.finalists)
    assert choice.layout.backend == "path3" and choice.rounds == 3
    assert len(choice.clips_per_s) == 6  # every layout's rate is reported, the cut ones too
    # No budget: every layout in every round, nothing cut.
    full = race(list(true), lambda layout: true[layout], rounds=3, budget_s=None)
    assert all(len(s) == 3 for s in full.samples.values()) and not full.cut_after


def test_a_layout_cut_after_one_round_cannot_win_on_that_round():
    leader, finalist, cut = PathLayout("a"), PathLayout("b"), PathLayout("c")
    samples = {leader: [1.0, 1.0, 1.0], finalist: [1.1, 1.1, 1.1], cut: [0.5]}
    assert choose(samples, batch=4).layout == cut
    assert choose(samples, batch=4, among=[leader, finalist]).layout == leader


def test_the_same_timings_give_the_same_choice_and_noise_keeps_it_near_the_best():
    """Fake noisy timings: each call is its layout's true time, times up to 10% of jitter, and
    now and then a burst of load from another process (2x). The race must give the same result
    for the same timings, and land within 5% of the fastest layout."""
    import random

    true = _layouts(2.0, 1.30, 1.0, 1.6, 1.03, 2.5, 1.2, 1.45, 3.0, 1.1, 1.8, 1.04, 2.2, 1.5, 1.25)
    best = min(true.values())
    for seed in range(40):
        def noisy(seed=seed):
            rng = random.Random(seed)
            return lambda layout: true[layout] * rng.uniform(1.0, 1.1) * (2.0 if rng.random() < 0.1 else 1.0)

        def warm(seed=seed):
            rng = random.Random(1000 + seed)
            return lambda layout: (true[layout], true[layout] * rng.uniform(1.0, 1.3))

        first = race(list(true), noisy(), warm_up=warm(), rounds=3, budget_s=100.0)
        again = race(list(true), noisy(), warm_up=warm(), rounds=3, budget_s=100.0)
        assert first == again
        picked = choose(first.samples, batch=4, among=first.finalists).layout
        assert true[picked] <= 1.05 * best, (seed, picked, first.to_dict())
        assert len(first.samples) == len(true)  # every layout timed


def test_a_short_budget_cuts_the_race_sooner_but_times_every_layout_once():
    true = _layouts(1.0, 1.5, 5.0, 1.2)
    warm = lambda layout: (true[layout], true[layout])  # noqa: E731
    # Warm-ups (8.7 s) and round 1 (8.7 s) spend 17.4 of 20 s: round 2 can keep only the fastest
    # two whose medians (1.0 + 1.2) fit in what is left.
    result = race(list(true), lambda layout: true[layout], warm_up=warm, rounds=3, budget_s=20.0)
    assert all(len(s) >= 1 for s in result.samples.values()) and len(result.samples) == 4
    assert result.seconds <= 20.0 + 1e-9 and result.cut_by_budget
    assert [l.backend for l in result.finalists] == ["path0", "path3"]
    # Nothing left after round 1: every layout was still timed once, and the two leaders decide.
    broke = race(list(true), lambda layout: true[layout], warm_up=warm, rounds=3, budget_s=0.0)
    assert len(broke.samples) == 4 and broke.rounds_run == 1 and broke.cut_by_budget
    assert [l.backend for l in broke.finalists] == ["path0", "path3"]


def test_a_big_model_is_raced_within_its_budget_and_says_what_was_cut(model, tmp_path):
    lines: list[str] = []
    calls: list = []

    def timer(layout, run):  # channels_last is 10x slower per call than eager
        calls.append(layout)
        return 1.0 if layout.backend == "eager" else 10.0

    classifier = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_cache=PathCache(tmp_path / "p.json"),
                                fp32_paths=("eager", "channels_last"), cpu=AVX2_ONLY, path_timer=timer,
                                num_threads=2, measure_budget_s=100.0, progress=lines.append)
    report = classifier.backend_report
    assert classifier.backend == "eager" and report["choice"] == "measured"
    race_report = report["measure_race"]
    # Every layout of both paths was timed at least once; the slow path was cut after round 1.
    assert len(report["measured_clips_per_s"]) == 6 == len(race_report["samples"])
    assert all(race_report["cut_after_round"].get(label) == 1 for label in report["measured_clips_per_s"]
               if label.startswith("channels_last"))
    assert all(label.startswith("eager") for label in race_report["finalists"])
    assert report["measure_rounds"] == 3 and not report["measure_skipped"]
    # Warm-ups 33 s, round 1 33 s, then 3 + 2 s for the eager layouts' next rounds.
    assert sum(10.0 if l.backend != "eager" else 1.0 for l in calls) == 71.0
    assert any(line.startswith("warm-up 1/") for line in lines)
    assert any("cut after round 1" in line and "bench-paths" in line for line in lines)
    # A budget that warm-ups and round 1 use up: the two leaders decide on their one round each,
    # and the report says so.
    short = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_cache=False, fp32_paths=("eager", "channels_last"),
                           cpu=AVX2_ONLY, path_timer=timer, num_threads=2, measure_budget_s=67.0)
    skipped = short.backend_report["measure_skipped"]
    assert short.backend == "eager" and skipped["budget_s"] == 67.0
    assert len(short.backend_report["measured_clips_per_s"]) == 6
    assert skipped["rounds"]["requested"] == 3 and skipped["rounds"]["timed"] < 3


def test_processes_that_miss_the_cache_together_measure_once(model, tmp_path):
    """A batch's workers: the second waits for the first's choice instead of measuring too."""
    import threading

    cache_path = tmp_path / "paths.json"
    waiting = threading.Event()
    first_calls: list = []
    second_calls: list = []

    def slow_first(layout, run):
        first_calls.append(layout)
        waiting.wait(timeout=30)  # hold the measurement until the second one is waiting
        return 0.2 if layout.backend == "channels_last" else 1.0

    def second_progress(line: str) -> None:
        if "another process is measuring" in line:
            waiting.set()

    common = dict(fp32_paths=CHEAP, cpu=AVX2_ONLY, measure_rounds=1)
    results: dict[str, ClipClassifier] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", ClipClassifier(
        model, TINY_CLASSES, TINY_SPEC, path_cache=PathCache(cache_path), path_timer=slow_first, **common)))
    first.start()
    while not first_calls:
        first.join(timeout=0.05)
    second = ClipClassifier(model, TINY_CLASSES, TINY_SPEC, path_cache=PathCache(cache_path),
                            path_timer=_timer("eager", second_calls), progress=second_progress, **common)
    first.join(timeout=60)
    assert waiting.is_set() and not second_calls
    assert results["first"].backend_report["choice"] == "measured"
    assert second.backend_report["choice"] == "cached" and second.backend == "channels_last"


def test_a_short_first_round_counts_what_it_took_and_ranks_by_its_estimate():
    true = _layouts(1.0, 0.8, 1.5)
    # A short call costs a quarter of a full one; its estimate is of a full call (plus noise).
    short = {layout: (t / 4, t * 1.1) for layout, t in true.items()}
    result = race(list(true), lambda layout: true[layout], first_round=lambda layout: short[layout],
                  rounds=2, budget_s=100.0)
    assert [result.samples[layout][0] for layout in true] == [pytest.approx(t * 1.1) for t in true.values()]
    # Round 1 took 0.825 s; round 2 times the two finalists in full (1.8 s), which gives each its
    # 2 rounds.
    assert result.seconds == pytest.approx(sum(true.values()) / 4 + 1.8) and result.rounds_run == 2
    assert [l.backend for l in result.finalists] == ["path1", "path0"] and result.cut_after == {
        PathLayout("path2", workers=1): 1}


def test_bench_paths_draws_its_status_on_stderr_and_writes_only_its_results_to_stdout(model, tmp_path):
    """Its results piped to a file from a terminal: the status line still shows on the terminal
    (stderr), and the file gets the results, with no control characters."""
    import os
    import pty
    import subprocess
    import sys

    ckpt = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    master, terminal = pty.openpty()
    env = {**os.environ, "HIGHLIGHTS_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "highlights", "bench-paths", str(ckpt), "--threads", "1",
                                "--rounds", "1"], stdout=subprocess.PIPE, stderr=terminal, env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the command has ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    results = process.stdout.read()
    assert process.wait() == 0, shown
    assert b"measuring inference paths" in shown
    assert b"chosen: " in results and b"CPU: " in results
    assert b"\x1b" not in results and b"\r" not in results


def test_workers_given_without_clips_per_call_time_both_call_sizes_on_those_workers():
    assert candidate_layouts(["eager"], threads=4, batch=8, workers=2) == [
        PathLayout("eager", workers=2, chunk_size=1, intra_threads=2),
        PathLayout("eager", workers=2, chunk_size=8, intra_threads=2)]
    # Clips per call given alone: one worker, every thread its own intra-op thread.
    assert candidate_layouts(["eager"], threads=4, batch=8, chunk_size=3) == [
        PathLayout("eager", workers=1, chunk_size=3, intra_threads=4)]


def test_no_timed_round_is_refused_before_any_layout_is_timed():
    calls: list[str] = []
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        measure_interleaved([PathLayout("eager")], lambda layout: calls.append(layout.backend) or 1.0, rounds=0)
    assert calls == []


def test_a_layout_slowed_in_its_one_timed_call_is_kept_by_its_warm_up_estimate():
    # "a" is the fastest by its warm-up, but its first timed call met a burst of load elsewhere.
    layouts = [PathLayout(name) for name in "abcd"]
    first_call = {"a": 1.0, "b": 0.5, "c": 0.6, "d": 0.7}
    steady = {"a": 0.1, "b": 0.5, "c": 0.6, "d": 0.7}
    calls: dict[str, int] = {}

    def time_one(layout):
        calls[layout.backend] = calls.get(layout.backend, 0) + 1
        return (first_call if calls[layout.backend] == 1 else steady)[layout.backend]

    result = race(layouts, time_one, warm_up=lambda layout: (0.0, steady[layout.backend]), budget_s=1000.0)
    assert set(result.cut_after) == {PathLayout("c"), PathLayout("d")}
    assert result.finalists[0] == PathLayout("a")


def test_the_finalists_are_ranked_by_median_and_the_faster_half_kept_rounds_up():
    # "a" has the single best round, "b" the better median: the median decides.
    rounds = {"a": [0.5, 1.0, 1.0], "b": [0.8, 0.8, 0.8]}
    seen: dict[str, int] = {}

    def time_one(layout):
        seen[layout.backend] = seen.get(layout.backend, 0) + 1
        return rounds[layout.backend][seen[layout.backend] - 1]

    result = race([PathLayout("a"), PathLayout("b")], time_one, rounds=3)
    assert [layout.backend for layout in result.finalists] == ["b", "a"]
    # Five layouts: half of them, rounded up, go on after the first round.
    five = race([PathLayout(name) for name in "abcde"], lambda layout: 0.1 * (1 + "abcde".index(layout.backend)),
                budget_s=1000.0)
    assert {layout.backend for layout, after in five.cut_after.items() if after == 1} == {"d", "e"}
