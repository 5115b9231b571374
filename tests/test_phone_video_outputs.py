"""A portrait phone video stored sideways with a display rotation (90 or 270, as phones record):
every picture the project makes of it stands upright and portrait - detect's highlight clips and
reel, the clip `dataset create` keeps, and the clip `review export` cuts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.video import iter_frames, probe, write_video
from tests.dataset_fixtures import write_clip
from tests.video_fixtures import orientation_of, upright_marker_image

WIDTH, HEIGHT, FPS, SECONDS = 90, 160, 15.0, 4.0
STAGES_OFF = ["--set", "detection.enabled=false", "--set", "pose.enabled=false",
              "--set", "candidates.enabled=false", "--set", "classifier.backend=oracle",
              "--no-progress"]


def _marked(rgb: np.ndarray) -> np.ndarray:
    # The red bar at the bottom and the blue one down the right: the clips' label sits top left.
    return np.ascontiguousarray(np.rot90(rgb, 2))


def _stands_upright_and_portrait(video: Path) -> bool:
    first = next(iter(iter_frames(video))).rgb
    return first.shape[0] > first.shape[1] and orientation_of(_marked(first)) == (True, True)


def _phone_video(folder: Path, rotation: int) -> Path:
    """FOLDER/phone.mp4, portrait WIDTHxHEIGHT upright, stored turned back by ``rotation`` with
    the display matrix saying so, and its annotation (one swing at 2 s) beside it."""
    upright = _marked(upright_marker_image(WIDTH, HEIGHT))
    stored = np.ascontiguousarray(np.rot90(upright, k=rotation // 90))
    video = write_video(folder / "phone.mp4", [stored] * int(SECONDS * FPS), FPS,
                        rotation=rotation, crf=12)
    (folder / "phone.json").write_text(json.dumps({
        "video": video.name, "fps": FPS, "width": WIDTH, "height": HEIGHT, "duration_s": SECONDS,
        "sport": "baseball", "shots": [{"start_s": 0.0, "end_s": SECONDS}],
        "events": [{"id": "e0", "sport": "baseball", "label": "baseball_swing", "start_s": 1.5,
                    "end_s": 2.5, "key_s": 2.0}]}))
    return video


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_sideways_stored_phone_videos_highlights_are_cut_upright_and_portrait(tmp_path, rotation):
    video = _phone_video(tmp_path, rotation)
    info = probe(video)
    assert (info.width, info.height, info.rotation) == (WIDTH, HEIGHT, rotation)
    out = tmp_path / "detect"
    result = CliRunner().invoke(app, ["detect", str(video), "--out", str(out), "--annotations",
                                      str(video.with_suffix(".json")), *STAGES_OFF])
    assert result.exit_code == 0, result.output
    shown = json.loads((out / "highlights.json").read_text())["video"]
    assert (shown["width"], shown["height"]) == (WIDTH, HEIGHT)
    cuts = sorted((out / "clips").glob("*.mp4")) + [out / "reel.mp4"]
    assert len(cuts) >= 2
    assert [c.name for c in cuts if not _stands_upright_and_portrait(c)] == []


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_sideways_stored_phone_clip_stands_upright_in_the_dataset_and_in_a_review_cut(
        tmp_path, rotation):
    from highlights.datasets import load_version
    from highlights.review.export import cut_clip

    video = _phone_video(tmp_path / "src" / "baseball_swing", rotation)
    video.with_suffix(".json").unlink()
    write_clip(tmp_path / "src" / "none" / "other.mp4", 1)
    result = CliRunner().invoke(app, ["dataset", "create", str(tmp_path / "src"),
                                      "--root", str(tmp_path / "datasets"), "--no-progress"])
    assert result.exit_code == 0, result.output
    kept = [c.path for c in load_version(tmp_path / "datasets", "v1").clips
            if c.label == "baseball_swing"]
    assert len(kept) == 1 and _stands_upright_and_portrait(kept[0])
    # What `review export` (and the review page's Export button) files for a decided item.
    cut = cut_clip(video, 1.0, 3.0, tmp_path / "cut.mp4", FPS)
    assert _stands_upright_and_portrait(cut)
