"""Versioned datasets: ingest, meta, splits, grow, duplicates, bad input, atomic writes, diff."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tests.dataset_fixtures import layout_of, make_class_tree, write_clip, write_manifest
from tests.video_fixtures import remuxed
from highlights.datasets import (
    DEFAULT_NOTE, SPLITS, DatasetError, SplitConfig, assign_splits, create_version, diff_versions,
    grow_version, list_versions, load_version,
)
from highlights.datasets import build as build_module

CLASSES = {"swing": 6, "layup": 5, "none": 7}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _group_splits(version) -> dict[str, set[str]]:
    found = defaultdict(set)
    for clip in version.clips:
        found[clip.group].add(clip.split)
    return found


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_class_tree(tmp_path / "src", layout_of(CLASSES, clips_per_group=2))


def test_folder_ingest_writes_a_self_contained_version(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v = create_version(tree, root)

    assert v.name == "v1" and list_versions(root) == ["v1"]
    assert v.classes == sorted(CLASSES)
    assert len(v.clips) == sum(CLASSES.values()) and not v.augmented_clips
    meta = json.loads((root / "v1" / "dataset_meta.json").read_text())
    assert meta["version"] == "v1" and meta["parent"] is None
    assert meta["note"] == DEFAULT_NOTE
    assert datetime.fromisoformat(meta["created"].replace("Z", "+00:00")).tzinfo is not None
    assert meta["split"]["seed"] == 0 and meta["split"]["ratios"] == {"train": 0.7, "val": 0.15, "test": 0.15}
    # counts per class per split, per split and in total agree with the clips
    tally = Counter((c.label, c.split) for c in v.clips)
    for label, n in CLASSES.items():
        assert meta["counts"]["per_class"][label]["total"] == n
        for s in SPLITS:
            assert meta["counts"]["per_class"][label][s] == tally[(label, s)]
    assert sum(meta["counts"]["per_split"].values()) == meta["counts"]["total"] == sum(CLASSES.values())
    assert meta["augmented_counts"]["total"] == 0
    # clips are copied in, named by content, with their hash recorded in manifest and meta
    for clip in v.clips:
        assert clip.path.parent == root / "v1" / "clips"
        assert clip.path.name == clip.sha256[:16] + ".mp4"
        assert _sha(clip.path) == clip.sha256 == meta["clips"][clip.clip_id]["sha256"]
        assert meta["clips"][clip.clip_id]["licence"] == "unknown"
        assert meta["clips"][clip.clip_id]["source"].startswith(str(tree))
    # the group of a folder clip without sidecar is its file stem; label from its folder
    with open(root / "v1" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["clip_id", "path", "label", "split", "group", "sha256", "derived_from",
                             "licence", "provenance"]
    assert all(r["path"].startswith("clips/") for r in rows)
    # the version no longer needs the source folder
    shutil.rmtree(tree)
    again = load_version(root, "v1")
    assert all(c.path.is_file() for c in again.clips)


def test_folder_groups_come_from_sidecars_else_the_file_stem(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", {"a": [("a0", "game-1"), ("a1", None)], "b": [("b0", None)]})
    v = create_version(src, tmp_path / "root")
    groups = {c.group for c in v.clips}
    assert groups == {"game-1", "a1", "b0"}


@pytest.mark.parametrize("sidecar, cause", [
    ('["game-1"]', "(an array, not an object such as"),
    ("NaN", "(the value NaN, not an object such as"),
    ('{"group": ["game-1"]}', '(its group is ["game-1"], not text)'),
    ('{"group": true}', "(its group is true, not text)"),
    ('{"licence": 4}', "(its licence is 4, not text)"),
])
def test_a_sidecar_that_is_no_object_of_text_is_refused_naming_it(tmp_path: Path, sidecar, cause):
    # Read as no sidecar (or a list written out as the group's name), the clip's group was lost.
    layout = {"a": [("a0", "game-1"), ("a1", None)], "b": [("b0", None)]}
    src = make_class_tree(tmp_path / "src", layout)
    (src / "a" / "a1.json").write_text(sidecar)
    with pytest.raises(DatasetError) as refused:
        create_version(src, tmp_path / "root")
    assert f"{src / 'a' / 'a1.json'}: unreadable sidecar {cause}" in str(refused.value)
    assert not (tmp_path / "root").exists() or not any((tmp_path / "root").iterdir())
    (src / "a" / "a1.json").write_text('{"group": 12}')  # a number, as a spreadsheet's game column
    assert {c.group for c in create_version(src, tmp_path / "root").clips} == {"game-1", "12", "b0"}
    (src / "a" / "a1.json").write_text('{"group": 0}')  # the first game is numbered 0, not the stem
    assert {c.group for c in create_version(src, tmp_path / "root2").clips} == {"game-1", "0", "b0"}
    (src / "a" / "a1.json").write_text('{"group": null}')  # no group given: the stem, not "None"
    assert {c.group for c in create_version(src, tmp_path / "root3").clips} == {"game-1", "a1", "b0"}


def test_a_clip_is_traced_to_the_file_or_the_reviewed_segment_it_came_from(tmp_path: Path) -> None:
    # Clips are stored under content hashes; reports name them by what their owner knows.
    src = make_class_tree(tmp_path / "src", layout_of({"a": 1, "b": 1}))
    v = create_version(src, tmp_path / "root")
    assert sorted(v.origin(c.clip_id) for c in v.clips) == sorted(p.name for p in src.rglob("*.mp4"))
    clip = v.clips[0]
    cut = {"source_video": "/games/game2.mp4", "start_s": 12.25, "end_s": 16.75, "review": "rejected"}
    v.meta["clips"][clip.clip_id]["provenance"] = json.dumps(cut)
    assert v.origin(clip.clip_id) == "game2.mp4 12.2-16.8 s"
    assert v.origin("not-a-clip") is None


def test_a_class_folder_listed_with_decomposed_accents_is_the_class_typed_composed(tmp_path: Path) -> None:
    # macOS can list a folder made as `élan` with the accent a character of its own (NFD); typed
    # in --classes or a manifest, the name is one character per letter (NFC). Both are one class.
    composed, decomposed = "\u00e9lan", "e\u0301lan"
    src = make_class_tree(tmp_path / "src", {decomposed: [("a0", None), ("a1", None)], "none": [("n0", None)]})
    v = create_version(src, tmp_path / "root", classes=["none", composed])
    assert v.classes == ["none", composed]
    assert sorted(c.label for c in v.clips) == sorted([composed, composed, "none"])
    found = create_version(src, tmp_path / "found")  # the classes taken from the folders
    assert found.classes == sorted(["none", composed])
    typed_decomposed = create_version(make_class_tree(tmp_path / "nfc", {composed: [("b0", None)]}),
                                      tmp_path / "nfc-root", classes=[decomposed])
    assert typed_decomposed.classes == [composed] and typed_decomposed.clips[0].label == composed


def _stored_as_an_older_version_did(version, names: dict[str, str]) -> None:
    """`version`'s class names (its meta's and its clips' labels) replaced by `names`'s, each written
    as an earlier highlights kept a class folder macOS listed decomposed."""
    vdir = version.root / version.name

    def renamed(value):
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [renamed(v) for v in value]
        if isinstance(value, dict):
            return {renamed(k): renamed(v) for k, v in value.items()}
        return value

    meta = vdir / "dataset_meta.json"
    meta.write_text(json.dumps(renamed(json.loads(meta.read_text(encoding="utf-8")))), encoding="utf-8")
    with (vdir / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with (vdir / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "label": names.get(row["label"], row["label"])} for row in rows)


def test_growing_a_version_that_kept_a_class_name_decomposed_says_how_to_make_it_again(tmp_path: Path) -> None:
    # A version made before class names were taken composed keeps `élan` as a macOS folder listed
    # it: the new clips of `élan` could not join it. Refused in one line, saying what to run.
    composed, decomposed = "\u00e9lan", "e\u0301lan"
    src = make_class_tree(tmp_path / "src", {composed: [("a0", None), ("a1", None)], "none": [("n0", None)]})
    v1 = create_version(src, tmp_path / "root", classes=["none", composed])
    _stored_as_an_older_version_did(v1, {composed: decomposed})
    assert load_version(tmp_path / "root", "v1").classes == ["none", decomposed]
    new = make_class_tree(tmp_path / "new", {composed: [("b0", None)]}, seed=1)
    with pytest.raises(DatasetError) as refused:
        grow_version(new, tmp_path / "root", "v1")
    said = str(refused.value)
    assert "\n" not in said and said.startswith(
        f"{tmp_path / 'root' / 'v1' / 'dataset_meta.json'}: class 'e\\u0301lan'")
    assert said.endswith(f"highlights dataset create {tmp_path / 'root' / 'v1' / 'manifest.csv'} --root NEW_ROOT")
    assert list_versions(tmp_path / "root") == ["v1"]
    # What it says to run makes one class of it, its clips kept.
    again = create_version(tmp_path / "root" / "v1" / "manifest.csv", tmp_path / "again")
    assert again.classes == ["none", composed] and sorted(c.label for c in again.clips) == ["none", composed, composed]
    assert grow_version(new, tmp_path / "again", "v1").classes == ["none", composed]


def test_growing_a_version_with_two_classes_one_name_written_two_ways_merges_neither(tmp_path: Path) -> None:
    composed, decomposed = "\u00e9lan", "e\u0301lan"
    src = make_class_tree(tmp_path / "src", {composed: [("a0", None)], "elan": [("a1", None)], "none": [("n0", None)]})
    v1 = create_version(src, tmp_path / "root", classes=["none", composed, "elan"])
    _stored_as_an_older_version_did(v1, {"elan": decomposed})  # and `élan` as typed, composed
    with pytest.raises(DatasetError) as refused:
        grow_version(make_class_tree(tmp_path / "new", {"none": [("b0", None)]}, seed=1), tmp_path / "root", "v1")
    assert f"classes '{composed}' and 'e\\u0301lan' are one name written two ways" in str(refused.value)
    assert load_version(tmp_path / "root", "v1").classes == ["none", composed, decomposed]


def test_manifest_ingest_carries_groups_licence_and_provenance(tmp_path: Path) -> None:
    clips_dir = tmp_path / "data" / "raw"
    rows = []
    for i, label in enumerate(["x", "x", "y", "y", "y"]):
        write_clip(clips_dir / f"c{i}.avi", 500 + i)
        rows.append({"path": f"raw/c{i}.avi", "label": label, "group": f"match-{i // 2}",
                     "licence": "CC-BY-4.0", "provenance": f"camera {i}"})
    manifest = write_manifest(tmp_path / "data" / "clips.csv", rows)
    v = create_version(manifest, tmp_path / "root", classes=["x", "y", "z"])

    assert v.classes == ["x", "y", "z"]
    by_prov = {c.provenance: c for c in v.clips}
    assert set(by_prov) == {f"camera {i}" for i in range(5)}
    assert by_prov["camera 3"].group == "match-1" and by_prov["camera 3"].label == "y"
    assert all(c.licence == "CC-BY-4.0" and c.path.suffix == ".avi" for c in v.clips)
    assert v.meta["counts"]["per_class"]["z"]["total"] == 0
    assert v.meta["clips"][by_prov["camera 0"].clip_id]["provenance"] == "camera 0"


def test_a_manifest_in_the_folder_is_preferred_to_the_folder_names(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", {"a": [("a0", None), ("a1", None)]})
    write_manifest(src / "manifest.csv", [
        {"path": "a/a0.mp4", "label": "a", "group": "shared", "licence": "own", "provenance": "synthetic"},
        {"path": "a/a1.mp4", "label": "a", "group": "shared", "licence": "own", "provenance": "synthetic"},
    ])
    v = create_version(src, tmp_path / "root")
    assert {c.group for c in v.clips} == {"shared"}
    assert {c.licence for c in v.clips} == {"own"}


def test_split_is_deterministic_for_a_seed(tree: Path, tmp_path: Path) -> None:
    a = create_version(tree, tmp_path / "r1", seed=3)
    b = create_version(tree, tmp_path / "r2", seed=3)
    assert [(c.sha256, c.split) for c in a.clips] == [(c.sha256, c.split) for c in b.clips]

    labels = [f"c{i % 4}" for i in range(200)]
    groups = [f"g{i // 2}" for i in range(200)]
    first = assign_splits(labels, groups, SplitConfig(seed=1))
    assert first == assign_splits(labels, groups, SplitConfig(seed=1))
    assert first != assign_splits(labels, groups, SplitConfig(seed=2))


def test_no_group_is_in_two_splits(tree: Path, tmp_path: Path) -> None:
    v = create_version(tree, tmp_path / "root", seed=5)
    assert all(len(splits) == 1 for splits in _group_splits(v).values())

    labels = [f"c{i % 3}" for i in range(300)]
    groups = [f"g{(i * 7) % 61}" for i in range(300)]  # groups of mixed labels and sizes
    splits = assign_splits(labels, groups, SplitConfig(seed=0))
    seen = defaultdict(set)
    for g, s in zip(groups, splits):
        seen[g].add(s)
    assert all(len(s) == 1 for s in seen.values())


def _rewrite_manifest(version_dir: Path, change) -> Path:
    path = version_dir / "manifest.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_manifest_edited_to_put_one_source_video_in_two_splits_is_refused(tree: Path, tmp_path: Path, cli) -> None:
    root = tmp_path / "root"
    v = create_version(tree, root)
    by_group = defaultdict(list)
    for clip in v.clips:
        by_group[clip.group].append(clip)
    group, (first, second) = next((g, clips) for g, clips in sorted(by_group.items()) if len(clips) == 2)
    other = "test" if first.split != "test" else "train"

    def move_one(rows):
        next(r for r in rows if r["clip_id"] == second.clip_id)["split"] = other

    manifest = _rewrite_manifest(root / "v1", move_one)
    with pytest.raises(DatasetError) as refused:
        load_version(root, "v1")
    message = str(refused.value)
    assert message.startswith(f"{manifest}: source video group {group!r} has clips in ")
    assert f"{first.split} ({first.clip_id})" in message and f"{other} ({second.clip_id})" in message
    assert "\n" not in message
    shown = cli("dataset", "show", "v1", "--root", root)
    assert shown.exit_code == 1 and shown.output.count("\n") == 1 and group in shown.output


def test_a_manifest_saved_by_a_spreadsheet_with_a_byte_order_mark_reads_as_before(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v = create_version(tree, root)
    manifest = root / "v1" / "manifest.csv"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    assert load_version(root, "v1").clips == v.clips


def test_a_meta_whose_classes_are_not_names_is_refused_naming_it(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    create_version(tree, root)
    meta_path = root / "v1" / "dataset_meta.json"
    meta = json.loads(meta_path.read_text())
    meta["classes"] = [1, ""]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(DatasetError, match=re.escape(f"{meta_path}: its classes [1, ''] are not a list of class")):
        load_version(root, "v1")


def test_a_manifest_edited_to_put_a_variant_beside_its_source_in_another_split_is_refused(
        tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v = create_version(tree, root)
    made = next(c for c in v.clips if c.split == "train")
    source = next(c for c in v.clips if c.split == "test")

    def derive(rows):
        next(r for r in rows if r["clip_id"] == made.clip_id)["derived_from"] = source.clip_id

    manifest = _rewrite_manifest(root / "v1", derive)
    with pytest.raises(DatasetError, match=(f"{manifest}: variant {made.clip_id} is in train but the clip it was "
                                            f"made from, {source.clip_id}, is in test")):
        load_version(root, "v1")


def test_splits_keep_each_class_near_the_target_proportions() -> None:
    counts = {"baseball_swing": 120, "basketball_layup": 60, "soccer_shooting": 50, "none": 200}
    labels, groups = [], []
    for label, n in counts.items():
        for i in range(n):
            labels.append(label)
            groups.append(f"{label}-video{i // 3}")  # three clips per source video
    splits = assign_splits(labels, groups, SplitConfig(ratios=(0.7, 0.15, 0.15), seed=0))
    tally = Counter(zip(labels, splits))
    for label, n in counts.items():
        for split, ratio in zip(SPLITS, (0.7, 0.15, 0.15)):
            # within one source video (3 clips) of the exact target
            assert abs(tally[(label, split)] - ratio * n) <= 3, (label, split, tally[(label, split)])


def _placed_greedily(labels, groups, ratios, fixed):
    """Each new group, largest first, into the split that leaves the smallest total squared
    distance between the per-class, per-split counts and their targets (ties to the earlier
    split): the rule `assign_splits` states, worked out from the distance itself."""
    totals = Counter(labels)
    target = {(s, c): r * n for s, r in zip(SPLITS, ratios) for c, n in totals.items()}
    members = defaultdict(Counter)
    for label, group in zip(labels, groups):
        members[group][label] += 1
    current = Counter()
    for group, split in fixed.items():
        for c, n in members[group].items():
            current[(split, c)] += n
    distance = lambda counts: sum((counts[k] - t) ** 2 for k, t in target.items())  # noqa: E731
    placed = dict(fixed)
    for group in sorted((g for g in members if g not in fixed), key=lambda g: -sum(members[g].values())):
        options = []
        for split in (s for s, r in zip(SPLITS, ratios) if r > 0):
            after = current.copy()
            for c, n in members[group].items():
                after[(split, c)] += n
            options.append((distance(after), split, after))
        best = min(options, key=lambda o: o[0])  # min keeps the first of equal distances
        placed[group], current = best[1], best[2]
    return [placed[g] for g in groups]


@pytest.mark.parametrize("ratios", [(0.7, 0.15, 0.15), (0.5, 0.3, 0.2), (0.8, 0.2, 0.0)])
def test_each_group_goes_where_it_brings_the_counts_closest_to_the_targets(ratios) -> None:
    rng = np.random.default_rng(7)
    labels, groups = [], []
    for size in range(1, 31):  # sizes all differ, so the placing order does not depend on the seed
        for _ in range(size):
            labels.append(str(rng.choice(["swing", "layup", "none"])))
            groups.append(f"video{size}")
    fixed = {"video5": "test", "video12": "val", "video20": "train"}
    splits = assign_splits(labels, groups, SplitConfig(ratios=ratios, seed=0), fixed=fixed)
    assert splits == _placed_greedily(labels, groups, ratios, fixed)
    assert {g: s for g, s in zip(groups, splits) if g in fixed} == fixed
    if ratios[2] == 0:  # a split given 0 takes no new group (only the one kept from before)
        assert {g for g, s in zip(groups, splits) if s == "test"} == {"video5"}


def test_split_ratios_are_checked_and_parsed() -> None:
    from highlights.datasets.splits import parse_ratios

    assert parse_ratios("0.6,0.25,0.15") == (0.6, 0.25, 0.15)
    assert SplitConfig(ratios=(1.0, 0.0, 0.0)).ratios == (1.0, 0.0, 0.0)  # everything in train is allowed
    assert SplitConfig().seed == 0 and SplitConfig().ratios == (0.7, 0.15, 0.15)
    for bad, said in [((0.0, 0.5, 0.5), "nothing to train"), ((0.5, 0.6, 0.2), "summing to 1"),
                      ((1.2, -0.2, 0.0), "non-negative"), ((0.5, 0.5), "three")]:
        with pytest.raises(DatasetError, match=said):
            SplitConfig(ratios=bad)
    for text in ("0.7,0.3", "0.25,0.25,0.25,0.25"):
        with pytest.raises(DatasetError, match="--split .*expected three numbers"):
            parse_ratios(text)


def test_ratios_summing_under_one_are_refused_like_those_over() -> None:
    from highlights.datasets.splits import parse_ratios

    with pytest.raises(DatasetError, match="summing to 1"):
        SplitConfig(ratios=(0.5, 0.2, 0.2))
    with pytest.raises(DatasetError, match="summing to 1"):
        parse_ratios("0.6,0.1,0.1")


def test_a_group_found_in_several_splits_is_kept_in_the_most_held_out_one() -> None:
    from highlights.datasets.splits import group_splits

    groups = ["a", "a", "a", "b", "b", "c", "c", "d"]
    splits = ["train", "test", "val", "val", "train", "train", "train", "val"]
    assert group_splits(groups, splits) == {"a": "test", "b": "val", "c": "train", "d": "val"}


def test_placing_refuses_unequal_lists_and_unknown_kept_splits() -> None:
    with pytest.raises(ValueError, match="same length"):
        assign_splits(["swing", "none"], ["g1"])
    with pytest.raises(ValueError, match="holdout"):
        assign_splits(["swing", "none"], ["g1", "g2"], fixed={"g1": "holdout"})


def test_grow_keeps_parent_splits_and_places_new_groups(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root, seed=1)
    v1_manifest = (root / "v1" / "manifest.csv").read_bytes()
    v1_meta = (root / "v1" / "dataset_meta.json").read_bytes()
    test_group = next(c.group for c in v1.clips if c.split == "test")
    test_label = next(c.label for c in v1.clips if c.group == test_group)

    new = make_class_tree(tmp_path / "more", layout_of({"none": 12, "swing": 3}, prefix="new-"), seed=7)
    write_clip(new / test_label / "extra.mp4", 9999)  # one more clip of a source video already in test
    (new / test_label / "extra.json").write_text(json.dumps({"group": test_group}))
    v2 = grow_version(new, root, "v1")

    assert v2.name == "v2" and v2.parent == "v1"
    assert v2.meta["split"] == v1.meta["split"] and v2.note == v1.note
    old = {c.clip_id: c for c in v1.clips}
    kept = [c for c in v2.clips if c.clip_id in old]
    assert len(kept) == len(v1.clips)
    assert all(c.split == old[c.clip_id].split for c in kept)
    assert all(c.path.read_bytes() == old[c.clip_id].path.read_bytes() for c in kept)
    extra = next(c for c in v2.clips if c.provenance and c.clip_id not in old and c.group == test_group)
    assert extra.split == "test"
    assert all(len(s) == 1 for s in _group_splits(v2).values())
    assert v2.meta["counts"]["total"] == len(v1.clips) + 16
    assert v2.meta["added"]["real"] == 16
    # new groups fill every split, not only train
    new_splits = Counter(c.split for c in v2.clips if c.clip_id not in old and c.group != test_group)
    assert set(new_splits) == set(SPLITS)
    # parent clips are shared by hard link and every stored file is read-only
    for clip in kept:
        assert clip.path.stat().st_ino == old[clip.clip_id].path.stat().st_ino
    assert all(p.stat().st_mode & 0o222 == 0 for p in (root / "v2").rglob("*") if p.is_file())
    # the parent is untouched
    assert (root / "v1" / "manifest.csv").read_bytes() == v1_manifest
    assert (root / "v1" / "dataset_meta.json").read_bytes() == v1_meta


def test_grow_never_moves_a_test_clip_to_train_even_with_new_ratios(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root, ratios=(0.4, 0.1, 0.5))
    new = make_class_tree(tmp_path / "more", layout_of({"layup": 4}, prefix="n-"), seed=3)
    v2 = grow_version(new, root, "v1", ratios=(0.9, 0.05, 0.05), seed=11)
    before = {c.clip_id: c.split for c in v1.clips}
    for clip in v2.clips:
        if clip.clip_id in before:
            assert clip.split == before[clip.clip_id]
    assert sum(1 for c in v2.clips if c.clip_id in before and c.split == "test") == \
        sum(1 for s in before.values() if s == "test")


def test_duplicate_clips_are_refused_naming_both_files(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", {"a": [("a0", None), ("a1", None)], "b": [("b0", None)]})
    shutil.copy(src / "a" / "a0.mp4", src / "b" / "copy.mp4")
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    message = str(err.value)
    assert "duplicate" in message and str(src / "b" / "copy.mp4") in message and str(src / "a" / "a0.mp4") in message
    # The copy sits under another class: the line says the two labels contradict each other.
    assert "labelled 'a' there" in message
    assert list_versions(tmp_path / "root") == []
    # A copy under the same class is a plain duplicate.
    (src / "b" / "copy.mp4").unlink()
    shutil.copy(src / "a" / "a0.mp4", src / "a" / "copy.mp4")
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    assert "duplicate of" in str(err.value) and "labelled" not in str(err.value)
    # Left out with --skip-bad, the copy alone goes: a duplicate under the same label contradicts nothing.
    v = create_version(src, tmp_path / "root", skip_bad=True)
    assert sorted(Path(c["source"]).name for c in v.meta["clips"].values()) == ["a0.mp4", "a1.mp4", "b0.mp4"]
    assert [Path(s["path"]).name for s in v.meta["skipped"]] == ["copy.mp4"]


@pytest.mark.parametrize("copy_kind", ["same-file", "re-encoded"])
def test_skip_bad_leaves_out_both_clips_whose_labels_contradict(tmp_path: Path, copy_kind: str) -> None:
    # Which label is right cannot be known: keeping the first one read would train on it either way.
    src = make_class_tree(tmp_path / "src", layout_of({"a": 3, "b": 3}))
    original = src / "a" / "a-1.mp4"
    copy = src / "b" / "copy.mp4"
    if copy_kind == "same-file":
        shutil.copy(original, copy)
    else:
        _reencoded(original, copy)
    v = create_version(src, tmp_path / "root", skip_bad=True)
    sources = {Path(c["source"]).name for c in v.meta["clips"].values()}
    assert "a-1.mp4" not in sources and "copy.mp4" not in sources
    assert len(v.real_clips) == 5
    reasons = {Path(s["path"]).name: s["reason"] for s in v.meta["skipped"]}
    assert set(reasons) == {"a-1.mp4", "copy.mp4"}
    assert reasons["a-1.mp4"] == (f"{original}: the same pictures as {copy}, labelled 'b' there: "
                                  f"the two labels contradict")


def test_a_clip_already_in_the_parent_is_refused_on_grow(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root)
    more = tmp_path / "more"
    (more / "none").mkdir(parents=True)
    again = next(tree.glob("none/*.mp4"))
    shutil.copy(again, more / "none" / "again.mp4")
    write_clip(more / "none" / "fresh.mp4", 4242)
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    parent_copy = next(c for c in v1.clips if c.sha256 == _sha(again))
    assert str(more / "none" / "again.mp4") in str(err.value) and str(parent_copy.path) in str(err.value)
    assert list_versions(root) == ["v1"]

    v2 = grow_version(more, root, "v1", skip_bad=True)
    assert len(v2.clips) == len(v1.clips) + 1
    assert [s["path"] for s in v2.meta["skipped"]] == [str(more / "none" / "again.mp4")]


def test_regrowing_a_grown_folder_skips_what_the_parent_has(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root)
    make_class_tree(tree, layout_of({"layup": 2}, prefix="late-"), seed=8)  # the source folder grew
    v2 = grow_version(tree, root, "v1", skip_existing=True)
    assert len(v2.clips) == len(v1.clips) + 2
    assert v2.meta["added"] == {"real": 2, "augmented": 0, "already_in_parent": len(v1.clips)}
    assert v2.meta["skipped"] == []
    # the same content under another label is still a conflict, never silently merged
    shutil.copy(next(tree.glob("swing/*.mp4")), tree / "none" / "relabelled.mp4")
    with pytest.raises(DatasetError, match=r"relabelled\.mp4: duplicate of .*labelled 'swing' there"):
        grow_version(tree, root, "v2", skip_existing=True)


def test_unknown_label_names_the_file_and_the_label(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", {"swing": [("s0", None)], "dance": [("d0", None)]})
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root", classes=["swing", "none"])
    message = str(err.value)
    assert message.count("\n") == 0
    assert str(src / "dance" / "d0.mp4") in message and "'dance'" in message


def test_bad_videos_are_listed_one_line_each_and_can_be_skipped(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", {"a": [("a0", None), ("a1", None)], "b": [("b0", None)]})
    (src / "a" / "notes.mp4").write_text("this is not a video")
    good = (src / "b" / "b0.mp4").read_bytes()
    (src / "b" / "cut.mp4").write_bytes(good[: len(good) // 3])  # truncated
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    problems = err.value.problems
    assert len(problems) == 2
    assert problems[0].startswith(str(src / "a" / "notes.mp4") + ":")
    assert problems[1].startswith(str(src / "b" / "cut.mp4") + ":")
    assert all("\n" not in p for p in problems)
    assert list_versions(tmp_path / "root") == []

    v = create_version(src, tmp_path / "root", skip_bad=True)
    assert len(v.clips) == 3
    assert {s["path"] for s in v.meta["skipped"]} == {str(src / "a" / "notes.mp4"), str(src / "b" / "cut.mp4")}


def test_a_missing_manifest_file_is_named(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "m.csv", [{"path": "gone.mp4", "label": "a", "group": "g"}])
    with pytest.raises(DatasetError, match=r"gone\.mp4: file not found"):
        create_version(manifest, tmp_path / "root")


def test_an_interrupted_write_leaves_no_half_version(tree: Path, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root)
    v1_files = {p: p.read_bytes() for p in (root / "v1").rglob("*") if p.is_file()}
    more = make_class_tree(tmp_path / "more", layout_of({"none": 4}, prefix="m-"), seed=5)

    copies = []

    def copy_then_crash(src, dst):
        if len(copies) == 2:
            raise OSError("disk full (simulated)")
        copies.append(dst)
        shutil.copy2(src, dst)

    monkeypatch.setattr(build_module, "copy_clip", copy_then_crash)
    with pytest.raises(OSError, match="simulated"):
        grow_version(more, root, "v1")
    assert len(copies) == 2  # it did crash half way through writing clips
    assert sorted(p.name for p in root.iterdir()) == ["v1"]  # no temp folder, no lock file
    assert {p: p.read_bytes() for p in (root / "v1").rglob("*") if p.is_file()} == v1_files
    assert len(load_version(root, "v1").clips) == len(v1.clips)

    # the remains of a hard crash (no cleanup ran) are ignored, then cleaned by the next write
    monkeypatch.undo()
    stale = root / ".tmp-v2-crashed"
    (stale / "clips").mkdir(parents=True)
    (stale / "dataset_meta.json").write_text("{}")
    assert list_versions(root) == ["v1"]
    v2 = grow_version(more, root, "v1")
    assert v2.name == "v2" and not stale.exists()
    assert sorted(p.name for p in root.iterdir()) == ["v1", "v2"]


def test_diff_gives_total_then_per_class_per_split(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(tree, root)
    more = make_class_tree(tmp_path / "more", layout_of({"none": 9}, prefix="d-"), seed=9)
    v2 = grow_version(more, root, "v1")
    rows = diff_versions(load_version(root, "v1"), load_version(root, "v2"))

    assert rows[0].name == "Total clips" and (rows[0].old, rows[0].new, rows[0].change) == (18, 27, 9)
    by_name = {r.name: r for r in rows}
    for label in v1.classes:
        for split in SPLITS:
            row = by_name[f"{label} ({split})"]
            assert row.old == sum(1 for c in v1.clips if c.label == label and c.split == split)
            assert row.new == sum(1 for c in v2.clips if c.label == label and c.split == split)
    assert sum(by_name[f"none ({s})"].change for s in SPLITS) == 9
    assert all(by_name[f"swing ({s})"].change == 0 for s in SPLITS)


def test_the_growth_table_and_counts_keep_real_clips_and_variants_apart_by_hand() -> None:
    from highlights.datasets.records import ClipRecord, DatasetVersion

    def version(name: str, classes: list[str], rows: list[tuple[str, str, bool]]) -> DatasetVersion:
        clips = [ClipRecord(f"{name}-{i}", Path(f"{i}.mp4"), label, split, f"g{i}", "0" * 64,
                            "real-0" if variant else None, "", "") for i, (label, split, variant) in enumerate(rows)]
        return DatasetVersion(Path("root"), name, {"classes": classes}, clips)

    old = version("v1", ["none", "swing"], [("none", "train", False), ("swing", "test", False),
                                            ("swing", "train", True)])
    new = version("v2", ["none", "swing", "layup"], [("none", "train", False), ("swing", "test", False),
                                                     ("layup", "val", False), ("swing", "train", True),
                                                     ("swing", "train", True), ("none", "train", True)])
    rows = {r.name: (r.old, r.new) for r in diff_versions(old, new)}
    assert rows["Total clips"] == (2, 3) and rows["Augmented variants"] == (1, 3)
    assert rows["swing (train)"] == (0, 0) and rows["swing (test)"] == (1, 1) and rows["layup (val)"] == (0, 1)
    assert new.counts() == {"none": {"train": 1, "val": 0, "test": 0}, "swing": {"train": 0, "val": 0, "test": 1},
                            "layup": {"train": 0, "val": 1, "test": 0}}
    assert new.counts(augmented=True)["swing"] == {"train": 2, "val": 0, "test": 0}
    # A class the newer version no longer has keeps its rows, down to nothing.
    dropped = {r.name: (r.old, r.new) for r in diff_versions(new, version("v3", ["none", "swing"], []))}
    assert dropped["layup (val)"] == (1, 0) and dropped["Total clips"] == (3, 0)


def test_loading_a_missing_version_names_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="v3: no such dataset version"):
        load_version(tmp_path, "v3")


def test_a_class_folder_one_slip_from_another_is_refused(tmp_path: Path) -> None:
    # `basketbal_layup` beside `basketball_layup` would become a fifth class of one clip.
    src = make_class_tree(tmp_path / "src", layout_of({"basketball_layup": 3, "none": 3}))
    write_clip(src / "basketbal_layup" / "late.mp4", 777)
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    assert str(err.value) == (f"{src / 'basketbal_layup'}: class 'basketbal_layup' is one slip from "
                              "'basketball_layup' (1 clip(s)); rename it, or pass --classes listing both to keep both")
    assert list_versions(tmp_path / "root") == []
    # Named on purpose, both stay.
    v = create_version(src, tmp_path / "root", classes=["basketball_layup", "basketbal_layup", "none"])
    assert v.classes == ["basketball_layup", "basketbal_layup", "none"]


def test_a_slip_for_a_class_highlights_knows_is_refused_alone(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"Soccer-shooting": 2, "none": 2}))
    with pytest.raises(DatasetError, match=r"class 'Soccer-shooting' is one slip from 'soccer_shooting'"):
        create_version(src, tmp_path / "root")


@pytest.mark.parametrize("a, b, slip", [
    ("basketball_layup", "basketbal_layup", True), ("soccer_shooting", "soccer_shotoing", True),
    ("none", "None", True), ("baseball swing", "baseball_swing", True), ("swing", "swings", True),
    ("shot_2pt", "shot_3pt", False), ("swing", "layup", False), ("a", "ab", False),
    ("soccer-shooting", "soccer_shooting", True), ("layup ", "Layup", True),
    ("jump", "jmup", True), ("jump", "jumps", True), ("run", "rnu", False), ("run", "runs", False),
    ("run", "Run", True), ("lay_up", "ay_up", True), ("layup", "lyzup", False), ("shot_left", "thot_lefs", False),
    ("swing", "swinging", False), (" layup ", "layup", True),
])
def test_what_counts_as_a_slip(a: str, b: str, slip: bool) -> None:
    from highlights.datasets.build import one_slip_apart

    assert one_slip_apart(a, b) is slip and one_slip_apart(b, a) is slip


def test_create_into_a_root_that_holds_a_version_is_refused(tree: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    create_version(tree, root)
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(DatasetError) as err:
        create_version(tree, root)  # the same folder again: it would be an unrelated v2
    assert str(err.value).startswith(f"{root}: already holds v1;") and "--parent v1" in str(err.value)
    assert sorted(p.name for p in root.iterdir()) == before
    assert grow_version(make_class_tree(tmp_path / "more", layout_of({"none": 1}, prefix="m-"), seed=9),
                        root, "v1").name == "v2"


def _reencoded(src: Path, dst: Path) -> Path:
    """Another encoding of the same pictures (lower quality), as a re-shared copy would be."""
    from highlights.video import iter_frames, write_video

    return write_video(dst, [f.rgb for f in iter_frames(src)], 8.0, crf=35)


def test_a_re_encoded_copy_under_another_class_is_refused(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    copy = _reencoded(src / "swing" / "swing-1.mp4", src / "none" / "shared.mp4")
    assert _sha(copy) != _sha(src / "swing" / "swing-1.mp4")
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    # Folders are read in order, so the one in `swing/` is found second; either way both are named.
    assert str(err.value) == (f"{src / 'swing' / 'swing-1.mp4'}: the same pictures as {copy} (a re-encoded copy?), "
                              "labelled 'none' there")


def test_a_re_encoded_copy_under_its_own_class_shares_its_split(tmp_path: Path) -> None:
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 6, "none": 6}))
    original = src / "swing" / "swing-2.mp4"
    copy = _reencoded(original, src / "swing" / "zz-copy.mp4")
    v = create_version(src, tmp_path / "root")
    assert v.meta["near_duplicates"] == [{"path": str(copy), "of": str(original), "group": "swing-g2"}]
    by_source = {Path(c["source"]).name: c for c in v.meta["clips"].values()}
    assert by_source["zz-copy.mp4"]["group"] == by_source["swing-2.mp4"]["group"] == "swing-g2"
    assert by_source["zz-copy.mp4"]["split"] == by_source["swing-2.mp4"]["split"]
    assert len(v.real_clips) == 13


@pytest.mark.parametrize("stored", [True, False], ids=["likeness-stored", "parent-decoded-again"])
def test_grow_finds_re_encoded_copies_of_the_parents_clips(tmp_path: Path, stored: bool) -> None:
    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 6, "none": 6})), root)
    if not stored:  # a version written before versions kept their clips' likeness
        (v1.path / "likeness.npz").unlink()
    original = next(c for c in v1.real_clips if c.label == "swing" and c.split != "train")
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 2}, prefix="m-"), seed=5)
    copy = _reencoded(original.path, more / "none" / "shared.mp4")
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    assert str(err.value) == (f"{copy}: the same pictures as {original.path} (clip {original.clip_id} of v1, "
                              f"from {v1.meta['clips'][original.clip_id]['source']}) (a re-encoded copy?), "
                              "labelled 'swing' there")
    assert list_versions(root) == ["v1"]

    # Under its own label it is kept, in its original's split: the held-out split never holds a
    # copy of a clip that another split trains or scores on.
    copy.rename(more / "swing" / "shared.mp4")
    v2 = grow_version(more, root, "v1")
    added = next(c for c in v2.real_clips if v2.meta["clips"][c.clip_id]["source"].endswith("shared.mp4"))
    assert (added.group, added.split) == (original.group, original.split)
    assert [d["path"] for d in v2.meta["near_duplicates"]] == [str(more / "swing" / "shared.mp4")]
    assert len(v2.real_clips) == len(v1.real_clips) + 3
    # v2 stores the likeness of all its real clips, the parent's included
    with np.load(v2.path / "likeness.npz") as data:
        assert sorted(data["clip_ids"]) == sorted(c.clip_id for c in v2.real_clips)


def test_a_likeness_stored_by_another_picture_reader_is_computed_again(tmp_path: Path) -> None:
    from highlights.datasets.checks import load_likenesses
    from highlights.video import PICTURES_VERSION

    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 2, "none": 2})), root)
    stored = v1.path / "likeness.npz"
    assert sorted(load_likenesses(stored)) == sorted(c.clip_id for c in v1.real_clips)
    with np.load(stored) as data:
        older = {k: data[k] for k in data.files} | {"pictures_version": np.array(PICTURES_VERSION - 1)}
    stored.unlink()
    np.savez_compressed(stored, **older)
    assert load_likenesses(stored) == {}  # its pictures were read in other colours: decoded again


@pytest.mark.parametrize("damage", ["empty", "cut off", "not an archive"])
def test_a_damaged_likeness_file_is_computed_again(tmp_path: Path, damage: str) -> None:
    # An empty one raised EOFError, which the command line said as "Aborted." naming no file.
    from highlights.datasets.checks import load_likenesses

    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 2, "none": 2})), root)
    stored = v1.path / "likeness.npz"
    whole = stored.read_bytes()
    stored.chmod(0o644)
    damaged = {"empty": b"", "cut off": whole[:100], "not an archive": b"likeness"}[damage]
    stored.write_bytes(damaged)
    assert load_likenesses(stored) == {}
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 1}, prefix="m-"), seed=5)
    v2 = grow_version(more, root, "v1")  # the parent's clips decoded again
    assert len(v2.real_clips) == len(v1.real_clips) + 1
    assert sorted(load_likenesses(v2.path / "likeness.npz")) == sorted(
        c.clip_id for c in v2.real_clips)


def test_grow_names_a_parent_clip_damaged_since_it_was_written(tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3})), root)
    (v1.path / "likeness.npz").unlink()  # written before versions kept it: the parent is decoded
    damaged = v1.real_clips[0].path
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes()[:200])
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 1}, prefix="m-"), seed=5)
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    message = str(err.value)
    assert message.startswith(f"{damaged} (clip {v1.real_clips[0].clip_id} of v1, from ") and "\n" not in message
    # told by its content before it is decoded for its likeness, and said as damaged
    assert ": damaged since v1 was written (truncated" in message
    assert message.endswith("restore it from the source named, then grow again")
    assert list_versions(root) == ["v1"]


def test_grow_refuses_a_parent_clip_changed_since_it_was_written_and_reads_it_once(
        tmp_path: Path, monkeypatch) -> None:
    """A parent clip whose bytes are not the sha256 its version recorded would be carried into the
    new version under the old clip's id; its hash is kept in the cache while the file is
    unchanged, so a grow refused for its new clips and run again does not read the parent again
    (a grown version's hard links change its parent's files' ctime: the next grow reads them)."""
    from tests.hash_reads import hash_reads

    reads = hash_reads(monkeypatch, tmp_path / "cache")
    root = tmp_path / "root"
    src = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    v1 = create_version(src, root)
    parent_files = {str(c.path) for c in v1.clips}
    again = tmp_path / "again" / "swing"
    again.mkdir(parents=True)
    shutil.copy(next(src.glob("swing/*.mp4")), again / "copy.mp4")
    for attempt in range(2):
        read_before = len(reads)
        with pytest.raises(DatasetError, match="duplicate of"):
            grow_version(again.parent, root, "v1")
        parent_read = set(reads[read_before:]) & parent_files
        assert parent_read == (parent_files if attempt == 0 else set())
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 1}, prefix="m-"), seed=5)
    assert len(grow_version(more, root, "v1").real_clips) == len(v1.real_clips) + 1

    edited, other = v1.real_clips[0], v1.real_clips[1]
    edited.path.chmod(0o644)
    edited.path.write_bytes(other.path.read_bytes())  # another clip that decodes: an edit
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    assert str(err.value) == (
        f"{v1.describe(edited.clip_id)}: changed since v1 was written (sha256 {other.sha256[:12]}..., "
        f"written as {edited.sha256[:12]}...); it still decodes: replaced or edited; a version's "
        "clips never change: restore it from the source named, then grow again")
    assert list_versions(root) == ["v1", "v2"]


