"""The CMX3600 EDL's text, worked out by hand at 25 fps: event lines, reel names, titles."""

from __future__ import annotations

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import EdlOptions, format_edl


def test_events_in_time_order_back_to_back_with_the_note_in_the_first_only():
    shot = Highlight(4.0, 6.0, "soccer_shooting", "soccer", 0.875, 5.0)
    # 1.0 to 1.01 s: both ends round to frame 25, and an event keeps at least one frame.
    swing = Highlight(1.0, 1.01, "baseball  swing\n", "baseball", 0.5, 1.0)
    text = format_edl([shot, swing], EdlOptions(fps=25.0, source_name="cup/Final Game.mp4",
                                                reel_name="season final 2024!", note="frames counted at 25 fps"))
    assert text == (
        "TITLE: Final Game\n"
        "FCM: NON-DROP FRAME\n"
        "\n"
        "001  SEASONFI V     C        00:00:01:00 00:00:01:01 00:00:00:00 00:00:00:01\n"
        "* FROM CLIP NAME: Final Game.mp4\n"
        "* COMMENT: baseball swing | baseball | score 0.500\n"
        "* frames counted at 25 fps\n"
        "\n"
        "002  SEASONFI V     C        00:00:04:00 00:00:06:00 00:00:00:01 00:00:02:01\n"
        "* FROM CLIP NAME: Final Game.mp4\n"
        "* COMMENT: soccer_shooting | soccer | score 0.875\n"
    )


def test_a_reel_name_of_no_letters_is_ax_and_a_blank_title_is_highlights():
    options = EdlOptions(fps=25.0, source_name="game.mp4", reel_name="!!", title="  \n ")
    lines = format_edl([Highlight(0.0, 1.0, "none", "soccer", 0.5)], options).splitlines()
    assert lines[0] == "TITLE: HIGHLIGHTS"
    assert lines[3].startswith("001  AX       V     C ")


def test_an_edl_is_written_up_to_99_frames_a_second_whose_frames_fit_two_digits():
    from highlights.pipeline.outputs.edl import supports

    assert supports(99.0) and supports(98.6)
    assert not supports(99.5) and not supports(120.0)
