"""Two writers of the same shared files at once (a service's uploads run side by side): reports
written into one folder, choices stored in one path-choice cache. One writer is stopped half way
through its write; the other then writes in full, or waits for the lock, as the kernel says
(`lock_waiters`); the files end up as one writer's whole work, or hold both writers' entries."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from highlights.model.path_choice import PathCache, PathChoice, PathLayout
from highlights.report import build_report, write_report_files
from highlights.report.markdown import RELIABILITY_PICTURE
from tests.lock_waiters import PROC_LOCKS, until_done_or_waiting

pytestmark = pytest.mark.skipif(not PROC_LOCKS.exists(), reason="reads the kernel's lock table (Linux)")

LABELS = ["basketball_layup", "none", "soccer_shooting"]


def _report(seed: int, *, calibrated: bool) -> dict:
    rng = np.random.default_rng(seed)
    y_true = [LABELS[i % 3] for i in range(30)]
    y_pred = [label if rng.random() < 0.7 else LABELS[int(rng.integers(3))] for label in y_true]
    proba = rng.dirichlet(np.ones(3), size=30) if calibrated else None
    return build_report(y_true, y_pred, LABELS, proba=proba, n_bootstrap=20, meta={"run": seed})


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


class _StopAfterFirst:
    """Wraps ``name`` of ``owner`` (a module's function or a class's method) so that, in the
    thread ``who``, the first call returns and then holds that thread until ``go`` is set."""

    def __init__(self, monkeypatch, owner, name: str) -> None:
        original = getattr(owner, name)
        self.who: threading.Thread | None = None
        self.stopped, self.go = threading.Event(), threading.Event()

        def stopping(*args, **kwargs):  # a function, so that a class's method still gets its self
            out = original(*args, **kwargs)
            if threading.current_thread() is self.who and not self.stopped.is_set():
                self.stopped.set()
                self.go.wait()
            return out

        monkeypatch.setattr(owner, name, stopping)


def _race(first, second, stop: _StopAfterFirst, lock_of: Path) -> str:
    """``first`` stopped after its first stopping call, ``second`` run meanwhile, then ``first``
    let go; returns whether ``second`` finished or waited for ``lock_of`` in between."""
    errors: list[BaseException] = []

    def run(job):
        try:
            job()
        except BaseException as e:  # surfaced below, in the test's thread
            errors.append(e)

    a, b = threading.Thread(target=run, args=(first,)), threading.Thread(target=run, args=(second,))
    stop.who = a
    a.start()
    while not stop.stopped.is_set():
        assert a.is_alive() or stop.stopped.is_set(), errors
        stop.stopped.wait(0.05)
    b.start()
    seen = until_done_or_waiting(lambda: not b.is_alive(), lock_of)
    stop.go.set()
    a.join()
    b.join()
    assert not errors, errors
    return seen


def test_two_reports_written_into_one_folder_at_once_leave_one_whole_report(tmp_path, monkeypatch):
    uncalibrated, calibrated = _report(1, calibrated=False), _report(2, calibrated=True)
    write_report_files(uncalibrated, tmp_path / "alone-1")
    write_report_files(calibrated, tmp_path / "alone-2")
    assert RELIABILITY_PICTURE in _files(tmp_path / "alone-2") and RELIABILITY_PICTURE not in _files(
        tmp_path / "alone-1")

    out = tmp_path / "report"
    write_report_files(calibrated, out)  # an earlier run's report, with its reliability diagram
    stop = _StopAfterFirst(monkeypatch, os, "replace")  # the first report stops after its JSON's rename
    seen = _race(lambda: write_report_files(uncalibrated, out), lambda: write_report_files(calibrated, out),
                 stop, out)
    assert _files(out) == _files(tmp_path / "alone-2")  # the last report, whole: its diagram too
    assert seen == "waiting"  # because its renames waited for the first report's to end


def _choice(backend: str) -> PathChoice:
    layout = PathLayout(backend, workers=1)
    return PathChoice(layout=layout, clips_per_s={layout.label: 10.0}, batch=4, rounds=3)


def test_two_choices_stored_in_one_cache_at_once_are_both_kept(tmp_path, monkeypatch):
    cache_file = tmp_path / "cache" / "movenet-paths.json"
    cache_file.parent.mkdir()
    landscape, portrait = {"input_size": [320, 180]}, {"input_size": [180, 320]}
    stop = _StopAfterFirst(monkeypatch, PathCache, "_read")  # the first store stops after reading the file
    stored: list[bool] = []
    seen = _race(lambda: stored.append(PathCache(cache_file).put(landscape, _choice("xnnpack"))),
                 lambda: stored.append(PathCache(cache_file).put(portrait, _choice("xnnpack-latest"))),
                 stop, cache_file.parent)
    assert stored == [True, True]
    cache = PathCache(cache_file)
    assert cache.get(landscape).layout.backend == "xnnpack"
    assert cache.get(portrait).layout.backend == "xnnpack-latest"
    assert sorted(json.loads(cache_file.read_text())["choices"]) == sorted([cache.key(landscape), cache.key(portrait)])
    assert seen == "waiting"  # the second store read the file only once the first had written it
