"""Reading versions from ``ROOT/vN`` and the layout they are written in."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

from highlights.clips.clip_id import clip_id_of
from highlights.owner_pid import owner_gone
from highlights.csv_cells import plain_row
from highlights.datasets.errors import DatasetError
from highlights.datasets.records import (
    CLIPS_DIR, MANIFEST_FIELDS, MANIFEST_NAME, META_FORMAT, META_NAME, SPLITS, ClipRecord, DatasetVersion,
)

_VERSION_RE = re.compile(r"^v(\d+)$")
# A version is first written to ROOT/.tmp-vN-PID-XXXX (PID: its writer) and renamed when complete;
# anything left with this prefix whose writer is gone is the remains of an interrupted write.
TEMP_PREFIX = ".tmp-"
_TEMP_RE = re.compile(r"^\.tmp-v\d+-(\d+)-")


def version_name(version: str | int) -> str:
    """``"v2"``, ``"2"`` or ``2`` -> ``"v2"``."""
    text = str(version).strip()
    if text.isdigit():
        text = f"v{int(text)}"
    if not _VERSION_RE.match(text):
        raise DatasetError(f"{version!r}: not a version name (expected v1, v2, ...)")
    return text


def list_versions(root: str | Path) -> list[str]:
    """Complete versions under ``root``, oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p.name) for p in root.iterdir()
             if (m := _VERSION_RE.match(p.name)) and (p / META_NAME).is_file()]
    return [name for _, name in sorted(found)]


def next_version_name(root: Path) -> str:
    numbers = [int(_VERSION_RE.match(p.name).group(1)) for p in root.iterdir()
               if _VERSION_RE.match(p.name)] if root.is_dir() else []
    return f"v{max(numbers, default=0) + 1}"


def temp_dir_prefix(name: str) -> str:
    """The prefix of the temp folder this process writes version ``name`` into."""
    return f"{TEMP_PREFIX}{name}-{os.getpid()}-"


def remove_stale_temp_dirs(root: Path) -> list[Path]:
    """Delete what interrupted writes left behind: temp folders whose writer is no longer running.

    Called under the root's write lock; the pid check also spares a live writer's folder should
    anything ever write without the lock.
    """
    removed = []
    if root.is_dir():
        for p in root.iterdir():
            if not (p.name.startswith(TEMP_PREFIX) and p.is_dir() and not p.is_symlink()):
                continue
            m = _TEMP_RE.match(p.name)
            if m and not owner_gone(int(m.group(1))):
                continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


ROOT_MEANING = "--root is the folder holding the versions v1, v2, ..."


def refuse_a_file_as_root(root: Path) -> None:
    """A file given as the dataset root is named as one, not as a root without the version asked
    for (``ROOT/v1: no such dataset version``)."""
    if root.exists() and not root.is_dir():
        raise DatasetError(f"{root}: not a folder ({ROOT_MEANING})")


def refuse_a_missing_version(root: str | Path, version: str | int) -> Path:
    """The folder of version ``ROOT/vN``; one line when the root is a file or holds no such
    version (naming the versions it holds)."""
    root = Path(root)
    refuse_a_file_as_root(root)
    vdir = root / version_name(version)
    if not (vdir / META_NAME).is_file():
        have = ", ".join(list_versions(root)) or "none"
        raise DatasetError(f"{vdir}: no such dataset version (versions in {root}: {have})")
    return vdir


def load_version(root: str | Path, version: str | int) -> DatasetVersion:
    """The version ``ROOT/vN``: its ``dataset_meta.json`` and its clips (absolute paths)."""
    root = Path(root)
    vdir = refuse_a_missing_version(root, version)
    name = vdir.name
    meta_path, manifest_path = vdir / META_NAME, vdir / MANIFEST_NAME
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DatasetError(f"{meta_path}: unreadable ({e})") from e
    if not isinstance(meta, dict) or not isinstance(meta.get("classes"), list):
        raise DatasetError(f"{meta_path}: not a dataset_meta.json (no class list)")
    if not all(isinstance(c, str) and c.strip() for c in meta["classes"]):
        # edited by hand: each clip was refused as "not one of the classes [1, 2]" instead
        raise DatasetError(f"{meta_path}: its classes {meta['classes']!r} are not a list of class "
                           "names")
    if meta.get("format") != META_FORMAT:
        raise DatasetError(f"{meta_path}: dataset format {meta.get('format')!r}, written by another version of "
                           f"highlights; this one reads format {META_FORMAT}: open it with the version "
                           "that wrote it, or make it again from its clips with this one (`highlights dataset create`)")
    _check_group_pattern(meta_path, meta.get("group_pattern"))
    clips = read_manifest(manifest_path, vdir)
    _refuse_leaks(manifest_path, clips)
    return DatasetVersion(root=root, name=name, meta=meta, clips=clips)


