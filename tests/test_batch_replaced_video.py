"""A game's video replaced between two batch runs by another file of the same size, its
modification time put back (`cp` then `touch -r`, a sync tool keeping times): the game runs
again rather than its earlier outputs being reused as the new video's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from highlights.batch import collect_games, run_batch
from highlights.batch.game import GAME_RECORD
from highlights.pipeline.config import PipelineConfig
from tests.pipeline_fixtures import FixtureEvent, make_game

FAST = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt", "classifier.enabled": "false"})


def _padded(data: bytes, size: int) -> bytes:
    """An MP4 `free` box after the file's last box: the same video, `size` bytes long."""
    gap = size - len(data)
    assert gap >= 8
    return data + gap.to_bytes(4, "big") + b"free" + bytes(gap - 8)


def _run(video: Path, out: Path) -> dict:
    (record,) = run_batch(collect_games([video]), out, FAST, workers=1, progress=False, log=lambda m: None).records
    return record


def test_a_video_replaced_by_one_of_its_size_and_time_runs_again(tmp_path, restore_threads):
    video = make_game(tmp_path / "uploads", "alpha", duration_s=6.0,
                      events=(FixtureEvent("baseball_swing", 3.0, "baseball"),))
    other = make_game(tmp_path / "elsewhere", "alpha", duration_s=6.0,
                      events=(FixtureEvent("soccer_shooting", 2.0, "soccer"),))
    first_bytes, other_bytes = video.read_bytes(), other.read_bytes()
    assert first_bytes != other_bytes
    size = max(len(first_bytes), len(other_bytes)) + 64
    video.write_bytes(_padded(first_bytes, size))
    out = tmp_path / "out"
    assert _run(video, out)["status"] == "done"
    made = (out / "alpha" / GAME_RECORD).stat().st_mtime_ns

    # The same bytes copied into place (a new inode, its time kept): nothing changed, reused.
    copy = video.with_name("alpha.mp4.tmp")
    shutil.copy2(video, copy)
    os.replace(copy, video)
    assert _run(video, out)["reused"] is True
    assert (out / "alpha" / GAME_RECORD).stat().st_mtime_ns == made

    # Another video of the same size, its modification time put back as `touch -r` does.
    st = video.stat()
    video.write_bytes(_padded(other_bytes, size))
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (video.stat().st_size, video.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    record = _run(video, out)
    assert record["reused"] is False and record["status"] == "done"
    assert (out / "alpha" / GAME_RECORD).stat().st_mtime_ns != made


def test_a_game_folder_fingerprinted_by_size_and_time_alone_is_still_reused(tmp_path, restore_threads):
    """Folders written before the batch read a file's ends carry a fingerprint of its size and
    modification time: with those unchanged they are reused, not a season run again."""
    import json

    from highlights.batch.game import fingerprint, size_and_time
    from highlights.batch.model_files import model_sha256

    video = make_game(tmp_path / "uploads", "alpha", duration_s=6.0)
    out = tmp_path / "out"
    assert _run(video, out)["status"] == "done"
    record_path = out / "alpha" / GAME_RECORD
    record = json.loads(record_path.read_text())
    (game,) = collect_games([video])
    older = fingerprint(FAST.to_dict(), model_sha256(FAST), game.video,
                        str(game.annotations.absolute()) if game.annotations else None, identity=size_and_time)
    assert older != record["fingerprint"]
    record_path.write_text(json.dumps({**record, "fingerprint": older}))
    made = record_path.stat().st_mtime_ns
    assert _run(video, out)["reused"] is True
    assert record_path.stat().st_mtime_ns == made
