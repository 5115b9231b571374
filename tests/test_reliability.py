"""Bad input and bad luck at the library level: concurrent writers, formula cells, broken clips,
hostile manifests, published matrices that lie, full disks, non-standard JSON."""

from __future__ import annotations

import csv
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import highlights.atomic as atomic
from tests.bad_inputs import (apng_named_mp4, gif_named_mp4, half_truncated_faststart, one_frame_left_faststart,
                              png_named_mp4, zero_delta_mp4, zero_timescale_mp4)
from tests.dataset_fixtures import layout_of, make_class_tree, write_clip, write_manifest
from tests.lock_waiters import root_held_elsewhere
from highlights.csv_cells import csv_cell, plain_cell
from highlights.datasets import DatasetError, create_version, grow_version, list_versions, load_version
from highlights.datasets.sources import read_source_manifest
from highlights.datasets.store import remove_stale_temp_dirs
from highlights.events.model import Event
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_csv
from highlights.report import build_report, report_from_confusion
from highlights.synth.clipset import write_manifest as write_synth_manifest
from highlights.video import VideoError
from highlights.video.verify import verify_video

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)",
            "'=quoted", "'90s", "plain", "-1.5"]

def test_a_second_writer_is_told_who_holds_the_root(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"a": 3, "b": 3}))
    root = tmp_path / "root"
    create_version(src, root)
    more = make_class_tree(tmp_path / "more", layout_of({"a": 2}, prefix="m-"), seed=5)
    with root_held_elsewhere(root):
        with pytest.raises(DatasetError) as err:
            grow_version(more, root, "v1")
        assert str(err.value).startswith(f"another write is in progress on {root} (pid {os.getpid()})")
        assert list_versions(root) == ["v1"]
    assert grow_version(more, root, "v1").name == "v2"


def test_wait_waits_for_the_other_writer(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"a": 3, "b": 3}))
    root = tmp_path / "root"
    started = time.monotonic()
    with root_held_elsewhere(root, 1.0):
        assert create_version(src, root, wait=True).name == "v1"
    assert time.monotonic() - started > 0.9


def test_only_temp_folders_of_gone_writers_are_removed(tmp_path: Path) -> None:
    dead_pid, live_pid = _dead_pid(), os.getppid()
    dead, live, unnamed = (tmp_path / f".tmp-v3-{dead_pid}-x", tmp_path / f".tmp-v3-{live_pid}-y",
                           tmp_path / ".tmp-v3-z")
    for folder in (dead, live, unnamed):
        folder.mkdir()
    assert sorted(remove_stale_temp_dirs(tmp_path)) == sorted([dead, unnamed])
    assert live.is_dir()


def test_csv_cells_round_trip_and_never_start_a_formula() -> None:
    for value in [*FORMULAS, "\tTAB", "\rCR", "''", "'"]:
        cell = csv_cell(value)
        assert plain_cell(cell) == value
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) and (not cell.startswith("-") or value == "-1.5")


def test_formula_labels_are_neutralised_in_every_csv_and_read_back_whole(tmp_path: Path) -> None:
    clips = tmp_path / "src"
    rows = [{"path": f"c{i}.mp4", "label": "=cmd!A0 calc" if i % 2 else "+x", "group": f"@g{i}",
             "licence": "-2+3", "provenance": value} for i, value in enumerate(FORMULAS)]
    for i in range(len(rows)):
        write_clip(clips / f"c{i}.mp4", i)
    manifest = write_manifest(clips / "manifest.csv", rows)
    version = create_version(manifest, tmp_path / "root")

    raw = (version.path / "manifest.csv").read_text()
    for cells in csv.reader(raw.splitlines()):
        assert not any(c.startswith(("=", "+", "@", "\t")) for c in cells), cells
        assert not any(c.startswith("-") and c != "-1.5" for c in cells), cells
    got = {c.provenance: (c.label, c.group, c.licence) for c in load_version(tmp_path / "root", "v1").clips}
    # a hand-written manifest's quoted cell ('=quoted) is read as a spreadsheet would show it
    assert set(got) == {plain_cell(v) for v in FORMULAS} and "=quoted" in got
    assert {g[0] for g in got.values()} == {"=cmd!A0 calc", "+x"} and {g[2] for g in got.values()} == {"-2+3"}

    out = write_csv([Highlight(1.0, 2.0, "=HYPERLINK(\"x\")", "@sport", 0.5)], tmp_path / "h.csv")
    row = next(csv.DictReader(out.read_text().splitlines()))
    assert row["label"] == "'=HYPERLINK(\"x\")" and plain_cell(row["label"]) == "=HYPERLINK(\"x\")"
    assert row["sport"] == "'@sport"

    synth = write_synth_manifest(tmp_path / "synth", [{"path": "a/c0.mp4", "label": "=a", "group": "+g",
                                                        "licence": "CC0", "provenance": "@p"}])
    (tmp_path / "synth" / "a").mkdir()
    back = read_source_manifest(synth)[0]
    assert (back.label, back.group, back.provenance) == ("=a", "+g", "@p")


