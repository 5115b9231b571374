"""`pipeline calibrate` stopped by Ctrl-C while it draws the fit's picture, over an earlier fit in
the same place: the earlier JSON and picture stay as they were, never the new fit beside the
earlier picture."""

from __future__ import annotations

import json

import highlights.pipeline.score_reliability_png as score_reliability_png
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

GT_FLAGS = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]


def test_a_ctrl_c_while_the_picture_is_drawn_keeps_the_earlier_fit_and_picture(
        cli, tmp_path, monkeypatch):
    game = make_game(tmp_path / "game", "game", duration_s=16.0, events=DEFAULT_EVENTS[:2])
    out = tmp_path / "cal.json"
    argv = ["pipeline", "calibrate", "--video", game, "--annotations", game.with_suffix(".json"),
            "--out", out, *GT_FLAGS, "--no-progress"]
    first = cli(*argv, "--tolerance", "2")
    assert first.exit_code == 0, first.output
    picture = tmp_path / "cal_reliability.png"
    earlier = out.read_bytes(), picture.read_bytes()
    assert json.loads(earlier[0])["fitted_on"]["tolerance_s"] == 2.0

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(score_reliability_png, "write_score_reliability", stopped)
    second = cli(*argv, "--tolerance", "1")
    assert second.exit_code == 130, second.output
    assert (out.read_bytes(), picture.read_bytes()) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.json", "cal_reliability.png", "game"]
