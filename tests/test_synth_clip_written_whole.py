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
