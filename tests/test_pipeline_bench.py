"""bench/bench_pipeline.py: a run that measured its inference path says so beside its speed,
since that measurement's seconds are inside the run's."""

from __future__ import annotations

import pytest

from tests.bench_modules import bench_module


@pytest.fixture(scope="module")
def bench():
    with bench_module("bench_pipeline") as module:
        yield module


def _run(seconds: float, inference_path: dict | None) -> dict:
    stats = {"inference_path": inference_path} if inference_path is not None else {}
    return {"duration_s": 60.0, "seconds": seconds, "stats": stats}


def test_a_path_measured_in_a_busy_run_is_named_with_its_seconds(bench):
    run = _run(133.0, {"choice": "measured", "measure_seconds": 117.6, "stored": False, "others_busy_cores": 0.35})
    assert bench._speed(run) == ("  0.45x real time (133.0 s) [118 s of it measuring the inference path, "
                                 "not cached: other processes kept 0.35 cores busy]")


def test_a_path_measured_and_cached_says_so(bench):
    run = _run(30.0, {"choice": "measured", "measure_seconds": 20.0, "stored": True})
    assert bench._speed(run).endswith("[20 s of it measuring the inference path, cached for the next runs]")


def test_a_cached_choice_or_no_classifier_adds_nothing(bench):
    assert bench._speed(_run(10.0, {"choice": "cached"})) == "  6.00x real time (10.0 s)"
    assert bench._speed(_run(10.0, None)) == "  6.00x real time (10.0 s)"


def test_the_figures_file_records_what_made_its_figures(bench, tmp_path, monkeypatch):
    """bench_pipeline.json and bench_batch.json carry the version, the options and the checkpoint by
    content, so a figure quoted from one can be traced to what made it."""
    import argparse
    import hashlib

    from highlights import __version__

    checkpoint = tmp_path / "best.pt"
    checkpoint.write_bytes(b"weights")
    monkeypatch.setattr("sys.argv", ["bench/bench_pipeline.py", "--minutes", "2"])
    args = argparse.Namespace(minutes=2.0, workdir=tmp_path, checkpoint=None)
    made_by = bench.figures_made_by(args, checkpoint)
    assert made_by["highlights_version"] == __version__
    assert made_by["command"] == ["bench_pipeline.py", "--minutes", "2"]
    assert made_by["options"] == {"minutes": 2.0, "workdir": str(tmp_path), "checkpoint": None}
    assert made_by["checkpoint"]["sha256"] == hashlib.sha256(b"weights").hexdigest()