def test_grow_checks_its_parent_clips_with_one_write_of_the_hash_cache(tmp_path: Path,
                                                                      monkeypatch) -> None:
    """Each write of the content-hash cache rewrites every entry it keeps: one per parent clip made
    checking a version of hundreds of clips cost more than reading them."""
    from highlights import content_hash_cache
    from tests.hash_reads import hash_reads

    reads = hash_reads(monkeypatch, tmp_path / "cache")
    writes = []
    real = content_hash_cache.atomic_write_json
    monkeypatch.setattr(content_hash_cache, "atomic_write_json",
                        lambda path, obj, **kw: writes.append(path) or real(path, obj, **kw))
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3})),
                        tmp_path / "root")
    writes.clear()
    reads.clear()
    build_module._refuse_missing_or_changed_parent_clips(v1, show_progress=False)
    assert sorted(reads) == sorted(str(c.path) for c in v1.clips) and len(writes) == 1


def test_grow_names_a_parent_clip_gone_its_version_and_what_to_do(tmp_path: Path) -> None:
    root = tmp_path / "root"
    v1 = create_version(make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3})), root)
    more = make_class_tree(tmp_path / "more", layout_of({"swing": 1}, prefix="m-"), seed=5)
    gone = v1.real_clips[0]
    gone.path.unlink()
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    assert str(err.value) == (f"{v1.describe(gone.clip_id)}: file not found; a version's clips never "
                              "change: restore it from the source named, then grow again")
    assert f"of v1, from {tmp_path / 'src'}" in str(err.value)
    v1.real_clips[1].path.unlink()
    with pytest.raises(DatasetError) as err:
        grow_version(more, root, "v1")
    assert str(err.value).splitlines()[0] == (
        f"{v1.path}: 2 of {len(v1.clips)} clips are missing; a version's clips never change: "
        "restore each from the source named, then grow again:")
    assert list_versions(root) == ["v1"]


