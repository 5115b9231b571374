"""MoveNet's path choice (runtime options, threads, workers) with fake timings, its cache, and
the decoding thread that runs ahead of the pipeline."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from highlights.model.path_choice import PathCache
from highlights import machine_load
from highlights.machine_load import cpu_seconds, others_busy_cores
from highlights.people.movenet_paths import MoveNetPath, candidate_paths, choose_path
from highlights.video.read_ahead import ReadAhead
from tests.movenet_marks import NEEDS_MOVENET



def test_candidates_cover_threads_runtimes_and_workers_for_strips():
    one_pass = candidate_paths(cpus=2, passes=1)
    # One thread, both cores inside one interpreter, or consecutive frames side by side.
    assert {(p.threads, p.workers) for p in one_pass} == {(1, 1), (2, 1), (1, 2)}
    assert {p.runtime for p in one_pass} == {"xnnpack", "xnnpack-latest"} and len(one_pass) == 6
    strips = candidate_paths(cpus=4, passes=3)
    assert MoveNetPath("xnnpack", 1, 3) in strips and MoveNetPath("xnnpack", 4, 1) in strips
    assert candidate_paths(cpus=1, passes=3) == [MoveNetPath("xnnpack", 1, 1), MoveNetPath("xnnpack-latest", 1, 1)]


class _FakeEstimator:
    def __init__(self, path, built, raw=0.0):
        self.path, self.raw_value, self.closed = path, raw, False
        built.append(path)

    def __call__(self, frame):
        return []

    def close(self):
        self.closed = True


FAST = MoveNetPath("xnnpack-latest", 2, 1)
SPEEDS = {MoveNetPath("xnnpack", 1, 1): 0.30, MoveNetPath("xnnpack", 2, 1): 0.21,
          MoveNetPath("xnnpack-latest", 1, 1): 0.29, FAST: 0.20,
          MoveNetPath("xnnpack", 1, 2): 0.24, MoveNetPath("xnnpack-latest", 1, 2): 0.25}


def _choose(cache, built, *, timings=SPEEDS, noisy=False, disagree=(), **kw):
    calls = []

    def time_one(path):
        calls.append(path)
        base = timings[path]
        # One slow round (another process's burst) must not decide: the median does.
        return base * (5.0 if noisy and path == FAST and len([c for c in calls if c == FAST]) == 2 else 1.0)

    def factory(path):
        return _FakeEstimator(path, built, raw=1.0 if path in disagree else 0.0)

    frame = np.zeros((180, 320, 3), np.uint8)
    path, report = choose_path(factory, frame, tiles=1, input_size=(256, 160), cpus=2, cache=cache,
                               time_one=time_one, raw_of=lambda est: np.array([est.raw_value]), **kw)
    return path, report, calls


def test_fastest_median_wins_and_is_cached(tmp_path):
    cache = PathCache(tmp_path / "movenet-paths.json")
    built: list = []
    path, report, calls = _choose(cache, built, noisy=True)
    assert path == FAST and report["source"] == "measured"
    # Interleaved: every round times every path once (plus one warm-up round).
    assert len(calls) == 6 * 4 and set(calls[:6]) == set(SPEEDS)
    assert report["clips_per_s"][FAST.label] == pytest.approx(6 / 0.20)
    # The second run reads the cache: nothing is built or timed.
    built.clear()
    again, report2, calls2 = _choose(cache, built)
    assert again == FAST and report2["source"] == "cache" and built == [] and calls2 == []
    # Asked to, it measures again, and a new winner replaces the stored one.
    slower_fast = {**SPEEDS, FAST: 0.5}
    third, report3, _ = _choose(cache, built, timings=slower_fast, remeasure=True)
    assert third == MoveNetPath("xnnpack", 2, 1) and report3["source"] == "measured"
    assert _choose(cache, [])[0] == third


def test_cache_is_per_input_shape_and_cpu_count(tmp_path):
    cache = PathCache(tmp_path / "movenet-paths.json")
    built: list = []
    _choose(cache, built)
    built.clear()
    frame = np.zeros((90, 160, 3), np.uint8)
    choose_path(lambda p: _FakeEstimator(p, built), frame, tiles=1, input_size=(160, 96), cpus=2, cache=cache,
                time_one=lambda p: SPEEDS[p])
    assert built, "another input shape is measured afresh"


def _load(others_cores: float):
    """Fake CPU counters: each reading 2 s after the last, others keeping `others_cores` busy
    beside this process's one core."""
    readings = iter(range(100))

    def probe():
        k = next(readings)
        return 2.0 * k, 2.0 * k * (1.0 + others_cores), 2.0 * k

    return probe


def test_a_choice_measured_on_a_busy_machine_serves_this_process_but_is_not_stored(tmp_path):
    cache = PathCache(tmp_path / "movenet-paths.json")
    built: list = []
    path, report, calls = _choose(cache, built, load_probe=_load(1.0))
    assert path == FAST and report["others_busy_cores"] == pytest.approx(1.0) and report["stored"] is False
    assert not cache.path.exists()
    # The next run in this process takes it without timing anything; another process would not find it.
    again, report2, calls2 = _choose(cache, [], load_probe=_load(1.0))
    assert again == FAST and calls2 == [] and "busy" in report2["source"]
    assert _choose(PathCache(tmp_path / "other.json"), [], load_probe=_load(1.0))[2], "another cache file measures"
    # Measured again on a quiet machine, the choice is stored.
    _, report3, _ = _choose(cache, [], load_probe=_load(0.05), remeasure=True)
    assert report3["stored"] is True and report3["others_busy_cores"] == pytest.approx(0.05)
    assert _choose(cache, [], load_probe=_load(1.0))[1]["source"] == "cache"


