"""The score AUC (does a score rank right highlights above wrong ones?) comes with its 95%
interval and counts, pooled and within a video. The interval is checked against closed forms
(Wilson's, where it must reduce to it), Hanley and McNeil's variance written out from its Q1 and Q2
and inverted on a grid, and a slow stratified bootstrap of the highlights."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from highlights.auc_interval import WITHIN_METHOD, Auc, auc_of, within_group_auc
from highlights.pipeline.calibrate import score_reliability
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.eval_report import PipelineEvaluation, render_markdown
from highlights.pipeline.evaluation import attribute_misses, evaluate_highlights
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.ranking import reliability
from tests.wilson_reference import Z95, wilson


def _pairs_won(right, wrong) -> float:
    return sum((r > w) + 0.5 * (r == w) for r in right for w in wrong) / (len(right) * len(wrong))


def _hanley_mcneil_grid_interval(value: float, m: int, n: int) -> tuple[float, float]:
    """Every AUC A on a fine grid whose Hanley-McNeil variance, both group sizes set to their mean
    (Q1 = A/(2-A), Q2 = 2A^2/(1+A)), puts it within 1.96 standard errors of `value`."""
    a = np.linspace(0.0, 1.0, 400_001)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    mean = (m + n) / 2
    var = (a * (1 - a) + (mean - 1) * (q1 - a * a) + (mean - 1) * (q2 - a * a)) / (m * n)
    inside = a[np.abs(value - a) <= Z95 * np.sqrt(np.maximum(var, 0.0))]
    return float(inside.min()), float(inside.max())


@pytest.mark.parametrize("right,wrong", [
    ([0.9], [0.1]),                                  # one pair, won
    ([0.1], [0.9]),                                  # one pair, lost
    ([0.3, 0.5, 0.5, 0.8, 0.9], [0.2, 0.5, 0.7]),    # ties count half
    ([0.6, 0.7, 0.8, 0.9, 0.95], [0.1, 0.2, 0.3, 0.4, 0.5]),  # every pair ranked the right way
])
def test_auc_and_interval_match_an_independent_computation(right, wrong):
    from sklearn.metrics import roc_auc_score

    auc = auc_of(right + wrong, [True] * len(right) + [False] * len(wrong))
    assert auc.value == pytest.approx(_pairs_won(right, wrong))
    assert auc.value == pytest.approx(roc_auc_score([1] * len(right) + [0] * len(wrong), right + wrong))
    assert (auc.right, auc.wrong, auc.pairs) == (len(right), len(wrong), len(right) * len(wrong))
    assert (auc.low, auc.high) == pytest.approx(_hanley_mcneil_grid_interval(auc.value, len(right), len(wrong)),
                                                abs=1e-5)


def test_one_right_and_one_wrong_is_wilsons_interval_of_one_trial():
    won = auc_of([0.9, 0.1], [True, False])
    lost = auc_of([0.1, 0.9], [True, False])
    assert (won.low, won.high) == pytest.approx(wilson(1, 1), abs=1e-9)
    assert (lost.low, lost.high) == pytest.approx(wilson(0, 1), abs=1e-9)


def test_within_a_video_one_pair_in_each_of_k_videos_is_wilsons_of_the_wins():
    # 5 videos, one right and one wrong highlight each; the right one outscores in 3 of them;
    # pairs across videos (0.95 against 0.05 ...) do not count
    scores, flags, videos = [], [], []
    for v, (r, w) in enumerate([(0.9, 0.1), (0.2, 0.8), (0.95, 0.5), (0.3, 0.4), (0.6, 0.05)]):
        scores += [r, w]
        flags += [True, False]
        videos += [f"v{v}", f"v{v}"]
    auc = within_group_auc(scores, flags, videos)
    assert (auc.value, auc.pairs, auc.groups) == (0.6, 5, 5)
    assert (auc.low, auc.high) == pytest.approx(wilson(3, 5), abs=1e-9)
    # a video with right highlights only adds no pair
    alone = within_group_auc(scores + [0.99], flags + [True], videos + ["v9"])
    assert (alone.value, alone.pairs, alone.groups) == (0.6, 5, 5)
    assert within_group_auc([0.5, 0.6], [True, False], ["a", "b"]) is None


def test_stored_auc_names_its_videos_only_when_counted_within_them():
    scores, flags, videos = [0.9, 0.1, 0.2, 0.8, 0.7], [True, False, True, False, True], ["a", "a", "b", "b", "b"]
    measured = within_group_auc(scores, flags, videos)
    inside = measured.to_dict()
    assert (inside["videos"], inside["pairs"], inside["auc"]) == (2, 3, pytest.approx(1 / 3, abs=1e-15))
    # stored exact, so that what is printed from it is rounded once
    assert inside["interval"] == [measured.low, measured.high]
    pooled = auc_of(scores, flags)
    assert "videos" not in pooled.to_dict()
    assert pooled.to_dict()["interval"] == [pooled.low, pooled.high]
    again = Auc.from_dict(inside)
    assert (again.groups, again.pairs, again.method) == (2, 3, WITHIN_METHOD)
    assert again.counts() == "n=5: 3 right, 2 wrong; 3 pairs in 2 videos"
    # an interval that ends exactly at chance holds it
    assert Auc(0.7, 0.5, 0.9, 3, 3, 9).reported().endswith("not told from chance (0.5)")
    assert Auc(0.3, 0.1, 0.5, 3, 3, 9).reported().endswith("not told from chance (0.5)")
    assert Auc(0.8, 0.51, 0.9, 3, 3, 9).reported() == "0.80 [0.51, 0.90] (n=6: 3 right, 3 wrong; 9 pairs)"


def test_within_a_video_of_one_video_is_the_pooled_interval():
    scores, flags = [0.9, 0.4, 0.7, 0.2, 0.6], [True, True, False, False, True]
    pooled, inside = auc_of(scores, flags), within_group_auc(scores, flags, ["v"] * 5)
    assert (inside.value, inside.low, inside.high) == pytest.approx((pooled.value, pooled.low, pooled.high))
    assert inside.counts() == "n=5: 3 right, 2 wrong; 6 pairs in 1 video"


def test_interval_is_as_wide_as_a_stratified_bootstrap_of_the_highlights():
    """Where the normal approximation holds (60 right, 60 wrong), the interval's width agrees with
    a slow percentile bootstrap that resamples right and wrong highlights separately."""
    rng = np.random.default_rng(3)
    right, wrong = rng.normal(0.8, 1.0, 60), rng.normal(0.0, 1.0, 60)
    auc = auc_of(list(right) + list(wrong), [True] * 60 + [False] * 60)
    boot = []
    for _ in range(1500):
        r, w = rng.choice(right, 60), rng.choice(wrong, 60)
        boot.append(float(((r[:, None] > w[None, :]).sum()) / 3600))
    lo, hi = np.percentile(boot, [2.5, 97.5])
    assert auc.high - auc.low == pytest.approx(hi - lo, rel=0.15)
    assert auc.low == pytest.approx(lo, abs=0.03) and auc.high == pytest.approx(hi, abs=0.03)


def test_a_handful_of_wrong_highlights_reads_as_noise():
    """13 right and 5 wrong highlights ranked at AUC 0.32: the interval spans chance and says so,
    and every pair ranked the right way is not read as certain."""
    right = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
    wrong = [0.2, 0.5, 0.62, 0.68, 0.9]
    auc = auc_of(right + wrong, [True] * 13 + [False] * 5)
    assert auc.value == pytest.approx(_pairs_won(right, wrong))
    assert auc.low < 0.3 and auc.high > 0.5 and auc.high - auc.low > 0.4
    assert auc.reported().endswith("(n=18: 13 right, 5 wrong; 65 pairs), not told from chance (0.5)")
    sure = auc_of([0.6, 0.7, 0.8, 0.9, 0.95, 0.1, 0.2, 0.3, 0.4, 0.5], [True] * 5 + [False] * 5)
    assert sure.value == 1.0 and sure.high == 1.0 and sure.low < 0.8
    assert "chance" not in sure.reported()


def test_reliability_carries_the_auc_and_none_with_one_outcome():
    rel = reliability([0.9, 0.8, 0.3, 0.6], [True, False, False, True])
    assert rel["auc"]["auc"] == pytest.approx(0.75) and rel["auc"]["right"] == 2 and rel["auc"]["wrong"] == 2
    assert rel["auc"]["interval"] == pytest.approx(list(_hanley_mcneil_grid_interval(0.75, 2, 2)), abs=1e-4)
    assert reliability([0.9, 0.8], [True, True])["auc"] is None


def test_evaluation_markdown_prints_the_score_auc_with_interval_and_counts():
    events = [SimpleNamespace(id=f"e{i}", sport="baseball", label="baseball_swing", start_s=k - 0.5, end_s=k + 0.5,
                              key_s=k) for i, k in enumerate((10.0, 20.0, 30.0))]
    annotation = SimpleNamespace(events=events, video="game.mp4")
    hl = lambda key, score: Highlight(start_s=key - 1, end_s=key + 1, label="baseball_swing",  # noqa: E731
                                      sport="baseball", score=score, key_s=key)
    highlights = [hl(10.0, 0.9), hl(20.0, 0.4), hl(50.0, 0.7), hl(70.0, 0.2)]  # two right, two wrong
    trace = SimpleNamespace(windows=[], triggers=[], classifications=[], classifier_gate=None, unanalysed_s=[],
                            frames_between=lambda a, b: {})
    report = PipelineEvaluation(
        scores=evaluate_highlights(highlights, annotation, tolerances=[2.0]),
        attribution=attribute_misses(highlights, annotation, trace, PipelineConfig(), highlights),
        about={"score_reliability": score_reliability(highlights, annotation), "score_calibration": "raw"})
    lo, hi = _hanley_mcneil_grid_interval(0.75, 2, 2)  # 3 of the 4 right x wrong pairs won
    md = " ".join(render_markdown(report).split())
    assert f"AUC 0.75 [{lo:.2f}, {hi:.2f}] (n=4: 2 right, 2 wrong; 4 pairs), not told from chance (0.5)" in md
    assert "Newcombe" in md


def test_an_auc_read_back_is_printed_rounded_once_from_the_exact_interval():
    """This interval's high end is 0.83502: 0.84 to two places, where stored at four places first
    (0.8350) it printed 0.83."""
    measured = auc_of([0.03, 0.03, 0.36, 0.69, 0.51, 0.82, 0.33, 0.39],
                      [True, False, True, True, True, False, False, False])
    assert measured.high == pytest.approx(0.83502, abs=1e-5)
    again = Auc.from_dict(measured.to_dict())
    assert again.reported() == measured.reported()
    assert again.reported().startswith("0.53 [0.20, 0.84]")
