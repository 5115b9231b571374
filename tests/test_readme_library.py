"""The README's Python example, run as written on a short synthetic game."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.movenet_marks import NEEDS_MOVENET
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_shows_one_python_example():
    assert len(_python_blocks()) == 1


@pytest.mark.slow
@NEEDS_MOVENET
def test_the_readme_python_example_runs_as_written(tmp_path, monkeypatch, capsys):
    make_game(tmp_path, "game", duration_s=6.0, events=DEFAULT_EVENTS[:1])
    monkeypatch.chdir(tmp_path)
    exec(compile(_python_blocks()[0], str(README), "exec"), {})
    written = json.loads((tmp_path / "game-highlights" / "highlights.json").read_text())
    assert written["config"]["classifier"]["sport"] == "basketball"
    assert "game-highlights/highlights.json" in capsys.readouterr().out
