"""A report is several files read together (JSON, Markdown, pictures): a run stopped while writing
them (a full disk) leaves the earlier report whole, never this run's JSON beside its pictures."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import highlights.atomic as atomic
from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.spotting import Spot, write_results_spotting
from highlights.report import build_report, write_report_files


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _disk_full_at(monkeypatch, name: str) -> None:
    """The disk fills as the file ``name`` is written (its data flushed), after those before it."""
    flush = atomic._fsync

    def fsync(path: Path) -> None:
        if path.name.startswith(f".{name}."):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        flush(path)

    monkeypatch.setattr(atomic, "_fsync", fsync)


def test_a_test_report_stopped_by_a_full_disk_leaves_the_earlier_one_whole(tmp_path: Path, monkeypatch) -> None:
    labels = ["a", "b", "none"]
    write_report_files(build_report(["a", "b", "none", "a"], ["a", "b", "none", "b"], labels, n_bootstrap=20), tmp_path)
    earlier = _files(tmp_path)
    _disk_full_at(monkeypatch, "video_scorer_testreport_confusion.png")  # after the Markdown
    with pytest.raises(atomic.DiskFullError, match="video_scorer_testreport_confusion.png; nothing earlier"):
        write_report_files(build_report(["a", "b", "none", "a"], ["a", "a", "a", "a"], labels, n_bootstrap=20),
                           tmp_path)
    assert _files(tmp_path) == earlier  # no temp file either


def test_pipeline_scores_stopped_by_a_full_disk_leave_the_earlier_ones_whole(cli, tmp_path: Path, monkeypatch) -> None:
    event = lambda i, t: Event(str(i), "soccer", "Goal", t - 2, t + 2, t)  # noqa: E731
    annotation = save_annotation(GameAnnotation("match", None, None, None, None, "soccer",
                                                [event(0, 30.0), event(1, 90.0)]), tmp_path / "match.json")
    first = write_results_spotting([Spot("Goal", 30.2, 0.9, 1)], tmp_path / "first.json", game="match")
    second = write_results_spotting([Spot("Goal", 60.0, 0.9, 1)], tmp_path / "second.json", game="match")
    out = tmp_path / "scores"
    assert cli("pipeline", "score", "--predictions", first, "--annotations", annotation, "--out", out).exit_code == 0
    earlier = _files(out)
    _disk_full_at(monkeypatch, "pipeline_eval.md")  # after the timeline, before the JSON
    res = cli("pipeline", "score", "--predictions", second, "--annotations", annotation, "--out", out)
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == (f"error: no space left on {atomic.mount_point(out)} while writing "
                                                   f"{out / 'pipeline_eval.md'}; nothing earlier was changed")
    assert _files(out) == earlier
