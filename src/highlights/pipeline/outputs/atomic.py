"""Atomic file writes: a reader never sees a half-written output."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Writes `data` to a temp file in the target's folder, then renames it over `path`.

    The temp file lives in the same folder so `os.replace` is a same-filesystem rename, which is
    atomic: an interrupted run leaves the previous file (or none), never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_name = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 (not mkstemp's 0o600) so the output gets the usual umask permissions.
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str, *, newline: str = "\n") -> Path:
    """Atomic UTF-8 text write; `newline` replaces every "\\n" (CSV and EDL want "\\r\\n")."""
    if newline != "\n":
        text = text.replace("\r\n", "\n").replace("\n", newline)
    return write_bytes_atomic(path, text.encode("utf-8"))