def _check_group_pattern(meta_path: Path, recorded: object) -> None:
    """A meta edited by hand: its rule for grouping clips by file name is read when the version
    grows, where a value not of the shape written stopped `dataset grow` with a traceback."""
    if recorded is None:
        return
    if not isinstance(recorded, dict) or not isinstance(recorded.get("regex"), str):
        raise DatasetError(f"{meta_path}: group_pattern is {json.dumps(recorded)}, not null or an "
                           'object such as {"regex": "^(.+)_\\d+$"}')
    try:
        re.compile(recorded["regex"])
    except re.error as e:
        raise DatasetError(f"{meta_path}: group_pattern's regex {recorded['regex']!r} is not a "
                           f"regular expression ({e})") from None


def split_clip_ids(root: str | Path | None, version: str | None, split: str) -> set[str]:
    """The clip ids of the real clips of ``version``'s ``split``, for a model that recorded which
    version it was made on but not which of its clips it saw; none where the version is no longer
    on disk (moved or deleted since: nothing to compare with)."""
    if not root or not version:
        return set()
    try:
        return {c.clip_id for c in load_version(root, version).real_clips if c.split == split}
    except (DatasetError, OSError):
        return set()


def _refuse_leaks(manifest_path: Path, clips: list[ClipRecord]) -> None:
    """Refuse a manifest that puts one source video in two splits: a group (the source video a
    clip was cut from, near-duplicate copies included) with clips in two splits, or a variant in
    another split than the clip it was made from. Versions this package writes never do it
    (splits are placed by group); only a hand-edited manifest can, and a model evaluated on it
    would be scored on a video it was trained on."""
    splits_of: dict[str, dict[str, str]] = {}
    for clip in clips:
        splits_of.setdefault(clip.group, {}).setdefault(clip.split, clip.clip_id)
    problems = [f"{manifest_path}: source video group {group!r} has clips in "
                + " and ".join(f"{split} ({clip_id})" for split, clip_id in sorted(found.items()))
                for group, found in splits_of.items() if len(found) > 1]
    split_of = {clip.clip_id: clip.split for clip in clips}
    problems += [f"{manifest_path}: variant {clip.clip_id} is in {clip.split} but the clip it was made from, "
                 f"{clip.derived_from}, is in {split_of[clip.derived_from]}"
                 for clip in clips if clip.derived_from in split_of and split_of[clip.derived_from] != clip.split]
    if len(problems) == 1:
        raise DatasetError(f"{problems[0]}; a source video's clips and their variants must share one split")
    if problems:
        raise DatasetError(problems, headline=(
            f"{manifest_path}: {len(problems)} source videos are in two splits; one source video's clips and "
            "their variants must share one split, or its test scores come from a video the model was trained on"))


def read_manifest(manifest_path: Path, version_dir: Path) -> list[ClipRecord]:
    if not manifest_path.is_file():
        raise DatasetError(f"{manifest_path}: missing")
    try:
        # utf-8-sig: a manifest edited in a spreadsheet and saved as "CSV UTF-8" starts with a
        # byte-order mark, which made the first column's name and was refused as lacking clip_id.
        with open(manifest_path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in MANIFEST_FIELDS if c not in (reader.fieldnames or [])]
            if missing:
                raise DatasetError(f"{manifest_path}: lacks column(s) {', '.join(missing)}")
            rows = [plain_row(row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"{manifest_path}: unreadable ({e})") from e
    clips = []
    first_line: dict[str, int] = {}  # a row twice (a hand edit) trained on its clip twice
    for line, row in enumerate(rows, start=2):
        if any(row.get(c) is None for c in MANIFEST_FIELDS):
            raise DatasetError(f"{manifest_path}:{line}: too few fields")
        if row["clip_id"] in first_line:
            raise DatasetError(f"{manifest_path}:{line}: clip {row['clip_id']} listed twice (lines "
                               f"{first_line[row['clip_id']]} and {line}); a version lists each clip once")
        first_line[row["clip_id"]] = line
        if row["split"] not in SPLITS:
            raise DatasetError(f"{manifest_path}: clip {row['clip_id']} has unknown split {row['split']!r}")
        if "\0" in row["path"]:  # a hand edit; opening the clip would raise ValueError
            raise DatasetError(f"{manifest_path}:{line}: clip {row['clip_id']}'s path holds a NUL "
                               "byte, which no file name can")
        rel = Path(row["path"])
        if rel.is_absolute() or ".." in rel.parts:
            raise DatasetError(f"{manifest_path}:{line}: clip path {row['path']!r} is outside the version")
        clips.append(ClipRecord(
            clip_id=row["clip_id"],
            path=version_dir / rel,
            label=row["label"],
            split=row["split"],
            group=row["group"],
            sha256=row["sha256"],
            derived_from=row["derived_from"] or None,
            licence=row["licence"],
            provenance=row["provenance"],
        ))
    return clips


def clip_file_name(sha256: str, suffix: str) -> str:
    """Clips are stored by content: their clip id and their extension."""
    return f"{CLIPS_DIR}/{clip_id_of(sha256)}{suffix.lower()}"
