"""The page's clips and thumbnails a stopped `detect` had finished, kept on disk as they are cut,
so that a run stopped while it wrote its outputs cuts only the rest when it goes on.

On a whole game the page's clips are most of the writing: one small clip per highlight, hundreds
of them, against one reel of the best few. Each clip is kept the moment its encoder closes it (a
hard link to the finished file, else a copy renamed into place, so a kept clip is whole or
absent), each thumbnail as its JPEG. A run that goes on puts the kept files in its new output
folder and leaves their stretches of the source undecoded, unless the reel needs them; the reel
(one file) is cut again whole.

What a clip's pixels depend on names the folder: the video file (`file_identity`),
the picture reader, the pipeline's output number, PyAV (its FFmpeg and x264), and the whole cut:
every highlight's times, label and score, which ones the reel holds, and the reel's and clips'
settings (which frames are decoded at which size follows from all of them). A run that goes on
from kept detections finds the same highlights, so it names the same folder; anything else names
another and cuts every clip. A run that writes its outputs removes its folder; folders of runs
never finished are removed after `KEEP_DAYS` days, and at most `KEEP_RUNS` are kept.

A folder that cannot be written costs a later run the clips again; it never fails this one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from highlights.atomic import OutputPathError, atomic_path, atomic_write_bytes
from highlights.cache_dir import cache_dir
from highlights.counted_noun import counted

FOLDER = "detect-clips"
FORMAT = 1  # the layout of a folder
KEEP_RUNS = 8  # unfinished writes kept (the most recent); each is its clips, a few tens of MB an hour
KEEP_DAYS = 14

log = logging.getLogger(__name__)


def kept_clips_root() -> Path:
    return cache_dir() / FOLDER


def kept_clips_for(video_path: str | os.PathLike, **options) -> "KeptClips | None":
    """The clips and thumbnails earlier, stopped runs cut of `video_path` (None when the video
    cannot be read: that is the run's to refuse, in its own words)."""
    import av

    from highlights.file_identity import file_identity
    from highlights.pipeline.output_version import OUTPUT_VERSION
    from highlights.video import PICTURES_VERSION

    try:
        key = {"video": file_identity(video_path), "pictures": PICTURES_VERSION, "output": OUTPUT_VERSION,
               "pyav": av.__version__}
    except OSError:
        return None
    return KeptClips(key, **options)


class KeptClips:
    """`plan` names the cut; then `clip`/`thumbnail` give what an earlier run of the same cut kept
    (by the highlight's place in time order), `keep_clip`/`keep_thumbnail` keep this run's."""

    def __init__(self, key: dict[str, Any], *, root: Path | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        self.root = Path(root) if root is not None else kept_clips_root()
        self.key, self.say = key, say
        self.folder: Path | None = None
        self.writable = True
        self.found_clips = self.found_thumbnails = 0  # kept by earlier runs, counted at `plan`
        self.kept_clips = 0  # on disk now (earlier runs' and this one's)
        self.on_keep: Callable[[], None] | None = None  # told when the clips kept change

    def plan(self, cut: dict[str, Any]) -> None:
        text = json.dumps({"format": FORMAT, **self.key, "cut": cut}, sort_keys=True, default=repr)
        self.folder = self.root / hashlib.sha256(text.encode()).hexdigest()[:24]
        self._prune()
        if self.folder.is_dir():
            self.found_clips = sum(1 for _ in self.folder.glob("clip-*.mp4"))
            self.found_thumbnails = sum(1 for _ in self.folder.glob("thumb-*.jpg"))
            try:
                os.utime(self.folder)  # in use: the last to be pruned
            except OSError:
                pass
        self.kept_clips = self.found_clips
        if self.found_clips and self.on_keep is not None:
            self.on_keep()
        if self.found_clips and self.say is not None:
            was, are = ("was", "is") if self.found_clips == 1 else ("were", "are")
            self.say(f"going on with the page's clips: {counted(self.found_clips, 'clip')} of "
                     f"{len(cut.get('highlights', []))} {was} cut by an earlier run of this video, stopped or still "
                     f"running (kept in {self.folder}), and {are} reused, not cut again; the reel is cut again whole")

    def _clip_path(self, index: int) -> Path:
        return self.folder / f"clip-{index:05d}.mp4"

    def _thumbnail_path(self, index: int) -> Path:
        return self.folder / f"thumb-{index:05d}.jpg"

    # -- reading -------------------------------------------------------------------------------
    def place_clip(self, index: int, dest: Path) -> Path | None:
        """The kept clip of highlight `index` put at `dest` (None: none kept, or it could not be read)."""
        if self.folder is None or not self.found_clips:
            return None
        kept = self._clip_path(index)
        if not kept.is_file():
            return None
        try:
            _link_or_copy(kept, dest)
        except OSError:
            return None  # cut again
        return dest

    def thumbnail(self, index: int) -> bytes | None:
        if self.folder is None or not self.found_thumbnails:
            return None
        try:
            return self._thumbnail_path(index).read_bytes()
        except OSError:
            return None

    # -- writing -------------------------------------------------------------------------------
    def keep_clip(self, index: int, path: Path) -> None:
        if self._writing(lambda: _link_or_copy(path, self._clip_path(index))):
            self.kept_clips += 1
            if self.on_keep is not None:
                self.on_keep()

    def keep_thumbnail(self, index: int, jpeg: bytes) -> None:
        self._writing(lambda: atomic_write_bytes(self._thumbnail_path(index), jpeg))

    def _writing(self, write) -> bool:
        if self.folder is None or not self.writable:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write()
            return True
        except (OSError, OutputPathError) as e:
            self.writable = False
            log.warning("%s: the page's clips cannot be kept there (%s), so a run stopped while it writes its "
                        "outputs cuts them all again; set HIGHLIGHTS_CACHE_DIR to a folder that can be written",
                        self.folder, getattr(e, "strerror", None) or e)
            return False

    def discard(self) -> None:
        """The run wrote its outputs: its kept clips are no longer needed."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _prune(self) -> None:
        from highlights.pipeline.kept_frames import prune_unfinished

        prune_unfinished(self.root, self.folder, days=KEEP_DAYS, runs=KEEP_RUNS)


def _link_or_copy(source: Path, dest: Path) -> None:
    """`dest` becomes `source`'s content whole or not at all: a hard link (no bytes copied), else,
    across file systems, a copy renamed into place."""
    dest.unlink(missing_ok=True)
    try:
        os.link(source, dest)
        return
    except OSError:
        pass
    with atomic_path(dest) as staged:
        shutil.copyfile(source, staged)
