"""The one folder where highlights keeps what it can compute again (inference-path choices,
estimated poses): reading it saves time, and a run never depends on it."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

from highlights.home_folder import home_folder

CACHE_DIR_ENV = "HIGHLIGHTS_CACHE_DIR"

log = logging.getLogger(__name__)

# A path no folder can be made under (its parent is a device): every reader and writer of the
# cache then takes it as a cache that cannot be written, and measures or estimates again.
_NOWHERE = Path(os.devnull) / "highlights"

_said_homeless = False


def cache_dir() -> Path:
    """``$HIGHLIGHTS_CACHE_DIR``, else ``$XDG_CACHE_HOME/highlights``, else ``~/.cache/highlights``
    (an empty variable counts as unset, as the XDG specification says); for a process with no home
    folder, a folder of its own user's in the temporary folder (`_homeless_cache_dir`)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "highlights"
    home = home_folder()
    return home / ".cache" / "highlights" if home is not None else _homeless_cache_dir()


def _homeless_cache_dir() -> Path:
    """A service's process may run with no HOME under a user id the system does not list (a
    container's arbitrary uid), so `~` cannot be found. Its cache then lives in the temporary
    folder, in a folder named after its uid that only it may use: one another user made first
    (or a link) is not used, and the run goes on without a cache instead."""
    global _said_homeless
    folder = Path(tempfile.gettempdir()) / f"highlights-cache-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
        ours = stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077
    except OSError:
        ours = False
    if not _said_homeless:
        _said_homeless = True
        where = f"keeps its cache in {folder}" if ours else \
            f"keeps no cache ({folder} is not a private folder of this user's)"
        log.warning("this process has no home folder (HOME is not set and user id %d has no entry in the "
                    "system's user list), so highlights %s; set %s to choose the folder",
                    os.getuid(), where, CACHE_DIR_ENV)
    return folder if ours else _NOWHERE
