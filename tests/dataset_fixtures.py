"""Tiny labelled clips for the dataset and augmentation tests, encoded here with PyAV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from highlights.video import write_video

WIDTH, HEIGHT, FRAMES, FPS = 64, 48, 8, 8.0


def tiny_frames(seed: int, *, frames: int = FRAMES, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """A flat background with a moving square; the colours depend on ``seed`` so every clip differs."""
    rng = np.random.default_rng(seed)
    background, square = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    clip = np.empty((frames, height, width, 3), np.uint8)
    clip[:] = background
    for t in range(frames):
        x = 4 + 5 * t % (width - 16)
        clip[t, 16:32, x:x + 12] = square
    return clip


def write_clip(path: Path, seed: int, **kwargs) -> Path:
    return write_video(path, tiny_frames(seed, **kwargs), FPS)


def make_class_tree(root: Path, layout: dict[str, list[tuple[str, str | None]]], *, seed: int = 0) -> Path:
    """``root/<label>/<name>.mp4`` for each ``(name, group)``; a group other than None goes in a sidecar."""
    n = seed * 1000
    for label, clips in layout.items():
        for name, group in clips:
            path = write_clip(root / label / f"{name}.mp4", n)
            n += 1
            if group is not None:
                path.with_suffix(".json").write_text(json.dumps({"label": label, "group": group}))
    return root


def layout_of(classes: dict[str, int], *, clips_per_group: int = 1,
              prefix: str = "") -> dict[str, list[tuple[str, str]]]:
    """``{label: count}`` -> a layout with ``clips_per_group`` clips in each source video."""
    return {
        label: [(f"{prefix}{label}-{i}", f"{prefix}{label}-g{i // clips_per_group}") for i in range(count)]
        for label, count in classes.items()
    }


def write_manifest(csv_path: Path, rows: list[dict]) -> Path:
    fields = ["path", "label", "group", "licence", "provenance"]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows([{k: r.get(k, "") for k in fields} for r in rows])
    return csv_path


def as_written_before(version_dir: Path, moved: set[str]) -> str:
    """Rewrite a version as a writer that did not join same-video clips left it: each clip whose
    source path ends with one of ``moved`` in a group of its own (its file's stem), in a split other
    than the one it was given. Returns that split."""
    meta_path, manifest = version_dir / "dataset_meta.json", version_dir / "manifest.csv"
    for path in (meta_path, manifest):
        path.chmod(0o644)
    meta = json.loads(meta_path.read_text())
    ids = {clip_id for clip_id, entry in meta["clips"].items() if entry["source"].endswith(tuple(moved))}
    assert ids
    (was,) = {meta["clips"][i]["split"] for i in ids}
    now = "test" if was != "test" else "train"
    for i in ids:
        meta["clips"][i].update(split=now, group=Path(meta["clips"][i]["source"]).stem)
    meta_path.write_text(json.dumps(meta, indent=2))
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["clip_id"] in ids:
            row.update(split=now, group=meta["clips"][row["clip_id"]]["group"])
    with open(manifest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return now


def version_folder_only(root: Path, name: str = "v1") -> Path:
    """A version folder with an empty dataset_meta.json: enough for the commands' check that a
    named version is there (said before torch loads), for tests whose command stops before it
    reads the version's clips."""
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "dataset_meta.json").write_text("{}", encoding="utf-8")
    return root
