"""Every option of `create_version` and `grow_version` reaches the version it writes: one call sets
each to a value other than its default, and each is seen in what that call did. An option of
`BuildSettings` that a public function does not take, does not pass on, or that has no check
here fails these tests."""

from __future__ import annotations

import inspect
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from tests.dataset_fixtures import layout_of, make_class_tree, write_clip, write_manifest
from tests.lock_waiters import root_held_elsewhere
from highlights.augment import PhoneAugmentConfig
from highlights.datasets import (
    ClipDefaults, DatasetError, DatasetVersion, create_version, grow_version,
)
from highlights.datasets.build_settings import BuildSettings
from highlights.datasets.group_pattern import GroupPattern
from highlights.datasets.lock import SWEEP_GRACE_S

CLASSES = ["swing", "none", "kick"]  # not sorted, as classes found in the clips would be
AUGMENT = PhoneAugmentConfig(motion_blur_p=1.0, jpeg_p=0.0)
SOURCE_NAME = "staging-copy"
LICENCE = "CC-BY-4.0"


@dataclass
class Written:
    """What one call did: the version it wrote, what it showed on stderr, whether it waited."""

    version: DatasetVersion
    stderr: str
    waited: bool

    @property
    def meta(self) -> dict:
        return self.version.meta

    def new_real_clips(self) -> list[dict]:
        return [c for c in self.meta["clips"].values()
                if c["added_in"] == self.version.name and c["derived_from"] is None]


Check = Callable[[Written], bool]


def _options(parent: DatasetVersion | None) -> dict[str, tuple[object, Check]]:
    """Each option: a value other than its default, and what a version written with it shows."""
    options: dict[str, tuple[object, Check]] = {
        "classes": (CLASSES, lambda run: run.version.classes == CLASSES
                    and any(c.label == "kick" for c in run.version.clips)),
        "note": ("every option set", lambda run: run.meta["note"] == "every option set"),
        "seed": (5, lambda run: run.meta["split"]["seed"] == 5),
        "ratios": ((0.5, 0.25, 0.25), lambda run: run.meta["split"]["ratios"]
                   == {"train": 0.5, "val": 0.25, "test": 0.25}),
        "augment_variants": (1, lambda run: run.meta["augment"]["variants_per_clip"] == 1
                             and len(run.version.augmented_clips) > 0),
        "augment_config": (AUGMENT, lambda run: run.meta["augment"]["config"] == AUGMENT.to_dict()),
        "skip_bad": (True, lambda run: [Path(s["path"]).name for s in run.meta["skipped"]]
                     == ["broken.mp4"]),
        "show_progress": (True, lambda run: "copying clips" in run.stderr),
        "allow_outside": (True, lambda run: f"{SOURCE_NAME}: far.mp4"
                          in [c["source"] for c in run.new_real_clips()]),
        "wait": (True, lambda run: run.waited),
        "source_name": (SOURCE_NAME, lambda run: run.meta["source"] == SOURCE_NAME),
        "defaults": (ClipDefaults(licence=LICENCE),
                     lambda run: {c["licence"] for c in run.new_real_clips()} == {LICENCE}),
        # The stems' letters: swing0 and swing1 are one group.
        "group_pattern": (GroupPattern(r"^(\D+)"), lambda run: run.meta["group_pattern"]["regex"] == r"^(\D+)"
                          and {c["group"] for c in run.new_real_clips()} == {*CLASSES, "far"}),
    }
    if parent is not None:
        replaced = parent.clips[0].clip_id
        options["skip_existing"] = (True, lambda run: run.meta["added"]["already_in_parent"] == 1)
        options["replaces"] = ({replaced: "relabelled"}, lambda run: [
            r["clip_id"] for r in run.meta["replaced"]] == [replaced]
            and replaced not in {c.clip_id for c in run.version.clips})
    return options


def _new_clips(tmp_path: Path, parent: DatasetVersion | None) -> Path:
    """A manifest of new clips: two of each class, a broken file, one outside the manifest's
    folder and, when growing, a copy of one of the parent's clips (not the one replaced)."""
    staging = tmp_path / "staging"
    rows = [{"path": f"{label}/{label}{i}.mp4", "label": label}
            for label in CLASSES for i in range(2)]
    for n, row in enumerate(rows):
        write_clip(staging / row["path"], 100 + n)
    (staging / "broken.mp4").write_bytes(b"not a video")
    write_clip(tmp_path / "outside" / "far.mp4", 200)
    rows += [{"path": "broken.mp4", "label": "none"},
             {"path": "../outside/far.mp4", "label": "swing"}]
    if parent is not None:
        shutil.copy(parent.clips[1].path, staging / "again.mp4")
        rows.append({"path": "again.mp4", "label": parent.clips[1].label})
    return write_manifest(staging / "manifest.csv", rows)


def _written_while_another_writer_holds_the_root(root: Path, call: Callable[[], DatasetVersion],
                                                 capfd) -> Written:
    """`call` run while another writer holds the root's lock, let go once a call that did not
    wait would have been refused (`SWEEP_GRACE_S`)."""
    done: list[DatasetVersion | BaseException] = []

    def run():
        try:
            done.append(call())
        except BaseException as e:  # raised below, in the test's thread
            done.append(e)

    thread = threading.Thread(target=run)
    with root_held_elsewhere(root):
        thread.start()
        thread.join(SWEEP_GRACE_S + 2.0)
        waited = thread.is_alive()
    thread.join()
    if isinstance(done[0], BaseException):
        raise done[0]
    return Written(done[0], capfd.readouterr().err, waited)


@pytest.mark.parametrize("growing", [False, True], ids=["create", "grow"])
def test_every_option_reaches_the_version_written(tmp_path: Path, capfd, growing: bool) -> None:
    root = tmp_path / "root"
    parent = None
    if growing:
        first = make_class_tree(tmp_path / "first", layout_of({"swing": 3, "none": 3}))
        parent = create_version(first, root, classes=["swing", "none"])
    options = _options(parent)
    public = grow_version if growing else create_version
    signature = inspect.signature(public)
    keywords = {p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY}
    settings = {f.name for f in fields(BuildSettings)}
    growing_only = {"skip_existing", "replaces"}
    assert keywords == set(options) == (settings if growing else settings - growing_only)
    for name, (value, _check) in options.items():
        assert value != signature.parameters[name].default, name

    src = _new_clips(tmp_path, parent)
    values = {name: value for name, (value, _check) in options.items()}
    call = (lambda: grow_version(src, root, "v1", **values)) if growing else (
        lambda: create_version(src, root, **values))
    capfd.readouterr()
    run = _written_while_another_writer_holds_the_root(root, call, capfd)

    assert run.version.name == ("v2" if growing else "v1")
    assert [name for name, (_value, check) in options.items() if not check(run)] == []


def test_a_negative_count_of_variants_is_refused_before_the_root_is_made(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with pytest.raises(DatasetError, match="--augment-variants must be 0 or more, got -1"):
        create_version(tmp_path / "missing", root, augment_variants=-1)
    assert not root.exists()
