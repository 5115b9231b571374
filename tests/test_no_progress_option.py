"""`--no-progress` on the commands that render or copy footage (synth, dataset create/grow): a
script or a CI log gets the command's own lines and no bar, where without it the bar's line is
printed on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def highlights(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "highlights", *args], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.parametrize("shown", [True, False])
def test_synth_and_dataset_draw_their_bar_only_when_asked(tmp_path, shown):
    flag = [] if shown else ["--no-progress"]
    clips = tmp_path / "clips"
    made = highlights("synth", "clips", "--out", str(clips), "--per-class", "2", "--classes", "none,soccer_shooting",
                      "--seconds", "0.3", "--size", "160x90", "--workers", "1", *flag)
    assert "wrote 4 clips" in made.stdout
    more = tmp_path / "more"
    highlights("synth", "clips", "--out", str(more), "--per-class", "1", "--classes", "none,soccer_shooting",
               "--seconds", "0.3", "--size", "160x90", "--workers", "1", "--seed", "1", "--no-progress")
    created = highlights("dataset", "create", str(clips), "--root", str(tmp_path / "ds"), *flag)
    grown = highlights("dataset", "grow", str(more), "--root", str(tmp_path / "ds"), "--parent", "v1", *flag)
    game = highlights("synth", "game", "--out", str(tmp_path / "game"), "--minutes", "0.02", "--size", "160x90",
                      "--fps", "10", *flag)
    assert (tmp_path / "ds" / "v2" / "dataset_meta.json").is_file() and "video:" in game.stdout
    bars = {"synth clips": ("rendering clips", made), "dataset create": ("", created),
            "dataset grow": ("", grown), "synth game": ("rendering game", game)}
    for command, (words, done) in bars.items():
        assert "\x1b" not in done.stderr, command
        if shown:
            assert done.stderr.strip() and words in done.stderr, command
        else:
            assert done.stderr == "", (command, done.stderr)
