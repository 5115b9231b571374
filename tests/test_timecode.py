"""Timecodes by hand: the clock people read, the axis labels, the frame a time falls on, SMPTE
frames and a camera's start timecode, each worked out on figures chosen to be exact in binary."""

from __future__ import annotations

import math

import opentimelineio as otio
import pytest

from highlights.pipeline.outputs.timecode import (
    clock_timecode, frame_to_smpte, seconds_to_frame, short_clock, timecode_base, timecode_start)

NTSC = 30000 / 1001


def test_a_time_exactly_halfway_rounds_up_whatever_the_parity():
    # round() would take 2.5 to 2 and 62.5 ms to 62: a timecode must not depend on parity.
    assert seconds_to_frame(0.625, 4.0) == 3          # frame 2.5
    assert seconds_to_frame(0.875, 4.0) == 4          # frame 3.5
    assert short_clock(2.5) == "0:03"
    assert clock_timecode(0.0625) == "00:00:00.063"


def test_the_clock_reads_hours_minutes_seconds_and_milliseconds():
    assert clock_timecode(93.5) == "00:01:33.500"
    assert clock_timecode(3661.25) == "01:01:01.250"
    assert clock_timecode(-0.5) == "00:00:00.000"     # a padded start before the video's first frame
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="not finite"):
            clock_timecode(bad)


def test_axis_labels_round_to_the_second_and_show_hours_only_from_an_hour():
    assert short_clock(59.5) == "1:00"
    assert short_clock(59.4) == "0:59"
    assert short_clock(125.0) == "2:05"
    assert short_clock(3600.0) == "1:00:00"
    assert short_clock(3725.0) == "1:02:05"
    assert short_clock(-3.0) == "0:00"


def test_a_time_before_the_first_frame_is_the_first_frame():
    assert seconds_to_frame(-0.5, 30.0) == 0
    assert seconds_to_frame(1.5, NTSC) == 45


def test_the_timecode_base_is_the_rate_rounded_half_up_and_a_rate_must_be_finite_and_positive():
    assert [timecode_base(f) for f in (NTSC, 23.976, 12.5, 0.25)] == [30, 24, 13, 1]
    for bad in (0.0, -25.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="frame rate must be positive"):
            timecode_base(bad)


def test_smpte_frames_count_on_the_base_and_refuse_what_has_no_timecode():
    assert frame_to_smpte(0, 25) == "00:00:00:00"
    assert frame_to_smpte(24, 25) == "00:00:00:24"
    assert frame_to_smpte(25 * 3661 + 7, 25) == "01:01:01:07"
    with pytest.raises(ValueError, match=">= 0"):
        frame_to_smpte(-1, 25)
    with pytest.raises(ValueError, match="base 30 or 60"):
        frame_to_smpte(10, 25, drop_frame=True)


def test_a_start_timecode_is_counted_on_the_base_and_read_as_drop_frame_only_at_the_ntsc_rates():
    assert timecode_start("00:00:01:29", 30.0) == (59, False)
    assert timecode_start("00:00:01:30", 30.0) == (0, False)        # no frame 30 at 30 fps: not a timecode
    assert timecode_start("00:00:02:00", 12.5) == (26, False)       # 12.5 fps counts on 13
    assert timecode_start("01:00:00;00", 30.0) == (108000, False)   # exactly 30 fps has no drop-frame
    hour = int(otio.opentime.from_timecode("01:00:00;00", NTSC).value)
    for separator in ";.,":                                          # cameras write any of these for drop-frame
        assert timecode_start(f"01:00:00{separator}00", NTSC) == (hour, True)
    assert timecode_start("01:00:00:00", NTSC) == (108000, False)
