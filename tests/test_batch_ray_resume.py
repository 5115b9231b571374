"""A batch on the Ray engine stopped with Ctrl-C goes on as the local engine does: run again, the
finished game is skipped, the stopped one goes on from what its worker kept (the people MoveNet
found, then the page's clips), and the outputs are the bytes an uninterrupted batch writes.
Stopped, it says what each game in flight kept, the frames after its last whole chunk included
(its worker is given the time to keep them, as on the local engine), though a game stopped with
the batch never reports to it.

The game in flight is held at the point to stop it by the hook `tests.batch_stops` gives Ray's
worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch_stops import batch_env, game_files, make_games, run_batch_command, stopped_batch
from tests.movenet_marks import NEEDS_MOVENET

ray = pytest.importorskip("ray")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc"),
    NEEDS_MOVENET,
]

# One MoveNet thread, so no inference path is measured; one game at a time, the short one first.
ARGS = ["--engine", "ray", "--workers", "1", "--threads-per-worker", "1", "--no-progress",
        "--set", "detection.movenet_threads=1"]


@pytest.fixture(scope="module")
def games(tmp_path_factory) -> Path:
    """A manifest of a short game and a 15 s one."""
    return make_games(tmp_path_factory.mktemp("ray-resume-games"), (("short", 0.05, 4), ("long", 0.25, 3)))


def test_a_ray_batch_stopped_in_a_games_analysis_and_then_in_its_writing_goes_on_to_the_same_outputs(
        games, tmp_path):
    out, cache = tmp_path / "season", tmp_path / "cache"
    index = out / "index.json"

    # Held 7 analysis frames (0.7 s) after its fourth 2-second chunk: at 8.6 s, kept as the local
    # engine keeps it, the frames after the last whole chunk included.
    said = stopped_batch(games, out, cache, "analysis", ARGS, past=7)[0]
    assert said == [f"interrupted: 1 of 2 games done ({index} lists them); kept for going on: the people found "
                    "in the first 0:09 of long's video; run the command again (without --fresh) to go on from "
                    "there"], said

    said = stopped_batch(games, out, cache, "writing", ARGS)[0]
    assert said == ["removed 1 partial game folder left by an interrupted batch",
                        "1 of 2 games is complete from an earlier run with the same config and model: skipped",
                        f"interrupted: 1 of 2 games done ({index} lists them); kept for going on: the people found "
                        "in the first 0:15 of long's video and 1 clip of its page; run the command again (without "
                        "--fresh) to go on from there"], said

    done = run_batch_command(games, out, batch_env(games, cache), ARGS)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert "1 of 2 games is complete from an earlier run with the same config and model: skipped" in lines
    going_on = [line for line in lines if line.startswith("long: going on ")]
    assert [line.split(":")[1] for line in going_on] == [" going on from 0", " going on with the page's clips"]
    assert going_on[0].startswith("long: going on from 0:15 of 0:15: "), going_on
    assert going_on[1].startswith("long: going on with the page's clips: 1 clip of "), going_on
    # The short game was finished once, by the first run, and kept since.
    assert json.loads((out / "short" / "game.json").read_text())["finished_at"] < \
        json.loads((out / "long" / "game.json").read_text())["finished_at"]

    whole = run_batch_command(games, tmp_path / "whole", batch_env(games, tmp_path / "whole-cache"), ARGS)
    assert whole.returncode == 0, whole.stdout
    for game in ("short", "long"):
        ours, theirs = game_files(out / game), game_files(tmp_path / "whole" / game)
        assert sorted(ours) == sorted(theirs)
        assert [name for name in ours if ours[name] != theirs[name]] == [], game
    # Written whole, the game leaves nothing kept behind, and no partial folder.
    from highlights.pipeline.kept_clips import FOLDER as CLIPS
    from highlights.pipeline.kept_frames import FOLDER as FRAMES

    assert [p for folder in (FRAMES, CLIPS) for p in (cache / folder).rglob("*") if p.is_file()] == []
    assert not (out / ".partial").exists()