def test_where_the_system_gives_no_cpu_counters_a_choice_is_stored(tmp_path, monkeypatch):
    """macOS has no /proc/stat: the load of other processes is unknown, and a measured choice is
    stored as on a quiet machine (else every run there would measure again)."""
    monkeypatch.setattr(machine_load, "PROC_STAT", str(tmp_path / "no-proc" / "stat"))
    cache = PathCache(tmp_path / "movenet-paths.json")
    path, report, _ = _choose(cache, [], load_probe=cpu_seconds)
    assert path == FAST and report["others_busy_cores"] is None and report["stored"] is True
    assert _choose(cache, [])[1]["source"] == "cache"


def test_a_choice_whose_cache_cannot_be_written_says_so_and_serves_this_process(tmp_path, caplog):
    """A quiet machine whose cache folder cannot be made (a file in its way; a read-only home)
    neither fails the run nor reports the choice as stored, and says once which file could not
    keep it and which variable moves it (detect said nothing, only its highlights.json)."""
    in_the_way = tmp_path / "home-cache"
    in_the_way.write_text("a file where the cache folder would be")
    cache = PathCache(in_the_way / "highlights" / "movenet-paths.json")
    with caplog.at_level("WARNING", logger="highlights.model.path_choice"):
        path, report, _ = _choose(cache, [], load_probe=_load(0.05))
        assert path == FAST and report["stored"] is False and report["cache_unwritable"] is True
        again, report2, calls2 = _choose(cache, [], load_probe=_load(0.05))
        assert again == FAST and calls2 == [] and "not writable" in report2["source"]
        _choose(cache, [], load_probe=_load(0.05), remeasure=True)
    said = [r.getMessage() for r in caplog.records if r.name == "highlights.model.path_choice"]
    assert len(said) == 1, said
    assert str(cache.path) in said[0] and "HIGHLIGHTS_CACHE_DIR" in said[0] and "\n" not in said[0]


def test_the_load_of_other_processes_is_read_from_the_system():
    before = cpu_seconds()
    if before is None:
        pytest.skip("no /proc/stat on this system")
    assert others_busy_cores(before, before) is None, "too short an interval says nothing"
    spent = sum(i * i for i in range(200_000))  # this process's own work is not counted as others'
    after = cpu_seconds()
    assert spent > 0 and after[2] >= before[2] and after[1] >= before[1]
    later = (before[0] + 10.0, before[1] + 25.0, before[2] + 5.0)
    assert others_busy_cores(before, later) == pytest.approx(2.0)


def test_a_path_whose_output_differs_is_never_chosen(tmp_path):
    cache = PathCache(tmp_path / "movenet-paths.json")
    built: list = []
    path, report, calls = _choose(cache, built, disagree=(FAST,))
    assert path == MoveNetPath("xnnpack", 2, 1)
    assert report["disagreeing"] == [FAST.label] and FAST not in calls


@NEEDS_MOVENET
def test_every_real_path_gives_the_same_numbers():
    """Threads, runtime options and strips run side by side change the speed, never a number."""
    from highlights.people import MoveNetMultiPose
    from highlights.pipeline.movenet_people import timing_frame

    frame = timing_frame((320, 180))
    outputs = {}
    for tiles in (1, 3):
        for path in (MoveNetPath("xnnpack", 1, 1), MoveNetPath("xnnpack-latest", 2, 1), MoveNetPath("xnnpack", 1, 2)):
            estimator = MoveNetMultiPose(tiles=tiles, path=path)
            outputs[tiles, path] = estimator.raw(frame)
            if tiles == 1:  # frames side by side: every worker's detections are the one-thread ones
                found = estimator.detect_many([frame] * 3)
                outputs[tiles, path, "boxes"] = [[d.box for d in f] for f in found]
            estimator.close()
        reference = outputs[tiles, MoveNetPath("xnnpack", 1, 1)]
        assert reference.shape == (1 + (tiles if tiles > 1 else 0), 6, 56)
        for key, value in outputs.items():
            if key[0] == tiles and "boxes" not in key:
                assert np.array_equal(value, reference)
    boxes = [v for k, v in outputs.items() if "boxes" in k]
    assert all(b == boxes[0] for b in boxes)


def test_read_ahead_keeps_order_and_raises_where_the_source_did():
    assert list(ReadAhead(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise ValueError("frame 3 is damaged")

    got = []
    with pytest.raises(ValueError, match="frame 3"):
        for item in ReadAhead(failing(), depth=2):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_stops_its_reader_when_the_consumer_stops():
    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    reader = ReadAhead(endless(), depth=2)
    assert [next(reader) for _ in range(5)] == [0, 1, 2, 3, 4]
    reader.close()
    assert closed.wait(5) and not reader._thread.is_alive()
