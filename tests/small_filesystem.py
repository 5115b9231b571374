"""A real, nearly full filesystem for tests of what writers do when the disk fills: a small tmpfs
mounted for the test (root only; the test is skipped where it cannot be mounted)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def nearly_full_filesystem(where: Path, free_bytes: int, *, size: str = "2m") -> Iterator[Path]:
    """Mount a ``size`` tmpfs at ``where`` and fill it until ``free_bytes`` are left."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        stats = os.statvfs(where)
        (where / ".filler").write_bytes(b"\0" * max(0, stats.f_bavail * stats.f_frsize - free_bytes))
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
