"""Fuzzing of the files training and evaluation read: does every bad one get one clear line?

    python bench/fuzz_structured_inputs.py --command COMMAND [--cases 20] [--seed 0]
                                           [--timeout 300] [--long-line-mb 1024]

COMMAND is one of:

- evaluate-checkpoint: `highlights evaluate --checkpoint` given damaged checkpoints (text, a pickle,
  a state dict alone, its metadata's classes or clip settings changed, bit flips, cuts);
- evaluate-clips: `highlights evaluate --clips` given folder-per-class trees with odd folders and
  files (empty, files beside the classes, a class of no clips, a folder named as a clip, ...);
- train-dataset: `highlights train` on a dataset version whose dataset_meta.json or manifest.csv
  is damaged, or whose clips are missing, duplicated or cut off;
- train-resume: `highlights train --resume` of a run whose last.pt is damaged or of another run's
  settings;
- dataset-grow: `highlights dataset grow` given CSV manifests with missing columns, unknown labels,
  rows twice, paths outside its folder, a byte-order mark, NUL bytes and a line of --long-line-mb
  megabytes;
- review-export: `highlights review export` of a reviewed game whose decisions database or
  highlights.json is damaged.

The made inputs come first, each its own row (made:NAME), then --cases mutants (bit flips and
cuts, fuzz_inputs.py's) of the file the command reads. An outcome is sorted as fuzz_inputs.py's
are, and a refusal is a clear error only when, besides one `error:` line naming the file and exit
status 1, the command left its output folder absent and the files it was given (the parent
version, the run folder) byte-identical: a refused command loses nothing. Not part of the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_inputs import _print_tally, make_reviewed_game, mutate  # noqa: E402

from highlights.cli.boundary import run_script  # noqa: E402
from highlights.one_line_name import one_line_name  # noqa: E402

CLASSES = ("baseball_swing", "none")
QUICK = ["--quick", "--width", "0.125", "--frames", "4", "--crop", "32", "--epochs", "1",
         "--workers", "0", "--batch-size", "2", "--no-augment", "--no-progress"]


@dataclass
class Case:
    argv: list[str]
    names: str  # the file the one line must name
    earlier: list[Path] = field(default_factory=list)  # must be byte-identical after a refusal
    output: Path | None = None  # must not exist after a refusal


# ------------------------------------------------------------------ the valid inputs, once

def make_fixture(folder: Path, command: str) -> Path:
    """FOLDER/src (two classes of four tiny clips), FOLDER/more (two more of each), FOLDER/root
    (v1 of src), FOLDER/run (one epoch of a tiny R(2+1)D on it) and, for review-export,
    FOLDER/reviewed."""
    import numpy as np

    from highlights.video import write_video

    rng = np.random.default_rng(0)
    for k, label in enumerate(CLASSES):
        for i in range(6):
            top = "src" if i < 4 else "more"  # `more`: new clips for dataset grow
            colour = np.array([(220, 40, 40), (40, 60, 220)][k]) + rng.integers(-30, 30, 3)
            frames = [np.clip(colour + rng.integers(-20, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
                      for _ in range(8)]
            write_video(folder / top / label / f"{label}_{i}.mp4", frames, fps=8.0, crf=18)
    steps = [["dataset", "create", str(folder / "src"), "--root", str(folder / "root"),
              "--no-progress"]]
    if command.startswith(("evaluate", "train")):
        steps.append(["train", "--root", str(folder / "root"), "--version", "v1",
                      "--out", str(folder / "run"), *QUICK])
    for argv in steps:
        # In a process of its own: training here would start OpenMP's threads (see main).
        done = subprocess.run([sys.executable, "-m", "highlights", *argv], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise SystemExit(f"fixture step {' '.join(argv[:2])} failed:\n{done.stderr}")
    if command == "review-export":
        (folder / "reviewed").mkdir()
        make_reviewed_game(folder / "reviewed")
    return folder


def _copy(fixture: Path, name: str, case: Path) -> Path:
    shutil.copytree(fixture / name, case / name, symlinks=True)
    return case / name


def _named(name: str, make):
    make.__name__ = name
    return make


# ------------------------------------------------------------------ checkpoints

def _edited_checkpoint(edit):
    def make(case: Path, fixture: Path) -> Path:
        import torch

        data = torch.load(fixture / "run" / "best.pt", map_location="cpu", weights_only=False)
        path = case / "best.pt"
        torch.save(edit(data), path)
        return path
    make.__name__ = edit.__name__
    return make


def _meta(data: dict) -> dict:
    return data.get("meta", data)


def no_classes(data):
    _meta(data)["classes"] = []
    return data


def classes_not_a_list(data):
    _meta(data)["classes"] = "baseball_swing,none"
    return data


def three_classes_for_two_outputs(data):
    _meta(data)["classes"] = [*CLASSES, "extra"]
    return data


def zero_frames(data):
    _meta(data)["clip_spec"]["num_frames"] = 0
    return data


def no_clip_spec(data):
    del _meta(data)["clip_spec"]
    return data


def weights_alone(data):
    return data.get("state_dict", data.get("model", {}))


def nan_weights(data):
    import torch

    weights = data.get("state_dict", data.get("model"))
    for name, tensor in weights.items():
        if tensor.is_floating_point():
            weights[name] = torch.full_like(tensor, float("nan"))
    return data


def _written(name: str, content: bytes):
    def make(case: Path, fixture: Path) -> Path:
        path = case / name
        path.write_bytes(content)
        return path
    make.__name__ = name.replace(".", "_")
    return make


def pickle_of_a_dict(case: Path, fixture: Path) -> Path:
    import pickle

    path = case / "best.pt"
    path.write_bytes(pickle.dumps({"classes": list(CLASSES)}))
    return path


def zip_of_text(case: Path, fixture: Path) -> Path:
    import zipfile

    path = case / "best.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", "not a pickle")
    return path


def run_folder_without_best(case: Path, fixture: Path) -> Path:
    run = _copy(fixture, "run", case)
    (run / "best.pt").unlink()
    return run


def symlink_loop(case: Path, fixture: Path) -> Path:
    path = case / "best.pt"
    path.symlink_to(path.name)
    return path


CHECKPOINT_MAKERS = [
    _written("text.pt", b"a checkpoint? no\n"), _written("empty.pt", b""), pickle_of_a_dict,
    zip_of_text, run_folder_without_best, symlink_loop,
    *[_edited_checkpoint(e) for e in (no_classes, classes_not_a_list,
                                      three_classes_for_two_outputs, zero_frames, no_clip_spec,
                                      weights_alone, nan_weights)],
]


def evaluate_checkpoint_case(case: Path, fixture: Path, checkpoint: Path) -> Case:
    root = _copy(fixture, "root", case)
    out = case / "report"
    return Case(["evaluate", "--checkpoint", str(checkpoint), "--root", str(root), "--version",
                 "v1", "--split", "val", "--out", str(out), "--workers", "0", "--bootstrap", "20",
                 "--no-progress",
                 "--pose-cache", str(case / "poses")], one_line_name(checkpoint), [root], out)


# ------------------------------------------------------------------ --clips trees

def _tree_edit(edit):
    """A maker copying the fixture's class folders to case/src and editing the copy in place."""
    def make(case: Path, fixture: Path) -> Path:
        tree = _copy(fixture, "src", case)
        edit(tree)
        return tree
    make.__name__ = edit.__name__
    return make


