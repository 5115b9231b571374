"""`pipeline calibrate`'s fit on few highlights: penalised, so its in-sample ECE can rise, and it says so."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.pipeline.calibrate import fit_and_measure
from highlights.pipeline.ranking import fit_calibration, reliability
from tests.calibration_fixtures import THREE, THREE_RIGHT, highlight


def test_the_penalised_fit_on_three_highlights_raises_their_ece_and_says_why():
    calibration, info = fit_and_measure(THREE, THREE_RIGHT, fitted_on={"video": "synthetic"})
    raw, fitted = (info[key] for key in ("reliability_raw", "reliability_fitted_in_sample"))
    # Both figures over the same three highlights and the same five bins.
    assert raw["n"] == fitted["n"] == 3 and raw["bins_used"] == fitted["bins_used"] == 5
    scores = [calibration.score(h) for h in THREE]
    # The fit keeps the order and the mean (the share right: the intercept is not penalised) but
    # pulls every score toward it: the right one from 0.85 into the 0.4-0.6 bin, where it is further
    # from its outcome than the raw score's bin was.
    assert scores[1] > scores[0] > scores[2] and np.mean(scores) == pytest.approx(1 / 3, abs=1e-3)
    assert 0.4 < scores[1] < 0.6
    assert fitted["ece"] > raw["ece"] + 1e-4
    # The penalty is the cause: nearly unpenalised, the same fit puts each score at its outcome.
    loose = fit_calibration(THREE, THREE_RIGHT, fitted_on={"video": "synthetic"}, regularisation=1e4)
    assert reliability([loose.score(h) for h in THREE], THREE_RIGHT)["ece"] < 0.01
    assert calibration.fitted_on["l2_penalty_C"] == 1.0 and loose.fitted_on["l2_penalty_C"] == 1e4
    assert info["fit"] == (
        "fitted: a logistic regression on 6 evidence features over 3 highlights (1 right), L2-penalised (C=1) so "
        "that few highlights cannot drive it to scores of 0 and 1; the penalty pulls every score toward the share "
        "right, the harder the fewer the highlights, so the fitted in-sample ECE need not be zero "
        "and can read above the raw one (it does here)")


def test_a_fit_that_lowers_the_ece_says_what_it_fitted_but_not_that_it_rose():
    # The right one is scored low: the fit moves the scores toward their outcomes and the ECE falls.
    right = [False, False, True, False]
    four = [highlight(1.0, 0.9, "soccer_shooting"), highlight(4.0, 0.7, "soccer_shooting"),
            highlight(8.0, 0.2, "baseball_swing"), highlight(12.0, 0.6, "soccer_shooting")]
    _, info = fit_and_measure(four, right, fitted_on={"video": "synthetic"})
    assert info["reliability_fitted_in_sample"]["ece"] < info["reliability_raw"]["ece"]
    assert info["fit"].startswith("fitted: a logistic regression on 6 evidence features over 4 highlights (1 right), "
                                  "L2-penalised (C=1)")
    assert info["fit"].endswith("can read above the raw one")


def test_a_fit_of_one_outcome_leaves_its_description_to_the_command():
    calibration, info = fit_and_measure(THREE, [False] * 3, fitted_on={"video": "synthetic"})
    assert info["fit"] is None and "l2_penalty_C" not in calibration.fitted_on


def test_calibrate_prints_what_it_fitted_beside_the_two_figures(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import highlights.pipeline.calibrate as calibrate
    from highlights.cli.app import app
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=2.0, events=())
    # The fit of the three highlights above, as if the pipeline had found them in this video.
    fit = fit_and_measure(THREE, THREE_RIGHT, fitted_on={"video": video.name})
    monkeypatch.setattr(calibrate, "calibrate_on_game", lambda *a, **kw: fit)
    raw, fitted = (fit[1][key]["ece"] for key in ("reliability_raw", "reliability_fitted_in_sample"))
    res = CliRunner().invoke(app, ["pipeline", "calibrate", "--video", str(video), "--annotations",
                                   str(video.with_suffix(".json")), "--out", str(tmp_path / "cal.json"),
                                   "--no-progress"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert f"expected calibration error {raw:.3f} [" in said and f"raw, {fitted:.3f} [" in said, said
    assert f"{fitted:.3f}" > f"{raw:.3f}"  # as printed: the rise the line below explains
    assert (" ".join(fit[1]["fit"].split()) in said
            and said.index(f"raw, {fitted:.3f}") < said.index("fitted: a logistic") < said.index("AUC")), said


def test_a_fit_whose_in_sample_ece_is_zero_is_not_said_to_be_above_zero():
    # Three highlights alike in every feature, two right: the fit gives each the share right, 2/3,
    # so its in-sample ECE is 0; the line said it "is not zero" beside the 0.000 it printed.
    alike = [highlight(key, 0.4, "basketball_layup") for key in (2.0, 6.0, 10.0)]
    _, info = fit_and_measure(alike, [True, True, False], fitted_on={"video": "synthetic"})
    assert round(info["reliability_fitted_in_sample"]["ece"], 3) == 0.0
    assert "not zero" not in info["fit"]
    assert info["fit"].endswith("so the fitted in-sample ECE need not be zero and can read above the raw one")


@pytest.mark.parametrize("raw, fitted, said", [(0.1234, 0.1236, True), (0.12301, 0.12349, False),
                                               (0.123, 0.123, False), (0.2, 0.1, False)])
def test_a_rise_of_the_ece_is_said_only_where_it_shows_at_three_places(raw, fitted, said):
    from types import SimpleNamespace

    from highlights.pipeline.calibrate import fit_summary

    calibration = SimpleNamespace(fitted_on={"l2_penalty_C": 1.0}, features=["score", "share"])
    info = {"highlights": 12, "right": 5, "reliability_raw": {"ece": raw},
            "reliability_fitted_in_sample": {"ece": fitted}}
    text = fit_summary(calibration, info)
    assert text.startswith("fitted: a logistic regression on 2 evidence features over 12 highlights (5 right), "
                           "L2-penalised (C=1)")
    assert text.endswith(" (it does here)") is said


def test_a_highlight_is_right_when_matched_to_an_event_whatever_its_label_unless_labels_are_asked_for():
    from highlights.events import Event
    from highlights.pipeline.calibrate import correct_flags
    from highlights.pipeline.highlight import Highlight

    found = [Highlight(k - 1.0, k + 1.0, label, "basketball", 0.5, key_s=k)
             for k, label in ((10.0, "basketball_layup"), (50.0, "basketball_layup"), (90.0, "basketball_dunk"))]
    events = [Event(f"e{k}", "basketball", "basketball_layup", k - 1.0, k + 1.0, k) for k in (49.0, 91.0)]
    assert correct_flags(found, events, 2.0) == [False, True, True]
    assert correct_flags(found, events, 2.0, by_label=True) == [False, True, False]
    assert correct_flags(found, events, 0.5) == [False, False, False]
