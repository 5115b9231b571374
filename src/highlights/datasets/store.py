"""Reading versions from ``ROOT/vN`` and the layout they are written in."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from highlights.datasets.errors import DatasetError
from highlights.datasets.records import (
    CLIPS_DIR, MANIFEST_NAME, META_NAME, SPLITS, ClipRecord, DatasetVersion,
)

_VERSION_RE = re.compile(r"^v(\d+)$")
# A version is first written to ROOT/.tmp-vN-XXXX and renamed when complete; anything left with
# this prefix is the remains of an interrupted write.
TEMP_PREFIX = ".tmp-"


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


def remove_stale_temp_dirs(root: Path) -> list[Path]:
    """Delete what interrupted writes left behind. Versions are written by one process at a time."""
    removed = []
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and p.name.startswith(TEMP_PREFIX):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def load_version(root: str | Path, version: str | int) -> DatasetVersion:
    """The version ``ROOT/vN``: its ``dataset_meta.json`` and its clips (absolute paths)."""
    root = Path(root)
    name = version_name(version)
    vdir = root / name
    meta_path, manifest_path = vdir / META_NAME, vdir / MANIFEST_NAME
    if not meta_path.is_file():
        have = ", ".join(list_versions(root)) or "none"
        raise DatasetError(f"{vdir}: no such dataset version (versions in {root}: {have})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DatasetError(f"{meta_path}: unreadable ({e})") from e
    clips = read_manifest(manifest_path, vdir)
    return DatasetVersion(root=root, name=name, meta=meta, clips=clips)


def read_manifest(manifest_path: Path, version_dir: Path) -> list[ClipRecord]:
    if not manifest_path.is_file():
        raise DatasetError(f"{manifest_path}: missing")
    with open(manifest_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    clips = []
    for row in rows:
        if row["split"] not in SPLITS:
            raise DatasetError(f"{manifest_path}: clip {row['clip_id']} has unknown split {row['split']!r}")
        clips.append(ClipRecord(
            clip_id=row["clip_id"],
            path=version_dir / row["path"],
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
    """Clips are stored by content: the first 16 hex digits of their sha256 and their extension."""
    return f"{CLIPS_DIR}/{sha256[:16]}{suffix.lower()}"