def tree_empty(tree):
    shutil.rmtree(tree)
    tree.mkdir()


def tree_is_a_file(tree):
    shutil.rmtree(tree)
    tree.write_text("a file\n")


def tree_files_only(tree):
    for clip in tree.rglob("*.mp4"):
        clip.rename(tree / clip.name)
    for label in CLASSES:
        (tree / label).rmdir()


def tree_nested_class(tree):
    (tree / "none").rename(tree.parent / "none")
    (tree.parent / "none").rename(tree / "baseball_swing" / "none")


def tree_hidden_files(tree):
    (tree / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tree / "none" / "._none_0.mp4").write_bytes(b"\0\5\26\7\0\2\0\0Mac OS X")


TREE_MAKERS = [_tree_edit(e) for e in (
    tree_empty, tree_is_a_file, tree_files_only, tree_nested_class, tree_hidden_files,
    _named("tree_class_of_no_clips", lambda t: (t / "volleyball_spike").mkdir()),
    _named("tree_unknown_class", lambda t: (t / "none").rename(t / "volleyball_spike")),
    _named("tree_folder_named_as_a_clip", lambda t: (t / "none" / "folder.mp4").mkdir()),
    _named("tree_text_named_as_a_clip",
                   lambda t: (t / "none" / "notes.mp4").write_text("not a video\n")),
    _named("tree_newline_in_class", lambda t: (t / "none").rename(t / "no\nne")),
    _named("tree_clip_loop", lambda t: (t / "none" / "loop.mp4").symlink_to("loop.mp4")),
    _named("tree_sidecar_garbage",
                   lambda t: (t / "none" / "none_0.json").write_bytes(b"\xff\xfe{garbage")),
)]


