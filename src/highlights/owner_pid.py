"""Leftovers named after the process that made them: the owner's pid in the name.

A process killed before it could clean up (`kill -9`, the OOM killer, a power cut) leaves its
staging folders behind. Each carries its owner's pid in its name, so a later process recognises
those whose owner is gone and removes them; a name that does not match, or whose owner still
runs, is left alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Is a process with this pid running on this machine?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process, running
    return True


def owner_gone(pid: int) -> bool:
    """Has the process ``pid`` ended? Never true of this process itself."""
    return pid != os.getpid() and not process_alive(pid)


def folders_of_gone_owners(folder: Path, name: re.Pattern[str]) -> list[tuple[Path, re.Match[str]]]:
    """The folders in ``folder`` (not links to one) whose name ``name`` matches, with the owner's
    pid in its group ``pid``, and whose owner has ended; sorted, each with its match. An
    unreadable or missing ``folder`` has none."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    found = []
    for path in entries:
        m = name.match(path.name)
        if m is None or path.is_symlink() or not path.is_dir():
            continue
        if owner_gone(int(m.group("pid"))):
            found.append((path, m))
    return found
