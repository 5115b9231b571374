"""What a run records of a damaged video, on hand-made frame times: the stretches no analysis
frame came from, how many grid points they held, and the one line a reader gets."""

from __future__ import annotations

from highlights.pipeline.damage import StreamGaps, damage_line, damage_record
from highlights.video.reader import DecodeDamage

# Steps a float adds exactly: an analysis grid of 4 frames a second over a source of 8.
STEP, FRAME = 0.25, 0.125


def _gaps(times, start_s: float = 0.0) -> StreamGaps:
    gaps = StreamGaps(STEP, FRAME, start_s)
    for t in times:
        gaps.add(t)
    return gaps


def test_frames_a_step_and_a_half_and_a_source_frame_apart_lose_nothing():
    # Consecutive analysis frames lie at most a step and a source frame apart (0.375 s); further
    # still within a step and a half and a frame (0.5 s) is taken for rounding, not a loss.
    gaps = _gaps([0.0, 0.25, 0.625, 1.125])
    assert (gaps.gaps, gaps.missed, gaps.analysed) == ([], 0, 4)


def test_a_wider_gap_is_a_stretch_and_counts_the_grid_points_inside_it():
    gaps = _gaps([0.0, 0.25, 1.0, 1.25, 2.5])
    # 0.25 -> 1.0 lost the points at 0.5 and 0.75; 1.25 -> 2.5 the four from 1.5 to 2.25.
    assert gaps.gaps == [(0.25, 1.0), (1.25, 2.5)]
    assert (gaps.missed, gaps.analysed) == (2 + 4, 5)


def test_a_damaged_start_is_a_stretch_from_the_videos_first_picture():
    # The first frame may come a source frame late and half a step (nearest to the grid point).
    assert _gaps([1.25], start_s=1.0).gaps == []
    just_later = _gaps([1.3125], start_s=1.0)
    assert (just_later.gaps, just_later.missed) == ([(1.0, 1.3125)], 1)
    late = _gaps([1.5, 1.75], start_s=1.0)
    assert (late.gaps, late.missed, late.analysed) == ([(1.0, 1.5)], 2, 2)


def test_the_record_counts_expected_frames_as_analysed_and_missed_and_rounds_the_stretches():
    gaps = StreamGaps(0.1, 1 / 30)
    for t in (0.0, 0.1, 1.3334):
        gaps.add(t)
    skipped = DecodeDamage(packets=7, first_error="Invalid data found when processing input")
    record = damage_record(skipped, gaps)
    assert record == {"packets_skipped": 7, "first_error": "Invalid data found when processing input",
                      "analysis_frames_expected": 3 + 11, "analysis_frames_analysed": 3,
                      "unanalysed_s": [[0.1, 1.333]]}
    assert damage_record(DecodeDamage(), gaps) is None  # no damaged packet: no record at all


def test_the_line_names_three_stretches_and_counts_the_rest():
    damage = {"packets_skipped": 12, "analysis_frames_expected": 900, "analysis_frames_analysed": 850,
              "unanalysed_s": [[10.0, 12.0], [65.0, 66.5], [130.0, 131.0], [200.0, 201.0], [300.0, 302.0]]}
    assert damage_line(damage) == ("12 damaged packets skipped: 850 of 900 analysis frames analysed; "
                                   "not analysed: 0:10-0:12, 1:05-1:07, 2:10-2:11 and 2 more")
    three = dict(damage, unanalysed_s=damage["unanalysed_s"][:3])
    assert damage_line(three).endswith("not analysed: 0:10-0:12, 1:05-1:07, 2:10-2:11")


def test_damage_that_lost_no_analysis_frame_says_so():
    # Packets between two kept grid points: the source lost frames, the analysis none.
    damage = {"packets_skipped": 1, "analysis_frames_expected": 40, "analysis_frames_analysed": 40,
              "unanalysed_s": []}
    assert damage_line(damage) == "1 damaged packet skipped; every analysis frame (40) was still analysed"
    assert damage_line(None) is None
