"""A standing decision is read back with any label a class may have: a class name may be in any
script (`vocabulary.class_name_problem`), and one written with a zero-width non-joiner (Persian
writes many words with one) or a no-break space was refused when read as "not a class name",
every read of the review then failing on a decision the review itself wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from highlights.review.errors import ReviewError
from highlights.review.store import DecisionStore
from highlights.vocabulary import class_name_problem


# "passing" in Persian, a zero-width non-joiner inside
PERSIAN_PASSING = "\u067e\u0627\u0633\u200c\u06a9\u0627\u0631\u06cc"


@pytest.mark.parametrize("label", [PERSIAN_PASSING, "free\u00a0kick",
                                   "\U0001f3c3\u200d\u2642\ufe0f_sprint"],
                         ids=["persian-zwnj", "no-break-space", "emoji-zwj"])
def test_a_decision_of_any_class_name_reads_back(tmp_path: Path, label: str) -> None:
    assert class_name_problem(label) is None  # a class `dataset create` and the review accept
    with DecisionStore(tmp_path / "review.db") as store:
        store.decide("game", "h0", status="accepted", label=label, start_s=1.0, end_s=2.0,
                     key_s=None, reviewer="Ada")
        assert store.current()[("game", "h0")].label == label


def test_a_label_no_class_can_have_is_still_refused(tmp_path: Path) -> None:
    with DecisionStore(tmp_path / "review.db") as store:
        store.decide("game", "h0", status="accepted", label="volley\nball", start_s=1.0, end_s=2.0,
                     key_s=None, reviewer="Ada")
        with pytest.raises(ReviewError, match=r"its label 'volley\\nball' is not a class name"):
            store.current()
