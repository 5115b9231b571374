"""Folders a command makes for its output, taken away again when it is refused: a refused command
leaves the file system as it found it (no empty output folder, no lock file, to confuse a rerun)."""

from __future__ import annotations

from pathlib import Path


def missing_folders(path: Path) -> list[Path]:
    """``path`` and each of its ancestors that does not exist yet, deepest first: the folders a
    ``mkdir(parents=True)`` of it would make."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    return missing


def remove_if_still_empty(folders: list[Path]) -> None:
    """Remove the folders of ``missing_folders`` (deepest first) while they are empty: one that
    holds what the command wrote, or what someone else put there meanwhile, stays, with its parents.
    One not there (a `mkdir` that failed part way never made it) is passed over."""
    for folder in folders:
        try:
            folder.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            return
