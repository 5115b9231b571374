"""The folder a review export cuts its clips into before the dataset version takes them.

It lies beside the dataset root, not in the system temp folder: on the dataset's own filesystem
(a season's clips can outgrow a temp folder held in memory, and a full disk is the dataset's, as
the version's write will find it), and where a user looking at the datasets sees it. Its name says
what it is and which process wrote it, so an export killed before it could clean up (`kill -9`,
a power cut) leaves a folder the next export recognises as stale and removes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.owner_pid import folders_of_gone_owners
from highlights.review.errors import ReviewError

STAGING_PREFIX = ".highlights-review-export-staging-"
_STAGING_RE = re.compile(r"^" + re.escape(STAGING_PREFIX) + r"(?P<pid>\d+)-")


def remove_stale_staging(folder: Path) -> list[Path]:
    """Delete the staging folders in ``folder`` whose export process is no longer running."""
    removed = []
    for path, _ in folders_of_gone_owners(folder, _STAGING_RE):
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
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        remove_if_still_empty(made)
