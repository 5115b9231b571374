"""numpy ``.npz`` archives written atomically (`highlights.atomic`).

The archive is built in memory and written with one plain write. numpy writing a zip straight
into a file that fails half way (a full disk) leaves its zip writer open; when that is collected
later it tries to finish the closed file and prints "Exception ignored ... seek of closed file"
with a traceback after the command's own one-line error.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from highlights.atomic import atomic_write_bytes

# What `np.load` of a damaged archive raises: an empty file EOFError, one cut off BadZipFile, other
# bytes ValueError or OSError, an archive without a member KeyError. A cache entry that raises one
# is computed again. EOFError must be among them: it reached the command line, where click turns
# it into "Aborted." with no file named.
DAMAGED_NPZ = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def write_npz(path: str | os.PathLike, *, compressed: bool = True, **arrays: np.ndarray) -> Path:
    """Write ``arrays`` to ``path`` as one ``.npz`` (compressed unless told), whole or not at all."""
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())
