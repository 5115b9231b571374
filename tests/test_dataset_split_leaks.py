"""A version written before one source video was kept in one split (a video added whole and the
clips a review cut from it, or clips cut from two copies of one video, in two splits) is still
read, and `dataset show`, `dataset grow` and `train` name the videos and their splits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tests.dataset_fixtures import as_written_before, make_class_tree, write_clip, write_manifest
from highlights.cli.app import app
from highlights.datasets import create_version, grow_version, load_version
from highlights.datasets.split_leaks import videos_in_two_splits
from highlights.review.export import cut_clip

FPS = 8.0


def _session(path: Path) -> Path:
    return write_clip(path, 777, frames=40)


def _cuts_of(video: Path, folder: Path, spans=((0.0, 2.0), (2.5, 4.5))) -> Path:
    rows = []
    for i, (a, b) in enumerate(spans):
        cut_clip(video, a, b, folder / f"cut{i}.mp4", FPS)
        rows.append({"path": f"cut{i}.mp4", "label": "shot", "group": video.stem,
                     "provenance": json.dumps({"source_video": str(video), "start_s": a, "end_s": b,
                                               "review": "accepted"})})
    return write_manifest(folder / "manifest.csv", rows)


def _other_clips(folder: Path) -> Path:
    return make_class_tree(folder, {"shot": [(f"s{i}", None) for i in range(10)],
                                    "none": [(f"n{i}", None) for i in range(10)]}, seed=5)


def _whole_and_cut(tmp_path: Path) -> tuple[Path, str, str]:
    """v2: the clips a review cut from `game 2.mp4`, and the same file added whole as
    `py0922.mp4`, in two splits as an earlier writer left them. Returns the root and both splits."""
    root = tmp_path / "datasets"
    game = _session(tmp_path / "games" / "game 2.mp4")
    v1 = create_version(_cuts_of(game, tmp_path / "review"), root, classes=["none", "shot"], seed=1)
    (cut_split,) = {c.split for c in v1.real_clips}
    labelled = _other_clips(tmp_path / "my-clips")
    shutil.copyfile(game, labelled / "shot" / "py0922.mp4")
    v2 = grow_version(labelled, root, "v1")
    assert videos_in_two_splits(v2) == []  # written now: one video, one split
    whole_split = as_written_before(root / "v2", {"py0922.mp4"})
    return root, cut_split, whole_split


def test_show_names_a_video_held_whole_and_cut_in_two_splits(tmp_path):
    root, cut_split, whole_split = _whole_and_cut(tmp_path)
    (leak,) = videos_in_two_splits(load_version(root, "v2"))
    assert set(leak.names) == {"py0922.mp4", "game 2.mp4"}
    assert leak.clips == {cut_split: 2, whole_split: 1}
    shown = CliRunner().invoke(app, ["dataset", "show", "v2", "--root", str(root)])
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert "v2 holds a source video in two splits" in said
    assert "py0922.mp4 = game 2.mp4" in said or "game 2.mp4 = py0922.mp4" in said
    assert f"{cut_split} 2" in said and f"{whole_split} 1" in said
    # the parent, whose clips are all cut from the one video, holds no such video
    assert "two splits" not in CliRunner().invoke(app, ["dataset", "show", "v1", "--root", str(root)]).output


def test_grow_from_a_leaky_parent_writes_the_version_and_says_so(tmp_path):
    root, _, _ = _whole_and_cut(tmp_path)
    more = make_class_tree(tmp_path / "more", {"none": [(f"m{i}", None) for i in range(3)]}, seed=9)
    grown = CliRunner().invoke(app, ["dataset", "grow", str(more), "--root", str(root), "--parent", "v2",
                                     "--no-progress"])
    assert grown.exit_code == 0, grown.output
    assert (root / "v3").is_dir()
    said = " ".join(grown.output.split())
    assert "v3 holds a source video in two splits" in said and "py0922.mp4" in said


def test_clips_cut_from_two_copies_of_a_video_in_two_splits_are_named(tmp_path):
    root = tmp_path / "datasets"
    game = _session(tmp_path / "games" / "session.mp4")
    create_version(_other_clips(tmp_path / "my-clips"), root, seed=0)
    grow_version(_cuts_of(game, tmp_path / "review1"), root, "v1")
    copy = shutil.copyfile(game, tmp_path / "games" / "session (1).mp4")
    v3 = grow_version(_cuts_of(copy, tmp_path / "review2", spans=((1.0, 3.0),)), root, "v2")
    assert videos_in_two_splits(v3) == []
    moved_to = as_written_before(root / "v3", {"review2/cut0.mp4"})
    (leak,) = videos_in_two_splits(load_version(root, "v3"))
    assert leak.names == ("session.mp4", "session (1).mp4")
    assert leak.clips[moved_to] == 1 and sum(leak.clips.values()) == 3


def test_a_version_whose_reviewed_video_is_gone_is_read_without_a_word(tmp_path):
    root, _, _ = _whole_and_cut(tmp_path)
    (tmp_path / "games" / "game 2.mp4").unlink()  # nothing left to compare the whole clip with
    assert videos_in_two_splits(load_version(root, "v2")) == []


def test_train_names_the_leak_before_it_reads_a_clip(tmp_path, monkeypatch):
    import highlights.train.loop as loop
    from highlights.train import TrainConfig, fit

    root, _, _ = _whole_and_cut(tmp_path)

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(loop, "check_stored_clips", stop)  # the leak is said before the clips are read
    said = []
    config = TrainConfig.from_options(str(root), "v2", str(tmp_path / "run"), quick=True)
    try:
        fit(config, show_progress=False, log=said.append)
    except Stop:
        pass
    assert any(line.startswith("warning: v2 holds a source video in two splits") and "py0922.mp4" in line
               for line in said), said


def test_evaluate_on_a_leaky_version_says_so_and_scores_it(tmp_path):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta, tiny_model

    root, _, _ = _whole_and_cut(tmp_path)
    net = tiny_model(2)
    checkpoint = save_checkpoint(tmp_path / "best.pt", net, tiny_meta(net, ["none", "shot"]))
    result = CliRunner().invoke(app, ["evaluate", str(checkpoint), "--root", str(root), "--version", "v2",
                                      "--out", str(tmp_path / "report"), "--no-progress", "--bootstrap", "10"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "warning: v2 holds a source video in two splits" in said and "py0922.mp4" in said
    assert (tmp_path / "report").is_dir()


def test_the_reader_of_checked_splits_that_evaluate_and_pose_training_use_tells_of_it(tmp_path):
    from highlights.datasets.checks import load_checked_splits

    root, _, _ = _whole_and_cut(tmp_path)
    said = []
    load_checked_splits(root, "v2", ["train"], log=said.append)
    assert len(said) == 1 and said[0].startswith("warning: v2 holds a source video in two splits")
    said.clear()
    load_checked_splits(root, "v1", ["train"], log=said.append)
    assert said == []


def test_the_warning_names_the_videos_and_the_figures_they_touch(monkeypatch):
    from types import SimpleNamespace

    from highlights.datasets import split_leaks
    from highlights.datasets.split_leaks import VideoInTwoSplits, split_leak_warning

    def warning(*leaks: VideoInTwoSplits) -> str:
        monkeypatch.setattr(split_leaks, "videos_in_two_splits", lambda version: list(leaks))
        return split_leak_warning(SimpleNamespace(name="v2"))

    one = warning(VideoInTwoSplits(("py0922.mp4", "game 2.mp4"), {"test": 1, "train": 2}))
    assert one.startswith("v2 holds a source video in two splits (")
    assert ": py0922.mp4 = game 2.mp4 (train 2, test 1); the test figures of a model trained on v2 count " in one
    two = warning(VideoInTwoSplits(("a.mp4",), {"train": 1, "val": 1}),
                  VideoInTwoSplits(("b.mp4",), {"train": 1, "test": 3}))
    assert two.startswith("v2 holds 2 source videos in two splits")
    assert "a.mp4 (train 1, val 1); b.mp4 (train 1, test 3); the val and test figures of a model trained on v2" in two
    held_out = warning(*(VideoInTwoSplits((f"{i}.mp4",), {"val": 1, "test": 1}) for i in range(6)))
    assert held_out.startswith("v2 holds 6 source videos in two splits")
    assert "; 4.mp4 (val 1, test 1); ...; its val and test splits hold the same footage." in held_out
    assert "5.mp4" not in held_out
    monkeypatch.setattr(split_leaks, "videos_in_two_splits", lambda version: [])
    assert split_leak_warning(SimpleNamespace(name="v2")) is None


def test_clips_cut_from_a_video_held_whole_before_them_in_another_split_are_named(tmp_path):
    # The whole clip met first: the cut clips find it by its size, then its content.
    root = tmp_path / "datasets"
    labelled = _other_clips(tmp_path / "my-clips")
    game = _session(labelled / "shot" / "py0922.mp4")
    create_version(labelled, root, seed=0)
    reviewed = shutil.copyfile(game, tmp_path / "game 2.mp4")
    assert videos_in_two_splits(grow_version(_cuts_of(reviewed, tmp_path / "review"), root, "v1")) == []
    moved_to = as_written_before(root / "v2", {"review/cut0.mp4", "review/cut1.mp4"})
    (leak,) = videos_in_two_splits(load_version(root, "v2"))
    assert leak.names == ("py0922.mp4", "game 2.mp4")
    assert leak.clips[moved_to] == 2 and sum(leak.clips.values()) == 3
