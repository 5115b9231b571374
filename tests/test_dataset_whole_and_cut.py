"""A video whose moments a review cut into clips, added again whole (a coach's labelled clip that
is also a session they reviewed), is one source video: it lands in the split of its cut clips, and
cut clips of a video the parent holds whole land in that video's split, whichever came first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.dataset_fixtures import make_class_tree, write_clip, write_manifest
from highlights.datasets import create_version, grow_version, load_version
from highlights.review.export import cut_clip

FPS = 8.0


def session(path: Path) -> Path:
    """A 5 s video of one session: 40 frames of the fixtures' moving square."""
    return write_clip(path, 777, frames=40)


def cuts_of(video: Path, folder: Path, label: str = "shot", spans=((0.0, 2.0), (2.5, 4.5))) -> Path:
    """Clips a review cut from ``video`` (as `review export` records them), in a manifest."""
    rows = []
    for i, (a, b) in enumerate(spans):
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
    assert joined["relation"] == "the video it was cut from"
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clips_cut_from_two_copies_of_one_video_share_a_split(tmp_path, seed):
    """One session saved twice under two names, and each copy reviewed: the second copy's clips
    join the first's split, and `dataset grow` says why."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    root = tmp_path / "datasets"
    game = session(tmp_path / "games" / "session.mp4")
    create_version(other_clips(tmp_path / "my-clips"), root, seed=seed)
    result = CliRunner().invoke(app, ["dataset", "grow", str(cuts_of(game, tmp_path / "review1")), "--root", str(root),
                                      "--parent", "v1", "--no-progress"])
    assert result.exit_code == 0, result.output
    copy = shutil.copyfile(game, tmp_path / "games" / "session (1).mp4")
    result = CliRunner().invoke(app, ["dataset", "grow", str(cuts_of(copy, tmp_path / "review2", spans=((1.0, 3.0),))),
                                      "--root", str(root), "--parent", "v2", "--no-progress"])
    assert result.exit_code == 0, result.output
    v3 = load_version(root, "v3")
    assert len(split_of(v3, "review1")) == 1 and split_of(v3, "review2") == split_of(v3, "review1")
    assert [d["relation"] for d in v3.meta["same_video"]] == ["cut from the same video"]
    text = " ".join(result.output.split())
    assert f"{tmp_path / 'review2' / 'cut0.mp4'}: cut from a copy of the video" in text
    assert "one source video, kept in the same split as it" in text


def test_a_reviewed_video_is_read_again_only_when_its_size_is_that_of_a_clip(tmp_path, monkeypatch):
    """A game a review cut from is hashed only where a clip of the same size could be it: exporting
    a long game into a version of other clips costs no second read of the game."""
    import highlights.file_hash as file_hash

    root = tmp_path / "datasets"
    create_version(other_clips(tmp_path / "my-clips"), root)
    game = session(tmp_path / "games" / "game 2.mp4")
    hashed = []
    real_hash = file_hash.file_sha256
    monkeypatch.setattr(file_hash, "file_sha256", lambda path: hashed.append(str(path)) or real_hash(path))
    grow_version(cuts_of(game, tmp_path / "review"), root, "v1")
    assert str(game) not in hashed
    shutil.copyfile(game, tmp_path / "my-clips" / "shot" / "whole.mp4")
    grow_version(tmp_path / "my-clips", root, "v2", skip_existing=True)  # now a clip has its size
    assert str(game) in hashed


def test_the_clips_grouped_with_the_whole_video_join_its_cut_clips_too(tmp_path):
    """A manifest's group is one source video: when one of its clips is the video a review cut the
    parent's clips from, its group-mates (listed before it or after) go with it."""
    root = tmp_path / "datasets"
    game = session(tmp_path / "games" / "game 2.mp4")
    create_version(cuts_of(game, tmp_path / "review"), root, classes=["none", "shot"], seed=1)
    v1 = grow_version(other_clips(tmp_path / "my-clips"), root, "v1")
    (cut_split,) = split_of(v1, "review")
    new = tmp_path / "game03"
    write_clip(new / "a moment.mp4", 31)
    shutil.copyfile(game, new / "whole.mp4")
    write_clip(new / "later.mp4", 32)
    write_manifest(new / "manifest.csv", [{"path": name, "label": label, "group": "game03"}
                                          for name, label in (("a moment.mp4", "none"), ("whole.mp4", "shot"),
                                                              ("later.mp4", "shot"))])
    v3 = grow_version(new, root, "v2")
    assert {c.group for c in v3.real_clips if "game03" in json.dumps(v3.meta["clips"][c.clip_id])} == {"game 2"}
    assert split_of(v3, str(new)) == {cut_split}


def test_a_whole_video_listed_in_the_group_of_its_cut_clips_is_not_said_to_join_it(tmp_path):
    import csv

    game = session(tmp_path / "games" / "game 2.mp4")
    listed = cuts_of(game, tmp_path / "review")
    with open(listed, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shutil.copyfile(game, tmp_path / "review" / "whole.mp4")
    rows.append({"path": "whole.mp4", "label": "shot", "group": "game 2", "provenance": "filmed by the club"})
    version = create_version(write_manifest(listed, rows), tmp_path / "datasets", classes=["none", "shot"])
    assert len(version.real_clips) == 3 and len({c.split for c in version.real_clips}) == 1
    assert version.meta.get("same_video", []) == []


def test_a_group_joined_to_one_that_joins_another_follows_it(tmp_path):
    """Group Y joins X when its clips cut from S are met (X holds S whole); X then joins Z (it also
    holds T whole, whose cut clips Z holds): every clip of Y, the one met before the join too,
    follows X into Z."""
    import csv

    s_video, t_video = write_clip(tmp_path / "games" / "s.mp4", 501, frames=40), write_clip(
        tmp_path / "games" / "t.mp4", 502, frames=40)
    folder = tmp_path / "clips"
    rows = []
    for video, group in ((t_video, "Z"), (s_video, "Y")):
        listed = cuts_of(video, folder / video.stem)
        with open(listed, newline="", encoding="utf-8") as f:
            rows.append([{**row, "path": f"{video.stem}/{row['path']}", "group": group} for row in csv.DictReader(f)])
    for video in (s_video, t_video):
        shutil.copyfile(video, folder / f"{video.stem}_whole.mp4")
    whole = [{"path": f"{v}_whole.mp4", "label": "shot", "group": "X",
              "provenance": "filmed by the club"} for v in "st"]
    write_clip(folder / "y moment.mp4", 31)  # Y's first clip, accepted before Y is found to join X
    y_first = [{"path": "y moment.mp4", "label": "shot", "group": "Y", "provenance": "filmed by the club"}]
    listed = write_manifest(folder / "manifest.csv", rows[0] + whole[:1] + y_first + rows[1] + whole[1:])
    version = create_version(listed, tmp_path / "datasets", classes=["none", "shot"])
    assert len(version.real_clips) == 7
    assert {c.group for c in version.real_clips} == {"Z"}
