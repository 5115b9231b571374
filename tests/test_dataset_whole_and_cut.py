"""A video whose moments a review cut into clips, added again whole (a coach's labelled clip that
is also a session they reviewed), is one source video: it lands in the split of its cut clips, and
cut clips of a video the parent holds whole land in that video's split, whichever came first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.dataset_fixtures import make_class_tree, write_clip, write_manifest
from highlights.datasets import create_version, grow_version
from highlights.review.export import cut_clip

FPS = 8.0


def session(path: Path) -> Path:
    """A 5 s video of one session: 40 frames of the fixtures' moving square."""
    return write_clip(path, 777, frames=40)


def cuts_of(video: Path, folder: Path, label: str = "shot") -> Path:
    """Two clips a review cut from ``video`` (as `review export` records them), in a manifest."""
    rows = []
    for i, (a, b) in enumerate([(0.0, 2.0), (2.5, 4.5)]):
        cut_clip(video, a, b, folder / f"cut{i}.mp4", FPS)
        rows.append({"path": f"cut{i}.mp4", "label": label, "group": video.stem,
                     "provenance": json.dumps({"source_video": str(video), "start_s": a, "end_s": b,
                                               "review": "accepted"})})
    return write_manifest(folder / "manifest.csv", rows)


def other_clips(folder: Path) -> Path:
    """Enough clips of other source videos that a new group could land in any split."""
    return make_class_tree(folder, {"shot": [(f"s{i}", None) for i in range(10)],
                                    "none": [(f"n{i}", None) for i in range(10)]}, seed=5)


def split_of(version, source_name: str) -> set[str]:
    return {c.split for c in version.real_clips
            if source_name in json.dumps(version.meta["clips"][c.clip_id])}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_whole_video_added_after_its_cut_clips_joins_their_split(tmp_path, seed):
    root = tmp_path / "datasets"
    game = session(tmp_path / "games" / "game 2.mp4")
    v1 = create_version(cuts_of(game, tmp_path / "review"), root, classes=["none", "shot"], seed=seed)
    (cut_split,) = {c.split for c in v1.real_clips}
    labelled = other_clips(tmp_path / "my-clips")
    shutil.copyfile(game, labelled / "shot" / "py0922.mp4")  # the same file, under another name
    v2 = grow_version(labelled, root, "v1")
    assert split_of(v2, "py0922.mp4") == {cut_split}
    (joined,) = v2.meta["same_video"]
    assert joined["path"].endswith("py0922.mp4") and joined["group"] == "game 2"
    # the other clips still spread over every split: only the one video was moved
    assert {c.split for c in v2.real_clips} == {"train", "val", "test"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cut_clips_of_a_video_the_parent_holds_whole_join_its_split(tmp_path, seed):
    root = tmp_path / "datasets"
    labelled = other_clips(tmp_path / "my-clips")
    game = session(labelled / "shot" / "py0922.mp4")
    v1 = create_version(labelled, root, seed=seed)
    (whole_split,) = split_of(v1, "py0922.mp4")
    reviewed = shutil.copyfile(game, tmp_path / "game 2.mp4")  # the copy the coach ran detect on
    v2 = grow_version(cuts_of(reviewed, tmp_path / "review"), root, "v1")
    assert split_of(v2, "cut0.mp4") | split_of(v2, "cut1.mp4") == {whole_split}
