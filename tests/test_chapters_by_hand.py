"""YouTube chapter lines by hand, at the edges of YouTube's 10 s shortest chapter."""

from __future__ import annotations

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import format_chapters


def _lines(starts, duration_s=None):
    return format_chapters([Highlight(s, s + 2.0, label, "soccer", 0.5) for s, label in starts],
                           duration_s).splitlines()


def test_times_are_rounded_down_so_a_chapter_never_begins_after_its_action():
    assert _lines([(9.9, "goal"), (75.9, "save")]) == ["00:00:00 goal", "00:01:15 save"]


def test_a_first_highlight_exactly_ten_seconds_in_gets_a_start_chapter_before_it():
    assert _lines([(10.0, "goal")]) == ["00:00:00 start", "00:00:10 goal"]


def test_a_highlight_exactly_ten_seconds_after_a_chapter_opens_its_own():
    assert _lines([(0.5, "goal"), (10.2, "save")]) == ["00:00:00 goal", "00:00:10 save"]
    assert _lines([(0.5, "goal"), (9.8, "save")]) == ["00:00:00 goal, save"]


def test_a_last_chapter_exactly_ten_seconds_before_the_end_stays_and_one_closer_joins_the_one_before():
    assert _lines([(0.5, "goal"), (20.0, "save")], duration_s=30.0) == ["00:00:00 goal", "00:00:20 save"]
    assert _lines([(0.5, "goal"), (20.0, "goal")], duration_s=29.0) == ["00:00:00 goal"]   # its label once
    assert _lines([(0.5, "goal")], duration_s=5.0) == ["00:00:00 goal"]                     # the only one stays


def test_detect_says_when_its_chapters_are_too_few_for_youtube_to_show(tmp_path):
    """YouTube shows none of a video's chapters below three: pasted as written, a short game's two
    would show nothing, so detect says so beside the file."""
    from types import SimpleNamespace

    from highlights.cli.detect_lines import say_written
    from highlights.pipeline.outputs import write_chapters
    from highlights.pipeline.outputs.chapters import too_few_chapters

    def chapters_of(starts, duration_s):
        highlights = [Highlight(s, s + 2.0, "goal", "soccer", 0.5) for s in starts]
        return write_chapters(highlights, tmp_path / "chapters.txt", duration_s)

    two = chapters_of([0.5, 14.0, 22.7, 26.0], 30.5)  # the last two within 10 s of the one before
    assert two.read_text().splitlines() == ["00:00:00 goal", "00:00:14 goal"]
    said = []
    result = SimpleNamespace(video={"fps": 29.0}, highlights=[], trace=SimpleNamespace(classifications=[]))
    say_written({"chapters": two}, result, tmp_path, said.append)
    assert said == [f"  chapters: {two}",
                    "  (chapters.txt holds 2 chapters: YouTube shows a video's chapters only from 3 on, each 10 s "
                    "or longer, so it would show none of these)"]
    assert too_few_chapters(chapters_of([0.5, 14.0, 30.0], 60.0)) is None
    assert too_few_chapters(chapters_of([], 5.0)).startswith("chapters.txt holds 1 chapter: ")
