"""`highlights dataset create|grow|diff|show` end to end on tiny clips."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tests.dataset_fixtures import layout_of, make_class_tree, write_manifest
from highlights.cli.app import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_create_grow_diff_show(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 4, "none": 6}))
    more = make_class_tree(tmp_path / "more", layout_of({"none": 7}, prefix="x-"), seed=3)
    root = tmp_path / "datasets"

    created = _run("dataset", "create", src, "--root", root, "--classes", "swing,layup,none",
                   "--note", "prototype data", "--seed", "4", "--split", "0.6,0.2,0.2")
    assert created.exit_code == 0, created.output
    meta = json.loads((root / "v1" / "dataset_meta.json").read_text())
    assert meta["classes"] == ["swing", "layup", "none"] and meta["note"] == "prototype data"
    assert meta["split"]["seed"] == 4 and meta["split"]["ratios"]["train"] == 0.6

    grown = _run("dataset", "grow", more, "--root", root, "--parent", "v1")
    assert grown.exit_code == 0, grown.output
    assert json.loads((root / "v2" / "dataset_meta.json").read_text())["parent"] == "v1"

    diff = _run("dataset", "diff", "v1", "v2", "--root", root)
    assert diff.exit_code == 0, diff.output
    lines = diff.output.splitlines()
    total = next(line for line in lines if "Total clips" in line)
    assert re.findall(r"[+-]?\d+", total) == ["10", "17", "+7"]
    none_rows = [line for line in lines if re.search(r"none \((train|val|test)\)", line)]
    assert len(none_rows) == 3
    assert sum(int(re.findall(r"[+-]\d+", row)[-1]) for row in none_rows) == 7
    assert any("layup (test)" in line for line in lines)
    assert lines.index(total) < lines.index(none_rows[0])
    from highlights.datasets import load_version

    v1, v2 = load_version(root, "v1").content_id, load_version(root, "v2").content_id
    assert f"content id: v1 {v1}, v2 {v2} (different content)" in diff.output
    same = _run("dataset", "diff", "v2", "v2", "--root", root)
    assert f"content id: v2 {v2}, v2 {v2} (the same clips, labels and splits)" in same.output

    show = _run("dataset", "show", "v2", "--root", root)
    assert show.exit_code == 0 and "prototype data" in show.output and "parent: v1" in show.output
    assert f"content id: {v2}" in show.output
    assert "the default:" not in show.output


def test_clips_whose_sidecar_names_another_label_are_labelled_by_their_folder_said_once(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    for name in ("none-0", "none-1"):  # moved from swing to none, their sidecars left as they were
        (src / "none" / f"{name}.json").write_text(json.dumps({"label": "swing", "group": name}))
    created = _run("dataset", "create", src, "--root", tmp_path / "d")
    assert created.exit_code == 0, created.output
    with open(tmp_path / "d" / "v1" / "manifest.csv", newline="") as f:
        labels = {Path(r["path"]).name: r["label"] for r in csv.DictReader(f)}
    assert list(labels.values()).count("none") == 3
    said = " ".join(created.output.split())
    first = src / "none" / "none-0.mp4"
    assert said.count("sidecar naming another label") == 1
    assert (f"warning 2 clips have a sidecar naming another label than the class folder (first: {first}, "
            "sidecar 'swing', folder 'none'): the folder is the label; to relabel a clip, move it") in said
    plain = _run("dataset", "create", make_class_tree(tmp_path / "s2", layout_of({"swing": 2, "none": 2})),
                 "--root", tmp_path / "d2")
    assert plain.exit_code == 0 and "sidecar naming" not in plain.output


def test_an_empty_split_is_said_when_the_version_is_written(tmp_path) -> None:
    # Four source videos a class: 15% of four rounds to none, so nothing is left to test on.
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 4, "none": 4}))
    created = _run("dataset", "create", src, "--root", tmp_path / "d")
    assert created.exit_code == 0, created.output
    meta = json.loads((tmp_path / "d" / "v1" / "dataset_meta.json").read_text())
    empty = [split for split, n in meta["counts"]["per_split"].items() if n == 0]
    assert "test" in empty
    said = " ".join(created.output.split())
    for split in empty:
        assert f"v1's {split} split is empty" in said
    assert "15% of each class's source videos (none 4, swing 4) is under one" in said
    # the default provenance note is spelled out where it is shown; a note of one's own is not
    assert "(the default: a model for commercial use is to be rebuilt on footage you may use commercially" in said
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 6, "none": 6}, prefix="x-"), seed=3)
    grown = _run("dataset", "grow", more, "--root", tmp_path / "d", "--parent", "v1")
    assert grown.exit_code == 0, grown.output
    assert "split is empty" not in grown.output


def test_a_split_given_no_share_is_said_as_asked_for_not_as_too_few_videos(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 6, "none": 6}))
    created = _run("dataset", "create", src, "--root", tmp_path / "d", "--split", "0.7,0.3,0")
    assert created.exit_code == 0, created.output
    said = " ".join(created.output.split())
    assert "v1 has no test split (--split gives it 0): `highlights evaluate` needs one" in said
    assert "highlights evaluate --clips FOLDER" in said
    assert "add clips from more source videos" not in said  # more videos would not fill a split of 0


def test_a_class_with_no_train_clip_is_said_when_the_version_is_written(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 6, "none": 6}))
    root = tmp_path / "d"
    assert _run("dataset", "create", src, "--root", root, "--classes", "swing,layup,none").exit_code == 0
    meta = json.loads((root / "v1" / "dataset_meta.json").read_text())
    test_group = next(c["group"] for c in meta["clips"].values() if c["split"] == "test")
    # more clips of a source video v1 tests on: they join its split, so layup has no train clip
    more = make_class_tree(tmp_path / "more", {"layup": [(f"l{i}", test_group) for i in range(2)]}, seed=3)
    grown = _run("dataset", "grow", more, "--root", root, "--parent", "v1")
    assert grown.exit_code == 0, grown.output
    assert ("warning v2's train split has no clip of layup (layup: val 0, test 2): `highlights train` refuses "
            "it; grow it with clips of that class from other source videos") in " ".join(grown.output.split())


def test_a_class_with_no_test_clip_is_said_when_the_version_is_written(tmp_path) -> None:
    # Four source videos of a class round its 15% test share down to none: say so now, not
    # when the test report finds the class missing.
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 4, "none": 14}))
    created = _run("dataset", "create", src, "--root", tmp_path / "d")
    assert created.exit_code == 0, created.output
    per_class = json.loads((tmp_path / "d" / "v1" / "dataset_meta.json").read_text())["counts"]["per_class"]
    assert per_class["swing"]["test"] == 0 < per_class["none"]["test"]
    assert ("note v1's test split has no clip of swing (swing: 4 clips): `highlights evaluate` cannot score it "
            "and counts its F1 as 0 in macro-F1; grow the version with clips from other source videos"
            ) in " ".join(created.output.split())


def test_grow_names_a_folder_one_slip_from_a_class_as_a_folder_to_rename(tmp_path) -> None:
    # The parent has basketball_layup; a new folder `basketbal_layup` is a misnamed folder, and
    # making it a class of its own (what a label the classes lack is otherwise offered) would train
    # the model on a class of typos.
    created = _run("dataset", "create",
                   make_class_tree(tmp_path / "src", layout_of({"basketball_layup": 4, "none": 4})),
                   "--root", tmp_path / "d")
    assert created.exit_code == 0, created.output
    more = make_class_tree(tmp_path / "more", {"basketbal_layup": [("b0", None)], "none": [("n0", None)]}, seed=9)
    grown = _run("dataset", "grow", more, "--root", tmp_path / "d", "--parent", "v1")
    assert grown.exit_code == 1
    said = " ".join(grown.output.split())
    assert (f"{more / 'basketbal_layup' / 'b0.mp4'}: label 'basketbal_layup' is one slip from the class "
            "'basketball_layup'; rename its folder (or move the clip) to 'basketball_layup' to use it") in said
    assert "not one of the classes" not in said


def test_a_class_folder_the_classes_lack_is_refused_in_one_line_not_one_per_clip(tmp_path) -> None:
    # A club's new class folder of three clips grown onto a version without the class was refused
    # in three lines alike (sixteen for a folder of sixteen); an unreadable clip keeps its own line.
    src = make_class_tree(tmp_path / "src", {"swing": [("s0", None)], "dance": [("d0", None), ("d1", None),
                                                                                ("d2", None)]})
    (src / "swing" / "broken.mp4").write_bytes(b"not a video")
    result = _run("dataset", "create", src, "--root", tmp_path / "root", "--classes", "swing", "--no-progress")
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines()]
    assert "error: 2 problems:" in lines
    dance = [line for line in lines if "'dance'" in line]
    first = min((src / "dance").glob("*.mp4"), key=lambda p: p.name)
    assert dance == [f"{first} and 2 more clips of the label: label 'dance' is not one of the classes (swing); "
                     "to add it as a class: --classes swing,dance"]
    assert any(line.startswith(str(src / "swing" / "broken.mp4")) for line in lines)
    assert "(fix these, or rerun with --skip-bad" in result.output  # the broken clip has no --classes fix


def test_a_grow_refused_for_a_new_class_alone_names_only_the_flags_that_help(tmp_path) -> None:
    """A club's new class folder grown onto a version: each line says how --classes adds it; the
    note under them names --skip-bad, not --skip-existing, which leaves out nothing here."""
    src = make_class_tree(tmp_path / "src", {"swing": [("s0", None), ("s1", None)], "none": [("n0", None)]})
    assert _run("dataset", "create", src, "--root", tmp_path / "root", "--no-progress").exit_code == 0
    more = make_class_tree(tmp_path / "more", {"tennis_serve": [("t0", None), ("t1", None)]}, seed=1)
    result = _run("dataset", "grow", more, "--root", tmp_path / "root", "--parent", "v1", "--no-progress")
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "label 'tennis_serve' is not one of the classes (none, swing); to add it as a class: " in said, said
    assert said.endswith("(or rerun with --skip-bad to leave them out and record them in the meta)"), said
    assert "--skip-existing" not in said


def test_errors_are_one_clear_line_and_exit_1(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", {"swing": [("s0", None)], "dance": [("d0", None)]})
    result = _run("dataset", "create", src, "--root", tmp_path / "root", "--classes", "swing")
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"{src / 'dance' / 'd0.mp4'}: label 'dance' is not one of the classes (swing)" in said
    assert "to add it as a class: --classes swing,dance" in said
    assert "--skip-bad" in result.output
    assert not (tmp_path / "root" / "v1").exists()

    bad_split = _run("dataset", "create", src, "--root", tmp_path / "root", "--split", "0.7,0.7")
    assert bad_split.exit_code == 1 and "--split" in bad_split.output

    missing = _run("dataset", "show", "v9", "--root", tmp_path / "root")
    assert missing.exit_code == 1 and "v9: no such dataset version" in missing.output


def test_clips_shorter_than_a_classifier_clip_are_noted(tmp_path) -> None:
    from tests.dataset_fixtures import write_clip

    src = tmp_path / "src"
    for i, label in enumerate(("swing", "swing", "none", "none")):
        write_clip(src / label / f"{label}{i}.mp4", i, frames=16)
    short = write_clip(src / "none" / "blink.mp4", 9, frames=5)
    created = _run("dataset", "create", src, "--root", tmp_path / "d")
    assert created.exit_code == 0, created.output
    meta = json.loads((tmp_path / "d" / "v1" / "dataset_meta.json").read_text())
    assert meta["short_clips"] == [{"path": str(short), "frames": 5}]
    assert ("note 1 clip has fewer frames than the 16 the classifier reads from a clip, so some of its "
            f"frames are shown twice: {short} (5)") in " ".join(created.output.split())


def test_ctrl_c_while_a_version_is_made_leaves_nothing_and_says_so(tmp_path, monkeypatch) -> None:
    import highlights.datasets.checks as checks

    src = make_class_tree(tmp_path / "src", layout_of({"swing": 4, "none": 4}))
    root = tmp_path / "d"
    verify, calls = checks.verify_video, []

    def interrupted_on_the_third_clip(path, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return verify(path, **kwargs)

    monkeypatch.setattr(checks, "verify_video", interrupted_on_the_third_clip)
    result = _run("dataset", "create", src, "--root", root)
    assert result.exit_code == 130, (result.exit_code, result.output, calls)
    assert f"interrupted: no new version was written to {root}" in " ".join(result.output.split())
    assert len(calls) == 3
    assert not root.exists()  # no version, no half-made one, and no root: the command made it


def test_a_class_name_that_leads_out_of_its_folder_is_refused_in_one_line(tmp_path) -> None:
    """A class is a folder name too (a folder per class, review export's clips): `../serve` from a
    manifest or `..` in --classes are refused, naming the clip or the option, nothing written."""
    src = make_class_tree(tmp_path / "src", {"none": [("n0", None)], "serve": [("s0", None)]})
    (src / "manifest.csv").write_text("path,label\nnone/n0.mp4,none\nserve/s0.mp4,../serve\n")
    result = _run("dataset", "create", src / "manifest.csv", "--root", tmp_path / "root")
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {src / 'serve' / 's0.mp4'}: class name '../serve' would lead out of its folder (a class "
                      "is a folder name too: of a folder per class, of `review export`'s clips); use letters, digits, "
                      "spaces, `_` or `-`"], result.output
    (src / "manifest.csv").unlink()
    result = _run("dataset", "create", src, "--root", tmp_path / "root", "--classes", "none,..,serve")
    assert result.exit_code == 1 and "error: --classes: class name '..' would lead out of its folder" in result.output
    assert not (tmp_path / "root" / "v1").exists()


def test_a_class_name_that_cannot_be_a_folder_name_everywhere_is_refused_and_accents_are_kept(tmp_path) -> None:
    """`/` or `\\` would file a class's exported clips in a folder inside a folder, `:` is no folder
    name on Windows, a leading `.` hides the folder: each is refused in one line naming the class
    and why, from --classes or a manifest; accents and other scripts make classes as they are."""
    src = make_class_tree(tmp_path / "src", {"none": [("n0", None)], "serve": [("s0", None)]})
    for name, why in (("a/b", "holds a path separator"), ("a\\b", "holds a path separator"),
                      ("set:point", "holds ':', which Windows does not allow"), (".spike", "starts with `.`")):
        result = _run("dataset", "create", src, "--root", tmp_path / "root", "--classes", f"none,serve,{name}")
        assert result.exit_code == 1 and f"error: --classes: class name {name!r} {why}" in result.output, result.output
    (src / "manifest.csv").write_text("path,label\nnone/n0.mp4,none\nserve/s0.mp4,serve/jump\n")
    result = _run("dataset", "create", src / "manifest.csv", "--root", tmp_path / "root")
    assert f"error: {src / 'serve' / 's0.mp4'}: class name 'serve/jump' holds a path separator" in result.output
    assert not (tmp_path / "root").exists()
    (src / "manifest.csv").write_text("path,label\nnone/n0.mp4,none\nserve/s0.mp4,pénalty 三分\n", encoding="utf-8")
    assert _run("dataset", "create", src / "manifest.csv", "--root", tmp_path / "root").exit_code == 0
    meta = json.loads((tmp_path / "root" / "v1" / "dataset_meta.json").read_text(encoding="utf-8"))
    assert meta["classes"] == ["none", "pénalty 三分"]


def test_a_refused_write_leaves_the_root_as_it_found_it_and_a_rerun_goes_ahead(tmp_path) -> None:
    """A refused create takes away the root (and the folders above it) it made; the write lock's
    file goes with each write, refused or not, so a root holds only its versions."""
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 2, "none": 2}))
    (src / "swing" / "bad.mp4").write_bytes(b"not a video")
    root = tmp_path / "new" / "d"
    refused = _run("dataset", "create", src, "--root", root)
    assert refused.exit_code == 1 and "bad.mp4: not a video file" in refused.output
    assert not (tmp_path / "new").exists()
    (src / "swing" / "bad.mp4").unlink()
    assert _run("dataset", "create", src, "--root", root).exit_code == 0
    assert [p.name for p in root.iterdir()] == ["v1"]
    refused = _run("dataset", "grow", src, "--root", root, "--parent", "v1")  # every clip is in v1 already
    assert refused.exit_code == 1 and "duplicate of" in refused.output
    assert [p.name for p in root.iterdir()] == ["v1"]


def test_a_version_of_another_dataset_format_is_refused_in_one_line(tmp_path) -> None:
    """dataset_meta.json records its format (1, in every version highlights has written): one of
    another format, written by another version of highlights, is refused naming the file and what
    to do, where it was read as format 1."""
    import os
    import stat

    src = make_class_tree(tmp_path / "src", layout_of({"swing": 4, "none": 6}))
    more = make_class_tree(tmp_path / "more", layout_of({"none": 3}, prefix="x-"), seed=3)
    root = tmp_path / "datasets"
    assert _run("dataset", "create", src, "--root", root).exit_code == 0
    meta_path = root / "v1" / "dataset_meta.json"
    meta = json.loads(meta_path.read_text())
    assert meta["format"] == 1
    meta["format"] = 2
    os.chmod(meta_path, stat.S_IRUSR | stat.S_IWUSR)
    meta_path.write_text(json.dumps(meta))
    for args in (("dataset", "show", "v1", "--root", root), ("dataset", "grow", more, "--root", root, "--parent", "v1"),
                 ("train", "--root", root, "--version", "v1", "--out", tmp_path / "run", "--quick", "--epochs", "1")):
        result = _run(*args)
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and str(meta_path) in errors[0] and "Traceback" not in result.output, result.output
        assert "dataset format 2, written by another version of highlights" in errors[0]
    assert not (root / "v2").exists() and not (tmp_path / "run").exists()


def test_licence_and_provenance_given_once_go_to_the_clips_that_state_none(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    own = src / "swing" / "swing-0.json"  # this clip's sidecar states its own licence and provenance
    own.write_text(json.dumps({"group": "swing-g0", "licence": "CC-BY 4.0", "provenance": "club archive"}))
    root = tmp_path / "datasets"
    created = _run("dataset", "create", src, "--root", root, "--licence", "ours, coaching use only",
                   "--provenance", "filmed by the U12 coach", "--no-progress")
    assert created.exit_code == 0, created.output
    clips = json.loads((root / "v1" / "dataset_meta.json").read_text())["clips"]
    by_name = {Path(c["source"]).name: c for c in clips.values()}
    assert by_name["swing-0.mp4"]["licence"] == "CC-BY 4.0"
    assert by_name["swing-0.mp4"]["provenance"] == "club archive"
    others = [c for name, c in by_name.items() if name != "swing-0.mp4"]
    assert len(others) == 5
    assert {c["licence"] for c in others} == {"ours, coaching use only"}
    assert {c["provenance"] for c in others} == {"filmed by the U12 coach"}
    shown = " ".join(_run("dataset", "show", "v1", "--root", root).output.split())
    assert "licence: ours, coaching use only (5 clips), CC-BY 4.0 (1 clip)" in shown
    with open(root / "v1" / "manifest.csv", newline="") as f:
        assert {r["licence"] for r in csv.DictReader(f)} == {"CC-BY 4.0", "ours, coaching use only"}

    # Growing: a manifest's own cell wins, an empty one takes --licence, the parent's clips keep theirs.
    more = make_class_tree(tmp_path / "more", layout_of({"none": 2}, prefix="x-"), seed=3)
    write_manifest(more / "manifest.csv", [
        {"path": "none/x-none-0.mp4", "label": "none", "group": "x0", "licence": "CC0"},
        {"path": "none/x-none-1.mp4", "label": "none", "group": "x1"},
    ])
    grown = _run("dataset", "grow", more, "--root", root, "--parent", "v1", "--licence", "CC-BY-SA 4.0",
                 "--no-progress")
    assert grown.exit_code == 0, grown.output
    v2 = json.loads((root / "v2" / "dataset_meta.json").read_text())["clips"]
    licences = {Path(c["source"]).name: c["licence"] for c in v2.values()}
    assert licences["x-none-0.mp4"] == "CC0" and licences["x-none-1.mp4"] == "CC-BY-SA 4.0"
    assert {licences[name] for name in by_name} == {"CC-BY 4.0", "ours, coaching use only"}
    assert v2[next(k for k, c in v2.items() if c["source"].endswith("x-none-1.mp4"))]["provenance"].startswith(
        "manifest ")


def test_without_licence_a_clip_that_states_none_is_unknown(tmp_path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 2, "none": 2}))
    created = _run("dataset", "create", src, "--root", tmp_path / "d", "--no-progress")
    assert created.exit_code == 0, created.output
    clips = json.loads((tmp_path / "d" / "v1" / "dataset_meta.json").read_text())["clips"].values()
    assert {c["licence"] for c in clips} == {"unknown"}
    assert {c["provenance"] for c in clips} == {f"folder {tmp_path / 'src'}"}
    assert "licence: unknown (4 clips)" in " ".join(created.output.split())
    for command in ("create", "grow"):
        shown = " ".join(_run("dataset", command, "--help").output.split())
        assert "--licence" in shown and "--provenance" in shown and "wins" in shown


def test_list_says_where_there_are_no_versions_and_refuses_a_root_that_is_not_there(tmp_path) -> None:
    """`dataset list` printed nothing at all for an empty root and for a root mistyped."""
    empty = tmp_path / "datasets"
    empty.mkdir()
    shown = _run("dataset", "list", "--root", str(empty))
    assert shown.exit_code == 0
    said = " ".join(shown.output.split())
    assert said == f"no versions under {empty} yet: highlights dataset create SRC --root {empty} makes v1"
    missing = _run("dataset", "list", "--root", str(tmp_path / "datsets"))
    assert missing.exit_code == 1
    said = " ".join(missing.output.split())
    assert said.startswith(f"error: {tmp_path / 'datsets'}: no such folder"), said
