"""`wrap_to_width`: a picture's long label on lines that each fit, broken after a `_` where one fits,
else inside the word, each such line as full as it can be."""

from __future__ import annotations

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from highlights.wrapped_label import widest_line_pt, wrap_to_width


def _width(line: str, size: float) -> float:
    return text_to_path.get_text_width_height_descent(line, FontProperties(size=size), ismath=False)[0]


def test_a_snake_case_name_breaks_after_its_underscores_and_each_line_fits():
    name = "_".join(["basketball", "layup", "from", "the", "left", "side", "of", "the", "court"] * 3)
    lines = wrap_to_width(name, 120, 10).split("\n")
    assert len(lines) > 1 and "".join(lines) == name
    assert all(_width(line, 10) <= 120 for line in lines)
    assert all(line.endswith("_") for line in lines[:-1])
    assert widest_line_pt("\n".join(lines), 10) == max(_width(line, 10) for line in lines)


@pytest.mark.filterwarnings("ignore:Glyph")  # measured in matplotlib's own font, which lacks 日本 here
def test_a_name_without_a_break_is_cut_into_full_lines_that_fit():
    name = "x" * 500 + "日本ü"
    lines = wrap_to_width(name, 300, 12).split("\n")
    assert "".join(lines) == name
    assert all(_width(line, 12) <= 300 for line in lines)
    # as full as they can be: one more character would not fit
    assert all(_width(line + following[0], 12) > 300 for line, following in zip(lines, lines[1:]))


def test_short_text_and_its_own_lines_are_kept():
    assert wrap_to_width("n=5 clips\naccuracy 1.000", 300, 9) == "n=5 clips\naccuracy 1.000"
    assert wrap_to_width("Highlights of a game.mp4 (3 predicted)", 100, 12).replace("\n", " ") == (
        "Highlights of a game.mp4 (3 predicted)")


def test_a_line_of_narrow_letters_holds_as_many_as_fit():
    lines = wrap_to_width("i" * 400, 100, 10).split("\n")
    assert all(_width(line, 10) <= 100 for line in lines)
    assert all(_width(line + "i", 10) > 100 for line in lines[:-1])


def test_a_name_breaks_after_a_dash_a_dot_or_a_slash_and_no_line_ends_in_a_space():
    for mark in "-./":
        name = mark.join(["segment"] * 12)
        lines = wrap_to_width(name, 80, 10).split("\n")
        assert len(lines) > 1 and "".join(lines) == name
        assert all(line.endswith(mark) for line in lines[:-1])
    words = wrap_to_width("a few words that end in a space ", 60, 10).split("\n")
    assert all(not line.endswith(" ") for line in words)


def test_a_word_that_fits_only_without_the_space_after_it_stays_on_its_line():
    line = "word " * 3
    width = _width(line.rstrip(" "), 10)
    assert wrap_to_width(line + "next", width, 10).split("\n") == ["word word word", "next"]


def test_spaces_before_a_long_word_make_no_empty_line():
    lines = wrap_to_width("  " + "x" * 200, 100, 10).split("\n")
    assert all(line.strip() for line in lines)
