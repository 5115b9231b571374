"""Writers on a real filesystem that fills: the command names the file and "no space left" in one
line, and nothing half-written is left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import highlights.atomic as atomic
from highlights.datasets.lock import exclusive_lock
from highlights.errors import HighlightsError
from tests.small_filesystem import nearly_full_filesystem


def _never(_pid: str) -> HighlightsError:
    raise AssertionError("nobody else holds this lock")


def test_a_lock_is_taken_on_a_disk_without_room_for_its_pid(tmp_path: Path) -> None:
    # The lock file's pid names the holder in another run's message; a disk too full for it must
    # not end the run with a bare "No space left on device" naming no file.
    with nearly_full_filesystem(tmp_path / "disk", 0) as disk:
        with exclusive_lock(disk / ".write.lock", wait=False, busy=_never, failed=_never, remove=True):
            held = True
        assert held and not (disk / ".write.lock").exists()


def test_numpy_running_out_of_space_in_its_own_words_is_a_full_disk(tmp_path: Path) -> None:
    from highlights.train.cache import _atomic_save_npy

    with nearly_full_filesystem(tmp_path / "disk", 32 * 1024) as disk:
        target = disk / "cache" / "ab" / "clip.npy"
        with pytest.raises(atomic.DiskFullError) as err:
            # numpy's tofile says "N requested and M written", an OSError without an errno
            _atomic_save_npy(target, np.zeros((8, 64, 64, 3), np.uint8))
        assert str(err.value) == (f"no space left on {disk} while writing {target}; "
                                  "nothing earlier was changed")
        assert sorted(p.name for p in disk.rglob("*") if p.is_file()) == [".filler"]


def test_a_full_disk_while_saving_a_versions_likenesses_prints_no_traceback(tmp_path: Path) -> None:
    # numpy's zip writer, left open by the failed write, used to print a traceback when collected.
    with nearly_full_filesystem(tmp_path / "disk", 64 * 1024) as disk:
        target = disk / "likeness.npz"
        script = (
            "import gc\n"
            "import numpy as np\n"
            "from pathlib import Path\n"
            "from highlights.atomic import DiskFullError\n"
            "from highlights.datasets.checks import Likeness, save_likenesses\n"
            "rng = np.random.default_rng(0)\n"
            "noise = [rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8) for _ in range(20)]\n"
            "clips = {f'c{i}': Likeness(n, 1.0, n.mean(axis=(0, 1, 2)), 30) for i, n in enumerate(noise)}\n"
            "try:\n"
            f"    save_likenesses(Path({str(target)!r}), clips)\n"
            "except DiskFullError as e:\n"
            "    print(e)\n"
            "gc.collect()\n")
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"no space left on {disk} while writing {target}; nothing earlier was changed"
        assert done.stderr == ""
        assert sorted(p.name for p in disk.iterdir()) == [".filler"]
