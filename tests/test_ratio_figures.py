"""Two figures printed beside their ratio divide to it: the figures get the places that takes."""

from __future__ import annotations

import pytest

from highlights.ratio_figures import MOST_PLACES, figures_dividing_to


@pytest.mark.parametrize("length, seconds", [(14.4, 2.347), (14.0, 2.347), (600.0, 123.456),
                                             (3614.0, 0.951), (7.5, 7.5), (0.4, 0.049)])
def test_the_printed_figures_divide_to_the_ratio_of_the_stored_ones(length, seconds):
    speed = round(length / seconds, 2)
    n_text, d_text = figures_dividing_to(length, seconds, speed)
    assert round(float(n_text) / float(d_text), 2) == speed
    assert float(n_text) == pytest.approx(length, abs=0.5)
    assert float(d_text) == pytest.approx(seconds, abs=0.05)


def test_the_figures_take_no_more_places_than_they_need():
    # 600 s in 123.5 s divides to 4.86 as printed: no more places
    assert figures_dividing_to(600.0, 123.456, round(600.0 / 123.456, 2)) == ("600", "123.5")
    # 14 s in 2.3 s divides to 6.09, not 6.14: it takes 14.40 and 2.347
    assert figures_dividing_to(14.4, 2.347, round(14.4 / 2.347, 2)) == ("14.40", "2.347")


def test_a_ratio_no_printed_figures_give_leaves_them_at_the_most_places():
    most = (f"{14.4:.{MOST_PLACES}f}", f"{2.347:.{MOST_PLACES}f}")
    assert figures_dividing_to(14.4, 2.347, 9.99) == most
