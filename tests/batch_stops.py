"""A `highlights detect MANIFEST` batch run as a command and stopped with Ctrl-C while games are
held at a chosen point in their workers, then run again: what the tests of a stopped batch going
on share, whichever engine runs the games (Ray's workers or the local engine's pool).

The games are held by a `sitecustomize` that the worker processes load (they are other
processes, which a monkeypatch in the test cannot reach); it also cuts MoveNet's kept chunks to
2 s of video, so a 15 s game keeps several."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STOP_BOUND_S = 60  # a stopped batch returns well within this
# Lines Ray and its native code print themselves, not the command's.
ENGINE_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+[A-Z]+ |^\[\d{4}-|^\*\*\* SIG|^PC: |^    @ ")
RUN_FILES = ("game.json", ".highlights-run.json")  # the run's own record: its times and worker
TIMINGS = ("seconds", "speed_x_realtime", "stage_seconds", "movenet_path")

# Loaded by every Python process started with its folder on PYTHONPATH; holds games only in a Ray
# worker or a process of the local engine's pool (started by multiprocessing's spawn).
# HOLD="analysis": each game named in HOLD_GAMES (`long` unless told) is held once 4 chunks (8 s)
# of its people are kept and HOLD_PAST analysis frames after them analysed (none unless told);
# HOLD="writing": once its first page clip is kept. Held, the worker
# writes its pid to OUT/held-GAME.pid and waits to be stopped.
HOOK = """
import os, sys, time
from pathlib import Path

import highlights.pipeline.kept_frames as kept_frames

kept_frames.CHUNK_S = 2.0
worker = any(a.endswith("default_worker.py") or a == "--multiprocessing-fork" for a in sys.argv)
if os.environ.get("HOLD") and worker:
    import highlights.batch.game as game
    import highlights.pipeline.kept_clips as kept_clips

    holding = os.environ.get("HOLD_GAMES", "long").split(",")
    playing = {}
    run_game = game.run_game

    def tracked(job):
        playing["game"] = job.game_id
        return run_game(job)

    def hold():
        Path(os.environ["HOLD_OUT"], f"held-{playing['game']}.pid").write_text(str(os.getpid()))
        time.sleep(600)

    frame_done = kept_frames.KeptFrames.frame_done

    def held_frame(self, index, time_s):
        frame_done(self, index, time_s)
        past = int(os.environ.get("HOLD_PAST", "0"))  # analysis frames after the 4 chunks
        if (os.environ["HOLD"] == "analysis" and playing.get("game") in holding
                and index + 1 == 4 * self.chunk_frames + past):
            hold()

    keep_clip = kept_clips.KeptClips.keep_clip

    def held_clip(self, index, path):
        keep_clip(self, index, path)
        if os.environ["HOLD"] == "writing" and playing.get("game") in holding:
            hold()

    game.run_game = tracked
    import highlights.batch.ray_engine as ray_engine

    ray_engine.run_game = tracked
    kept_frames.KeptFrames.frame_done = held_frame
    kept_clips.KeptClips.keep_clip = held_clip
"""


def make_games(root: Path, games: tuple[tuple[str, float, int], ...]) -> Path:
    """`root/games.csv`, a manifest of the generator's games ((name, minutes, seed) each, 320x180,
    whose drawn players MoveNet finds in most frames), and the hook's folder beside it."""
    from highlights.synth.game import GameConfig, generate_game

    rows = ["path,game_id"]
    for name, minutes, seed in games:
        config = GameConfig(minutes=minutes, width=320, height=180, seed=seed, events_per_minute=8.0, name=name)
        rows.append(f"{generate_game(root, config)['video']},{name}")
    (root / "games.csv").write_text("\n".join(rows) + "\n")
    hook = root / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    return root


def batch_env(games: Path, cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOLD", "HOLD_OUT", "HOLD_GAMES", "HOLD_PAST")}
    env["PYTHONPATH"] = os.pathsep.join([str(games / "hook"), str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**env, "HIGHLIGHTS_CACHE_DIR": str(cache), **extra}


def run_batch_command(games: Path, out: Path, env: dict[str, str], args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "highlights", "detect", str(games / "games.csv"), "--out", str(out),
                           *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)


def stopped_batch(games: Path, out: Path, cache: Path, hold: str, args: list[str],
                  held: tuple[str, ...] = ("long",), past: int = 0) -> tuple[list[str], list[int]]:
    """The batch run with `hold` (and `past` frames after the 4 chunks), stopped with Ctrl-C once
    every game of `held` is held: the lines it said (the engine's own left out) and the pids of the
    workers that held them."""
    for old in out.glob("held-*.pid"):
        old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    env = batch_env(games, cache, HOLD=hold, HOLD_OUT=str(out), HOLD_GAMES=",".join(held),
                    HOLD_PAST=str(past))
    # Its own process group, as a terminal's job: Ctrl-C reaches the command and every process it started.
    proc = subprocess.Popen([sys.executable, "-m", "highlights", "detect", str(games / "games.csv"), "--out",
                             str(out), *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    pid_files = [out / f"held-{game}.pid" for game in held]
    try:
        deadline = time.monotonic() + 300
        while not all(p.exists() for p in pid_files) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(p.exists() for p in pid_files), \
            proc.communicate()[0][-3000:] if proc.poll() is not None else "never held"
        pids = [int(p.read_text()) for p in pid_files]
        os.killpg(proc.pid, signal.SIGINT)
        said, _ = proc.communicate(timeout=STOP_BOUND_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    for p in pid_files:
        p.unlink(missing_ok=True)
    assert proc.returncode == 130, said
    assert "Traceback" not in said, said
    return [line for line in said.splitlines() if line.strip() and not ENGINE_LOG_LINE.match(line)], pids


def game_files(game: Path) -> dict[str, bytes]:
    """Every file of a game's folder but the run's own record, `highlights.json` without its timings."""
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
