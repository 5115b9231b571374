"""The order and names every output shares, and the box arithmetic people matching uses, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from highlights.people.boxes import box_centres, box_containment
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import clip_filename, in_time_order


def _h(start, end, label="goal"):
    return Highlight(start, end, label, "soccer", 0.5)


def test_highlights_starting_together_go_shorter_first_and_a_bad_interval_is_refused():
    long, short, first = _h(5.0, 9.0, "long"), _h(5.0, 7.0, "short"), _h(1.0, 2.0, "first")
    assert [h.label for h in in_time_order([long, short, first])] == ["first", "short", "long"]
    for start, end, said in [(3.0, 3.0, "needs 0 <= start_s < end_s"), (-0.5, 2.0, "needs 0 <= start_s < end_s"),
                             (1.0, math.inf, "times must be finite"), (math.nan, 2.0, "times must be finite")]:
        with pytest.raises(ValueError, match=said):
            in_time_order([first, _h(start, end)])


def test_clip_names_keep_hyphens_and_forty_letters_of_a_label():
    assert clip_filename(1, _h(0.0, 1.0, "penalty-kick")) == "hl_001_penalty-kick.mp4"
    assert clip_filename(12, _h(0.0, 1.0, "a" * 50)) == "hl_012_" + "a" * 40 + ".mp4"


def test_box_centres_and_an_empty_box_lying_inside_another():
    assert box_centres(np.array([[0.0, 0.0, 40.0, 100.0], [10.0, 20.0, 30.0, 40.0]])).tolist() == [[20.0, 50.0],
                                                                                                  [20.0, 30.0]]
    assert box_containment((5.0, 5.0, 5.0, 5.0), (0.0, 0.0, 10.0, 10.0)) == 0.0    # no area: inside of nothing
    assert box_containment((2.0, 2.0, 4.0, 4.0), (0.0, 0.0, 10.0, 10.0)) == 1.0
