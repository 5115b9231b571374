"""A process's children and whether it still runs, read from /proc (Linux): what the tests that
stop batch workers check."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """The pids of ``pid``'s child processes."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def spawned_children(pid: int) -> list[int]:
    """The pids of ``pid``'s children that multiprocessing's spawn started (pool workers)."""
    found = []
    for child in children(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:  # ended since it was listed
            continue
    return found


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie (exited, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
