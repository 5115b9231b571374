"""The synthetic training and validation windows of `train --model pose`, kept in the cache folder.

Every run with the same settings draws the same windows (`synth_data.synth_windows` is seeded), and
drawing them is a large share of a short training run, so they are kept under ``pose-windows/`` of
the cache folder and read back by the next run that asks for the same ones.

An entry is found by everything that shapes its windows: the window settings (count, seed, frame
rate, length, share of `none`, difficulty range), the classes, the generator's name and numpy's
version (its random streams), and the generator's source code itself. The package's version does
not change with every edit of the generator, so a motion drawn differently since would otherwise be
read from an entry made before. Where that source cannot be read (the package imported from a zip)
nothing is kept. The cache is a shortcut only: an entry that cannot be read is drawn again, and one
that cannot be written leaves the next run to draw it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from highlights.atomic import OutputPathError
from highlights.cache_dir import cache_dir
from highlights.npz_file import DAMAGED_NPZ, write_npz
from highlights.pose_classifier import synth_data
from highlights.pose_classifier.synth_data import SynthWindowSpec
from highlights.synth.clip import GENERATOR, LABELS

FOLDER = "pose-windows"
KEEP_ENTRIES = 8  # the most recently written; 3,000 windows take about 7 MB

log = logging.getLogger(__name__)


def generator_source_files() -> list[Path]:
    """The source files whose code shapes the windows drawn: the generator package, `synth_data`,
    and the vocabulary, whose sports a `none` window's sport is drawn from (an added sport changes
    them even for a run whose classes do not name it)."""
    import highlights.synth as synth_package
    from highlights import vocabulary

    return sorted(Path(synth_package.__file__).parent.glob("*.py")) + [
        Path(synth_data.__file__), Path(vocabulary.__file__)]


def generator_code_id() -> str | None:
    """The SHA-256 of `generator_source_files`, or None where a file cannot be read as one."""
    digest = hashlib.sha256()
    try:
        for path in generator_source_files():
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def window_key(spec: SynthWindowSpec, classes: tuple[str, ...]) -> str | None:
    """What shapes the windows of ``spec`` for ``classes``, as text; None where the generator's
    source cannot be read (nothing is then kept)."""
    code = generator_code_id()
    if code is None:
        return None
    return json.dumps({"spec": spec.to_dict(), "classes": list(classes), "generator": GENERATOR,
                       "generator_code": code, "numpy": np.__version__}, sort_keys=True)


def cached_synth_windows(spec: SynthWindowSpec, *, show_progress: bool = False,
                         classes: tuple[str, ...] = LABELS
                         ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`synth_windows(spec, classes=classes)`, read from the cache folder when a run drew the same
    windows before, else drawn and kept there."""
    key = window_key(spec, tuple(classes))
    if key is None:
        return synth_data.synth_windows(spec, show_progress=show_progress, classes=classes)
    entry = cache_dir() / FOLDER / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.npz"
    kept = _read(entry, key)
    if kept is not None:
        return kept
    windows, labels, names = synth_data.synth_windows(spec, show_progress=show_progress,
                                                      classes=classes)
    _keep(entry, key, windows, labels, names)
    return windows, labels, names


def _read(entry: Path, key: str) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    try:
        with np.load(entry) as z:
            if str(z["key"]) != key:
                return None
            return z["windows"], z["labels"], [str(n) for n in z["names"]]
    except DAMAGED_NPZ:  # none, or damaged: drawn again
        return None


def _keep(entry: Path, key: str, windows: np.ndarray, labels: np.ndarray,
          names: list[str]) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_npz(entry, key=np.array(key), windows=windows, labels=labels,
                  names=np.array(names, dtype=str))
        kept = sorted(entry.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-KEEP_ENTRIES]:
            old.unlink(missing_ok=True)
    except (OSError, OutputPathError) as e:
        log.debug("%s: cannot be written (%s); the windows are drawn again next time", entry, e)
