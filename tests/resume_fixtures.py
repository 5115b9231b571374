"""What the tests of a stopped `detect` going on from its kept chunks share: the game, the
default config, the kept chunks cut to 2 s, a progress callback that stops the run, and the
output read without the figures that differ from run to run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import highlights.pipeline.kept_frames as kept_frames
from highlights.pipeline.config import PipelineConfig

# MoveNet people and the packaged pose classifier, as `detect` runs by default; one thread, so no
# inference path is measured.
CONFIG = PipelineConfig().with_overrides({"detection.movenet_threads": 1})
TIMINGS = ("seconds", "speed_x_realtime", "stage_seconds", "movenet_path")


def resume_game(folder: Path) -> Path:
    """15 s of the generator's game (30 fps, a keyframe every 2 s), whose drawn players MoveNet
    finds in most frames."""
    from highlights.synth.game import GameConfig, generate_game

    config = GameConfig(minutes=0.25, width=320, height=180, seed=3, events_per_minute=8.0, name="game")
    return generate_game(folder, config)["video"]


def kept_in_2s_chunks(tmp_path: Path, monkeypatch) -> Path:
    """The kept chunks' folder under a cache of `tmp_path`'s, each chunk 2 s of video (20 analysis
    frames: a 15 s game has 8)."""
    root = tmp_path / "cache"
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(root))
    monkeypatch.setattr(kept_frames, "CHUNK_S", 2.0)
    return root / kept_frames.FOLDER


def stop_at(share: float, stage: str = "analysis"):
    """A progress callback that stops the run (as Ctrl-C does) once `share` of its `stage` is done
    ("analysis", or "cutting" while it writes its outputs)."""
    def progress(at_stage, done, total):
        if at_stage == stage and done >= share * total:
            raise KeyboardInterrupt
    return progress


def highlights_json(folder: Path) -> dict:
    """`folder`'s highlights.json less how long the run took, which differs from run to run where
    everything else must not."""
    data = json.loads((folder / "highlights.json").read_text())
    for key in TIMINGS:
        data["stats"].pop(key, None)
    return data
