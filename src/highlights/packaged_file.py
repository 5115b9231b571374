"""A file that ships inside the package (the default pose model and its provenance, the score
calibration), as `importlib.resources` finds it.

Installed from a wheel, it is a file on disk; imported from a zip (zipimport, a zipapp, a frozen
application), it is a member of that zip and has no path: `open()`, `torch.load(path)` and
`Path(str(...))` miss it. Its readers therefore take it as a `Traversable` and read its bytes
(`read_bytes`, `read_text`, `open`), which works for both; a path given by the user stays a `Path`.
"""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def packaged_file(package: str, *parts: str) -> Traversable:
    """The file `parts` inside `package` (a file on disk, or a member of the zip it is imported from)."""
    return files(package).joinpath(*parts)


def file_or_member(value: str | os.PathLike | Traversable) -> Path | Traversable:
    """A `Path` for a file named by text or by a path; a packaged file as it is."""
    return Path(value) if isinstance(value, (str, os.PathLike)) else value


def shown_name(file: Path | Traversable) -> str:
    """What a report records as where the file is: its absolute path on disk, or, for a member of a
    zip, the zip's path followed by the member's (ZIP/highlights/...)."""
    return str(file.resolve()) if isinstance(file, Path) else str(file)
