"""A synthetic clip and its ground truth are written together: a disk that fills after the video
leaves neither, and the clip an earlier run wrote at that name stays as it was."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from highlights.atomic import DiskFullError
from highlights.synth import clip as synth_clip
from tests.synth_fixtures import request


def test_a_disk_full_at_the_truth_leaves_the_earlier_clip_and_truth_and_no_temp_file(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    video = tmp_path / "none" / "none-s0-0000.mp4"
    earlier = synth_clip.write_clip(request("none", 1, sport="soccer", seconds=0.3, size=(64, 36)), video)
    video_bytes, truth_text = video.read_bytes(), video.with_suffix(".json").read_text()
    assert json.loads(truth_text)["frames"] == earlier["frames"]

    def out_of_space(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    # The truth is written after the video; the disk is full by then.
    monkeypatch.setattr(synth_clip, "atomic_write_json", out_of_space)
    with pytest.raises(OSError) as stopped:
        synth_clip.write_clip(request("none", 2, sport="soccer", seconds=0.3, size=(64, 36)), video)
    assert stopped.value.errno == errno.ENOSPC or isinstance(stopped.value, DiskFullError)
    assert video.read_bytes() == video_bytes
    assert video.with_suffix(".json").read_text() == truth_text
    assert sorted(p.name for p in video.parent.iterdir()) == ["none-s0-0000.json", "none-s0-0000.mp4"]


@pytest.mark.parametrize("where", ["video", "annotation"])
def test_a_disk_full_part_way_through_a_game_leaves_the_earlier_game_whole(tmp_path: Path, monkeypatch,
                                                                           where: str) -> None:
    from highlights.synth import GameConfig, generate_game
    from highlights.synth import game as synth_game

    def config(seed: int) -> GameConfig:
        return GameConfig(minutes=0.05, sport="soccer", width=64, height=36, fps=10.0, seed=seed, name="match")

    paths = generate_game(tmp_path, config(1))
    earlier = {p.name: p.read_bytes() for p in paths.values()}

    def out_of_space(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    # The video is written after the truth streamed beside it; the annotation after both.
    if where == "video":
        import highlights.video as video_package
        monkeypatch.setattr(video_package, "write_video", out_of_space)
    else:
        monkeypatch.setattr(synth_game, "save_annotation", out_of_space)
    with pytest.raises(OSError):
        generate_game(tmp_path, config(2))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == earlier
