"""A video still being written while the pipeline reads it is refused, not read as a shorter game."""

from __future__ import annotations

import os

import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.run import run_pipeline
from highlights.video import VideoError
from tests.pipeline_fixtures import make_game
from tests.video_fixtures import remuxed

FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})


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
    assert message.startswith(
        f"{arriving}: it changed while it was read (from {len(whole) // 2} to {len(whole)} bytes)")
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


def test_a_file_rewritten_in_place_at_its_size_or_removed_while_it_is_read_is_refused(tmp_path):
    from highlights.video.unchanged_check import check_unchanged, file_state

    video = tmp_path / "upload.ts"
    video.write_bytes(b"a" * 1000)
    before = file_state(video)
    check_unchanged(video, before)  # as it was: no complaint
    with video.open("r+b") as f:  # a recorder writing over the same bytes: the size stays
        f.write(b"b")
    was = video.stat()
    os.utime(video, ns=(was.st_atime_ns, before.mtime_ns + 1_000_000))  # a step even a coarse clock shows
    with pytest.raises(VideoError, match=r"^.*upload\.ts: it was rewritten while it was read: a file still being"):
        check_unchanged(video, before)
    video.unlink()
    with pytest.raises(VideoError, match="it was removed or replaced while it was read"):
        check_unchanged(video, before)