@pytest.mark.parametrize("inside", ["v1", "v1/manifest.csv", "v1/clips"])
def test_grow_from_a_version_of_the_same_root_is_one_line(tree: Path, tmp_path: Path, inside: str) -> None:
    root = tmp_path / "root"
    create_version(tree, root)
    with pytest.raises(DatasetError) as err:  # it listed every clip as a duplicate of itself
        grow_version(root / inside, root, "v1")
    assert str(err.value) == (f"{root / inside}: lies in {root}'s version v1, not in a folder of new clips (a grown "
                              "version keeps its parent's clips anyway); give a folder or CSV manifest of new clips")


def test_a_clip_added_beside_a_folders_manifest_is_not_left_out_unsaid(tmp_path: Path) -> None:
    # The generator writes manifest.csv; a clip the user then drops into a class folder is not in it.
    src = make_class_tree(tmp_path / "src", {"a": [("a0", None), ("a1", None)], "b": [("b0", None)]})
    write_manifest(src / "manifest.csv", [{"path": f"{c}/{n}.mp4", "label": c}
                                          for c, n in (("a", "a0"), ("a", "a1"), ("b", "b0"))])
    added = write_clip(src / "b" / "mine.mp4", 99)
    with pytest.raises(DatasetError) as err:
        create_version(src, tmp_path / "root")
    assert str(err.value) == (f"{added}: not listed in {src / 'manifest.csv'}, which names the clips to take "
                              f"from {src} (add it there, or remove the manifest to read the class folders)")
    v = create_version(src, tmp_path / "root", skip_bad=True)
    assert len(v.clips) == 3 and [s["path"] for s in v.meta["skipped"]] == [str(added)]


