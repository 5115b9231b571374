"""The seconds a run's stats give each stage: every timing of a stage adds to its total."""

from __future__ import annotations

import time

from highlights.pipeline.clock import StageClock


def test_each_timing_of_a_stage_adds_to_its_total_and_other_stages_keep_their_own():
    clock = StageClock()
    clock.add("decode_wait", 0.25)
    clock.add("decode_wait", 0.5)
    clock.add("movenet.network", 1.0)
    assert clock.rounded() == {"decode_wait": 0.75, "movenet.network": 1.0}


def test_a_timed_stage_adds_each_timing_and_counts_one_that_raises():
    clock = StageClock()
    with clock.time("merge"):
        time.sleep(0.05)
    with clock.time("merge"):
        pass  # a timing next to nothing: had it replaced the total, the 50 ms above would be gone
    assert clock.seconds["merge"] >= 0.05
    try:
        with clock.time("candidates"):
            time.sleep(0.05)
            raise RuntimeError("a stage that fails")
    except RuntimeError:
        pass
    assert clock.seconds["candidates"] >= 0.05


def test_stats_are_rounded_to_the_millisecond():
    clock = StageClock()
    clock.add("setup", 0.12345)
    assert clock.rounded() == {"setup": 0.123}
