"""A service's process with no home folder (HOME unset, a user id the system does not list, as a
container's arbitrary uid runs): highlights keeps its cache in a private folder of that uid's and
still writes its pictures, where `Path.home()` raised out of both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The process forgets its user: HOME unset and no entry in the user list, so `~` cannot be found.
_NO_USER = """
import pwd
def _unlisted(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")
pwd.getpwuid = _unlisted
"""


def _run_homeless(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "HIGHLIGHTS_CACHE_DIR", "MPLCONFIGDIR")}
    env.update(TMPDIR=str(tmp_path), PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    return subprocess.run([sys.executable, "-c", _NO_USER + code], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_cache_is_a_private_folder_of_the_uid_in_the_temporary_folder(tmp_path):
    done = _run_homeless("from highlights.cache_dir import cache_dir; print(cache_dir())", tmp_path)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert folder == tmp_path / f"highlights-cache-{os.getuid()}"
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    assert "has no home folder" in done.stderr and "HIGHLIGHTS_CACHE_DIR" in done.stderr


def test_a_folder_another_made_first_is_not_used(tmp_path):
    # A link in its place, as another user of a shared /tmp could plant: the run keeps no cache.
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / f"highlights-cache-{os.getuid()}").symlink_to(tmp_path / "elsewhere")
    done = _run_homeless("from highlights.cache_dir import cache_dir; print(cache_dir())", tmp_path)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert not folder.parent.is_dir()  # under a device: nothing can be made there
    assert "keeps no cache" in done.stderr


def test_detect_writes_its_timeline_picture(tmp_path):
    out = tmp_path / "timeline.png"
    code = f"""
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.timeline import plot_timeline
plot_timeline([Highlight(start_s=1.0, end_s=3.0, label="basketball_layup", sport="basketball",
                         score=0.9)], {str(out)!r}, duration_s=10.0)
"""
    done = _run_homeless(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
