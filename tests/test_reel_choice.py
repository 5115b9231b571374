"""Which highlights the reel holds when no cap is given: ranks 1 to k, while their footage fits."""

from __future__ import annotations

import pytest

from highlights.pipeline.config import MergeConfig
from highlights.pipeline.highlight import Highlight, ranked
from highlights.pipeline.reel_length import reel_choice, reel_line


def _game() -> list[Highlight]:
    spans = [(10.0, 20.0, 0.9), (100.0, 130.0, 0.8), (200.0, 205.0, 0.7), (203.0, 208.0, 0.6), (400.0, 410.0, 0.5)]
    return ranked([Highlight(start_s=a, end_s=b, label="soccer_shooting", sport="soccer", score=s)
                   for a, b, s in spans])


def test_the_reel_is_a_prefix_of_the_ranking_that_fits_the_share_of_the_video():
    # 600 s of video at a tenth: 60 s. Ranks 1-2 cover 40 s; rank 3 adds 5 s (45), rank 4 shares
    # 2 s with it and adds 3 (48); rank 5 would make 58: all fit. At a twentieth (30 s, with
    # no minute floor) rank 1 fits and rank 2 would make 40: the reel stops there, and a
    # shorter lower-ranked highlight that would fit is not slipped in after it.
    merge = MergeConfig(reel_share=0.1, reel_min_seconds=0.0)
    assert reel_choice(_game(), merge, 600.0).ranks == (1, 2, 3, 4, 5)
    short = reel_choice(_game(), MergeConfig(reel_share=0.05, reel_min_seconds=0.0), 600.0)
    assert short.ranks == (1,) and short.seconds == pytest.approx(10.0) and short.budget_s == pytest.approx(30.0)
    assert short.to_dict()["of"] == 5 and "the best-ranked one of 5 highlights" in reel_line(short.to_dict())


def test_overlapping_footage_counts_once_and_the_minute_floor_holds():
    # 100 s of video at a tenth is 10 s, but the floor is a minute: ranks 1-5 cover
    # 10 + 30 + 8 (ranks 3 and 4 share 2 s) + 10 = 58 s, and all fit.
    choice = reel_choice(_game(), MergeConfig(), 100.0)
    assert choice.budget_s == 60.0 and choice.ranks == (1, 2, 3, 4, 5) and choice.seconds == pytest.approx(58.0)
    assert reel_line(choice.to_dict()) is None


def test_a_cap_or_a_share_of_zero_puts_every_highlight_in_the_reel():
    for merge in (MergeConfig(reel_share=0.0), MergeConfig(max_highlights=3), MergeConfig(reel_seconds=20.0)):
        choice = reel_choice(_game(), merge, 6000.0)
        assert choice.budget_s is None and choice.every_highlight and len(choice.ranks) == 5
    # ... and the best highlight alone is in the reel even when it is longer than the budget.
    assert reel_choice(_game(), MergeConfig(reel_share=0.001, reel_min_seconds=0.0), 600.0).ranks == (1,)
    assert reel_choice([], MergeConfig(), 600.0).ranks == ()


def test_the_budget_says_in_words_what_set_it():
    # A tenth of 270 s is 27 s: the minute floor sets the budget. A tenth of 90 minutes is 540 s.
    assert reel_choice(_game(), MergeConfig(), 270.0).budget_words() == (
        "60 s: a minute at least, since a tenth of the game is 27 s")
    assert reel_choice(_game(), MergeConfig(), 5400.0).budget_words() == "540 s: a tenth of the game"
    assert reel_choice(_game(), MergeConfig(reel_share=0.3, reel_min_seconds=0.0), 14.0).budget_words() == (
        "4 s: 30% of the game")
    # a video of unknown length: the floor alone
    assert reel_choice(_game(), MergeConfig(reel_min_seconds=90.0), 0.0).budget_words() == "90 s: 90 s at least"
    assert reel_choice(_game(), MergeConfig(max_highlights=3), 600.0).budget_words() is None


def test_the_reel_holds_its_own_highlights_not_equal_copies_of_them():
    game = _game()
    choice = reel_choice(game, MergeConfig(reel_share=0.05, reel_min_seconds=0.0), 600.0)
    assert [choice.holds(h) for h in game] == [True, False, False, False, False]
    assert not choice.holds(Highlight.from_dict(game[0].to_dict()))
    assert choice._held_ids is choice._held_ids  # made once, not on every call


def test_a_reel_is_called_long_from_five_minutes_and_a_quarter_of_its_video_on():
    from highlights.pipeline.reel_length import long_reel_hint

    assert long_reel_hint(300.0, 1200.0, 40).startswith(
        "the reel is 5.0 min of the 20.0 min video (25%, 40 highlights)")
    assert long_reel_hint(299.0, 1000.0, 40) is None  # under five minutes
    assert long_reel_hint(300.0, 1201.0, 40) is None  # under a quarter of its video
    assert long_reel_hint(300.0, 0.0, 40) is None  # a video of no known length


def test_unranked_highlights_are_ranked_from_1_in_score_order_and_a_floor_equal_to_the_share_is_the_share():
    unranked = [Highlight(start_s=a, end_s=a + 10.0, label="soccer_shooting", sport="soccer", score=s)
                for a, s in ((100.0, 0.6), (10.0, 0.9))]
    assert reel_choice(unranked, MergeConfig(reel_share=0.0), 600.0).ranks == (1, 2)
    # a tenth of 600 s is the minute floor itself: the share set it
    assert reel_choice(_game(), MergeConfig(), 600.0).budget_words() == "60 s: a tenth of the game"


def test_a_reel_leaving_out_one_highlight_says_so():
    assert reel_line({"highlights": 4, "of": 5, "seconds": 40.0, "budget_s": 45.0}).startswith(
        "reel: the 4 best-ranked of 5 highlights (40 s, what fits in 45 s); ")
    assert reel_line({"highlights": 5, "of": 5, "seconds": 48.0, "budget_s": 60.0}) is None


def test_a_late_clocks_share_is_of_the_pictures_length_and_its_page_says_that_length(tmp_path):
    """A camera's clock kept by a stream copy: 600 s of pictures from 3600 s to 4200 s. The reel's
    tenth and the page's game length and share kept are of the 600 s; of the clock's end (4200 s)
    the budget was 420 s and the page read "from a 1:10:00 game (0.9% kept)"."""
    from highlights.events.interval import covered_seconds
    from highlights.pipeline.outputs import render_html
    from highlights.pipeline.reel_length import reel_of_run

    late = [Highlight(start_s=3600.0 + h.start_s, end_s=3600.0 + h.end_s, label=h.label,
                      sport=h.sport, score=h.score, rank=h.rank) for h in _game()]
    merge = MergeConfig(reel_share=0.05, reel_min_seconds=0.0)
    choice = reel_of_run(late, merge, {"duration_s": 4200.0, "start_s": 3600.0})
    assert choice.budget_s == pytest.approx(30.0)
    assert choice.ranks == reel_choice(_game(), merge, 600.0).ranks
    page = render_html(late, tmp_path, duration_s=4200.0, start_s=3600.0)
    total = covered_seconds((h.start_s, h.end_s) for h in late)
    assert f"from a 10:00 game ({100 * total / 600.0:.1f}% kept)" in page
