"""bench/crash_points.py: what it holds against a folder after a kill and the run again, on folders
made here (a half-written JSON, a temp file, a dataset version whose meta misses a clip, a weight
that changed), so a defect it is there to find is not passed over."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from tests.bench_modules import bench_module


def _version(root: Path, clips: dict[str, str]) -> None:
    (root / "v1" / "clips").mkdir(parents=True)
    for clip_id in clips:
        (root / "v1" / "clips" / f"{clip_id}.mp4").write_bytes(b"clip")
    meta = {"counts": {"total": len(clips)}, "augmented_counts": {"total": 0},
            "clips": {c: {"file": f"clips/{c}.mp4", "label": label} for c, label in clips.items()}}
    (root / "v1" / "dataset_meta.json").write_text(json.dumps(meta))


def test_a_half_written_json_and_a_clip_the_meta_does_not_list_are_read_errors(tmp_path: Path) -> None:
    with bench_module("crash_points") as bench:
        _version(tmp_path / "datasets", {"a1": "none", "b2": "none"})
        assert bench.read_errors(tmp_path) == []
        (tmp_path / "datasets" / "v1" / "clips" / "c3.mp4").write_bytes(b"clip")
        (tmp_path / "report.json").write_text('{"accuracy": 0.5, "per_cl')
        errors = bench.read_errors(tmp_path)
        assert len(errors) == 2
        assert errors[0].startswith("datasets/v1/dataset_meta.json does not list c3.mp4")
        assert errors[1].startswith("report.json does not read: JSONDecodeError")


def test_a_temp_file_beside_the_outputs_is_a_leftover_and_the_cache_is_not(tmp_path: Path) -> None:
    with bench_module("crash_points") as bench:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "highlights.json").write_text("{}")
        reference = bench.paths_of(tmp_path)
        (tmp_path / "out" / ".highlights.json.123-abcd.tmp").write_text("{")
        (tmp_path / "cache").mkdir()
        (tmp_path / "cache" / "kept.npz").write_bytes(b"")
        assert bench.leftovers(tmp_path, reference) == ["out/.highlights.json.123-abcd.tmp"]


def test_a_changed_weight_is_a_mismatch_and_a_timing_is_not(tmp_path: Path) -> None:
    with bench_module("crash_points") as bench:
        folders = {}
        for name, weight, seconds in (("reference", 1.0, 3.2), ("again", 1.0, 9.9), ("changed", 1.5, 3.2)):
            folder = tmp_path / name
            (folder / "run").mkdir(parents=True)
            torch.save({"model": {"w": torch.full((2,), weight)}, "epoch_seconds": seconds}, folder / "run" / "last.pt")
            (folder / "run" / "history.json").write_text(json.dumps({"loss": 0.5, "stats": {"seconds": seconds},
                                                                      "out": str(folder / "run")}))
            folders[name] = folder
        reference = bench.Reference(folders["reference"], bench.paths_of(folders["reference"]), 3.2, 0, {})
        assert bench.mismatches(folders["again"], reference) == []
        assert bench.mismatches(folders["changed"], reference) == ["run/last.pt differs at .model.w"]


def test_a_ctrl_c_is_judged_by_its_status_and_by_what_was_said_after_it() -> None:
    import signal

    with bench_module("crash_points") as bench:
        line = "interrupted (Ctrl-C): highlights evaluate stopped before it finished"
        assert bench.stop_problems(130, [line]) == []
        assert bench.stop_problems(0, []) == []  # it had finished its outputs
        traceback = bench.stop_problems(130, ["Traceback (most recent call last):", "  File x", line])
        assert len(traceback) == 1 and traceback[0].startswith("a traceback after Ctrl-C")
        assert bench.stop_problems(130, [line, line]) == [f"2 lines after Ctrl-C: {line} | {line}"]
        assert bench.stop_problems(130, []) == ["0 lines after Ctrl-C: "]
        # ended by the signal itself: Ctrl-C in Python's own ending leaves the command's status
        assert bench.stop_problems(-signal.SIGINT, []) == [
            "ended by the signal itself (no line, no status of its own)"]
        assert bench.stop_problems(-signal.SIGINT, [line]) != []
        assert bench.stop_problems(1, [line]) == ["exited 1 after Ctrl-C"]
        assert "did not stop" in bench.stop_problems(-signal.SIGKILL, [])[0]


def test_a_worker_left_running_by_a_killed_command_is_found_in_its_group() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    import pytest

    if not Path("/proc").is_dir():
        pytest.skip("reads process groups from /proc")
    with bench_module("crash_points") as bench:
        # a command's process starting a worker that never ends by itself, killed alone
        command = subprocess.Popen(
            [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen([sys.executable, "
             "'-c', 'import time; time.sleep(120)']); time.sleep(120)"], start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while len(bench.group_left(command.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            command.kill()
            command.wait()
            left = bench.group_left(command.pid)
            assert len(left) == 1 and left[0].endswith("import time; time.sleep(120)")
        finally:
            os.killpg(command.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while bench.group_left(command.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bench.group_left(command.pid) == []
