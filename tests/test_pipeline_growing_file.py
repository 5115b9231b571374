"""A video still being written while the pipeline reads it is refused, not read as a shorter game."""

from __future__ import annotations

import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from highlights.video import VideoError
from tests.pipeline_fixtures import make_game
from tests.video_fixtures import remuxed

FAST = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})


def test_a_file_that_grows_while_it_is_read_is_refused(tmp_path):
    video = make_game(tmp_path / "made", duration_s=12.0)
    whole = remuxed(video, tmp_path / "made" / "whole.ts", format="mpegts").read_bytes()
    arriving = tmp_path / "upload.ts"
    arriving.write_bytes(whole[: len(whole) // 2])

    def upload_goes_on(stage, done, total):
        if arriving.stat().st_size < len(whole):
            with arriving.open("ab") as f:
                f.write(whole[len(whole) // 2:])

    truth = {"annotation": load_annotation(video.with_suffix(".json")), "gt_path": video.with_suffix(".gt.jsonl")}
    with pytest.raises(VideoError) as caught:
        run_pipeline(arriving, FAST, progress=upload_goes_on, **truth)
    message = str(caught.value)
    assert message.startswith(f"{arriving}: it changed while it was read (from {len(whole) // 2} to {len(whole)} bytes)")
    assert "\n" not in message
    # Whole, the same file runs.
    assert run_pipeline(arriving, FAST, progress=False, **truth).video["duration_s"] > 11.0


@pytest.mark.parametrize("faststart", [False, True], ids=["index at the end", "index up front"])
def test_an_mp4_still_being_written_says_it_may_be(tmp_path, faststart):
    # Half an upload: an MP4 whose index is written last has none yet; one with its index up
    # front promises more than has arrived. Either line says the file may still be arriving.
    video = make_game(tmp_path / "made", duration_s=12.0)
    if faststart:
        video = remuxed(video, tmp_path / "made" / "fs.mp4", options={"movflags": "faststart"})
    whole = video.read_bytes()
    arriving = tmp_path / "upload.mp4"
    arriving.write_bytes(whole[: len(whole) // 2])
    truth = {"annotation": load_annotation(tmp_path / "made" / "game.json"),
             "gt_path": tmp_path / "made" / "game.gt.jsonl"}
    with pytest.raises(VideoError, match="or one still being written"):
        run_pipeline(arriving, FAST, progress=False, **truth)
