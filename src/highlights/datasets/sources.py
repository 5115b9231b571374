"""Finding labelled clips to ingest: a folder per class, or a CSV manifest."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from highlights.datasets.errors import DatasetError
from highlights.datasets.records import VIDEO_SUFFIXES

SOURCE_MANIFEST_NAME = "manifest.csv"
UNKNOWN_LICENCE = "unknown"


@dataclass(frozen=True)
class SourceClip:
    """A labelled clip waiting to be ingested. ``group`` is its source video (never split apart)."""

    path: Path
    label: str
    group: str
    licence: str = UNKNOWN_LICENCE
    provenance: str = ""


def discover_sources(src: str | Path) -> list[SourceClip]:
    """The clips under ``src``.

    ``src`` is a CSV manifest (``path,label[,group,licence,provenance]``, paths relative to the
    CSV), or a folder holding such a ``manifest.csv`` (preferred when present: it is what the
    synthetic generator writes), or a folder per class (``src/<label>/*.mp4|avi|mov|mkv|webm|m4v``)
    where a clip's group comes from a ``NAME.json`` sidecar's ``group`` key, else its file stem.
    """
    src = Path(src)
    if src.is_file():
        if src.suffix.lower() != ".csv":
            raise DatasetError(f"{src}: not a folder or a .csv manifest")
        return read_source_manifest(src)
    if not src.is_dir():
        raise DatasetError(f"{src}: no such folder or manifest")
    if (src / SOURCE_MANIFEST_NAME).is_file():
        return read_source_manifest(src / SOURCE_MANIFEST_NAME)
    return scan_class_folders(src)


def read_source_manifest(csv_path: Path) -> list[SourceClip]:
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = {name.strip() for name in reader.fieldnames or []}
        missing = {"path", "label"} - fields
        if missing:
            raise DatasetError(f"{csv_path}: manifest lacks column(s) {', '.join(sorted(missing))} "
                               "(expected path,label,group[,licence,provenance])")
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    problems, clips = [], []
    for line, row in enumerate(rows, start=2):
        if not row.get("path"):
            problems.append(f"{csv_path}:{line}: empty path")
            continue
        path = Path(row["path"])
        path = path if path.is_absolute() else csv_path.parent / path
        if not row.get("label"):
            problems.append(f"{path}: no label (manifest {csv_path.name} line {line})")
            continue
        clips.append(SourceClip(
            path=path,
            label=row["label"],
            group=row.get("group") or path.stem,
            licence=row.get("licence") or UNKNOWN_LICENCE,
            provenance=row.get("provenance") or f"manifest {csv_path}",
        ))
    if problems:
        raise DatasetError(problems)
    return clips


def scan_class_folders(src: Path) -> list[SourceClip]:
    problems, clips = [], []
    for entry in sorted(src.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in VIDEO_SUFFIXES:
            problems.append(f"{entry}: no label (put it in a folder named after its class)")
            continue
        if not entry.is_dir():
            continue
        for path in sorted(entry.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in VIDEO_SUFFIXES:
                try:
                    sidecar = _read_sidecar(path)
                except ValueError as e:
                    problems.append(str(e))
                    continue
                clips.append(SourceClip(
                    path=path,
                    label=entry.name,
                    group=str(sidecar.get("group") or path.stem),
                    licence=str(sidecar.get("licence") or UNKNOWN_LICENCE),
                    provenance=str(sidecar.get("provenance") or f"folder {src}"),
                ))
    if problems:
        raise DatasetError(problems)
    return clips


def _read_sidecar(video: Path) -> dict:
    """The clip's ``NAME.json`` sidecar if it has one (a dict), else an empty dict."""
    sidecar = video.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{sidecar}: unreadable sidecar ({e})") from e
    return data if isinstance(data, dict) else {}
