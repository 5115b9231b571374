"""Every input a hostile new user can hand the CLI gets exit status 1 and one line naming the file
or field and the cause: no traceback, and nothing written earlier is changed.

Each case builds its tiny input in a fresh folder, runs one command through the CLI and checks
the outcome; `earlier` names what must stay byte-identical (an earlier version, report, ...).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_inputs import (
    half_truncated_faststart, one_pixel_mp4, png_named_mp4, truncated_faststart_copy, unknown_codec_mp4, zero_delta_mp4,
    zero_timescale_mp4,
)
from tests.dataset_fixtures import layout_of, make_class_tree, write_clip, write_manifest
from highlights.cli.app import app


@dataclass
class Case:
    args: list[str]
    names: str  # the file or field the one line must name
    cause: str  # and the words saying what is wrong
    earlier: list[Path] = field(default_factory=list)  # files and folders that must not change
    patch: Callable | None = None  # given monkeypatch, to simulate what cannot be made (a full disk)


def _snapshot(paths: list[Path]) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for top in paths:
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()) if top.exists() else []
        out[str(top)] = None if not top.exists() else b""
        for p in files:
            out[str(p)] = p.read_bytes()
    return out


def _dataset(tmp: Path) -> tuple[Path, Path]:
    """A root with v1 (two classes, a few tiny clips) and the folder it came from."""
    src = make_class_tree(tmp / "src", layout_of({"a": 3, "b": 3}))
    root = tmp / "datasets"
    result = CliRunner().invoke(app, ["dataset", "create", str(src), "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root, src


def _class_folder_with(tmp: Path, make: Callable[[Path], Path]) -> tuple[Path, Path]:
    src = make_class_tree(tmp / "src", layout_of({"a": 2, "b": 2}))
    return src, make(src / "a" / "bad.mp4")


# ------------------------------------------------------------------------------ the cases

def png_renamed(tmp: Path) -> Case:
    src, bad = _class_folder_with(tmp, png_named_mp4)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(bad), "a single image (PNG), not a video")


def truncated_faststart(tmp: Path) -> Case:
    src, bad = _class_folder_with(tmp, half_truncated_faststart)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(bad), "truncated or damaged")


def evaluate_clips_truncated(tmp: Path) -> Case:
    # Scored on its first half as if it were the whole clip, it would count in the report unseen.
    src = make_class_tree(tmp / "clips", layout_of({"soccer_shooting": 1}))
    bad = half_truncated_faststart(src / "none" / "cut.mp4")
    return Case(["evaluate", "--clips", src, "--out", tmp / "report", "--pose-cache", tmp / "poses"], str(bad),
                "truncated or damaged", earlier=[tmp / "report"])


def zero_timescale(tmp: Path) -> Case:
    src, bad = _class_folder_with(tmp, zero_timescale_mp4)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(bad), "frame rate")


def zero_deltas(tmp: Path) -> Case:
    src, bad = _class_folder_with(tmp, zero_delta_mp4)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(bad), "damaged timing")


def preview_one_pixel(tmp: Path) -> Case:
    # Its downscale made a picture of 0 pixels: a traceback from OpenCV.
    bad = one_pixel_mp4(tmp / "dot.mp4")
    return Case(["augment", "preview", bad, "--out", tmp / "grid.png"], str(bad), "1x1 pixels: too small",
                earlier=[tmp / "grid.png"])


def unknown_codec(tmp: Path) -> Case:
    src, bad = _class_folder_with(tmp, unknown_codec_mp4)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(bad), "no decoder for its video codec")


def newline_in_name(tmp: Path) -> Case:
    # Named as it was, the one error line broke in two at the name's line break.
    src, bad = _class_folder_with(tmp, half_truncated_faststart)
    cut = bad.rename(bad.with_name("cut\noff.mp4"))
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(cut).replace("\n", "\\n"),
                "truncated or damaged")


def detect_missing_newline_name(tmp: Path) -> Case:
    missing = tmp / "game\n2.mp4"
    return Case(["detect", missing, "--out", tmp / "out"], str(missing).replace("\n", "\\n"), "not found")


def symlink_loop(tmp: Path) -> Case:
    src = make_class_tree(tmp / "src", layout_of({"a": 2, "b": 2}))
    loop = src / "a" / "loop.mp4"
    loop.symlink_to(loop)
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(loop), "symbolic link loop")


def manifest_latin1(tmp: Path) -> Case:
    write_clip(tmp / "c" / "x.mp4", 1)
    manifest = tmp / "c" / "m.csv"
    manifest.write_bytes("path,label\nx.mp4,caf\xe9\n".encode("latin-1"))
    return Case(["dataset", "create", manifest, "--root", tmp / "d"], str(manifest), "not UTF-8 text")


def manifest_outside(tmp: Path) -> Case:
    secret = tmp / "private" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0\n")
    manifest = write_manifest(tmp / "c" / "m.csv", [{"path": str(secret), "label": "a"}])
    return Case(["dataset", "create", manifest, "--root", tmp / "d"], str(secret), "outside the manifest's folder")


def grow_manifest_nul_in_path(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    write_clip(tmp / "c" / "x.mp4", 7)
    manifest = write_manifest(tmp / "c" / "m.csv", [{"path": "x\0.mp4", "label": "a"}])
    return Case(["dataset", "grow", manifest, "--root", root, "--parent", "v1"], f"{manifest}:2",
                "holds a NUL byte", earlier=[root])


def grow_manifest_long_line(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    write_clip(tmp / "c" / "x.mp4", 7)
    manifest = write_manifest(tmp / "c" / "m.csv", [{"path": "x.mp4", "label": "a"}])
    with open(manifest, "a") as f:
        f.write("y" * (2 << 20) + ",a\n")
    return Case(["dataset", "grow", manifest, "--root", root, "--parent", "v1"], f"{manifest}:3",
                "a line of over 1,048,576 characters", earlier=[root])


def manifest_row_twice(tmp: Path) -> Case:
    # Read as two clips, the second was refused as "a duplicate of" itself.
    write_clip(tmp / "c" / "x.mp4", 1)
    write_clip(tmp / "c" / "y.mp4", 2)
    manifest = write_manifest(tmp / "c" / "m.csv", [{"path": "x.mp4", "label": "a"}, {"path": "y.mp4", "label": "b"},
                                                     {"path": "./x.mp4", "label": "b"}])
    return Case(["dataset", "create", manifest, "--root", tmp / "d"], str(tmp / "c" / "x.mp4"),
                "listed twice (manifest m.csv lines 2 and 4)")


def train_manifest_row_twice(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    manifest = root / "v1" / "manifest.csv"
    rows = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join([*rows, rows[1]]))
    return Case(["train", "--root", root, "--version", "v1", "--out", tmp / "run", "--quick"],
                f"{manifest}:{len(rows) + 1}", "listed twice (lines 2 and", earlier=[root])


def show_manifest_nul_in_path(tmp: Path) -> Case:
    # A version's manifest edited by hand: opening the clip raised ValueError, a traceback.
    root, _ = _dataset(tmp)
    manifest = root / "v1" / "manifest.csv"
    rows = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join([rows[0], rows[1].replace(".mp4", "\0.mp4"), *rows[2:]]))
    return Case(["dataset", "show", "v1", "--root", root], f"{manifest}:2", "holds a NUL byte",
                earlier=[root])


def root_is_a_file(tmp: Path) -> Case:
    src = make_class_tree(tmp / "src", layout_of({"a": 2}))
    root = tmp / "root.txt"
    root.write_text("not a folder")
    return Case(["dataset", "create", src, "--root", root], str(root), "not a folder", earlier=[root])


def list_without_manifest(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    manifest = root / "v1" / "manifest.csv"
    manifest.chmod(0o644)
    manifest.unlink()
    return Case(["dataset", "list", "--root", root], str(manifest), "missing", earlier=[root])


def second_writer(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    more = make_class_tree(tmp / "more", layout_of({"a": 2}, prefix="m-"), seed=4)

    def hold_the_lock(monkeypatch):
        import fcntl

        fd = os.open(root / ".write.lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.write(fd, b"4242\n")
        monkeypatch.setattr(Case, "_held", fd, raising=False)  # closed (released) with the patch

    return Case(["dataset", "grow", more, "--root", root, "--parent", "v1"], str(root),
                "another write is in progress", earlier=[root / "v1"], patch=hold_the_lock)


def disk_full_grow(tmp: Path) -> Case:
    root, _ = _dataset(tmp)
    more = make_class_tree(tmp / "more", layout_of({"a": 2}, prefix="m-"), seed=4)

    def no_space(monkeypatch):
        import highlights.datasets.build as build

        def copy(_src, dst):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))

        monkeypatch.setattr(build, "copy_clip", copy)

    return Case(["dataset", "grow", more, "--root", root, "--parent", "v1"], str(root / "v2"),
                "no space left on", earlier=[root], patch=no_space)


def confusion(tmp: Path, data) -> Path:
    path = tmp / "cm.json"
    path.write_text(json.dumps(data))
    return path


def confusion_duplicate_labels(tmp: Path) -> Case:
    path = confusion(tmp, {"labels": ["a", "a"], "matrix": [[3, 0], [1, 0]]})
    return Case(["report", "from-confusion", path], str(path), "listed twice")


def confusion_string_entries(tmp: Path) -> Case:
    path = confusion(tmp, {"labels": ["a", "b"], "matrix": [["3", 0], [1, 0]]})
    return Case(["report", "from-confusion", path], str(path), "whole counts")


def confusion_null_labels(tmp: Path) -> Case:
    path = confusion(tmp, {"labels": [None, "b"], "matrix": [[3, 0], [1, 0]]})
    return Case(["report", "from-confusion", path], str(path), "non-empty strings")


def confusion_huge_number(tmp: Path) -> Case:
    # Past Python's 4300 digits, json raised a ValueError of its own: a traceback.
    path = tmp / "cm.json"
    path.write_text('{"labels": ["a", "b"], "matrix": [[1' + "0" * 5000 + ', 0], [1, 0]]}')
    return Case(["report", "from-confusion", path], str(path), "not valid JSON (Exceeds the limit")


def sidecar_nested_too_deep(tmp: Path) -> Case:
    # Nesting past Python's recursion limit raised a RecursionError: a traceback.
    src = make_class_tree(tmp / "src", layout_of({"a": 2, "b": 2}))
    sidecar = src / "a" / "a-0.json"
    sidecar.write_text('{"group": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return Case(["dataset", "create", src, "--root", tmp / "d"], str(sidecar), "maximum recursion depth")


def confusion_directory(tmp: Path) -> Case:
    (tmp / "cm").mkdir()
    return Case(["report", "from-confusion", tmp / "cm"], str(tmp / "cm"), "is a folder")


def confusion_into_earlier_report(tmp: Path) -> Case:
    out = tmp / "report"
    good = confusion(tmp, {"labels": ["a", "b"], "matrix": [[3, 1], [1, 4]]})
    assert CliRunner().invoke(app, ["report", "from-confusion", str(good), "--out", str(out)]).exit_code == 0
    bad = tmp / "bad.json"
    bad.write_text('{"labels": ["a", "b"], "matrix": [[1, 2], [3, Infinity]]}')
    return Case(["report", "from-confusion", bad, "--out", out], str(bad), "whole counts", earlier=[out])


def unreadable_test_clip_with_workers(tmp: Path) -> Case:
    from tests.model_fixtures import tiny_meta, tiny_model
    from tests.train_fixtures import COLOURS, make_colour_dataset

    from highlights.model import save_checkpoint

    version = make_colour_dataset(tmp, per_class=4)
    checkpoint = save_checkpoint(tmp / "best.pt", tiny_model(len(COLOURS)), tiny_meta(tiny_model(len(COLOURS)),
                                                                                     list(COLOURS)))
    broken = version.split("test")[0].path
    broken.chmod(0o644)
    broken.write_bytes(broken.read_bytes()[:200])
    return Case(["evaluate", checkpoint, "--root", version.root, "--version", "v1", "--out", tmp / "report",
                 "--workers", "1", "--bootstrap", "10", "--no-progress"], str(broken), "MP4", earlier=[version.path])


def _evaluate_edited_checkpoint(tmp: Path, meta_key: str, value, names: str, cause: str) -> Case:
    """evaluate --clips of a two-class tree with a checkpoint whose meta[meta_key] was edited to
    `value` after it was saved."""
    import torch

    from tests.model_fixtures import tiny_meta, tiny_model

    from highlights.model import save_checkpoint

    src = make_class_tree(tmp / "clips", layout_of({"baseball_swing": 1, "none": 1}))
    checkpoint = save_checkpoint(tmp / "best.pt", tiny_model(2), tiny_meta(tiny_model(2), ["baseball_swing", "none"]))
    payload = torch.load(checkpoint, weights_only=True)
    payload["meta"][meta_key] = value
    torch.save(payload, checkpoint)
    return Case(["evaluate", "--checkpoint", checkpoint, "--clips", src, "--out", tmp / "report", "--no-progress"],
                names.format(checkpoint=checkpoint), cause, earlier=[src, checkpoint])


def evaluate_checkpoint_classes_a_string(tmp: Path) -> Case:
    # Read letter by letter, its classes were b, a, s, e, ...: the tree was refused as other classes.
    return _evaluate_edited_checkpoint(tmp, "classes", "baseball_swing,none",
                                       "{checkpoint}: its classes are 'baseball_swing,none'",
                                       "not a list of class names")


def evaluate_checkpoint_model_a_string(tmp: Path) -> Case:
    # Its classes were checked against meta.model's num_classes: an AttributeError traceback.
    return _evaluate_edited_checkpoint(tmp, "model", "r2plus1d_18", "{checkpoint}",
                                       "meta has no 'model' architecture description")


def evaluate_checkpoint_link_loop(tmp: Path) -> Case:
    # Said as "no such file", which sent users looking for a file that is there.
    src = make_class_tree(tmp / "clips", layout_of({"none": 1}))
    loop = tmp / "best.pt"
    loop.symlink_to(loop.name)
    return Case(["evaluate", "--checkpoint", loop, "--clips", src, "--out", tmp / "report"], f"{loop}: ",
                "symbolic link loop", earlier=[src])


def out_is_a_file(tmp: Path) -> Case:
    good = confusion(tmp, {"labels": ["a", "b"], "matrix": [[3, 1], [1, 4]]})
    out = tmp / "report.txt"
    out.write_text("my notes")
    return Case(["report", "from-confusion", good, "--out", out], str(out), "is a file", earlier=[out])


# ------------------------------------------------------------------ pipeline cases (need a game)

NO_MODEL = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress"]


def checkpoint_text(tmp: Path, game: Path) -> Case:
    ckpt = tmp / "best.pt"
    ckpt.write_text("this is not a model")
    return Case(["detect", game, "--checkpoint", ckpt, "--out", tmp / "out", *NO_MODEL], str(ckpt),
                "not a checkpoint (not a PyTorch file)")


def checkpoint_pickle(tmp: Path, game: Path) -> Case:
    ckpt = tmp / "best.pt"
    ckpt.write_bytes(pickle.dumps({"state_dict": {}, "exec": "print"}))
    return Case(["detect", game, "--checkpoint", ckpt, "--out", tmp / "out", *NO_MODEL], str(ckpt),
                "never loaded")


def checkpoint_missing_in_evaluate(tmp: Path, game: Path) -> Case:
    ckpt = tmp / "gone.pt"
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", game.with_suffix(".json"),
                 "--checkpoint", ckpt, "--out", tmp / "eval"], str(ckpt), "no such file")


def config_is_a_list(tmp: Path, game: Path) -> Case:
    config = tmp / "pipeline.json"
    config.write_text("[1, 2]")
    return Case(["detect", game, "--config", config, "--out", tmp / "out", *NO_MODEL], str(config),
                "expected a JSON object")


def config_nested_too_deep(tmp: Path, game: Path) -> Case:
    config = tmp / "pipeline.json"
    config.write_text("[" * 100_000 + "]" * 100_000)
    return Case(["detect", game, "--config", config, "--out", tmp / "out", *NO_MODEL], str(config),
                "not valid JSON (maximum recursion depth")


def config_is_a_folder(tmp: Path, game: Path) -> Case:
    return Case(["detect", game, "--config", tmp, "--out", tmp / "out", *NO_MODEL], str(tmp), "is a folder")


def annotation(tmp: Path, data) -> Path:
    path = tmp / "labels.json"
    path.write_text(json.dumps(data))
    return path


def activitynet_list_for_a_dict(tmp: Path, game: Path) -> Case:
    path = annotation(tmp, {"database": {"game": [1, 2]}})
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", path, "--out", tmp / "eval",
                 "--set", "classifier.enabled=false", *NO_MODEL[:-1]], str(path), "malformed activitynet annotation")


def annotation_infinite_end(tmp: Path, game: Path) -> Case:
    data = json.loads(game.with_suffix(".json").read_text())
    data["events"][0]["end_s"] = 1e309
    path = tmp / "labels.json"
    path.write_text(json.dumps(data).replace("Infinity", "1e309"))
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", path, "--out", tmp / "eval",
                 "--set", "classifier.enabled=false", *NO_MODEL[:-1]], str(path), "end_s must be a finite time")


def annotation_huge_number(tmp: Path, game: Path) -> Case:
    path = tmp / "labels.json"
    path.write_text('{"events": [], "duration_s": 1' + "0" * 5000 + "}")
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", path, "--out", tmp / "eval",
                 "--set", "classifier.enabled=false", *NO_MODEL[:-1]], str(path), "not valid JSON (Exceeds")


def annotation_key_outside(tmp: Path, game: Path) -> Case:
    data = json.loads(game.with_suffix(".json").read_text())
    data["events"][0]["key_s"] = data["events"][0]["end_s"] + 5
    path = annotation(tmp, data)
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", path, "--out", tmp / "eval",
                 "--set", "classifier.enabled=false", *NO_MODEL[:-1]], str(path), "is outside [start_s, end_s]")


def annotation_latin1(tmp: Path, game: Path) -> Case:
    path = tmp / "labels.json"
    path.write_bytes('{"events": [], "video": "caf\xe9.mp4"}'.encode("latin-1"))
    return Case(["pipeline", "evaluate", "--video", game, "--annotations", path, "--out", tmp / "eval",
                 "--set", "classifier.enabled=false", *NO_MODEL[:-1]], str(path), "not UTF-8 text")


def detect_truncated_upload(tmp: Path, game: Path) -> Case:
    # Its index is at the front, so it opens and its first half decodes: without the check its
    # first half's highlights would be reported as the whole game's.
    cut = truncated_faststart_copy(game, tmp / "upload.mp4")
    stages_off = ["--set", "detection.enabled=false", "--set", "pose.enabled=false",
                  "--set", "classifier.enabled=false", "--no-progress"]
    return Case(["detect", cut, "--out", tmp / "out", *stages_off], str(cut), "truncated or damaged",
                earlier=[tmp / "out"])


def detect_one_frame_video(tmp: Path, game: Path) -> Case:
    # A photo saved as a video: with nothing moving, it read as a game without highlights, exit 0.
    from highlights.video import iter_frames, write_video

    frames = iter_frames(game)
    still = write_video(tmp / "photo.mp4", [next(frames).rgb], 30.0)
    frames.close()
    stages_off = ["--set", "detection.enabled=false", "--set", "pose.enabled=false",
                  "--set", "classifier.enabled=false", "--no-progress"]
    return Case(["detect", still, "--out", tmp / "out", *stages_off], str(still),
                "only 1 frame to look at in 0.03 s of video: a still picture",
                earlier=[tmp / "out"])


GAME_CASES = [
    detect_truncated_upload, detect_one_frame_video,
    checkpoint_text, checkpoint_pickle, checkpoint_missing_in_evaluate, config_is_a_list,
    config_nested_too_deep, config_is_a_folder, annotation_huge_number,
    activitynet_list_for_a_dict, annotation_infinite_end, annotation_key_outside, annotation_latin1,
]


@pytest.fixture(scope="module")
def game(tmp_path_factory) -> Path:
    from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

    return make_game(tmp_path_factory.mktemp("fuzz-game"), duration_s=6.0, events=DEFAULT_EVENTS[:1])


@pytest.mark.parametrize("make_case", GAME_CASES, ids=[c.__name__ for c in GAME_CASES])
def test_bad_pipeline_input_gets_one_clear_line(make_case, tmp_path: Path, game: Path) -> None:
    case = make_case(tmp_path, game)
    before = _snapshot([game.parent, *case.earlier])
    result = CliRunner().invoke(app, [str(a) for a in case.args])
    check_one_clear_line(result, case)
    assert _snapshot([game.parent, *case.earlier]) == before


CASES = [
    png_renamed, truncated_faststart, evaluate_clips_truncated, zero_timescale, zero_deltas,
    unknown_codec, preview_one_pixel, newline_in_name, detect_missing_newline_name, symlink_loop,
    manifest_latin1,
    manifest_outside, grow_manifest_nul_in_path, grow_manifest_long_line, manifest_row_twice,
    train_manifest_row_twice,
    show_manifest_nul_in_path,
    root_is_a_file, list_without_manifest, second_writer, disk_full_grow,
    confusion_duplicate_labels, confusion_string_entries, confusion_null_labels, confusion_huge_number,
    sidecar_nested_too_deep, confusion_directory,
    confusion_into_earlier_report, out_is_a_file, unreadable_test_clip_with_workers,
    evaluate_checkpoint_classes_a_string, evaluate_checkpoint_model_a_string, evaluate_checkpoint_link_loop,
]


def check_one_clear_line(result, case: Case) -> None:
    assert not isinstance(result.exception, BaseException) or isinstance(result.exception, SystemExit), (
        f"an exception escaped: {result.exception!r}\n{result.output}")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert case.names in errors[0] and case.cause in errors[0], errors[0]


@pytest.mark.parametrize("make_case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_gets_one_clear_line_and_changes_nothing(make_case, tmp_path: Path, monkeypatch) -> None:
    case = make_case(tmp_path)
    before = _snapshot(case.earlier)
    with monkeypatch.context() as patch:
        if case.patch is not None:
            case.patch(patch)
        result = CliRunner().invoke(app, [str(a) for a in case.args])
        held = getattr(Case, "_held", None)
        if held is not None:
            os.close(held)
    check_one_clear_line(result, case)
    assert _snapshot(case.earlier) == before


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "highlights", "report", "from-confusion", "/nonexistent.json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip() == "error: /nonexistent.json: no such file"
    assert "Traceback" not in done.stderr


def test_pickle_is_never_a_confusion_matrix(tmp_path: Path) -> None:
    path = tmp_path / "cm.json"
    path.write_bytes(pickle.dumps({"labels": ["a"], "matrix": [[1]]}))
    result = CliRunner().invoke(app, ["report", "from-confusion", str(path)])
    check_one_clear_line(result, Case([], str(path), "not valid JSON"))


# ------------------------------------------------------------------ config values out of range

def _set(value: str):
    def make(tmp: Path, game: Path) -> Case:
        key = value.split("=", 1)[0]
        return Case(["detect", game, "--out", tmp / "out", "--set", value, *NO_MODEL], key, "")
    make.__name__ = "set_" + value.replace(".", "_").replace("=", "_").replace("-", "minus")
    return make


RANGE_CASES = [
    (_set("classifier.batch=0"), "out of range; allowed: at least 1 and at most 4096"),
    (_set("classifier.window_s=0"), "out of range; allowed: more than 0 and at most 600"),
    (_set("merge.nms_iou=-5"), "out of range; allowed: at least 0 and at most 1"),
    (_set("classifier.min_score=7"), "out of range; allowed: at least 0 and at most 1"),
    (_set("analysis.fps=nan"), "must be a finite number"),
    (_set("merge.pad_after_s=inf"), "must be a finite number"),
]


def config_fps_1e309(tmp: Path, game: Path) -> Case:
    config = tmp / "pipeline.json"
    config.write_text('{"analysis": {"fps": 1e309}}')
    return Case(["detect", game, "--config", config, "--out", tmp / "out", *NO_MODEL], "analysis.fps",
                "must be a finite number")


@pytest.mark.parametrize("make_case, cause", [*RANGE_CASES, (config_fps_1e309, "must be a finite number")],
                         ids=[c.__name__ for c, _ in RANGE_CASES] + ["config_fps_1e309"])
def test_out_of_range_settings_name_the_field_and_its_range(make_case, cause: str, tmp_path: Path, game: Path) -> None:
    case = make_case(tmp_path, game)
    case.cause = cause
    result = CliRunner().invoke(app, [str(a) for a in case.args])
    check_one_clear_line(result, case)
    assert not (tmp_path / "out").exists()


def test_every_range_names_a_setting_and_the_defaults_are_inside() -> None:
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.config_ranges import RANGES

    defaults = PipelineConfig()
    for key, allowed in RANGES.items():
        value = defaults.get(key)
        assert value is None or allowed.holds(value), key  # None: an optional setting left to the model
