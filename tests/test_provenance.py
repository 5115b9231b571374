"""What each kept file records of what made it: the package's version, the dataset it came from by
content, the model by content, the video by content; and that a comparison names what differs."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from highlights import __version__
from highlights.datasets import create_version, load_version
from tests.dataset_fixtures import layout_of, make_class_tree


def _relabel_first_clip(version_dir: Path, label: str) -> None:
    manifest = version_dir / "manifest.csv"
    with manifest.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["label"] = label
    with manifest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_dataset_version_records_its_content_id_which_follows_its_clips_not_its_folder(tmp_path):
    tree = make_class_tree(tmp_path / "src", layout_of({"swing": 3, "none": 3}))
    version = create_version(tree, tmp_path / "root")
    meta = json.loads((version.path / "dataset_meta.json").read_text(encoding="utf-8"))
    assert meta["highlights_version"] == __version__
    assert len(meta["content_id"]) == 16 and meta["content_id"] == version.content_id

    shutil.copytree(tmp_path / "root", tmp_path / "moved")
    assert load_version(tmp_path / "moved", "v1").content_id == meta["content_id"]

    # a version written before the meta held the id has it all the same, from its manifest
    del meta["content_id"]
    (tmp_path / "moved" / "v1" / "dataset_meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert load_version(tmp_path / "moved", "v1").content_id == version.content_id

    first = version.clips[0]
    _relabel_first_clip(tmp_path / "moved" / "v1", "none" if first.label == "swing" else "swing")
    assert load_version(tmp_path / "moved", "v1").content_id != version.content_id


def test_a_checkpoint_and_its_test_report_name_the_dataset_by_content_and_the_package_version(tmp_path):
    from highlights.model import load_checkpoint
    from highlights.train import fit
    from highlights.train.evaluation import evaluate_checkpoint
    from tests.train_fixtures import make_colour_dataset, tiny_config

    data = make_colour_dataset(tmp_path, per_class=4)
    config = tiny_config(data, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache"))
    result = fit(config, show_progress=False)
    _, meta = load_checkpoint(result.best_checkpoint)
    assert meta["highlights_version"] == __version__
    assert meta["dataset"]["content_id"] == data.content_id
    history = json.loads((tmp_path / "run" / "train_history.json").read_text(encoding="utf-8"))
    assert history["highlights_version"] == __version__ and history["dataset"]["content_id"] == data.content_id

    report, _ = evaluate_checkpoint(result.best_checkpoint, root=data.root, version="v1", out_dir=tmp_path / "report",
                                    num_workers=0, n_bootstrap=10, show_progress=False)
    assert report["meta"]["highlights_version"] == __version__
    assert report["meta"]["checkpoint"]["highlights_version"] == __version__
    assert report["meta"]["dataset"]["content_id"] == data.content_id
    assert report["meta"]["dataset"]["trained_on"]["content_id"] == data.content_id
