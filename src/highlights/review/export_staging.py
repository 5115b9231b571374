"""The folder a review export cuts its clips into before the dataset version takes them.

It lies beside the dataset root, not in the system temp folder: on the dataset's own filesystem
(a season's clips can outgrow a temp folder held in memory, and a full disk is the dataset's, as
the version's write will find it), and where a user looking at the datasets sees it. Its name says
what it is and which process wrote it, so an export killed before it could clean up (`kill -9`,
a power cut) leaves a folder the next export recognises as stale and removes.

A pid alone cannot say that: an export in another container sharing the volume has a pid no
process here has. So the export holds a lock on a file inside its staging folder while it writes
(``fcntl.flock``, which every container sharing the filesystem sees and the kernel drops when its
holder dies, however it dies), and a folder is stale only where its owner is gone here and no one
holds that lock.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.datasets.lock import exclusive_lock, lock_held
from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.owner_pid import folders_of_gone_owners
from highlights.review.errors import ReviewError

STAGING_PREFIX = ".highlights-review-export-staging-"
_STAGING_RE = re.compile(r"^" + re.escape(STAGING_PREFIX) + r"(?P<pid>\d+)-")
OWNER_LOCK = ".export.lock"
# An export makes its staging folder, then locks the file in it: a folder younger than this and
# without its lock file yet is one being set up, not a leftover.
NEW_STAGING_GRACE_S = 60.0


def _in_use(staging: Path) -> bool:
    """Is an export (here or in another container sharing the folder) writing ``staging``?"""
    lock = staging / OWNER_LOCK
    if lock.exists():
        return lock_held(lock)
    try:
        return time.time() - staging.stat().st_mtime < NEW_STAGING_GRACE_S
    except OSError:
        return True  # gone meanwhile, or unreadable: not ours to remove


def remove_stale_staging(folder: Path) -> list[Path]:
    """Delete the staging folders in ``folder`` of exports that were killed: their process is no
    longer running here and no one holds their lock."""
    removed = []
    for path, _ in folders_of_gone_owners(folder, _STAGING_RE):
        if _in_use(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@contextmanager
def staging_folder(root: Path) -> Iterator[Path]:
    """A fresh staging folder beside the dataset ``root``, removed (with any folder made for it
    that is still empty) when the block ends; stale ones of killed exports are removed first."""
    parent = root.absolute().parent
    remove_stale_staging(parent)
    made = missing_folders(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as e:
        remove_if_still_empty(made)
        raise ReviewError(f"{parent}: cannot stage the exported clips there ({e.strerror or e})") from e
    try:
        with exclusive_lock(
                staging / OWNER_LOCK, wait=False,
                busy=lambda pid: ReviewError(f"{staging}: another export holds this staging folder (pid {pid})"),
                failed=lambda cause: ReviewError(f"{staging}: cannot lock the staging folder ({cause})")):
            yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        remove_if_still_empty(made)