@pytest.mark.parametrize("make, cause", [
    (png_named_mp4, "a single image (PNG), not a video"),
    (apng_named_mp4, "an animated picture (APNG), not a video"),
    (gif_named_mp4, "an animated picture (GIF), not a video"),
    (half_truncated_faststart, "truncated or damaged"),
    (one_frame_left_faststart, "truncated or damaged: only 1 frame decodes where its index promises 3.00 s"),
    (zero_timescale_mp4, "frame rate"),
    (zero_delta_mp4, "damaged timing"),
])
def test_broken_clips_are_refused_with_their_cause(tmp_path: Path, make, cause: str) -> None:
    path = make(tmp_path / "clip.mp4")
    with pytest.raises(VideoError) as err:
        verify_video(path)
    assert str(err.value).startswith(f"{path}: ") and cause in str(err.value)


def test_a_whole_faststart_clip_is_accepted(tmp_path: Path) -> None:
    from tests.bad_inputs import faststart_mp4
    assert verify_video(faststart_mp4(tmp_path / "ok.mp4")).decoded_frames == 90


def test_every_skipped_entry_of_a_class_folder_is_recorded(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"a": 3, "b": 3}))
    png_named_mp4(src / "a" / "picture.mp4")
    half_truncated_faststart(src / "b" / "cut.mp4")
    (src / "a" / "loop.mp4").symlink_to(src / "a" / "loop.mp4")
    (src / "b" / "gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    (src / "a" / "subfolder").mkdir()
    (src / "b" / "notes.txt").write_text("shot on a phone")

    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    problems = err.value.problems
    assert f"{src / 'a' / 'loop.mp4'}: symbolic link loop" in problems
    assert any(p.startswith(f"{src / 'b' / 'gone.mp4'}: dangling symbolic link") for p in problems)
    assert any(p.startswith(f"{src / 'a' / 'picture.mp4'}: a single image") for p in problems)
    assert any(p.startswith(f"{src / 'b' / 'cut.mp4'}: truncated or damaged") for p in problems)
    assert len(problems) == 4 and list_versions(tmp_path / "root") == []

    meta = create_version(src, tmp_path / "root", skip_bad=True).meta
    assert sorted(Path(s["path"]).name for s in meta["skipped"]) == ["cut.mp4", "gone.mp4", "loop.mp4", "picture.mp4"]
    assert sorted(Path(s["path"]).name for s in meta["ignored"]) == ["notes.txt", "subfolder"]
    assert all(s["reason"].startswith(s["path"]) for s in meta["skipped"] + meta["ignored"])
    assert meta["added"]["real"] == 6


def test_manifests_with_a_bom_or_extra_columns_are_read_and_latin1_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    for i in range(4):
        write_clip(folder / f"c{i}.mp4", i)
    lines = ["path,label,group,notes"] + [f"c{i}.mp4,{'ab'[i % 2]},g{i},x,surplus" for i in range(4)]
    bom = folder / "bom.csv"
    bom.write_bytes("\ufeff".encode() + "\n".join(lines).encode())
    assert [c.label for c in read_source_manifest(bom)] == ["a", "b", "a", "b"]
    latin = folder / "latin.csv"
    latin.write_bytes("path,label\nc0.mp4,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=rf"^{latin}: not UTF-8 text \(byte 0xe9"):
        read_source_manifest(latin)


def test_manifest_paths_stay_in_the_manifest_folder_unless_allowed(tmp_path: Path) -> None:
    outside = write_clip(tmp_path / "elsewhere" / "x.mp4", 7)
    write_clip(tmp_path / "elsewhere" / "y.mp4", 8)
    folder = tmp_path / "clips"
    for i in range(3):
        write_clip(folder / f"c{i}.mp4", i)
    rows = [{"path": f"c{i}.mp4", "label": "a"} for i in range(3)]
    # One outside clip named by its absolute path, another by a relative path climbing out.
    manifest = write_manifest(folder / "m.csv", rows + [{"path": str(outside), "label": "b"},
                                                        {"path": "../elsewhere/y.mp4", "label": "b"}])
    with pytest.raises(DatasetError) as err:
        read_source_manifest(manifest)
    assert len(err.value.problems) == 2
    assert all("outside the manifest's folder" in p and "--allow-outside" in p for p in err.value.problems)
    assert len(read_source_manifest(manifest, allow_outside=True)) == 5


def test_from_confusion_weights_counts_and_matches_the_expanded_report() -> None:
    labels = ["a_x", "b_y", "none"]
    matrix = [[5, 1, 0], [2, 7, 1], [0, 3, 9]]
    from_counts = report_from_confusion(labels, matrix, n_bootstrap=200)
    t = [labels[i] for i, row in enumerate(matrix) for j, n in enumerate(row) for _ in range(n)]
    p = [labels[j] for i, row in enumerate(matrix) for j, n in enumerate(row) for _ in range(n)]
    expanded = build_report(t, p, labels, n_bootstrap=200)
    # Each class's F1 interval is a bootstrap, drawn as cell counts from the matrix and as clip
    # indices from the expanded lists: the same distribution, other draws.
    exact = lambda per_class: {c: {k: v for k, v in row.items() if k != "f1_interval"}  # noqa: E731
                               for c, row in per_class.items()}
    assert exact(from_counts["per_class"]) == exact(expanded["per_class"])
    for label in labels:
        assert from_counts["per_class"][label]["f1_interval"] == pytest.approx(
            expanded["per_class"][label]["f1_interval"], abs=0.1)
    assert from_counts["accuracy"] == pytest.approx(expanded["accuracy"])
    assert from_counts["confusion_matrix"] == expanded["confusion_matrix"]
    for key in ("total", "confused_with_none", "cross_sport", "top_confusions"):
        assert from_counts["errors"][key] == expanded["errors"][key]
    lo, hi = from_counts["bootstrap"]["accuracy"]
    assert lo < from_counts["accuracy"] < hi


def test_from_confusion_of_a_hundred_million_clips_is_counted_not_expanded() -> None:
    started = time.monotonic()
    report = report_from_confusion(["a", "b"], [[60_000_000, 15_000_000], [10_000_000, 15_000_000]], n_bootstrap=100)
    assert time.monotonic() - started < 5
    assert report["num_clips"] == 100_000_000 and report["accuracy"] == pytest.approx(0.75)
    assert report["per_class"]["a"]["support"] == 75_000_000


@pytest.mark.parametrize("labels, matrix, match", [
    (["a", "a"], [[3, 0], [0, 1]], "listed twice: a"),
    (["a", None], [[1, 0], [0, 1]], "non-empty strings"),
    (["a", "b"], [[1, "2"], [0, 1]], "row 1 column 2 is '2'"),
    (["a", "b"], [[1, 2.5], [0, 1]], "whole counts"),
    (["a", "b"], [[0, 0], [0, 0]], "no clips"),
])
def test_from_confusion_refuses_what_would_be_a_wrong_report(labels, matrix, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        report_from_confusion(labels, matrix)


def test_written_json_never_holds_nan_or_infinity(tmp_path: Path) -> None:
    path = atomic.atomic_write_json(tmp_path / "x.json", {"a": float("nan"), "b": [np.float32("inf"), 1.5],
                                                          "c": np.array([1.0, -np.inf])})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": [1.0, None]}


@pytest.mark.parametrize("times, match", [
    ((0.0, float("inf"), 1.0), "end_s must be a finite time"),
    ((-1.0, 2.0, 1.0), "start_s must be a finite time of 0 s or more"),
    ((1.0, 2.0, 3.0), r"key_s 3.0 is outside \[start_s, end_s\]"),
    ((1.0, 2.0, float("nan")), "key_s must be a finite time"),
])
def test_annotation_times_are_checked(times, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Event("e1", "soccer", "soccer_shooting", *times)


def test_a_full_disk_is_one_line_and_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = atomic.atomic_write_text(tmp_path / "report.json", "old\n")

    def no_space(_path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync", no_space)
    with pytest.raises(atomic.DiskFullError) as err:
        atomic.atomic_write_text(target, "new\n")
    assert str(err.value) == (f"no space left on {atomic.mount_point(target)} while writing {target}; "
                              "nothing earlier was changed")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_full_disk_while_growing_leaves_no_version(tmp_path: Path, monkeypatch) -> None:
    import highlights.datasets.build as build

    src = make_class_tree(tmp_path / "src", layout_of({"a": 3, "b": 3}))
    root = tmp_path / "root"

    def no_space(_src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(build, "copy_clip", no_space)
    with pytest.raises(DatasetError, match=rf"^no space left on .* while writing {root / 'v1'}; nothing earlier"):
        create_version(src, root)
    assert not root.exists()  # the command made it, and takes it away


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_folder_is_replaced_whole_or_not_at_all(tmp_path: Path, monkeypatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    with atomic.atomic_folder(out) as stage:
        (stage / "a.txt").write_text("run 1")
        (stage / "clips").mkdir()
        (stage / "clips" / "c1.mp4").write_bytes(b"1")
    first = _tree(out)
    assert first == {"a.txt": b"run 1", "clips/c1.mp4": b"1"}

    with pytest.raises(RuntimeError), atomic.atomic_folder(out) as stage:
        (stage / "a.txt").write_text("run 2, killed half way")
        raise RuntimeError("killed")
    assert _tree(out) == first and sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    with atomic.atomic_folder(out) as stage:
        (stage / "b.txt").write_text("run 3")
    assert _tree(out) == {"b.txt": b"run 3"} and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_full_disk_inside_a_staged_folder_names_the_file_where_it_was_to_go(tmp_path: Path) -> None:
    # detect writes its outputs in a hidden staging folder; the line names `out/reel.mp4`, not the
    # staging folder's copy, which is removed with the rest.
    out = tmp_path / "out"
    with pytest.raises(atomic.DiskFullError) as err, atomic.atomic_folder(out) as stage:
        raise atomic.DiskFullError(stage / "clips" / "reel.mp4")
    assert str(err.value) == (f"no space left on {atomic.mount_point(out)} while writing "
                              f"{out / 'clips' / 'reel.mp4'}; nothing earlier was changed")
    with pytest.raises(atomic.DiskFullError, match=rf"while writing {out / 'a.json'};"), \
            atomic.atomic_folder(out) as stage:
        raise OSError(errno.ENOSPC, "No space left on device", str(stage / "a.json"))
    assert list(tmp_path.iterdir()) == []


def test_staging_leftovers_of_gone_writers_are_cleaned_and_a_lost_folder_put_back(tmp_path: Path) -> None:
    dead, live = _dead_pid(), os.getppid()
    out = tmp_path / "out"
    (tmp_path / f".out.partial-{dead}-x").mkdir()
    (tmp_path / f".out.partial-{live}-y").mkdir()
    previous = tmp_path / f".out.old-{dead}-z" / "previous"
    previous.mkdir(parents=True)
    (previous / "highlights.json").write_text("{}")
    # Another folder's of the same parent (a service's next upload), and a name that only looks alike.
    (tmp_path / f".other.partial-{dead}-abc123").mkdir()
    (tmp_path / f".other.old-{dead}-q" / "previous").mkdir(parents=True)
    (tmp_path / ".other.partial-notes").mkdir()
    atomic.remove_stale_staging(out)  # its own alone: nothing says whether another folder's writer is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f".other.old-{dead}-q", ".other.partial-notes",
                                                                 f".other.partial-{dead}-abc123",
                                                                 f".out.partial-{live}-y", "out"])
    atomic.remove_stale_staging(out, neighbour_in_use=lambda name: True)
    assert f".other.partial-{dead}-abc123" in {p.name for p in tmp_path.iterdir()}
    atomic.remove_stale_staging(out, neighbour_in_use=lambda name: name != "other")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.partial-notes", f".out.partial-{live}-y", "other",
                                                          "out"]
    assert (out / "highlights.json").read_text() == "{}"


def test_a_long_named_neighbours_leftovers_are_judged_by_that_folders_own_name(tmp_path: Path) -> None:
    """A folder named near the 255-byte limit has its leftovers' NAME cut short with a hash: the
    neighbour asked about is the folder of that cut, by its whole name (whose lock says whether it is
    being written), and a lost folder is put back under it; a cut name no folder has is left alone."""
    dead = _dead_pid()
    out = tmp_path / "out"
    (tmp_path / "out").mkdir()
    long_name = "match-" + "é" * 122  # 250 bytes: its leftovers' names are cut
    cut = atomic._leftover_name(tmp_path / long_name)
    assert cut != long_name and len(os.fsencode(f".{cut}.partial-{dead}-x")) <= 255
    (tmp_path / long_name).mkdir()
    (tmp_path / f".{cut}.partial-{dead}-x").mkdir()
    orphan = "other-" + "é" * 122
    (tmp_path / f".{atomic._leftover_name(tmp_path / orphan)}.partial-{dead}-y").mkdir()
    asked = []
    atomic.remove_stale_staging(out, neighbour_in_use=lambda name: asked.append(name) or True)
    assert asked == [long_name]  # the folder's own name; the orphan's is not asked, nor removed
    atomic.remove_stale_staging(out, neighbour_in_use=lambda name: False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".{atomic._leftover_name(tmp_path / orphan)}.partial-{dead}-y", long_name, "out"])


def test_outputs_where_a_file_or_folder_is_in_the_way_are_named(tmp_path: Path) -> None:
    a_file = tmp_path / "report.txt"
    a_file.write_text("keep me")
    with pytest.raises(atomic.OutputPathError, match=rf"^{a_file}: is a file, but .* inside it as a folder"):
        atomic.atomic_write_text(a_file / "sub" / "x.json", "{}")
    with pytest.raises(atomic.OutputPathError, match=rf"^{tmp_path}: is a folder, where a file"):
        atomic.atomic_write_text(tmp_path, "{}")
    with pytest.raises(atomic.OutputPathError, match=rf"^{a_file}: is a file, where an output folder"):
        with atomic.atomic_folder(a_file):
            pass
    assert a_file.read_text() == "keep me"


def test_a_full_disk_while_encoding_video_is_one_line(tmp_path: Path, monkeypatch) -> None:
    import highlights.video.writer as writer
    from highlights.video import write_video

    def no_space(tmp, *args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "_encode", no_space)
    with pytest.raises(atomic.DiskFullError, match=r"^no space left on .* while writing .*reel\.mp4; nothing earlier"):
        write_video(tmp_path / "reel.mp4", [np.zeros((8, 8, 3), np.uint8)], 8.0)
    assert list(tmp_path.iterdir()) == []


def test_a_writer_that_words_a_full_disk_its_own_way_is_still_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(atomic, "no_space_left", lambda folder: True)
    with pytest.raises(atomic.DiskFullError, match=r"while writing .*best\.pt; nothing earlier was changed"):
        with atomic.atomic_path(tmp_path / "best.pt"):
            raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")
    monkeypatch.setattr(atomic, "no_space_left", lambda folder: False)
    with pytest.raises(RuntimeError, match="a real bug"):
        with atomic.atomic_path(tmp_path / "best.pt"):
            raise RuntimeError("a real bug")
    assert list(tmp_path.iterdir()) == []


REAL_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-dev"


def _lists_skipped_samples(path: Path) -> bool:
    """Does the index list clearly more samples than its duration plays (an edit list trims it)?"""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if not (stream.frames and stream.duration and stream.time_base and stream.average_rate):
            return False
        plays = float(stream.duration * stream.time_base) * float(stream.average_rate)
        return stream.frames > plays * 1.05 + 1


@pytest.mark.skipif(not REAL_DEV.is_dir(), reason="real footage not present")
def test_real_trimmed_clips_pass_the_ingestion_check() -> None:
    # Clips trimmed on a phone or in an editor keep samples their edit list skips: fewer frames
    # decode than the index lists, and they must not read as truncated.
    clips = sorted(p for p in REAL_DEV.rglob("*") if p.suffix.lower() in (".mp4", ".mov"))
    trimmed = [p for p in clips if _lists_skipped_samples(p)]
    refused = []
    for clip in trimmed:
        try:
            verify_video(clip)
        except VideoError as e:
            refused.append(str(e))
    assert trimmed and refused == [], f"{len(refused)} of n={len(trimmed)} trimmed real clips refused: {refused}"
