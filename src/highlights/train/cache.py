"""Decoded-clip cache: each clip is decoded once, so later epochs never touch video.

On a laptop CPU, decoding is a large part of an epoch's data work; the frames a clip yields
never change (only the random crop and augmentation do), so they are decoded once into a
small uint8 array (`num_frames` frames, short side `resize_short_side`) and every epoch reads
that. A cache file is keyed by the clip's sha256 and the spec fields that shape it, so clips
shared by several dataset versions or runs are decoded once, and a changed spec, or a version
of the reader that decodes pictures differently (`video.PICTURES_VERSION`), never reads stale
frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from highlights.atomic import atomic_path
from highlights.clips.spec import ClipSpec
from highlights.counted_noun import counted
from highlights.datasets.errors import DatasetError
from highlights.file_hash import file_sha256
from highlights.video import PICTURES_VERSION, VideoError, read_clip
from highlights.video.transforms import resize_short_side

if TYPE_CHECKING:
    from highlights.datasets import ClipRecord

CACHE_FORMAT = 1


class DecodedClipCache:
    """`cache.path_for(record)` -> the `.npy` file holding the clip's decoded, resized frames."""

    def __init__(self, directory: str | Path, spec: ClipSpec):
        self.directory = Path(directory)
        self.spec = spec
        self.decoded = 0  # clips decoded by this instance (the rest came from disk)

    def key(self, record: ClipRecord) -> str:
        digest = record.sha256 or file_sha256(record.path)
        text = (f"{digest}:{self.spec.num_frames}:{self.spec.resize_short_side}:{CACHE_FORMAT}"
                f":pictures{PICTURES_VERSION}")
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def path_for(self, record: ClipRecord) -> Path:
        key = self.key(record)
        return self.directory / key[:2] / f"{key}.npy"

    def load(self, record: ClipRecord) -> np.ndarray:
        return np.load(self.path_for(record))

    def ensure(
        self,
        records: Sequence[ClipRecord],
        *,
        workers: int = 1,
        on_done: Callable[[ClipRecord], None] | None = None,
    ) -> list[Path]:
        """Decodes every clip not cached yet and returns the cache files, in `records` order.

        PyAV releases the GIL while decoding, so a few threads overlap clips usefully.
        """
        paths = [self.path_for(r) for r in records]
        missing = []
        for record, path in zip(records, paths):
            if not self._whole(path):
                missing.append((record, path))
            elif on_done is not None:
                on_done(record)

        def decode(item: tuple[ClipRecord, Path]) -> tuple[ClipRecord, VideoError | None]:
            record, path = item
            try:
                self._decode_into(record, path)
            except VideoError as e:  # gathered, so one run names every clip that does not decode
                return record, e
            return record, None

        if workers <= 1:
            results = map(decode, missing)
        else:
            pool = ThreadPoolExecutor(max_workers=workers)
            results = pool.map(decode, missing)
        failed: list[str] = []
        try:
            for record, error in results:
                if error is not None:
                    failed.append(str(error))
                    continue
                self.decoded += 1
                if on_done is not None:
                    on_done(record)
        finally:
            if workers > 1:
                pool.shutdown(wait=True, cancel_futures=True)
        if failed:
            raise DatasetError(failed, headline=(f"{len(failed)} of {counted(len(records), 'clip')} "
                                                  f"{'does' if len(failed) == 1 else 'do'} not decode"))
        return paths

    def _whole(self, path: Path) -> bool:
        """Whether `path` holds a whole cached clip: missing, empty, cut off (a disk that failed, a
        copy that stopped) or of another shape, it is decoded again. Only its header is read (the
        mapping checks the file holds all the data it states); an empty file reached the
        DataLoader as an EOFError, which the command line said as "Aborted." naming no file."""
        try:
            frames = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError):  # FileNotFoundError among them
            return False
        whole = (frames.dtype == np.uint8 and frames.ndim == 4
                 and frames.shape[0] == self.spec.num_frames and frames.shape[3] == 3)
        del frames  # the mapping, closed before the file may be replaced
        return whole

    def _decode_into(self, record: ClipRecord, path: Path) -> None:
        frames, _ = read_clip(record.path, self.spec.num_frames)
        frames = resize_short_side(frames, self.spec.resize_short_side)
        _atomic_save_npy(path, frames.astype(np.uint8, copy=False))


def _atomic_save_npy(path: Path, array: np.ndarray) -> None:
    # Through a file object: given a path, np.save would append ".npy" to the temp name.
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array)

