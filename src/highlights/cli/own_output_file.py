"""An --out that names one file (`pipeline calibrate`'s calibration, `augment preview`'s picture).

A file already there is replaced, whole (`highlights.atomic`), only where the command wrote it: an
earlier run's, as a report folder's own files are replaced by the next report. Anything else
there (an annotation or a clip named by a slip of the hand, a picture of one's own) is refused in
one line naming it, before the run rather than overwritten after it, as a `detect` folder that
holds what no run wrote is refused (`highlights.pipeline.output_folder`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from highlights.atomic import OutputPathError


def refuse_a_file_not_its_own(path: Path, *, its_own: Callable[[Path], bool], kind: str,
                              out_name: str = "--out") -> None:
    """An `OutputPathError` naming ``path`` where a file is there that ``its_own`` does not take
    for one of ``kind`` (what the command writes, in words)."""
    if path.is_file() and not its_own(path):
        raise OutputPathError(f"{path}: is not {kind}, the only file {out_name} replaces; give "
                              f"{out_name} a new file, or remove this one")
