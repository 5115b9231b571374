"""A batch on the local engine with 2 worker processes, stopped with Ctrl-C as a terminal sends it
(SIGINT to the command's process group, its workers included) while both games in flight are
part way through their analysis: it exits 130 with one line saying what each of them kept (the
frames after their last whole chunk included: the workers are given the time to keep them), its
workers end, no folder sits under a stopped game's name, and the command run again goes on with
each from what its worker kept and writes the bytes an uninterrupted batch writes.

The games are held at the point to stop them by the hook `tests.batch_stops` gives the pool's
worker processes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from highlights.batch.game import PARTIAL_DIR
from tests.batch_stops import STOP_BOUND_S, batch_env, game_files, make_games, run_batch_command, stopped_batch
from tests.process_states import alive
from tests.movenet_marks import NEEDS_MOVENET

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc"),
    NEEDS_MOVENET,
]

# Two worker processes of one thread each; one MoveNet thread, so no inference path is measured.
ARGS = ["--engine", "local", "--workers", "2", "--threads-per-worker", "1", "--no-progress",
        "--set", "detection.movenet_threads=1"]


@pytest.fixture(scope="module")
def games(tmp_path_factory) -> Path:
    """A short game, done before the others are stopped, and two of 15 s, in flight together."""
    return make_games(tmp_path_factory.mktemp("local-stop-games"),
                      (("short", 0.05, 4), ("long", 0.25, 3), ("late", 0.25, 5)))


def _ended(pid: int) -> bool:
    deadline = time.monotonic() + STOP_BOUND_S
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def test_a_local_batch_of_two_workers_stopped_with_ctrl_c_goes_on_to_the_same_outputs(games, tmp_path):
    out, cache = tmp_path / "season", tmp_path / "cache"
    index = out / "index.json"

    # Held 7 analysis frames (0.7 s) after their fourth 2-second chunk: at 8.6 s.
    said, workers = stopped_batch(games, out, cache, "analysis", ARGS, held=("long", "late"), past=7)
    assert said == [f"interrupted: 1 of 3 games done ({index} lists them); kept for going on: the people found "
                    "in the first 0:09 of long's video; the people found in the first 0:09 of late's video; run "
                    "the command again (without --fresh) to go on from there"], said
    assert len(set(workers)) == 2 and all(_ended(pid) for pid in workers)  # one game each, both stopped
    # The finished game is whole and listed; the stopped ones have no folder under their names.
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != PARTIAL_DIR) == ["short"]
    listed = json.loads(index.read_text())
    assert [(g["game_id"], g["status"]) for g in listed["games"]] == [
        ("short", "done"), ("long", "pending"), ("late", "pending")]

    done = run_batch_command(games, out, batch_env(games, cache), ARGS)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert "1 of 3 games is complete from an earlier run with the same config and model: skipped" in lines
    for game in ("long", "late"):
        going_on = [line for line in lines if line.startswith(f"{game}: going on ")]
        assert len(going_on) == 1 and going_on[0].startswith(f"{game}: going on from 0:09 of 0:15: "), lines
    # The short game was finished once, by the first run, and kept since.
    assert json.loads((out / "short" / "game.json").read_text())["finished_at"] < \
        json.loads((out / "long" / "game.json").read_text())["finished_at"]

    whole = run_batch_command(games, tmp_path / "whole", batch_env(games, tmp_path / "whole-cache"), ARGS)
    assert whole.returncode == 0, whole.stdout
    for game in ("short", "long", "late"):
        ours, theirs = game_files(out / game), game_files(tmp_path / "whole" / game)
        assert sorted(ours) == sorted(theirs)
        assert [name for name in ours if ours[name] != theirs[name]] == [], game
        # (the stopped games found highlights: their reels and clips are among the bytes compared)
        assert game == "short" or "reel.mp4" in ours
    # Written whole, the games leave nothing kept behind, and no partial folder.
    from highlights.pipeline.kept_clips import FOLDER as CLIPS
    from highlights.pipeline.kept_frames import FOLDER as FRAMES

    assert [p for folder in (FRAMES, CLIPS) for p in (cache / folder).rglob("*") if p.is_file()] == []
    assert not (out / PARTIAL_DIR).exists()
