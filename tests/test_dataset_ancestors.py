"""The version a grown version came from that a model without its newer classes can be scored on
(`datasets.ancestors`), walked over version folders on disk."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from highlights.datasets.ancestors import ancestor_without
from highlights.datasets.records import MANIFEST_FIELDS, MANIFEST_NAME, META_FORMAT, META_NAME


def _version(root: Path, name: str, classes: list[str], parent: str | None) -> None:
    """A version folder as `load_version` reads it: its meta and a manifest (no clips needed here)."""
    vdir = root / name
    vdir.mkdir(parents=True)
    meta = {"format": META_FORMAT, "name": name, "classes": classes, "parent": parent}
    (vdir / META_NAME).write_text(json.dumps(meta), encoding="utf-8")
    with open(vdir / MANIFEST_NAME, "w", newline="", encoding="utf-8") as f:
        csv.DictWriter(f, fieldnames=list(MANIFEST_FIELDS)).writeheader()


def _grown(root: Path) -> None:
    # v1 -> v2 (tennis_serve grown in) -> v3 (more clips) -> v4 (volleyball_spike grown in)
    _version(root, "v1", ["baseball_swing", "none"], None)
    _version(root, "v2", ["baseball_swing", "none", "tennis_serve"], "v1")
    _version(root, "v3", ["baseball_swing", "none", "tennis_serve"], "v2")
    _version(root, "v4", ["baseball_swing", "none", "tennis_serve", "volleyball_spike"], "v3")


def test_the_newest_ancestor_without_the_classes_is_found_over_several_generations(tmp_path):
    _grown(tmp_path)
    assert ancestor_without(tmp_path, "v3", {"tennis_serve"}) == "v1"
    assert ancestor_without(tmp_path, "v3", {"volleyball_spike"}) == "v3"  # the parent itself lacks it
    assert ancestor_without(tmp_path, "v3", {"tennis_serve", "volleyball_spike"}) == "v1"
    assert ancestor_without(tmp_path, "v3", {"volleyball_spike", "basketball_layup"}) == "v3"
    # A parent given by number is named as `--version` takes it.
    assert ancestor_without(tmp_path, "3", {"volleyball_spike"}) == "v3"


def test_none_when_every_ancestor_has_a_class_or_there_is_no_parent(tmp_path):
    _grown(tmp_path)
    assert ancestor_without(tmp_path, "v3", {"baseball_swing"}) is None
    assert ancestor_without(tmp_path, None, {"tennis_serve"}) is None


def test_an_ancestor_that_cannot_be_read_ends_the_walk(tmp_path):
    _grown(tmp_path)
    (tmp_path / "v2" / META_NAME).write_text("{not json", encoding="utf-8")
    assert ancestor_without(tmp_path, "v3", {"tennis_serve"}) is None
    assert ancestor_without(tmp_path, "v9", {"tennis_serve"}) is None  # no such version


def test_a_meta_that_names_its_own_descendant_as_parent_stops_rather_than_loops(tmp_path):
    _version(tmp_path, "v1", ["none", "tennis_serve"], "v2")
    _version(tmp_path, "v2", ["none", "tennis_serve"], "v1")
    assert ancestor_without(tmp_path, "v2", {"tennis_serve"}) is None
