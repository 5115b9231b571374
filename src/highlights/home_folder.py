"""The user's home folder, which a service's process may not have: HOME unset under a user id
the system does not list (a container's arbitrary uid), where `Path.home()` raises."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def home_folder() -> Path | None:
    """The home folder, or None where the process has none."""
    try:
        return Path.home()
    except RuntimeError:
        return None


def give_matplotlib_a_folder() -> None:
    """matplotlib finds its config and cache folders from the home folder and, with none, fails as
    it is imported unless MPLCONFIGDIR names one. For a process with no home, name a fresh private
    temporary folder, removed at exit, as matplotlib itself does where its folder cannot be written."""
    if os.environ.get("MPLCONFIGDIR") or home_folder() is not None:
        return
    folder = tempfile.mkdtemp(prefix="matplotlib-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder
