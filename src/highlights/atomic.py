"""Files written whole or not at all: a temp file in the same folder, then ``os.replace``.

The temp file sits beside the target so ``os.replace`` is a same-filesystem rename, which is
atomic: a reader sees the previous file (or none) until the new one is complete, and an
interrupted or failed write leaves no half-written file and no temp file behind. The data is
flushed to disk before the rename, so a power cut cannot leave a renamed but empty file.

Temp files are named ``.NAME.XXXXXXXX.tmp``: hidden, and easy to recognise if a hard crash (one
where no cleanup ran) ever leaves one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# What a plain `open(path, "w")` gives under the usual umask. (mkstemp makes 0o600, and reading
# the umask means setting it, which is not thread-safe, so the common default is used directly.)
FILE_MODE = 0o644


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success it is renamed onto ``path``.

    Write the whole file to the yielded path inside the ``with`` block (it exists, empty, with
    mode 0o644; writers may replace or truncate it). If the block raises, the temp file is
    removed and ``path`` is left as it was. Parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, FILE_MODE)
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 atomically, newlines as given (no platform translation)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any, **json_kwargs: Any) -> Path:
    """``json.dumps(obj, **json_kwargs)`` plus a final newline, written atomically."""
    return atomic_write_text(path, json.dumps(obj, **json_kwargs) + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
