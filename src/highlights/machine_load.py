"""How busy the machine is beside this process, from the system's CPU counters.

A speed measurement taken while other processes keep cores busy is not the machine's: on 2
cores it favours layouts that use one core over those that use both. The automatic choices of
MoveNet's path (`people.movenet_paths`) and of the clip classifier's inference path
(`model.classifier`) read these counters around their measurement and do not store a choice
measured while others kept more than `BUSY_OTHERS_CORES` of a core busy.
"""

from __future__ import annotations

import os
import time

# Cores (on average over the measurement) that other processes may keep busy before a choice is
# not stored: an idle machine's own services stay far below it.
BUSY_OTHERS_CORES = 0.25
MIN_LOAD_WALL_S = 1.0
# Linux only. Elsewhere (macOS) the load is unknown: choices are stored as on a quiet machine.
PROC_STAT = "/proc/stat"


def cpu_seconds() -> tuple[float, float, float] | None:
    """(a monotonic clock, CPU seconds every process on the machine has used since boot, those of
    this process), all in seconds, or None where the system does not say (not Linux)."""
    try:
        with open(PROC_STAT, encoding="ascii") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    if len(fields) < 4 or ticks <= 0:
        return None
    # user nice system idle iowait irq softirq steal (guest time is inside user and nice already);
    # steal is time a virtual machine's host gave another guest: a busy core all the same.
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    mine = os.times()
    return time.monotonic(), (sum(fields[:8]) - idle) / ticks, mine.user + mine.system


def others_busy_cores(before: tuple[float, float, float] | None,
                      after: tuple[float, float, float] | None) -> float | None:
    """Cores other processes kept busy, on average, between two `cpu_seconds` readings (None when
    unknown, or over less than `MIN_LOAD_WALL_S`, where the counters' ticks are too coarse)."""
    if before is None or after is None or after[0] - before[0] < MIN_LOAD_WALL_S:
        return None
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / (after[0] - before[0]))