def evaluate_clips_case(case: Path, fixture: Path, damaged: Path) -> Case:
    tree, out = case / "src", case / "report"  # every maker's tree, a mutant's clip inside it
    return Case(["evaluate", "--checkpoint", str(fixture / "run" / "best.pt"), "--clips", str(tree),
                 "--out", str(out), "--workers", "0", "--bootstrap", "20", "--no-progress",
                 "--pose-cache", str(case / "poses")], one_line_name(tree), [tree], out)


# ------------------------------------------------------------------ dataset versions to train on

def _version_edit(edit):
    """A maker copying the fixture's root and editing its v1 in place; returns the file edited."""
    def make(case: Path, fixture: Path) -> Path:
        return edit(_copy(fixture, "root", case) / "v1")
    make.__name__ = edit.__name__
    return make


def _manifest_rows(version: Path) -> list[str]:
    return (version / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def meta_cut_in_half(version):
    meta = version / "dataset_meta.json"
    meta.write_bytes(meta.read_bytes()[: meta.stat().st_size // 2])
    return meta


def meta_null(version):
    (version / "dataset_meta.json").write_text("null")
    return version / "dataset_meta.json"


def meta_list(version):
    (version / "dataset_meta.json").write_text("[1, 2]")
    return version / "dataset_meta.json"


def _meta_json_edit(edit):
    def change(version):
        import json

        meta = version / "dataset_meta.json"
        data = json.loads(meta.read_text(encoding="utf-8"))
        edit(data)
        meta.write_text(json.dumps(data), encoding="utf-8")
        return meta
    change.__name__ = edit.__name__
    return change


def meta_without_classes(data):
    del data["classes"]


def meta_classes_a_string(data):
    data["classes"] = "baseball_swing"


def meta_one_class(data):
    data["classes"] = ["baseball_swing"]


def meta_classes_of_numbers(data):
    data["classes"] = [1, 2]


def meta_format_a_string(data):
    data["format"] = "1"


def meta_nul_bytes(version):
    meta = version / "dataset_meta.json"
    meta.write_bytes(meta.read_bytes().replace(b'"note"', b'"no\0te"'))
    return meta


def clip_missing(version):
    clip = sorted((version / "clips").iterdir())[0]
    clip.unlink()
    return clip


def clip_cut_off(version):
    clip = sorted((version / "clips").iterdir())[0]
    clip.write_bytes(clip.read_bytes()[:300])
    return clip


def clip_replaced_by_another(version):
    clips = sorted((version / "clips").iterdir())
    clips[0].write_bytes(clips[1].read_bytes())
    return clips[0]


def manifest_row_twice(version):
    rows = _manifest_rows(version)
    (version / "manifest.csv").write_text("".join([*rows, rows[1]]), encoding="utf-8")
    return version / "manifest.csv"


def manifest_unknown_label(version):
    rows = _manifest_rows(version)
    rows[1] = rows[1].replace(",baseball_swing,", ",volleyball_spike,", 1)
    (version / "manifest.csv").write_text("".join(rows), encoding="utf-8")
    return version / "manifest.csv"


def manifest_labels_swapped(version):
    text = (version / "manifest.csv").read_text(encoding="utf-8")
    swapped = text.replace(",none,", ",@@,").replace(",baseball_swing,", ",none,")
    (version / "manifest.csv").write_text(swapped.replace(",@@,", ",baseball_swing,"),
                                         encoding="utf-8")
    return version / "manifest.csv"


def manifest_without_label_column(version):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO("".join(_manifest_rows(version)))))
    out = io.StringIO()
    writer = csv.DictWriter(out, [k for k in rows[0] if k != "label"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    (version / "manifest.csv").write_text(out.getvalue(), encoding="utf-8")
    return version / "manifest.csv"


def manifest_path_outside(version):
    rows = _manifest_rows(version)
    name = rows[1].split(",")[1]
    rows[1] = rows[1].replace(name, "../../../etc/hostname", 1)
    (version / "manifest.csv").write_text("".join(rows), encoding="utf-8")
    return version / "manifest.csv"


def manifest_with_bom(version):
    manifest = version / "manifest.csv"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    return manifest


def manifest_nul_bytes(version):
    manifest = version / "manifest.csv"
    data = manifest.read_bytes()
    manifest.write_bytes(data[:200] + b"\0" + data[200:])
    return manifest


def manifest_no_val_clips(version):
    manifest = version / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(",val,", ",train,"),
                        encoding="utf-8")
    return manifest


def manifest_missing(version):
    (version / "manifest.csv").unlink()
    return version / "manifest.csv"


VERSION_MAKERS = [_version_edit(e) for e in (
    meta_cut_in_half, meta_null, meta_list, meta_nul_bytes,
    *[_meta_json_edit(m) for m in (meta_without_classes, meta_classes_a_string, meta_one_class,
                                   meta_classes_of_numbers, meta_format_a_string)],
    clip_missing, clip_cut_off, clip_replaced_by_another, manifest_row_twice,
    manifest_unknown_label, manifest_labels_swapped, manifest_without_label_column,
    manifest_path_outside, manifest_with_bom, manifest_nul_bytes, manifest_no_val_clips,
    manifest_missing)]


def train_dataset_case(case: Path, fixture: Path, damaged: Path) -> Case:
    root = case / "root"
    out = case / "run"
    # The one line names the damaged file, or the version holding it (a missing clip is named
    # by the manifest row that lists it, or its path).
    return Case(["train", "--root", str(root), "--version", "v1", "--out", str(out), *QUICK],
                one_line_name(root / "v1"), [root], out)


# ------------------------------------------------------------------ runs to resume

def resumable_run(case: Path, fixture: Path) -> Path:
    """The fixture's run as if stopped after its first of two epochs."""
    import torch

    run = _copy(fixture, "run", case)
    state = torch.load(run / "last.pt", map_location="cpu", weights_only=False)
    state["meta"]["train_config"]["epochs"] = 2
    torch.save(state, run / "last.pt")
    return run


def _last_edit(edit):
    def make(case: Path, fixture: Path) -> Path:
        import torch

        run = resumable_run(case, fixture)
        last = run / "last.pt"
        data = torch.load(last, map_location="cpu", weights_only=False)
        out = edit(data)
        if out is not None:
            torch.save(out, last)
        return last
    make.__name__ = edit.__name__
    return make


def last_without_optimizer(data):
    del data["optimizer"]
    return data


def last_of_another_width(data):
    data["meta"]["train_config"]["width"] = 0.25
    return data


def last_of_other_classes(data):
    data["meta"]["classes"] = ["basketball_layup", "none"]
    return data


def last_of_other_clips(data):
    data["meta"]["train_clip_ids"] = ["0000000000000000"]
    return data


def last_without_history(data):
    del data["extra"]["history"]
    return data


def last_epoch_a_string(data):
    data["extra"]["epoch"] = "1"
    return data


def last_train_config_a_list(data):
    data["meta"]["train_config"] = []
    return data


def last_unknown_setting(data):
    data["meta"]["train_config"]["layers_per_stage"] = 7
    return data


def _best_as_last(case: Path, fixture: Path) -> Path:
    run = resumable_run(case, fixture)
    shutil.copyfile(run / "best.pt", run / "last.pt")
    return run / "last.pt"


def _last_cut(case: Path, fixture: Path) -> Path:
    last = resumable_run(case, fixture) / "last.pt"
    last.write_bytes(last.read_bytes()[:1000])
    return last


def _last_text(case: Path, fixture: Path) -> Path:
    last = resumable_run(case, fixture) / "last.pt"
    last.write_text("last epoch: 1\n")
    return last


def _history_damaged(case: Path, fixture: Path) -> Path:
    history = resumable_run(case, fixture) / "train_history.json"
    history.write_bytes(b'{"history": [')
    return history


_best_as_last.__name__, _last_cut.__name__, _last_text.__name__ = ("best_as_last", "last_cut",
                                                                   "last_text")
_history_damaged.__name__ = "history_damaged"
RESUME_MAKERS = [_best_as_last, _last_cut, _last_text, _history_damaged,
                 *[_last_edit(e) for e in (last_without_optimizer, last_of_another_width,
                                           last_of_other_classes, last_of_other_clips,
                                           last_without_history, last_epoch_a_string,
                                           last_train_config_a_list, last_unknown_setting)]]


def train_resume_case(case: Path, fixture: Path, damaged: Path) -> Case:
    run = case / "run"
    return Case(["train", "--resume", "--out", str(run), "--no-progress"], one_line_name(run),
                [run, fixture / "root"], None)


# ------------------------------------------------------------------ manifests to grow a version by

def _manifest(rows: list[list[str]], *, header=("path", "label", "group"), prefix: bytes = b"",
              encoding: str = "utf-8"):
    """A maker of case/more/manifest.csv (the fixture's new clips beside it) holding ``rows``."""
    def make(case: Path, fixture: Path) -> Path:
        import csv
        import io

        more = _copy(fixture, "more", case)
        text = io.StringIO()
        csv.writer(text).writerows([list(header), *rows])
        path = more / "manifest.csv"
        path.write_bytes(prefix + text.getvalue().encode(encoding))
        return path
    return make


GOOD_ROWS = [[f"{label}/{label}_{i}.mp4", label, f"new_{label}_{i}"]
             for label in CLASSES for i in (4, 5)]


def manifest_long_line(megabytes: int):
    def make(case: Path, fixture: Path) -> Path:
        path = _manifest(GOOD_ROWS)(case, fixture)
        with open(path, "ab") as f:
            for _ in range(megabytes):
                f.write(b"x" * (1 << 20))
            f.write(b",none,long\n")
        return path
    make.__name__ = f"line_of_{megabytes}_mb"
    return make


def manifest_json(case: Path, fixture: Path) -> Path:
    import json

    more = _copy(fixture, "more", case)
    path = more / "manifest.json"
    path.write_text(json.dumps([dict(zip(("path", "label", "group"), r)) for r in GOOD_ROWS]))
    return path


def grow_makers(long_line_mb: int) -> list:
    return [
        _named("no_label_column", _manifest([r[::2] for r in GOOD_ROWS], header=("path", "group"))),
        _named("no_path_column", _manifest([r[1:] for r in GOOD_ROWS], header=("label", "group"))),
        _named("header_only", _manifest([])),
        _named("empty_file", _manifest([], header=())),
        _named("unknown_label", _manifest([*GOOD_ROWS[:3], [GOOD_ROWS[3][0], "volleyball", "g"]])),
        _named("label_blank", _manifest([*GOOD_ROWS[:3], [GOOD_ROWS[3][0], "", "g"]])),
        _named("row_twice", _manifest([*GOOD_ROWS, GOOD_ROWS[0]])),
        _named("clip_of_the_parent", _manifest([*GOOD_ROWS, ["../src/none/none_0.mp4", "none",
                                                              "x"]])),
        _named("path_outside", _manifest([*GOOD_ROWS, ["../../../etc/hostname", "none", "x"]])),
        _named("absolute_path_outside", _manifest([*GOOD_ROWS, ["/etc/hostname", "none", "x"]])),
        _named("path_a_folder", _manifest([*GOOD_ROWS, ["none", "none", "x"]])),
        _named("path_missing", _manifest([*GOOD_ROWS, ["none/gone.mp4", "none", "x"]])),
        _named("path_is_the_manifest", _manifest([*GOOD_ROWS, ["manifest.csv", "none", "x"]])),
        _named("bom", _manifest(GOOD_ROWS, prefix=b"\xef\xbb\xbf")),
        _named("utf_16", _manifest(GOOD_ROWS, encoding="utf-16")),
        _named("nul_in_label", _manifest([*GOOD_ROWS[:3], [GOOD_ROWS[3][0], "no\0ne", "g"]])),
        _named("nul_in_path", _manifest([*GOOD_ROWS[:3], ["none/none_5\0.mp4", "none", "g"]])),
        _named("newline_in_group", _manifest([*GOOD_ROWS[:3], [GOOD_ROWS[3][0], "none", "a\nb"]])),
        _named("extra_cells", _manifest([[*r, "surplus"] for r in GOOD_ROWS])),
        _named("header_twice", _manifest([["path", "label", "group"], *GOOD_ROWS])),
        manifest_long_line(long_line_mb), manifest_json,
    ]


def dataset_grow_case(case: Path, fixture: Path, manifest: Path) -> Case:
    root = _copy(fixture, "root", case)
    return Case(["dataset", "grow", str(manifest), "--root", str(root), "--parent", "v1",
                 "--no-progress"], one_line_name(manifest.parent), [root / "v1", manifest.parent],
                root / "v2")


# ------------------------------------------------------------------ reviews to export

def _reviewed(case: Path, fixture: Path) -> Path:
    return _copy(fixture, "reviewed", case)


def _review_file_edit(name: str, content: bytes | None, cut: bool = False):
    def make(case: Path, fixture: Path) -> Path:
        path = _reviewed(case, fixture) / name
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if cut else content)
        return path
    what = "cut" if cut else f"{len(content)}_bytes"
    make.__name__ = f"{name.split('/')[-1].replace('.', '_')}_{what}"
    return make


def _review_sql(name: str, *statements: str):
    def make(case: Path, fixture: Path) -> Path:
        import sqlite3

        path = _reviewed(case, fixture) / "review.sqlite"
        with sqlite3.connect(path) as db:
            for statement in statements:
                db.execute(statement)
        db.close()
        return path
    make.__name__ = name
    return make


def _highlights_edit(name: str, edit):
    def make(case: Path, fixture: Path) -> Path:
        import json

        path = _reviewed(case, fixture) / "game1-highlights" / "highlights.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        return path
    make.__name__ = name
    return make


def _decision_tables(fixture: Path) -> list[str]:
    import sqlite3

    db = sqlite3.connect(fixture / "reviewed" / "review.sqlite")
    try:
        return [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
    finally:
        db.close()


def review_makers(fixture: Path) -> list:
    tables = _decision_tables(fixture)
    makers = [
        _review_file_edit("review.sqlite", b"not a database\n"),
        _review_file_edit("review.sqlite", b""),
        _review_file_edit("review.sqlite", None, cut=True),
        _review_file_edit("game1-highlights/highlights.json", b"{"),
        _review_file_edit("game1-highlights/highlights.json", b"null"),
        _highlights_edit("highlights_without_video", lambda d: d.pop("video")),
        _highlights_edit("highlights_fps_zero", lambda d: d["video"].update(fps=0)),
        _highlights_edit("highlights_span_reversed",
                         lambda d: d["highlights"][0].update(start_s=5.0, end_s=1.0)),
        _highlights_edit("highlights_span_past_the_end",
                         lambda d: d["highlights"][0].update(start_s=1e6, end_s=1e6 + 2)),
        _highlights_edit("highlights_label_a_number", lambda d: d["highlights"][0].update(label=7)),
    ]
    makers += [_review_sql(f"table_{t}_dropped", f"drop table {t}") for t in tables
               if not t.startswith("sqlite_")]  # SQLite's own tables cannot be dropped
    makers += [_review_sql(name, f"update decisions set {change}") for name, change in (
        ("decision_times_text", "start_s = 'soon'"), ("decision_span_reversed", "end_s = 0"),
        ("decision_times_null", "start_s = NULL, end_s = NULL"),
        ("decision_label_unknown", "label = 'volley\nball'"), ("decision_status_other",
                                                               "status = 'maybe'"),
        ("decision_times_huge", "start_s = 1e308, end_s = 1e308"))]
    return makers


# ------------------------------------------------------------------ running the cases

def review_export_case(case: Path, fixture: Path, damaged: Path) -> Case:
    reviewed = case / "reviewed"
    out = case / "dataset"
    return Case(["review", "export", str(reviewed / "game1-highlights"), "--db",
                 str(reviewed / "review.sqlite"), "--to-dataset", str(out), "--annotations",
                 str(case / "annotations"), "--no-progress"], one_line_name(reviewed),
                [reviewed], out)


COMMANDS = {
    # command: (the valid file the mutants are made of, the case it is given in)
    "evaluate-checkpoint": ("run/best.pt", evaluate_checkpoint_case),
    "evaluate-clips": ("src/none/none_0.mp4", evaluate_clips_case),
    "train-dataset": ("root/v1/dataset_meta.json", train_dataset_case),
    "train-resume": ("run/last.pt", train_resume_case),
    "dataset-grow": ("more/manifest.csv", dataset_grow_case),
    "review-export": ("reviewed/review.sqlite", review_export_case),
}


def makers_of(command: str, fixture: Path, long_line_mb: int) -> list:
    return {"evaluate-checkpoint": lambda: CHECKPOINT_MAKERS, "evaluate-clips": lambda: TREE_MAKERS,
            "train-dataset": lambda: VERSION_MAKERS, "train-resume": lambda: RESUME_MAKERS,
            "dataset-grow": lambda: grow_makers(long_line_mb),
            "review-export": lambda: review_makers(fixture)}[command]()


def mutant_maker(command: str, source: str, rng: random.Random):
    """A maker of the case's copy of ``source`` (a fixture path) with a mutation applied."""
    top, rest = source.split("/", 1)

    def make(case: Path, fixture: Path) -> Path:
        if command == "train-resume":
            resumable_run(case, fixture)
        elif command == "dataset-grow":
            _manifest(GOOD_ROWS)(case, fixture)
        elif command != "evaluate-checkpoint":
            _copy(fixture, top, case)
        path = case / top / rest
        if command == "evaluate-checkpoint":
            path = case / "best.pt"
            shutil.copyfile(fixture / source, path)
        make.kind, data = mutate(path.read_bytes(), rng)
        path.write_bytes(data)
        return path
    return make


def snapshot(paths: list[Path]) -> dict[str, str]:
    """The content hash of every file under ``paths`` (a manifest may be a gigabyte)."""
    from highlights.file_hash import file_sha256

    # SQLite's -wal and -shm files come and go with every opening of a database: not its content.
    files = [[top] if top.is_file() else sorted(q for q in top.rglob("*") if q.is_file()
                                                 and not q.name.endswith(("-wal", "-shm")))
             for top in paths]
    return {str(p): file_sha256(p) for under in files for p in under}


def run_case(argv: list[str], conn) -> None:
    """In a worker: run the command line through the CLI; send (exit code, output, traceback)."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    try:
        result = CliRunner().invoke(app, argv)
        escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
        conn.send((result.exit_code, result.output,
                   "".join(traceback.format_exception(result.exception)) if escaped else ""))
    except BaseException:  # noqa: BLE001 - anything escaping is what we count
        conn.send((None, "", traceback.format_exc()))


def _said(output: str, error: str) -> list[str]:
    """The error line, and the problems it lists below it where it is `error: N problems:` (each
    on its own indented line: every bad clip of a tree is said at once)."""
    lines = output.splitlines()
    if not re.fullmatch(r"error: \d+ problems:", error):
        return [error]
    return [error, *takewhile(lambda line: line.startswith("  "), lines[lines.index(error) + 1:])]


def outcome_of(case: Case, answer, before: dict[str, str]) -> tuple[str, str]:
    if answer is None:
        return "hang", "no answer"
    code, output, escaped = answer
    if escaped:
        return "traceback", escaped
    if code == 0:
        return "accepted", output.strip()[-300:]
    errors = [ln for ln in output.splitlines() if ln.startswith("error:")]
    problems = []
    if code != 1 or len(errors) != 1:
        problems.append(f"exit {code}, {len(errors)} error lines")
    elif not any(case.names in line for line in _said(output, errors[0])):
        problems.append(f"the line does not name {case.names}")
    if case.output is not None and case.output.exists():
        problems.append(f"left {case.output}")
    if snapshot(case.earlier) != before:
        changed = sorted(set(before) ^ set(after := snapshot(case.earlier))
                         | {k for k in before if k in after and before[k] != after[k]})
        problems.append(f"changed {changed[:3]}")
    detail = output.strip()[-600:] + "".join(f"\n{p}" for p in problems)
    return ("unclear error" if problems else "clear error"), detail


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--command", required=True, choices=list(COMMANDS),
                        help="The command the inputs are given to")
    parser.add_argument("--cases", type=int, default=20, help="mutants, after the made inputs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds a case may take before it counts as a hang")
    parser.add_argument("--long-line-mb", type=int, default=1024,
                        help="megabytes of the one long line of dataset-grow's manifest")
    parser.add_argument("--only", default=None,
                        help="run only the made inputs whose name holds this (no mutants)")
    return parser.parse_args()


def _give(case: Case, timeout: float, ctx) -> tuple[str, str]:
    before = snapshot(case.earlier)
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=run_case, args=(case.argv, send))
    worker.start()
    try:
        answer = receive.recv() if receive.poll(timeout) else None
    finally:  # a Ctrl-C while waiting stops the worker too
        worker.kill()
        worker.join()
    return outcome_of(case, answer, before)


def main() -> None:
    args = _parse_args()
    work = Path(tempfile.mkdtemp(prefix="highlights-fuzz-"))
    tally: dict[str, Counter] = defaultdict(Counter)
    bugs: list[tuple[str, str, str]] = []
    # Not forked from this process: the makers edit checkpoints with torch here, which starts
    # OpenMP's threads, and a process forked from one that has them can wait on their locks
    # forever.
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["highlights.cli.app"])
    rng = random.Random(args.seed)
    source, case_of = COMMANDS[args.command]
    try:
        fixture = make_fixture(work / "fixture", args.command)
        makers = makers_of(args.command, fixture, args.long_line_mb)
        if args.only:
            makers = [m for m in makers if args.only in m.__name__]
        mutants = [] if args.only else [mutant_maker(args.command, source, rng)
                                        for _ in range(args.cases)]
        print(f"{len(makers)} made inputs and {len(mutants)} mutants of {source} given to "
              f"{args.command}", flush=True)
        for n, make in enumerate([*makers, *mutants]):
            folder = work / f"case{n:03d}"
            folder.mkdir()
            damaged = make(folder, fixture)
            kind = getattr(make, "kind", None)
            kind = f"made:{make.__name__}" if kind is None else kind.split(":")[0]
            outcome, detail = _give(case_of(folder, fixture, damaged), args.timeout, ctx)
            tally[kind][outcome] += 1
            said = next((ln for ln in detail.splitlines() if ln.startswith("error:")), "")
            print(f"  {kind}: {outcome} {said[:160]}", flush=True)
            if outcome != "clear error" and outcome != "accepted" or args.only:
                bugs.append((damaged.name, kind, detail))
            shutil.rmtree(folder, ignore_errors=True)
    except KeyboardInterrupt:
        print("\nstopped: the cases given so far are counted")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print_tally(tally, bugs)


if __name__ == "__main__":
    run_script(main)
