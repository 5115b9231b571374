"""The highlights' score reliability drawn as a picture: `pipeline evaluate`'s beside
pipeline_eval.md, linked from its score reliability section, and `pipeline calibrate`'s beside
its calibration, raw and fitted side by side. Each panel draws the bins of the reliability its
table or terminal figures come from: the picture's numbers are the table's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from highlights.pipeline.ranking import reliability
from highlights.reliability_diagram import reliability_figure
from tests.calibration_fixtures import THREE, THREE_RIGHT


def _scored(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 1.0, n)
    return reliability(scores.tolist(), (rng.uniform(0.0, 1.0, n) < scores).tolist())


def _drawn(ax) -> dict:
    """What a panel shows, bin by bin: its bars' edges and heights and its counts."""
    return {"bars": [(round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6), p.get_height())
                     for p in ax.patches],
            "counts": [t.get_text() for t in ax.texts],
            "diagonal": any(list(line.get_xdata()) == [0, 1] and list(line.get_ydata()) == [0, 1]
                            for line in ax.lines)}


def _bins(rel: dict) -> dict:
    return {"bars": [(b["bin"][0], b["bin"][1], b["correct_rate"]) for b in rel["bins"]],
            "counts": [f"n={b['n']}" for b in rel["bins"]],
            "diagonal": True}


def test_each_panel_draws_its_reliabilitys_bins_counts_and_the_diagonal():
    raw, fitted = _scored(40, 1), _scored(40, 2)
    fig = reliability_figure([("raw", raw), ("fitted", fitted)], item="highlight", xlabel="score", ylabel="right")
    assert [_drawn(ax) for ax in fig.axes] == [_bins(raw), _bins(fitted)]
    assert sum(b["n"] for b in raw["bins"]) == 40
    low, high = raw["ece_interval"]
    assert fig.axes[0].get_title() == (f"raw: ECE {raw['ece']:.3f} [{low:.3f}, {high:.3f}] (95% bootstrap), "
                                       "n=40 highlights")


def test_pipeline_eval_md_links_a_picture_of_the_table_it_shows(tmp_path):
    from highlights.pipeline.eval_report import _reliability_markdown, _reliability_picture
    from highlights.pipeline.score_reliability_png import SCORE_RELIABILITY_PNG

    rel = {"tolerance_s": 2.0, **_scored(30, 3)}
    about = {"score_reliability": rel, "score_calibration": "the classifier's probability"}
    markdown = "\n".join(_reliability_markdown(about))
    assert f"]({SCORE_RELIABILITY_PNG})" in markdown
    rows = [line for line in markdown.splitlines() if re.match(r"\| \d\.\d-\d\.\d \|", line)]
    assert [row.split(" | ")[1:3] for row in rows] == [[str(b["n"]), f"{b['mean_score']:.3f}"] for b in rel["bins"]]
    written = _reliability_picture(about, tmp_path, "game.mp4")
    assert written == {"reliability": tmp_path / SCORE_RELIABILITY_PNG}
    assert written["reliability"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # No highlight to bin, no picture (the earlier one goes with the JSON's writing:
    # tests/test_report_folder_leftovers.py).
    assert _reliability_picture({"score_reliability": {"n": 0}}, tmp_path, "game.mp4") == {}


def test_calibrate_draws_the_raw_and_fitted_reliability_it_prints(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import highlights.pipeline.calibrate as calibrate
    import highlights.reliability_diagram as diagram
    from highlights.cli.app import app
    from highlights.pipeline.calibrate import fit_and_measure
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=2.0, events=())
    fit = fit_and_measure(THREE, THREE_RIGHT, fitted_on={"video": video.name})
    monkeypatch.setattr(calibrate, "calibrate_on_game", lambda *a, **kw: fit)
    drawn = []
    figure = diagram.reliability_figure
    monkeypatch.setattr(diagram, "reliability_figure",
                        lambda panels, **kw: drawn.append([_drawn(ax) for ax in figure(panels, **kw).axes])
                        or figure(panels, **kw))
    res = CliRunner().invoke(app, ["pipeline", "calibrate", "--video", str(video), "--annotations",
                                   str(video.with_suffix(".json")), "--out", str(tmp_path / "cal.json"),
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    picture = tmp_path / "cal_reliability.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(picture) in "".join(res.output.split())
    assert drawn == [[_bins(fit[1]["reliability_raw"]), _bins(fit[1]["reliability_fitted_in_sample"])]]
    raw = fit[1]["reliability_raw"]["ece"]
    assert f"expected calibration error {raw:.3f} [" in " ".join(res.output.split())


@pytest.mark.parametrize("panels", [1, 2])
def test_the_picture_keeps_its_text_inside_and_apart(panels):
    from tests.picture_checks import texts_outside

    fig = reliability_figure([("raw", _scored(50, 4))] * panels, item="highlight",
                             xlabel="highlight score (bin)", ylabel="share of the bin's highlights right")
    assert texts_outside(fig) == []