def test_a_lock_held_for_an_instant_by_a_sweep_is_waited_for_and_one_held_on_is_refused(tmp_path, monkeypatch):
    # Another process's sweep (`lock_held`, `remove_if_abandoned`) takes a folder's lock for an
    # instant; a run starting then must not be refused as if another run were writing.
    import fcntl
    import os

    import highlights.datasets.lock as lock
    from highlights.errors import HighlightsError

    path = tmp_path / ".game.lock"
    path.write_text("")
    sweep = os.open(path, os.O_RDONLY)
    fcntl.flock(sweep, fcntl.LOCK_SH | fcntl.LOCK_NB)
    clock = [0.0]
    monkeypatch.setattr(lock.time, "monotonic", lambda: clock[0])

    waits = []

    def sweep_ends(seconds):  # the run's first wait: the sweep is done by then
        waits.append(seconds)
        os.close(sweep)
        clock[0] += seconds

    monkeypatch.setattr(lock.time, "sleep", sweep_ends)
    with lock.exclusive_lock(path, wait=False, busy=HighlightsError, failed=HighlightsError):
        assert lock.lock_held(path)
    assert len(waits) == 1  # the sweep's lock was met, and waited for

    holder = os.open(path, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    monkeypatch.setattr(lock.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    try:
        with pytest.raises(HighlightsError):
            with lock.exclusive_lock(path, wait=False, busy=HighlightsError, failed=HighlightsError):
                pass
    finally:
        os.close(holder)
    assert clock[0] >= lock.SWEEP_GRACE_S
    assert not lock.lock_held(path)


def test_a_lock_that_removes_its_file_still_lets_one_holder_at_a_time(tmp_path):
    import threading
    import time

    from highlights.datasets.lock import exclusive_lock
    from highlights.errors import HighlightsError

    path = tmp_path / ".train.lock"

    def refuse(what):
        return lambda cause: HighlightsError(f"{what} {cause}")

    holding, release, waiter_has_it = threading.Event(), threading.Event(), threading.Event()

    def waiter():
        with exclusive_lock(path, wait=True, busy=refuse("busy"), failed=refuse("failed"), remove=True):
            waiter_has_it.set()
            release.wait(10)

    with exclusive_lock(path, wait=False, busy=refuse("busy"), failed=refuse("failed"), remove=True):
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.5)  # the waiter has opened the file the first holder is about to remove
    assert waiter_has_it.wait(10)
    # The waiter holds the lock on the path's file, not on the one removed under it.
    with pytest.raises(HighlightsError, match="busy"):
        with exclusive_lock(path, wait=False, busy=refuse("busy"), failed=refuse("failed")):
            pass
    release.set()
    thread.join(10)
    assert not path.exists()


def test_a_camcorders_mts_clip_in_a_class_folder_is_a_clip(tmp_path: Path) -> None:
    # A batch of games takes .MTS files; a class folder takes the same endings, where it left the
    # clip out as "not a video file name" and then refused its class as empty.
    from highlights.video import iter_frames

    tree = make_class_tree(tmp_path / "src", {"swing": [("a", None)], "none": [("b", None), ("c", None)]})
    remuxed(tree / "swing" / "a.mp4", tree / "swing" / "00012.MTS", format="mpegts")
    (tree / "swing" / "a.mp4").unlink()

    v = create_version(tree, tmp_path / "root")

    (swing,) = [c for c in v.clips if c.label == "swing"]
    assert swing.path.suffix == ".mts"
    assert len(list(iter_frames(swing.path))) == 8


def test_a_sidecar_naming_its_folders_class_with_the_accent_composed_otherwise_is_its_label(tmp_path):
    """A class folder made on macOS (or unzipped from there) lists `élan` with its accent as a
    character of its own (NFD); the clip's sidecar, typed elsewhere, names `élan` composed (NFC).
    The two are one class, as the dataset reads them: no sidecar names another label."""
    import unicodedata

    from highlights.datasets.sources import scan_class_folders

    folder = tmp_path / "src" / unicodedata.normalize("NFD", "élan")
    folder.mkdir(parents=True)
    (folder / "a.mp4").write_bytes(b"not decoded here")
    (folder / "a.json").write_text(json.dumps({"label": unicodedata.normalize("NFC", "élan")}),
                                   encoding="utf-8")
    found = scan_class_folders(tmp_path / "src")
    assert [c.label for c in found.clips] == [unicodedata.normalize("NFC", "élan")]
    assert found.other_labels == []
